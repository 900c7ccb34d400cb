/**
 * Lazy frames: a query as a logical plan, built purely (no I/O, no Effect) with the same verbs as `Frame`, then
 * resolved, optimized and run by `collect`, as Polars' `LazyFrame`.
 *
 * ```ts
 * import { Effect, pipe } from "effect"
 * import { col } from "polaroid/Expr"
 * import { LazyFrame } from "polaroid/Frame"
 * import { Source } from "polaroid"
 *
 * const q = pipe(
 *   Source.scanParquet("flights.parquet"),
 *   LazyFrame.filter(col("date").lt("2001-02-01")),
 *   LazyFrame.groupBy("origin").agg(col("delay").mean().alias("delay")),
 *   LazyFrame.sort("delay", { descending: true }),
 *   LazyFrame.head(5)
 * )
 * const frame = LazyFrame.collect(q) // Effect<Frame, SourceError | PlatformError | EvalError | …, FileSystem>
 * // a LazyFrame is itself an Effect that collects it: inside Effect.gen, `const frame = yield* q`
 * ```
 *
 * **Running a query** (`collect`, `explain`, `profile`)
 * 1. The whole plan is resolved (type-checked) without any I/O against what is known: in-memory frames and scans
 *    given a `schema`. Every problem found is reported at once (`ResolveErrors` when several); no file is touched.
 * 2. File scans without a schema read their metadata only (the Parquet footer; the CSV header and inference rows),
 *    and the plan is resolved again, reporting every problem at once before any data is read.
 * 3. The optimizer rewrites the plan (predicate, projection and slice pushdown, filter fusion, constant folding,
 *    common subplan elimination; see `docs/lazy.md`), and the result runs with the eager verbs.
 *
 * `E` accumulates the typed errors of every verb and scan, `R` the services of the scans (`FileSystem`).
 * @since 0.1.0
 */
import type * as EffectT from "effect/Effect"
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import { dual } from "effect/Function"
import type { PlatformError } from "effect/PlatformError"
import { pipeArguments } from "effect/Pipeable"
import { col, type Expr, type ExprNode } from "../Expr/Expr.ts"
import type { Field } from "./DataType.ts"
import type {
  ColumnNotFound,
  DuplicateColumn,
  InvalidArgument,
  ResolveErrors,
  ShapeMismatch,
  SourceError,
  TypeMismatch
} from "./Errors.ts"
import type { Frame } from "../internal/frame.ts"
import { explain as explainPlan } from "../internal/plan/explain.ts"
import { execute, loadSchemas, type NodeProfile } from "../internal/plan/execute.ts"
import * as L from "../internal/plan/logical.ts"
import type { Plan } from "../internal/plan/logical.ts"
import { optimize } from "../internal/plan/optimizer/index.ts"
import { problemsOf, schemaOf, toError } from "../internal/plan/resolve.ts"
import { collectStreaming, compile as compileStreaming, explainStreaming } from "../internal/stream/exec/index.ts"
import { defaultOptions as streamDefaults } from "../internal/stream/exec/types.ts"
import type * as Sink from "effect/Sink"
import type * as Stream from "effect/Stream"
import * as StreamM from "effect/Stream"
import type { FileSystem } from "effect/FileSystem"
import type { WriteCsvOptions } from "../internal/csv/options.ts"
import * as PStream from "../Stream/Stream.ts"
import type { GroupByDynamicOptions, WindowError } from "../TimeSeries/GroupByDynamic.ts"
import type { JoinAsofError, JoinAsofOptions } from "../TimeSeries/JoinAsof.ts"
import { InvalidArgument as InvalidArgumentError } from "./Errors.ts"
import type {
  ConcatHow,
  EvalError,
  GroupByOptions,
  JoinOptions,
  PivotOptions,
  SampleOptions,
  SortOptions,
  UniqueOptions,
  UnpivotOptions
} from "./Frame.ts"

export type { NodeProfile } from "../internal/plan/execute.ts"

const TypeId = "~polaroid/LazyFrame" as const

/**
 * A query: a logical plan, immutable and pure data. `E` is the union of the typed errors running it may give,
 * `R` the services its scans need. It is also an `Effect<Frame, E, R>` that runs `collect` (as effect's SQL
 * `Statement` runs its query): `yield* lf` inside `Effect.gen` collects it, and each run reads the sources again.
 * @since 0.1.0 @category models
 */
