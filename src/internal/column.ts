/**
 * The physical column: Arrow's layout in plain typed arrays (see `Frame/DataType.ts` for the table of layouts).
 * Kernels here are synchronous and allocation-conscious; they know nothing of Effect.
 * @internal
 */
import * as DT from "../Frame/DataType.ts"
import type { DataType } from "../Frame/DataType.ts"
import * as Bits from "./bitmap.ts"

export type NumericArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
export type BigArray = BigInt64Array | BigUint64Array
export type Values = NumericArray | BigArray

/**
 * One contiguous column. `values`, `offsets`, `children` and `dictionary` follow the dtype's layout. All buffers
 * start at element 0 (no Arrow offset): a column sliced from an Arrow vector at a non-zero offset is re-based with
 * `subarray` (primitives) or copied (bitmaps at a bit offset). Columns are immutable once built: never write into
 * a column's buffers, because they may be shared with Arrow tables or other frames.
 */
export interface Column {
  readonly dtype: DataType
  readonly length: number
  readonly nullCount: number
  /** Arrow validity bitmap (LSB first), or null when every value is valid. */
  readonly validity: Uint8Array | null
  readonly values: Values
  readonly offsets?: Int32Array
  readonly children?: ReadonlyArray<Column>
  readonly dictionary?: Column
}

const EMPTY_U8 = new Uint8Array(0)

/** Allocates the values array of a fixed-width dtype. */
export const allocValues = (dtype: DataType, n: number): Values => {
  switch (dtype._tag) {
    case "Int8":
      return new Int8Array(n)
    case "Int16":
      return new Int16Array(n)
    case "Int32":
    case "Date":
    case "Categorical":
      return new Int32Array(n)
    case "UInt8":
      return new Uint8Array(n)
    case "UInt16":
      return new Uint16Array(n)
    case "UInt32":
      return new Uint32Array(n)
    case "Float32":
      return new Float32Array(n)
    case "Float64":
      return new Float64Array(n)
    case "Int64":
    case "Timestamp":
    case "Duration":
      return new BigInt64Array(n)
    case "UInt64":
      return new BigUint64Array(n)
    case "Decimal":
      return new BigInt64Array(2 * n)
    case "Boolean":
      return new Uint8Array(Bits.bytesFor(n))
    default:
      return EMPTY_U8
  }
}

/** Builds a column, counting nulls from the bitmap (a bitmap with no zero bit becomes null). */
export const make = (
  dtype: DataType,
  length: number,
  values: Values,
  validity: Uint8Array | null,
  extra?: { offsets?: Int32Array; children?: ReadonlyArray<Column>; dictionary?: Column }
): Column => {
  let nullCount = 0
  if (validity !== null) {
    nullCount = length - Bits.countSet(validity, length)
    if (nullCount === 0) validity = null
  }
  const col: { -readonly [K in keyof Column]: Column[K] } = { dtype, length, nullCount, validity, values }
  if (extra?.offsets !== undefined) col.offsets = extra.offsets
  if (extra?.children !== undefined) col.children = extra.children
  if (extra?.dictionary !== undefined) col.dictionary = extra.dictionary
  return col
}

/** A column of `n` nulls of the given dtype. */
export const nulls = (dtype: DataType, n: number): Column => {
  const validity = n === 0 ? null : new Uint8Array(Bits.bytesFor(n))
  switch (dtype._tag) {
    case "Utf8":
      return make(dtype, n, EMPTY_U8, validity, { offsets: new Int32Array(n + 1) })
    case "Categorical":
      return make(dtype, n, new Int32Array(n), validity, { dictionary: fromStrings([]) })
    case "List":
      return make(dtype, n, EMPTY_U8, validity, { offsets: new Int32Array(n + 1), children: [nulls(dtype.inner, 0)] })
    case "Struct":
      return make(dtype, n, EMPTY_U8, validity, { children: dtype.fields.map((f) => nulls(f.dtype, n)) })
    default:
      return make(dtype, n, allocValues(dtype, n), validity)
  }
}

