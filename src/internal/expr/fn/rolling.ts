/**
 * Function family "rolling": `rollingSum`, `rollingMean`, `rollingMin`, `rollingMax`, `rollingStd`, `rollingVar`,
 * `rollingMedian`, `rollingQuantile`, `rollingCount`, `rollingMap` (windows of `windowSize` rows, options
 * `weights`, `minSamples`, `center`, as Polars `rolling_*`) and the same with a `By` suffix (windows of a duration
 * over an index column given as the first argument, options `windowSize` (a duration string), `closed`,
 * `minSamples`, as Polars `rolling_*_by`). In a window context (`over`), windows stay within each partition.
 * @internal
 */
import type { QuantileInterpolation } from "../../../Expr/Expr.ts"
import type { DataType } from "../../../Frame/DataType.ts"
import type { Column } from "../../column.ts"
import type { Groups } from "../../kernels/hash.ts"
import {
  type ClosedWindow,
  countBounds,
  denseCountSums,
  denseDurationSums,
  durationBounds,
  durationProblem,
  fixedLength,
  gather,
  isIndexType,
  isKernelFailure,
  partition,
  type RollingFn,
  type RollingParams,
  rollingAgg,
  rollingOutputType,
  rowOf,
  scatter,
  timeKeys,
  weightedAgg
} from "../../kernels/rolling.ts"
import { type Duration, isDurationError, isZero, parseDuration } from "../../kernels/temporal.ts"
import { type EvalFailure, type Expected, type Options, register } from "../registry.ts"

const FNS: ReadonlyArray<RollingFn> = ["sum", "mean", "min", "max", "std", "var", "median", "quantile", "count", "map"]
const INTERPOLATIONS: ReadonlySet<string> = new Set(["nearest", "higher", "lower", "midpoint", "linear"])
const CLOSED: ReadonlySet<string> = new Set(["left", "right", "both", "none"])

const capital = (s: string): string => s[0]!.toUpperCase() + s.slice(1)

const isNonNegInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0

/** Shared option checks (ddof, q, interpolation, map); undefined when fine. */
const commonProblem = (fn: RollingFn, o: Options): string | undefined => {
  if ((fn === "std" || fn === "var") && !isNonNegInt(o["ddof"] ?? 1)) return "a non-negative integer ddof"
  if (fn === "quantile") {
    const q = o["q"]
    if (typeof q !== "number" || !(q >= 0 && q <= 1)) return "a quantile q between 0 and 1"
    const interp = o["interpolation"] ?? "nearest"
    if (typeof interp !== "string" || !INTERPOLATIONS.has(interp)) return "interpolation nearest, higher, lower, midpoint or linear"
  }
  if (fn === "map" && typeof o["map"] !== "function") return "a function (window: Float64Array) => number | null"
  return undefined
}

const params = (fn: RollingFn, o: Options, minSamples: number): RollingParams => ({
  minSamples,
  ddof: (o["ddof"] as number | undefined) ?? 1,
  q: fn === "median" ? 0.5 : ((o["q"] as number | undefined) ?? 0.5),
  interpolation: (o["interpolation"] as QuantileInterpolation | undefined) ?? "nearest",
  map: o["map"] as RollingParams["map"]
})

/** Runs `f` on the input (and extra columns) gathered by partition, and scatters the result back. */
export const perPartition = (
  input: Column,
  others: ReadonlyArray<Column>,
  groups: Groups | undefined,
  f: (input: Column, others: ReadonlyArray<Column>, offsets: Int32Array, rowOf: (k: number) => number) => Column | EvalFailure
): Column | EvalFailure => {
  const p = partition(input.length, groups)
  const r = f(
    gather(p, input),
    others.map((c) => gather(p, c)),
    p.offsets,
    (k) => rowOf(p, k)
  )
  return "error" in r ? r : scatter(p, r)
}

