/**
 * The optimizer rule contract, as Polars' `OptimizationRule::optimize_plan -> Option<IR>`: a rule takes a whole
 * (resolved) plan and returns the rewritten plan, or `undefined` for "no change". Rules keep the plan's output
 * schema and its result (rows, and their order where the plan defines one).
 * @internal
 */
import type { Plan } from "../logical.ts"

export interface Rule {
  readonly name: string
  readonly apply: (plan: Plan) => Plan | undefined
}

/** Runs one rule until it reports no change (at most `max` times); undefined when it never changed the plan. */
export const toFixedPoint = (rule: Rule, plan: Plan, max = 64): Plan | undefined => {
  let p = plan
  let changed = false
  for (let i = 0; i < max; i++) {
    const next = rule.apply(p)
    if (next === undefined) break
    p = next
    changed = true
  }
  return changed ? p : undefined
}
