/**
 * Immutable, columnar data frames over Arrow memory, and the eager verbs on them.
 *
 * Every verb returns an `Effect` whose error channel is the precise union of what can go wrong, and accepts as its
 * subject either a `Frame` or an `Effect` producing one, so a pipeline reads as one expression and its error type
 * is the union of every step's:
 *
 * ```ts
 * import { Effect, pipe } from "effect"
 * import { Frame, Source } from "polaroid"
 * import { col } from "polaroid/Expr"
 *
 * const program = pipe(
 *   Source.readParquet("trades.parquet"),             // Effect<Frame, SourceError | PlatformError, FileSystem>
 *   Frame.filter(col("size").gt(100)),                // + ColumnNotFound | TypeMismatch | …
 *   Frame.groupBy("sym").agg(col("px").mean().alias("avg_px"))
 * )                                                   // one Effect, errors unioned
 * ```
 *
 * Verbs are dual: `Frame.head(frame, 5)` and `pipe(frame, Frame.head(5))` are the same.
 *
 * @since 0.1.0
 */
import type * as A from "apache-arrow"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Expr } from "../Expr/Expr.ts"
import * as Arrow from "../internal/arrow.ts"
import * as Build from "../internal/build.ts"
import * as C from "../internal/column.ts"
import type { Column } from "../internal/column.ts"
import type { DisplayOptions } from "../internal/display.ts"
import * as Engine from "../internal/expr/engine.ts"
import * as F from "../internal/frame.ts"
import type { AnyRow, FrameLike } from "../internal/frame.ts"
import * as Verbs from "../internal/verbs/index.ts"
import type { DataType, Field } from "./DataType.ts"
import type {
  ColumnNotFound,
  ComputeError,
  DuplicateColumn,
  InvalidArgument,
  ResolveErrors,
  ShapeMismatch,
  TypeMismatch
} from "./Errors.ts"
import {
  DuplicateColumn as DuplicateColumnError,
  InvalidArgument as InvalidArgumentError,
  ShapeMismatch as ShapeMismatchError
} from "./Errors.ts"

export type { Column } from "../internal/column.ts"
export type { DisplayOptions } from "../internal/display.ts"
export type { AnyRow, Batch, FrameLike } from "../internal/frame.ts"

/**
 * An immutable table: a schema (names and dtypes) and its columns in Arrow layout, possibly in several record
 * batches. `A` is the static row type when known (from a Schema or literal columns), else `AnyRow`.
 * @since 0.1.0 @category models
 */
export type Frame<A extends AnyRow = AnyRow> = F.Frame<A>

/** Errors of resolving expressions against a schema. @since 0.1.0 @category errors */
export type ExprError = ColumnNotFound | TypeMismatch | ResolveErrors
/** Errors of resolving and evaluating expressions. @since 0.1.0 @category errors */
export type EvalError = ExprError | ComputeError

/** @since 0.1.0 @category guards */
export const isFrame: (u: unknown) => u is Frame = F.isFrame

// ---------------------------------------------------------------------------------------------------------------
// constructors
// ---------------------------------------------------------------------------------------------------------------

/** What a column may be given as to `make`. @since 0.1.0 @category models */
export type ColumnInput =
  | ReadonlyArray<unknown>
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array
  | Column

/**
 * The JS value type of a column given as JS values: literal types widened (`1 | 2.5` → number, `"a"` → string),
 * `undefined` → null (as `toRows` gives it), element-wise for arrays (List) and objects (Struct).
 * @since 0.1.0 @category models
 */
export type Widen<V> = WidenScalar<Exclude<V, ReadonlyArray<unknown>>> | WidenArrays<Extract<V, ReadonlyArray<unknown>>>
type WidenArrays<V extends ReadonlyArray<unknown>> = [V] extends [never] ? never : ReadonlyArray<Widen<V[number]>>
type WidenScalar<V> = V extends string
  ? string
  : V extends number
    ? number
    : V extends boolean
      ? boolean
      : V extends bigint
        ? bigint
        : V extends undefined
          ? null
          : V extends Date
            ? Date
            : V extends object
              ? { readonly [K in keyof V]-?: Widen<V[K]> }
              : V

/** The JS value type of a column input. @since 0.1.0 @category models */
export type ValueOf<I> = I extends BigInt64Array | BigUint64Array
  ? bigint
  : I extends Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array
    ? number
    : I extends ReadonlyArray<infer V>
      ? Widen<V>
      : unknown

/**
 * A frame from named columns: JS arrays (dtype inferred as nodejs-polars does: numbers → Float64, bigint → Int64,
 * strings → Utf8, booleans → Boolean, Dates → Timestamp(ms), arrays → List, objects → Struct; null/undefined are
 * nulls), typed arrays (shared, zero-copy: Float64Array → Float64, Int32Array → Int32, BigInt64Array → Int64 …) or
 * columns. `dtypes` overrides the inferred dtype per column (e.g. `{ ts: DataType.Timestamp("ms", "UTC") }`).
 *
 * Shape: one column per key, in key order; every column must have the same length.
 * **Errors** `ShapeMismatch` (lengths differ, or a value does not fit its dtype: names the column and row).
 * @since 0.1.0 @category constructors
 */
