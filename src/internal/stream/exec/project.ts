/**
 * Streaming projections: `select` and `withColumns` of elementwise expressions evaluated per batch with the
 * expression engine, and `drop`/`rename`, which only relabel columns (zero-copy).
 * @internal
 */
import * as Stream from "effect/Stream"
import { Expr, type ExprNode } from "../../../Expr/Expr.ts"
import * as Engine from "../../expr/engine.ts"
import * as F from "../../frame.ts"
import { projectFrame } from "./scan.ts"
import type { Batches } from "./types.ts"

export const selectStream = (input: Batches, exprs: ReadonlyArray<ExprNode>): Batches => {
  const es = exprs.map((n) => new Expr(n))
  return input.pipe(Stream.mapEffect((b) => Engine.select(b, es)))
}

export const withColumnsStream = (input: Batches, exprs: ReadonlyArray<ExprNode>): Batches => {
  const es = exprs.map((n) => new Expr(n))
  return input.pipe(Stream.mapEffect((b) => Engine.withColumns(b, es)))
}

export const dropStream = (input: Batches, names: ReadonlyArray<string>): Batches =>
  input.pipe(Stream.map((b) => projectFrame(b, b.columns.filter((n) => !names.includes(n)))))

export const renameStream = (input: Batches, mapping: { readonly [old: string]: string }): Batches =>
  input.pipe(
    Stream.map((b) =>
      F.unsafeMake(
        b.schema.map((x) => ({ name: mapping[x.name] ?? x.name, dtype: x.dtype })),
        b.batches
      )
    )
  )
