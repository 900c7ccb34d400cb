/**
 * Exponentially weighted moving statistics, as Polars `ewm_mean` / `ewm_std` / `ewm_var` (the pandas recurrences:
 * `adjust` weights (1 - α)^i normalized by their sum, or the recursive form y = (1 - α) y + α x; nulls either
 * decay the old weight (`ignoreNulls = false`, weights by absolute position) or are skipped) and `ewm_mean_by`
 * (time-decayed: α = 1 - exp(-ln 2 · Δt / halfLife) between consecutive non-null rows). Per segment (partition
 * order), restarting at each. Null input rows give null; rows before `minSamples` non-null values give null.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { toFloat64 } from "./agg.ts"

export interface EwmParams {
  readonly alpha: number
  readonly adjust: boolean
  readonly minSamples: number
  readonly ignoreNulls: boolean
  /** var / std: biased (population) estimate. */
  readonly bias: boolean
}

/** α from exactly one of `alpha`, `span`, `halfLife`, `com`, as Polars `_prepare_alpha`; or an error message. */
export const resolveAlpha = (o: {
  readonly alpha?: unknown
  readonly span?: unknown
  readonly halfLife?: unknown
  readonly com?: unknown
}): number | { readonly error: string } => {
  const given = (["alpha", "span", "halfLife", "com"] as const).filter((k) => o[k] !== undefined && o[k] !== null)
  if (given.length !== 1) return { error: "exactly one of alpha, span, halfLife, com" }
  const k = given[0]!
  const x = o[k]
  if (typeof x !== "number" || !Number.isFinite(x)) return { error: `a finite number for ${k}` }
  switch (k) {
    case "alpha":
      return x > 0 && x <= 1 ? x : { error: "alpha in (0, 1]" }
    case "span":
      return x >= 1 ? 2 / (x + 1) : { error: "span >= 1" }
    case "halfLife":
      return x > 0 ? 1 - Math.exp(-Math.LN2 / x) : { error: "halfLife > 0" }
    case "com":
      return x >= 0 ? 1 / (1 + x) : { error: "com >= 0" }
  }
}

const validBits = (col: Column): Uint8Array | null => (col.nullCount === 0 ? null : col.validity)

/**
 * Validity of an output over a column without nulls where the first `minSamples - 1` rows of each segment are null
 * (null when there are none).
 */
const leadingNulls = (n: number, offsets: Int32Array, minSamples: number): Uint8Array | null => {
  if (minSamples <= 1 || n === 0) return null
  const validity = Bits.allSet(n)
  for (let s = 0; s + 1 < offsets.length; s++) {
    const e = Math.min(offsets[s]! + minSamples - 1, offsets[s + 1]!)
    for (let i = offsets[s]!; i < e; i++) validity[i >> 3]! &= ~(1 << (i & 7))
  }
  return validity
}

/**
 * EWM mean of a column without nulls: no validity work per row, the output written straight into a Float64Array.
 * The input is a Float64Array (callers convert other numeric layouts first) so the loops stay monomorphic.
 */
const denseEwmMean = (v: Float64Array, n: number, offsets: Int32Array, p: EwmParams): Column => {
  const out = new Float64Array(n)
  const decay = 1 - p.alpha
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    if (b <= a) continue
    if (p.adjust) adjustedEwmMean(v, out, a, b, decay)
    else {
      // Recursive form: y = (1 - α) y + α x, i.e. (decay · y + α · x) / (decay + α) with constant coefficients.
      const inv = 1 / (decay + p.alpha)
      out[a] = v[a]!
      constantEwmMean(v, out, a + 1, b, v[a]!, decay * inv, p.alpha * inv)
    }
  }
  const validity = leadingNulls(n, offsets, p.minSamples)
  if (validity !== null) for (let i = 0; i < n; i++) if ((validity[i >> 3]! & (1 << (i & 7))) === 0) out[i] = 0
  return C.make(DT.Float64, n, out, validity)
}

/**
 * `adjust = true` over rows [a, b) without nulls: the old weight follows w ← (1 - α) w + 1, which reaches a
 * floating-point fixed point after a few hundred rows (when (1 - α)^k drops below one ulp); from there the
 * coefficients are constant and the rest runs in `constantEwmMean`. Identical results to iterating the weight to the
 * end, since the recurrence is deterministic once w stops changing.
 */
const adjustedEwmMean = (v: Float64Array, out: Float64Array, a: number, b: number, decay: number): void => {
  let avg = v[a]!
  out[a] = avg
  let oldWt = 1
  // The weights do not depend on the data: the coefficients (old weight / total, new weight / total) are computed
  // off the mean's dependency chain, which is then a multiply and an add instead of a multiply, an add and a
  // division (results within a few ulps of Polars' division form).
  for (let i = a + 1; i < b; i++) {
    const x = v[i]!
    const prev = oldWt
    oldWt *= decay
    const inv = 1 / (oldWt + 1)
    const keep = oldWt * inv
    if (avg !== x) avg = keep * avg + x * inv
    oldWt += 1
    out[i] = avg
    if (oldWt === prev) {
      const w = oldWt * decay
      const inv2 = 1 / (w + 1)
      constantEwmMean(v, out, i + 1, b, avg, w * inv2, inv2)
      return
    }
  }
}

