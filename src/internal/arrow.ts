/**
 * Zero-copy conversion between polaroid columns and apache-arrow `Data`.
 * Buffers are shared whenever the Arrow layout equals ours: fixed-width values, Utf8 bytes and Int32 offsets (also of
 * sliced data, whose value buffers apache-arrow has already sliced), Int32 dictionary codes, and validity bitmaps at
 * offset 0. Float16, LargeUtf8, Date64, Dictionary indices other than Int32, bitmaps of sliced data (at a bit offset)
 * and offsets that do not start at 0 are copied.
 * @internal
 */
import type * as A from "apache-arrow"
import { arrow } from "./arrowLib.ts"
import * as DT from "../Frame/DataType.ts"
import type { DataType, Field } from "../Frame/DataType.ts"
import * as Bits from "./bitmap.ts"
import * as C from "./column.ts"
import type { Column } from "./column.ts"

/** Time units by Arrow `TimeUnit` value (SECOND = 0 … NANOSECOND = 3, as Arrow's Schema.fbs numbers them). */
const UNIT_FROM_ARROW: ReadonlyArray<DT.TimeUnit> = ["s", "ms", "us", "ns"]
const UNIT_TO_ARROW: Record<DT.TimeUnit, A.TimeUnit> = { s: 0, ms: 1, us: 2, ns: 3 }

/** Thrown only inside this module and caught by its callers (fromArrow wraps it into a typed error). */
export class UnsupportedArrowType extends Error {}

/** Our dtype for an Arrow type; throws UnsupportedArrowType for types we do not model (Binary, Union, Interval…). */
export const dtypeFromArrow = (t: A.DataType): DataType => {
  const ar = arrow()
  switch (t.typeId) {
    case ar.Type.Null:
      return DT.Null
    case ar.Type.Int: {
      const it = t as A.Int
      const tag = `${it.isSigned ? "Int" : "UInt"}${it.bitWidth}` as DT.IntegerTag
      return { _tag: tag }
    }
    case ar.Type.Float: {
      const ft = t as A.Float
      return ft.precision === ar.Precision.DOUBLE ? DT.Float64 : DT.Float32
    }
    case ar.Type.Bool:
      return DT.Boolean
    case ar.Type.Utf8:
    case ar.Type.LargeUtf8:
      return DT.Utf8
    case ar.Type.Dictionary: {
      const d = t as A.Dictionary
      if (d.dictionary.typeId === ar.Type.Utf8 || d.dictionary.typeId === ar.Type.LargeUtf8) return DT.Categorical
      return dtypeFromArrow(d.dictionary)
    }
    case ar.Type.Date:
      return DT.Date
    case ar.Type.Timestamp: {
      const ts = t as A.Timestamp
      return DT.Timestamp(UNIT_FROM_ARROW[ts.unit]!, ts.timezone ?? null)
    }
    case ar.Type.Duration:
      return DT.Duration(UNIT_FROM_ARROW[(t as A.Duration).unit]!)
    case ar.Type.Decimal: {
      const d = t as A.Decimal
      if (d.bitWidth !== 128) throw new UnsupportedArrowType(`Decimal${d.bitWidth}`)
      return DT.Decimal(d.precision, d.scale)
    }
    case ar.Type.List:
      return DT.List(dtypeFromArrow((t as A.List).children[0]!.type))
    case ar.Type.FixedSizeList:
      return DT.List(dtypeFromArrow((t as A.FixedSizeList).children[0]!.type))
    case ar.Type.Map: {
      const entries = (t as A.Map_).children[0]!
      return DT.List(dtypeFromArrow(entries.type))
    }
    case ar.Type.Struct:
      return DT.Struct((t as A.Struct).children.map((f) => ({ name: f.name, dtype: dtypeFromArrow(f.type) })))
    default:
      throw new UnsupportedArrowType(String(t))
  }
}

/** The Arrow type for our dtype. */
export const dtypeToArrow = (t: DataType): A.DataType => {
  const ar = arrow()
  switch (t._tag) {
    case "Null":
      return new ar.Null()
    case "Int8":
      return new ar.Int8()
    case "Int16":
      return new ar.Int16()
    case "Int32":
      return new ar.Int32()
    case "Int64":
      return new ar.Int64()
    case "UInt8":
      return new ar.Uint8()
    case "UInt16":
      return new ar.Uint16()
    case "UInt32":
      return new ar.Uint32()
    case "UInt64":
      return new ar.Uint64()
    case "Float32":
      return new ar.Float32()
    case "Float64":
      return new ar.Float64()
    case "Boolean":
      return new ar.Bool()
    case "Utf8":
      return new ar.Utf8()
    case "Categorical":
      return new ar.Dictionary(new ar.Utf8(), new ar.Int32())
    case "Date":
      return new ar.DateDay()
    case "Timestamp":
      return new ar.Timestamp(UNIT_TO_ARROW[t.unit], t.timeZone)
    case "Duration":
      return new ar.Duration(UNIT_TO_ARROW[t.unit])
    case "Decimal":
      return new ar.Decimal(t.scale, t.precision, 128)
    case "List":
      return new ar.List(new ar.Field("item", dtypeToArrow(t.inner), true))
    case "Struct":
      return new ar.Struct(t.fields.map((f) => new ar.Field(f.name, dtypeToArrow(f.dtype), true)))
  }
}