for (const fn of FNS) {
  register(`rolling${capital(fn)}`, {
    resolve: (input, _args, o): DataType | Expected => {
      const w = o["windowSize"]
      if (typeof w !== "number" || !Number.isInteger(w) || w < 1) return { expected: "a windowSize, an integer >= 1" }
      const weights = o["weights"]
      if (weights !== undefined && weights !== null) {
        if (!Array.isArray(weights) || weights.length !== w || !weights.every((x) => typeof x === "number" && Number.isFinite(x)))
          return { expected: `weights: ${w} finite numbers (one per window row)` }
      }
      const ms = o["minSamples"] ?? w
      if (!isNonNegInt(ms) || ms > w) return { expected: `minSamples, an integer in [0, windowSize = ${w}]` }
      const problem = commonProblem(fn, o)
      if (problem !== undefined) return { expected: problem }
      return rollingOutputType(fn, input, weights !== undefined && weights !== null)
    },
    evaluate: (input, _args, o, groups) =>
      perPartition(input, [], groups, (x, _others, offsets) => {
        const w = o["windowSize"] as number
        const ms = (o["minSamples"] as number | undefined) ?? w
        const center = o["center"] === true
        const weights = o["weights"] as ReadonlyArray<number> | undefined | null
        if (weights !== undefined && weights !== null) return weightedAgg(fn, x, offsets, weights, center, params(fn, o, ms))
        if ((fn === "sum" || fn === "mean") && x.nullCount === 0 && x.dtype._tag === "Float64")
          return denseCountSums(fn === "mean", x, w, center, ms, offsets)
        return rollingAgg(fn, x, countBounds(offsets, w, center), params(fn, o, ms))
      })
  })

  register(`rolling${capital(fn)}By`, {
    resolve: (input, args, o): DataType | Expected => {
      if (args.length !== 1) return { expected: "one index column (by)" }
      const by = args[0]!
      if (!isIndexType(by)) return { expected: "an index column (by) of dtype Date, Timestamp or integer" }
      const ws = o["windowSize"]
      if (typeof ws !== "string") return { expected: 'a windowSize duration string such as "5m"' }
      const d = parseDuration(ws)
      if (isDurationError(d)) return { expected: `a valid windowSize duration (${d.error})` }
      if (d.negative || isZero(d)) return { expected: "a positive windowSize duration" }
      const dp = durationProblem(d, by)
      if (dp !== undefined) return { expected: dp }
      const closed = o["closed"] ?? "right"
      if (typeof closed !== "string" || !CLOSED.has(closed)) return { expected: "closed: left, right, both or none" }
      if (!isNonNegInt(o["minSamples"] ?? 1)) return { expected: "minSamples, a non-negative integer" }
      if (o["weights"] !== undefined) return { expected: "no weights (windows by duration)" }
      const problem = commonProblem(fn, o)
      if (problem !== undefined) return { expected: problem }
      return rollingOutputType(fn, input, false)
    },
    evaluate: (input, args, o, groups) =>
      perPartition(input, args, groups, (x, others, offsets, row) => {
        const by = others[0]!
        const failure = nullIndexRow(by, row)
        if (failure !== undefined) return failure
        const d = parseDuration(o["windowSize"] as string) as Duration
        const closed = ((o["closed"] as string | undefined) ?? "right") as ClosedWindow
        const minSamples = (o["minSamples"] as number | undefined) ?? 1
        const fixed = fixedLength(d, by.dtype)
        if ((fn === "sum" || fn === "mean") && fixed !== undefined) {
          // Float64 values, 64-bit index, no nulls: one fused pass (undefined: take the general path)
          const fast = denseDurationSums(fn === "mean", x, by, -fixed, fixed, true, closed, minSamples, offsets)
          if (fast !== undefined) return fast
        }
        const keys = timeKeys(by, d, { ...d, negative: true })
        if (isKernelFailure(keys)) return keys.row === undefined ? { error: keys.error } : { error: keys.error, row: row(keys.row) }
        // (t - windowSize, t]: lower key = t - windowSize, upper key = t.
        const b = durationBounds({ t: keys.t, lo: keys.lo, hi: keys.t }, offsets, closed)
        if (isKernelFailure(b)) return notSorted(b.row!, row)
        return rollingAgg(fn, x, b, params(fn, o, minSamples))
      })
  })
}

/** A null in an index column: a failure at its (original) row. */
export const nullIndexRow = (by: Column, row: (k: number) => number): EvalFailure | undefined => {
  if (by.nullCount === 0) return undefined
  for (let k = 0; k < by.length; k++)
    if ((by.validity![k >> 3]! & (1 << (k & 7))) === 0) return { error: `the index column (by) has a null at row ${row(k)}`, row: row(k) }
  return undefined
}

/** The NotSorted failure of an index column, at its original row. */
export const notSorted = (k: number, row: (k: number) => number): EvalFailure => ({
  error: `NotSorted: the index column (by) is not sorted ascending${row(k) === k ? "" : " within its partition"} (row ${row(k)})`,
  row: row(k)
})

