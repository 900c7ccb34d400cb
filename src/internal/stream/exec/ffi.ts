/**
 * Columns of a record batch in WebAssembly memory, read through the Arrow C data interface (the `ArrowArray` and
 * `ArrowSchema` structs parquet-wasm's `Table.intoFFI()` exposes), as views: no copy of values or offsets. Only
 * the layouts the streaming group-by's workers read (`partialAgg.ts`): Int8–Int32, UInt8–UInt32, Float32/64, Utf8,
 * and dictionaries of Utf8 with Int32 indices (as Categorical); anything else gives undefined (the caller then takes
 * the IPC path). The views are valid until the wasm memory grows or the stream is freed: use them at once.
 *
 * Struct layouts on wasm32 (pointers 4 bytes, int64 8-byte aligned): ArrowArray { length 0, null_count 8, offset 16,
 * n_buffers 24, n_children 32, buffers 40, children 44, dictionary 48, release 52 }; ArrowSchema { format 0, name 4,
 * metadata 8, flags 16, n_children 24, children 32, dictionary 36, release 40 }.
 * @internal
 */
import * as DT from "../../../Frame/DataType.ts"
import type { DataType, Field } from "../../../Frame/DataType.ts"
import * as C from "../../column.ts"
import type { Column } from "../../column.ts"

const PRIMITIVE: Record<string, { readonly dtype: DataType; readonly make: (b: ArrayBuffer, at: number, n: number) => C.NumericArray }> = {
  c: { dtype: DT.Int8, make: (b, at, n) => new Int8Array(b, at, n) },
  C: { dtype: DT.UInt8, make: (b, at, n) => new Uint8Array(b, at, n) },
  s: { dtype: DT.Int16, make: (b, at, n) => new Int16Array(b, at, n) },
  S: { dtype: DT.UInt16, make: (b, at, n) => new Uint16Array(b, at, n) },
  i: { dtype: DT.Int32, make: (b, at, n) => new Int32Array(b, at, n) },
  I: { dtype: DT.UInt32, make: (b, at, n) => new Uint32Array(b, at, n) },
  f: { dtype: DT.Float32, make: (b, at, n) => new Float32Array(b, at, n) },
  g: { dtype: DT.Float64, make: (b, at, n) => new Float64Array(b, at, n) }
}

const WIDTH: Record<string, number> = { c: 1, C: 1, s: 2, S: 2, i: 4, I: 4, f: 4, g: 8 }

const cString = (mem: Uint8Array, at: number): string => {
  let e = at
  while (mem[e] !== 0) e++
  return new TextDecoder().decode(mem.subarray(at, e))
}

/** A validity bitmap at bit offset 0 (a view when the array's offset is a multiple of 8, else a copy), or null. */
const validityOf = (b: ArrayBuffer, ptr: number, offset: number, length: number, nullCount: number): Uint8Array | null => {
  if (ptr === 0 || nullCount === 0) return null
  if ((offset & 7) === 0) return new Uint8Array(b, ptr + (offset >> 3), (length + 7) >> 3)
  const src = new Uint8Array(b, ptr)
  const out = new Uint8Array((length + 7) >> 3)
  for (let i = 0; i < length; i++) {
    const j = i + offset
    if ((src[j >> 3]! & (1 << (j & 7))) !== 0) out[i >> 3]! |= 1 << (i & 7)
  }
  return out
}

/** One column from an ArrowArray/ArrowSchema pair, or undefined for an unsupported layout. */
const column = (b: ArrayBuffer, dv: DataView, mem: Uint8Array, arr: number, sch: number): Column | undefined => {
  const length = Number(dv.getBigInt64(arr, true))
  const nullCount = Number(dv.getBigInt64(arr + 8, true))
  const offset = Number(dv.getBigInt64(arr + 16, true))
  const buffers = dv.getUint32(arr + 40, true)
  const format = cString(mem, dv.getUint32(sch, true))
  const buffer = (k: number) => dv.getUint32(buffers + 4 * k, true)
  const validity = validityOf(b, buffer(0), offset, length, nullCount)
  const dictSchema = dv.getUint32(sch + 36, true)
  if (dictSchema !== 0) {
    const dictArray = dv.getUint32(arr + 48, true)
    if (format !== "i" || dictArray === 0) return undefined
    const dict = column(b, dv, mem, dictArray, dictSchema)
    if (dict === undefined || dict.dtype._tag !== "Utf8") return undefined
    return C.make(DT.Categorical, length, new Int32Array(b, buffer(1) + 4 * offset, length), validity, { dictionary: dict })
  }
  const p = PRIMITIVE[format]
  if (p !== undefined) return C.make(p.dtype, length, p.make(b, buffer(1) + WIDTH[format]! * offset, length), validity)
  if (format === "u") {
    const offsets = new Int32Array(b, buffer(1) + 4 * offset, length + 1)
    const start = offsets[0]!
    const end = offsets[length]!
    // offsets re-based to 0 when the array starts inside the data
    const o = start === 0 ? offsets : offsets.map((x) => x - start)
    return C.make(DT.Utf8, length, new Uint8Array(b, buffer(2) + start, end - start), validity, { offsets: o })
  }
  return undefined
}

/**
 * The `expect`ed columns of one record batch (a struct ArrowArray of `numRows` rows and its struct ArrowSchema) by
 * name, or undefined when one is missing, of another dtype (a Utf8 column named in `dictionary` may come as
 * Categorical) or of a layout this module does not read.
 */
export const columns = (
  memory: ArrayBuffer,
  arrays: number,
  schema: number,
  expect: ReadonlyArray<Field>,
  dictionary: ReadonlyArray<string> | undefined,
  numRows: number
): Map<string, Column> | undefined => {
  const dv = new DataView(memory)
  const mem = new Uint8Array(memory)
  if (Number(dv.getBigInt64(arrays, true)) !== numRows || Number(dv.getBigInt64(arrays + 16, true)) !== 0) return undefined
  if (cString(mem, dv.getUint32(schema, true)) !== "+s") return undefined
  const n = Number(dv.getBigInt64(schema + 24, true))
  if (Number(dv.getBigInt64(arrays + 32, true)) !== n) return undefined
  const childArrays = dv.getUint32(arrays + 44, true)
  const childSchemas = dv.getUint32(schema + 32, true)
  const byName = new Map<string, number>()
  for (let k = 0; k < n; k++) byName.set(cString(mem, dv.getUint32(dv.getUint32(childSchemas + 4 * k, true) + 4, true)), k)
  const out = new Map<string, Column>()
  for (const want of expect) {
    const k = byName.get(want.name)
    if (k === undefined) return undefined
    const c = column(memory, dv, mem, dv.getUint32(childArrays + 4 * k, true), dv.getUint32(childSchemas + 4 * k, true))
    if (c === undefined || c.length !== numRows) return undefined
    const fits = DT.equals(c.dtype, want.dtype) || (c.dtype._tag === "Categorical" && want.dtype._tag === "Utf8" && dictionary?.includes(want.name) === true)
    if (!fits) return undefined
    out.set(want.name, c)
  }
  return out
}