const validityOf = (d: A.Data): Uint8Array | null => {
  if (d.nullCount === 0 || d.nullBitmap === undefined || d.nullBitmap.length === 0) return null
  if (d.offset === 0) return d.nullBitmap
  return Bits.sliceBits(d.nullBitmap, d.offset, d.length)
}

const float16ToFloat32 = (h: number): number => {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >> 10) & 0x1f
  const f = h & 0x3ff
  if (e === 0) return s * 2 ** -14 * (f / 1024)
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY
  return s * 2 ** (e - 15) * (1 + f / 1024)
}

// apache-arrow's `Data.slice` slices the value, offset and (for Struct/FixedSizeList) child buffers itself and keeps
// `offset` only for the bit-addressed buffers: the validity bitmap and Boolean values. So below, fixed-width values,
// `valueOffsets` and children start at the data's first row, and `d.offset` is applied to bitmaps only.
const offsetsOf = (d: A.Data): { offsets: Int32Array; base: number } => {
  const raw = d.valueOffsets as Int32Array | BigInt64Array
  if (raw instanceof BigInt64Array) {
    const out = new Int32Array(d.length + 1)
    const base = Number(raw[0]!)
    for (let i = 0; i <= d.length; i++) out[i] = Number(raw[i]!) - base
    return { offsets: out, base }
  }
  const base = raw[0]!
  if (base === 0) return { offsets: raw.length === d.length + 1 ? raw : raw.subarray(0, d.length + 1), base }
  const out = new Int32Array(d.length + 1)
  for (let i = 0; i <= d.length; i++) out[i] = raw[i]! - base
  return { offsets: out, base }
}