export interface LazyFrame<out E = never, out R = never> extends Effect.Effect<Frame, E, R> {
  readonly [TypeId]: { readonly _E: (_: never) => E; readonly _R: (_: never) => R }
  /** The logical plan (see `explain`). */
  readonly plan: Plan
}

const Proto = {
  // yielding a lazy frame (or running it as an Effect) collects it, as effect's SQL `Statement` runs its query
  ...Effectable.Prototype<LazyFrame<unknown, unknown>>({
    label: "LazyFrame",
    evaluate() {
      return collect(this) as Effect.Effect<Frame, unknown, unknown>
    }
  }),
  [TypeId]: { _E: (x: never) => x, _R: (x: never) => x },
  pipe() {
    return pipeArguments(this, arguments)
  },
  toJSON(this: LazyFrame<unknown, unknown>) {
    return { _id: "LazyFrame", plan: explainPlan(this.plan) }
  },
  toString(this: LazyFrame<unknown, unknown>) {
    return explainPlan(this.plan)
  }
}

/** @internal */
export const fromPlan = <E = never, R = never>(plan: Plan): LazyFrame<E, R> => {
  const self = Object.create(Proto) as { plan: Plan }
  self.plan = plan
  return self as unknown as LazyFrame<E, R>
}

/** @since 0.1.0 @category guards */
export const isLazyFrame = (u: unknown): u is LazyFrame<unknown, unknown> => typeof u === "object" && u !== null && TypeId in u

/**
 * A lazy frame over an in-memory frame (Polars `DataFrame.lazy()`). The frame's schema is known, so plans over
 * it resolve without I/O.
 * @since 0.1.0 @category constructors
 */
export const fromFrame = (frame: Frame): LazyFrame => fromPlan(L.scan({ _tag: "Memory", frame }))

type AnyLazy = LazyFrame<unknown, unknown>
const node = (e: string | Expr): ExprNode => (typeof e === "string" ? col(e).node : e.node)
const isArgs = (args: ArrayLike<unknown>) => isLazyFrame(args[0])
const wrap = (_self: AnyLazy, plan: Plan) => fromPlan<never, never>(plan) as never

/**
 * The given columns / expressions, as `Frame.select`. **Errors** `ColumnNotFound`, `TypeMismatch`,
 * `ResolveErrors`, `ComputeError`, `DuplicateColumn`.
 * @since 0.1.0 @category projection
 */
export const select: {
  (...exprs: ReadonlyArray<string | Expr>): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | EvalError | DuplicateColumn, R>
  <E, R>(self: LazyFrame<E, R>, ...exprs: ReadonlyArray<string | Expr>): LazyFrame<E | EvalError | DuplicateColumn, R>
} = dual(isArgs, (self: AnyLazy, ...exprs: ReadonlyArray<string | Expr>) =>
  wrap(self, { _tag: "Select", input: self.plan, exprs: exprs.map(node) })
)

/**
 * Adds or replaces columns, as `Frame.withColumns`. **Errors** as `select`.
 * @since 0.1.0 @category projection
 */
export const withColumns: {
  (...exprs: ReadonlyArray<Expr>): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | EvalError | DuplicateColumn, R>
  <E, R>(self: LazyFrame<E, R>, ...exprs: ReadonlyArray<Expr>): LazyFrame<E | EvalError | DuplicateColumn, R>
} = dual(isArgs, (self: AnyLazy, ...exprs: ReadonlyArray<Expr>) =>
  wrap(self, { _tag: "WithColumns", input: self.plan, exprs: exprs.map(node) })
)

/**
 * Keeps the rows where the Boolean `predicate` is true (null counts as false), as `Frame.filter`.
 * **Errors** `ColumnNotFound`, `TypeMismatch`, `ResolveErrors`, `ComputeError`.
 * @since 0.1.0 @category filtering
 */
export const filter: {
  (predicate: Expr): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | EvalError, R>
  <E, R>(self: LazyFrame<E, R>, predicate: Expr): LazyFrame<E | EvalError, R>
} = dual(2, (self: AnyLazy, predicate: Expr) => wrap(self, { _tag: "Filter", input: self.plan, predicate: predicate.node }))

