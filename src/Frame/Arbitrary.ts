/**
 * Random frames for property tests, as Effect `Arbitrary` values (effect's own generation engine, no fast-check):
 * they plug into `@effect/vitest`'s `it.prop` and into `Arbitrary.checkEffect` / `Arbitrary.sampleEffect`.
 *
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Arbitrary, DataType } from "polaroid/Frame"
 *
 * const trades = Arbitrary.frame(
 *   [{ name: "sym", dtype: DataType.Utf8 }, { name: "px", dtype: DataType.Float64 }],
 *   { maxRows: 100, nullRate: 0.2, distinct: { sym: 5 } }
 * )
 * it.prop("filter never adds rows", { f: trades }, ({ f }) => ...)
 * ```
 *
 * Generation is deterministic for a given seed (so `it.prop`'s `Replay:` tokens reproduce a failure), and failures
 * shrink towards fewer rows: a smaller frame keeps exactly the same values in the rows it keeps. The fast-check
 * counterparts live in `polaroid/Testing`.
 *
 * @since 0.1.0
 */
import * as EffectArbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import * as G from "../internal/generate.ts"
import type { DataType, Field } from "./DataType.ts"
import type { Frame } from "./Frame.ts"

/**
 * Options of the frame generators. Every option is optional.
 *
 * - `minRows` / `maxRows`: row count range (default 0 to 20). Unlike collections derived by effect's engine, the
 *   count does not depend on the run's `size`: every count in the range can occur from the first run.
 * - `nullRate`: probability that a cell is null (default 0.1), for all columns or per column name (columns not
 *   named get 0.1). It also applies to List elements and Struct fields.
 * - `distinct`: at most this many distinct non-null values per column (all columns, or per column name), drawn
 *   from a per-column pool, so that group-by and join keys collide.
 * - `numbers`: bounds of numeric values (default ±1e6, intersected with the dtype's range; give `±Infinity` or
 *   bigints for the full 64-bit range); Decimal bounds are in units, not unscaled. `nan` / `infinity` mix in NaN
 *   and ±Infinity for floats (default off); `decimals` rounds floats to that many decimal places. Never -0.
 * - `strings`: `alphabet` (default ASCII letters, digits, space, `_`, `-`), `unicode` (mix in 2-, 3- and 4-byte
 *   UTF-8 characters and a combining mark), `minLength` / `maxLength` in characters (default 0 to 8).
 * - `lists`: List lengths (default 0 to 4).
 * - `dates`: range of Date values and of Timestamp instants, as `YYYY-MM-DD` (default 1900-01-01 to 2100-12-31).
 * - `edgeCases`: mix in boundary values (min, max, 0, ±1, "") about 5% of the time (default true).
 *
 * @since 0.1.0 @category models
 */
export type FrameOptions = G.FrameOptions

/**
 * Options of the schema generator: `minColumns` / `maxColumns` (default 1 to 6); `dtypes`, the pool to pick from
 * (default: every flat dtype, with random time units, time zones and decimal precisions); `nested` (also List and
 * Struct, up to depth 2; default false); `prefix` of column names (default "c": c0, c1, …).
 * @since 0.1.0 @category models
 */
export type FieldsOptions = G.FieldsOptions

const Seed = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2 ** 31 - 1 }))
const Start = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2 ** 30 }))

const rowShrinks = (minRows: number) => (r: { readonly seed: number; readonly start: number; readonly rows: number }) => {
  const out: Array<{ seed: number; start: number; rows: number }> = []
  const extra = r.rows - minRows
  if (extra <= 0) return out
  const half = Math.floor(extra / 2)
  out.push({ seed: r.seed, start: r.start, rows: minRows })
  if (half > 0) out.push({ seed: r.seed, start: r.start, rows: r.rows - half })
  if (half > 0) out.push({ seed: r.seed, start: r.start + half, rows: r.rows - half })
  out.push({ seed: r.seed, start: r.start, rows: r.rows - 1 })
  out.push({ seed: r.seed, start: r.start + 1, rows: r.rows - 1 })
  return out.filter((c, i) => c.start <= 2 ** 30 && out.findIndex((d) => d.start === c.start && d.rows === c.rows) === i)
}

/**
 * An `Arbitrary` of frames with exactly the schema `fields` (names and dtypes, in order), every dtype supported:
 * integers of each width within range (Int64/UInt64 as bigint), floats, Boolean, Utf8, Categorical, Date,
 * Timestamp(unit, tz), Duration, Decimal(p, s), List and Struct (recursively), Null.
 *
 * **Example**
 * ```ts
 * it.prop("sort is a permutation", { f: Arbitrary.frame([{ name: "x", dtype: DataType.Int32 }]) }, ({ f }) => ...)
 * ```
 *
 * **Shrinking** towards fewer rows (dropping rows from the end or the front); kept rows keep their values.
 *
 * **Gotchas** Invalid options (maxRows < minRows, a null rate outside [0, 1], …) throw a `RangeError` when this
 * function is called, as effect's own `Arbitrary.array` does.
 * @since 0.1.0 @category constructors
 */
export const frame = (fields: ReadonlyArray<Field>, options: FrameOptions = {}): EffectArbitrary.Arbitrary<Frame> => {
  const o = G.resolveFrameOptions(options)
  const recipe = Schema.Struct({
    seed: Seed,
    start: Start,
    rows: Schema.Int.check(Schema.isBetween({ minimum: o.minRows, maximum: o.maxRows }))
  })
  return EffectArbitrary.schema(recipe, { shrink: rowShrinks(o.minRows) }).pipe(
    EffectArbitrary.map((r) => G.buildFrame(fields, o, r.seed, G.rowRange(r.start, r.rows)))
  )
}

/**
 * An `Arbitrary` of schemas: `minColumns`…`maxColumns` fields named `c0, c1, …` with random dtypes (see
 * `FieldsOptions`). Shrinks towards fewer columns.
 * @since 0.1.0 @category constructors
 */
export const fields = (options: FieldsOptions = {}): EffectArbitrary.Arbitrary<ReadonlyArray<Field>> => {
  const o = G.resolveFieldsOptions(options)
  const recipe = Schema.Struct({
    seed: Seed,
    columns: Schema.Int.check(Schema.isBetween({ minimum: o.minColumns, maximum: o.maxColumns }))
  })
  return EffectArbitrary.schema(recipe, {
    shrink: (r) =>
      r.columns <= o.minColumns
        ? []
        : [...new Set([o.minColumns, r.columns - 1])].map((columns) => ({ seed: r.seed, columns }))
  }).pipe(EffectArbitrary.map((r) => G.buildFields(o, r.seed, r.columns)))
}

/**
 * An `Arbitrary` of single dtypes, as picked by `fields` (with `nested`, sometimes List or Struct).
 * @since 0.1.0 @category constructors
 */
export const dataType = (options: Pick<FieldsOptions, "dtypes" | "nested"> = {}): EffectArbitrary.Arbitrary<DataType> =>
  EffectArbitrary.map(fields({ ...options, minColumns: 1, maxColumns: 1 }), (fs) => fs[0]!.dtype)

/**
 * An `Arbitrary` of frames with a random schema (`fields(schema)`) and random rows (`frame(_, options)`).
 * Shrinks towards fewer columns, then fewer rows.
 * @since 0.1.0 @category constructors
 */
export const anyFrame = (schema: FieldsOptions = {}, options: FrameOptions = {}): EffectArbitrary.Arbitrary<Frame> => {
  G.resolveFrameOptions(options)
  return EffectArbitrary.flatMap(fields(schema), (fs) => frame(fs, options))
}