/** One Arrow `Data` chunk as a column (zero-copy where the layouts agree). */
export const columnFromData = (d: A.Data): Column => {
  const ar = arrow()
  const dtype = dtypeFromArrow(d.type)
  const validity = validityOf(d)
  const n = d.length
  const t = d.type
  // Empty data (e.g. the batch apache-arrow makes for an empty table) may have no buffers at all.
  if (n === 0) return C.nulls(dtype, 0)
  switch (t.typeId) {
    case ar.Type.Null:
      return C.nulls(DT.Null, n)
    case ar.Type.Bool:
      return C.make(
        dtype,
        n,
        d.offset === 0 ? (d.values as Uint8Array) : Bits.sliceBits(d.values as Uint8Array, d.offset, n),
        validity
      )
    case ar.Type.Utf8:
    case ar.Type.LargeUtf8: {
      const { offsets, base } = offsetsOf(d)
      const bytes = (d.values as Uint8Array).subarray(base, base + offsets[n]!)
      return C.make(dtype, n, bytes, validity, { offsets })
    }
    case ar.Type.Dictionary: {
      const dictVec = d.dictionary!
      const dictCol = concatData(dictVec.data)
      const raw = d.values as C.Values
      const codes =
        raw instanceof Int32Array
          ? raw.subarray(0, n)
          : Int32Array.from(raw.subarray(0, n) as ArrayLike<number>, (x) => Number(x))
      if (dtype._tag === "Categorical") return C.make(dtype, n, codes, validity, { dictionary: dictCol })
      // A dictionary of non-strings: decode it.
      const col = C.take(dictCol, codes)
      return C.make(col.dtype, n, col.values, validity, col)
    }
    case ar.Type.Float: {
      if ((t as A.Float).precision === ar.Precision.HALF) {
        const h = (d.values as Uint16Array).subarray(0, n)
        const out = new Float32Array(n)
        for (let i = 0; i < n; i++) out[i] = float16ToFloat32(h[i]!)
        return C.make(DT.Float32, n, out, validity)
      }
      return C.make(dtype, n, (d.values as C.Values).subarray(0, n), validity)
    }
    case ar.Type.Date: {
      const v = d.values as Int32Array | BigInt64Array
      if ((t as A.Date_).unit === ar.DateUnit.DAY && v instanceof Int32Array)
        return C.make(dtype, n, v.subarray(0, n), validity)
      const out = new Int32Array(n)
      if (v instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = Number(v[i]! / 86_400_000n)
      else for (let i = 0; i < n; i++) out[i] = Math.floor(((v[2 * i + 1]! * 2 ** 32) + (v[2 * i]! >>> 0)) / 86_400_000)
      return C.make(dtype, n, out, validity)
    }
    case ar.Type.Decimal: {
      const u = d.values as Uint32Array
      const v = new BigInt64Array(u.buffer, u.byteOffset, 2 * n)
      return C.make(dtype, n, v, validity)
    }
    case ar.Type.List:
    case ar.Type.Map: {
      const { offsets, base } = offsetsOf(d)
      const child = C.slice(columnFromData(d.children[0]!), base, offsets[n]!)
      return C.make(dtype, n, new Uint8Array(0), validity, { offsets, children: [child] })
    }
    case ar.Type.FixedSizeList: {
      const size = (t as A.FixedSizeList).listSize
      const offsets = new Int32Array(n + 1)
      for (let i = 0; i <= n; i++) offsets[i] = i * size
      const child = C.slice(columnFromData(d.children[0]!), 0, n * size)
      return C.make(dtype, n, new Uint8Array(0), validity, { offsets, children: [child] })
    }
    case ar.Type.Struct:
      return C.make(dtype, n, new Uint8Array(0), validity, {
        children: d.children.map((c) => C.slice(columnFromData(c), 0, n))
      })
    default: {
      const v = d.values as C.Values
      // Timestamps/durations/int64 are BigInt64Array in apache-arrow ≥ 13; older readers may give Int32 pairs.
      if (DT.isBigInt(dtype) && !(v instanceof BigInt64Array || v instanceof BigUint64Array)) {
        const w = new BigInt64Array(v.buffer, v.byteOffset, v.byteLength / 8)
        return C.make(dtype, n, w.subarray(0, n), validity)
      }
      return C.make(dtype, n, v.subarray(0, n), validity)
    }
  }
}

/** Concatenates the chunks of one Arrow column into one column (zero-copy for one chunk). */
export const concatData = (chunks: ReadonlyArray<A.Data>): Column => {
  if (chunks.length === 0) return C.nulls(DT.Utf8, 0)
  return C.concat(chunks.map(columnFromData))
}

/** A column as an Arrow `Data` (zero-copy). */
export const columnToData = (col: Column): A.Data => {
  const ar = arrow()
  const type = dtypeToArrow(col.dtype)
  const nullBitmap = col.validity ?? undefined
  const base = { type, length: col.length, nullCount: col.nullCount, nullBitmap } as const
  switch (col.dtype._tag) {
    case "Null":
      return ar.makeData({ type: type as A.Null, length: col.length, nullCount: col.length })
    case "Utf8":
      return ar.makeData({ ...base, type: type as A.Utf8, valueOffsets: col.offsets!, data: col.values as Uint8Array })
    case "Categorical": {
      const dict = columnToData(col.dictionary!)
      return ar.makeData({
        ...base,
        type: type as A.Dictionary<A.Utf8, A.Int32>,
        data: col.values as Int32Array,
        dictionary: new ar.Vector([dict]) as A.Vector<A.Utf8>
      })
    }
    case "List":
      return ar.makeData({
        ...base,
        type: type as A.List,
        valueOffsets: col.offsets!,
        child: columnToData(col.children![0]!)
      })
    case "Struct":
      return ar.makeData({ ...base, type: type as A.Struct, children: col.children!.map(columnToData) })
    case "Decimal": {
      const v = col.values as BigInt64Array
      return ar.makeData({
        ...base,
        type: type as A.Decimal,
        data: new Uint32Array(v.buffer, v.byteOffset, v.length * 2)
      })
    }
    default:
      return ar.makeData({ ...base, type: type as A.Int, data: col.values as Int32Array })
  }
}

export const fieldToArrow = (f: Field, nullable = true): A.Field => new (arrow().Field)(f.name, dtypeToArrow(f.dtype), nullable)

/** The frame as an Arrow table: one record batch per batch, buffers shared. */
export const toTable = (frame: {
  readonly schema: ReadonlyArray<Field>
  readonly batches: ReadonlyArray<{ readonly length: number; readonly columns: ReadonlyArray<Column> }>
}): A.Table => {
  const ar = arrow()
  const schema = new ar.Schema(frame.schema.map((f) => fieldToArrow(f)))
  const batches = frame.batches.map((b) => {
    const data = ar.makeData({
      type: new ar.Struct(schema.fields),
      length: b.length,
      nullCount: 0,
      children: b.columns.map(columnToData)
    })
    return new ar.RecordBatch(schema, data)
  })
  return new ar.Table(schema, batches)
}
