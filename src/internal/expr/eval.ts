/**
 * Evaluation of the typed IR over contiguous columns, in three contexts:
 * - row: one value per row (`select`, `withColumns`, `filter`); an aggregation there reduces the whole column to
 *   one value (a length-1 column, broadcast where combined with row values);
 * - window (row context with `groups`): inside `over(partitionBy)`, aggregations are computed per partition and
 *   mapped back to the rows, and functions along the column (cumulative ops, rank) restart per partition;
 * - agg: one value per group (`groupBy().agg()`): aggregations run over `groups`, and expressions combining them
 *   work on the per-group results.
 * Results are columns of the context's length, or length-1 columns (scalars) that callers broadcast.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import { ComputeError } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import type { BigArray, Column, NumericArray } from "../column.ts"
import {
  type AggSpec,
  aggregate as aggregateKernel,
  aggregateMany,
  isFusable,
  quantilesWithMoments
} from "../kernels/agg.ts"
import { type Groups, groupIds } from "../kernels/hash.ts"
import { arith, broadcast, choose, fillNan, logic, round, unary } from "./arith.ts"
import { cast, isCastFailure } from "./cast.ts"
import { compare, isIn } from "./compare.ts"
import type { IR } from "./ir.ts"
import type { QuantileInterpolation } from "../../Expr/Expr.ts"
import { isFailure } from "./registry.ts"

export interface EvalCtx {
  /** The frame's contiguous columns. */
  readonly columns: ReadonlyArray<Column>
  /** The frame's height. */
  readonly height: number
  readonly mode: "row" | "agg"
  /** agg mode: the groups; row mode: the window partition (inside `over`), if any. */
  readonly groups?: Groups | undefined
  /**
   * Results of sub-expressions already evaluated in this context, by structural key (`irKey`), so a repeated
   * sub-expression (`col("x").sum()` used twice in one `agg`, a cast shared by several aggregations) is computed
   * once. Shared by the expressions of one verb call; absent inside windows.
   */
  readonly memo?: Map<string, Column> | undefined
}

const KEYS = new WeakMap<IR, string | null>()

/** A literal's value as key text (null when it has no faithful one). */
const literalKey = (v: unknown): string | null => {
  if (v === null || v === undefined) return "null"
  if (typeof v === "number" || typeof v === "boolean") return String(v)
  if (typeof v === "bigint") return `${v}n`
  if (typeof v === "string") return JSON.stringify(v)
  if (v instanceof Date) return `D${v.getTime()}`
  return null
}

const optionsKey = (o: unknown): string | null => {
  try {
    return JSON.stringify(o) ?? ""
  } catch {
    return null
  }
}

/**
 * A structural key of an IR tree: equal keys mean equal results in one context. Null for trees holding a node
 * that is not keyed (windows, functions, conditionals): those are always evaluated.
 */
export const irKey = (ir: IR): string | null => {
  const cached = KEYS.get(ir)
  if (cached !== undefined) return cached
  let k: string | null = null
  const sub = (x: IR, f: (a: string) => string): string | null => {
    const a = irKey(x)
    return a === null ? null : f(a)
  }
  const t = DT.format(ir.dtype)
  switch (ir._tag) {
    case "Column":
      k = `#${ir.index}`
      break
    case "Literal": {
      const v = literalKey(ir.value)
      k = v === null ? null : `lit<${t}>${v}`
      break
    }
    case "Len":
      k = "len"
      break
    case "Binary": {
      const a = irKey(ir.left)
      const b = irKey(ir.right)
      k = a === null || b === null ? null : `${ir.op}<${t}>(${a},${b})`
      break
    }
    case "Unary":
      k = sub(ir.input, (a) => `${ir.op}<${t}>(${a})`)
      break
    case "Cast":
      k = sub(ir.input, (a) => `cast${ir.strict ? "!" : ""}<${t}>(${a})`)
      break
    case "Round":
      k = sub(ir.input, (a) => `round${ir.decimals}(${a})`)
      break
    case "Agg": {
      const o = optionsKey(ir.options)
      k = o === null ? null : sub(ir.input, (a) => `${ir.fn}<${t}${o}>(${a})`)
      break
    }
    default:
      k = null
  }
  KEYS.set(ir, k)
  return k
}