/** Removes columns, as `Frame.drop`. **Errors** `ColumnNotFound` (all missing names: `ResolveErrors`). @since 0.1.0 @category projection */
export const drop: {
  (...names: ReadonlyArray<string>): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | ColumnNotFound | ResolveErrors, R>
  <E, R>(self: LazyFrame<E, R>, ...names: ReadonlyArray<string>): LazyFrame<E | ColumnNotFound | ResolveErrors, R>
} = dual(isArgs, (self: AnyLazy, ...names: ReadonlyArray<string>) => wrap(self, { _tag: "Drop", input: self.plan, names }))

/** Renames columns by `{ old: new }`, as `Frame.rename`. **Errors** `ColumnNotFound`, `DuplicateColumn`. @since 0.1.0 @category projection */
export const rename: {
  (mapping: { readonly [old: string]: string }): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | ColumnNotFound | ResolveErrors | DuplicateColumn, R>
  <E, R>(self: LazyFrame<E, R>, mapping: { readonly [old: string]: string }): LazyFrame<E | ColumnNotFound | ResolveErrors | DuplicateColumn, R>
} = dual(2, (self: AnyLazy, mapping: { readonly [old: string]: string }) => wrap(self, { _tag: "Rename", input: self.plan, mapping }))

/** Sorts stably by keys, as `Frame.sort`. **Errors** `ColumnNotFound`, `TypeMismatch`, `ResolveErrors`, `ComputeError`. @since 0.1.0 @category ordering */
export const sort: {
  (by: string | Expr | ReadonlyArray<string | Expr>, options?: SortOptions): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | EvalError, R>
  <E, R>(self: LazyFrame<E, R>, by: string | Expr | ReadonlyArray<string | Expr>, options?: SortOptions): LazyFrame<E | EvalError, R>
} = dual(
  (args) => isLazyFrame(args[0]),
  (self: AnyLazy, by: string | Expr | ReadonlyArray<string | Expr>, options?: SortOptions) =>
    wrap(self, { _tag: "Sort", input: self.plan, by: (Array.isArray(by) ? by : [by as string | Expr]).map(node), options: options ?? {} })
)

const sliceOf = (self: AnyLazy, offset: number, length: number | undefined) => wrap(self, { _tag: "Slice", input: self.plan, offset, length })

/** Rows `[offset, offset + length)` (negative offset: from the end), as `Frame.slice`. **Errors** `InvalidArgument`. @since 0.1.0 @category slicing */
export const slice: {
  (offset: number, length?: number): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | InvalidArgument, R>
  <E, R>(self: LazyFrame<E, R>, offset: number, length?: number): LazyFrame<E | InvalidArgument, R>
} = dual((args) => isLazyFrame(args[0]), (self: AnyLazy, offset: number, length?: number) => sliceOf(self, offset, length))

/** The first `n` rows (default 10); pushed into scans so reading stops early. **Errors** `InvalidArgument`. @since 0.1.0 @category slicing */
export const head: {
  (n?: number): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | InvalidArgument, R>
  <E, R>(self: LazyFrame<E, R>, n?: number): LazyFrame<E | InvalidArgument, R>
} = dual((args) => isLazyFrame(args[0]), (self: AnyLazy, n = 10) => sliceOf(self, 0, n))

/** The last `n` rows (default 10). **Errors** `InvalidArgument`. @since 0.1.0 @category slicing */
export const tail: {
  (n?: number): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | InvalidArgument, R>
  <E, R>(self: LazyFrame<E, R>, n?: number): LazyFrame<E | InvalidArgument, R>
} = dual((args) => isLazyFrame(args[0]), (self: AnyLazy, n = 10) => (n === 0 ? sliceOf(self, 0, 0) : sliceOf(self, -n, n)))

/** Removes duplicate rows, as `Frame.unique`. **Errors** `ColumnNotFound`. @since 0.1.0 @category filtering */
export const unique: {
  (options?: UniqueOptions): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | ColumnNotFound | ResolveErrors, R>
  <E, R>(self: LazyFrame<E, R>, options?: UniqueOptions): LazyFrame<E | ColumnNotFound | ResolveErrors, R>
} = dual((args) => isLazyFrame(args[0]), (self: AnyLazy, options?: UniqueOptions) => wrap(self, { _tag: "Unique", input: self.plan, options: options ?? {} }))