export const make = <const Cols extends { readonly [name: string]: ColumnInput }>(
  columns: Cols,
  options: { readonly dtypes?: { readonly [K in keyof Cols]?: DataType } } = {}
): Effect.Effect<Frame<{ readonly [K in keyof Cols & string]: ValueOf<Cols[K]> }>, ShapeMismatch> =>
  Effect.suspend(() => {
    const names = Object.keys(columns)
    const cols: Array<Column> = []
    for (const name of names) {
      const input = columns[name]!
      const dtype = (options.dtypes as Record<string, DataType | undefined> | undefined)?.[name]
      if (isColumn(input)) cols.push(input)
      else if (!Array.isArray(input) && dtype === undefined) cols.push(Build.fromTypedArray(input as C.Values))
      else {
        const r = Build.fromValues(Array.isArray(input) ? input : Array.from(input as ArrayLike<unknown>), dtype)
        if (r._tag === "Err")
          return Effect.fail(
            new ShapeMismatchError({
              message: `column "${name}", row ${r.row}: expected ${r.expected}, found ${r.found}`
            })
          )
        cols.push(r.column)
      }
    }
    return Effect.mapError(F.fromColumns(names, cols), (e) =>
      e._tag === "ShapeMismatch" ? e : new ShapeMismatchError({ message: e.message })
    ) as Effect.Effect<Frame<never>, ShapeMismatch>
  })

const isColumn = (u: unknown): u is Column =>
  typeof u === "object" && u !== null && "dtype" in u && "values" in u && "nullCount" in u

/** A frame with no rows of the given schema. @since 0.1.0 @category constructors */
export const empty = (schema: ReadonlyArray<Field> = []): Frame =>
  F.fromColumnsUnsafe(
    schema.map((f) => f.name),
    schema.map((f) => C.nulls(f.dtype, 0))
  )

/**
 * A frame over an Arrow table, zero-copy: each record batch stays a batch and every buffer whose layout matches
 * ours (all fixed-width numerics, Utf8 with Int32 offsets, Int32 dictionaries, validity at a byte offset) is shared,
 * not copied. LargeUtf8, Float16, Date64 and bitmaps at a bit offset are converted.
 * **Errors** `InvalidArgument` for Arrow types polaroid does not model (Binary, Union, Interval, Time…), naming
 * the column.
 * @since 0.1.0 @category constructors
 */
export const fromArrow = (table: A.Table): Effect.Effect<Frame, InvalidArgument> =>
  Effect.suspend(() => {
    try {
      const schema = table.schema.fields.map((f) => ({ name: f.name, dtype: Arrow.dtypeFromArrow(f.type) }))
      const batches = table.batches.map((b) => ({
        length: b.numRows,
        columns: b.data.children.map((d) => Arrow.columnFromData(d))
      }))
      return Effect.succeed(F.unsafeMake(schema, batches))
    } catch (e) {
      return Effect.fail(
        new InvalidArgumentError({ argument: "table", message: `unsupported Arrow type: ${(e as Error).message}` })
      )
    }
  })

/**
 * The frame as an Arrow table, zero-copy: one record batch per batch of the frame, sharing every buffer.
 * Categorical becomes Dictionary<Utf8, Int32>, Date DateDay, Decimal Decimal128.
 * @since 0.1.0 @category destructors
 */
export const toArrow = (self: Frame): A.Table => Arrow.toTable(self)

// ---------------------------------------------------------------------------------------------------------------
// accessors
// ---------------------------------------------------------------------------------------------------------------

/**
 * One column by name, contiguous (batches are concatenated once and memoized).
 * **Errors** `ColumnNotFound` (with the available names).
 * @since 0.1.0 @category getters
 */
export const getColumn: {
  (name: string): <A extends AnyRow>(self: Frame<A>) => Effect.Effect<Column, ColumnNotFound>
  <A extends AnyRow>(self: Frame<A>, name: string): Effect.Effect<Column, ColumnNotFound>
} = dual(2, (self: Frame, name: string) => F.getColumn(self, name))

/** The dtype of each column, by name. @since 0.1.0 @category getters */
export const schema = (self: Frame): ReadonlyArray<Field> => self.schema

/**
 * The rows as objects keyed by column name. Values: number (≤32-bit ints, floats), bigint (Int64, UInt64,
 * Duration), boolean, string (Utf8, Categorical), Date (Date, Timestamp at ms precision), decimal strings, arrays
 * (List), objects (Struct), null. Builds one object per row: for inspection and tests, not for hot paths.
 * @since 0.1.0 @category destructors
 */
export const toRows = <A extends AnyRow>(self: Frame<A>): Array<A> => {
  const cols = F.contiguous(self)
  const names = self.columns
  const out = new Array<A>(self.height)
  for (let i = 0; i < self.height; i++) {
    const row: Record<string, unknown> = {}
    for (let j = 0; j < cols.length; j++) row[names[j]!] = C.getValue(cols[j]!, i)
    out[i] = row as A
  }
  return out
}

