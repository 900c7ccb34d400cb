/**
 * Grouped aggregation kernels: one output row per group, as Polars' group-by aggregations.
 *
 * Each kernel is a single pass over the rows with per-group state in typed arrays (sums, counts, Welford moments,
 * best row so far); median and quantile gather each group's values (a counting sort by group, over slots computed
 * from the keys when the key domains are small) and select the order statistics they need: sampled pivots and a
 * selection inside the band between them (`quantileBand`), else quickselect in place; `quantilesWithMoments` also
 * gives var/std of the same column from that gather. Min, max, first, last, argMin and argMax compute a per-group
 * row index and gather with `take`, so they work for every dtype they accept. topK / bottomK keep each group's
 * best k rows (per slot, in a generated loop, over small key domains).
 *
 * `aggregateMany` computes several sums, means, counts, variances, minima and maxima over the same groups in one
 * shared pass (single-pass multi-aggregation), bit-identical to the one-aggregation kernels.
 * @internal
 */
import type { AggFn, QuantileInterpolation } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { combineIds, type DirectKey, groupIds, type Groups, slotSignature, slotSource } from "./hash.ts"
import { orderKeys } from "./sort.ts"

export type AggOptions = { readonly [key: string]: unknown }

const INTERPOLATIONS: ReadonlySet<string> = new Set(["nearest", "higher", "lower", "midpoint", "linear"])

const isSumInteger = (t: DataType): boolean => DT.isInteger(t)

/** Types that have an order (min, max, argMin, argMax, sort). */
export const isOrderable = (t: DataType): boolean =>
  DT.isNumeric(t) ||
  t._tag === "Boolean" ||
  t._tag === "Utf8" ||
  t._tag === "Categorical" ||
  t._tag === "Date" ||
  t._tag === "Timestamp" ||
  t._tag === "Duration" ||
  t._tag === "Null"

/** Types whose values read as plain numbers for moments and quantiles. */
const isMomentInput = (t: DataType): boolean => DT.isNumeric(t) || t._tag === "Boolean" || t._tag === "Null"

/**
 * Output dtype of aggregation `fn` over a column of dtype `input`, or what was expected instead. Called at
 * resolution time, before any data is read, so invalid options (a quantile `q` outside [0, 1], an unknown
 * interpolation) are reported here.
 *
 * | fn | accepts | output |
 * | --- | --- | --- |
 * | sum | integers, floats, Boolean, Decimal, Duration | integers → Int64 (UInt64 stays UInt64), floats → Float64, Boolean → UInt32 (count of true), Decimal(p, s) → Decimal(38, s), Duration → Duration |
 * | mean | numeric, Boolean, Decimal | Float64 (Timestamp/Duration → same dtype; Date → Timestamp("us")) |
 * | min, max | orderable: numeric, Boolean, Utf8, Categorical, Date, Timestamp, Duration | input dtype |
 * | count, len, nUnique | any | UInt32 |
 * | first, last | any | input dtype |
 * | std, var | numeric, Boolean | Float64 (`ddof` option, default 1) |
 * | median, quantile | numeric, Boolean | Float64 (`q` in [0, 1], `interpolation` default "nearest") |
 * | argMin, argMax | orderable | UInt32 (index within the group) |
 * | topK, bottomK | orderable (`k` a non-negative integer) | List(input dtype) |
 *
 * Follows Polars, except that integer sums always widen to Int64 and Float32 results widen to Float64 (Polars keeps
 * Int32/UInt32/Float32 sums in their type and lets them wrap).
 */
export const aggOutputType = (fn: AggFn, input: DataType, options: AggOptions): DataType | { readonly expected: string } => {
  switch (fn) {
    case "sum":
      if (input._tag === "UInt64") return DT.UInt64
      if (isSumInteger(input) || input._tag === "Null") return DT.Int64
      if (DT.isFloat(input)) return DT.Float64
      if (input._tag === "Boolean") return DT.UInt32
      if (input._tag === "Decimal") return DT.Decimal(38, input.scale)
      if (input._tag === "Duration") return input
      return { expected: "a numeric, Boolean, Decimal or Duration column" }
    case "mean":
      if (isMomentInput(input)) return DT.Float64
      if (input._tag === "Timestamp" || input._tag === "Duration") return input
      if (input._tag === "Date") return DT.Timestamp("us", null)
      return { expected: "a numeric, Boolean or temporal column" }
    case "min":
    case "max":
      if (isOrderable(input)) return input
      return { expected: "an orderable column (numeric, Boolean, string, temporal)" }
    case "count":
    case "len":
    case "nUnique":
      return DT.UInt32
    case "first":
    case "last":
      return input
    case "std":
    case "var": {
      const ddof = options["ddof"] ?? 1
      if (typeof ddof !== "number" || !Number.isInteger(ddof) || ddof < 0)
        return { expected: "a non-negative integer ddof" }
      if (isMomentInput(input)) return DT.Float64
      return { expected: "a numeric or Boolean column" }
    }
    case "median":
      if (isMomentInput(input)) return DT.Float64
      return { expected: "a numeric or Boolean column" }
    case "quantile": {
      const q = options["q"]
      if (typeof q !== "number" || !(q >= 0 && q <= 1)) return { expected: "a quantile q between 0 and 1" }
      const interp = options["interpolation"] ?? "nearest"
      if (typeof interp !== "string" || !INTERPOLATIONS.has(interp))
        return { expected: "interpolation nearest, higher, lower, midpoint or linear" }
      if (isMomentInput(input)) return DT.Float64
      return { expected: "a numeric or Boolean column" }
    }
    case "argMin":
    case "argMax":
      if (isOrderable(input)) return DT.UInt32
      return { expected: "an orderable column (numeric, Boolean, string, temporal)" }
    case "topK":
    case "bottomK": {
      const k = options["k"]
      if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k > 2 ** 31 - 1) return { expected: "a non-negative integer k" }
      if (isOrderable(input)) return DT.List(input)
      return { expected: "an orderable column (numeric, Boolean, string, temporal)" }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const TWO32 = 4294967296

/** Validity bitmap from a per-group "has a value" byte mask (null when every group has one). */
const validityOf = (has: Uint8Array, G: number): Uint8Array | null => {
  for (let g = 0; g < G; g++) if (has[g] === 0) return Bits.pack(has, G)
  return null
}

/** Writes an integer-valued double (|x| < 2^63) into the two words of an Int64 slot. */
const writeI64 = (w: Int32Array, g: number, x: number): void => {
  const hi = Math.floor(x / TWO32)
  w[2 * g] = (x - hi * TWO32) | 0
  w[2 * g + 1] = hi | 0
}

/** All values as doubles (Int64 via their words, Decimal scaled, Boolean as 0/1); nulls read as 0. */
export const toFloat64 = (col: Column): ArrayLike<number> => {
  const n = col.length
  const t = col.dtype
  switch (t._tag) {
    case "Int8":
    case "Int16":
    case "Int32":
    case "UInt8":
    case "UInt16":
    case "UInt32":
    case "Float32":
    case "Float64":
    case "Date":
      return col.values as ArrayLike<number>
    case "Int64":
    case "Timestamp":
    case "Duration":
    case "UInt64": {
      const w = new Int32Array(col.values.buffer, col.values.byteOffset, 2 * n)
      const out = new Float64Array(n)
      if (t._tag === "UInt64") for (let i = 0; i < n; i++) out[i] = (w[2 * i + 1]! >>> 0) * TWO32 + (w[2 * i]! >>> 0)
      else for (let i = 0; i < n; i++) out[i] = w[2 * i + 1]! * TWO32 + (w[2 * i]! >>> 0)
      return out
    }
    case "Boolean": {
      const out = new Float64Array(n)
      const b = col.values as Uint8Array
      for (let i = 0; i < n; i++) out[i] = (b[i >> 3]! >> (i & 7)) & 1
      return out
    }
    case "Decimal": {
      const out = new Float64Array(n)
      const v = col.values as BigInt64Array
      const scale = 10 ** t.scale
      for (let i = 0; i < n; i++) out[i] = Number(C.decimalAt(v, i)) / scale
      return out
    }
    default:
      return new Float64Array(n)
  }
}

/** The largest |v[i]| over the first n values (of any, including null, rows). */
const maxAbsOf = (v: ArrayLike<number>, n: number): number => {
  let lo = 0
  let hi = 0
  for (let i = 0; i < n; i++) {
    const x = v[i]!
    if (x > hi) hi = x
    if (x < lo) lo = x
  }
  return Math.max(hi, -lo)
}

const validOf = (col: Column): Uint8Array | null => (col.nullCount === 0 ? null : col.validity)

const f64Column = (vals: Float64Array, has: Uint8Array | null, G: number): Column =>
  C.make(DT.Float64, G, vals, has === null ? null : validityOf(has, G))

// ---------------------------------------------------------------------------------------------------------------
// kernels
// ---------------------------------------------------------------------------------------------------------------

const countKernel = (col: Column, groups: Groups, withNulls: boolean): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const out = new Uint32Array(G)
  const validity = withNulls ? null : validOf(col)
  if (validity === null) for (let i = 0; i < n; i++) out[ids[i]!]!++
  else for (let i = 0; i < n; i++) if ((validity[i >> 3]! & (1 << (i & 7))) !== 0) out[ids[i]!]!++
  return C.make(DT.UInt32, G, out, null)
}

const nUniqueKernel = (col: Column, groups: Groups): Column => {
  const G = groups.count
  const n = groups.ids.length
  const out = new Uint32Array(G)
  if (n > 0) {
    const pairs = combineIds(groups, keyIdsOf(col, n), n)
    for (let p = 0; p < pairs.count; p++) out[groups.ids[pairs.firstRow[p]!]!]!++
  }
  return C.make(DT.UInt32, G, out, null)
}

const keyIdsOf = (col: Column, n: number): Groups => groupIds([col], n)

const firstLastKernel = (col: Column, groups: Groups, last: boolean): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const rows = new Int32Array(G).fill(-1)
  if (last) for (let i = 0; i < n; i++) rows[ids[i]!] = i
  else
    for (let i = n - 1; i >= 0; i--) rows[ids[i]!] = i
  return C.take(col, rows)
}