/** The grouped lazy frame awaiting its aggregations. @since 0.1.0 @category models */
export interface LazyGroupBy<E, R> {
  agg(...exprs: ReadonlyArray<Expr>): LazyFrame<E | EvalError | DuplicateColumn, R>
}
/** The data-last form of `groupBy`. @since 0.1.0 @category models */
export interface LazyGroupByDataLast {
  agg(...exprs: ReadonlyArray<Expr>): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | EvalError | DuplicateColumn, R>
}

/**
 * Groups by keys for `.agg(...)`, as `Frame.groupBy`: one row per group, key columns first.
 * **Errors** `ColumnNotFound`, `TypeMismatch` (a column outside an aggregation), `ResolveErrors`, `ComputeError`,
 * `DuplicateColumn`.
 * @since 0.1.0 @category grouping
 */
export const groupBy: {
  (keys: string | Expr | ReadonlyArray<string | Expr>, options?: GroupByOptions): LazyGroupByDataLast
  <E, R>(self: LazyFrame<E, R>, keys: string | Expr | ReadonlyArray<string | Expr>, options?: GroupByOptions): LazyGroupBy<E, R>
} = ((...args: ReadonlyArray<unknown>) => {
  const lazy = isLazyFrame(args[0])
  const [keys, options] = (lazy ? args.slice(1) : args) as [string | Expr | ReadonlyArray<string | Expr>, GroupByOptions | undefined]
  const ks = (Array.isArray(keys) ? keys : [keys as string | Expr]).map(node)
  const build = (self: AnyLazy, exprs: ReadonlyArray<Expr>) =>
    wrap(self, { _tag: "GroupByAgg", input: self.plan, keys: ks, aggs: exprs.map(node), maintainOrder: options?.maintainOrder ?? true })
  return lazy
    ? { agg: (...exprs: ReadonlyArray<Expr>) => build(args[0] as AnyLazy, exprs) }
    : { agg: (...exprs: ReadonlyArray<Expr>) => (self: AnyLazy) => build(self, exprs) }
}) as never

/**
 * Hash join, as `Frame.join` (same options, rows, order and column naming).
 * **Errors** `ColumnNotFound`, `TypeMismatch`, `InvalidArgument`, `DuplicateColumn`.
 * @since 0.1.0 @category joining
 */
export const join: {
  <E2, R2>(other: LazyFrame<E2, R2>, options: JoinOptions): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | E2 | ColumnNotFound | TypeMismatch | ResolveErrors | InvalidArgument | DuplicateColumn, R | R2>
  <E, R, E2, R2>(self: LazyFrame<E, R>, other: LazyFrame<E2, R2>, options: JoinOptions): LazyFrame<E | E2 | ColumnNotFound | TypeMismatch | ResolveErrors | InvalidArgument | DuplicateColumn, R | R2>
} = dual(
  (args) => isLazyFrame(args[0]) && isLazyFrame(args[1]),
  (self: AnyLazy, other: AnyLazy, options: JoinOptions) => wrap(self, { _tag: "Join", left: self.plan, right: other.plan, options })
)

type ErrorOf<L> = L extends LazyFrame<infer E, infer _R> ? E : never
type ServicesOf<L> = L extends LazyFrame<infer _E, infer R> ? R : never

/**
 * Combines lazy frames, as `Frame.concat` ("vertical", "diagonal", "horizontal"). **Errors** `ShapeMismatch`,
 * `DuplicateColumn`.
 * @since 0.1.0 @category combining
 */
export const concat = <const Ls extends ReadonlyArray<AnyLazy>>(
  frames: Ls,
  options: { readonly how?: ConcatHow } = {}
): LazyFrame<ErrorOf<Ls[number]> | ShapeMismatch | DuplicateColumn, ServicesOf<Ls[number]>> =>
  fromPlan({ _tag: "Concat", inputs: frames.map((f) => f.plan), how: options.how ?? "vertical" })

// ---------------------------------------------------------------------------------------------------------------
// reshaping, summaries, sampling, row index
// ---------------------------------------------------------------------------------------------------------------

/**
 * Long to wide, as `Frame.pivot` (Polars `pivot`): one row per distinct `index`, one column per distinct value of
 * `on`. A `MapFrame` node: an optimization barrier (filters, slices and projections above it stay above it, and
 * its input is read whole). Its output columns depend on the data, so the nodes above it are checked when it runs
 * (not before any I/O), and `schema` of such a plan fails with `InvalidArgument`.
 * **Errors** `ColumnNotFound`, `TypeMismatch`, `DuplicateColumn` (a pivoted value equal to an index name).
 * @since 0.1.0 @category reshaping
 */
