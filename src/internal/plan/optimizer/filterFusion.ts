/**
 * Filter fusion: `Filter(Filter(x, a), b)` → `Filter(x, a & b)` (a row passes both filters exactly when `a & b` is
 * true, nulls counting as false), as Polars' `collapse_filters` / DataFusion's `merge_filters`.
 * @internal
 */
import { transformUp } from "../logical.ts"
import type { Rule } from "./rule.ts"

export const filterFusion: Rule = {
  name: "filterFusion",
  apply: (plan) =>
    transformUp(plan, (p) =>
      p._tag === "Filter" && p.input._tag === "Filter"
        ? { _tag: "Filter", input: p.input.input, predicate: { _tag: "Binary", op: "and", left: p.input.predicate, right: p.predicate } }
        : undefined
    )
}