const sumKernel = (col: Column, groups: Groups): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const t = col.dtype
  switch (t._tag) {
    case "Float32":
    case "Float64": {
      const v = col.values as Float32Array | Float64Array
      const acc = new Float64Array(G)
      if (validity === null) for (let i = 0; i < n; i++) acc[ids[i]!]! += v[i]!
      else for (let i = 0; i < n; i++) if ((validity[i >> 3]! & (1 << (i & 7))) !== 0) acc[ids[i]!]! += v[i]!
      return C.make(DT.Float64, G, acc, null)
    }
    case "Boolean": {
      const b = col.values as Uint8Array
      const acc = new Uint32Array(G)
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
        acc[ids[i]!]! += (b[i >> 3]! >> (i & 7)) & 1
      }
      return C.make(DT.UInt32, G, acc, null)
    }
    case "Int8":
    case "Int16":
    case "Int32":
    case "UInt8":
    case "UInt16":
    case "UInt32": {
      const v = col.values as Int32Array
      // Exact in doubles while every partial sum stays below 2^53.
      const maxAbs = n > 1 << 21 ? maxAbsOf(v, n) : 0
      if (maxAbs * n < 2 ** 53) {
        const acc = new Float64Array(G)
        if (validity === null) for (let i = 0; i < n; i++) acc[ids[i]!]! += v[i]!
        else for (let i = 0; i < n; i++) if ((validity[i >> 3]! & (1 << (i & 7))) !== 0) acc[ids[i]!]! += v[i]!
        const out = new BigInt64Array(G)
        const w = new Int32Array(out.buffer)
        for (let g = 0; g < G; g++) writeI64(w, g, acc[g]!)
        return C.make(DT.Int64, G, out, null)
      }
      const wide = new BigInt64Array(n)
      const ww = new Int32Array(wide.buffer)
      for (let i = 0; i < n; i++) writeI64(ww, i, v[i]!)
      return sumKernel(C.make(DT.Int64, n, wide, col.validity), groups)
    }
    case "Int64":
    case "UInt64":
    case "Duration": {
      // Two's complement sum on 32-bit words with carries: exact, wrapping as 64-bit integers.
      const w = new Int32Array(col.values.buffer, col.values.byteOffset, 2 * n)
      const lo = new Float64Array(G)
      const hi = new Int32Array(G)
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
        const g = ids[i]!
        let l = lo[g]! + (w[2 * i]! >>> 0)
        let h = w[2 * i + 1]!
        if (l >= TWO32) {
          l -= TWO32
          h++
        }
        lo[g] = l
        hi[g] = (hi[g]! + h) | 0
      }
      const out = t._tag === "UInt64" ? new BigUint64Array(G) : new BigInt64Array(G)
      const ow = new Int32Array(out.buffer)
      for (let g = 0; g < G; g++) {
        ow[2 * g] = lo[g]! | 0
        ow[2 * g + 1] = hi[g]!
      }
      return C.make(t._tag === "Int64" ? DT.Int64 : t, G, out, null)
    }
    case "Decimal": {
      const v = col.values as BigInt64Array
      const acc = new Array<bigint>(G).fill(0n)
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
        const g = ids[i]!
        acc[g] = acc[g]! + C.decimalAt(v, i)
      }
      const out = new BigInt64Array(2 * G)
      for (let g = 0; g < G; g++) {
        const x = BigInt.asIntN(128, acc[g]!)
        out[2 * g] = BigInt.asIntN(64, x)
        out[2 * g + 1] = x >> 64n
      }
      return C.make(DT.Decimal(38, t.scale), G, out, null)
    }
    default:
      return C.make(DT.Int64, G, new BigInt64Array(G), null)
  }
}

const meanKernel = (col: Column, groups: Groups): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const t = col.dtype
  if (t._tag === "Timestamp" || t._tag === "Duration") {
    const v = col.values as BigInt64Array
    const acc = new Array<bigint>(G).fill(0n)
    const cnt = new Float64Array(G)
    for (let i = 0; i < n; i++) {
      if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
      const g = ids[i]!
      acc[g] = acc[g]! + v[i]!
      cnt[g]!++
    }
    const out = new BigInt64Array(G)
    const has = new Uint8Array(G)
    for (let g = 0; g < G; g++) {
      if (cnt[g]! > 0) {
        out[g] = acc[g]! / BigInt(cnt[g]!)
        has[g] = 1
      }
    }
    return C.make(t, G, out, validityOf(has, G))
  }
  const v = toFloat64(col)
  const acc = new Float64Array(G)
  const cnt = new Float64Array(G)
  if (validity === null) {
    for (let i = 0; i < n; i++) {
      const g = ids[i]!
      acc[g]! += v[i]!
      cnt[g]!++
    }
  } else {
    for (let i = 0; i < n; i++) {
      if ((validity[i >> 3]! & (1 << (i & 7))) === 0) continue
      const g = ids[i]!
      acc[g]! += v[i]!
      cnt[g]!++
    }
  }
  const has = new Uint8Array(G)
  for (let g = 0; g < G; g++) {
    if (cnt[g]! > 0) {
      acc[g] = acc[g]! / cnt[g]!
      has[g] = 1
    } else acc[g] = 0
  }
  if (t._tag === "Date") {
    const out = new BigInt64Array(G)
    for (let g = 0; g < G; g++) if (has[g]) out[g] = BigInt(Math.round(acc[g]! * 86_400_000_000))
    return C.make(DT.Timestamp("us", null), G, out, validityOf(has, G))
  }
  return f64Column(acc, has, G)
}