export const pivot: {
  (options: PivotOptions): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | EvalError | DuplicateColumn | InvalidArgument, R>
  <E, R>(self: LazyFrame<E, R>, options: PivotOptions): LazyFrame<E | EvalError | DuplicateColumn | InvalidArgument, R>
} = dual(2, (self: AnyLazy, options: PivotOptions) => wrap(self, { _tag: "MapFrame", input: self.plan, op: { verb: "pivot", options } }))

/**
 * Wide to long, as `Frame.unpivot` (Polars `unpivot`): `height × on.length` rows, column-major. Filters on
 * `index` columns move below it; the input is narrowed to `index` and `on` when `on` is given.
 * **Errors** `ColumnNotFound`, `TypeMismatch` (`on` columns without a common supertype).
 * @since 0.1.0 @category reshaping
 */
export const unpivot: {
  (options?: UnpivotOptions): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | ColumnNotFound | TypeMismatch, R>
  <E, R>(self: LazyFrame<E, R>, options?: UnpivotOptions): LazyFrame<E | ColumnNotFound | TypeMismatch, R>
} = dual(
  (args) => isLazyFrame(args[0]),
  (self: AnyLazy, options?: UnpivotOptions) => wrap(self, { _tag: "Unpivot", input: self.plan, options: options ?? {} })
)

/**
 * One row per element of the List column(s), as `Frame.explode`. Filters that read none of the exploded columns
 * move below it. **Errors** `ColumnNotFound`, `TypeMismatch` (not a List), `ShapeMismatch` (unequal list lengths).
 * @since 0.1.0 @category reshaping
 */
export const explode: {
  (columns: string | ReadonlyArray<string>): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | ColumnNotFound | TypeMismatch | ShapeMismatch, R>
  <E, R>(self: LazyFrame<E, R>, columns: string | ReadonlyArray<string>): LazyFrame<E | ColumnNotFound | TypeMismatch | ShapeMismatch, R>
} = dual(2, (self: AnyLazy, columns: string | ReadonlyArray<string>) =>
  wrap(self, { _tag: "Explode", input: self.plan, columns: typeof columns === "string" ? [columns] : columns })
)

/**
 * Summary statistics, as `Frame.describe` (Polars `describe`). A `MapFrame` node (barrier); its schema is known
 * before running (a `statistic` column, then Float64 or Utf8 per input column).
 * @since 0.1.0 @category summarizing
 */
export const describe = <E, R>(self: LazyFrame<E, R>): LazyFrame<E, R> =>
  fromPlan({ _tag: "MapFrame", input: self.plan, op: { verb: "describe" } })

/** The null count of every column (one row, UInt32), as `Frame.nullCount`. A `MapFrame` node (barrier). @since 0.1.0 @category summarizing */
export const nullCount = <E, R>(self: LazyFrame<E, R>): LazyFrame<E, R> =>
  fromPlan({ _tag: "MapFrame", input: self.plan, op: { verb: "nullCount" } })

let nonce = 0

/**
 * A random sample of rows, as `Frame.sample` (deterministic for a `seed`). A `MapFrame` node (barrier). Without a
 * seed each run draws again, and two unseeded samples are never merged by common subplan elimination.
 * **Errors** `InvalidArgument` (n > height without replacement, a fraction outside [0, 1]).
 * @since 0.1.0 @category slicing
 */
export const sample: {
  (options: SampleOptions): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | InvalidArgument, R>
  <E, R>(self: LazyFrame<E, R>, options: SampleOptions): LazyFrame<E | InvalidArgument, R>
} = dual(2, (self: AnyLazy, options: SampleOptions) =>
  wrap(self, { _tag: "MapFrame", input: self.plan, op: { verb: "sample", options, nonce: options.seed === undefined ? nonce++ : undefined } })
)

/**
 * Prepends a UInt32 row-index column (default name "index", from `offset`), as `Frame.withRowIndex`. `head` moves
 * below it; filters stay above it (the index counts the rows before filtering).
 * **Errors** `DuplicateColumn` (the name exists), `InvalidArgument` (a bad offset).
 * @since 0.1.0 @category projection
 */
