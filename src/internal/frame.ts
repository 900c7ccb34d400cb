/**
 * The Frame data type: a schema plus one or more record batches of contiguous columns (the batches of an Arrow
 * table stay batches, so `fromArrow` is zero-copy for multi-batch tables). Verbs that need all rows at once call
 * `contiguous` (memoized) and produce a single batch.
 * @internal
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import { NodeInspectSymbol } from "effect/Inspectable"
import { pipeArguments } from "effect/Pipeable"
import type { Field } from "../Frame/DataType.ts"
import { ColumnNotFound, DuplicateColumn, ShapeMismatch } from "../Frame/Errors.ts"
import * as C from "./column.ts"
import type { Column } from "./column.ts"
import { type DisplayOptions, formatFrame, previewCounts } from "./display.ts"

export const TypeId = "~polaroid/Frame" as const

/** A row of a frame whose columns are not known statically. */
export type AnyRow = { readonly [column: string]: unknown }

export interface Batch {
  readonly length: number
  readonly columns: ReadonlyArray<Column>
}

export interface Frame<A extends AnyRow = AnyRow> {
  readonly [TypeId]: { readonly _A: (_: never) => A }
  /** Column names and dtypes, in order. */
  readonly schema: ReadonlyArray<Field>
  /** Column names, in order (as Polars' `df.columns`). */
  readonly columns: ReadonlyArray<string>
  readonly batches: ReadonlyArray<Batch>
  /** Number of rows. */
  readonly height: number
  /** Number of columns. */
  readonly width: number
  pipe<B>(this: Frame<A>, ab: (_: Frame<A>) => B): B
  pipe<B, C>(this: Frame<A>, ab: (_: Frame<A>) => B, bc: (_: B) => C): C
  pipe<B, C, D>(this: Frame<A>, ab: (_: Frame<A>) => B, bc: (_: B) => C, cd: (_: C) => D): D
  pipe<B, C, D, E>(this: Frame<A>, ab: (_: Frame<A>) => B, bc: (_: B) => C, cd: (_: C) => D, de: (_: D) => E): E
  pipe<B, C, D, E, F>(
    this: Frame<A>,
    ab: (_: Frame<A>) => B,
    bc: (_: B) => C,
    cd: (_: C) => D,
    de: (_: D) => E,
    ef: (_: E) => F
  ): F
  pipe<B, C, D, E, F, G>(
    this: Frame<A>,
    ab: (_: Frame<A>) => B,
    bc: (_: B) => C,
    cd: (_: C) => D,
    de: (_: D) => E,
    ef: (_: E) => F,
    fg: (_: F) => G
  ): G
  pipe<B, C, D, E, F, G, H>(
    this: Frame<A>,
    ab: (_: Frame<A>) => B,
    bc: (_: B) => C,
    cd: (_: C) => D,
    de: (_: D) => E,
    ef: (_: E) => F,
    fg: (_: F) => G,
    gh: (_: G) => H
  ): H
  toString(): string
  toJSON(): unknown
}

const contiguousCache = new WeakMap<Frame, ReadonlyArray<Column>>()

const FrameProto = {
  [TypeId]: { _A: (_: never) => _ },
  get width() {
    return (this as unknown as Frame).schema.length
  },
  get columns() {
    return (this as unknown as Frame).schema.map((f) => f.name)
  },
  pipe() {
    return pipeArguments(this, arguments)
  },
  toString(this: Frame) {
    return render(this)
  },
  toJSON(this: Frame) {
    return {
      _id: "Frame",
      shape: [this.height, this.width],
      schema: Object.fromEntries(this.schema.map((f) => [f.name, f.dtype]))
    }
  },
  [NodeInspectSymbol](this: Frame) {
    return this.toString()
  }
}

export const isFrame = (u: unknown): u is Frame => typeof u === "object" && u !== null && TypeId in u

/** Builds a frame without checks (callers guarantee equal lengths and matching dtypes). */
export const unsafeMake = <A extends AnyRow = AnyRow>(schema: ReadonlyArray<Field>, batches: ReadonlyArray<Batch>): Frame<A> => {
  const self = Object.create(FrameProto)
  self.schema = schema
  self.batches = batches.length > 1 ? batches.filter((b) => b.length > 0) : batches
  if (self.batches.length === 0) self.batches = [{ length: 0, columns: schema.map((f) => C.nulls(f.dtype, 0)) }]
  self.height = batches.reduce((s, b) => s + b.length, 0)
  return self
}