/** The columns as JS arrays keyed by name (values as in `toRows`). @since 0.1.0 @category destructors */
export const toColumns = <A extends AnyRow>(self: Frame<A>): { [K in keyof A]: Array<A[K]> } => {
  const cols = F.contiguous(self)
  const out: Record<string, Array<unknown>> = {}
  self.columns.forEach((name, j) => {
    out[name] = C.toArray(cols[j]!)
  })
  return out as { [K in keyof A]: Array<A[K]> }
}

/**
 * Renders the frame as Polars does: shape, a box with names and dtypes, the first and last rows (10 in all by
 * default) with "…" between, and the middle columns elided for wide frames.
 * @since 0.1.0 @category formatting
 */
export const toString = (self: Frame, options?: DisplayOptions): string =>
  F.render(self, options)

/** Writes `toString(self)` to the `Console` service. @since 0.1.0 @category formatting */
export const print = <A extends AnyRow, E = never, R = never>(
  self: FrameLike<A, E, R>,
  options?: DisplayOptions
): Effect.Effect<Frame<A>, E, R> => F.withFrame(self, (frame) => Effect.as(Console.log(toString(frame, options)), frame))

// ---------------------------------------------------------------------------------------------------------------
// type-level helpers
// ---------------------------------------------------------------------------------------------------------------

/** Fails to compile when `K` holds a name that a typed frame `A` lacks; any name passes for untyped frames. */
type Known<A, K> = string extends keyof A ? unknown : [K] extends [keyof A] ? unknown : { readonly "unknown column": Exclude<K, keyof A> }

/** The output name: the alias of an aliased expression (see `Alias` in Expr), else the name itself. */
type Unalias<N> = N extends { readonly "~alias": infer M } ? M : N
/** The name an expression had before any alias: the column it reads first (or "literal"/"len"). */
type SourceOf<N> = N extends { readonly "~from": infer F } ? SourceOf<F> : N
type NameOf<E> = E extends string ? E : E extends Expr<infer N, unknown> ? Unalias<N> : never
type TypeOf<A, E> = E extends string
  ? E extends keyof A
    ? A[E]
    : unknown
  : E extends Expr<infer N, infer T>
    ? unknown extends T
      ? SourceOf<N> extends keyof A
        ? A[SourceOf<N>]
        : unknown
      : T
    : never
/** The column names that names and expressions read (an expression's left-most column; not literals or len()). */
type ColumnsOf<Es extends ReadonlyArray<unknown>> =
  | Extract<Es[number], string>
  | (Es[number] extends infer E ? (E extends Expr<infer N, unknown> ? (SourceOf<N> extends "literal" | "len" ? never : SourceOf<N>) : never) : never)
type Simplify<T> = { readonly [K in keyof T]: T[K] } & {}

/** The row type of a frame or of an Effect producing one. */
type SubjectRow<S> = S extends F.Frame<infer A> ? A : S extends Effect.Effect<F.Frame<infer A>, infer _E, infer _R> ? A : never
/** The error type of an Effect producing a frame (never for a frame). */
type SubjectError<S> = S extends Effect.Effect<infer _A, infer E, infer _R> ? E : never
/** The services of an Effect producing a frame (never for a frame). */
type SubjectServices<S> = S extends Effect.Effect<infer _A, infer _E, infer R> ? R : never
/** Any frame, or any Effect of one: the subject type of verbs that check column names statically. */
type AnyFrameLike = FrameLike<AnyRow, unknown, unknown>
type Dropped<A, K> = string extends keyof A ? AnyRow : Simplify<Omit<A, K & keyof A>>

/** Row type after `select(...Es)`. @since 0.1.0 @category models */
export type SelectRow<A, Es extends ReadonlyArray<unknown>> = string extends keyof A ? AnyRow : Simplify<{ [E in Es[number] as NameOf<E>]: TypeOf<A, E> }>
/** Row type after `withColumns(...Es)`. @since 0.1.0 @category models */
export type WithRow<A, Es extends ReadonlyArray<unknown>> = string extends keyof A ? AnyRow : Simplify<Omit<A, NameOf<Es[number]>> & { [E in Es[number] as NameOf<E>]: TypeOf<A, E> }>

/** An expression or a column name. @since 0.1.0 @category models */
export type IntoColumn<A> = (keyof A & string) | Expr<string, unknown>

// ---------------------------------------------------------------------------------------------------------------
// projection
// ---------------------------------------------------------------------------------------------------------------

/**
 * A frame of the given columns / expressions, in order. Strings are column names. Each expression is evaluated
 * over the whole frame; an aggregation gives one row (all outputs must then be aggregations or literals); literals
 * are broadcast. Output names follow Polars (alias, else the left-most column).
 * Shape: `height` rows (1 when every output is an aggregation) × `exprs.length` columns.
 * **Errors** `ColumnNotFound`, `TypeMismatch`, `ResolveErrors` (all problems when several), `ComputeError`
 * (a strict cast that fails), `DuplicateColumn` (two outputs with one name).
 * @since 0.1.0 @category projection
 */