export const withRowIndex: {
  (name?: string, offset?: number): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | DuplicateColumn | InvalidArgument, R>
  <E, R>(self: LazyFrame<E, R>, name?: string, offset?: number): LazyFrame<E | DuplicateColumn | InvalidArgument, R>
} = dual(
  (args) => isLazyFrame(args[0]),
  (self: AnyLazy, name?: string, offset?: number) => wrap(self, { _tag: "WithRowIndex", input: self.plan, name: name ?? "index", offset: offset ?? 0 })
)

// ---------------------------------------------------------------------------------------------------------------
// time series
// ---------------------------------------------------------------------------------------------------------------

/**
 * As-of join, as `TimeSeries.joinAsof` (Polars `join_asof`): one output row per left row, in left order, with the
 * matching right row's columns. Filters that read only left `by` columns move into the left input (they remove
 * whole `by` groups, whose rows match only right rows of the same group); nothing moves into the right input.
 * Both inputs are narrowed to the columns needed (keys and colliding names kept, so suffixes do not change).
 * **Errors** `JoinAsofError`: `ColumnNotFound`, `TypeMismatch`, `InvalidArgument`, `InvalidDuration`, `NotSorted`,
 * `DuplicateColumn`. A `NotSorted` left input whose unsorted rows are in a `by` group that a pushed-down filter
 * removes is not reported (as in Polars, where the check runs on the filtered input).
 * @since 0.1.0 @category joining
 */
export const joinAsof: {
  <E2, R2>(right: LazyFrame<E2, R2>, options: JoinAsofOptions): <E, R>(left: LazyFrame<E, R>) => LazyFrame<E | E2 | JoinAsofError, R | R2>
  <E, R, E2, R2>(left: LazyFrame<E, R>, right: LazyFrame<E2, R2>, options: JoinAsofOptions): LazyFrame<E | E2 | JoinAsofError, R | R2>
} = dual(
  (args) => isLazyFrame(args[0]) && isLazyFrame(args[1]),
  (left: AnyLazy, right: AnyLazy, options: JoinAsofOptions) => wrap(left, { _tag: "JoinAsof", left: left.plan, right: right.plan, options })
)

/**
 * Time windows aggregated, as `TimeSeries.groupByDynamic` (Polars `group_by_dynamic(...).agg(...)`). An
 * optimization barrier for filters and slices (filters on `by` columns are not moved below it); its input is
 * narrowed to the index, `by` and aggregated columns.
 * **Errors** `WindowError` (see `TimeSeries.groupByDynamic`).
 * @since 0.1.0 @category windows
 */
export const groupByDynamic: {
  (options: GroupByDynamicOptions, aggs: ReadonlyArray<Expr>): <E, R>(self: LazyFrame<E, R>) => LazyFrame<E | WindowError, R>
  <E, R>(self: LazyFrame<E, R>, options: GroupByDynamicOptions, aggs: ReadonlyArray<Expr>): LazyFrame<E | WindowError, R>
} = dual(3, (self: AnyLazy, options: GroupByDynamicOptions, aggs: ReadonlyArray<Expr>) =>
  wrap(self, { _tag: "GroupByDynamic", input: self.plan, options, aggs: aggs.map(node) })
)

// ---------------------------------------------------------------------------------------------------------------
// running
// ---------------------------------------------------------------------------------------------------------------

/** Resolution in two steps (see the module doc); gives the plan with every scan's schema known. */
const resolved = <E, R>(self: LazyFrame<E, R>): Effect.Effect<Plan, E, R> =>
  Effect.gen(function* () {
    const early = toError(problemsOf(self.plan))
    if (early !== undefined) return yield* Effect.fail(early)
    const plan = yield* loadSchemas(self.plan)
    const late = toError(problemsOf(plan))
    if (late !== undefined) return yield* Effect.fail(late)
    return plan
  }) as never

/** Options of `explain`. @since 0.1.0 @category models */
export interface ExplainOptions {
  /** The optimized plan (default true), or the plan as built. */
  readonly optimized?: boolean
  /** Mark the nodes that cannot stream with `[streaming: no — in memory: <reason>]` (default false). */
  readonly streaming?: boolean
}

/**
 * The plan as text, one node per line with inputs indented below their parent, as Polars `explain(optimized=…)`.
 * Resolves the plan first (reading file scans' metadata when their schema was not given).
 * **Errors** the resolution errors of the plan, and the metadata errors of its scans.
 * @since 0.1.0 @category destructors
 */
