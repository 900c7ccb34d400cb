/**
 * Expression engine: resolution (type-checking against a schema) and evaluation of expressions over columns,
 * in row, aggregation (group) and window (`over`) contexts. STUB: to be implemented.
 * @internal
 */
import { Effect } from "effect"
import type { Expr } from "../../Expr/Expr.ts"
import type { ColumnNotFound, ComputeError, DuplicateColumn, ResolveErrors, TypeMismatch } from "../../Frame/Errors.ts"
import type { Column } from "../column.ts"
import type { Frame } from "../frame.ts"
import type { Groups } from "../kernels/hash.ts"

export type EvalError = ColumnNotFound | TypeMismatch | ResolveErrors | ComputeError

export const select = (_self: Frame, _exprs: ReadonlyArray<string | Expr>): Effect.Effect<Frame, EvalError | DuplicateColumn> =>
  Effect.die("not implemented")

export const withColumns = (_self: Frame, _exprs: ReadonlyArray<Expr>): Effect.Effect<Frame, EvalError | DuplicateColumn> =>
  Effect.die("not implemented")

export const filter = (_self: Frame, _predicate: Expr): Effect.Effect<Frame, EvalError> => Effect.die("not implemented")

/** Evaluates row-wise expressions (no aggregation) to full-height columns, e.g. sort or group keys. */
export const evaluateColumns = (_self: Frame, _exprs: ReadonlyArray<string | Expr>): Effect.Effect<ReadonlyArray<{ readonly name: string; readonly column: Column }>, EvalError> =>
  Effect.die("not implemented")

/** Evaluates aggregation expressions per group: one column of `groups.count` rows per expression. */
export const aggregate = (
  _self: Frame,
  _groups: Groups,
  _exprs: ReadonlyArray<Expr>
): Effect.Effect<ReadonlyArray<{ readonly name: string; readonly column: Column }>, EvalError> => Effect.die("not implemented")