export const select: {
  <const Es extends ReadonlyArray<string | Expr<string, unknown>>>(
    ...exprs: Es
  ): <Self extends AnyFrameLike>(
    self: Self & Known<SubjectRow<Self>, ColumnsOf<Es>>
  ) => Effect.Effect<Frame<SelectRow<SubjectRow<Self>, Es>>, SubjectError<Self> | EvalError | DuplicateColumn, SubjectServices<Self>>
  <Self extends AnyFrameLike, const Es extends ReadonlyArray<IntoColumn<SubjectRow<Self>>>>(
    self: Self & Known<SubjectRow<Self>, ColumnsOf<Es>>,
    ...exprs: Es
  ): Effect.Effect<Frame<SelectRow<SubjectRow<Self>, Es>>, SubjectError<Self> | EvalError | DuplicateColumn, SubjectServices<Self>>
} = F.makeVerb((self: Frame, ...exprs: ReadonlyArray<string | Expr>) => Engine.select(self, exprs))

/**
 * Adds or replaces columns computed from expressions (a name already present is replaced in place; new names are
 * appended in order). Expressions see the input frame, not each other's outputs (as Polars).
 * Shape: `height` rows; `width` + (new names) columns.
 * **Errors** `ColumnNotFound`, `TypeMismatch`, `ResolveErrors`, `ComputeError`, `DuplicateColumn`, `ShapeMismatch`
 * (an aggregation result is broadcast; any other length mismatch fails).
 * @since 0.1.0 @category projection
 */
export const withColumns: {
  <const Es extends ReadonlyArray<Expr<string, unknown>>>(
    ...exprs: Es
  ): <Self extends AnyFrameLike>(
    self: Self & Known<SubjectRow<Self>, ColumnsOf<Es>>
  ) => Effect.Effect<Frame<WithRow<SubjectRow<Self>, Es>>, SubjectError<Self> | EvalError | DuplicateColumn, SubjectServices<Self>>
  <Self extends AnyFrameLike, const Es extends ReadonlyArray<Expr<string, unknown>>>(
    self: Self & Known<SubjectRow<Self>, ColumnsOf<Es>>,
    ...exprs: Es
  ): Effect.Effect<Frame<WithRow<SubjectRow<Self>, Es>>, SubjectError<Self> | EvalError | DuplicateColumn, SubjectServices<Self>>
} = F.makeVerb((self: Frame, ...exprs: ReadonlyArray<Expr>) => Engine.withColumns(self, exprs))

/**
 * Keeps the rows where `predicate` (a Boolean expression) is true; null counts as false (as Polars and SQL).
 * Keeps the batches and the row order. Shape: ≤ `height` rows, same columns.
 * **Errors** `ColumnNotFound`, `TypeMismatch` (a non-Boolean predicate), `ResolveErrors`, `ComputeError`.
 * @since 0.1.0 @category filtering
 */
export const filter: {
  (predicate: Expr<string, unknown>): <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>
  ) => Effect.Effect<Frame<A>, E | EvalError, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, predicate: Expr<string, unknown>): Effect.Effect<Frame<A>, E | EvalError, R>
} = F.makeVerb((self: Frame, predicate: Expr) => Engine.filter(self, predicate))

/**
 * Removes the named columns. Shape: `height` rows, `width - names.length` columns.
 * **Errors** `ColumnNotFound` (a name the frame does not have; a compile error for typed frames).
 * @since 0.1.0 @category projection
 */
export const drop: {
  <const K extends string>(
    ...names: ReadonlyArray<K>
  ): <Self extends AnyFrameLike>(
    self: Self & Known<SubjectRow<Self>, K>
  ) => Effect.Effect<Frame<Dropped<SubjectRow<Self>, K>>, SubjectError<Self> | ColumnNotFound, SubjectServices<Self>>
  <Self extends AnyFrameLike, const K extends keyof SubjectRow<Self> & string>(
    self: Self,
    ...names: ReadonlyArray<K>
  ): Effect.Effect<Frame<Dropped<SubjectRow<Self>, K>>, SubjectError<Self> | ColumnNotFound, SubjectServices<Self>>
} = F.makeVerb((self: Frame, ...names: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    for (const n of names) yield* F.columnIndex(self, n)
    const keep = self.schema.map((f, i) => [f, i] as const).filter(([f]) => !names.includes(f.name))
    return F.unsafeMake(
      keep.map(([f]) => f),
      self.batches.map((b) => ({ length: b.length, columns: keep.map(([, i]) => b.columns[i]!) }))
    )
  })
)

type Renamed<A, M> = { readonly [K in keyof A as K extends keyof M ? (M[K] extends string ? M[K] : K) : K]: A[K] }
type RenamedRow<A, M> = string extends keyof A ? AnyRow : Simplify<Renamed<A, M>>

/**
 * Renames columns by a `{ old: new }` mapping; order and data are unchanged (zero-copy).
 * **Errors** `ColumnNotFound` (an old name the frame lacks), `DuplicateColumn` (a new name that collides).
 * @since 0.1.0 @category projection
 */