export const explain = <E, R>(self: LazyFrame<E, R>, options: ExplainOptions = {}): Effect.Effect<string, E, R> =>
  Effect.map(resolved(self), (plan) => {
    const p = options.optimized === false ? plan : optimize(plan)
    return options.streaming === true ? explainStreaming(p) : explainPlan(p)
  })

/**
 * The output schema of the query, resolved without reading data (file scans without a schema read their metadata).
 * **Errors** the resolution errors of the plan; `InvalidArgument` when the schema depends on the data (a `pivot`
 * in the plan: its columns are the distinct values of `on`).
 * @since 0.1.0 @category getters
 */
export const schema = <E, R>(self: LazyFrame<E, R>): Effect.Effect<ReadonlyArray<Field>, E, R> =>
  Effect.flatMap(resolved(self), (plan) => {
    const s = schemaOf(plan)
    return s.unknown
      ? Effect.fail(
          new InvalidArgumentError({ argument: "plan", message: "the schema depends on the data (a pivot's columns are the values of `on`): collect the query" })
        )
      : Effect.succeed(s.fields)
  }) as never

/** Options of `collect`. @since 0.1.0 @category models */
export interface CollectOptions {
  /** Run the optimizer (default true). `false` runs the plan as built (for comparisons and debugging). */
  readonly optimize?: boolean
  /**
   * Run in streaming mode (default false): batch by batch in bounded memory (see `docs/lazy.md`, "Streaming
   * execution"). A node that cannot stream fails the run with `InvalidArgument` naming it, unless `allowFallback`.
   */
  readonly streaming?: boolean
  /** With `streaming`, run the nodes that cannot stream in memory instead of failing (default false). */
  readonly allowFallback?: boolean
  /** With `streaming`: rows per scan batch (default 65 536) and per sort run before spilling (default 1 048 576). */
  readonly batchSize?: number
  readonly sortRunRows?: number
}

const streamOptions = (o: CollectOptions) => ({
  batchSize: o.batchSize ?? streamDefaults.batchSize,
  sortRunRows: o.sortRunRows ?? streamDefaults.sortRunRows,
  allowFallback: o.allowFallback ?? false
})

/**
 * Runs the query: resolves the whole plan (every problem at once, before any data is read), optimizes it and
 * executes it with the eager verbs, as Polars `collect`.
 * **Errors** `E`: the errors of the verbs and scans in the plan.
 * @since 0.1.0 @category running
 */
export const collect = <E, R>(self: LazyFrame<E, R>, options: CollectOptions = {}): Effect.Effect<Frame, E, R> =>
  Effect.flatMap(resolved(self), (plan) => {
    const p = options.optimize === false ? plan : optimize(plan)
    return options.streaming === true ? collectStreaming(p, streamOptions(options)) : execute(p)
  }) as never

/**
 * The query's output as a stream of record batches (`Frame`s of at most `batchSize` rows), run in streaming mode
 * (as `collect(lf, { streaming: true })`, pulled by the consumer: a slow consumer slows the scans, and ending the
 * stream early stops them). **Errors** as `collect`, plus `InvalidArgument` naming a node that cannot stream
 * (unless `allowFallback`).
 * @since 0.1.0 @category running
 */
export const toStream = <E, R>(
  self: LazyFrame<E, R>,
  options: Omit<CollectOptions, "streaming"> = {}
): Stream.Stream<Frame, E | InvalidArgument, R> =>
  StreamM.unwrap(
    Effect.map(resolved(self), (plan) => compileStreaming(options.optimize === false ? plan : optimize(plan), streamOptions(options)))
  ) as never

/** Options of the `sink*` functions: how the query runs (as `toStream`) and what the sink writes. @since 0.1.0 @category models */
export type SinkRunOptions<S> = Omit<CollectOptions, "streaming"> & S

const sinkWith =
  <S>(make: (path: string, options: S) => Sink.Sink<PStream.SinkResult, Frame, never, SourceError | PlatformError, FileSystem>) =>
  <E, R>(
    self: LazyFrame<E, R>,
    path: string,
    options: SinkRunOptions<S>
  ): Effect.Effect<PStream.SinkResult, E | InvalidArgument | SourceError | PlatformError, R | FileSystem> =>
    StreamM.run(toStream(self, options), make(path, options))

