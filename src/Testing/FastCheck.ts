/**
 * Random frames for property tests with fast-check (`fc.assert(fc.property(...))`). `fast-check` is an optional
 * peer dependency: only this module imports it, so the core of polaroid does not need it at run time.
 *
 * ```ts
 * import * as fc from "fast-check"
 * import { DataType } from "polaroid/Frame"
 * import { FastCheck } from "polaroid/Testing"
 *
 * fc.assert(fc.property(FastCheck.frame([{ name: "x", dtype: DataType.Int64 }], { maxRows: 50 }), (f) => ...))
 * ```
 *
 * The options are those of `polaroid/Frame`'s `Arbitrary` (same generator, same defaults). Failures shrink
 * towards fewer rows, removing any rows (not only a prefix or suffix), and every kept row keeps its values.
 *
 * @since 0.1.0
 */
import * as fc from "fast-check"
import type { DataType, Field } from "../Frame/DataType.ts"
import type { Frame } from "../Frame/Frame.ts"
import * as G from "../internal/generate.ts"

/** Options of `frame`: see `FrameOptions` in `polaroid/Frame`'s `Arbitrary`. @since 0.1.0 @category models */
export type FrameOptions = G.FrameOptions
/** Options of `fields`: see `FieldsOptions` in `polaroid/Frame`'s `Arbitrary`. @since 0.1.0 @category models */
export type FieldsOptions = G.FieldsOptions

const seed = () => fc.noShrink(fc.integer({ min: 0, max: 2 ** 31 - 1 }))

/**
 * A fast-check `Arbitrary` of frames with exactly the schema `fields` (every dtype supported, see
 * `polaroid/Frame` `Arbitrary.frame`). Row ids are drawn as a fast-check array, so shrinking removes rows anywhere.
 * Invalid options throw a `RangeError` when called.
 * @since 0.1.0 @category constructors
 */
export const frame = (fields: ReadonlyArray<Field>, options: FrameOptions = {}): fc.Arbitrary<Frame> => {
  const o = G.resolveFrameOptions(options)
  const ids = fc.array(fc.noBias(fc.integer({ min: 0, max: 2 ** 31 - 1 })), {
    minLength: o.minRows,
    maxLength: o.maxRows,
    size: "max"
  })
  return fc.tuple(seed(), ids).map(([s, rowIds]) => G.buildFrame(fields, o, s, rowIds))
}

/**
 * A fast-check `Arbitrary` of schemas (`c0, c1, …` with random dtypes). Shrinks towards fewer columns.
 * @since 0.1.0 @category constructors
 */
export const fields = (options: FieldsOptions = {}): fc.Arbitrary<ReadonlyArray<Field>> => {
  const o = G.resolveFieldsOptions(options)
  return fc
    .tuple(seed(), fc.integer({ min: o.minColumns, max: o.maxColumns }))
    .map(([s, n]) => G.buildFields(o, s, n) as ReadonlyArray<Field>)
}

/** A fast-check `Arbitrary` of single dtypes. @since 0.1.0 @category constructors */
export const dataType = (options: Pick<FieldsOptions, "dtypes" | "nested"> = {}): fc.Arbitrary<DataType> =>
  fields({ ...options, minColumns: 1, maxColumns: 1 }).map((fs) => fs[0]!.dtype)

/**
 * A fast-check `Arbitrary` of frames with a random schema and random rows. Shrinks columns, then rows.
 * @since 0.1.0 @category constructors
 */
export const anyFrame = (schema: FieldsOptions = {}, options: FrameOptions = {}): fc.Arbitrary<Frame> => {
  G.resolveFrameOptions(options)
  return fields(schema).chain((fs) => frame(fs, options))
}