export type Result = Column | ComputeError

export const isError = (r: Result): r is ComputeError => r instanceof ComputeError

/** Output length of the context: rows, or groups in agg mode. */
const lengthOf = (ctx: EvalCtx): number => (ctx.mode === "agg" ? ctx.groups!.count : ctx.height)

const rowCtx = (ctx: EvalCtx): EvalCtx =>
  ctx.mode === "row" && ctx.groups === undefined
    ? ctx
    : { columns: ctx.columns, height: ctx.height, mode: "row", memo: ctx.memo === undefined ? undefined : rowMemo(ctx.memo) }

/** The memo of the row context below an agg (or window) context: kept apart, since the same IR differs there. */
const ROW_MEMOS = new WeakMap<Map<string, Column>, Map<string, Column>>()
const rowMemo = (m: Map<string, Column>): Map<string, Column> => {
  let r = ROW_MEMOS.get(m)
  if (r === undefined) {
    r = new Map()
    ROW_MEMOS.set(m, r)
  }
  return r
}

/** One group holding every row (an aggregation in a row context). */
export const singleGroup = (n: number): Groups => ({
  ids: new Int32Array(n),
  count: 1,
  firstRow: Int32Array.of(n > 0 ? 0 : -1)
})

const groupSizes = (groups: Groups): Uint32Array => {
  const sizes = new Uint32Array(groups.count)
  const ids = groups.ids
  for (let i = 0; i < ids.length; i++) sizes[ids[i]!]!++
  return sizes
}

/** Evaluates `ir`; the result has the context's length or length 1 (a scalar). */
export const evaluate = (ir: IR, ctx: EvalCtx): Result => {
  const memo = ctx.memo
  if (memo === undefined || ir._tag === "Column" || ir._tag === "Literal") return evaluateNode(ir, ctx)
  const key = irKey(ir)
  if (key === null) return evaluateNode(ir, ctx)
  const hit = memo.get(key)
  if (hit !== undefined) return hit
  const r = evaluateNode(ir, ctx)
  if (!isError(r)) memo.set(key, r)
  return r
}

