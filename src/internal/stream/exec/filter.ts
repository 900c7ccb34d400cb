/**
 * Streaming `filter`: the predicate (elementwise only; see `isElementwise`) is evaluated on each batch with the
 * expression engine, one Effect per batch.
 * @internal
 */
import * as Stream from "effect/Stream"
import { Expr, type ExprNode } from "../../../Expr/Expr.ts"
import * as Engine from "../../expr/engine.ts"
import type { Batches } from "./types.ts"

export const filterStream = (input: Batches, predicate: ExprNode): Batches => {
  const e = new Expr(predicate)
  return input.pipe(Stream.mapEffect((b) => Engine.filter(b, e)))
}