export const isValid = (col: Column, i: number): boolean => col.validity === null || Bits.getBit(col.validity, i)

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Builds a Utf8 column from JS strings (null/undefined → null). */
export const fromStrings = (xs: ReadonlyArray<string | null | undefined>): Column => {
  const n = xs.length
  const offsets = new Int32Array(n + 1)
  let validity: Uint8Array | null = null
  let cap = 0
  for (let i = 0; i < n; i++) {
    const s = xs[i]
    if (s != null) cap += s.length * 3
  }
  let bytes = new Uint8Array(Math.max(cap, 1))
  let pos = 0
  for (let i = 0; i < n; i++) {
    const s = xs[i]
    if (s == null) {
      if (validity === null) validity = Bits.allSet(n)
      Bits.clearBit(validity, i)
    } else {
      pos += encoder.encodeInto(s, bytes.subarray(pos)).written
    }
    offsets[i + 1] = pos
  }
  if (pos < bytes.length / 2) bytes = bytes.slice(0, pos)
  return make(DT.Utf8, n, bytes.subarray(0, pos), validity, { offsets })
}

/** Decodes the string at row `i` of a Utf8 column (ignores validity). */
export const stringAt = (col: Column, i: number): string => {
  const o = col.offsets!
  const b = col.values as Uint8Array
  const start = o[i]!
  const end = o[i + 1]!
  // Short ASCII fast path avoids TextDecoder's call overhead.
  if (end - start < 24) {
    let s = ""
    for (let k = start; k < end; k++) {
      const c = b[k]!
      if (c > 127) return decoder.decode(b.subarray(start, end))
      s += String.fromCharCode(c)
    }
    return s
  }
  return decoder.decode(b.subarray(start, end))
}

/** All strings of a Utf8 or Categorical column, null where invalid. */
export const toStrings = (col: Column): Array<string | null> => {
  const out = new Array<string | null>(col.length)
  if (col.dtype._tag === "Categorical") {
    const dict = toStrings(col.dictionary!)
    const codes = col.values as Int32Array
    for (let i = 0; i < col.length; i++) out[i] = isValid(col, i) ? dict[codes[i]!]! : null
    return out
  }
  for (let i = 0; i < col.length; i++) out[i] = isValid(col, i) ? stringAt(col, i) : null
  return out
}

/**
 * Reads row `i` as a JS value: numbers for ≤32-bit numerics and floats, bigint for Int64/UInt64/Duration,
 * boolean, string (Utf8, Categorical), `Date` for Date and Timestamp (ms precision for display; the column keeps
 * its unit), a decimal string for Decimal, an array for List, an object for Struct, null for nulls.
 */
export const getValue = (col: Column, i: number): unknown => {
  if (!isValid(col, i)) return null
  const t = col.dtype
  switch (t._tag) {
    case "Null":
      return null
    case "Boolean":
      return Bits.getBit(col.values as Uint8Array, i)
    case "Utf8":
      return stringAt(col, i)
    case "Categorical":
      return stringAt(col.dictionary!, (col.values as Int32Array)[i]!)
    case "Date":
      return new globalThis.Date((col.values as Int32Array)[i]! * 86_400_000)
    case "Timestamp": {
      const v = (col.values as BigInt64Array)[i]!
      const ms = t.unit === "ms" ? v : t.unit === "s" ? v * 1000n : t.unit === "us" ? v / 1000n : v / 1_000_000n
      return new globalThis.Date(Number(ms))
    }
    case "Decimal":
      return decimalToString(col.values as BigInt64Array, i, t.scale)
    case "List": {
      const o = col.offsets!
      const child = col.children![0]!
      const out: Array<unknown> = []
      for (let k = o[i]!; k < o[i + 1]!; k++) out.push(getValue(child, k))
      return out
    }
    case "Struct": {
      const out: Record<string, unknown> = {}
      t.fields.forEach((f, k) => {
        out[f.name] = getValue(col.children![k]!, i)
      })
      return out
    }
    default:
      return col.values[i]
  }
}

/** The 128-bit decimal at row i as a bigint (unscaled). */
export const decimalAt = (values: BigInt64Array, i: number): bigint => {
  const lo = BigInt.asUintN(64, values[2 * i]!)
  const hi = values[2 * i + 1]!
  return (hi << 64n) | lo
}

/** The decimal at row i as text with `scale` fraction digits ("-1.50"), see `decimalText`. */
export const decimalToString = (values: BigInt64Array, i: number, scale: number): string =>
  decimalText(decimalAt(values, i), scale)