export const rename: {
  <const M extends { readonly [old: string]: string }>(
    mapping: M
  ): <Self extends AnyFrameLike>(
    self: Self & Known<SubjectRow<Self>, keyof M>
  ) => Effect.Effect<Frame<RenamedRow<SubjectRow<Self>, M>>, SubjectError<Self> | ColumnNotFound | DuplicateColumn, SubjectServices<Self>>
  <Self extends AnyFrameLike, const M extends { readonly [K in keyof SubjectRow<Self>]?: string }>(
    self: Self,
    mapping: M
  ): Effect.Effect<Frame<RenamedRow<SubjectRow<Self>, M>>, SubjectError<Self> | ColumnNotFound | DuplicateColumn, SubjectServices<Self>>
} = F.makeVerb((self: Frame, mapping: { readonly [old: string]: string }) =>
  Effect.gen(function* () {
    for (const n of Object.keys(mapping)) yield* F.columnIndex(self, n)
    const schema = self.schema.map((f) => ({ name: mapping[f.name] ?? f.name, dtype: f.dtype }))
    const names = schema.map((f) => f.name)
    const dup = names.find((n, i) => names.indexOf(n) !== i)
    if (dup !== undefined) return yield* new DuplicateColumnError({ column: dup })
    return F.unsafeMake(schema, self.batches)
  })
)

// ---------------------------------------------------------------------------------------------------------------
// slicing
// ---------------------------------------------------------------------------------------------------------------

const checkCount = (argument: string, n: number): Effect.Effect<void, InvalidArgument> =>
  Number.isInteger(n) && n >= 0
    ? Effect.void
    : Effect.fail(new InvalidArgumentError({ argument, message: `${argument} must be a non-negative integer, got ${n}` }))

const sliceFrame = (self: Frame, offset: number, length: number): Frame => {
  const start = Math.max(0, Math.min(offset, self.height))
  const end = Math.min(self.height, start + Math.max(0, length))
  const batches: Array<F.Batch> = []
  let pos = 0
  for (const b of self.batches) {
    const s = Math.max(start, pos)
    const e = Math.min(end, pos + b.length)
    if (s < e) batches.push({ length: e - s, columns: b.columns.map((c) => C.slice(c, s - pos, e - s)) })
    pos += b.length
  }
  return F.unsafeMake(self.schema, batches)
}

/**
 * Rows `[offset, offset + length)`; a negative `offset` counts from the end, as Polars `slice`. Zero-copy for
 * fixed-width columns. **Errors** `InvalidArgument` (a negative or fractional length).
 * @since 0.1.0 @category slicing
 */
export const slice: {
  (offset: number, length?: number): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame<A>, E | InvalidArgument, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, offset: number, length?: number): Effect.Effect<Frame<A>, E | InvalidArgument, R>
} = F.makeVerb((self: Frame, offset: number, length?: number) => {
  const start = offset < 0 ? Math.max(0, self.height + offset) : offset
  const len = length ?? self.height
  return Effect.as(checkCount("length", len), sliceFrame(self, start, len))
})

/** The first `n` rows (default 10, as Polars). **Errors** `InvalidArgument` (negative n). @since 0.1.0 @category slicing */
export const head: {
  (n?: number): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame<A>, E | InvalidArgument, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, n?: number): Effect.Effect<Frame<A>, E | InvalidArgument, R>
} = F.makeVerb((self: Frame, n: number = 10) => Effect.as(checkCount("n", n), sliceFrame(self, 0, n)))

/** The last `n` rows (default 10). **Errors** `InvalidArgument` (negative n). @since 0.1.0 @category slicing */
export const tail: {
  (n?: number): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame<A>, E | InvalidArgument, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, n?: number): Effect.Effect<Frame<A>, E | InvalidArgument, R>
} = F.makeVerb((self: Frame, n: number = 10) => Effect.as(checkCount("n", n), sliceFrame(self, Math.max(0, self.height - n), n)))

// ---------------------------------------------------------------------------------------------------------------
// verbs implemented in internal/verbs
// ---------------------------------------------------------------------------------------------------------------

/** Sort options, per key or for all keys. @since 0.1.0 @category models */
export interface SortOptions {
  /** Descending order, for all keys or per key. Default false. */
  readonly descending?: boolean | ReadonlyArray<boolean>
  /** Nulls after the values (default false: first when ascending, as Polars' default `nulls_last=False`). */
  readonly nullsLast?: boolean | ReadonlyArray<boolean>
}

/**
 * Sorts by one or more keys (names or expressions), stably: equal keys keep their input order. NaN sorts above
 * every number (as Polars). Strings compare by UTF-8 bytes (code points). Shape unchanged.
 * **Errors** `ColumnNotFound`, `TypeMismatch` (an unorderable key such as List), `ResolveErrors`, `ComputeError`.
 * @since 0.1.0 @category ordering
 */
export const sort: {
  (by: string | Expr | ReadonlyArray<string | Expr>, options?: SortOptions): <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>
  ) => Effect.Effect<Frame<A>, E | EvalError, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, by: string | Expr | ReadonlyArray<string | Expr>, options?: SortOptions): Effect.Effect<Frame<A>, E | EvalError, R>
} = F.makeVerb((self: Frame, by: string | Expr | ReadonlyArray<string | Expr>, options?: SortOptions) =>
  Verbs.sort(self, Array.isArray(by) ? by : [by as string | Expr], options ?? {})
)