/** A single-batch frame from columns (callers guarantee equal lengths). */
export const fromColumnsUnsafe = <A extends AnyRow = AnyRow>(names: ReadonlyArray<string>, cols: ReadonlyArray<Column>): Frame<A> => {
  const schema = names.map((name, i) => ({ name, dtype: cols[i]!.dtype }))
  const self = unsafeMake<A>(schema, [{ length: cols[0]?.length ?? 0, columns: cols }])
  contiguousCache.set(self as Frame, cols)
  return self
}

/** A frame from named columns, checking lengths and duplicate names. */
export const fromColumns = (
  names: ReadonlyArray<string>,
  cols: ReadonlyArray<Column>
): Effect.Effect<Frame, ShapeMismatch | DuplicateColumn> => {
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) return Effect.fail(new DuplicateColumn({ column: n }))
    seen.add(n)
  }
  const len = cols[0]?.length ?? 0
  for (let i = 0; i < cols.length; i++) {
    if (cols[i]!.length !== len)
      return Effect.fail(
        new ShapeMismatch({
          message: `column "${names[i]}" has ${cols[i]!.length} rows, but column "${names[0]}" has ${len}`
        })
      )
  }
  return Effect.succeed(fromColumnsUnsafe(names, cols))
}

/** All columns, each as one contiguous column (concatenating batches once; memoized). */
export const contiguous = (self: Frame): ReadonlyArray<Column> => {
  let cols = contiguousCache.get(self)
  if (cols === undefined) {
    cols =
      self.batches.length === 1
        ? self.batches[0]!.columns
        : self.schema.map((_, i) => C.concat(self.batches.map((b) => b.columns[i]!)))
    contiguousCache.set(self, cols)
  }
  return cols
}

/** Index of a column by name, or a ColumnNotFound error. */
export const columnIndex = (self: Frame, name: string): Effect.Effect<number, ColumnNotFound> => {
  const i = self.schema.findIndex((f) => f.name === name)
  return i >= 0 ? Effect.succeed(i) : Effect.fail(new ColumnNotFound({ column: name, available: self.columns }))
}

/** The whole column `name` (contiguous). */
export const getColumn = (self: Frame, name: string): Effect.Effect<Column, ColumnNotFound> =>
  Effect.map(columnIndex(self, name), (i) => contiguous(self)[i]!)

/** A frame, or an Effect producing one: what every verb accepts as its subject. */
export type FrameLike<A extends AnyRow, E, R> = Frame<A> | Effect.Effect<Frame<A>, E, R>

export const isFrameLike = (u: unknown): boolean => isFrame(u) || Effect.isEffect(u)

/** Runs `f` on the frame, whether given directly or as an Effect (whose errors and services join the result's). */
export const withFrame = <A extends AnyRow, E, R, B, E2, R2>(
  self: FrameLike<A, E, R>,
  f: (frame: Frame<A>) => Effect.Effect<B, E2, R2>
): Effect.Effect<B, E | E2, R | R2> => (isFrame(self) ? f(self as Frame<A>) : Effect.flatMap(self as Effect.Effect<Frame<A>, E, R>, f))

/**
 * Makes a dual verb: `verb(self, ...args)` or `verb(...args)(self)`, where `self` is a Frame or an Effect of one.
 * Data-first is detected by the first argument being a frame or an effect.
 */
export const makeVerb = <Args extends ReadonlyArray<unknown>, B, E2, R2>(
  f: (self: Frame, ...args: Args) => Effect.Effect<B, E2, R2>
) =>
  dual((args: IArguments) => isFrameLike(args[0]), (self: FrameLike<AnyRow, unknown, unknown>, ...args: Args) =>
    withFrame(self, (frame) => f(frame, ...args))
  ) as never

/**
 * The frame as Polars-style text. Only the shown rows are gathered: a multi-batch frame is not concatenated.
 */
export const render = (self: Frame, options: DisplayOptions = {}): string => {
  const cached = contiguousCache.get(self)
  if (cached !== undefined || self.batches.length === 1)
    return formatFrame(self.schema, cached ?? self.batches[0]!.columns, self.height, options)
  const { head, tail } = previewCounts(self.height, options)
  const pieces = (start: number, len: number): Array<Batch> => {
    const out: Array<Batch> = []
    let pos = 0
    for (const b of self.batches) {
      const s = Math.max(start, pos)
      const e = Math.min(start + len, pos + b.length)
      if (s < e) out.push({ length: e - s, columns: b.columns.map((c) => C.slice(c, s - pos, e - s)) })
      pos += b.length
    }
    return out
  }
  const shown = [...pieces(0, head), ...pieces(self.height - tail, tail)]
  const cols = self.schema.map((_, j) => C.concat(shown.map((b) => b.columns[j]!)))
  const tailStart = self.height - tail
  return formatFrame(self.schema, cols, self.height, options, (row) => (row < head ? row : head + row - tailStart))
}
