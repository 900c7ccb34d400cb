/**
 * Projection pushdown, as Polars' `projection_pushdown` and DataFusion's `optimize_projections`: walks the plan
 * top-down with the set of columns each node's parent needs, and gives every scan the list of columns to read
 * (`projection`: only those Parquet columns are decoded, only those CSV fields converted). On the way,
 * `WithColumns` expressions whose output nobody reads are dropped (and the node with them when none is left).
 * A node that needs all its input (`Unique` without `subset`, `Concat` other than vertical, the root) passes "all".
 * Join inputs keep their key columns and every column whose name the other side also has, so that suffixing
 * (`_right`) gives the same names as before. A vertical `Concat` input whose narrowed schema would differ from its
 * siblings' is wrapped in a `Select` of the needed columns. `JoinAsof` inputs keep their as-of and `by` keys and
 * colliding names in the same way. `GroupByDynamic` needs its index, `by` and aggregated columns; `Explode` and
 * `WithRowIndex` pass the parent's needs through (plus the exploded columns, minus the index); `Unpivot` needs its
 * `index` and `on` columns (all, without `on`). `MapFrame` is a barrier: its input is read whole. When a join's
 * input schema is not known before running (below a `pivot`), both inputs are read whole.
 * @internal
 */
import type { ExprNode } from "../../../Expr/Expr.ts"
import { outputName } from "../../../Expr/Expr.ts"
import { joinKeys, type Plan, refs, scanSchema } from "../logical.ts"
import { sameSchema, schemaOf } from "../resolve.ts"
import type { Rule } from "./rule.ts"

type Need = ReadonlySet<string> | undefined

const union = (a: Need, ...es: ReadonlyArray<ExprNode>): Need => {
  if (a === undefined) return undefined
  const out = new Set(a)
  for (const e of es) refs(e, out)
  return out
}
const exprRefs = (es: ReadonlyArray<ExprNode>): Set<string> => {
  const out = new Set<string>()
  for (const e of es) refs(e, out)
  return out
}

