/**
 * The logical plan of a `LazyFrame`: a tree of immutable nodes holding untyped expressions (`ExprNode`), built
 * purely by the lazy verbs. Resolution (`resolve.ts`) types it against the scans' schemas, the optimizer rules
 * (`optimizer/*.ts`) rewrite it, `explain.ts` prints it and `execute.ts` runs it with the eager verbs.
 * Node names follow Polars' IR (`Scan`, `Select`, `HStack` → `WithColumns`, `Filter`, `GroupBy`, `Join`, `Sort`,
 * `Distinct` → `Unique`, `Slice`, `Union` → `Concat`, `MapFunction` → `MapFrame`, `Explode`, `Unpivot`, `RowIndex` →
 * `WithRowIndex`), plus the time-series nodes `JoinAsof` and `GroupByDynamic`.
 * @internal
 */
import type { ExprNode } from "../../Expr/Expr.ts"
import type { Field } from "../../Frame/DataType.ts"
import type { PivotOptions, SampleOptions, UnpivotOptions } from "../../Frame/Frame.ts"
import type { GroupByDynamicOptions } from "../../TimeSeries/GroupByDynamic.ts"
import type { JoinAsofOptions } from "../../TimeSeries/JoinAsof.ts"
import type { ReadCsvOptions } from "../csv/options.ts"
import type { Frame } from "../frame.ts"
import { extraHiveFields, type FileSet } from "./files.ts"

/**
 * Where a scan reads from. File sources read a `FileSet` (one path, a glob, or a list, with hive partitions) and
 * carry the files' schema once known (given by the user, or read from the first file's metadata); the scan's
 * output schema is that schema followed by the partition columns (see `scanSchema`).
 */
export type ScanSource =
  | { readonly _tag: "Memory"; readonly frame: Frame }
  | { readonly _tag: "Parquet"; readonly files: FileSet; readonly schema: ReadonlyArray<Field> | undefined }
  | { readonly _tag: "Csv"; readonly files: FileSet; readonly options: ReadCsvOptions; readonly schema: ReadonlyArray<Field> | undefined }

/** A scan's output schema: the file columns then the hive partition columns; undefined while not known. */
export const scanSchema = (source: ScanSource): ReadonlyArray<Field> | undefined => {
  if (source._tag === "Memory") return source.frame.schema
  if (source.schema === undefined || source.files.hiveFields === undefined) return undefined
  const extra = extraHiveFields(source.files, source.schema)
  return extra.length === 0 ? source.schema : [...source.schema, ...extra]
}

export interface JoinSpec {
  readonly how?: "inner" | "left" | "right" | "full" | "semi" | "anti" | "cross"
  readonly on?: string | ReadonlyArray<string>
  readonly leftOn?: string | ReadonlyArray<string>
  readonly rightOn?: string | ReadonlyArray<string>
  readonly suffix?: string
  readonly nullsEqual?: boolean
  readonly coalesce?: boolean
}

export interface SortSpec {
  readonly descending?: boolean | ReadonlyArray<boolean>
  readonly nullsLast?: boolean | ReadonlyArray<boolean>
}

export interface UniqueSpec {
  readonly subset?: ReadonlyArray<string>
  readonly keep?: "first" | "last" | "any" | "none"
  readonly maintainOrder?: boolean
}

/**
 * A logical plan node. `Scan` may carry pushed-down work: `projection` (the columns to read, in schema order),
 * `predicate` (rows to keep, applied while reading: row groups are pruned with it) and `limit` (stop after this many
 * rows, counted after the predicate).
 */
