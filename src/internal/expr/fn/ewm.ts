/**
 * Function family "ewm": `ewmMean`, `ewmStd`, `ewmVar` (options `alpha` | `span` | `halfLife` | `com`, `adjust`,
 * `minSamples`, `ignoreNulls`, `bias`), as Polars `ewm_*`, and `ewmMeanBy` (index argument, option `halfLife`, a
 * duration string), as Polars `ewm_mean_by`. In a window context (`over`), each restarts within every partition.
 * @internal
 */
import * as DT from "../../../Frame/DataType.ts"
import type { DataType } from "../../../Frame/DataType.ts"
import { type EwmParams, ewmMean, ewmMeanBy, ewmVar, resolveAlpha } from "../../kernels/ewm.ts"
import { durationProblem, fixedLength, isIndexType, isKernelFailure, timeKeys } from "../../kernels/rolling.ts"
import { type Duration, isDurationError, isZero, parseDuration } from "../../kernels/temporal.ts"
import { type Expected, type Options, register } from "../registry.ts"
import { notSorted, nullIndexRow, perPartition } from "./rolling.ts"

const isMomentInput = (t: DataType): boolean => (DT.isNumeric(t) && t._tag !== "Decimal") || t._tag === "Boolean" || t._tag === "Null"

const ewmParams = (o: Options): EwmParams => ({
  alpha: resolveAlpha(o) as number,
  adjust: o["adjust"] !== false,
  minSamples: (o["minSamples"] as number | undefined) ?? 1,
  ignoreNulls: o["ignoreNulls"] === true,
  bias: o["bias"] === true
})

for (const name of ["ewmMean", "ewmStd", "ewmVar"] as const) {
  register(name, {
    resolve: (input, _args, o): DataType | Expected => {
      const a = resolveAlpha(o)
      if (typeof a !== "number") return { expected: a.error }
      const ms = o["minSamples"] ?? 1
      if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 0) return { expected: "minSamples, a non-negative integer" }
      if (!isMomentInput(input)) return { expected: "a numeric column" }
      return DT.Float64
    },
    evaluate: (input, _args, o, groups) =>
      perPartition(input, [], groups, (x, _others, offsets) =>
        name === "ewmMean" ? ewmMean(x, offsets, ewmParams(o)) : ewmVar(x, offsets, ewmParams(o), name === "ewmStd")
      )
  })
}

const ZERO: Duration = { months: 0, weeks: 0, days: 0, nanos: 0n, negative: false, index: false }

register("ewmMeanBy", {
  resolve: (input, args, o): DataType | Expected => {
    if (args.length !== 1) return { expected: "one index column (by)" }
    const by = args[0]!
    if (!isIndexType(by)) return { expected: "an index column (by) of dtype Date, Timestamp or integer" }
    const hl = o["halfLife"]
    if (typeof hl !== "string") return { expected: 'a halfLife duration string such as "1h"' }
    const d = parseDuration(hl)
    if (isDurationError(d)) return { expected: `a valid halfLife duration (${d.error})` }
    if (d.negative || isZero(d)) return { expected: "a positive halfLife duration" }
    const dp = durationProblem(d, by)
    if (dp !== undefined) return { expected: dp }
    if (d.months !== 0 || fixedLength(d, by) === undefined) return { expected: "a halfLife of fixed length (no months, quarters, years; no days in a time zone)" }
    if (!isMomentInput(input)) return { expected: "a numeric column" }
    return DT.Float64
  },
  evaluate: (input, args, o, groups) =>
    perPartition(input, args, groups, (x, others, offsets, row) => {
      const by = others[0]!
      const failure = nullIndexRow(by, row)
      if (failure !== undefined) return failure
      const keys = timeKeys(by, ZERO, ZERO)
      if (isKernelFailure(keys)) return { error: keys.error }
      const t = keys.t
      for (let s = 0; s + 1 < offsets.length; s++)
        for (let i = offsets[s]! + 1; i < offsets[s + 1]!; i++) if (t[i]! < t[i - 1]!) return notSorted(i, row)
      const d = parseDuration(o["halfLife"] as string) as Duration
      return ewmMeanBy(x, t, null, offsets, fixedLength(d, by.dtype)!)
    })
})