const evaluateNode = (ir: IR, ctx: EvalCtx): Result => {
  const n = lengthOf(ctx)
  switch (ir._tag) {
    case "Column":
      return ctx.columns[ir.index]!
    case "Literal":
      return ir.column
    case "Len": {
      if (ctx.mode === "agg") return C.make(DT.UInt32, n, groupSizes(ctx.groups!), null)
      if (ctx.groups !== undefined) return C.take(C.make(DT.UInt32, ctx.groups.count, groupSizes(ctx.groups), null), ctx.groups.ids)
      return C.make(DT.UInt32, 1, Uint32Array.of(ctx.height), null)
    }
    case "Binary": {
      const a = evaluate(ir.left, ctx)
      if (isError(a)) return a
      const b = evaluate(ir.right, ctx)
      if (isError(b)) return b
      const len = a.length === 1 && b.length === 1 ? 1 : n
      switch (ir.op) {
        case "and":
        case "or":
        case "xor":
          return logic(ir.op, a, b, len)
        case "eq":
        case "neq":
        case "lt":
        case "ltEq":
        case "gt":
        case "gtEq":
          return compare(ir.op, a, b, len)
        default:
          return arith(ir.op, a, b, ir.dtype, len)
      }
    }
    case "Unary": {
      const a = evaluate(ir.input, ctx)
      if (isError(a)) return a
      return unary(ir.op, a, ir.dtype)
    }
    case "Cast": {
      const a = evaluate(ir.input, ctx)
      if (isError(a)) return a
      const r = cast(a, ir.dtype, ir.strict)
      if (isCastFailure(r))
        return new ComputeError({
          expr: ir.text,
          ...(a.length === n ? { row: r.row } : {}),
          message: `cannot cast ${r.value} from ${r.from} to ${r.to}${a.length === n ? ` (row ${r.row})` : ""} in ${ir.text}; use tryCast to get null instead`
        })
      return r
    }
    case "When": {
      const values: Array<Column> = []
      const conds: Array<Column> = []
      for (const b of ir.branches) {
        const c = evaluate(b.when, ctx)
        if (isError(c)) return c
        const v = evaluate(b.then, ctx)
        if (isError(v)) return v
        conds.push(c)
        values.push(v)
      }
      const o = evaluate(ir.otherwise, ctx)
      if (isError(o)) return o
      values.push(o)
      const len = [...values, ...conds].every((c) => c.length === 1) ? 1 : n
      const k0 = ir.branches.length
      const choice = new Int32Array(len).fill(k0)
      const open = new Uint8Array(len).fill(1)
      for (let k = 0; k < conds.length; k++) {
        const c = conds[k]!
        if (c.dtype._tag === "Null") continue
        const bits = c.values as Uint8Array
        const m = c.length === len ? -1 : 0
        for (let i = 0; i < len; i++) {
          const j = i & m
          if (open[i] && C.isValid(c, j) && (bits[j >> 3]! >> (j & 7)) & 1) {
            choice[i] = k
            open[i] = 0
          }
        }
      }
      return choose(values, choice, len)
    }
    case "Function": {
      const a = evaluate(ir.input, ctx)
      if (isError(a)) return a
      const args: Array<Column> = []
      for (const x of ir.args) {
        const c = evaluate(x, ctx)
        if (isError(c)) return c
        args.push(c)
      }
      const len = a.length === 1 && args.every((c) => c.length === 1) ? 1 : n
      const r = ir.impl.evaluate(
        broadcast(a, len),
        args.map((c) => broadcast(c, len)),
        ir.options,
        ctx.mode === "row" && len === ctx.height ? ctx.groups : undefined
      )
      if (isFailure(r))
        return new ComputeError({ expr: ir.text, ...(r.row !== undefined ? { row: r.row } : {}), message: `${r.error} in ${ir.text}` })
      return r
    }
    case "IsIn": {
      const a = evaluate(ir.input, ctx)
      if (isError(a)) return a
      return isIn(a, ir.values)
    }
    case "Round": {
      const a = evaluate(ir.input, ctx)
      if (isError(a)) return a
      return round(a, ir.decimals)
    }
    case "FillNan": {
      const a = evaluate(ir.input, ctx)
      if (isError(a)) return a
      const v = evaluate(ir.value, ctx)
      if (isError(v)) return v
      const len = a.length === 1 && v.length === 1 ? 1 : n
      return fillNan(broadcast(a, len), v)
    }
    case "FillNullStrategy": {
      const a = evaluate(ir.input, ctx)
      if (isError(a)) return a
      const groups = ctx.mode === "row" && a.length === ctx.height ? ctx.groups : undefined
      return groups === undefined ? fillNullStrategy(a, ir.strategy) : fillNullStrategyGrouped(a, ir.strategy, groups)
    }
    case "Agg": {
      const input = evaluate(ir.input, rowCtx(ctx))
      if (isError(input)) return input
      const full = broadcast(input, ctx.height)
      if (ctx.mode === "agg") return aggregateKernel(ir.fn, full, ctx.groups!, ir.options)
      if (ctx.groups !== undefined) return C.take(aggregateKernel(ir.fn, full, ctx.groups, ir.options), ctx.groups.ids)
      return aggregateKernel(ir.fn, full, singleGroup(ctx.height), ir.options)
    }
    case "Window": {
      const keys: Array<Column> = []
      for (const p of ir.partitionBy) {
        const k = evaluate(p, rowCtx(ctx))
        if (isError(k)) return k
        keys.push(broadcast(k, ctx.height))
      }
      const groups = groupIds(keys, ctx.height)
      const r = evaluate(ir.input, { columns: ctx.columns, height: ctx.height, mode: "row", groups })
      if (isError(r)) return r
      return broadcast(r, ctx.height)
    }
  }
}

