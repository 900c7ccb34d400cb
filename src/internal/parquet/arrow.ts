/**
 * Turns the Arrow table that parquet-wasm (arrow-rs) decodes into a polaroid Frame. Arrow types polaroid does not
 * model are rewritten first, sharing buffers where the layout allows:
 * Binary/LargeBinary → Utf8 over the same bytes; FixedSizeBinary → Utf8 (UUID columns as canonical text, others
 * raw bytes); Time32/Time64 → Duration; LargeList → List; Timestamp tz "+00:00" → "UTC".
 * Decimal256, Interval, Union and view types are rejected with a ParquetFailure naming the column.
 * @internal
 */
import type * as A from "apache-arrow"
import { arrow } from "../arrowLib.ts"
import * as Arrow from "../arrow.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { ParquetFailure } from "./failure.ts"
import type { PNode } from "./schema.ts"

const UTC_ALIASES: ReadonlySet<string> = new Set(["+00:00", "Z", "+0000", "UTC", "Etc/UTC"])

const HEX: ReadonlyArray<string> = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

const unsupported = (column: string, what: string): ParquetFailure =>
  new ParquetFailure(`column "${column}": unsupported Arrow type ${what}`, {
    column,
    expected: "a type polaroid models (see docs/parquet.md)"
  })

const fixedToUtf8 = (d: A.Data, width: number, uuid: boolean): A.Data => {
  const ar = arrow()
  const n = d.length
  const src = (d.values as Uint8Array).subarray(d.offset * width, (d.offset + n) * width)
  const offsets = new Int32Array(n + 1)
  let bytes: Uint8Array
  if (uuid && width === 16) {
    bytes = new Uint8Array(n * 36)
    const enc = new TextEncoder()
    for (let i = 0; i < n; i++) {
      let s = ""
      for (let k = 0; k < 16; k++) {
        if (k === 4 || k === 6 || k === 8 || k === 10) s += "-"
        s += HEX[src[i * 16 + k]!]!
      }
      enc.encodeInto(s, bytes.subarray(i * 36))
      offsets[i + 1] = (i + 1) * 36
    }
  } else {
    bytes = src
    for (let i = 0; i <= n; i++) offsets[i] = i * width
  }
  return ar.makeData({
    type: new ar.Utf8(),
    length: n,
    nullCount: d.nullCount,
    nullBitmap: bitmapOf(d),
    valueOffsets: offsets,
    data: bytes
  })
}

/**
 * LargeUtf8/LargeBinary (64-bit offsets, e.g. Polars files) → Utf8 with 32-bit offsets rebased to 0. Reads the
 * low words of the little-endian offsets through an Int32Array view (no BigInt per row).
 */
const largeToUtf8 = (d: A.Data, column: string): A.Data => {
  const ar = arrow()
  const raw = d.valueOffsets as unknown as BigInt64Array
  const n = d.length
  const base = raw[d.offset]!
  const span = raw[d.offset + n]! - base
  if (span >= 2n ** 31n)
    throw new ParquetFailure(`column "${column}": a batch holds ${span} bytes of strings, above 2 GiB`, {
      column,
      expected: "under 2 GiB of string data per record batch"
    })
  const words = new Int32Array(raw.buffer, raw.byteOffset, raw.length * 2)
  const offsets = new Int32Array(n + 1)
  const b0 = words[2 * d.offset]!
  // The true differences are below 2^31, so int32 wrap-around of the low words cancels out.
  for (let i = 0; i <= n; i++) offsets[i] = (words[2 * (d.offset + i)]! - b0) | 0
  const start = Number(base)
  return ar.makeData({
    type: new ar.Utf8(),
    length: n,
    nullCount: d.nullCount,
    nullBitmap: bitmapOf(d),
    valueOffsets: offsets,
    data: (d.values as Uint8Array).subarray(start, start + Number(span))
  })
}

/** The validity bitmap re-based to offset 0 (copied only when the data starts at a bit offset). */
const bitmapOf = (d: A.Data): Uint8Array | undefined => {
  if (d.nullCount === 0 || d.nullBitmap === undefined || d.nullBitmap.length === 0) return undefined
  if (d.offset === 0) return d.nullBitmap
  const out = new Uint8Array((d.length + 7) >> 3)
  for (let i = 0; i < d.length; i++) {
    const j = d.offset + i
    if ((d.nullBitmap[j >> 3]! & (1 << (j & 7))) !== 0) out[i >> 3]! |= 1 << (i & 7)
  }
  return out
}

const childNode = (p: PNode | undefined, name: string): PNode | undefined => p?.children.find((c) => c.name === name)