/** Welford's online variance per group (numerically stable); `ddof` as Polars (null when count ≤ ddof). */
const varKernel = (col: Column, groups: Groups, ddof: number, std: boolean): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const v = toFloat64(col)
  const cnt = new Float64Array(G)
  const mean = new Float64Array(G)
  const m2 = new Float64Array(G)
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
    const g = ids[i]!
    const x = v[i]!
    const c = ++cnt[g]!
    const d = x - mean[g]!
    const m = mean[g]! + d / c
    mean[g] = m
    m2[g]! += d * (x - m)
  }
  const has = new Uint8Array(G)
  const out = new Float64Array(G)
  for (let g = 0; g < G; g++) {
    if (cnt[g]! > ddof) {
      const r = Math.max(m2[g]! / (cnt[g]! - ddof), 0)
      out[g] = std ? Math.sqrt(r) : r
      has[g] = 1
    }
  }
  return f64Column(out, has, G)
}

/**
 * The k-th smallest (absolute index `k`) of `v[lo..hi)`, which holds no NaN, by quickselect (median-of-three
 * Hoare partitioning, insertion sort below 16 elements). Reorders the slice so that `v[lo..k] ≤ v[k] ≤ v[k..hi)`.
 */
const select = (v: Float64Array, lo: number, hi: number, k: number): number => {
  let l = lo
  let r = hi - 1
  while (r - l >= 16) {
    const m = (l + r) >>> 1
    const a = v[l]!
    const b = v[m]!
    const c = v[r]!
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))
    let i = l
    let j = r
    while (i <= j) {
      while (v[i]! < pivot) i++
      while (v[j]! > pivot) j--
      if (i <= j) {
        const t = v[i]!
        v[i] = v[j]!
        v[j] = t
        i++
        j--
      }
    }
    if (k <= j) r = j
    else if (k >= i) l = i
    else return v[k]!
  }
  for (let i = l + 1; i <= r; i++) {
    const x = v[i]!
    let j = i - 1
    while (j >= l && v[j]! > x) {
      v[j + 1] = v[j]!
      j--
    }
    v[j + 1] = x
  }
  return v[k]!
}

/**
 * The target order statistics of a quantile over `m` values (NaN included, sorted above every number), as Polars'
 * `quantile_slice`: the float index is `(m - 1) q`; "nearest" rounds it half away from zero, "lower"/"higher"
 * floor/ceil it, "midpoint"/"linear" interpolate between the floor's value and the next value. `hi` is `lo`
 * unless the result interpolates between ranks `lo` and `lo + 1`.
 */
const quantileRanks = (
  m: number,
  q: number,
  interp: QuantileInterpolation
): { lo: number; hi: number; frac: number; mid: boolean } => {
  const floatIdx = (m - 1) * q
  let idx: number
  switch (interp) {
    case "nearest":
      idx = Math.round(floatIdx)
      break
    case "higher":
      idx = Math.ceil(floatIdx)
      break
    default:
      idx = Math.floor(floatIdx)
  }
  idx = Math.min(Math.max(idx, 0), m - 1)
  const interpolates = (interp === "linear" || interp === "midpoint") && Math.ceil(floatIdx) !== idx
  return { lo: idx, hi: interpolates ? idx + 1 : idx, frac: floatIdx - idx, mid: interp === "midpoint" }
}

/** The interpolated quantile between the values at ranks `idx` and `idx + 1` (as Polars: equal values give one). */
const between = (lower: number, upper: number, ranks: { readonly frac: number; readonly mid: boolean }): number =>
  lower === upper ? lower : ranks.mid ? (lower + upper) / 2 : ranks.frac * (upper - lower) + lower

/**
 * Quantile of the values `v[lo..hi)` (non-empty; reordered in place), as Polars' `quantile_slice`: NaN sorts
 * above every number; see `quantileRanks`.
 */
const quantileOf = (v: Float64Array, lo: number, hi: number, q: number, interp: QuantileInterpolation): number => {
  const m = hi - lo
  if (m >= BAND_MIN && m <= BAND_MAX) {
    const r = quantileBand(v, lo, hi, q, interp)
    if (r !== undefined) return r
  }
  // Move NaN to the end: `nn` non-NaN values remain in v[lo..lo+nn).
  let nn = m
  for (let i = lo; i < lo + nn; ) {
    if (Number.isNaN(v[i]!)) {
      nn--
      v[i] = v[lo + nn]!
      v[lo + nn] = Number.NaN
    } else i++
  }
  const ranks = quantileRanks(m, q, interp)
  const idx = ranks.lo
  const lower = idx >= nn ? Number.NaN : select(v, lo, lo + nn, lo + idx)
  if (ranks.hi === idx) return lower
  // The next value: the minimum of what lies above index idx (NaN when nothing but NaN does).
  let upper = Number.NaN
  if (idx + 1 < nn) {
    upper = v[lo + idx + 1]!
    for (let i = lo + idx + 2; i < lo + nn; i++) if (v[i]! < upper) upper = v[i]!
  }
  return between(lower, upper, ranks)
}

/** Segment lengths for which `quantileOf` first tries `quantileBand` (below: quickselect is as fast). */
const BAND_MIN = 128
const BAND_MAX = 1 << 16
let bandBuf = new Float64Array(0)
const bandSample = new Float64Array(1024)

/**
 * Quantile of `v[lo..hi)` by sampling (as Floyd–Rivest): two pivots taken from a sorted-by-selection sample
 * bracket the wanted ranks with high probability; one branch-free pass counts the values below the lower pivot
 * and copies those between the pivots to a scratch buffer, where the ranks are then selected. `v` is not
 * modified. `undefined` when the sample holds NaN or the ranks fall outside the band (the caller then selects in
 * place). NaN compares false with both pivots, so it is neither counted nor copied: it ranks above the band, as
 * in `quantileOf`.
 */
const quantileBand = (v: Float64Array, lo: number, hi: number, q: number, interp: QuantileInterpolation): number | undefined => {
  const m = hi - lo
  const ranks = quantileRanks(m, q, interp)
  const S = Math.min(1023, Math.round(Math.sqrt(m) * 2) | 1)
  const step = m / S
  const smp = bandSample
  for (let j = 0; j < S; j++) {
    const x = v[lo + Math.floor(j * step)]!
    if (Number.isNaN(x)) return undefined
    smp[j] = x
  }
  // The wanted ranks' expected place in the sample, widened by ~1.3 sample standard deviations each way.
  const d = Math.ceil(Math.sqrt(S) * 1.3)
  const c = (S * (ranks.lo + 0.5)) / m
  const i1 = Math.max(0, Math.floor(c) - d)
  const i2 = Math.min(S - 1, Math.ceil(c) + d)
  const p1 = select(smp, 0, S, i1)
  const p2 = select(smp, i1, S, i2)
  if (bandBuf.length < m) bandBuf = new Float64Array(Math.max(m, 4096))
  const buf = bandBuf
  let below = 0
  let inBand = 0
  for (let i = lo; i < hi; i++) {
    const x = v[i]!
    buf[inBand] = x
    inBand += ((x >= p1) as unknown as number) & ((x <= p2) as unknown as number)
    below += (x < p1) as unknown as number
  }
  if (ranks.lo < below || ranks.hi >= below + inBand) return undefined
  const k = ranks.lo - below
  const lower = select(buf, 0, inBand, k)
  if (ranks.hi === ranks.lo) return lower
  let upper = buf[k + 1]!
  for (let i = k + 2; i < inBand; i++) if (buf[i]! < upper) upper = buf[i]!
  return between(lower, upper, ranks)
}

/**
 * Each group's non-null values, contiguous by group (a counting sort of the rows by group). With `groups.direct`
 * (small key domains) the counting and scattering passes compute each row's slot from the key values, so the
 * group-id array is never built.
 */
