/**
 * Series kernels along a column, as Polars: `shift` (lag / lead), `diff`, `pct_change`, `forward_fill` /
 * `backward_fill` with a `limit`, `interpolate` ("linear", "nearest") and `interpolate_by`. Each works on a column
 * in partition order with segment `offsets` (see `rolling.ts` `partition`), restarting at every segment, so
 * `over("sym")` computes per symbol.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { Column, NumericArray } from "../column.ts"
import { toFloat64 } from "./agg.ts"

const validBits = (col: Column): Uint8Array | null => (col.nullCount === 0 ? null : col.validity)

/**
 * Row `i` takes row `i - n` of its segment (`n > 0`: lag, as Polars `shift(n)`; `n < 0`: lead); positions with no
 * source row take `fill` at row i (a column of the same dtype), or null.
 */
export const shift = (col: Column, offsets: Int32Array, n: number, fill: Column | null): Column => {
  const len = col.length
  const idx = new Int32Array(len)
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    for (let i = a; i < b; i++) {
      const j = i - n
      idx[i] = j >= a && j < b ? j : fill === null ? -1 : len + i
    }
  }
  return C.take(fill === null ? col : C.concat([col, fill]), idx)
}

/** Output dtype of `diff`, as Polars: signed integers and floats keep theirs, unsigned → Int64, Date → Duration("ms"), Timestamp(u) → Duration(u), Duration stays. */
export const diffOutputType = (t: DataType): DataType | { readonly expected: string } => {
  switch (t._tag) {
    case "Int8":
    case "Int16":
    case "Int32":
    case "Int64":
    case "Float32":
    case "Float64":
    case "Duration":
      return t
    case "UInt8":
    case "UInt16":
    case "UInt32":
    case "UInt64":
      return DT.Int64
    case "Date":
      return DT.Duration("ms")
    case "Timestamp":
      return DT.Duration(t.unit)
    case "Null":
      return DT.Null
    default:
      return { expected: "a numeric or temporal column" }
  }
}

/** `x[i] - x[i - n]` within each segment (null where either is missing); integer results wrap as the output dtype. */
export const diff = (col: Column, offsets: Int32Array, n: number): Column => {
  const len = col.length
  const out = diffOutputType(col.dtype) as DataType
  if (col.dtype._tag === "Null") return C.nulls(DT.Null, len)
  const valid = validBits(col)
  const has = new Uint8Array(len)
  const isV = (j: number): boolean => valid === null || (valid[j >> 3]! & (1 << (j & 7))) !== 0
  const t = col.dtype
  const values = C.allocValues(out, len)
  const bigIn = t._tag === "Int64" || t._tag === "UInt64" || t._tag === "Timestamp" || t._tag === "Duration"
  const src = bigIn ? null : col.dtype._tag === "Date" ? (col.values as Int32Array) : (col.values as NumericArray)
  const big = bigIn ? (col.values as BigInt64Array | BigUint64Array) : null
  const dayMs = t._tag === "Date" ? 86_400_000 : 1
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    for (let i = a; i < b; i++) {
      const j = i - n
      if (j < a || j >= b || !isV(i) || !isV(j)) continue
      has[i] = 1
      if (big !== null) (values as BigInt64Array)[i] = BigInt.asIntN(64, big[i]! - big[j]!)
      else if (values instanceof BigInt64Array) values[i] = BigInt((src![i]! - src![j]!) * dayMs)
      else (values as NumericArray)[i] = src![i]! - src![j]!
    }
  }
  return C.make(out, len, values, Bits.pack(has, len))
}

/** `x[i] / x[i - n] - 1` within each segment, Float64 (as Polars `pct_change`; no forward fill of nulls). */
export const pctChange = (col: Column, offsets: Int32Array, n: number): Column => {
  const len = col.length
  const valid = validBits(col)
  const v = toFloat64(col)
  const out = new Float64Array(len)
  const has = new Uint8Array(len)
  const isV = (j: number): boolean => valid === null || (valid[j >> 3]! & (1 << (j & 7))) !== 0
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    for (let i = a; i < b; i++) {
      const j = i - n
      if (j < a || j >= b || !isV(i) || !isV(j)) continue
      has[i] = 1
      out[i] = v[i]! / v[j]! - 1
    }
  }
  return C.make(DT.Float64, len, out, Bits.pack(has, len))
}