/** The aggregations (`Agg`, `Len`) of an agg-context IR tree, outside of aggregation inputs. */
const collectAggs = (ir: IR, out: Array<IR>): void => {
  switch (ir._tag) {
    case "Agg":
    case "Len":
      out.push(ir)
      return
    case "Column":
    case "Literal":
    case "Window":
      return
    case "Binary":
      collectAggs(ir.left, out)
      collectAggs(ir.right, out)
      return
    case "When":
      for (const b of ir.branches) {
        collectAggs(b.when, out)
        collectAggs(b.then, out)
      }
      collectAggs(ir.otherwise, out)
      return
    case "Function":
      collectAggs(ir.input, out)
      for (const a of ir.args) collectAggs(a, out)
      return
    case "FillNan":
      collectAggs(ir.input, out)
      collectAggs(ir.value, out)
      return
    default:
      collectAggs(ir.input, out)
  }
}

const isPlainNumberType = (t: DT.DataType): boolean =>
  DT.isFloat(t) || (DT.isInteger(t) && t._tag !== "Int64" && t._tag !== "UInt64")

/** A full-height column of plain numbers read as doubles: a Float64 column, or a plain-number column cast to Float64. */
const asDoubles = (ir: IR, ctx: EvalCtx): Column | undefined => {
  if (ir.dtype._tag !== "Float64") return undefined
  const x = ir._tag === "Cast" ? ir.input : ir
  if (x._tag !== "Column" || !isPlainNumberType(x.dtype)) return undefined
  const c = ctx.columns[x.index]!
  return c.length === ctx.height ? c : undefined
}

/** A full-height Int32 column read directly (an operand of an Int32 product). */
const asInt32 = (ir: IR, ctx: EvalCtx): Column | undefined => {
  if (ir._tag !== "Column" || ir.dtype._tag !== "Int32") return undefined
  const c = ctx.columns[ir.index]!
  return c.length === ctx.height && c.dtype._tag === "Int32" ? c : undefined
}

/**
 * The input of a sum / mean / var / std read in the shared pass without materializing it: `x` or `x * y` where
 * x and y are Float64 columns or plain-number columns cast to Float64 (as `f64(a) * f64(b)` in a correlation),
 * or (mean / var / std) the Int32 product `a * b` of two Int32 columns (as `mean(v1 * v2)`), unless the row memo
 * already holds it.
 */
const virtualInput = (
  ir: Extract<IR, { _tag: "Agg" }>,
  ctx: EvalCtx
): { readonly column: Column; readonly asFloat64?: true; readonly times?: Column; readonly imul?: true } | undefined => {
  if (ir.fn !== "sum" && ir.fn !== "mean" && ir.fn !== "var" && ir.fn !== "std") return undefined
  const input = ir.input
  const memoKey = irKey(input)
  if (memoKey !== null && ctx.memo !== undefined && rowMemo(ctx.memo).has(memoKey)) return undefined
  if (input._tag === "Binary" && input.op === "mul" && input.dtype._tag === "Float64") {
    const a = asDoubles(input.left, ctx)
    const b = asDoubles(input.right, ctx)
    return a === undefined || b === undefined ? undefined : { column: a, asFloat64: true, times: b }
  }
  if (input._tag === "Binary" && input.op === "mul" && input.dtype._tag === "Int32" && ir.fn !== "sum") {
    const a = asInt32(input.left, ctx)
    const b = asInt32(input.right, ctx)
    return a === undefined || b === undefined ? undefined : { column: a, times: b, imul: true }
  }
  if (input._tag !== "Cast") return undefined
  const a = asDoubles(input, ctx)
  return a === undefined ? undefined : { column: a, asFloat64: true }
}

const FUSABLE_FNS: ReadonlySet<string> = new Set(["sum", "mean", "min", "max", "count", "len", "var", "std"])

/**
 * Median / quantile aggregations share one gather of each group's values (a counting sort by group) with the
 * var / std aggregations of the same plain-number input, which are then computed from the gathered values (as
 * `quantilesWithMoments`) instead of in the shared pass (db-benchmark q6: `median(v3), sd(v3) by id4, id5`).
 * Results go to the memo; their keys to `seen`.
 */
