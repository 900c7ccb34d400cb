/**
 * Predicate pushdown, as Polars' `predicate_pushdown` and DataFusion's `push_down_filter`: the conjuncts of a
 * filter move below the node under it when they give the same rows there, down to the scans, where they prune
 * Parquet row groups. Only elementwise conjuncts move (an aggregation or window in a predicate depends on the rows
 * it sees). A filter moves:
 * - through `Select` / `WithColumns` of elementwise expressions (output names are replaced by their expressions);
 * - through `Sort`, `Drop`, `Rename` (names mapped back), and `Unique` when it reads only the `subset` columns;
 * - through `GroupByAgg` when it reads only key columns (plain or aliased column keys);
 * - into the inputs of a vertical `Concat`;
 * - into the left input of inner/left/semi/anti joins (left columns), the right input of inner joins (right-only
 *   columns, which keep their name), and both inputs of an inner join for conjuncts on `on` keys of equal dtypes;
 * - into a `Scan` without a `limit` (the scan applies it while reading);
 * - through `Explode` when it reads none of the exploded columns (every output row of an input row has its
 *   values), and through `Unpivot` when it reads only `index` columns (each input row's values are repeated once
 *   per `on` column, in the same order);
 * - into the left input of `JoinAsof` when it reads only left `by` columns (each left row gives exactly one output
 *   row with its left values; filtering whole `by` groups away does not change the matches of the others).
 * It stops at slices, full/cross joins, other filters (fused by `filterFusion`), non-elementwise projections,
 * `WithRowIndex` (the index counts the rows), `GroupByDynamic` (not analysed: barrier) and `MapFrame` (barrier).
 * @internal
 */
import type { ExprNode } from "../../../Expr/Expr.ts"
import { outputName } from "../../../Expr/Expr.ts"
import * as DT from "../../../Frame/DataType.ts"
import { conjoin, conjuncts, isElementwise, joinKeys, type Plan, refs, substitute, transformDown } from "../logical.ts"
import { schemaOf } from "../resolve.ts"
import type { Rule } from "./rule.ts"

const unalias = (e: ExprNode): ExprNode => (e._tag === "Alias" ? unalias(e.input) : e)
const subset = (a: Set<string>, b: ReadonlySet<string>): boolean => [...a].every((x) => b.has(x))
const filterOn = (input: Plan, cs: ReadonlyArray<ExprNode>): Plan =>
  cs.length === 0 ? input : { _tag: "Filter", input, predicate: conjoin(cs)! }

interface Pushed {
  readonly plan: Plan
  readonly kept: ReadonlyArray<ExprNode>
}

