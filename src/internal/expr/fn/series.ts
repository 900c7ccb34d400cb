/**
 * Function family "series": `shift` (option `n`, optional fill value argument), `diff` (`n`), `pctChange` (`n`),
 * `forwardFill` / `backwardFill` (`limit`), `interpolate` (`method`) and `interpolateBy` (index argument), as
 * Polars' expressions of the same names. In a window context (`over`), each restarts within every partition.
 * @internal
 */
import * as DT from "../../../Frame/DataType.ts"
import type { DataType } from "../../../Frame/DataType.ts"
import * as C from "../../column.ts"
import type { Column } from "../../column.ts"
import { isKernelFailure, timeKeys } from "../../kernels/rolling.ts"
import { diff, diffOutputType, fill, interpolate, interpolateOutputType, pctChange, shift } from "../../kernels/series.ts"
import type { Duration } from "../../kernels/temporal.ts"
import { canCast, cast, isCastFailure } from "../cast.ts"
import { type Expected, type Options, register } from "../registry.ts"
import { nullIndexRow, perPartition } from "./rolling.ts"

const isInt = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x)

const nOption = (o: Options): number => (o["n"] as number | undefined) ?? 1

register("shift", {
  resolve: (input, args, o): DataType | Expected => {
    if (!isInt(o["n"] ?? 1)) return { expected: "n, an integer" }
    if (args.length > 1) return { expected: "at most one fill value" }
    if (args.length === 1 && args[0]!._tag !== "Null" && !DT.equals(args[0]!, input) && !canCast(args[0]!, input))
      return { expected: `a fill value castable to ${DT.format(input)}` }
    return input
  },
  evaluate: (input, args, o, groups) => {
    let fillCol: Column | null = null
    if (args.length === 1) {
      const f = args[0]!
      const r = DT.equals(f.dtype, input.dtype) ? f : f.dtype._tag === "Null" ? C.nulls(input.dtype, f.length) : cast(f, input.dtype, false)
      fillCol = isCastFailure(r) ? C.nulls(input.dtype, f.length) : r
    }
    return perPartition(input, fillCol === null ? [] : [fillCol], groups, (x, others, offsets) =>
      shift(x, offsets, nOption(o), others[0] ?? null)
    )
  }
})

register("diff", {
  resolve: (input, _args, o) => (isInt(o["n"] ?? 1) ? diffOutputType(input) : { expected: "n, an integer" }),
  evaluate: (input, _args, o, groups) => perPartition(input, [], groups, (x, _o, offsets) => diff(x, offsets, nOption(o)))
})

register("pctChange", {
  resolve: (input, _args, o) => {
    if (!isInt(o["n"] ?? 1)) return { expected: "n, an integer" }
    if ((DT.isNumeric(input) && input._tag !== "Decimal") || input._tag === "Null") return DT.Float64
    return { expected: "a numeric column" }
  },
  evaluate: (input, _args, o, groups) => perPartition(input, [], groups, (x, _o, offsets) => pctChange(x, offsets, nOption(o)))
})

for (const [name, direction] of [
  ["forwardFill", "forward"],
  ["backwardFill", "backward"]
] as const) {
  register(name, {
    resolve: (input, _args, o) => {
      const limit = o["limit"]
      if (limit !== undefined && limit !== null && !(isInt(limit) && limit >= 0)) return { expected: "limit, a non-negative integer" }
      return input
    },
    evaluate: (input, _args, o, groups) =>
      perPartition(input, [], groups, (x, _o, offsets) => fill(x, offsets, direction, (o["limit"] as number | null | undefined) ?? undefined))
  })
}

register("interpolate", {
  resolve: (input, _args, o) => interpolateOutputType(input, (o["method"] as string | undefined) ?? "linear"),
  evaluate: (input, _args, o, groups) =>
    perPartition(input, [], groups, (x, _o, offsets) => interpolate(x, offsets, ((o["method"] as string | undefined) ?? "linear") as "linear" | "nearest"))
})

const ZERO: Duration = { months: 0, weeks: 0, days: 0, nanos: 0n, negative: false, index: false }

register("interpolateBy", {
  resolve: (input, args) => {
    if (args.length !== 1) return { expected: "one index column (by)" }
    const by = args[0]!
    if (!(DT.isNumeric(by) && by._tag !== "Decimal") && by._tag !== "Date" && by._tag !== "Timestamp")
      return { expected: "an index column (by) of numeric, Date or Timestamp dtype" }
    return interpolateOutputType(input, "linear")
  },
  evaluate: (input, args, _o, groups) =>
    perPartition(input, args, groups, (x, others, offsets, row) => {
      const by = others[0]!
      const failure = nullIndexRow(by, row)
      if (failure !== undefined) return failure
      const keys = timeKeys(by, ZERO, ZERO)
      if (isKernelFailure(keys)) return { error: keys.error }
      const t = keys.t
      // Sort each segment by its keys when needed (stable), interpolate, and restore the order.
      let sorted = true
      for (let s = 0; s + 1 < offsets.length && sorted; s++)
        for (let i = offsets[s]! + 1; i < offsets[s + 1]!; i++)
          if (t[i]! < t[i - 1]!) {
            sorted = false
            break
          }
      if (sorted) return interpolate(x, offsets, "linear", t)
      const perm = new Int32Array(t.length)
      for (let i = 0; i < perm.length; i++) perm[i] = i
      for (let s = 0; s + 1 < offsets.length; s++) perm.subarray(offsets[s]!, offsets[s + 1]!).sort((a, b) => t[a]! - t[b]! || a - b)
      const inv = new Int32Array(perm.length)
      for (let k = 0; k < perm.length; k++) inv[perm[k]!] = k
      const ts = new Float64Array(t.length)
      for (let k = 0; k < perm.length; k++) ts[k] = t[perm[k]!]!
      return C.take(interpolate(C.take(x, perm), offsets, "linear", ts), inv)
    })
})