const valuesByGroup = (col: Column, groups: Groups): { values: Float64Array; offsets: Int32Array } => {
  const G = groups.count
  const n = col.length
  const validity = validOf(col)
  const v = toFloat64(col)
  const offsets = new Int32Array(G + 1)
  const direct = groups.direct
  const fns = direct === undefined ? null : scatterFns(direct.keys, v, validity)
  if (direct !== undefined && fns !== null) {
    const cnt = new Int32Array(direct.size)
    fns.count(direct.keys, n, cnt, validity)
    const slotOf = direct.slotOf
    for (let g = 0; g < G; g++) offsets[g + 1] = offsets[g]! + cnt[slotOf[g]!]!
    // Reused as each slot's write position.
    for (let g = 0; g < G; g++) cnt[slotOf[g]!] = offsets[g]!
    const values = new Float64Array(offsets[G]!)
    fns.scatter(direct.keys, n, cnt, v, values, validity)
    return { values, offsets }
  }
  const ids = groups.ids
  for (let i = 0; i < n; i++) if (validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0) offsets[ids[i]! + 1]!++
  for (let g = 0; g < G; g++) offsets[g + 1]! += offsets[g]!
  const pos = offsets.slice(0, G)
  const values = new Float64Array(offsets[G]!)
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
    values[pos[ids[i]!]!++] = v[i]!
  }
  return { values, offsets }
}

interface ScatterFns {
  readonly count: (keys: ReadonlyArray<DirectKey>, n: number, cnt: Int32Array, valid: Uint8Array | null) => void
  readonly scatter: (
    keys: ReadonlyArray<DirectKey>,
    n: number,
    pos: Int32Array,
    v: ArrayLike<number>,
    out: Float64Array,
    valid: Uint8Array | null
  ) => void
}
const SCATTERS = new Map<string, ScatterFns | null>()

/**
 * The two generated loops of `valuesByGroup` over slots computed from the keys (one compiled pair per key and
 * value signature, so that every array access is monomorphic). Null where code generation is not allowed.
 */
const scatterFns = (keys: ReadonlyArray<DirectKey>, v: ArrayLike<number>, valid: Uint8Array | null): ScatterFns | null => {
  const sig = `${slotSignature(keys)}|${v.constructor.name}${valid === null ? "" : "?"}`
  const hit = SCATTERS.get(sig)
  if (hit !== undefined) return hit
  const src = slotSource(keys)
  const guard = valid === null ? "" : "if ((valid[i >> 3] & (1 << (i & 7))) !== 0) "
  let fns: ScatterFns | null = null
  try {
    fns = {
      count: new Function(
        "keys",
        "n",
        "cnt",
        "valid",
        `"use strict"; ${src.head}\nfor (let i = 0; i < n; i++) ${guard}cnt[${src.expr}]++;`
      ) as ScatterFns["count"],
      scatter: new Function(
        "keys",
        "n",
        "pos",
        "v",
        "out",
        "valid",
        `"use strict"; ${src.head}\nfor (let i = 0; i < n; i++) ${guard}out[pos[${src.expr}]++] = v[i];`
      ) as ScatterFns["scatter"]
    }
  } catch {
    fns = null
  }
  if (SCATTERS.size >= 256) SCATTERS.clear()
  SCATTERS.set(sig, fns)
  return fns
}

const quantileKernel = (col: Column, groups: Groups, q: number, interp: QuantileInterpolation): Column =>
  quantilesWithMoments(col, groups, [{ q, interp }], [])[0]!

/**
 * Quantiles and variances of one column per group from one gather of each group's values (`valuesByGroup`):
 * `quantiles` as `aggregate`'s quantile (Polars `quantile`), then `moments` as its var/std (null when the count
 * is ≤ `ddof`), computed per group by the two-pass formula (mean, then the sum of squared deviations) over the
 * group's contiguous values. Results in the order of `quantiles` then `moments`; Float64, one row per group.
 */
export const quantilesWithMoments = (
  col: Column,
  groups: Groups,
  quantiles: ReadonlyArray<{ readonly q: number; readonly interp: QuantileInterpolation }>,
  moments: ReadonlyArray<{ readonly ddof: number; readonly std: boolean }>
): Array<Column> => {
  const G = groups.count
  const { values, offsets } = valuesByGroup(col, groups)
  const qs = quantiles.map(() => new Float64Array(G))
  const ms = moments.map(() => new Float64Array(G))
  const mHas = moments.map(() => new Uint8Array(G))
  const has = new Uint8Array(G)
  for (let g = 0; g < G; g++) {
    const a = offsets[g]!
    const b = offsets[g + 1]!
    const c = b - a
    if (moments.length > 0) {
      let s = 0
      for (let i = a; i < b; i++) s += values[i]!
      const mean = s / c
      let m2 = 0
      for (let i = a; i < b; i++) {
        const d = values[i]! - mean
        m2 += d * d
      }
      for (let j = 0; j < moments.length; j++) {
        const mo = moments[j]!
        if (c > mo.ddof) {
          const r = Math.max(m2 / (c - mo.ddof), 0)
          ms[j]![g] = mo.std ? Math.sqrt(r) : r
          mHas[j]![g] = 1
        }
      }
    }
    if (c > 0) {
      has[g] = 1
      for (let j = 0; j < quantiles.length; j++) qs[j]![g] = quantileOf(values, a, b, quantiles[j]!.q, quantiles[j]!.interp)
    }
  }
  return [...qs.map((o) => f64Column(o, has, G)), ...ms.map((o, j) => f64Column(o, mHas[j]!, G))]
}


/**
 * Per group, the row holding the minimum (or maximum) valid value, first occurrence on ties, and its position in
 * the group (counting every row of the group, nulls included). NaN is skipped unless the group has nothing else
 * (as Polars `min`/`max`, which ignore NaN; `nan_min`/`nan_max` would propagate it).
 */
const bestRows = (col: Column, groups: Groups, isMax: boolean): { rows: Int32Array; pos: Int32Array } => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const rows = new Int32Array(G).fill(-1)
  const pos = new Int32Array(G)
  const seen = new Int32Array(G)
  const t = col.dtype
  const numeric =
    t._tag === "Float32" ||
    t._tag === "Float64" ||
    t._tag === "Int8" ||
    t._tag === "Int16" ||
    t._tag === "Int32" ||
    t._tag === "UInt8" ||
    t._tag === "UInt16" ||
    t._tag === "UInt32" ||
    t._tag === "Date"
  if (numeric) {
    const v = col.values as Float64Array
    const best = new Float64Array(G)
    for (let i = 0; i < n; i++) {
      const g = ids[i]!
      const p = seen[g]!++
      if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
      const x = v[i]!
      const b = best[g]!
      if (rows[g]! < 0 || (isMax ? x > b : x < b) || (Number.isNaN(b) && !Number.isNaN(x))) {
        rows[g] = i
        best[g] = x
        pos[g] = p
      }
    }
    return { rows, pos }
  }
  if (t._tag === "Null") return { rows, pos }
  const keys = orderKeys(col, n)
  const lo = keys.lo
  const hi = keys.hi
  for (let i = 0; i < n; i++) {
    const g = ids[i]!
    const p = seen[g]!++
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
    const r = rows[g]!
    let better = r < 0
    if (!better) {
      const h1 = hi === null ? 0 : hi[i]!
      const h0 = hi === null ? 0 : hi[r]!
      better = isMax ? h1 > h0 || (h1 === h0 && lo[i]! > lo[r]!) : h1 < h0 || (h1 === h0 && lo[i]! < lo[r]!)
    }
    if (better) {
      rows[g] = i
      pos[g] = p
    }
  }
  return { rows, pos }
}

const argKernel = (col: Column, groups: Groups, isMax: boolean): Column => {
  const G = groups.count
  const { rows, pos } = bestRows(col, groups, isMax)
  const has = new Uint8Array(G)
  const out = new Uint32Array(G)
  for (let g = 0; g < G; g++) {
    if (rows[g]! >= 0) {
      has[g] = 1
      out[g] = pos[g]!
    }
  }
  return C.make(DT.UInt32, G, out, validityOf(has, G))
}

/** Above this `k` (or when `G * k` exceeds the rows) `topK` sorts each group's rows instead of keeping k best. */
const TOPK_SMALL = 64

/**
 * Each group's `k` largest (or smallest) values as a List column, best first, ties in row order, nulls appended
 * when the group has fewer than `k` valid values. Small `k`: one pass keeping each group's best `k` rows sorted in
 * typed arrays (a row that does not beat the group's k-th best costs one comparison); large `k`: the valid rows are
 * bucketed by group and each group's rows sorted.
 */