/** Pushes the (elementwise) conjuncts `cs` into `child`; undefined when none moved. */
const pushInto = (child: Plan, cs: ReadonlyArray<ExprNode>): Pushed | undefined => {
  const split = (ok: (c: ExprNode) => ExprNode | undefined) => {
    const moved: Array<ExprNode> = []
    const kept: Array<ExprNode> = []
    for (const c of cs) {
      const m = ok(c)
      if (m !== undefined) moved.push(m)
      else kept.push(c)
    }
    return { moved, kept }
  }
  switch (child._tag) {
    case "Scan": {
      if (child.limit !== undefined) return undefined
      const pred = conjoin([...(child.predicate !== undefined ? [child.predicate] : []), ...cs])
      return { plan: { ...child, predicate: pred }, kept: [] }
    }
    case "Select":
    case "WithColumns": {
      if (!child.exprs.every(isElementwise)) return undefined
      if (child._tag === "Select" && child.exprs.every((e) => refs(e).size === 0)) return undefined
      const map = new Map<string, ExprNode>()
      for (const e of child.exprs) map.set(outputName(e), unalias(e))
      const { moved, kept } = split((c) => substitute(c, map))
      if (moved.length === 0) return undefined
      return { plan: { ...child, input: filterOn(child.input, moved) }, kept }
    }
    case "Sort":
    case "Drop":
      return { plan: { ...child, input: filterOn(child.input, cs) }, kept: [] }
    case "Rename": {
      const map = new Map<string, ExprNode>()
      for (const [old, name] of Object.entries(child.mapping)) map.set(name, { _tag: "Column", name: old })
      // a name that was renamed away must not be captured: a reference to it reads the new column of that name
      return { plan: { ...child, input: filterOn(child.input, cs.map((c) => substitute(c, map))) }, kept: [] }
    }
    case "Unique": {
      const sub = child.options.subset
      const { moved, kept } = split((c) => (sub === undefined || subset(refs(c), new Set(sub)) ? c : undefined))
      if (moved.length === 0) return undefined
      return { plan: { ...child, input: filterOn(child.input, moved) }, kept }
    }
    case "GroupByAgg": {
      const map = new Map<string, ExprNode>()
      for (const k of child.keys) {
        const u = unalias(k)
        if (u._tag === "Column") map.set(outputName(k), u)
      }
      const names = new Set(map.keys())
      const { moved, kept } = split((c) => (subset(refs(c), names) ? substitute(c, map) : undefined))
      if (moved.length === 0) return undefined
      return { plan: { ...child, input: filterOn(child.input, moved) }, kept }
    }
    case "Concat": {
      if (child.how !== "vertical") return undefined
      return { plan: { ...child, inputs: child.inputs.map((i) => filterOn(i, cs)) }, kept: [] }
    }
    case "Join": {
      const how = child.options.how ?? "inner"
      if (how === "full" || how === "cross" || how === "right") return undefined
      const L = schemaOf(child.left)
      const R = schemaOf(child.right)
      if (L.unknown || R.unknown) return undefined
      const lNames = new Set(L.fields.map((f) => f.name))
      const rNames = new Set(R.fields.map((f) => f.name))
      const keys = joinKeys(child.options)
      const rKeys = new Set(keys.right)
      const onKeys = child.options.on !== undefined ? new Set(keys.left) : new Set<string>()
      const toLeft: Array<ExprNode> = []
      const toRight: Array<ExprNode> = []
      const kept: Array<ExprNode> = []
      for (const c of cs) {
        const rs = refs(c)
        if (subset(rs, lNames)) {
          toLeft.push(c)
          const sameKeyTypes = [...rs].every((n) => {
            const l = L.fields.find((f) => f.name === n)
            const r = R.fields.find((f) => f.name === n)
            return l !== undefined && r !== undefined && DT.equals(l.dtype, r.dtype)
          })
          if (how === "inner" && rs.size > 0 && subset(rs, onKeys) && sameKeyTypes) toRight.push(c)
        } else if (how === "inner" && subset(rs, rNames) && [...rs].every((n) => !lNames.has(n) && !rKeys.has(n))) toRight.push(c)
        else kept.push(c)
      }
      if (toLeft.length === 0 && toRight.length === 0) return undefined
      return { plan: { ...child, left: filterOn(child.left, toLeft), right: filterOn(child.right, toRight) }, kept }
    }
    case "Explode": {
      const exploded = new Set(child.columns)
      const { moved, kept } = split((c) => ([...refs(c)].some((n) => exploded.has(n)) ? undefined : c))
      if (moved.length === 0) return undefined
      return { plan: { ...child, input: filterOn(child.input, moved) }, kept }
    }
    case "Unpivot": {
      const index = new Set(child.options.index ?? [])
      const { moved, kept } = split((c) => (refs(c).size > 0 && subset(refs(c), index) ? c : undefined))
      if (moved.length === 0) return undefined
      return { plan: { ...child, input: filterOn(child.input, moved) }, kept }
    }
    case "JoinAsof": {
      const o = child.options
      const by = o.by !== undefined ? [o.by].flat() : o.leftBy !== undefined ? [o.leftBy].flat() : []
      const L = schemaOf(child.left)
      if (by.length === 0 || L.unknown) return undefined
      const names = new Set(by.filter((n) => L.fields.some((f) => f.name === n)))
      const { moved, kept } = split((c) => (refs(c).size > 0 && subset(refs(c), names) ? c : undefined))
      if (moved.length === 0) return undefined
      return { plan: { ...child, left: filterOn(child.left, moved) }, kept }
    }
    default:
      return undefined
  }
}

export const predicatePushdown: Rule = {
  name: "predicatePushdown",
  apply: (plan) =>
    transformDown(plan, (p) => {
      if (p._tag !== "Filter") return undefined
      const all = conjuncts(p.predicate)
      const movable = all.filter(isElementwise)
      const fixed = all.filter((c) => !isElementwise(c))
      if (movable.length === 0) return undefined
      const r = pushInto(p.input, movable)
      if (r === undefined) return undefined
      return filterOn(r.plan, [...fixed, ...r.kept])
    })
}