/** Options of `unique`, as Polars. @since 0.1.0 @category models */
export interface UniqueOptions {
  /** Columns that define a duplicate (default: all). */
  readonly subset?: ReadonlyArray<string>
  /** Which row of each duplicate set to keep: "first" (default), "last", "any", or "none" (drop all duplicated). */
  readonly keep?: "first" | "last" | "any" | "none"
  /** Keep the input order (default true here; Polars defaults to false). */
  readonly maintainOrder?: boolean
}

/**
 * Removes duplicate rows (nulls equal to nulls, NaN equal to NaN). **Errors** `ColumnNotFound` (subset).
 * @since 0.1.0 @category filtering
 */
export const unique: {
  (options?: UniqueOptions): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame<A>, E | ColumnNotFound, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, options?: UniqueOptions): Effect.Effect<Frame<A>, E | ColumnNotFound, R>
} = F.makeVerb((self: Frame, options?: UniqueOptions) => Verbs.unique(self, options ?? {}))

/** Options of `groupBy`. @since 0.1.0 @category models */
export interface GroupByOptions {
  /** Groups in order of first appearance (default true). When false, groups come in hash order (faster). */
  readonly maintainOrder?: boolean
}

/** The grouped frame awaiting its aggregations. @since 0.1.0 @category models */
export interface GroupBy<_A extends AnyRow, E, R> {
  /**
   * One row per distinct key (nulls form their own group), with the key columns then one column per expression.
   * Expressions are aggregations (`col("x").sum()`, `len()`, `col("x").quantile(0.9)`), possibly combined
   * (`col("a").sum().div(col("b").sum())`).
   * **Errors** `ColumnNotFound`, `TypeMismatch` (including a non-aggregated column), `ResolveErrors`,
   * `ComputeError`, `DuplicateColumn`.
   */
  agg<const Es extends ReadonlyArray<Expr<string, unknown>>>(...exprs: Es): Effect.Effect<Frame, E | EvalError | DuplicateColumn, R>
}

/** The data-last form: apply `.agg(...)` to get a function of the frame. @since 0.1.0 @category models */
export interface GroupByDataLast {
  agg<const Es extends ReadonlyArray<Expr<string, unknown>>>(
    ...exprs: Es
  ): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame, E | EvalError | DuplicateColumn, R>
}

/**
 * Groups by key columns (names or expressions of any dtype, several allowed) for `.agg(...)`, hash-based, as
 * Polars `group_by`: `pipe(frame, Frame.groupBy("sym").agg(col("px").mean()))` or
 * `Frame.groupBy(frame, ["sym", "day"]).agg(len())`.
 * Shape of the result: one row per group; key columns first.
 * @since 0.1.0 @category grouping
 */
export const groupBy: {
  (keys: string | Expr | ReadonlyArray<string | Expr>, options?: GroupByOptions): GroupByDataLast
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, keys: string | Expr | ReadonlyArray<string | Expr>, options?: GroupByOptions): GroupBy<A, E, R>
} = ((...args: ReadonlyArray<unknown>) => {
  if (F.isFrameLike(args[0])) {
    const [self, keys, options] = args as [FrameLike<AnyRow, unknown, unknown>, string | Expr | ReadonlyArray<string | Expr>, GroupByOptions | undefined]
    const ks = Array.isArray(keys) ? keys : [keys as string | Expr]
    return { agg: (...exprs: ReadonlyArray<Expr>) => F.withFrame(self, (frame) => Verbs.groupByAgg(frame, ks, exprs, options ?? {})) }
  }
  const [keys, options] = args as [string | Expr | ReadonlyArray<string | Expr>, GroupByOptions | undefined]
  const ks = Array.isArray(keys) ? keys : [keys as string | Expr]
  return {
    agg:
      (...exprs: ReadonlyArray<Expr>) =>
      (self: FrameLike<AnyRow, unknown, unknown>) =>
        F.withFrame(self, (frame) => Verbs.groupByAgg(frame, ks, exprs, options ?? {}))
  }
}) as never

/** Join kinds, as Polars `how`. @since 0.1.0 @category models */
export type JoinHow = "inner" | "left" | "right" | "full" | "semi" | "anti" | "cross"

/** Options of `join`. @since 0.1.0 @category models */
export interface JoinOptions {
  readonly how?: JoinHow
  /** Key columns with the same name on both sides. */
  readonly on?: string | ReadonlyArray<string>
  readonly leftOn?: string | ReadonlyArray<string>
  readonly rightOn?: string | ReadonlyArray<string>
  /** Appended to right column names that collide with left ones (default "_right", as Polars). */
  readonly suffix?: string
  /** Null keys match each other (default false: nulls never match, as Polars and SQL). */
  readonly nullsEqual?: boolean
  /** For "full" joins: merge the key columns into one (Polars `coalesce`); default false for full, true otherwise. */
  readonly coalesce?: boolean
}

