/**
 * Plan text, one node per line, inputs indented by two spaces under their parent (as Polars `explain` and
 * DataFusion's `LogicalPlan::display_indent`).
 * @internal
 */
import { type ExprNode, show } from "../../Expr/Expr.ts"
import { describe, extraHiveFields } from "./files.ts"
import { children, type Plan, type Scan } from "./logical.ts"
import { keptFiles } from "./partitions.ts"

const list = (es: ReadonlyArray<ExprNode>): string => `[${es.map(show).join(", ")}]`

/** How many files partition pruning keeps, when the files and the schema are known (no I/O). */
const keptCount = (p: Scan): number | undefined => {
  const s = p.source
  if (s._tag === "Memory" || s.files.files === undefined || s.schema === undefined || p.predicate === undefined) return undefined
  const kept = keptFiles(p.predicate, s.files, extraHiveFields(s.files, s.schema), s._tag === "Parquet" ? "parquet" : "csv")
  return Array.isArray(kept) ? kept.length : undefined
}

/** One line describing a node (without its inputs). */
export const label = (p: Plan): string => {
  switch (p._tag) {
    case "Scan": {
      const s = p.source
      const what = s._tag === "Memory" ? `memory ${s.frame.height}x${s.frame.schema.length}` : `${s._tag.toLowerCase()} ${describe(s.files, keptCount(p))}`
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
    case "WithRowIndex":
      return `WithRowIndex name=${p.name} offset=${p.offset}`
    case "Explode":
      return `Explode [${p.columns.join(", ")}]`
    case "Unpivot": {
      const o = p.options
      const parts = ["Unpivot"]
      if (o.on !== undefined) parts.push(`on=[${o.on.join(", ")}]`)
      parts.push(`index=[${(o.index ?? []).join(", ")}]`)
      if (o.variableName !== undefined) parts.push(`variableName=${o.variableName}`)
      if (o.valueName !== undefined) parts.push(`valueName=${o.valueName}`)
      return parts.join(" ")
    }
    case "JoinAsof": {
      const o = p.options
      const keys = o.on !== undefined ? `on=${o.on}` : `leftOn=${o.leftOn ?? "?"} rightOn=${o.rightOn ?? "?"}`
      const by =
        o.by !== undefined
          ? ` by=[${[o.by].flat().join(", ")}]`
          : o.leftBy !== undefined || o.rightBy !== undefined
            ? ` leftBy=[${[o.leftBy ?? []].flat().join(", ")}] rightBy=[${[o.rightBy ?? []].flat().join(", ")}]`
            : ""
      const tol = o.tolerance !== undefined ? ` tolerance=${String(o.tolerance)}` : ""
      return `JoinAsof ${keys}${by} strategy=${o.strategy ?? "backward"}${tol}`
    }
    case "GroupByDynamic": {
      const o = p.options
      const parts = [`GroupByDynamic index=${o.index} every=${o.every}`]
      if (o.period !== undefined) parts.push(`period=${o.period}`)
      if (o.offset !== undefined) parts.push(`offset=${o.offset}`)
      if (o.closed !== undefined) parts.push(`closed=${o.closed}`)
      if (o.by !== undefined) parts.push(`by=[${[o.by].flat().join(", ")}]`)
      parts.push(`aggs=${list(p.aggs)}`)
      return parts.join(" ")
    }
    case "MapFrame": {
      const op = p.op
      switch (op.verb) {
        case "pivot": {
          const o = op.options
          return `MapFrame pivot on=${o.on} index=[${[o.index].flat().join(", ")}] values=${o.values} aggregate=${o.aggregate ?? "first"}`
        }
        case "describe":
        case "nullCount":
          return `MapFrame ${op.verb}`
        case "sample": {
          const o = op.options
          const size = o.n !== undefined ? `n=${o.n}` : `fraction=${o.fraction}`
          const extra = [
            o.withReplacement === true ? " withReplacement" : "",
            o.shuffle === true ? " shuffle" : "",
            o.seed !== undefined ? ` seed=${o.seed}` : ""
          ].join("")
          return `MapFrame sample ${size}${extra}`
        }
      }
    }
  }
}

/** The plan as indented text, one node per line. */
export const explain = (p: Plan, indent = 0): string =>
  [`${"  ".repeat(indent)}${label(p)}`, ...children(p).map((c) => explain(c, indent + 1))].join("\n")