export type Plan =
  | {
      readonly _tag: "Scan"
      readonly source: ScanSource
      readonly projection: ReadonlyArray<string> | undefined
      readonly predicate: ExprNode | undefined
      readonly limit: number | undefined
    }
  | { readonly _tag: "Select"; readonly input: Plan; readonly exprs: ReadonlyArray<ExprNode> }
  | { readonly _tag: "WithColumns"; readonly input: Plan; readonly exprs: ReadonlyArray<ExprNode> }
  | { readonly _tag: "Filter"; readonly input: Plan; readonly predicate: ExprNode }
  | { readonly _tag: "Drop"; readonly input: Plan; readonly names: ReadonlyArray<string> }
  | { readonly _tag: "Rename"; readonly input: Plan; readonly mapping: { readonly [old: string]: string } }
  | {
      readonly _tag: "GroupByAgg"
      readonly input: Plan
      readonly keys: ReadonlyArray<ExprNode>
      readonly aggs: ReadonlyArray<ExprNode>
      readonly maintainOrder: boolean
    }
  | { readonly _tag: "Join"; readonly left: Plan; readonly right: Plan; readonly options: JoinSpec }
  | { readonly _tag: "Sort"; readonly input: Plan; readonly by: ReadonlyArray<ExprNode>; readonly options: SortSpec }
  | { readonly _tag: "Unique"; readonly input: Plan; readonly options: UniqueSpec }
  | { readonly _tag: "Slice"; readonly input: Plan; readonly offset: number; readonly length: number | undefined }
  | { readonly _tag: "Concat"; readonly inputs: ReadonlyArray<Plan>; readonly how: "vertical" | "diagonal" | "horizontal" }
  /** Prepends a UInt32 row-index column (as `Frame.withRowIndex`). */
  | { readonly _tag: "WithRowIndex"; readonly input: Plan; readonly name: string; readonly offset: number }
  /** One row per list element of `columns` (as `Frame.explode`). */
  | { readonly _tag: "Explode"; readonly input: Plan; readonly columns: ReadonlyArray<string> }
  /** Wide to long (as `Frame.unpivot`). */
  | { readonly _tag: "Unpivot"; readonly input: Plan; readonly options: UnpivotOptions }
  /**
   * An eager verb run on its whole input (as Polars' `MapFunction`): an optimization barrier. Predicates, slices
   * and projections above it stay above it, and its input is read whole.
   */
  | { readonly _tag: "MapFrame"; readonly input: Plan; readonly op: MapOp }
  /** As-of join (as `TimeSeries.joinAsof`): one output row per left row, in left order. */
  | { readonly _tag: "JoinAsof"; readonly left: Plan; readonly right: Plan; readonly options: JoinAsofOptions }
  /** Time windows over a sorted index, aggregated (as `TimeSeries.groupByDynamic`). */
  | {
      readonly _tag: "GroupByDynamic"
      readonly input: Plan
      readonly options: GroupByDynamicOptions
      readonly aggs: ReadonlyArray<ExprNode>
    }
  /**
   * A subplan that occurs more than once (placed by `commonSubplan`, as Polars' `Cache`): every `Cache` with the same
   * `id` has the same input, which runs once; the other occurrences reuse its result.
   */
  | { readonly _tag: "Cache"; readonly input: Plan; readonly id: number }

export type Scan = Extract<Plan, { _tag: "Scan" }>

/**
 * The verbs a `MapFrame` node runs. `pivot`'s output columns depend on the data (one per distinct value of `on`),
 * so its schema is known only once it runs. A `sample` without a seed carries a `nonce` unique to the lazy call, so
 * that two unseeded samples are never merged by common subplan elimination (each draws its own rows).
 */
export type MapOp =
  | { readonly verb: "pivot"; readonly options: PivotOptions }
  | { readonly verb: "describe" }
  | { readonly verb: "nullCount" }
  | { readonly verb: "sample"; readonly options: SampleOptions; readonly nonce: number | undefined }

export const scan = (source: ScanSource): Plan => ({ _tag: "Scan", source, projection: undefined, predicate: undefined, limit: undefined })

/** The inputs of a node, left to right. */
export const children = (p: Plan): ReadonlyArray<Plan> => {
  switch (p._tag) {
    case "Scan":
      return []
    case "Join":
    case "JoinAsof":
      return [p.left, p.right]
    case "Concat":
      return p.inputs
    default:
      return [p.input]
  }
}

/** The node with new inputs (same arity as `children`); the same object when nothing changed. */
export const withChildren = (p: Plan, cs: ReadonlyArray<Plan>): Plan => {
  const old = children(p)
  if (old.length === cs.length && old.every((c, i) => c === cs[i])) return p
  switch (p._tag) {
    case "Scan":
      return p
    case "Join":
    case "JoinAsof":
      return { ...p, left: cs[0]!, right: cs[1]! }
    case "Concat":
      return { ...p, inputs: cs }
    default:
      return { ...p, input: cs[0]! }
  }
}

/** Rewrites every node bottom-up with `f` (which returns undefined for "no change"); undefined when nothing changed. */
export const transformUp = (p: Plan, f: (p: Plan) => Plan | undefined): Plan | undefined => {
  const cs = children(p)
  let changed = false
  const next = cs.map((c) => {
    const r = transformUp(c, f)
    if (r !== undefined) changed = true
    return r ?? c
  })
  const self = changed ? withChildren(p, next) : p
  const r = f(self)
  return r !== undefined ? r : changed ? self : undefined
}