const topKKernel = (col: Column, groups: Groups, k: number, largest: boolean): Column => {
  const G = groups.count
  const n = col.length
  const validity = validOf(col)
  const held = new Int32Array(G) // valid rows kept (≤ k)
  const nullRows = new Int32Array(G)
  if (k > 0 && k <= TOPK_SMALL && G * k <= 2 * n + 1024) {
    const best = new Int32Array(G * k) // group g's kept rows, best first, at [g * k, g * k + held[g])
    const numbers = isPlainNumber(col.dtype) || col.dtype._tag === "Date"
    const direct = groups.direct
    const f =
      numbers && direct !== undefined && k <= TOPK_DIRECT && direct.size * k <= 2 * n + 1024
        ? topKDirectFn(direct.keys, col.values as ArrayLike<number>, validity, largest)
        : null
    if (f !== null && direct !== undefined) topKDirect(f, direct, col.values as ArrayLike<number>, validity, n, k, best, held, nullRows)
    else if (numbers) topKNumbers(col.values as ArrayLike<number>, validity, groups.ids, n, k, largest, best, held, nullRows)
    else topKKeys(orderKeys(col, n), validity, groups.ids, n, k, largest ? 0xffffffff : 0, best, held, nullRows)
    const starts = new Int32Array(G)
    for (let g = 0; g < G; g++) starts[g] = g * k
    return topKList(col, G, k, held, nullRows, best, starts)
  }
  // Large k: bucket the valid rows by group (row order kept), then sort each bucket by key, ties by row.
  const ids = groups.ids
  const start = new Int32Array(G + 1)
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) nullRows[ids[i]!]!++
    else start[ids[i]! + 1]!++
  }
  for (let g = 0; g < G; g++) start[g + 1]! += start[g]!
  const rows = new Int32Array(start[G]!)
  if (k > 0) {
    const pos = start.slice(0, G)
    for (let i = 0; i < n; i++) if (validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0) rows[pos[ids[i]!]!++] = i
    const keys = orderKeys(col, n)
    const klo = keys.lo
    const khi = keys.hi
    const flip = largest ? 0xffffffff : 0
    const cmp = (x: number, y: number): number => {
      const hx = khi === null ? 0 : (khi[x]! ^ flip) >>> 0
      const hy = khi === null ? 0 : (khi[y]! ^ flip) >>> 0
      if (hx !== hy) return hx < hy ? -1 : 1
      const lx = (klo[x]! ^ flip) >>> 0
      const ly = (klo[y]! ^ flip) >>> 0
      if (lx !== ly) return lx < ly ? -1 : 1
      return x - y
    }
    for (let g = 0; g < G; g++) {
      const a = start[g]!
      const b = start[g + 1]!
      if (b - a > 1) rows.subarray(a, b).sort(cmp)
    }
  }
  // Kept rows of group g: the first held[g] of rows[start[g] .. start[g + 1]).
  for (let g = 0; g < G; g++) held[g] = Math.min(k, start[g + 1]! - start[g]!)
  return topKList(col, G, k, held, nullRows, rows, start)
}

/**
 * Small-k topK over plain numbers: each group's best `k` rows kept sorted (best first) with their values beside
 * them, in row order on ties; "better" is larger (or smaller) with NaN above every number, -0 equal to 0.
 */
const topKNumbers = (
  v: ArrayLike<number>,
  validity: Uint8Array | null,
  ids: Int32Array,
  n: number,
  k: number,
  largest: boolean,
  best: Int32Array,
  held: Int32Array,
  nullRows: Int32Array
): void => {
  // Per group, side by side (one cache line per row for small k): the count kept, then the kept values.
  const S = k + 1
  const st = new Float64Array(held.length * S)
  for (let i = 0; i < n; i++) {
    const g = ids[i]!
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      nullRows[g]!++
      continue
    }
    const x = v[i]!
    const base = g * S
    let c = st[base]!
    if (c === k) {
      const w = st[base + k]!
      if (largest ? !(x > w || (Number.isNaN(x) && !Number.isNaN(w))) : !(x < w || (Number.isNaN(w) && !Number.isNaN(x)))) continue
      c = k - 1
    } else st[base] = c + 1
    // Slot j (1-based) of the group holds the j-th best value; its row is best[g * k + j - 1].
    let j = c + 1
    const rb = g * k - 1
    if (largest)
      while (j > 1) {
        const y = st[base + j - 1]!
        if (!(x > y || (Number.isNaN(x) && !Number.isNaN(y)))) break
        st[base + j] = y
        best[rb + j] = best[rb + j - 1]!
        j--
      }
    else
      while (j > 1) {
        const y = st[base + j - 1]!
        if (!(x < y || (Number.isNaN(y) && !Number.isNaN(x)))) break
        st[base + j] = y
        best[rb + j] = best[rb + j - 1]!
        j--
      }
    st[base + j] = x
    best[rb + j] = i
  }
  for (let g = 0; g < held.length; g++) held[g] = st[g * S]!
}

/** Largest `k` for which `topK` over small key domains keeps per-slot state (`topKDirect`). */
const TOPK_DIRECT = 8

type TopKDirectFn = (
  keys: ReadonlyArray<DirectKey>,
  v: ArrayLike<number>,
  valid: Uint8Array | null,
  n: number,
  k: number,
  st: Float64Array,
  best: Int32Array,
  nulls: Int32Array
) => void
const TOPK_LOOPS = new Map<string, TopKDirectFn | null>()

/**
 * `topKNumbers`' loop generated for slots computed from the key values (small key domains, `groups.direct`), so
 * that the group-id array is never built: the state is per slot. Null where code generation is not allowed.
 */
const topKDirectFn = (
  keys: ReadonlyArray<DirectKey>,
  v: ArrayLike<number>,
  valid: Uint8Array | null,
  largest: boolean
): TopKDirectFn | null => {
  const sig = `${slotSignature(keys)}|${v.constructor.name}${valid === null ? "" : "?"}|${largest ? "max" : "min"}`
  const hit = TOPK_LOOPS.get(sig)
  if (hit !== undefined) return hit
  const src = slotSource(keys)
  // "x beats y": larger (smaller) with NaN above every number.
  const beats = (x: string, y: string) =>
    largest ? `(${x} > ${y} || (${x} !== ${x} && ${y} === ${y}))` : `(${x} < ${y} || (${y} !== ${y} && ${x} === ${x}))`
  const body = `"use strict"; ${src.head}
const S = k + 1;
for (let i = 0; i < n; i++) {
  const g = ${src.expr};
  ${valid === null ? "" : "if ((valid[i >> 3] & (1 << (i & 7))) === 0) { nulls[g]++; continue; }"}
  const x = v[i];
  const base = g * S;
  let c = st[base];
  if (c === k) {
    const w = st[base + k];
    if (!${beats("x", "w")}) continue;
    c = k - 1;
  } else st[base] = c + 1;
  let j = c + 1;
  const rb = g * k - 1;
  while (j > 1) {
    const y = st[base + j - 1];
    if (!${beats("x", "y")}) break;
    st[base + j] = y;
    best[rb + j] = best[rb + j - 1];
    j--;
  }
  st[base + j] = x;
  best[rb + j] = i;
}`
  let f: TopKDirectFn | null = null
  try {
    f = new Function("keys", "v", "valid", "n", "k", "st", "best", "nulls", body) as TopKDirectFn
  } catch {
    f = null
  }
  if (TOPK_LOOPS.size >= 256) TOPK_LOOPS.clear()
  TOPK_LOOPS.set(sig, f)
  return f
}

