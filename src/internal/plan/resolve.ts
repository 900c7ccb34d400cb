/**
 * Plan resolution (the analyzer, as Polars' `dsl_to_ir` and DataFusion's analyzer): the output schema of every
 * node, and every problem of the whole plan at once, before any data is read.
 *
 * Expressions are typed with the expression resolver (`../expr/resolve.ts`). Verbs whose schema rules live in
 * their eager implementation (join, sort, unique, concat) are resolved by running that verb on empty frames of
 * the input schemas: no data, and the same rules as execution.
 *
 * A problem does not hide the others: a column whose expression failed is "poisoned" (kept in the schema with the
 * Null dtype) and expressions that read it are skipped rather than reported again; a scan whose schema is not known
 * yet (a file scan before its metadata is read) has an `unknown` schema, and everything above it that depends on
 * it is skipped. `LazyFrame.collect` resolves twice: first without any I/O (so a plan whose errors do not depend
 * on a file's schema fails before the file is touched), then with the files' metadata.
 * @internal
 */
import * as Effect from "effect/Effect"
import { Expr, type ExprNode, outputName } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { Field } from "../../Frame/DataType.ts"
import {
  type ColumnNotFound as ColumnNotFoundT,
  type ComputeError,
  DuplicateColumn,
  InvalidArgument,
  type InvalidDuration,
  type NotSorted,
  ResolveErrors,
  type ShapeMismatch,
  TypeMismatch
} from "../../Frame/Errors.ts"
import { ColumnNotFound } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import { type Mode, resolveAll } from "../expr/resolve.ts"
import type { IR } from "../expr/ir.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { groupByDynamic } from "../../TimeSeries/GroupByDynamic.ts"
import { joinAsof } from "../../TimeSeries/JoinAsof.ts"
import * as Verbs from "../verbs/index.ts"
import { children, type MapOp, type Plan, refs, scanSchema } from "./logical.ts"

/** The output schema of a node. */
export interface Resolved {
  readonly fields: ReadonlyArray<Field>
  /** Columns whose defining expression failed to resolve (their dtype is unknown; Null is a placeholder). */
  readonly poisoned: ReadonlySet<string>
  /**
   * The schema is not known before running: it depends on a file whose metadata has not been read, or on the
   * data itself (below a `pivot`, whose columns are the distinct values of `on`).
   */
  readonly unknown: boolean
  /** The schema depends on the data (a `pivot` in the plan): it stays unknown after the metadata is read. */
  readonly dataDependent?: boolean
}

export type Problem =
  | ColumnNotFoundT
  | TypeMismatch
  | DuplicateColumn
  | InvalidArgument
  | ShapeMismatch
  | ComputeError
  | InvalidDuration
  | NotSorted

interface Entry {
  readonly schema: Resolved
  readonly problems: ReadonlyArray<Problem>
}

const cache = new WeakMap<Plan, Entry>()
const NONE: ReadonlySet<string> = new Set()
const UNKNOWN: Resolved = { fields: [], poisoned: NONE, unknown: true }
const DATA_DEPENDENT: Resolved = { fields: [], poisoned: NONE, unknown: true, dataDependent: true }

/** The output schema of a plan (memoized per node object). */
export const schemaOf = (p: Plan): Resolved => entry(p).schema

/** Every problem of the plan, bottom-up, each reported once. */
export const problemsOf = (p: Plan): ReadonlyArray<Problem> => {
  const out: Array<Problem> = []
  const seen = new Set<string>()
  const visit = (q: Plan): void => {
    for (const c of children(q)) visit(c)
    for (const pr of entry(q).problems) {
      const key = `${pr._tag}:${pr.message}`
      if (!seen.has(key)) {
        seen.add(key)
        out.push(pr)
      }
    }
  }
  visit(p)
  return out
}

/** The error of a list of problems, as the eager verbs give it: the problem itself when one, `ResolveErrors` for several. */
export const toError = (problems: ReadonlyArray<Problem>): Problem | ResolveErrors | undefined => {
  if (problems.length === 0) return undefined
  const resolveProblems = problems.filter((p): p is ColumnNotFoundT | TypeMismatch => p._tag === "ColumnNotFound" || p._tag === "TypeMismatch")
  if (resolveProblems.length > 1) return new ResolveErrors({ problems: resolveProblems })
  return resolveProblems[0] ?? problems[0]
}

const entry = (p: Plan): Entry => {
  let e = cache.get(p)
  if (e === undefined) {
    e = compute(p)
    cache.set(p, e)
  }
  return e
}

/** An empty frame of a schema (for resolving verbs by running them on no data). */
export const emptyOf = (fields: ReadonlyArray<Field>): Frame =>
  F.fromColumnsUnsafe(
    fields.map((f) => f.name),
    fields.map((f) => C.nulls(f.dtype, 0))
  )

