/**
 * The optimizer driver, as Polars' `StackOptimizer`: each rule runs to its fixed point, in order, and the whole
 * sequence repeats until no rule changes the plan.
 * @internal
 */
import type { Plan } from "../logical.ts"
import { commonSubplan } from "./commonSubplan.ts"
import { filterFusion } from "./filterFusion.ts"
import { predicatePushdown } from "./predicatePushdown.ts"
import { projectionPushdown } from "./projectionPushdown.ts"
import { type Rule, toFixedPoint } from "./rule.ts"
import { simplifyExpr } from "./simplifyExpr.ts"
import { slicePushdown } from "./slicePushdown.ts"

export type { Rule } from "./rule.ts"
export { commonSubplan, filterFusion, predicatePushdown, projectionPushdown, simplifyExpr, slicePushdown, toFixedPoint }

/**
 * The default rules, in the order they run. `commonSubplan` comes last: it merges the subplans the other rules
 * produced, and its `Cache` nodes stop pushdowns (a later round leaves them as they are).
 */
export const defaultRules: ReadonlyArray<Rule> = [
  simplifyExpr,
  filterFusion,
  predicatePushdown,
  filterFusion,
  simplifyExpr,
  slicePushdown,
  projectionPushdown,
  commonSubplan
]

/** Optimizes a resolved plan; returns it unchanged when no rule applies. */
export const optimize = (plan: Plan, rules: ReadonlyArray<Rule> = defaultRules): Plan => {
  let p = plan
  for (let round = 0; round < 16; round++) {
    let changed = false
    for (const rule of rules) {
      const r = toFixedPoint(rule, p)
      if (r !== undefined) {
        p = r
        changed = true
      }
    }
    if (!changed) break
  }
  return p
}