type SinkFn<S> = {
  (path: string, options?: SinkRunOptions<S>): <E, R>(
    self: LazyFrame<E, R>
  ) => Effect.Effect<PStream.SinkResult, E | InvalidArgument | SourceError | PlatformError, R | FileSystem>
  <E, R>(
    self: LazyFrame<E, R>,
    path: string,
    options?: SinkRunOptions<S>
  ): Effect.Effect<PStream.SinkResult, E | InvalidArgument | SourceError | PlatformError, R | FileSystem>
}

const sinkDual = <S>(make: (path: string, options: S) => Sink.Sink<PStream.SinkResult, Frame, never, SourceError | PlatformError, FileSystem>): SinkFn<S> => {
  const run = sinkWith(make)
  return dual((args) => isLazyFrame(args[0]), (self: AnyLazy, path: string, options?: SinkRunOptions<S>) =>
    run(self, path, options ?? ({} as SinkRunOptions<S>))
  ) as SinkFn<S>
}

/**
 * Runs the query in streaming mode (as {@link toStream}) into one Parquet file, as Polars `sink_parquet`: row groups
 * of at most `rowGroupSize` rows (default 1 048 576), `compression` as `Source.writeParquet` (default "zstd").
 * Written to a temporary file in the target's directory and renamed onto `path` on success: a failing or
 * interrupted run leaves no file (and an existing `path` untouched). Each row group is encoded and written as it
 * fills (see `Stream.sinkParquet`), so the sink holds about one row group, not the query's output.
 * **Errors** as `toStream` (the plan's errors, `InvalidArgument` for a node that cannot stream without
 * `allowFallback`), plus the sink's `SourceError` and `PlatformError`.
 * @since 0.1.0 @category running
 */
export const sinkParquet: SinkFn<PStream.SinkParquetOptions> = sinkDual(PStream.sinkParquet)

/**
 * Runs the query in streaming mode into one CSV file (header once, then each batch as it arrives; format as
 * `Source.writeCsv`), atomically (temporary file + rename), as Polars `sink_csv`. Memory: one batch's text.
 * **Errors** as {@link sinkParquet}; `SourceError` for List/Struct columns.
 * @since 0.1.0 @category running
 */
export const sinkCsv: SinkFn<WriteCsvOptions & PStream.SinkOptions> = sinkDual(PStream.sinkCsv)

/**
 * Runs the query in streaming mode into one NDJSON file (one object per row and line, values as `Frame.toRows`),
 * atomically, as Polars `sink_ndjson`. **Errors** as {@link sinkParquet}.
 * @since 0.1.0 @category running
 */
export const sinkNdjson: SinkFn<PStream.SinkOptions> = sinkDual(PStream.sinkNdjson)

/**
 * Runs the query in streaming mode into one Arrow IPC file (`format: "file"`, default) or stream, atomically, as
 * Polars `sink_ipc`. **Errors** as {@link sinkParquet}.
 * @since 0.1.0 @category running
 */
export const sinkIpc: SinkFn<PStream.SinkOptions & { readonly format?: "file" | "stream" | undefined }> = sinkDual(PStream.sinkIpc)

/** What `profile` gives: the result, and per node of the optimized plan its rows and wall time. @since 0.1.0 @category models */
export interface Profile {
  readonly frame: Frame
  /** Nodes in plan order (a parent before its inputs); `depth` is the indentation in `explain`. */
  readonly nodes: ReadonlyArray<NodeProfile>
  /** The profile as text: one node per line, rows and milliseconds (self / total). */
  readonly text: string
}

/**
 * Runs the query like `collect` and reports, per node, the rows it produced and the time spent in it, as Polars
 * `profile`. **Errors** as `collect`.
 * @since 0.1.0 @category running
 */
export const profile = <E, R>(self: LazyFrame<E, R>): Effect.Effect<Profile, E, R> =>
  Effect.flatMap(resolved(self), (plan) => {
    const nodes: Array<NodeProfile> = []
    return Effect.map(execute(optimize(plan), nodes), (frame) => ({
      frame,
      nodes,
      text: nodes
        .map((n) => `${"  ".repeat(n.depth)}${n.node}  rows=${n.rows} self=${n.selfMs.toFixed(2)}ms total=${n.totalMs.toFixed(2)}ms`)
        .join("\n")
    }))
  }) as never

export type { EffectT as _EffectT, PlatformError as _PlatformError, SourceError as _SourceError }