/**
 * Hash join of two frames, as Polars `join`: inner, left, right, full (outer), semi, anti and cross. Output order:
 * left rows in order, each with its matches in right order (right joins: right rows in order, each with its left
 * matches); full joins give the left rows (with their matches) then the unmatched right rows; cross joins are
 * left-major. Columns, as Polars: the left columns then the right non-key columns (inner, left, full with
 * `coalesce`); right joins give the left non-key columns then all right columns; with `coalesce: false` both sides'
 * keys are kept. A right column whose name is taken by an output left column gets `suffix`.
 * Keys compare by value: integers of any width and signedness with each other, integers with floats (as Float64,
 * -0 = 0, NaN = NaN), Utf8 with Categorical (by string, whatever the dictionaries), and Boolean, Date, Timestamp,
 * Duration and Decimal with the same dtype (Decimal: same scale). A full join coalescing keys of different numeric
 * dtypes gives Int64 (Float64 with a float or UInt64 side); Utf8 with Categorical gives Utf8.
 * **Errors** `ColumnNotFound`, `TypeMismatch` (incompatible key dtypes), `InvalidArgument` (no keys given,
 * different numbers of left and right keys, both `on` and `leftOn`/`rightOn`, or keys for a cross join),
 * `DuplicateColumn` (a suffixed name that still collides).
 * @since 0.1.0 @category joining
 */
export const join: {
  <B extends AnyRow, E2 = never, R2 = never>(other: FrameLike<B, E2, R2>, options: JoinOptions): <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>
  ) => Effect.Effect<Frame, E | E2 | ExprError | InvalidArgument | DuplicateColumn, R | R2>
  <A extends AnyRow, B extends AnyRow, E = never, R = never, E2 = never, R2 = never>(
    self: FrameLike<A, E, R>,
    other: FrameLike<B, E2, R2>,
    options: JoinOptions
  ): Effect.Effect<Frame, E | E2 | ExprError | InvalidArgument | DuplicateColumn, R | R2>
} = dual(
  (args) => F.isFrameLike(args[0]) && F.isFrameLike(args[1]),
  (self: FrameLike<AnyRow, unknown, unknown>, other: FrameLike<AnyRow, unknown, unknown>, options: JoinOptions) =>
    F.withFrame(self, (l) => F.withFrame(other, (r) => Verbs.join(l, r, options)))
)

/** How `concat` combines frames, as Polars. @since 0.1.0 @category models */
export type ConcatHow = "vertical" | "diagonal" | "horizontal"

/**
 * Combines frames: "vertical" stacks rows (same names and dtypes, in order; zero-copy: the batches are kept),
 * "diagonal" stacks rows over the union of columns (missing columns filled with nulls; dtypes must agree),
 * "horizontal" places columns side by side (same heights; names must be distinct). An empty list gives the empty
 * frame.
 * **Errors** `ShapeMismatch` (schemas or heights differ), `DuplicateColumn` (horizontal).
 * @since 0.1.0 @category combining
 */
export const concat = (
  frames: ReadonlyArray<Frame>,
  options: { readonly how?: ConcatHow } = {}
): Effect.Effect<Frame, ShapeMismatch | DuplicateColumn> => Verbs.concat(frames, options.how ?? "vertical")

/** Options of `pivot`, as Polars. @since 0.1.0 @category models */
export interface PivotOptions {
  /** Column(s) whose distinct values become the output's new columns. */
  readonly on: string
  /** Column(s) that identify output rows. */
  readonly index: string | ReadonlyArray<string>
  /** Column whose values fill the cells. */
  readonly values: string
  /** How several values for one cell combine (default "first"). */
  readonly aggregate?: "first" | "last" | "sum" | "mean" | "min" | "max" | "count" | "len" | "median"
}

/**
 * Long to wide, as Polars `pivot`: one row per distinct `index`, one column per distinct value of `on` (in order
 * of first appearance; named by the value's text), cells from `values` combined by `aggregate`; cells with no
 * rows are null. Dtypes: first/last/min/max keep the values' dtype; sum gives Int64 for ≤16-bit ints, the same
 * dtype for 32/64-bit ints and floats, UInt32 for Boolean, Float64 for Decimal; mean and median give Float64; count
 * (non-null values) and len (rows) give UInt32.
 * **Errors** `ColumnNotFound`, `TypeMismatch`, `DuplicateColumn` (a pivoted value equal to an index name).
 * @since 0.1.0 @category reshaping
 */
export const pivot: {
  (options: PivotOptions): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame, E | EvalError | DuplicateColumn, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, options: PivotOptions): Effect.Effect<Frame, E | EvalError | DuplicateColumn, R>
} = F.makeVerb((self: Frame, options: PivotOptions) => Verbs.pivot(self, options))

/** Options of `unpivot`, as Polars. @since 0.1.0 @category models */
export interface UnpivotOptions {
  /** Columns to turn into rows (default: every column not in `index`). */
  readonly on?: ReadonlyArray<string>
  /** Columns kept as identifiers. */
  readonly index?: ReadonlyArray<string>
  /** Name of the column holding former column names (default "variable"). */
  readonly variableName?: string
  /** Name of the column holding the values (default "value"). */
  readonly valueName?: string
}