const known = (fields: ReadonlyArray<Field>, poisoned: ReadonlySet<string> = NONE): Resolved => ({ fields, poisoned, unknown: false })

/** Resolves expressions one by one against a schema; skipped (poisoned) when they read a poisoned column. */
const typeExprs = (
  input: Resolved,
  exprs: ReadonlyArray<ExprNode>,
  mode: Mode,
  problems: Array<Problem>
): Array<IR | undefined> =>
  exprs.map((e) => {
    for (const r of refs(e)) if (input.poisoned.has(r)) return undefined
    const r = resolveAll(input.fields, [e], mode)
    if ("error" in r) {
      if (r.error._tag === "ResolveErrors") problems.push(...r.error.problems)
      else problems.push(r.error)
      return undefined
    }
    return r.irs[0]
  })

const outputFields = (
  exprs: ReadonlyArray<ExprNode>,
  irs: ReadonlyArray<IR | undefined>,
  problems: Array<Problem>
): { fields: Array<Field>; poisoned: Set<string> } => {
  const fields: Array<Field> = []
  const poisoned = new Set<string>()
  const seen = new Set<string>()
  exprs.forEach((e, i) => {
    const name = outputName(e)
    if (seen.has(name)) problems.push(new DuplicateColumn({ column: name }))
    seen.add(name)
    const ir = irs[i]
    if (ir === undefined) poisoned.add(name)
    fields.push({ name, dtype: ir?.dtype ?? DT.Null })
  })
  return { fields, poisoned }
}

const checkBool = (ir: IR | undefined, problems: Array<Problem>): void => {
  if (ir !== undefined && ir.dtype._tag !== "Boolean" && ir.dtype._tag !== "Null")
    problems.push(new TypeMismatch({ expr: ir.text, expected: "a bool predicate", actual: DT.format(ir.dtype) }))
}

const missing = (input: Resolved, name: string, problems: Array<Problem>): boolean => {
  if (input.fields.some((f) => f.name === name)) return false
  problems.push(new ColumnNotFound({ column: name, available: input.fields.map((f) => f.name) }))
  return true
}

/** Resolves a verb by running it on empty frames; failures become problems (unless caused by a poisoned column). */
const byEmptyRun = (
  inputs: ReadonlyArray<Resolved>,
  run: (frames: ReadonlyArray<Frame>) => Effect.Effect<Frame, Problem | ResolveErrors>,
  problems: Array<Problem>
): Resolved => {
  if (inputs.some((i) => i.unknown)) return inputs.some((i) => i.dataDependent === true) ? DATA_DEPENDENT : UNKNOWN
  const poisoned = new Set<string>()
  for (const i of inputs) for (const n of i.poisoned) poisoned.add(n)
  const r = Effect.runSync(Effect.result(run(inputs.map((i) => emptyOf(i.fields)))))
  if (r._tag === "Failure") {
    if (poisoned.size > 0) return UNKNOWN
    if (r.failure._tag === "ResolveErrors") problems.push(...r.failure.problems)
    else problems.push(r.failure)
    return UNKNOWN
  }
  const fields = r.success.schema
  return known(fields, new Set([...poisoned].filter((n) => fields.some((f) => f.name === n))))
}

const exprOf = (n: ExprNode): Expr => new Expr(n)

const compute = (p: Plan): Entry => {
  const problems: Array<Problem> = []
  const schema = computeSchema(p, problems)
  return { schema, problems }
}

const mapFrameSchema = (input: Resolved, op: MapOp, problems: Array<Problem>): Resolved => {
  switch (op.verb) {
    case "describe":
      return byEmptyRun([input], ([f]) => Verbs.describe(f!), problems)
    case "nullCount":
      return byEmptyRun([input], ([f]) => Verbs.nullCount(f!), problems)
    case "sample":
      // the same columns; whether `n` rows can be drawn depends on the height, known when it runs
      return input
    case "pivot":
      // the input columns are checked on an empty frame; the output columns are the distinct values of `on`
      byEmptyRun([input], ([f]) => Verbs.pivot(f!, op.options), problems)
      return input.unknown && input.dataDependent !== true ? UNKNOWN : DATA_DEPENDENT
  }
}

