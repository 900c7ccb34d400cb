/**
 * Exponentially weighted statistics. The computations are `Expr` methods (so they work per partition with
 * `over("sym")`): `ewmMean`, `ewmStd`, `ewmVar` with `{ alpha | span | halfLife | com, adjust, minSamples,
 * ignoreNulls, bias }`, exactly as Polars `ewm_*` (pandas' formulas), and `ewmMeanBy(by, { halfLife: "1h" })`, as
 * Polars `ewm_mean_by`. This module gives the decay conversion they share.
 *
 * ```ts
 * import { Frame } from "polaroid"
 * import { col } from "polaroid/Expr"
 * Frame.withColumns(trades, col("px").ewmMean({ span: 20 }).over("sym").alias("px_ewm"))
 * ```
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { EwmOptions } from "../Expr/Expr.ts"
import { InvalidArgument } from "../Frame/Errors.ts"
import { resolveAlpha } from "../internal/kernels/ewm.ts"

/**
 * The smoothing factor α of EWM options, as Polars: `alpha` itself (0 < α ≤ 1), `span` s ≥ 1 → 2 / (s + 1),
 * `halfLife` h > 0 → 1 - exp(-ln 2 / h), `com` c ≥ 0 → 1 / (1 + c).
 * **Errors** `InvalidArgument` unless exactly one of them is given and in range.
 * @since 0.1.0 @category time series
 */
export const ewmAlpha = (options: EwmOptions): Effect.Effect<number, InvalidArgument> => {
  const a = resolveAlpha(options)
  return typeof a === "number" ? Effect.succeed(a) : Effect.fail(new InvalidArgument({ argument: "alpha", message: `expected ${a.error}` }))
}