const prune = (p: Plan, need: Need): Plan => {
  switch (p._tag) {
    case "Scan": {
      if (need === undefined) return p
      const base = scanSchema(p.source)
      if (base === undefined) return p
      let cols = base.map((f) => f.name).filter((n) => need.has(n) && (p.projection === undefined || p.projection.includes(n)))
      // at least one column, so that the height survives (e.g. `select(len())`)
      if (cols.length === 0 && base.length > 0) cols = [p.projection?.[0] ?? base[0]!.name]
      const current = p.projection ?? base.map((f) => f.name)
      if (cols.length === current.length && cols.every((c, i) => c === current[i])) return p
      return { ...p, projection: cols }
    }
    case "Select":
      return { ...p, input: prune(p.input, exprRefs(p.exprs)) }
    case "WithColumns": {
      if (need === undefined) return { ...p, input: prune(p.input, undefined) }
      const kept = p.exprs.filter((e) => need.has(outputName(e)))
      const defined = new Set(kept.map(outputName))
      const inNeed = new Set([...need].filter((n) => !defined.has(n)))
      for (const e of kept) refs(e, inNeed)
      const input = prune(p.input, inNeed)
      return kept.length === 0 ? input : { ...p, exprs: kept, input }
    }
    case "Filter":
      return { ...p, input: prune(p.input, union(need, p.predicate)) }
    case "Drop":
      return { ...p, input: prune(p.input, need) }
    case "Rename": {
      if (need === undefined) return { ...p, input: prune(p.input, undefined) }
      const back = new Map<string, string>()
      for (const [old, name] of Object.entries(p.mapping)) back.set(name, old)
      const inNeed = new Set<string>()
      const renamedAway = new Set(Object.keys(p.mapping))
      for (const n of need) {
        const old = back.get(n)
        if (old !== undefined) inNeed.add(old)
        else if (!renamedAway.has(n)) inNeed.add(n)
      }
      return { ...p, input: prune(p.input, inNeed) }
    }
    case "GroupByAgg":
      return { ...p, input: prune(p.input, exprRefs([...p.keys, ...p.aggs])) }
    case "Sort":
      return { ...p, input: prune(p.input, union(need, ...p.by)) }
    case "Unique": {
      const sub = p.options.subset
      if (sub === undefined || need === undefined) return { ...p, input: prune(p.input, undefined) }
      return { ...p, input: prune(p.input, new Set([...need, ...sub])) }
    }
    case "Slice":
      return { ...p, input: prune(p.input, need) }
    case "Cache":
      // every occurrence must keep the same input: narrow it only by what it reads itself
      return { ...p, input: prune(p.input, undefined) }
    case "Concat": {
      if (p.how !== "vertical" || need === undefined) return { ...p, inputs: p.inputs.map((i) => prune(i, undefined)) }
      const inputs = p.inputs.map((i) => {
        const wanted = schemaOf(i).fields.filter((f) => need.has(f.name))
        const q = prune(i, need)
        const got = schemaOf(q)
        if (got.unknown || sameSchema(got.fields, wanted)) return q
        return { _tag: "Select", input: q, exprs: wanted.map((f): ExprNode => ({ _tag: "Column", name: f.name })) } as Plan
      })
      return { ...p, inputs }
    }
    case "WithRowIndex": {
      if (need === undefined) return { ...p, input: prune(p.input, undefined) }
      return { ...p, input: prune(p.input, new Set([...need].filter((n) => n !== p.name))) }
    }
    case "Explode":
      return { ...p, input: prune(p.input, need === undefined ? undefined : new Set([...need, ...p.columns])) }
    case "Unpivot": {
      const on = p.options.on
      return { ...p, input: prune(p.input, on === undefined ? undefined : new Set([...(p.options.index ?? []), ...on])) }
    }
    case "MapFrame":
      return { ...p, input: prune(p.input, undefined) }
    case "GroupByDynamic": {
      const by = p.options.by === undefined ? [] : [p.options.by].flat()
      const inNeed = exprRefs(p.aggs)
      inNeed.add(p.options.index)
      for (const b of by) inNeed.add(b)
      return { ...p, input: prune(p.input, inNeed) }
    }
    case "JoinAsof": {
      const ls = schemaOf(p.left)
      const rs = schemaOf(p.right)
      if (need === undefined || ls.unknown || rs.unknown) return { ...p, left: prune(p.left, undefined), right: prune(p.right, undefined) }
      const o = p.options
      const lKeys = [o.on ?? o.leftOn, ...(o.by !== undefined ? [o.by].flat() : o.leftBy !== undefined ? [o.leftBy].flat() : [])]
      const rKeys = [o.on ?? o.rightOn, ...(o.by !== undefined ? [o.by].flat() : o.rightBy !== undefined ? [o.rightBy].flat() : [])]
      const suffix = o.suffix ?? "_right"
      const L = ls.fields.map((f) => f.name)
      const R = rs.fields.map((f) => f.name)
      const lSet = new Set(L)
      const rSet = new Set(R)
      const left = new Set(L.filter((c) => need.has(c) || lKeys.includes(c) || rSet.has(c)))
      const right = new Set(R.filter((c) => need.has(c) || need.has(c + suffix) || rKeys.includes(c) || lSet.has(c)))
      return { ...p, left: prune(p.left, left), right: prune(p.right, right) }
    }
    case "Join": {
      if (need === undefined || schemaOf(p.left).unknown || schemaOf(p.right).unknown)
        return { ...p, left: prune(p.left, undefined), right: prune(p.right, undefined) }
      const L = schemaOf(p.left).fields.map((f) => f.name)
      const R = schemaOf(p.right).fields.map((f) => f.name)
      const keys = joinKeys(p.options)
      const suffix = p.options.suffix ?? "_right"
      const how = p.options.how ?? "inner"
      const lSet = new Set(L)
      const rSet = new Set(R)
      const left = new Set(L.filter((c) => need.has(c) || keys.left.includes(c) || rSet.has(c)))
      const right =
        how === "semi" || how === "anti"
          ? new Set(keys.right)
          : new Set(R.filter((c) => need.has(c) || need.has(c + suffix) || keys.right.includes(c) || lSet.has(c)))
      return { ...p, left: prune(p.left, left), right: prune(p.right, right) }
    }
  }
}

const same = (a: Plan, b: Plan): boolean => JSON.stringify(a, replacer) === JSON.stringify(b, replacer)
const replacer = (_k: string, v: unknown): unknown =>
  typeof v === "bigint" ? `${v}n` : typeof v === "object" && v !== null && "batches" in v && "schema" in v ? "<frame>" : v

export const projectionPushdown: Rule = {
  name: "projectionPushdown",
  apply: (plan) => {
    const next = prune(plan, undefined)
    return same(next, plan) ? undefined : next
  }
}