const prefillQuantiles = (found: ReadonlyArray<IR>, ctx: EvalCtx, row: EvalCtx, seen: Set<string>): void => {
  const memo = ctx.memo!
  const byInput = new Map<string, Array<{ readonly ir: Extract<IR, { _tag: "Agg" }>; readonly key: string }>>()
  for (const ir of found) {
    if (ir._tag !== "Agg") continue
    if (ir.fn !== "median" && ir.fn !== "quantile" && ir.fn !== "var" && ir.fn !== "std") continue
    const key = irKey(ir)
    const inputKey = irKey(ir.input)
    if (key === null || inputKey === null || memo.has(key) || !isPlainNumberType(ir.input.dtype)) continue
    const list = byInput.get(inputKey) ?? []
    if (!list.some((e) => e.key === key)) list.push({ ir, key })
    byInput.set(inputKey, list)
  }
  for (const list of byInput.values()) {
    const qs = list.filter((e) => e.ir.fn === "median" || e.ir.fn === "quantile")
    const vs = list.filter((e) => e.ir.fn === "var" || e.ir.fn === "std")
    if (qs.length === 0 || vs.length === 0) continue
    const input = evaluate(qs[0]!.ir.input, row)
    if (isError(input)) continue
    const full = broadcast(input, ctx.height)
    if (!isPlainNumberType(full.dtype)) continue
    const results = quantilesWithMoments(
      full,
      ctx.groups!,
      qs.map((e) =>
        e.ir.fn === "median"
          ? { q: 0.5, interp: "linear" as const }
          : {
              q: e.ir.options["q"] as number,
              interp: (e.ir.options["interpolation"] as QuantileInterpolation | undefined) ?? "nearest"
            }
      ),
      vs.map((e) => ({ ddof: (e.ir.options["ddof"] as number | undefined) ?? 1, std: e.ir.fn === "std" }))
    )
    ;[...qs, ...vs].forEach((e, i) => {
      memo.set(e.key, results[i]!)
      seen.add(e.key)
    })
  }
}

/**
 * Single-pass multi-aggregation: computes the aggregations of `irs` (agg context, with a memo) that
 * `aggregateMany` supports in one shared pass over the group ids, and stores their results in the memo, where
 * `evaluate` finds them; `evaluate` computes the rest as before. Does nothing when fewer than two qualify (one with
 * `groups.direct`, which the pass reads instead of the group ids), or when groups hold fewer than 4 rows on average.
 * An input that fails to evaluate is left to `evaluate`, which reports the error.
 */
export const prefillAggs = (irs: ReadonlyArray<IR>, ctx: EvalCtx): void => {
  const memo = ctx.memo
  // With about one row per group the separate kernels stream through their state arrays; the shared pass only pays
  // for its wider state there (measured: 1e7 rows in ~1e7 groups, 1.5x slower).
  if (ctx.mode !== "agg" || memo === undefined || ctx.groups === undefined || ctx.groups.count * 4 > ctx.height) return
  // Groups over small key domains (`groups.direct`) have no group-id array yet: the shared pass computes even a
  // single aggregation without building one.
  const least = ctx.groups.direct === undefined ? 2 : 1
  const found: Array<IR> = []
  for (const ir of irs) collectAggs(ir, found)
  const seen = new Set<string>()
  const row = rowCtx(ctx)
  prefillQuantiles(found, ctx, row, seen)
  if (found.length < least) return
  const keys: Array<string> = []
  const specs: Array<AggSpec> = []
  for (const ir of found) {
    const key = irKey(ir)
    if (key === null || seen.has(key) || memo.has(key)) continue
    seen.add(key)
    if (ir._tag === "Len") {
      // len counts rows: the column is not read.
      specs.push({ fn: "len", column: C.make(DT.Null, ctx.height, new Uint8Array(0), null), options: {} })
      keys.push(key)
      continue
    }
    if (ir._tag !== "Agg") continue
    const virtual = virtualInput(ir, ctx)
    if (virtual !== undefined) {
      specs.push({ fn: ir.fn, options: ir.options, ...virtual })
      keys.push(key)
      continue
    }
    // Evaluated here only when the memo keeps the result for `evaluate` (a Column costs nothing either way).
    if (!FUSABLE_FNS.has(ir.fn) || irKey(ir.input) === null) continue
    const input = evaluate(ir.input, row)
    if (isError(input)) continue
    const full = broadcast(input, ctx.height)
    if (!isFusable(ir.fn, full)) continue
    specs.push({ fn: ir.fn, column: full, options: ir.options })
    keys.push(key)
  }
  if (specs.length < least) return
  const results = aggregateMany(specs, ctx.groups)
  keys.forEach((k, i) => {
    memo.set(k, results[i]!)
  })
}