/**
 * Fills nulls with the last (forward) or next (backward) non-null value of the segment, at most `limit`
 * consecutive nulls per run (undefined = no limit), as Polars `fill_null(strategy, limit)`.
 */
export const fill = (col: Column, offsets: Int32Array, direction: "forward" | "backward", limit: number | undefined): Column => {
  const len = col.length
  if (col.nullCount === 0 || col.dtype._tag === "Null") return col
  const valid = col.validity!
  const max = limit ?? Number.POSITIVE_INFINITY
  const idx = new Int32Array(len)
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    let last = -1
    let run = 0
    if (direction === "forward")
      for (let i = a; i < b; i++) {
        if ((valid[i >> 3]! & (1 << (i & 7))) !== 0) {
          last = i
          run = 0
          idx[i] = i
        } else idx[i] = last >= 0 && ++run <= max ? last : -1
      }
    else
      for (let i = b - 1; i >= a; i--) {
        if ((valid[i >> 3]! & (1 << (i & 7))) !== 0) {
          last = i
          run = 0
          idx[i] = i
        } else idx[i] = last >= 0 && ++run <= max ? last : -1
      }
  }
  return C.take(col, idx)
}

/** Output dtype of `interpolate`: "nearest" keeps the dtype; "linear" gives Float32 for Float32, else Float64 (numeric input). */
export const interpolateOutputType = (t: DataType, method: string): DataType | { readonly expected: string } => {
  if (method === "nearest") return t
  if (method !== "linear") return { expected: `interpolation method "linear" or "nearest"` }
  if (t._tag === "Float32") return DT.Float32
  if ((DT.isNumeric(t) && t._tag !== "Decimal") || t._tag === "Null") return DT.Float64
  return { expected: "a numeric column" }
}

/**
 * Fills the nulls between two non-null values of a segment: "linear" on the row position (or on the `by` keys when
 * given, as Polars `interpolate_by`), "nearest" takes the closer neighbour (the next one on a tie, as Polars).
 * Leading and trailing nulls stay null. `by` keys must be non-decreasing within segments (callers sort first).
 */
export const interpolate = (col: Column, offsets: Int32Array, method: "linear" | "nearest", by?: Float64Array): Column => {
  const len = col.length
  const outType = interpolateOutputType(col.dtype, method) as DataType
  if (col.dtype._tag === "Null") return C.nulls(outType, len)
  const valid = validBits(col)
  const isV = (j: number): boolean => valid === null || (valid[j >> 3]! & (1 << (j & 7))) !== 0
  if (method === "nearest") {
    if (col.nullCount === 0) return col
    const idx = new Int32Array(len)
    for (let s = 0; s + 1 < offsets.length; s++) {
      const a = offsets[s]!
      const b = offsets[s + 1]!
      let prev = -1
      for (let i = a; i < b; i++) {
        if (isV(i)) {
          idx[i] = i
          prev = i
          continue
        }
        let next = i + 1
        while (next < b && !isV(next)) next++
        for (let k = i; k < next; k++) {
          if (prev < 0 || next >= b) idx[k] = -1
          else {
            const dPrev = by === undefined ? k - prev : by[k]! - by[prev]!
            const dNext = by === undefined ? next - k : by[next]! - by[k]!
            idx[k] = dPrev < dNext ? prev : next
          }
        }
        i = next - 1
      }
    }
    return C.take(col, idx)
  }
  const v = toFloat64(col)
  const out = outType._tag === "Float32" ? new Float32Array(len) : new Float64Array(len)
  const has = new Uint8Array(len)
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    let prev = -1
    for (let i = a; i < b; i++) {
      if (isV(i)) {
        out[i] = v[i]!
        has[i] = 1
        prev = i
        continue
      }
      let next = i + 1
      while (next < b && !isV(next)) next++
      if (prev >= 0 && next < b) {
        const x0 = v[prev]!
        const x1 = v[next]!
        for (let k = i; k < next; k++) {
          const f = by === undefined ? (k - prev) / (next - prev) : (by[k]! - by[prev]!) / (by[next]! - by[prev]!)
          out[k] = x0 + f * (x1 - x0)
          has[k] = 1
        }
      }
      i = next - 1
    }
  }
  return C.make(outType, len, out, Bits.pack(has, len))
}
