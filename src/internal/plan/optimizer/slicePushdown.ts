/**
 * Slice pushdown, as Polars' `slice_pushdown_lp`: a slice with a non-negative offset and a length (`head`,
 * `slice(o, n)`) moves towards the scans so that reading stops early:
 * - `Slice(Slice(x))` → one slice;
 * - through `Select` (elementwise, reading some column), `WithColumns` (elementwise), `Drop`, `Rename`, and
 *   `WithRowIndex` when the offset is 0 (the first rows keep their indices);
 * - into a `Scan` as `limit = offset + length` (the slice stays above when `offset > 0`);
 * - into each input of a vertical `Concat` as `Slice(0, offset + length)` (the slice stays above);
 * - a slice that cannot cut anything (its input has at most `length` rows, offset 0) is removed.
 * Negative offsets (`tail`) and slices above filters, sorts, group-bys, joins, `Explode`, `Unpivot`,
 * `GroupByDynamic` and `MapFrame` stay where they are.
 * @internal
 */
import { isElementwise, type Plan, refs, transformDown } from "../logical.ts"
import type { Rule } from "./rule.ts"

/** An upper bound on the number of rows of a plan, when one is known. */
export const maxRows = (p: Plan): number | undefined => {
  switch (p._tag) {
    case "Scan":
      return p.limit
    case "Slice": {
      const inner = maxRows(p.input)
      if (p.length === undefined) return inner
      return inner === undefined ? p.length : Math.min(inner, p.length)
    }
    case "Select":
      return p.exprs.some((e) => refs(e).size > 0) ? maxRows(p.input) : 1
    case "WithColumns":
    case "Filter":
    case "Drop":
    case "Rename":
    case "Sort":
    case "Unique":
    case "Cache":
    case "WithRowIndex":
      return maxRows(p.input)
    default:
      return undefined
  }
}

export const slicePushdown: Rule = {
  name: "slicePushdown",
  apply: (plan) =>
    transformDown(plan, (p): Plan | undefined => {
      if (p._tag !== "Slice" || p.offset < 0 || p.length === undefined) return undefined
      const o = p.offset
      const n = p.length
      const c = p.input
      const bound = maxRows(c)
      if (o === 0 && bound !== undefined && bound <= n) return c
      switch (c._tag) {
        case "Slice": {
          if (c.offset < 0) return undefined
          const inner = c.length === undefined ? n : Math.min(n, Math.max(0, c.length - o))
          return { _tag: "Slice", input: c.input, offset: c.offset + o, length: inner }
        }
        case "Scan": {
          if (c.limit !== undefined && c.limit <= o + n) return undefined
          const scan: Plan = { ...c, limit: o + n }
          return o === 0 ? scan : { ...p, input: scan }
        }
        case "Select":
        case "WithColumns": {
          if (!c.exprs.every(isElementwise)) return undefined
          if (c._tag === "Select" && c.exprs.every((e) => refs(e).size === 0)) return undefined
          return { ...c, input: { ...p, input: c.input } }
        }
        case "Drop":
        case "Rename":
          return { ...c, input: { ...p, input: c.input } }
        case "WithRowIndex":
          return o === 0 ? { ...c, input: { ...p, input: c.input } } : undefined
        case "Concat": {
          if (c.how !== "vertical") return undefined
          const t = o + n
          if (c.inputs.every((i) => (maxRows(i) ?? Infinity) <= t)) return undefined
          return {
            ...p,
            input: {
              ...c,
              inputs: c.inputs.map((i): Plan => ((maxRows(i) ?? Infinity) <= t ? i : { _tag: "Slice", input: i, offset: 0, length: t }))
            }
          }
        }
        default:
          return undefined
      }
    })
}