const computeSchema = (p: Plan, problems: Array<Problem>): Resolved => {
  switch (p._tag) {
    case "Scan": {
      const base = scanSchema(p.source)
      if (base === undefined) return UNKNOWN
      const full = known(base)
      if (p.predicate !== undefined) checkBool(typeExprs(full, [p.predicate], "row", problems)[0], problems)
      if (p.projection === undefined) return full
      for (const n of p.projection) missing(full, n, problems)
      return known(base.filter((f) => p.projection!.includes(f.name)))
    }
    case "Select": {
      const input = schemaOf(p.input)
      if (input.unknown) return UNKNOWN
      const { fields, poisoned } = outputFields(p.exprs, typeExprs(input, p.exprs, "row", problems), problems)
      return known(fields, poisoned)
    }
    case "WithColumns": {
      const input = schemaOf(p.input)
      if (input.unknown) return UNKNOWN
      const out = outputFields(p.exprs, typeExprs(input, p.exprs, "row", problems), problems)
      const fields = [...input.fields]
      const poisoned = new Set(input.poisoned)
      for (const f of out.fields) {
        const i = fields.findIndex((g) => g.name === f.name)
        if (i >= 0) fields[i] = f
        else fields.push(f)
        if (out.poisoned.has(f.name)) poisoned.add(f.name)
        else poisoned.delete(f.name)
      }
      return known(fields, poisoned)
    }
    case "Filter": {
      const input = schemaOf(p.input)
      if (input.unknown) return UNKNOWN
      checkBool(typeExprs(input, [p.predicate], "row", problems)[0], problems)
      return input
    }
    case "Drop": {
      const input = schemaOf(p.input)
      if (input.unknown) return UNKNOWN
      for (const n of p.names) missing(input, n, problems)
      return known(
        input.fields.filter((f) => !p.names.includes(f.name)),
        input.poisoned
      )
    }
    case "Rename": {
      const input = schemaOf(p.input)
      if (input.unknown) return UNKNOWN
      for (const n of Object.keys(p.mapping)) missing(input, n, problems)
      const fields = input.fields.map((f) => ({ name: p.mapping[f.name] ?? f.name, dtype: f.dtype }))
      const names = fields.map((f) => f.name)
      const dup = names.find((n, i) => names.indexOf(n) !== i)
      if (dup !== undefined) problems.push(new DuplicateColumn({ column: dup }))
      return known(fields, new Set([...input.poisoned].map((n) => p.mapping[n] ?? n)))
    }
    case "GroupByAgg": {
      const input = schemaOf(p.input)
      if (input.unknown) return UNKNOWN
      const keys = outputFields(p.keys, typeExprs(input, p.keys, "row", problems), problems)
      const aggs = outputFields(p.aggs, typeExprs(input, p.aggs, "agg", problems), problems)
      const seen = new Set<string>()
      for (const f of [...keys.fields, ...aggs.fields]) {
        if (seen.has(f.name) && !problems.some((x) => x._tag === "DuplicateColumn" && x.column === f.name))
          problems.push(new DuplicateColumn({ column: f.name }))
        seen.add(f.name)
      }
      return known([...keys.fields, ...aggs.fields], new Set([...keys.poisoned, ...aggs.poisoned]))
    }
    case "Join":
      return byEmptyRun([schemaOf(p.left), schemaOf(p.right)], ([l, r]) => Verbs.join(l!, r!, p.options), problems)
    case "Sort":
      return byEmptyRun([schemaOf(p.input)], ([f]) => Verbs.sort(f!, p.by.map(exprOf), p.options), problems)
    case "Unique":
      return byEmptyRun([schemaOf(p.input)], ([f]) => Verbs.unique(f!, p.options), problems)
    case "Concat":
      return byEmptyRun(p.inputs.map(schemaOf), (fs) => Verbs.concat(fs, p.how), problems)
    case "Cache":
      return schemaOf(p.input)
    case "WithRowIndex":
      return byEmptyRun([schemaOf(p.input)], ([f]) => Verbs.withRowIndex(f!, p.name, p.offset), problems)
    case "Explode":
      return byEmptyRun([schemaOf(p.input)], ([f]) => Verbs.explode(f!, p.columns), problems)
    case "Unpivot":
      return byEmptyRun([schemaOf(p.input)], ([f]) => Verbs.unpivot(f!, p.options), problems)
    case "JoinAsof":
      return byEmptyRun([schemaOf(p.left), schemaOf(p.right)], ([l, r]) => joinAsof(l!, r!, p.options), problems)
    case "GroupByDynamic":
      return byEmptyRun([schemaOf(p.input)], ([f]) => groupByDynamic(f!, p.options, p.aggs.map(exprOf)), problems)
    case "MapFrame":
      return mapFrameSchema(schemaOf(p.input), p.op, problems)
    case "Slice": {
      if (p.length !== undefined && !(Number.isInteger(p.length) && p.length >= 0))
        problems.push(new InvalidArgument({ argument: "length", message: `length must be a non-negative integer, got ${p.length}` }))
      if (!Number.isInteger(p.offset))
        problems.push(new InvalidArgument({ argument: "offset", message: `offset must be an integer, got ${p.offset}` }))
      return schemaOf(p.input)
    }
  }
}

/** Whether two schemas have the same names and dtypes in the same order. */
export const sameSchema = (a: ReadonlyArray<Field>, b: ReadonlyArray<Field>): boolean =>
  a.length === b.length && a.every((f, i) => f.name === b[i]!.name && DT.equals(f.dtype, b[i]!.dtype))