/** Rewrites one Arrow Data (recursively) into types polaroid models; returns `d` itself when nothing changes. */
export const sanitize = (d: A.Data, p: PNode | undefined, column: string): A.Data => {
  const ar = arrow()
  const t = d.type
  switch (t.typeId) {
    case ar.Type.Binary:
      return ar.makeData({
        type: new ar.Utf8(),
        offset: d.offset,
        length: d.length,
        nullCount: d.nullCount,
        nullBitmap: d.nullBitmap,
        valueOffsets: d.valueOffsets as Int32Array,
        data: d.values as Uint8Array
      })
    case ar.Type.LargeBinary:
    case ar.Type.LargeUtf8:
      return largeToUtf8(d, column)
    case ar.Type.FixedSizeBinary:
      return fixedToUtf8(d, (t as A.FixedSizeBinary).byteWidth, p?.uuid === true)
    case ar.Type.Time: {
      const tt = t as A.Time
      const n = d.length
      const out = new BigInt64Array(n)
      const v = d.values as Int32Array | BigInt64Array
      if (v instanceof BigInt64Array) out.set(v.subarray(d.offset, d.offset + n))
      else for (let i = 0; i < n; i++) out[i] = BigInt(v[d.offset + i]!)
      return ar.makeData({
        type: new ar.Duration(tt.unit),
        length: n,
        nullCount: d.nullCount,
        nullBitmap: bitmapOf(d),
        data: out
      })
    }
    case ar.Type.Timestamp: {
      const ts = t as A.Timestamp
      if (ts.timezone == null || ts.timezone === "UTC" || !UTC_ALIASES.has(ts.timezone)) return d
      return ar.makeData({
        type: new ar.Timestamp(ts.unit, "UTC"),
        offset: d.offset,
        length: d.length,
        nullCount: d.nullCount,
        nullBitmap: d.nullBitmap,
        data: d.values as unknown as BigInt64Array
      })
    }
    case ar.Type.Decimal:
      if ((t as A.Decimal).bitWidth !== 128) throw unsupported(column, String(t))
      return d
    case ar.Type.Interval:
    case ar.Type.Union:
    case ar.Type.BinaryView:
    case ar.Type.Utf8View:
      throw unsupported(column, String(t))
    case ar.Type.Dictionary: {
      const dt = t as A.Dictionary
      const dict = d.dictionary!
      const chunks = dict.data.map((c) => sanitize(c, p, column))
      if (chunks.every((c, i) => c === dict.data[i])) return d
      const newType = new ar.Dictionary(chunks[0]!.type, dt.indices, dt.id, dt.isOrdered)
      return ar.makeData({
        type: newType,
        offset: d.offset,
        length: d.length,
        nullCount: d.nullCount,
        nullBitmap: d.nullBitmap,
        data: d.values as Int32Array,
        dictionary: new ar.Vector(chunks)
      })
    }
    case ar.Type.List:
    case ar.Type.LargeList: {
      const item = p?.kind === "list" ? p.children[0] : undefined
      const child = sanitize(d.children[0]!, item, column)
      const f = (t as A.List).children[0]!
      if (t.typeId === ar.Type.List && child === d.children[0]) return d
      let offsets = d.valueOffsets as Int32Array | BigInt64Array
      if (offsets instanceof BigInt64Array) {
        const o = new Int32Array(d.length + 1)
        const base = offsets[d.offset]!
        for (let i = 0; i <= d.length; i++) o[i] = Number(offsets[d.offset + i]! - base)
        const start = Number(base)
        const sliced = child.slice(start, o[d.length]!)
        return ar.makeData({
          type: new ar.List(new ar.Field(f.name, sliced.type, f.nullable, f.metadata)),
          length: d.length,
          nullCount: d.nullCount,
          nullBitmap: bitmapOf(d),
          valueOffsets: o,
          child: sliced
        })
      }
      offsets = offsets as Int32Array
      return ar.makeData({
        type: new ar.List(new ar.Field(f.name, child.type, f.nullable, f.metadata)),
        offset: d.offset,
        length: d.length,
        nullCount: d.nullCount,
        nullBitmap: d.nullBitmap,
        valueOffsets: offsets,
        child
      })
    }
    case ar.Type.FixedSizeList: {
      const item = p?.kind === "list" ? p.children[0] : undefined
      const child = sanitize(d.children[0]!, item, column)
      if (child === d.children[0]) return d
      const fl = t as A.FixedSizeList
      const f = fl.children[0]!
      return ar.makeData({
        type: new ar.FixedSizeList(fl.listSize, new ar.Field(f.name, child.type, f.nullable, f.metadata)),
        offset: d.offset,
        length: d.length,
        nullCount: d.nullCount,
        nullBitmap: d.nullBitmap,
        child
      })
    }
    case ar.Type.Map: {
      const entries = d.children[0]!
      const entryNode: PNode | undefined =
        p?.kind === "map" ? { ...p, kind: "struct", children: p.children } : undefined
      const child = sanitize(entries, entryNode, column)
      if (child === entries) return d
      const mt = t as A.Map_
      const f = mt.children[0]!
      return ar.makeData({
        type: new ar.Map_(new ar.Field(f.name, child.type as A.Struct, f.nullable, f.metadata), mt.keysSorted),
        offset: d.offset,
        length: d.length,
        nullCount: d.nullCount,
        nullBitmap: d.nullBitmap,
        valueOffsets: d.valueOffsets as Int32Array,
        child
      })
    }
    case ar.Type.Struct: {
      const st = t as A.Struct
      const children = d.children.map((c, i) => sanitize(c, childNode(p, st.children[i]!.name), column))
      if (children.every((c, i) => c === d.children[i])) return d
      return ar.makeData({
        type: new ar.Struct(st.children.map((f, i) => new ar.Field(f.name, children[i]!.type, f.nullable, f.metadata))),
        offset: d.offset,
        length: d.length,
        nullCount: d.nullCount,
        nullBitmap: d.nullBitmap,
        children
      })
    }
    default:
      return d
  }
}

