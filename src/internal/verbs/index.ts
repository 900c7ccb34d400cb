/**
 * Implementations of the eager verbs (one file per verb family). STUB: to be implemented.
 * @internal
 */
import { Effect } from "effect"
import type { Expr } from "../../Expr/Expr.ts"
import type {
  ColumnNotFound,
  DuplicateColumn,
  InvalidArgument,
  ShapeMismatch,
  TypeMismatch
} from "../../Frame/Errors.ts"
import type { EvalError } from "../expr/engine.ts"
import type { Frame } from "../frame.ts"

type Todo = Effect.Effect<Frame, never>
const todo: Todo = Effect.die("not implemented")

export const sort = (
  _self: Frame,
  _by: ReadonlyArray<string | Expr>,
  _options: { readonly descending?: boolean | ReadonlyArray<boolean>; readonly nullsLast?: boolean | ReadonlyArray<boolean> }
): Effect.Effect<Frame, EvalError> => todo
export const unique = (
  _self: Frame,
  _options: { readonly subset?: ReadonlyArray<string>; readonly keep?: "first" | "last" | "any" | "none"; readonly maintainOrder?: boolean }
): Effect.Effect<Frame, ColumnNotFound> => todo
export const groupByAgg = (
  _self: Frame,
  _keys: ReadonlyArray<string | Expr>,
  _exprs: ReadonlyArray<Expr>,
  _options: { readonly maintainOrder?: boolean }
): Effect.Effect<Frame, EvalError | DuplicateColumn> => todo
export const join = (
  _left: Frame,
  _right: Frame,
  _options: import("../../Frame/Frame.ts").JoinOptions
): Effect.Effect<Frame, ColumnNotFound | TypeMismatch | InvalidArgument | DuplicateColumn> => todo
export const concat = (_frames: ReadonlyArray<Frame>, _how: "vertical" | "diagonal" | "horizontal"): Effect.Effect<Frame, ShapeMismatch | DuplicateColumn> => todo
export const pivot = (_self: Frame, _options: import("../../Frame/Frame.ts").PivotOptions): Effect.Effect<Frame, EvalError | DuplicateColumn> => todo
export const unpivot = (_self: Frame, _options: import("../../Frame/Frame.ts").UnpivotOptions): Effect.Effect<Frame, ColumnNotFound | TypeMismatch> => todo
export const explode = (_self: Frame, _columns: ReadonlyArray<string>): Effect.Effect<Frame, ColumnNotFound | TypeMismatch | ShapeMismatch> => todo
export const describe = (_self: Frame): Effect.Effect<Frame> => todo
export const nullCount = (_self: Frame): Effect.Effect<Frame> => todo
export const sample = (_self: Frame, _options: import("../../Frame/Frame.ts").SampleOptions): Effect.Effect<Frame, InvalidArgument> => todo
export const withRowIndex = (_self: Frame, _name: string, _offset: number): Effect.Effect<Frame, DuplicateColumn> => todo