/** y ← keep · y + take · x over rows [from, to) (x equal to y leaves y unchanged, as Polars). */
const constantEwmMean = (v: Float64Array, out: Float64Array, from: number, to: number, start: number, keep: number, take: number): void => {
  let avg = start
  for (let i = from; i < to; i++) {
    const x = v[i]!
    if (avg !== x) avg = keep * avg + take * x
    out[i] = avg
  }
}

/** The values of a numeric column as a Float64Array (the column's own buffer when it already is one). */
const asFloat64 = (col: Column): Float64Array => {
  const v = toFloat64(col)
  return v instanceof Float64Array ? v : Float64Array.from(v)
}

/** EWM mean within each segment. */
export const ewmMean = (col: Column, offsets: Int32Array, p: EwmParams): Column => {
  const n = col.length
  const valid = validBits(col)
  if (valid === null) return denseEwmMean(asFloat64(col), n, offsets, p)
  const v = toFloat64(col)
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  const newWt = p.adjust ? 1 : p.alpha
  const decay = 1 - p.alpha
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    let oldWt = 1
    let avg = 0
    let started = false
    let cnt = 0
    for (let i = a; i < b; i++) {
      const ok = valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0
      if (!ok) {
        if (started && !p.ignoreNulls) oldWt *= decay
        continue
      }
      const x = v[i]!
      cnt++
      if (!started) {
        avg = x
        started = true
      } else {
        oldWt *= decay
        if (avg !== x) avg = (oldWt * avg + newWt * x) / (oldWt + newWt)
        oldWt = p.adjust ? oldWt + newWt : 1
      }
      if (cnt >= p.minSamples) {
        out[i] = avg
        has[i] = 1
      }
    }
  }
  return C.make(DT.Float64, n, out, Bits.pack(has, n))
}

/** EWM variance (or standard deviation) within each segment, as Polars `ewm_var` (pandas `ewmcov` of x with x). */
export const ewmVar = (col: Column, offsets: Int32Array, p: EwmParams, sqrt: boolean): Column => {
  const n = col.length
  const valid = validBits(col)
  const v = toFloat64(col)
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  const newWt = p.adjust ? 1 : p.alpha
  const decay = 1 - p.alpha
  const minSamples = Math.max(p.minSamples, 1)
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    let sumWt = 1
    let sumWt2 = 1
    let oldWt = 1
    let mean = 0
    let started = false
    let cov = 0
    let cnt = 0
    for (let i = a; i < b; i++) {
      const ok = valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0
      if (!ok) {
        if (started && !p.ignoreNulls) {
          sumWt *= decay
          sumWt2 *= decay * decay
          oldWt *= decay
        }
        continue
      }
      const x = v[i]!
      cnt++
      if (!started) {
        mean = x
        started = true
      } else {
        sumWt *= decay
        sumWt2 *= decay * decay
        oldWt *= decay
        const oldMean = mean
        if (mean !== x) mean = (oldWt * oldMean + newWt * x) / (oldWt + newWt)
        cov = (oldWt * (cov + (oldMean - mean) * (oldMean - mean)) + newWt * (x - mean) * (x - mean)) / (oldWt + newWt)
        sumWt += newWt
        sumWt2 += newWt * newWt
        oldWt += newWt
        if (!p.adjust) {
          sumWt /= oldWt
          sumWt2 /= oldWt * oldWt
          oldWt = 1
        }
      }
      if (cnt < minSamples) continue
      let r: number
      if (p.bias) r = cov
      else {
        const num = sumWt * sumWt
        const den = num - sumWt2
        if (!(den > 0)) continue
        r = (num / den) * cov
      }
      out[i] = sqrt ? Math.sqrt(r) : r
      has[i] = 1
    }
  }
  return C.make(DT.Float64, n, out, Bits.pack(has, n))
}

/**
 * Time-decayed EWM mean within each segment, as Polars `ewm_mean_by`: the first non-null value starts the mean;
 * then y = α y + (1 - α) x with α = exp(-ln 2 · (t - t_prev) / halfLife), `t_prev` the time of the previous non-null
 * row. `t` are keys in half-life units' scale (same unit as `halfLife`), sorted within segments; rows with a null
 * value or a null time give null and do not update the state.
 */
export const ewmMeanBy = (col: Column, t: Float64Array, tValid: Uint8Array | null, offsets: Int32Array, halfLife: number): Column => {
  const n = col.length
  const valid = validBits(col)
  const v = toFloat64(col)
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  const k = -Math.LN2 / halfLife
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    let started = false
    let prevT = 0
    let prev = 0
    for (let i = a; i < b; i++) {
      if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) continue
      if (tValid !== null && (tValid[i >> 3]! & (1 << (i & 7))) === 0) continue
      const x = v[i]!
      if (!started) {
        prev = x
        started = true
      } else if (x !== prev) {
        const alpha = Math.exp(k * (t[i]! - prevT))
        prev = alpha * prev + (1 - alpha) * x
      }
      prevT = t[i]!
      out[i] = prev
      has[i] = 1
    }
  }
  return C.make(DT.Float64, n, out, Bits.pack(has, n))
}