/**
 * Arrow record batches (all with the same schema) as one Frame, one batch per record batch, buffers shared.
 * `nodes` are the Parquet schema nodes of the columns, by name (used for UUID columns).
 */
export const frameFromArrow = (
  schema: A.Schema,
  batches: ReadonlyArray<A.RecordBatch>,
  nodes: ReadonlyMap<string, PNode>
): Frame => {
  const fields = schema.fields
  const cleaned = batches.map((b) => b.data.children.map((d, i) => sanitize(d, nodes.get(fields[i]!.name), fields[i]!.name)))
  const types = fields.map((f) => sanitizeType(f.type, nodes.get(f.name), f.name))
  const out = fields.map((f, i) => {
    try {
      return { name: f.name, dtype: Arrow.dtypeFromArrow(types[i]!) }
    } catch (e) {
      throw unsupported(f.name, e instanceof Error ? e.message : String(e))
    }
  })
  const frameBatches = cleaned.map((cols, bi) => ({
    length: batches[bi]!.numRows,
    columns: cols.map((d, i) => {
      try {
        return Arrow.columnFromData(d)
      } catch (e) {
        throw unsupported(fields[i]!.name, e instanceof Error ? e.message : String(e))
      }
    })
  }))
  return F.unsafeMake(out, frameBatches)
}

/** The type `sanitize` gives for Data of type `t` (used for the schema, also when there are no batches). */
export const sanitizeType = (t: A.DataType, p: PNode | undefined, column: string): A.DataType => {
  const ar = arrow()
  const field = (f: A.Field, ct: A.DataType) => new ar.Field(f.name, ct, f.nullable, f.metadata)
  switch (t.typeId) {
    case ar.Type.Binary:
    case ar.Type.FixedSizeBinary:
    case ar.Type.LargeBinary:
    case ar.Type.LargeUtf8:
      return new ar.Utf8()
    case ar.Type.Time:
      return new ar.Duration((t as A.Time).unit)
    case ar.Type.Timestamp: {
      const ts = t as A.Timestamp
      return ts.timezone != null && ts.timezone !== "UTC" && UTC_ALIASES.has(ts.timezone) ? new ar.Timestamp(ts.unit, "UTC") : t
    }
    case ar.Type.Decimal:
      if ((t as A.Decimal).bitWidth !== 128) throw unsupported(column, String(t))
      return t
    case ar.Type.Interval:
    case ar.Type.Union:
    case ar.Type.BinaryView:
    case ar.Type.Utf8View:
      throw unsupported(column, String(t))
    case ar.Type.Dictionary: {
      const dt = t as A.Dictionary
      const v = sanitizeType(dt.dictionary, p, column)
      return v === dt.dictionary ? t : new ar.Dictionary(v, dt.indices, dt.id, dt.isOrdered)
    }
    case ar.Type.List:
    case ar.Type.LargeList: {
      const f = (t as A.List).children[0]!
      const c = sanitizeType(f.type, p?.kind === "list" ? p.children[0] : undefined, column)
      return t.typeId === ar.Type.List && c === f.type ? t : new ar.List(field(f, c))
    }
    case ar.Type.FixedSizeList: {
      const fl = t as A.FixedSizeList
      const f = fl.children[0]!
      const c = sanitizeType(f.type, p?.kind === "list" ? p.children[0] : undefined, column)
      return c === f.type ? t : new ar.FixedSizeList(fl.listSize, field(f, c))
    }
    case ar.Type.Map: {
      const mt = t as A.Map_
      const f = mt.children[0]!
      const c = sanitizeType(f.type, p?.kind === "map" ? { ...p, kind: "struct" } : undefined, column)
      return c === f.type ? t : new ar.Map_(field(f, c) as A.Field<A.Struct>, mt.keysSorted)
    }
    case ar.Type.Struct: {
      const st = t as A.Struct
      const cs = st.children.map((f) => sanitizeType(f.type, childNode(p, f.name), column))
      return cs.every((c, i) => c === st.children[i]!.type) ? t : new ar.Struct(st.children.map((f, i) => field(f, cs[i]!)))
    }
    default:
      return t
  }
}
