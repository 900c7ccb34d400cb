/**
 * The `groupBy(...).agg(...)` verb, as Polars `DataFrame.group_by(keys, maintain_order=True).agg(exprs)`.
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Expr } from "../../Expr/Expr.ts"
import { DuplicateColumn } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import { aggregate, type EvalError } from "../expr/engine.ts"
import type { Frame } from "../frame.ts"
import * as F from "../frame.ts"
import { groupKeys } from "../kernels/hash.ts"
import { keyColumns } from "./sort.ts"

/**
 * One row per distinct combination of the key columns (names or row-wise expressions, any dtype; nulls form their
 * own group, NaN equals NaN), in order of first appearance; the key columns come first, then one column per
 * aggregation expression (evaluated per group by the expression engine). `maintainOrder` is accepted; groups are
 * always in order of first appearance.
 * Errors: `ColumnNotFound`, `TypeMismatch` (including a column used outside an aggregation), `ResolveErrors`,
 * `ComputeError`, `DuplicateColumn` (an aggregation named like a key or like another aggregation).
 */
export const groupByAgg = (
  self: Frame,
  keys: ReadonlyArray<string | Expr>,
  exprs: ReadonlyArray<Expr>,
  _options: { readonly maintainOrder?: boolean }
): Effect.Effect<Frame, EvalError | DuplicateColumn> =>
  Effect.gen(function* () {
    const keyCols = yield* keyColumns(self, keys)
    const groups = groupKeys(
      keyCols.map((k) => k.column),
      self.height
    )
    const aggs = yield* aggregate(self, groups, exprs)
    const names = [...keyCols.map((k) => k.name), ...aggs.map((a) => a.name)]
    // Every row its own group: the first rows are 0, 1, …, n-1 and the key columns are reused as they are.
    const identity = groups.count === self.height
    const cols = [
      ...keyCols.map((k) =>
        identity && k.column.length === self.height ? k.column : C.take(k.column, groups.firstRow)
      ),
      ...aggs.map((a) => a.column)
    ]
    const seen = new Set<string>()
    for (const name of names) {
      if (seen.has(name)) return yield* Effect.fail(new DuplicateColumn({ column: name }))
      seen.add(name)
    }
    return F.fromColumnsUnsafe(names, cols)
  })
