/**
 * The pure-JS fallback decoder (hyparquet + hyparquet-compressors), used for files parquet-wasm rejects.
 * hyparquet decodes each column chunk into a JS array (typed arrays for required numeric columns); we place the
 * chunks into one array per column and build polaroid columns with the dtypes of `schema.ts`. Parsers are
 * overridden so bytes stay raw (Utf8 columns keep binary exactly), timestamps arrive as raw bigint counts of their
 * unit and dates as day numbers; decimals arrive as JS numbers (hyparquet's own conversion, exact up to 15–17
 * significant digits). VARIANT columns are refused (hyparquet decodes them into JS values during assembly).
 *
 * hyparquet can leave a rejected promise unobserved when a file is malformed in some ways (ARROW-GH-41317); the
 * footer checks in `meta.ts` reject those files before hyparquet starts any read.
 * @internal
 */
import { parquetRead } from "hyparquet"
import * as DT from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as B from "../build.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { cleanMessage, errorText, ParquetFailure } from "./failure.ts"
import type { Footer } from "./meta.ts"
import type { PNode } from "./schema.ts"

const encoder = new TextEncoder()
const identity = <A>(x: A): A => x

/** Parsers that keep values raw: timestamps as bigint counts of their unit, dates as day numbers, bytes as bytes. */
const PARSERS = {
  timestampFromMilliseconds: identity<bigint>,
  timestampFromMicroseconds: identity<bigint>,
  timestampFromNanoseconds: identity<bigint>,
  dateFromDays: identity<number>,
  stringFromBytes: identity<Uint8Array>,
  jsonFromBytes: identity<Uint8Array>,
  geometryFromBytes: identity<Uint8Array>,
  geographyFromBytes: identity<Uint8Array>
}

const fail = (p: PNode, r: { row: number; expected: string; found: string }): ParquetFailure =>
  new ParquetFailure(`column "${p.name}", row ${r.row}: expected ${r.expected}, found ${r.found}`, {
    column: p.name,
    expected: r.expected
  })

const validityOf = (values: ArrayLike<unknown>): Uint8Array | null => {
  let validity: Uint8Array | null = null
  for (let i = 0; i < values.length; i++)
    if (values[i] == null) {
      validity ??= Bits.allSet(values.length)
      Bits.clearBit(validity, i)
    }
  return validity
}

/** A Utf8 column from raw bytes (kept as they are) or strings. */
const utf8Column = (values: ArrayLike<unknown>, p: PNode): Column => {
  const n = values.length
  const parts: Array<Uint8Array | undefined> = new Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (v == null) continue
    const b = v instanceof Uint8Array ? v : typeof v === "string" ? encoder.encode(v) : undefined
    if (b === undefined) throw fail(p, { row: i, expected: "bytes or string", found: B.describe(v) })
    parts[i] = b
    total += b.length
  }
  const bytes = new Uint8Array(total)
  const offsets = new Int32Array(n + 1)
  let pos = 0
  for (let i = 0; i < n; i++) {
    const b = parts[i]
    if (b !== undefined) {
      bytes.set(b, pos)
      pos += b.length
    }
    offsets[i + 1] = pos
  }
  return C.make(DT.Utf8, n, bytes, validityOf(values), { offsets })
}

/**
 * hyparquet turns a map into an object, so keys arrive as property names: numbers as their text, and (with our
 * byte-keeping parsers) byte keys as `String(Uint8Array)`, e.g. "107,49" for "k1".
 */
const mapKey = (key: unknown, k: PNode): unknown => {
  if (typeof key !== "string") return key
  if (DT.isNumeric(k.dtype)) return Number(key)
  if (k.dtype._tag === "Utf8" && !k.uuid) return key === "" ? new Uint8Array(0) : Uint8Array.from(key.split(","), Number)
  return key
}

