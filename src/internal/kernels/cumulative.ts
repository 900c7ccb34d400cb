/**
 * Cumulative kernels along a column (`cumSum`, `cumProd`, `cumMin`, `cumMax`, `cumCount`), optionally in reverse
 * and restarting within each group (window context `over`), as Polars `cum_*`. Per-group running state lives in
 * typed arrays indexed by group, so one pass over the rows serves every group.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as C from "../column.ts"
import type { Column, NumericArray } from "../column.ts"
import type { Groups } from "./hash.ts"

export type CumFn = "cumSum" | "cumProd" | "cumMin" | "cumMax" | "cumCount"

const TWO32 = 4294967296

const isSmallInt = (t: DataType): boolean =>
  t._tag === "Int8" || t._tag === "Int16" || t._tag === "Int32" || t._tag === "UInt8" || t._tag === "UInt16" || t._tag === "UInt32"

/**
 * Output dtype of a cumulative function over `input`, or what was expected.
 * cumSum: integers → Int64 (UInt64 stays), floats → Float64, Boolean → UInt32, Duration → Duration.
 * cumProd: integers → Int64 (UInt64 stays), floats → Float64. cumMin/cumMax: numeric (not Decimal), Boolean,
 * Date, Timestamp, Duration → same dtype. cumCount: any → UInt32.
 */
export const cumOutputType = (fn: CumFn, input: DataType): DataType | { readonly expected: string } => {
  switch (fn) {
    case "cumCount":
      return DT.UInt32
    case "cumSum":
      if (input._tag === "UInt64") return DT.UInt64
      if (DT.isInteger(input) || input._tag === "Null") return DT.Int64
      if (DT.isFloat(input)) return DT.Float64
      if (input._tag === "Boolean") return DT.UInt32
      if (input._tag === "Duration") return input
      return { expected: "a numeric, Boolean or Duration column" }
    case "cumProd":
      if (input._tag === "UInt64") return DT.UInt64
      if (DT.isInteger(input) || input._tag === "Null") return DT.Int64
      if (DT.isFloat(input)) return DT.Float64
      return { expected: "a numeric column" }
    case "cumMin":
    case "cumMax":
      if ((DT.isNumeric(input) && input._tag !== "Decimal") || DT.isTemporal(input) || input._tag === "Duration" || input._tag === "Boolean" || input._tag === "Null")
        return input
      return { expected: "a numeric, Boolean or temporal column" }
  }
}

/**
 * Applies cumulative `fn` along `col` (forward, or from the last row when `reverse`), restarting per group when
 * `groups` is given. Nulls stay null and are skipped by the running value (as Polars); `cumCount` counts the
 * non-null values so far, current row included, and has no nulls. `cumMin`/`cumMax` skip NaN unless nothing else
 * was seen. Output dtype per `cumOutputType` (callers validate it first).
 */
