/**
 * Plan text, one node per line, inputs indented by two spaces under their parent (as Polars `explain` and
 * DataFusion's `LogicalPlan::display_indent`).
 * @internal
 */
import { type ExprNode, show } from "../../Expr/Expr.ts"
import { describe } from "./files.ts"
import { children, type Plan } from "./logical.ts"

const list = (es: ReadonlyArray<ExprNode>): string => `[${es.map(show).join(", ")}]`

/** One line describing a node (without its inputs). */
export const label = (p: Plan): string => {
  switch (p._tag) {
    case "Scan": {
      const s = p.source
      const what = s._tag === "Memory" ? `memory ${s.frame.height}x${s.frame.schema.length}` : `${s._tag.toLowerCase()} ${describe(s.files)}`
      const parts = [`Scan ${what}`]
      if (p.projection !== undefined) parts.push(`projection=[${p.projection.join(", ")}]`)
      if (p.predicate !== undefined) parts.push(`predicate=${show(p.predicate)}`)
      if (p.limit !== undefined) parts.push(`limit=${p.limit}`)
      return parts.join(" ")
    }
    case "Select":
      return `Select ${list(p.exprs)}`
    case "WithColumns":
      return `WithColumns ${list(p.exprs)}`
    case "Filter":
      return `Filter ${show(p.predicate)}`
    case "Drop":
      return `Drop [${p.names.join(", ")}]`
    case "Rename":
      return `Rename {${Object.entries(p.mapping)
        .map(([a, b]) => `${a}: ${b}`)
        .join(", ")}}`
    case "GroupByAgg":
      return `GroupBy keys=${list(p.keys)} aggs=${list(p.aggs)}`
    case "Join": {
      const o = p.options
      const keys =
        o.on !== undefined
          ? ` on=[${[o.on].flat().join(", ")}]`
          : o.leftOn !== undefined
            ? ` leftOn=[${[o.leftOn].flat().join(", ")}] rightOn=[${[o.rightOn ?? []].flat().join(", ")}]`
            : ""
      return `Join how=${o.how ?? "inner"}${keys}`
    }
    case "Sort": {
      const d = p.options.descending
      return `Sort by=${list(p.by)}${d === undefined || d === false ? "" : ` descending=${JSON.stringify(d)}`}`
    }
    case "Unique":
      return `Unique${p.options.subset !== undefined ? ` subset=[${p.options.subset.join(", ")}]` : ""} keep=${p.options.keep ?? "first"}`
    case "Slice":
      return `Slice offset=${p.offset} length=${p.length ?? "all"}`
    case "Concat":
      return `Concat how=${p.how}`
    case "Cache":
      return `Cache id=${p.id}`
  }
}

/** The plan as indented text, one node per line. */
export const explain = (p: Plan, indent = 0): string =>
  [`${"  ".repeat(indent)}${label(p)}`, ...children(p).map((c) => explain(c, indent + 1))].join("\n")
