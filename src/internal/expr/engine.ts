/**
 * Expression engine: resolution (type-checking against a schema, `resolve.ts`) and evaluation (`eval.ts`) of
 * expressions over a frame's contiguous columns, in row, aggregation (group) and window (`over`) contexts, and the
 * verbs built directly on them: `select`, `withColumns`, `filter`.
 * @internal
 */
import * as Effect from "effect/Effect"
import { col, type Expr, type ExprNode, outputName } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { ColumnNotFound, ComputeError, ResolveErrors } from "../../Frame/Errors.ts"
import { DuplicateColumn, TypeMismatch } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import type { Frame } from "../frame.ts"
import { contiguous, fromColumnsUnsafe } from "../frame.ts"
import type { Groups } from "../kernels/hash.ts"
import { broadcast } from "./arith.ts"
import { type EvalCtx, evaluate, isError, prefillAggs } from "./eval.ts"
import type { IR } from "./ir.ts"
import { hasRowColumn } from "./ir.ts"
import { type Mode, resolveAll } from "./resolve.ts"

export type EvalError = ColumnNotFound | TypeMismatch | ResolveErrors | ComputeError

const toNode = (e: string | Expr): ExprNode => (typeof e === "string" ? col(e).node : e.node)

const resolve = (self: Frame, nodes: ReadonlyArray<ExprNode>, mode: Mode): Effect.Effect<ReadonlyArray<IR>, EvalError> => {
  const r = resolveAll(self.schema, nodes, mode)
  return "error" in r ? Effect.fail(r.error) : Effect.succeed(r.irs)
}

const duplicate = (names: ReadonlyArray<string>): string | undefined => {
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) return n
    seen.add(n)
  }
  return undefined
}

/** Evaluates resolved expressions; each result has `ctx`'s length or length 1. */
const run = (irs: ReadonlyArray<IR>, ctx: EvalCtx): Effect.Effect<ReadonlyArray<Column>, ComputeError> =>
  Effect.suspend(() => {
    const out: Array<Column> = []
    for (const ir of irs) {
      const r = evaluate(ir, ctx)
      if (isError(r)) return Effect.fail(r)
      out.push(r)
    }
    return Effect.succeed(out)
  })

/**
 * A frame of the expressions' results, in order (strings are column names). As Polars `select`: when some output
 * reads columns row by row, every output has the frame's height and length-1 results (aggregations, literals)
 * are broadcast; when none does, the frame has one row.
 * Errors: `ColumnNotFound`, `TypeMismatch`, `ResolveErrors` (several problems), `ComputeError`, `DuplicateColumn`.
 */
export const select = (self: Frame, exprs: ReadonlyArray<string | Expr>): Effect.Effect<Frame, EvalError | DuplicateColumn> =>
  Effect.gen(function* () {
    const nodes = exprs.map(toNode)
    const irs = yield* resolve(self, nodes, "row")
    const names = nodes.map(outputName)
    const dup = duplicate(names)
    if (dup !== undefined) return yield* Effect.fail(new DuplicateColumn({ column: dup }))
    const cols = yield* run(irs, { columns: contiguous(self), height: self.height, mode: "row", memo: new Map() })
    const rowLevel = irs.some(hasRowColumn)
    const n = rowLevel ? self.height : 1
    return fromColumnsUnsafe(names, cols.map((c) => broadcast(c, n)))
  })

/**
 * Adds or replaces columns (a name already present is replaced in place, new names are appended in order); every
 * expression sees the input frame, as Polars `with_columns`. Length-1 results are broadcast to the height.
 * Errors: `ColumnNotFound`, `TypeMismatch`, `ResolveErrors`, `ComputeError`, `DuplicateColumn` (two outputs of one name).
 */
export const withColumns = (self: Frame, exprs: ReadonlyArray<Expr>): Effect.Effect<Frame, EvalError | DuplicateColumn> =>
  Effect.gen(function* () {
    const nodes = exprs.map(toNode)
    const irs = yield* resolve(self, nodes, "row")
    const names = nodes.map(outputName)
    const dup = duplicate(names)
    if (dup !== undefined) return yield* Effect.fail(new DuplicateColumn({ column: dup }))
    const input = contiguous(self)
    const cols = yield* run(irs, { columns: input, height: self.height, mode: "row", memo: new Map() })
    const outNames = [...self.columns]
    const outCols = [...input]
    names.forEach((name, k) => {
      const c = broadcast(cols[k]!, self.height)
      const i = outNames.indexOf(name)
      if (i >= 0) outCols[i] = c
      else {
        outNames.push(name)
        outCols.push(c)
      }
    })
    return fromColumnsUnsafe(outNames, outCols)
  })