/** Small-k topK over small key domains: the per-slot state of `topKDirectFn`, then mapped to groups. */
const topKDirect = (
  f: TopKDirectFn,
  direct: NonNullable<Groups["direct"]>,
  v: ArrayLike<number>,
  valid: Uint8Array | null,
  n: number,
  k: number,
  best: Int32Array,
  held: Int32Array,
  nullRows: Int32Array
): void => {
  const size = direct.size
  const S = k + 1
  const st = new Float64Array(size * S)
  const bestS = new Int32Array(size * k)
  const nullS = new Int32Array(size)
  f(direct.keys, v, valid, n, k, st, bestS, nullS)
  const slotOf = direct.slotOf
  for (let g = 0; g < held.length; g++) {
    const s = slotOf[g]!
    const h = st[s * S]!
    held[g] = h
    nullRows[g] = nullS[s]!
    for (let j = 0; j < h; j++) best[g * k + j] = bestS[s * k + j]!
  }
}

/** Small-k topK over order keys (any orderable dtype): as `topKNumbers`, on keys flipped so that smaller is better. */
const topKKeys = (
  keys: { readonly hi: Uint32Array | null; readonly lo: Uint32Array },
  validity: Uint8Array | null,
  ids: Int32Array,
  n: number,
  k: number,
  flip: number,
  best: Int32Array,
  held: Int32Array,
  nullRows: Int32Array
): void => {
  const khi = keys.hi
  const klo = keys.lo
  const bh = new Uint32Array(best.length)
  const bl = new Uint32Array(best.length)
  for (let i = 0; i < n; i++) {
    const g = ids[i]!
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      nullRows[g]!++
      continue
    }
    const h = khi === null ? 0 : (khi[i]! ^ flip) >>> 0
    const l = (klo[i]! ^ flip) >>> 0
    const base = g * k
    let c = held[g]!
    if (c === k) {
      const wh = bh[base + k - 1]!
      if (h > wh || (h === wh && l >= bl[base + k - 1]!)) continue
      c = k - 1
    } else held[g] = c + 1
    let j = base + c
    while (j > base) {
      const ph = bh[j - 1]!
      if (ph < h || (ph === h && bl[j - 1]! <= l)) break
      bh[j] = ph
      bl[j] = bl[j - 1]!
      best[j] = best[j - 1]!
      j--
    }
    bh[j] = h
    bl[j] = l
    best[j] = i
  }
}

/** The List column of topK: group g holds rows `rows[starts[g] ..)` (`held[g]` of them), then nulls up to `k`. */
const topKList = (
  col: Column,
  G: number,
  k: number,
  held: Int32Array,
  nullRows: Int32Array,
  rows: Int32Array,
  starts: Int32Array
): Column => {
  const offsets = new Int32Array(G + 1)
  for (let g = 0; g < G; g++) offsets[g + 1] = offsets[g]! + Math.min(k, held[g]! + nullRows[g]!)
  const flat = new Int32Array(offsets[G]!)
  for (let g = 0; g < G; g++) {
    const o = offsets[g]!
    const h = held[g]!
    const s = starts[g]!
    for (let j = 0; j < h; j++) flat[o + j] = rows[s + j]!
    for (let j = o + h; j < offsets[g + 1]!; j++) flat[j] = -1
  }
  return C.make(DT.List(col.dtype), G, new Uint8Array(0), null, { offsets, children: [C.take(col, flat)] })
}

/**
 * Aggregates `column` per group: one output row per group (`groups.count` rows, in group order), dtype from
 * `aggOutputType`. `column.length` must equal `groups.ids.length`. Options: `ddof` (std/var, default 1), `q` and
 * `interpolation` (quantile, default "nearest"). Callers validate dtypes and options with `aggOutputType` first.
 *
 * Semantics as Polars: nulls are skipped; a group with no valid value gives null, except `sum` (0, as Polars),
 * `count`/`len` (0 / the row count) and `nUnique` (null counts as one value); `first`/`last` return the first/last
 * row even when it is null; NaN is a value (sums, means and moments become NaN; `min`/`max` skip it unless the group
 * has only NaN; quantiles sort it above every number); `argMin`/`argMax` give the position within the group
 * (first occurrence on ties); `topK`/`bottomK` give each group's `k` largest/smallest values as a list, sorted
 * (largest first for topK, smallest first for bottomK; NaN above every number; ties in row order), nulls only to
 * fill up when the group has fewer than `k` valid values (as Polars `top_k`/`bottom_k`: non-null preferred).
 */
export const aggregate = (fn: AggFn, column: Column, groups: Groups, options: AggOptions): Column => {
  switch (fn) {
    case "count":
      return countKernel(column, groups, false)
    case "len":
      return countKernel(column, groups, true)
    case "nUnique":
      return nUniqueKernel(column, groups)
    case "first":
      return firstLastKernel(column, groups, false)
    case "last":
      return firstLastKernel(column, groups, true)
    case "sum":
      return sumKernel(column, groups)
    case "mean":
      return meanKernel(column, groups)
    case "std":
    case "var":
      return varKernel(column, groups, (options["ddof"] as number | undefined) ?? 1, fn === "std")
    case "median":
      return quantileKernel(column, groups, 0.5, "linear")
    case "quantile":
      return quantileKernel(
        column,
        groups,
        options["q"] as number,
        (options["interpolation"] as QuantileInterpolation | undefined) ?? "nearest"
      )
    case "min":
    case "max":
      return C.take(column, bestRows(column, groups, fn === "max").rows)
    case "argMin":
    case "argMax":
      return argKernel(column, groups, fn === "argMax")
    case "topK":
    case "bottomK":
      return topKKernel(column, groups, options["k"] as number, fn === "topK")
  }
}

// ---------------------------------------------------------------------------------------------------------------
// fused multi-aggregation
// ---------------------------------------------------------------------------------------------------------------

/** One aggregation of `aggregateMany`: `fn` over `column` (full length), with `aggregate`'s options. */
export interface AggSpec {
  readonly fn: AggFn
  readonly column: Column
  readonly options: AggOptions
  /**
   * sum, mean, var, std only: the aggregated values are `column` cast to Float64 (`column` holds plain numbers:
   * Int8–UInt32, Float32, Float64), multiplied by `times` (also plain numbers, cast to Float64) when given; null
   * where either is null. The result is that of `aggregate` over the materialized Float64 column (the casts are
   * exact and the product is the same double), without materializing it.
   */
  readonly asFloat64?: boolean
  readonly times?: Column
  /**
   * mean, var, std only, with `times`: `column` and `times` are Int32 and the values are their Int32 product as
   * `arith` computes it (wrapping, `Math.imul`), i.e. `aggregate` over the materialized Int32 product column.
   */
  readonly imul?: boolean
}

/** Dtypes whose values array holds plain numbers (read directly as doubles by the shared pass). */
const isPlainNumber = (t: DataType): boolean =>
  t._tag === "Float32" ||
  t._tag === "Float64" ||
  t._tag === "Int8" ||
  t._tag === "Int16" ||
  t._tag === "Int32" ||
  t._tag === "UInt8" ||
  t._tag === "UInt16" ||
  t._tag === "UInt32"

/** Largest |value| of a small integer dtype (bounds a group's partial sums: count · bound). */
const intBound = (t: DataType): number => {
  switch (t._tag) {
    case "Int8":
      return 128
    case "UInt8":
      return 255
    case "Int16":
      return 32768
    case "UInt16":
      return 65535
    case "Int32":
      return 2 ** 31
    default:
      return 2 ** 32
  }
}

/**
 * Whether `aggregateMany` computes `fn` over `column` in its shared pass (otherwise callers use `aggregate`):
 * sum of floats and of small integers (exact in doubles: checked per group after the pass from the group's row
 * count, and recomputed exactly where it could have rounded), mean, var and std of numeric columns (Int64 read as
 * doubles, as `aggregate` does), min and max of plain numbers, count and len of any column.
 */
export const isFusable = (fn: AggFn, column: Column, asFloat64 = false): boolean => {
  const t = column.dtype
  if (asFloat64) return isPlainNumber(t) && (fn === "sum" || fn === "mean" || fn === "var" || fn === "std")
  switch (fn) {
    case "count":
    case "len":
      return true
    case "sum":
      return isPlainNumber(t)
    case "mean":
    case "var":
    case "std":
      return DT.isNumeric(t) && t._tag !== "Decimal"
    case "min":
    case "max":
      return isPlainNumber(t)
    default:
      return false
  }
}