export const cumulative = (fn: CumFn, col: Column, reverse: boolean, groups?: Groups): Column => {
  const n = col.length
  const t = col.dtype
  const G = groups === undefined ? 1 : Math.max(groups.count, 1)
  const ids = groups === undefined ? new Int32Array(n) : groups.ids
  const validity = col.nullCount === 0 ? null : col.validity
  const start = reverse ? n - 1 : 0
  const step = reverse ? -1 : 1
  const outValidity = validity
  if (fn === "cumCount") {
    const acc = new Uint32Array(G)
    const out = new Uint32Array(n)
    for (let k = 0, i = start; k < n; k++, i += step) {
      const g = ids[i]!
      if (validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0) acc[g]!++
      out[i] = acc[g]!
    }
    return C.make(DT.UInt32, n, out, null)
  }
  if (t._tag === "Null") return C.nulls(cumOutputType(fn, t) as DataType, n)
  const valid = (i: number): boolean => validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0
  if (fn === "cumSum" && t._tag === "Boolean") {
    const b = col.values as Uint8Array
    const acc = new Uint32Array(G)
    const out = new Uint32Array(n)
    for (let k = 0, i = start; k < n; k++, i += step) {
      if (!valid(i)) continue
      const g = ids[i]!
      acc[g]! += (b[i >> 3]! >> (i & 7)) & 1
      out[i] = acc[g]!
    }
    return C.make(DT.UInt32, n, out, outValidity)
  }
  const floatLike = DT.isFloat(t) || isSmallInt(t) || t._tag === "Date"
  if (fn === "cumSum" && (DT.isFloat(t) || isSmallInt(t))) {
    const v = col.values as NumericArray
    const acc = new Float64Array(G)
    if (DT.isFloat(t)) {
      const out = new Float64Array(n)
      for (let k = 0, i = start; k < n; k++, i += step) {
        if (!valid(i)) continue
        const g = ids[i]!
        out[i] = acc[g]! += v[i]!
      }
      return C.make(DT.Float64, n, out, outValidity)
    }
    const out = new BigInt64Array(n)
    const w = new Int32Array(out.buffer)
    for (let k = 0, i = start; k < n; k++, i += step) {
      if (!valid(i)) continue
      const g = ids[i]!
      const x = (acc[g]! += v[i]!)
      const hi = Math.floor(x / TWO32)
      w[2 * i] = (x - hi * TWO32) | 0
      w[2 * i + 1] = hi | 0
    }
    return C.make(DT.Int64, n, out, outValidity)
  }
  if (fn === "cumSum") {
    // Int64, UInt64, Duration: exact wrapping 64-bit sums on words.
    const w = new Int32Array(col.values.buffer, col.values.byteOffset, 2 * n)
    const lo = new Float64Array(G)
    const hiAcc = new Int32Array(G)
    const out = t._tag === "UInt64" ? new BigUint64Array(n) : new BigInt64Array(n)
    const ow = new Int32Array(out.buffer)
    for (let k = 0, i = start; k < n; k++, i += step) {
      if (!valid(i)) continue
      const g = ids[i]!
      let l = lo[g]! + (w[2 * i]! >>> 0)
      let h = w[2 * i + 1]!
      if (l >= TWO32) {
        l -= TWO32
        h++
      }
      lo[g] = l
      hiAcc[g] = (hiAcc[g]! + h) | 0
      ow[2 * i] = l | 0
      ow[2 * i + 1] = hiAcc[g]!
    }
    return C.make(cumOutputType(fn, t) as DataType, n, out, outValidity)
  }
  if (fn === "cumProd") {
    if (DT.isFloat(t)) {
      const v = col.values as NumericArray
      const acc = new Float64Array(G).fill(1)
      const out = new Float64Array(n)
      for (let k = 0, i = start; k < n; k++, i += step) {
        if (!valid(i)) continue
        const g = ids[i]!
        out[i] = acc[g]! *= v[i]!
      }
      return C.make(DT.Float64, n, out, outValidity)
    }
    const unsigned = t._tag === "UInt64"
    const acc = new Array<bigint>(G).fill(1n)
    const out = unsigned ? new BigUint64Array(n) : new BigInt64Array(n)
    const big = t._tag === "Int64" || t._tag === "UInt64"
    for (let k = 0, i = start; k < n; k++, i += step) {
      if (!valid(i)) continue
      const g = ids[i]!
      const x = big ? (col.values as BigInt64Array)[i]! : BigInt((col.values as NumericArray)[i]!)
      const p = unsigned ? BigInt.asUintN(64, acc[g]! * x) : BigInt.asIntN(64, acc[g]! * x)
      acc[g] = p
      out[i] = p
    }
    return C.make(cumOutputType(fn, t) as DataType, n, out, outValidity)
  }
  // cumMin / cumMax: same dtype.
  const isMax = fn === "cumMax"
  const has = new Uint8Array(G)
  if (floatLike) {
    const v = col.values as NumericArray
    const best = new Float64Array(G)
    const out = C.allocValues(t, n) as NumericArray
    for (let k = 0, i = start; k < n; k++, i += step) {
      if (!valid(i)) continue
      const g = ids[i]!
      const x = v[i]!
      const b = best[g]!
      if (has[g] === 0 || (isMax ? x > b : x < b) || (Number.isNaN(b) && !Number.isNaN(x))) {
        best[g] = x
        has[g] = 1
      }
      out[i] = best[g]!
    }
    return C.make(t, n, out, outValidity)
  }
  if (t._tag === "Boolean") {
    const b = col.values as Uint8Array
    const best = new Uint8Array(G)
    const out = new Uint8Array(b.length)
    for (let k = 0, i = start; k < n; k++, i += step) {
      if (!valid(i)) continue
      const g = ids[i]!
      const x = (b[i >> 3]! >> (i & 7)) & 1
      if (has[g] === 0 || (isMax ? x > best[g]! : x < best[g]!)) {
        best[g] = x
        has[g] = 1
      }
      if (best[g]) out[i >> 3]! |= 1 << (i & 7)
    }
    return C.make(t, n, out, outValidity)
  }
  // 64-bit integers and temporal values.
  const v = col.values as BigInt64Array | BigUint64Array
  const best = t._tag === "UInt64" ? new BigUint64Array(G) : new BigInt64Array(G)
  const out = t._tag === "UInt64" ? new BigUint64Array(n) : new BigInt64Array(n)
  for (let k = 0, i = start; k < n; k++, i += step) {
    if (!valid(i)) continue
    const g = ids[i]!
    const x = v[i]!
    if (has[g] === 0 || (isMax ? x > best[g]! : x < best[g]!)) {
      best[g] = x
      has[g] = 1
    }
    out[i] = best[g]!
  }
  return C.make(t, n, out, outValidity)
}