/** The text of the unscaled decimal `v` with `scale` fraction digits (`decimalText(-150n, 2)` = "-1.50"). */
export const decimalText = (v: bigint, scale: number): string => {
  const neg = v < 0n
  let s = (neg ? -v : v).toString()
  if (scale > 0) {
    s = s.padStart(scale + 1, "0")
    s = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`
  }
  return neg ? `-${s}` : s
}

/** All values as JS values (see `getValue`). */
export const toArray = (col: Column): Array<unknown> => {
  const out = new Array<unknown>(col.length)
  for (let i = 0; i < col.length; i++) out[i] = getValue(col, i)
  return out
}

/** Indices as an Int32Array (a view of a Uint32Array: indices are below 2^31; a copy of a JS array). */
const int32Indices = (indices: Int32Array | Uint32Array | ReadonlyArray<number>): Int32Array =>
  indices instanceof Int32Array
    ? indices
    : indices instanceof Uint32Array
      ? new Int32Array(indices.buffer, indices.byteOffset, indices.length)
      : Int32Array.from(indices)

// Monomorphic gathers, one per element width (every fixed-width dtype is copied bit-exactly through an integer
// view of its buffer); `out[k] = src[idx[k]]`, 0 where `idx[k] < 0` when `hasNeg`.

const gather8 = (src: Uint8Array, idx: Int32Array, out: Uint8Array, hasNeg: boolean): void => {
  const n = idx.length
  if (hasNeg)
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      if (j >= 0) out[k] = src[j]!
    }
  else for (let k = 0; k < n; k++) out[k] = src[idx[k]!]!
}

const gather16 = (src: Uint16Array, idx: Int32Array, out: Uint16Array, hasNeg: boolean): void => {
  const n = idx.length
  if (hasNeg)
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      if (j >= 0) out[k] = src[j]!
    }
  else for (let k = 0; k < n; k++) out[k] = src[idx[k]!]!
}

const gather32 = (src: Int32Array, idx: Int32Array, out: Int32Array, hasNeg: boolean): void => {
  const n = idx.length
  if (hasNeg)
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      if (j >= 0) out[k] = src[j]!
    }
  else for (let k = 0; k < n; k++) out[k] = src[idx[k]!]!
}

const gatherF64 = (src: Float64Array, idx: Int32Array, out: Float64Array, hasNeg: boolean): void => {
  const n = idx.length
  if (hasNeg)
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      if (j >= 0) out[k] = src[j]!
    }
  else for (let k = 0; k < n; k++) out[k] = src[idx[k]!]!
}

/** 64-bit integers (V8 compiles BigInt64Array element copies without allocating). */
const gatherB64 = (src: BigInt64Array, idx: Int32Array, out: BigInt64Array, hasNeg: boolean): void => {
  const n = idx.length
  if (hasNeg)
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      if (j >= 0) out[k] = src[j]!
    }
  else for (let k = 0; k < n; k++) out[k] = src[idx[k]!]!
}

/** 128-bit decimals: two BigInt64 words per element. */
const gatherB128 = (src: BigInt64Array, idx: Int32Array, out: BigInt64Array): void => {
  const n = idx.length
  for (let k = 0; k < n; k++) {
    const j = idx[k]!
    if (j < 0) continue
    out[2 * k] = src[2 * j]!
    out[2 * k + 1] = src[2 * j + 1]!
  }
}

/** A view of the first `n * bytes` bytes of a typed array as the integer array of that element width. */
const u8 = (a: Values): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
const u16 = (a: Values): Uint16Array => new Uint16Array(a.buffer, a.byteOffset, a.byteLength >> 1)
const i32 = (a: Values): Int32Array => new Int32Array(a.buffer, a.byteOffset, a.byteLength >> 2)
const b64 = (a: Values): BigInt64Array => new BigInt64Array(a.buffer, a.byteOffset, a.byteLength >> 3)

/**
 * Utf8 gather: one pass over the indices computes the output offsets and remembers each source start (so the copy
 * pass reads the source offsets sequentially), then the bytes are copied.
 */
const takeUtf8 = (o: Int32Array, b: Uint8Array, idx: Int32Array, hasNeg: boolean): { offsets: Int32Array; bytes: Uint8Array } => {
  const n = idx.length
  const offsets = new Int32Array(n + 1)
  const from = new Int32Array(n)
  let total = 0
  if (hasNeg)
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      if (j >= 0) {
        const s = o[j]!
        from[k] = s
        total += o[j + 1]! - s
      }
      offsets[k + 1] = total
    }
  else
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      const s = o[j]!
      from[k] = s
      total += o[j + 1]! - s
      offsets[k + 1] = total
    }
  // Short strings are copied 8 bytes at a time through DataViews, overshooting into the next string's place (which
  // is written next) or into the 8 bytes of padding at the end; sources too near the end of `b` go byte by byte.
  const buf = new Uint8Array(total + 8)
  const bytes = buf.subarray(0, total)
  const dv = new DataView(buf.buffer)
  const sv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const lim = b.length - 8
  let dst = 0
  for (let k = 0; k < n; k++) {
    const end = offsets[k + 1]!
    const len = end - dst
    const s = from[k]!
    if (len >= 32) buf.set(b.subarray(s, s + len), dst)
    else if (s <= lim - len)
      for (let q = 0; q < len; q += 8) {
        dv.setUint32(dst + q, sv.getUint32(s + q, true), true)
        dv.setUint32(dst + q + 4, sv.getUint32(s + q + 4, true), true)
      }
    else for (let q = 0; q < len; q++) buf[dst + q] = b[s + q]!
    dst = end
  }
  return { offsets, bytes }
}

/**
 * Validity of a gather: bit k set when `idx[k] >= 0` and row `idx[k]` is valid in `src` (null = all valid). Built a
 * byte (8 rows) at a time.
 */
export const takeValidity = (src: Uint8Array | null, idx: Int32Array): Uint8Array => {
  const n = idx.length
  const out = new Uint8Array(Bits.bytesFor(n))
  const full = n >> 3
  if (src === null) {
    for (let B = 0; B < full; B++) {
      const k = B << 3
      out[B] =
        (idx[k]! >= 0 ? 1 : 0) |
        (idx[k + 1]! >= 0 ? 2 : 0) |
        (idx[k + 2]! >= 0 ? 4 : 0) |
        (idx[k + 3]! >= 0 ? 8 : 0) |
        (idx[k + 4]! >= 0 ? 16 : 0) |
        (idx[k + 5]! >= 0 ? 32 : 0) |
        (idx[k + 6]! >= 0 ? 64 : 0) |
        (idx[k + 7]! >= 0 ? 128 : 0)
    }
    for (let k = full << 3; k < n; k++) if (idx[k]! >= 0) out[k >> 3]! |= 1 << (k & 7)
  } else {
    for (let B = 0; B < full; B++) {
      let byte = 0
      for (let q = 0, k = B << 3; q < 8; q++, k++) {
        const j = idx[k]!
        if (j >= 0 && (src[j >> 3]! & (1 << (j & 7))) !== 0) byte |= 1 << q
      }
      out[B] = byte
    }
    for (let k = full << 3; k < n; k++) {
      const j = idx[k]!
      if (j >= 0 && (src[j >> 3]! & (1 << (j & 7))) !== 0) out[k >> 3]! |= 1 << (k & 7)
    }
  }
  return out
}

/**
 * Gathers rows by index: `out[k] = col[indices[k]]`, and null where `indices[k] < 0` (used by outer joins).
 */
export const take = (col: Column, indices: Int32Array | Uint32Array | ReadonlyArray<number>): Column => {
  const idx = int32Indices(indices)
  let hasNeg = false
  for (let k = 0; k < idx.length; k++) {
    if (idx[k]! < 0) {
      hasNeg = true
      break
    }
  }
  return takeInt32(col, idx, hasNeg)
}

/**
 * `take` with Int32 indices whose caller knows whether any is negative (`hasNeg`; false promises every index is a
 * row of `col`), which spares the scan for negatives (hash joins know it from the join type). `negValidity`, when
 * given, is `takeValidity(null, idx)`, shared by the gathers of several columns by the same indices.
 */
export const takeInt32 = (col: Column, idx: Int32Array, hasNeg: boolean, negValidity?: Uint8Array): Column => {
  const n = idx.length
  const src = col.nullCount === 0 ? null : col.validity
  const validity =
    src === null && hasNeg && negValidity !== undefined ? negValidity : src !== null || hasNeg ? takeValidity(src, idx) : null
  const t = col.dtype
  switch (t._tag) {
    case "Null":
      return make(t, n, EMPTY_U8, validity)
    case "Boolean": {
      const v = col.values as Uint8Array
      const out = new Uint8Array(Bits.bytesFor(n))
      for (let k = 0; k < n; k++) {
        const j = idx[k]!
        if (j >= 0 && (v[j >> 3]! & (1 << (j & 7))) !== 0) out[k >> 3]! |= 1 << (k & 7)
      }
      return make(t, n, out, validity)
    }
    case "Utf8": {
      const { offsets, bytes } = takeUtf8(col.offsets!, col.values as Uint8Array, idx, hasNeg)
      return make(t, n, bytes, validity, { offsets })
    }
    case "List": {
      const o = col.offsets!
      const offsets = new Int32Array(n + 1)
      const childIdx: Array<number> = []
      for (let k = 0; k < n; k++) {
        const j = idx[k]!
        if (j >= 0) for (let q = o[j]!; q < o[j + 1]!; q++) childIdx.push(q)
        offsets[k + 1] = childIdx.length
      }
      return make(t, n, EMPTY_U8, validity, { offsets, children: [take(col.children![0]!, childIdx)] })
    }
    case "Struct":
      return make(t, n, EMPTY_U8, validity, { children: col.children!.map((c) => takeInt32(c, idx, hasNeg)) })
    default: {
      const out = allocValues(t, n) as Values
      const v = col.values
      switch (out.BYTES_PER_ELEMENT) {
        case 1:
          gather8(u8(v), idx, u8(out), hasNeg)
          break
        case 2:
          gather16(u16(v), idx, u16(out), hasNeg)
          break
        case 4:
          gather32(i32(v), idx, i32(out), hasNeg)
          break
        default:
          if (t._tag === "Float64") gatherF64(v as Float64Array, idx, out as Float64Array, hasNeg)
          else if (t._tag === "Decimal") gatherB128(b64(v), idx, b64(out))
          else gatherB64(b64(v), idx, b64(out), hasNeg)
      }
      return make(t, n, out, validity, col.dictionary !== undefined ? { dictionary: col.dictionary } : undefined)
    }
  }
}

/** Rows `[start, start + len)` (clamped). Zero-copy for fixed-width values when the start is byte aligned. */
export const slice = (col: Column, start: number, len: number): Column => {
  start = Math.max(0, Math.min(start, col.length))
  len = Math.max(0, Math.min(len, col.length - start))
  if (start === 0 && len === col.length) return col
  const validity = col.validity === null ? null : Bits.sliceBits(col.validity, start, len)
  const t = col.dtype
  switch (t._tag) {
    case "Null":
      return make(t, len, EMPTY_U8, validity)
    case "Boolean":
      return make(t, len, Bits.sliceBits(col.values as Uint8Array, start, len), validity)
    case "Utf8": {
      const o = col.offsets!
      const base = o[start]!
      const offsets = new Int32Array(len + 1)
      for (let k = 0; k <= len; k++) offsets[k] = o[start + k]! - base
      return make(t, len, (col.values as Uint8Array).subarray(base, o[start + len]!), validity, { offsets })
    }
    case "List": {
      const o = col.offsets!
      const base = o[start]!
      const offsets = new Int32Array(len + 1)
      for (let k = 0; k <= len; k++) offsets[k] = o[start + k]! - base
      return make(t, len, EMPTY_U8, validity, {
        offsets,
        children: [slice(col.children![0]!, base, o[start + len]! - base)]
      })
    }
    case "Struct":
      return make(t, len, EMPTY_U8, validity, { children: col.children!.map((c) => slice(c, start, len)) })
    case "Decimal":
      return make(t, len, (col.values as BigInt64Array).subarray(2 * start, 2 * (start + len)), validity)
    default:
      return make(
        t,
        len,
        col.values.subarray(start, start + len),
        validity,
        col.dictionary !== undefined ? { dictionary: col.dictionary } : undefined
      )
  }
}

/** Indices of the set entries of a byte mask (non-zero = keep). */
export const maskToIndices = (mask: Uint8Array): Int32Array => {
  let c = 0
  for (let i = 0; i < mask.length; i++) if (mask[i]) c++
  const out = new Int32Array(c)
  let k = 0
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[k++] = i
  return out
}

/** Keeps the rows where `mask[i]` is non-zero. */
export const filter = (col: Column, mask: Uint8Array): Column => take(col, maskToIndices(mask))

/**
 * Re-encodes a Categorical column onto another dictionary (a Utf8 column); `map[oldCode]` is the new code.
 */
const recode = (col: Column, map: Int32Array, dictionary: Column): Column => {
  const codes = col.values as Int32Array
  const out = new Int32Array(col.length)
  for (let i = 0; i < col.length; i++) out[i] = map[codes[i]!] ?? 0
  return make(col.dtype, col.length, out, col.validity, { dictionary })
}

/** Concatenates columns of the same dtype (Categorical dictionaries are unified). */
export const concat = (cols: ReadonlyArray<Column>): Column => {
  if (cols.length === 1) return cols[0]!
  const t = cols[0]!.dtype
  const n = cols.reduce((s, c) => s + c.length, 0)
  let validity: Uint8Array | null = null
  if (cols.some((c) => c.validity !== null)) {
    validity = new Uint8Array(Bits.bytesFor(n))
    let pos = 0
    for (const c of cols) {
      for (let i = 0; i < c.length; i++) if (isValid(c, i)) validity[(pos + i) >> 3]! |= 1 << ((pos + i) & 7)
      pos += c.length
    }
  }
  switch (t._tag) {
    case "Null":
      return make(t, n, EMPTY_U8, validity)
    case "Boolean": {
      const out = new Uint8Array(Bits.bytesFor(n))
      let pos = 0
      for (const c of cols) {
        const v = c.values as Uint8Array
        for (let i = 0; i < c.length; i++) if (v[i >> 3]! & (1 << (i & 7))) out[(pos + i) >> 3]! |= 1 << ((pos + i) & 7)
        pos += c.length
      }
      return make(t, n, out, validity)
    }
    case "Utf8": {
      const total = cols.reduce((s, c) => s + (c.offsets![c.length]! - c.offsets![0]!), 0)
      const bytes = new Uint8Array(total)
      const offsets = new Int32Array(n + 1)
      let pos = 0
      let bpos = 0
      for (const c of cols) {
        const o = c.offsets!
        const base = o[0]!
        bytes.set((c.values as Uint8Array).subarray(base, o[c.length]!), bpos)
        for (let i = 1; i <= c.length; i++) offsets[pos + i] = bpos + o[i]! - base
        pos += c.length
        bpos += o[c.length]! - base
      }
      return make(t, n, bytes, validity, { offsets })
    }
    case "Categorical": {
      const dicts = cols.map((c) => c.dictionary!)
      if (dicts.every((d) => d === dicts[0])) {
        const out = new Int32Array(n)
        let pos = 0
        for (const c of cols) {
          out.set(c.values as Int32Array, pos)
          pos += c.length
        }
        return make(t, n, out, validity, { dictionary: dicts[0]! })
      }
      const index = new Map<string, number>()
      const strings: Array<string> = []
      const recoded = cols.map((c) => {
        const ds = toStrings(c.dictionary!)
        const map = new Int32Array(ds.length)
        ds.forEach((s, k) => {
          const key = s ?? ""
          let code = index.get(key)
          if (code === undefined) {
            code = strings.length
            strings.push(key)
            index.set(key, code)
          }
          map[k] = code
        })
        return map
      })
      const dictionary = fromStrings(strings)
      return concat(cols.map((c, k) => recode(c, recoded[k]!, dictionary)))
    }
    case "List": {
      const offsets = new Int32Array(n + 1)
      let pos = 0
      let cpos = 0
      const children: Array<Column> = []
      for (const c of cols) {
        const o = c.offsets!
        const base = o[0]!
        for (let i = 1; i <= c.length; i++) offsets[pos + i] = cpos + o[i]! - base
        children.push(slice(c.children![0]!, base, o[c.length]! - base))
        pos += c.length
        cpos += o[c.length]! - base
      }
      return make(t, n, EMPTY_U8, validity, { offsets, children: [concat(children)] })
    }
    case "Struct":
      return make(t, n, EMPTY_U8, validity, {
        children: t.fields.map((_, k) => concat(cols.map((c) => c.children![k]!)))
      })
    default: {
      const out = allocValues(t, n) as Values
      const width = t._tag === "Decimal" ? 2 : 1
      let pos = 0
      for (const c of cols) {
        ;(out as Float64Array).set(c.values as Float64Array, pos * width)
        pos += c.length
      }
      return make(t, n, out, validity)
    }
  }
}
