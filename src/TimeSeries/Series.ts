/**
 * Series operations on whole frames: `shift`, `forwardFill`, `backwardFill` and `interpolate` applied to every
 * column, as Polars' `DataFrame` methods of the same names. The per-column forms are `Expr` methods, which also
 * work per partition with `over("sym")`: `shift(n, fillValue)` (with `lag(n)` = `shift(n)`, `lead(n)` =
 * `shift(-n)`), `diff(n)`, `pctChange(n)`, `forwardFill(limit)`, `backwardFill(limit)`, `interpolate("linear" |
 * "nearest")`, `interpolateBy(by)`. Cumulative operations are `cumSum`, `cumProd`, `cumMin`, `cumMax`, `cumCount`.
 *
 * ```ts
 * import { Frame } from "polaroid"
 * import { col } from "polaroid/Expr"
 * Frame.withColumns(quotes, col("bid").forwardFill().over("sym"), col("px").diff().over("sym").alias("dpx"))
 * ```
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import { col } from "../Expr/Expr.ts"
import * as DT from "../Frame/DataType.ts"
import type { DuplicateColumn } from "../Frame/Errors.ts"
import * as Engine from "../internal/expr/engine.ts"
import * as F from "../internal/frame.ts"
import type { AnyRow, Frame, FrameLike } from "../internal/frame.ts"

type Out<A extends AnyRow, E, R> = Effect.Effect<Frame<A>, E | Engine.EvalError | DuplicateColumn, R>

const every = (self: Frame, f: (name: string) => ReturnType<typeof col> | undefined) =>
  Engine.withColumns(
    self,
    self.columns.flatMap((name) => {
      const e = f(name)
      return e === undefined ? [] : [e]
    })
  )

/**
 * Shifts every column down by `n` rows (negative: up), as Polars `DataFrame.shift(n, fill_value)`; the vacated rows
 * take `fillValue` where it casts to the column's dtype (else null).
 * Shape: unchanged. **Errors** `TypeMismatch` (a fill value that cannot be cast to a column's dtype).
 * @since 0.1.0 @category time series
 */
export const shift: {
  (n: number, options?: { readonly fillValue?: number | string | boolean | bigint | Date }): <A extends AnyRow, E, R>(self: FrameLike<A, E, R>) => Out<A, E, R>
  <A extends AnyRow, E, R>(self: FrameLike<A, E, R>, n: number, options?: { readonly fillValue?: number | string | boolean | bigint | Date }): Out<A, E, R>
} = F.makeVerb((self: Frame, n: number, options?: { readonly fillValue?: number | string | boolean | bigint | Date }) =>
  every(self, (name) => col(name).shift(n, options?.fillValue))
)

/**
 * Fills the nulls of every column with the last non-null value above (at most `limit` consecutive), as Polars
 * `DataFrame.fill_null(strategy="forward", limit)`. Shape: unchanged.
 * @since 0.1.0 @category time series
 */
export const forwardFill: {
  (limit?: number): <A extends AnyRow, E, R>(self: FrameLike<A, E, R>) => Out<A, E, R>
  <A extends AnyRow, E, R>(self: FrameLike<A, E, R>, limit?: number): Out<A, E, R>
} = F.makeVerb((self: Frame, limit?: number) => every(self, (name) => col(name).forwardFill(limit)))

/**
 * Fills the nulls of every column with the next non-null value below (at most `limit` consecutive), as Polars
 * `DataFrame.fill_null(strategy="backward", limit)`. Shape: unchanged.
 * @since 0.1.0 @category time series
 */
export const backwardFill: {
  (limit?: number): <A extends AnyRow, E, R>(self: FrameLike<A, E, R>) => Out<A, E, R>
  <A extends AnyRow, E, R>(self: FrameLike<A, E, R>, limit?: number): Out<A, E, R>
} = F.makeVerb((self: Frame, limit?: number) => every(self, (name) => col(name).backwardFill(limit)))

/**
 * Interpolates the interior nulls of every numeric column, as Polars `DataFrame.interpolate()` ("linear": numeric
 * columns become Float64, Float32 stays; "nearest": every column, dtypes kept). Other columns are unchanged.
 * @since 0.1.0 @category time series
 */
export const interpolate: {
  (method?: "linear" | "nearest"): <A extends AnyRow, E, R>(self: FrameLike<A, E, R>) => Out<AnyRow, E, R>
  <A extends AnyRow, E, R>(self: FrameLike<A, E, R>, method?: "linear" | "nearest"): Out<AnyRow, E, R>
} = F.makeVerb((self: Frame, method: "linear" | "nearest" = "linear") =>
  every(self, (name) => {
    const t = self.schema.find((f) => f.name === name)!.dtype
    return method === "nearest" || (DT.isNumeric(t) && t._tag !== "Decimal") ? col(name).interpolate(method) : undefined
  })
)