/**
 * Wide to long, as Polars `unpivot` (melt): `height × on.length` rows with the `index` columns, a `variable`
 * Utf8 column and a `value` column (the `on` columns' supertype: their dtype when they share one, Float64 when all
 * are numeric, Utf8 when all are Utf8/Categorical; Null columns adapt). Rows are column-major: all rows of `on[0]`,
 * then of `on[1]`, ….
 * **Errors** `ColumnNotFound`, `TypeMismatch` (`on` columns with no common supertype).
 * @since 0.1.0 @category reshaping
 */
export const unpivot: {
  (options?: UnpivotOptions): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame, E | ColumnNotFound | TypeMismatch, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, options?: UnpivotOptions): Effect.Effect<Frame, E | ColumnNotFound | TypeMismatch, R>
} = F.makeVerb((self: Frame, options?: UnpivotOptions) => Verbs.unpivot(self, options ?? {}))

/**
 * One row per element of the List column(s) `columns` (several must have equal lengths per row); other columns are
 * repeated. An empty or null list gives one row with null, as Polars.
 * **Errors** `ColumnNotFound`, `TypeMismatch` (not a List), `ShapeMismatch` (lists of unequal lengths in a row).
 * @since 0.1.0 @category reshaping
 */
export const explode: {
  (columns: string | ReadonlyArray<string>): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame, E | ColumnNotFound | TypeMismatch | ShapeMismatch, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, columns: string | ReadonlyArray<string>): Effect.Effect<Frame, E | ColumnNotFound | TypeMismatch | ShapeMismatch, R>
} = F.makeVerb((self: Frame, columns: string | ReadonlyArray<string>) => Verbs.explode(self, Array.isArray(columns) ? columns : [columns as string]))

/**
 * Summary statistics, as Polars `describe`: a `statistic` column (count, null_count, mean, std, min, 25%, 50%,
 * 75%, max) and one column per input column. Numeric, Boolean and Null columns give Float64 (Boolean: count,
 * null_count, mean = share of true, min, max); other columns give Utf8 text: count and null_count, min and max for
 * Utf8, and mean, min, percentiles and max for Date/Timestamp/Duration. `std` is the sample standard deviation
 * (ddof 1). Percentiles use Polars' default "nearest" interpolation: the value at rank round((count − 1) · p) of
 * the sorted non-null values. Nulls are skipped.
 * @since 0.1.0 @category summarizing
 */
export const describe = <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>): Effect.Effect<Frame, E, R> =>
  F.withFrame(self, Verbs.describe)

/** One row with the number of nulls of each column, as Polars `null_count` (UInt32 counts, one column per input column). @since 0.1.0 @category summarizing */
export const nullCount = <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>): Effect.Effect<Frame, E, R> =>
  F.withFrame(self, Verbs.nullCount)

/** Options of `sample`. @since 0.1.0 @category models */
export type SampleOptions = (
  | { readonly n: number; readonly fraction?: never }
  | { readonly fraction: number; readonly n?: never }
) & {
  /** Sample with replacement (default false). */
  readonly withReplacement?: boolean
  /** Seed of the deterministic generator; the same seed gives the same rows. Default: random. */
  readonly seed?: number
  /** Shuffle the sampled rows (default false: input order). */
  readonly shuffle?: boolean
}

/**
 * A random sample of `n` rows or a `fraction` of them (⌊fraction · height⌋ rows), deterministic for a given `seed`
 * (a splitmix32 generator). Rows come in input order unless `shuffle`; without replacement no row repeats.
 * **Errors** `InvalidArgument` (n > height without replacement, fraction outside [0, 1] without replacement).
 * @since 0.1.0 @category slicing
 */
export const sample: {
  (options: SampleOptions): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame<A>, E | InvalidArgument, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, options: SampleOptions): Effect.Effect<Frame<A>, E | InvalidArgument, R>
} = F.makeVerb((self: Frame, options: SampleOptions) => Verbs.sample(self, options))

/**
 * Prepends a row-index column (UInt32 from `offset`, default name "index", as Polars `with_row_index`); the batches
 * are kept. **Errors** `DuplicateColumn` (the name exists), `InvalidArgument` (`offset` not a non-negative
 * integer, or `offset + height` beyond 2^32).
 * @since 0.1.0 @category projection
 */
export const withRowIndex: {
  <const N extends string = "index">(name?: N, offset?: number): <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>
  ) => Effect.Effect<Frame<string extends keyof A ? AnyRow : Simplify<{ readonly [K in N]: number } & A>>, E | DuplicateColumn | InvalidArgument, R>
  <A extends AnyRow, const N extends string = "index", E = never, R = never>(self: FrameLike<A, E, R>, name?: N, offset?: number): Effect.Effect<
    Frame<string extends keyof A ? AnyRow : Simplify<{ readonly [K in N]: number } & A>>,
    E | DuplicateColumn | InvalidArgument,
    R
  >
} = F.makeVerb((self: Frame, name?: string, offset?: number) => Verbs.withRowIndex(self, name ?? "index", offset ?? 0))