/** Rows per block: each block's group ids are read from memory once and stay in L1 for every aggregation. */
const BLOCK = 2048

const addBlock = (ids: Int32Array, a: number, b: number, v: ArrayLike<number>, st: Float64Array, S: number, o: number): void => {
  for (let i = a; i < b; i++) st[ids[i]! * S + o]! += v[i]!
}

const addValidBlock = (
  ids: Int32Array,
  a: number,
  b: number,
  v: ArrayLike<number>,
  valid: Uint8Array,
  st: Float64Array,
  S: number,
  o: number
): void => {
  for (let i = a; i < b; i++) if ((valid[i >> 3]! & (1 << (i & 7))) !== 0) st[ids[i]! * S + o]! += v[i]!
}

const countBlock = (ids: Int32Array, a: number, b: number, valid: Uint8Array | null, st: Float64Array, S: number, o: number): void => {
  if (valid === null) for (let i = a; i < b; i++) st[ids[i]! * S + o]!++
  else for (let i = a; i < b; i++) if ((valid[i >> 3]! & (1 << (i & 7))) !== 0) st[ids[i]! * S + o]!++
}

/** Welford's update (as `varKernel`): slots o = count, o + 1 = mean, o + 2 = m2. */
const welfordBlock = (
  ids: Int32Array,
  a: number,
  b: number,
  v: ArrayLike<number>,
  valid: Uint8Array | null,
  st: Float64Array,
  S: number,
  o: number
): void => {
  for (let i = a; i < b; i++) {
    if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) continue
    const s = ids[i]! * S + o
    const x = v[i]!
    const c = ++st[s]!
    const mu = st[s + 1]!
    const d = x - mu
    const m = mu + d / c
    st[s + 1] = m
    st[s + 2]! += d * (x - m)
  }
}

/** Best value so far (as `bestRows`): slots o = value, o + 1 = its row (-1: none yet). */
const bestBlock = (
  ids: Int32Array,
  a: number,
  b: number,
  v: ArrayLike<number>,
  valid: Uint8Array | null,
  st: Float64Array,
  S: number,
  o: number,
  isMax: boolean
): void => {
  for (let i = a; i < b; i++) {
    if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) continue
    const s = ids[i]! * S + o
    const x = v[i]!
    const bv = st[s]!
    if (st[s + 1]! < 0 || (isMax ? x > bv : x < bv) || (Number.isNaN(bv) && !Number.isNaN(x))) {
      st[s] = x
      st[s + 1] = i
    }
  }
}

type Plan =
  | { readonly kind: "count"; readonly valid: Uint8Array | null; readonly o: number }
  | {
      readonly kind: "sum"
      readonly v: ArrayLike<number>
      readonly w: ArrayLike<number> | null
      readonly imul: boolean
      readonly valid: Uint8Array | null
      readonly o: number
    }
  | {
      readonly kind: "welford"
      readonly v: ArrayLike<number>
      readonly w: ArrayLike<number> | null
      readonly imul: boolean
      readonly valid: Uint8Array | null
      readonly o: number
    }
  | { readonly kind: "best"; readonly v: ArrayLike<number>; readonly valid: Uint8Array | null; readonly o: number; readonly isMax: boolean }

const EMPTY_F64 = new Float64Array(0)

/** A plan with its product input multiplied out (for `blockedLoop`, whose loops read one value array). */
const materialized = (p: Plan): Plan => {
  if ((p.kind !== "sum" && p.kind !== "welford") || p.w === null) return p
  const n = p.v.length
  const out = new Float64Array(n)
  if (p.imul) for (let i = 0; i < n; i++) out[i] = Math.imul(p.v[i]!, p.w[i]!)
  else for (let i = 0; i < n; i++) out[i] = p.v[i]! * p.w[i]!
  return { ...p, v: out, w: null, imul: false }
}

/** The shared pass without generated code: per block of rows, one loop per aggregation. */
const blockedLoop = (plans: ReadonlyArray<Plan>, ids: Int32Array, n: number, st: Float64Array, S: number): void => {
  for (let a = 0; a < n; a += BLOCK) {
    const b = Math.min(a + BLOCK, n)
    for (const p of plans) {
      switch (p.kind) {
        case "count":
          countBlock(ids, a, b, p.valid, st, S, p.o)
          break
        case "sum":
          if (p.valid === null) addBlock(ids, a, b, p.v, st, S, p.o)
          else addValidBlock(ids, a, b, p.v, p.valid, st, S, p.o)
          break
        case "welford":
          welfordBlock(ids, a, b, p.v, p.valid, st, S, p.o)
          break
        case "best":
          bestBlock(ids, a, b, p.v, p.valid, st, S, p.o, p.isMax)
          break
      }
    }
  }
}

type FusedLoop = (
  ids: Int32Array,
  keys: ReadonlyArray<DirectKey>,
  n: number,
  st: Float64Array,
  values: ReadonlyArray<ArrayLike<number>>,
  times: ReadonlyArray<ArrayLike<number>>,
  valids: ReadonlyArray<Uint8Array | null>
) => void

/** Generated loops by signature (kinds, slots, stride, input array types, which inputs have nulls, key layout). */
const LOOPS = new Map<string, FusedLoop | null>()

/**
 * One row loop for all `plans`, generated and compiled once per signature, so that every typed-array access in it
 * sees one array type (a single generic loop over several array types runs ~2× slower in V8) and slots and stride
 * are constants. A row's state starts at `ids[i] * S`, or, with `keys` (small key domains), at its slot computed
 * from the key values times S (no group-id array is read). Null where code generation is not allowed (a
 * Content-Security-Policy without 'unsafe-eval'): callers then use `blockedLoop`.
 */
const fusedLoop = (plans: ReadonlyArray<Plan>, S: number, keys: ReadonlyArray<DirectKey> | null): FusedLoop | null => {
  const sig = `${S}|${keys === null ? "ids" : slotSignature(keys)}|${plans
    .map(
      (p) =>
        `${p.kind}${p.kind === "best" && p.isMax ? "+" : ""}@${p.o}:${p.kind === "count" ? "" : p.v.constructor.name}` +
        `${(p.kind === "sum" || p.kind === "welford") && p.w !== null ? `${p.imul ? "imul" : "*"}${p.w.constructor.name}` : ""}` +
        `${p.valid === null ? "" : "?"}`
    )
    .join(",")}`
  const cached = LOOPS.get(sig)
  if (cached !== undefined) return cached
  const head: Array<string> = []
  const body: Array<string> = []
  plans.forEach((p, k) => {
    const o = p.o
    if (p.kind !== "count") head.push(`const v${k} = values[${k}];`)
    const product = (p.kind === "sum" || p.kind === "welford") && p.w !== null
    if (product) head.push(`const w${k} = times[${k}];`)
    const x = product ? (p.imul ? `Math.imul(v${k}[i], w${k}[i])` : `v${k}[i] * w${k}[i]`) : `v${k}[i]`
    if (p.valid !== null) head.push(`const m${k} = valids[${k}];`)
    const guard = p.valid === null ? "" : `if ((m${k}[i >> 3] & (1 << (i & 7))) !== 0) `
    switch (p.kind) {
      case "count":
        body.push(`${guard}st[s + ${o}]++;`)
        break
      case "sum":
        body.push(`${guard}st[s + ${o}] += ${x};`)
        break
      case "welford":
        body.push(
          `${guard}{ const x = ${x}; const c = ++st[s + ${o}]; const mu = st[s + ${o + 1}]; const d = x - mu; ` +
            `const m = mu + d / c; st[s + ${o + 1}] = m; st[s + ${o + 2}] += d * (x - m); }`
        )
        break
      case "best":
        body.push(
          `${guard}{ const x = v${k}[i]; const b = st[s + ${o}]; ` +
            `if (st[s + ${o + 1}] < 0 || x ${p.isMax ? ">" : "<"} b || (b !== b && x === x)) { st[s + ${o}] = x; st[s + ${o + 1}] = i; } }`
        )
        break
    }
  })
  let slot = "ids[i]"
  if (keys !== null) {
    const src = slotSource(keys)
    head.push(src.head)
    slot = `(${src.expr})`
  }
  let loop: FusedLoop | null = null
  try {
    loop = new Function(
      "ids",
      "keys",
      "n",
      "st",
      "values",
      "times",
      "valids",
      `"use strict"; ${head.join(" ")}\nfor (let i = 0; i < n; i++) {\nconst s = ${slot} * ${S};\n${body.join("\n")}\n}`
    ) as FusedLoop
  } catch {
    loop = null
  }
  if (LOOPS.size >= 256) LOOPS.clear()
  LOOPS.set(sig, loop)
  return loop
}