/** A polaroid column of node `p` from hyparquet's (assembled) values. */
const build = (values: ArrayLike<unknown>, p: PNode): Column => {
  const n = values.length
  switch (p.kind) {
    case "leaf": {
      if (p.dtype._tag === "Utf8") return utf8Column(values, p)
      const xs = Array.from(values, (v) => (v instanceof Uint8Array ? Array.from(v) : v))
      const r = B.fromValues(xs, p.dtype)
      if (r._tag === "Err") throw fail(p, r)
      return r.column
    }
    case "list": {
      const offsets = new Int32Array(n + 1)
      const items: Array<unknown> = []
      for (let i = 0; i < n; i++) {
        const v = values[i]
        if (v != null) {
          if (typeof v !== "object" || !("length" in v)) throw fail(p, { row: i, expected: "a list", found: B.describe(v) })
          for (const x of Array.from(v as ArrayLike<unknown>)) items.push(x)
        }
        offsets[i + 1] = items.length
      }
      return C.make(p.dtype, n, new Uint8Array(0), validityOf(values), { offsets, children: [build(items, p.children[0]!)] })
    }
    case "map": {
      const [k, val] = p.children
      const offsets = new Int32Array(n + 1)
      const keys: Array<unknown> = []
      const vals: Array<unknown> = []
      for (let i = 0; i < n; i++) {
        const v = values[i]
        if (v != null) {
          const entries: Array<[unknown, unknown]> =
            v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>)
          for (const [key, value] of entries) {
            keys.push(mapKey(key, k!))
            vals.push(value)
          }
        }
        offsets[i + 1] = keys.length
      }
      const fields = val === undefined ? [build(keys, k!)] : [build(keys, k!), build(vals, val)]
      const entryType = (p.dtype as Extract<DT.DataType, { _tag: "List" }>).inner
      const entries = C.make(entryType, keys.length, new Uint8Array(0), null, { children: fields })
      return C.make(p.dtype, n, new Uint8Array(0), validityOf(values), { offsets, children: [entries] })
    }
    case "struct": {
      for (let i = 0; i < n; i++) {
        const v = values[i]
        if (v != null && (typeof v !== "object" || Array.isArray(v)))
          throw fail(p, { row: i, expected: "a struct", found: B.describe(v) })
      }
      const children = p.children.map((c) =>
        build(
          Array.from(values, (v) => (v == null ? null : (v as Record<string, unknown>)[c.name])),
          c
        )
      )
      return C.make(p.dtype, n, new Uint8Array(0), validityOf(values), { children })
    }
  }
}

const hasVariant = (p: PNode): boolean =>
  p.element.logical_type?.type === "VARIANT" || p.children.some(hasVariant)

/** Decodes the selected row groups and top-level columns with hyparquet. */
export const readFallback = async (
  bytes: Uint8Array,
  footer: Footer,
  rowGroups: ReadonlyArray<number>,
  nodes: ReadonlyArray<PNode>
): Promise<Frame> => {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  const starts: Array<number> = []
  let s = 0
  for (const rg of footer.raw.row_groups) {
    starts.push(s)
    s += Number(rg.num_rows)
  }
  for (const p of nodes)
    if (hasVariant(p))
      throw new ParquetFailure(`column "${p.name}": VARIANT columns are not supported by the hyparquet fallback decoder`, {
        column: p.name,
        expected: "a file parquet-wasm can decode"
      })
  const names = nodes.map((n) => n.name)
  // loaded on first use (its tables take ~10 ms to build; most reads never come here)
  const { compressors } = await import("hyparquet-compressors")
  const batches: Array<{ length: number; columns: ReadonlyArray<Column> }> = []
  for (const g of rowGroups) {
    const rowStart = starts[g]!
    const n = Number(footer.raw.row_groups[g]!.num_rows)
    const cols = new Map<string, Array<unknown>>(names.map((name) => [name, new Array<unknown>(n).fill(null)]))
    const seen = new Map<string, number>(names.map((name) => [name, 0]))
    try {
      await parquetRead({
        file,
        metadata: footer.raw,
        compressors,
        parsers: PARSERS,
        columns: names,
        rowStart,
        rowEnd: rowStart + n,
        onChunk: (chunk) => {
          const out = cols.get(chunk.columnName)
          if (out === undefined) return
          const data = chunk.columnData as ArrayLike<unknown>
          let placed = 0
          for (let i = 0; i < data.length; i++) {
            const row = chunk.rowStart + i - rowStart
            if (row >= 0 && row < n) {
              out[row] = data[i]
              placed++
            }
          }
          seen.set(chunk.columnName, seen.get(chunk.columnName)! + placed)
        }
      })
    } catch (e) {
      throw new ParquetFailure(`row group ${g}: ${cleanMessage(errorText(e))}`, { cause: errorText(e) })
    }
    for (const [name, count] of seen)
      if (count !== n)
        throw new ParquetFailure(`row group ${g}, column "${name}": decoded ${count} values, expected ${n} rows`, {
          column: name,
          expected: `${n} values`
        })
    batches.push({ length: n, columns: nodes.map((p) => build(cols.get(p.name)!, p)) })
  }
  const schema = nodes.map((p) => ({ name: p.name, dtype: p.dtype }))
  if (batches.length === 0) return F.unsafeMake(schema, [{ length: 0, columns: nodes.map((p) => C.nulls(p.dtype, 0)) }])
  return F.unsafeMake(schema, batches)
}
