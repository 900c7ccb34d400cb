/**
 * `concat`: vertical (batches kept, zero-copy), diagonal (union of columns, nulls where missing) and horizontal,
 * as Polars `concat`.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as DT from "../../Frame/DataType.ts"
import type { DataType, Field } from "../../Frame/DataType.ts"
import { DuplicateColumn, ShapeMismatch } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Batch, Frame } from "../frame.ts"

const describeSchema = (schema: ReadonlyArray<Field>): string =>
  `[${schema.map((f) => `${f.name}: ${DT.format(f.dtype)}`).join(", ")}]`

/** The first difference between two schemas, or undefined when they are equal (names and dtypes, in order). */
const schemaDifference = (a: ReadonlyArray<Field>, b: ReadonlyArray<Field>): string | undefined => {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const fa = a[i]
    const fb = b[i]
    if (fa === undefined) return `it has an extra column "${fb!.name}" at position ${i}`
    if (fb === undefined) return `it lacks column "${fa.name}" at position ${i}`
    if (fa.name !== fb.name) return `column ${i} is "${fb.name}" where "${fa.name}" was expected`
    if (!DT.equals(fa.dtype, fb.dtype))
      return `column "${fa.name}" has dtype ${DT.format(fb.dtype)} where ${DT.format(fa.dtype)} was expected`
  }
  return undefined
}

const vertical = (frames: ReadonlyArray<Frame>): Effect.Effect<Frame, ShapeMismatch> => {
  const first = frames[0]!
  for (let k = 1; k < frames.length; k++) {
    const diff = schemaDifference(first.schema, frames[k]!.schema)
    if (diff !== undefined)
      return Effect.fail(
        new ShapeMismatch({
          message: `vertical concat: frame ${k} does not match frame 0 ${describeSchema(first.schema)}: ${diff}`
        })
      )
  }
  return Effect.succeed(F.unsafeMake(first.schema, frames.flatMap((f) => f.batches)))
}

const diagonal = (frames: ReadonlyArray<Frame>): Effect.Effect<Frame, ShapeMismatch> => {
  const dtypes = new Map<string, DataType>()
  const schema: Array<Field> = []
  for (let k = 0; k < frames.length; k++) {
    for (const f of frames[k]!.schema) {
      const seen = dtypes.get(f.name)
      if (seen === undefined) {
        dtypes.set(f.name, f.dtype)
        schema.push(f)
      } else if (!DT.equals(seen, f.dtype))
        return Effect.fail(
          new ShapeMismatch({
            message: `diagonal concat: column "${f.name}" has dtype ${DT.format(f.dtype)} in frame ${k} but ${DT.format(seen)} before`
          })
        )
    }
  }
  const batches: Array<Batch> = []
  for (const frame of frames) {
    const pos = new Map(frame.schema.map((f, i) => [f.name, i] as const))
    for (const b of frame.batches) {
      if (b.length === 0) continue
      batches.push({
        length: b.length,
        columns: schema.map((f) => {
          const i = pos.get(f.name)
          return i === undefined ? C.nulls(f.dtype, b.length) : b.columns[i]!
        })
      })
    }
  }
  return Effect.succeed(F.unsafeMake(schema, batches))
}

const horizontal = (frames: ReadonlyArray<Frame>): Effect.Effect<Frame, ShapeMismatch | DuplicateColumn> => {
  const height = frames[0]!.height
  const names: Array<string> = []
  const cols: Array<Column> = []
  const seen = new Set<string>()
  for (let k = 0; k < frames.length; k++) {
    const frame = frames[k]!
    if (frame.height !== height)
      return Effect.fail(
        new ShapeMismatch({ message: `horizontal concat: frame ${k} has ${frame.height} rows but frame 0 has ${height}` })
      )
    const fc = F.contiguous(frame)
    for (let i = 0; i < frame.width; i++) {
      const name = frame.schema[i]!.name
      if (seen.has(name)) return Effect.fail(new DuplicateColumn({ column: name }))
      seen.add(name)
      names.push(name)
      cols.push(fc[i]!)
    }
  }
  return Effect.succeed(F.fromColumnsUnsafe(names, cols))
}

/** See `Frame.concat`. An empty list gives the empty frame (no columns, no rows). */
export const concat = (
  frames: ReadonlyArray<Frame>,
  how: "vertical" | "diagonal" | "horizontal"
): Effect.Effect<Frame, ShapeMismatch | DuplicateColumn> =>
  Effect.suspend(() => {
    if (frames.length === 0) return Effect.succeed(F.fromColumnsUnsafe([], []))
    switch (how) {
      case "vertical":
        return vertical(frames)
      case "diagonal":
        return diagonal(frames)
      case "horizontal":
        return horizontal(frames)
    }
  })