/** Rewrites top-down: `f` is applied to a node, then to the inputs of its result. Undefined when nothing changed. */
export const transformDown = (p: Plan, f: (p: Plan) => Plan | undefined): Plan | undefined => {
  const r = f(p)
  const self = r ?? p
  const cs = children(self)
  let changed = r !== undefined
  const next = cs.map((c) => {
    const x = transformDown(c, f)
    if (x !== undefined) changed = true
    return x ?? c
  })
  return changed ? withChildren(self, next) : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// expression helpers
// ---------------------------------------------------------------------------------------------------------------

/** The column names an expression reads. */
export const refs = (e: ExprNode, out: Set<string> = new Set()): Set<string> => {
  switch (e._tag) {
    case "Column":
      out.add(e.name)
      break
    case "Literal":
    case "Len":
      break
    case "Binary":
      refs(e.left, out)
      refs(e.right, out)
      break
    case "When":
      for (const b of e.branches) {
        refs(b.when, out)
        refs(b.then, out)
      }
      refs(e.otherwise, out)
      break
    case "Function":
      refs(e.input, out)
      for (const a of e.args) refs(a, out)
      break
    case "Window":
      refs(e.input, out)
      for (const a of e.partitionBy) refs(a, out)
      break
    default:
      refs(e.input, out)
  }
  return out
}

const ELEMENTWISE_FNS = new Set(["isIn", "between", "fillNan", "round"])

/**
 * Whether the expression computes each row from that row alone (no aggregation, `len()`, window, or function along
 * the column such as `cumSum`, `rank`, `shift` or a forward fill). Only such expressions commute with filters and
 * slices.
 */
export const isElementwise = (e: ExprNode): boolean => {
  switch (e._tag) {
    case "Column":
    case "Literal":
      return true
    case "Len":
    case "Agg":
    case "Window":
      return false
    case "Binary":
      return isElementwise(e.left) && isElementwise(e.right)
    case "When":
      return e.branches.every((b) => isElementwise(b.when) && isElementwise(b.then)) && isElementwise(e.otherwise)
    case "Function": {
      const ok =
        e.fn.startsWith("str.") ||
        e.fn.startsWith("dt.") ||
        ELEMENTWISE_FNS.has(e.fn) ||
        (e.fn === "fillNull" && e.options["strategy"] === undefined)
      return ok && isElementwise(e.input) && e.args.every(isElementwise)
    }
    default:
      return isElementwise(e.input)
  }
}

/** Replaces column references by other expressions (`col(name)` → `map.get(name)`). */
export const substitute = (e: ExprNode, map: ReadonlyMap<string, ExprNode>): ExprNode => {
  switch (e._tag) {
    case "Column":
      return map.get(e.name) ?? e
    case "Literal":
    case "Len":
      return e
    case "Binary":
      return { ...e, left: substitute(e.left, map), right: substitute(e.right, map) }
    case "When":
      return {
        ...e,
        branches: e.branches.map((b) => ({ when: substitute(b.when, map), then: substitute(b.then, map) })),
        otherwise: substitute(e.otherwise, map)
      }
    case "Function":
      return { ...e, input: substitute(e.input, map), args: e.args.map((a) => substitute(a, map)) }
    case "Window":
      return { ...e, input: substitute(e.input, map), partitionBy: e.partitionBy.map((a) => substitute(a, map)) }
    default:
      return { ...e, input: substitute(e.input, map) } as ExprNode
  }
}

/** The conjuncts of `a & b & …`. */
export const conjuncts = (e: ExprNode): Array<ExprNode> =>
  e._tag === "Binary" && e.op === "and" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e]

/** `a & b & …` (undefined for no conjuncts). */
export const conjoin = (es: ReadonlyArray<ExprNode>): ExprNode | undefined =>
  es.length === 0 ? undefined : es.reduce((a, b) => ({ _tag: "Binary", op: "and", left: a, right: b }))

export const asList = (x: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> | undefined =>
  x === undefined ? undefined : typeof x === "string" ? [x] : x

/** Join key names of each side (empty for cross joins). */
export const joinKeys = (o: JoinSpec): { readonly left: ReadonlyArray<string>; readonly right: ReadonlyArray<string> } => {
  const on = asList(o.on)
  return { left: on ?? asList(o.leftOn) ?? [], right: on ?? asList(o.rightOn) ?? [] }
}
