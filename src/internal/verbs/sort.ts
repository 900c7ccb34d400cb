/**
 * The `sort` verb: a stable multi-key sort of every column, as Polars `DataFrame.sort(..., maintain_order=True)`.
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Expr } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import { ComputeError, TypeMismatch } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { type EvalError, evaluateColumns } from "../expr/engine.ts"
import type { Frame } from "../frame.ts"
import * as F from "../frame.ts"
import { isOrderable } from "../kernels/agg.ts"
import { sortIndices } from "../kernels/sort.ts"

/** Named key columns: plain names are looked up directly; any expression key goes through the engine. */
export const keyColumns = (
  self: Frame,
  by: ReadonlyArray<string | Expr>
): Effect.Effect<ReadonlyArray<{ readonly name: string; readonly column: Column }>, EvalError> =>
  by.every((k) => typeof k === "string")
    ? Effect.forEach(by as ReadonlyArray<string>, (name) => Effect.map(F.getColumn(self, name), (column) => ({ name, column })))
    : evaluateColumns(self, by)

/** A per-key flag from a scalar or an array (which must have one entry per key). */
const perKey = (
  what: string,
  flag: boolean | ReadonlyArray<boolean> | undefined,
  k: number
): Effect.Effect<ReadonlyArray<boolean>, ComputeError> => {
  if (flag === undefined) return Effect.succeed(new Array<boolean>(k).fill(false))
  if (typeof flag === "boolean") return Effect.succeed(new Array<boolean>(k).fill(flag))
  if (flag.length !== k)
    return Effect.fail(
      new ComputeError({ expr: "sort", message: `${what} has ${flag.length} entries for ${k} sort keys` })
    )
  return Effect.succeed(flag)
}

/**
 * Sorts the frame by `by` (names or row-wise expressions), stably. `descending` and `nullsLast` apply to all keys
 * or per key (arrays must match the number of keys). NaN sorts above every number, -0 equals 0, strings compare by
 * UTF-8 bytes, Categorical by its strings; nulls go first unless `nullsLast` (independently of the direction), as
 * Polars. Shape and schema unchanged.
 * Errors: `ColumnNotFound`, `TypeMismatch` (a List or Struct key), `ResolveErrors`, `ComputeError` (a per-key
 * option array of the wrong length, or an expression that fails).
 */
export const sort = (
  self: Frame,
  by: ReadonlyArray<string | Expr>,
  options: { readonly descending?: boolean | ReadonlyArray<boolean>; readonly nullsLast?: boolean | ReadonlyArray<boolean> }
): Effect.Effect<Frame, EvalError> =>
  Effect.gen(function* () {
    if (by.length === 0) return self
    const keys = yield* keyColumns(self, by)
    for (const { name, column } of keys) {
      if (!isOrderable(column.dtype))
        return yield* Effect.fail(
          new TypeMismatch({ expr: name, expected: "an orderable sort key (numeric, Boolean, string, temporal)", actual: DT.format(column.dtype) })
        )
    }
    const descending = yield* perKey("descending", options.descending, keys.length)
    const nullsLast = yield* perKey("nullsLast", options.nullsLast, keys.length)
    const perm = sortIndices(
      keys.map((k) => k.column),
      descending,
      nullsLast
    )
    return F.fromColumnsUnsafe(
      self.columns,
      F.contiguous(self).map((c) => C.take(c, perm))
    )
  })
