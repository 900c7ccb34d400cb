/**
 * Function family "along": functions computed along the column rather than row by row — `cumSum`, `cumProd`,
 * `cumMin`, `cumMax`, `cumCount` (option `reverse`) and `rank` (options `method`, `descending`), as Polars. In a
 * window context (`over`), they restart within each partition.
 * @internal
 */
import type { RankMethod } from "../../../Expr/Expr.ts"
import { isOrderable } from "../../kernels/agg.ts"
import { type CumFn, cumOutputType, cumulative } from "../../kernels/cumulative.ts"
import { rank, rankOutputType } from "../../kernels/rank.ts"
import { register } from "../registry.ts"

const CUM_FNS: ReadonlyArray<CumFn> = ["cumSum", "cumProd", "cumMin", "cumMax", "cumCount"]

for (const fn of CUM_FNS) {
  register(fn, {
    resolve: (input) => cumOutputType(fn, input),
    evaluate: (input, _args, options, groups) => cumulative(fn, input, options["reverse"] === true, groups)
  })
}

const RANK_METHODS: ReadonlySet<string> = new Set(["average", "min", "max", "dense", "ordinal"])

register("rank", {
  resolve: (input, _args, options) => {
    const method = options["method"] ?? "average"
    if (typeof method !== "string" || !RANK_METHODS.has(method))
      return { expected: "rank method average, min, max, dense or ordinal" }
    if (!isOrderable(input)) return { expected: "an orderable column (numeric, Boolean, string, temporal)" }
    return rankOutputType(method as RankMethod)
  },
  evaluate: (input, _args, options, groups) =>
    rank(input, (options["method"] as RankMethod | undefined) ?? "average", options["descending"] === true, groups)
})