const NO_KEYS: ReadonlyArray<DirectKey> = []
const NO_IDS = new Int32Array(0)

/**
 * Several aggregations over the same groups in one pass, with every group's state side by side in one
 * Float64Array (one cache line per row for all of them). With `groups.direct` (small key domains) the pass reads
 * the key values and accumulates per slot, never reading `groups.ids`; otherwise it reads the group ids. Every
 * spec must pass `isFusable`; each result is bit-identical to `aggregate(spec.fn, spec.column, groups,
 * spec.options)` (the same per-group summation order and algorithms: plain sums, Welford's variance, first best
 * row on ties). Integer sums accumulate in doubles; a group whose row count could have taken its sum past 2^53 has
 * the sum recomputed exactly by `aggregate`.
 */
export const aggregateMany = (specs: ReadonlyArray<AggSpec>, groups: Groups): Array<Column> => {
  const G = groups.count
  const n = specs.length > 0 ? specs[0]!.column.length : 0
  const plans: Array<Plan> = []
  const countSlots = new Map<Uint8Array | null, number>()
  let S = 0
  const countSlot = (valid: Uint8Array | null): number => {
    let o = countSlots.get(valid)
    if (o === undefined) {
      o = S++
      countSlots.set(valid, o)
      plans.push({ kind: "count", valid, o })
    }
    return o
  }
  // Where each spec's result is read from: [slot of the value, slot of the count] (or -1).
  const where: Array<{ readonly a: number; readonly b: number }> = []
  const bestInit: Array<number> = []
  for (const s of specs) {
    const times = s.times
    const valid = times === undefined ? validOf(s.column) : Bits.and(validOf(s.column), validOf(times), n)
    const w = times === undefined ? null : (times.values as ArrayLike<number>)
    const imul = s.imul === true && w !== null
    const raw = s.asFloat64 === true || times !== undefined
    switch (s.fn) {
      case "len":
        where.push({ a: countSlot(null), b: -1 })
        break
      case "count":
        where.push({ a: countSlot(valid), b: -1 })
        break
      case "sum":
      case "mean": {
        const o = S++
        const v = s.fn === "sum" || raw ? (s.column.values as ArrayLike<number>) : toFloat64(s.column)
        plans.push({ kind: "sum", v, w, imul, valid, o })
        const t = s.column.dtype
        // Integer sums: the group's row count bounds its partial sums (checked after the pass).
        const exactCheck = s.fn === "sum" && !raw && DT.isInteger(t) && n * intBound(t) >= 2 ** 53
        where.push({ a: o, b: s.fn === "mean" ? countSlot(valid) : exactCheck ? countSlot(null) : -1 })
        break
      }
      case "var":
      case "std": {
        const o = S
        S += 3
        plans.push({ kind: "welford", v: raw ? (s.column.values as ArrayLike<number>) : toFloat64(s.column), w, imul, valid, o })
        where.push({ a: o, b: -1 })
        break
      }
      case "min":
      case "max": {
        const o = S
        S += 2
        plans.push({ kind: "best", v: s.column.values as ArrayLike<number>, valid, o, isMax: s.fn === "max" })
        bestInit.push(o + 1)
        where.push({ a: o, b: -1 })
        break
      }
      default:
        throw new Error(`aggregateMany: ${s.fn} is not fusable`)
    }
  }
  const direct = groups.direct
  const directLoop = direct === undefined ? null : fusedLoop(plans, S, direct.keys)
  // base[g]: where group g's state starts in `st` (per slot on the direct path, per group otherwise).
  const base = new Int32Array(G)
  let st: Float64Array
  if (direct !== undefined && directLoop !== null) {
    st = new Float64Array(direct.size * S)
    for (let g = 0; g < G; g++) base[g] = direct.slotOf[g]! * S
    for (const o of bestInit) for (let g = 0; g < G; g++) st[base[g]! + o] = -1
    directLoop(NO_IDS, direct.keys, n, st, ...loopInputs(plans))
  } else {
    st = new Float64Array(G * S)
    for (let g = 0; g < G; g++) base[g] = g * S
    for (const o of bestInit) for (let g = 0; g < G; g++) st[g * S + o] = -1
    const ids = groups.ids
    const loop = fusedLoop(plans, S, null)
    if (loop !== null) loop(ids, NO_KEYS, ids.length, st, ...loopInputs(plans))
    else blockedLoop(plans.map(materialized), ids, ids.length, st, S)
  }
  return specs.map((s, k) => {
    const { a, b } = where[k]!
    const t = s.column.dtype
    switch (s.fn) {
      case "len":
      case "count": {
        const out = new Uint32Array(G)
        for (let g = 0; g < G; g++) out[g] = st[base[g]! + a]!
        return C.make(DT.UInt32, G, out, null)
      }
      case "sum": {
        if (t._tag === "Float32" || t._tag === "Float64" || s.asFloat64 === true || s.times !== undefined) {
          const out = new Float64Array(G)
          for (let g = 0; g < G; g++) out[g] = st[base[g]! + a]!
          return C.make(DT.Float64, G, out, null)
        }
        if (b >= 0) {
          const bound = intBound(t)
          for (let g = 0; g < G; g++) if (st[base[g]! + b]! * bound >= 2 ** 53) return sumKernel(s.column, groups)
        }
        const out = new BigInt64Array(G)
        const w = new Int32Array(out.buffer)
        for (let g = 0; g < G; g++) writeI64(w, g, st[base[g]! + a]!)
        return C.make(DT.Int64, G, out, null)
      }
      case "mean": {
        const out = new Float64Array(G)
        const has = new Uint8Array(G)
        for (let g = 0; g < G; g++) {
          const c = st[base[g]! + b]!
          if (c > 0) {
            out[g] = st[base[g]! + a]! / c
            has[g] = 1
          }
        }
        return f64Column(out, has, G)
      }
      case "var":
      case "std": {
        const ddof = (s.options["ddof"] as number | undefined) ?? 1
        const out = new Float64Array(G)
        const has = new Uint8Array(G)
        for (let g = 0; g < G; g++) {
          const c = st[base[g]! + a]!
          if (c > ddof) {
            const r = Math.max(st[base[g]! + a + 2]! / (c - ddof), 0)
            out[g] = s.fn === "std" ? Math.sqrt(r) : r
            has[g] = 1
          }
        }
        return f64Column(out, has, G)
      }
      default: {
        // min / max: gather the best rows (as `aggregate`, which takes them from the column).
        const rows = new Int32Array(G)
        for (let g = 0; g < G; g++) rows[g] = st[base[g]! + a + 1]!
        return C.take(s.column, rows)
      }
    }
  })
}

/** The per-plan input arrays of a generated loop: values, product factors, validity. */
const loopInputs = (
  plans: ReadonlyArray<Plan>
): [ReadonlyArray<ArrayLike<number>>, ReadonlyArray<ArrayLike<number>>, ReadonlyArray<Uint8Array | null>] => [
  plans.map((p) => (p.kind === "count" ? EMPTY_F64 : p.v)),
  plans.map((p) => (p.kind === "sum" || p.kind === "welford" ? (p.w ?? EMPTY_F64) : EMPTY_F64)),
  plans.map((p) => p.valid)
]