/**
 * Keeps the rows where `predicate` (Boolean) is true; null counts as false, as Polars `filter`.
 * Errors: `ColumnNotFound`, `TypeMismatch` (a non-Boolean predicate), `ResolveErrors`, `ComputeError`.
 */
export const filter = (self: Frame, predicate: Expr): Effect.Effect<Frame, EvalError> =>
  Effect.gen(function* () {
    const [ir] = yield* resolve(self, [predicate.node], "row")
    if (ir!.dtype._tag !== "Boolean" && ir!.dtype._tag !== "Null")
      return yield* Effect.fail(new TypeMismatch({ expr: ir!.text, expected: "a bool predicate", actual: DT.format(ir!.dtype) }))
    const input = contiguous(self)
    const [mask] = yield* run([ir!], { columns: input, height: self.height, mode: "row" })
    const indices = maskIndices(mask!, self.height)
    if (indices === "all") return self
    return fromColumnsUnsafe(self.columns, input.map((c) => C.take(c, indices)))
  })

/** Row indices where a Boolean column (length n, or 1 = broadcast) is true and valid. */
const maskIndices = (mask: Column, n: number): Int32Array | "all" => {
  if (mask.dtype._tag === "Null") return new Int32Array(0)
  const bits = mask.values as Uint8Array
  if (mask.length !== n) return mask.nullCount === 0 && (bits[0]! & 1) === 1 ? "all" : new Int32Array(0)
  const v = mask.validity
  let count = 0
  const nb = (n + 7) >> 3
  const POP = popTable()
  const masked = new Uint8Array(nb)
  for (let k = 0; k < nb; k++) {
    let b = bits[k]! & (v === null ? 0xff : v[k]!)
    if (k === nb - 1 && (n & 7) !== 0) b &= (1 << (n & 7)) - 1
    masked[k] = b
    count += POP[b]!
  }
  if (count === n) return "all"
  const out = new Int32Array(count)
  let j = 0
  for (let k = 0; k < nb; k++) {
    let b = masked[k]!
    while (b !== 0) {
      const t = b & -b
      out[j++] = (k << 3) + (31 - Math.clz32(t))
      b ^= t
    }
  }
  return out
}

let POP_TABLE: Uint8Array | undefined
const popTable = (): Uint8Array => {
  if (POP_TABLE === undefined) {
    POP_TABLE = new Uint8Array(256)
    for (let i = 1; i < 256; i++) POP_TABLE[i] = (i & 1) + POP_TABLE[i >> 1]!
  }
  return POP_TABLE
}

/**
 * Evaluates row-wise expressions (strings are column names) to full-height columns, e.g. sort or group keys;
 * literals and aggregations are broadcast. Names follow Polars' output-name rule.
 */
export const evaluateColumns = (
  self: Frame,
  exprs: ReadonlyArray<string | Expr>
): Effect.Effect<ReadonlyArray<{ readonly name: string; readonly column: Column }>, EvalError> =>
  Effect.gen(function* () {
    const nodes = exprs.map(toNode)
    const irs = yield* resolve(self, nodes, "row")
    const cols = yield* run(irs, { columns: contiguous(self), height: self.height, mode: "row" })
    return nodes.map((node, k) => ({ name: outputName(node), column: broadcast(cols[k]!, self.height) }))
  })

/**
 * Evaluates aggregation expressions per group (as Polars `group_by().agg()`): one column of `groups.count` rows per
 * expression. Aggregations run over the groups; expressions combining them (`col("a").sum() / col("b").sum()`,
 * `len()`, literals) run on the per-group results. A column used outside an aggregation is a `TypeMismatch`.
 */
export const aggregate = (
  self: Frame,
  groups: Groups,
  exprs: ReadonlyArray<Expr>
): Effect.Effect<ReadonlyArray<{ readonly name: string; readonly column: Column }>, EvalError> =>
  Effect.gen(function* () {
    const nodes = exprs.map(toNode)
    const irs = yield* resolve(self, nodes, "agg")
    const ctx: EvalCtx = { columns: contiguous(self), height: self.height, mode: "agg", groups, memo: new Map() }
    prefillAggs(irs, ctx)
    const cols = yield* run(irs, ctx)
    return nodes.map((node, k) => ({ name: outputName(node), column: broadcast(cols[k]!, groups.count) }))
  })