/** fillNull by strategy: forward / backward (last / next non-null value), min / max / mean of the non-null values. */
const fillNullStrategy = (a: Column, strategy: "forward" | "backward" | "min" | "max" | "mean"): Column => {
  const n = a.length
  if (a.nullCount === 0 || a.dtype._tag === "Null") return a
  if (strategy === "forward" || strategy === "backward") {
    const idx = new Int32Array(n)
    let last = -1
    if (strategy === "forward")
      for (let i = 0; i < n; i++) {
        if (C.isValid(a, i)) last = i
        idx[i] = last
      }
    else
      for (let i = n - 1; i >= 0; i--) {
        if (C.isValid(a, i)) last = i
        idx[i] = last
      }
    return C.take(a, idx)
  }
  let fill: Column
  if (a.values instanceof BigInt64Array || a.values instanceof BigUint64Array) {
    const v = a.values as BigArray
    let best: bigint | undefined
    for (let i = 0; i < n; i++) {
      if (!C.isValid(a, i)) continue
      const x = v[i]!
      if (best === undefined || (strategy === "min" ? x < best : x > best)) best = x
    }
    if (best === undefined) return a
    const out = C.allocValues(a.dtype, 1) as BigArray
    out[0] = best
    fill = C.make(a.dtype, 1, out, null)
  } else {
    const v = a.values as NumericArray
    let best = strategy === "min" ? Infinity : strategy === "max" ? -Infinity : 0
    let count = 0
    for (let i = 0; i < n; i++) {
      if (!C.isValid(a, i)) continue
      const x = v[i]!
      count++
      if (strategy === "mean") best += x
      else if (strategy === "min" ? x < best || Number.isNaN(x) : x > best || Number.isNaN(x)) best = x
    }
    if (count === 0) return a
    const out = C.allocValues(a.dtype, 1) as NumericArray
    out[0] = strategy === "mean" ? best / count : best
    fill = C.make(a.dtype, 1, out, null)
  }
  const choice = new Int32Array(n)
  for (let i = 0; i < n; i++) choice[i] = C.isValid(a, i) ? 0 : 1
  return choose([a, fill], choice, n)
}

/** fillNull by strategy within the partitions of a window (`over`). */
const fillNullStrategyGrouped = (a: Column, strategy: "forward" | "backward" | "min" | "max" | "mean", groups: Groups): Column => {
  const n = a.length
  if (a.nullCount === 0 || a.dtype._tag === "Null") return a
  if (strategy === "forward" || strategy === "backward") {
    const idx = new Int32Array(n)
    const last = new Int32Array(groups.count).fill(-1)
    const ids = groups.ids
    if (strategy === "forward")
      for (let i = 0; i < n; i++) {
        if (C.isValid(a, i)) last[ids[i]!] = i
        idx[i] = last[ids[i]!]!
      }
    else
      for (let i = n - 1; i >= 0; i--) {
        if (C.isValid(a, i)) last[ids[i]!] = i
        idx[i] = last[ids[i]!]!
      }
    return C.take(a, idx)
  }
  const per = aggregateKernel(strategy, a, groups, {})
  const fill = C.take(per.dtype._tag === a.dtype._tag ? per : castOrSelf(per, a.dtype), groups.ids)
  const choice = new Int32Array(n)
  for (let i = 0; i < n; i++) choice[i] = C.isValid(a, i) ? 0 : 1
  return choose([a, fill], choice, n)
}

const castOrSelf = (c: Column, to: DT.DataType): Column => {
  const r = cast(c, to, false)
  return isCastFailure(r) ? C.nulls(to, c.length) : r
}
