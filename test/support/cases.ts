/**
 * Random expressions for the differential tests, each generated together with its DuckDB SQL translation, from a
 * seed (deterministic). The SQL follows Polars semantics: operands are cast to the Polars result dtype (computed
 * here independently of the engine), `/` is true division in Float64 (Float32 for Float32 operands).
 */
import * as DT from "../../src/Frame/DataType.ts"
import type { DataType, Field } from "../../src/Frame/DataType.ts"
import { col, type Expr, len, lit } from "../../src/Expr/index.ts"
import { Rng } from "../../src/internal/generate.ts"
import { ident, sqlType, str } from "./duckdb.ts"

export { Rng }

export interface Gen {
  readonly expr: Expr
  readonly sql: string
}

const CMP = [
  ["eq", "="],
  ["neq", "<>"],
  ["lt", "<"],
  ["ltEq", "<="],
  ["gt", ">"],
  ["gtEq", ">="]
] as const

type CmpOp = (typeof CMP)[number][0]

const cmp = (e: Expr, op: CmpOp, other: Expr | number | string | boolean): Expr => e[op](other)

const numericFields = (fs: ReadonlyArray<Field>) => fs.filter((f) => DT.isNumeric(f.dtype) && f.dtype._tag !== "Decimal")
const comparableNumbers = (fs: ReadonlyArray<Field>) => fs.filter((f) => DT.isNumeric(f.dtype))

/** Integer literals outside the range of small integer dtypes (they must widen the comparison, not wrap). */
const WIDE_INTS = [-300, 300, 70000, -70000, -129, 128, 256, -1, 4294967296, -2147483649]

const randomString = (rng: Rng): string => {
  const alphabet = ["a", "b", "c", "A", "é", "中", "😀", ""]
  let s = ""
  const n = rng.int(0, 2)
  for (let i = 0; i < n; i++) s += rng.pick(alphabet)
  return s
}

// ---------------------------------------------------------------------------------------------------------------
// filter predicates
// ---------------------------------------------------------------------------------------------------------------

const numLiteral = (rng: Rng, t: DataType): { readonly js: number; readonly sql: string } => {
  if (DT.isFloat(t) && rng.chance(0.5)) {
    const v = rng.int(-120, 120) / 2
    return { js: v, sql: `${v}::DOUBLE` }
  }
  const v = rng.chance(0.15) ? rng.pick(WIDE_INTS) : rng.int(-60, 60)
  return { js: v, sql: String(v) }
}

/** A leaf predicate over the frame's columns. */
const leaf = (rng: Rng, fs: ReadonlyArray<Field>): Gen => {
  const nums = comparableNumbers(fs)
  const strs = fs.filter((f) => DT.isString(f.dtype))
  const bools = fs.filter((f) => f.dtype._tag === "Boolean")
  const temporal = fs.filter((f) => f.dtype._tag === "Date" || f.dtype._tag === "Timestamp")
  for (;;) {
    const kind = rng.int(0, 8)
    if (kind === 0 && nums.length > 0) {
      const f = rng.pick(nums)
      const [op, sop] = rng.pick(CMP)
      const l = numLiteral(rng, f.dtype)
      return { expr: cmp(col(f.name), op, l.js), sql: `(${ident(f.name)} ${sop} ${l.sql})` }
    }
    if (kind === 1 && nums.length > 1) {
      const a = rng.pick(nums)
      const b = rng.pick(nums)
      const [op, sop] = rng.pick(CMP)
      return { expr: cmp(col(a.name), op, col(b.name)), sql: `(${ident(a.name)} ${sop} ${ident(b.name)})` }
    }
    if (kind === 2 && strs.length > 0) {
      const f = rng.pick(strs)
      const [op, sop] = rng.pick(CMP)
      if (strs.length > 1 && rng.chance(0.4)) {
        const g = rng.pick(strs)
        return { expr: cmp(col(f.name), op, col(g.name)), sql: `(${ident(f.name)} ${sop} ${ident(g.name)})` }
      }
      const s = randomString(rng)
      return { expr: cmp(col(f.name), op, s), sql: `(${ident(f.name)} ${sop} ${str(s)})` }
    }
    if (kind === 3 && bools.length > 0) {
      const f = rng.pick(bools)
      if (rng.chance(0.5)) return { expr: col(f.name), sql: ident(f.name) }
      const v = rng.chance(0.5)
      return { expr: col(f.name).eq(v), sql: `(${ident(f.name)} = ${v})` }
    }
    if (kind === 4 && temporal.length > 1) {
      const a = rng.pick(temporal)
      const b = temporal.filter((t) => DT.equals(t.dtype, a.dtype))
      const g = rng.pick(b)
      const [op, sop] = rng.pick(CMP)
      return { expr: cmp(col(a.name), op, col(g.name)), sql: `(${ident(a.name)} ${sop} ${ident(g.name)})` }
    }
    if (kind === 5) {
      const f = rng.pick(fs)
      return rng.chance(0.5)
        ? { expr: col(f.name).isNull(), sql: `(${ident(f.name)} IS NULL)` }
        : { expr: col(f.name).isNotNull(), sql: `(${ident(f.name)} IS NOT NULL)` }
    }
    if (kind === 6) {
      const ints = nums.filter((f) => DT.isInteger(f.dtype))
      if (ints.length > 0 && rng.chance(0.5)) {
        const f = rng.pick(ints)
        const vs = Array.from({ length: rng.int(1, 4) }, () => rng.int(-60, 60))
        return { expr: col(f.name).isIn(vs), sql: `(${ident(f.name)} IN (${vs.join(", ")}))` }
      }
      if (strs.length > 0) {
        const f = rng.pick(strs)
        const vs = Array.from({ length: rng.int(1, 3) }, () => randomString(rng))
        return { expr: col(f.name).isIn(vs), sql: `(${ident(f.name)} IN (${vs.map(str).join(", ")}))` }
      }
    }
    if (kind === 7 && nums.length > 0) {
      const f = rng.pick(nums)
      const a = rng.int(-60, 60)
      const b = rng.int(a, 60)
      return { expr: col(f.name).between(a, b), sql: `(${ident(f.name)} BETWEEN ${a} AND ${b})` }
    }
  }
}

/** A random Boolean predicate (comparisons, null tests, isIn, between, combined with and/or/not). */
export const predicate = (rng: Rng, fs: ReadonlyArray<Field>, depth = 3): Gen => {
  if (depth <= 0 || rng.chance(0.35)) return leaf(rng, fs)
  const k = rng.int(0, 4)
  if (k === 0) {
    const p = predicate(rng, fs, depth - 1)
    return { expr: p.expr.not(), sql: `(NOT ${p.sql})` }
  }
  const a = predicate(rng, fs, depth - 1)
  const b = predicate(rng, fs, depth - 1)
  return k <= 2
    ? { expr: a.expr.and(b.expr), sql: `(${a.sql} AND ${b.sql})` }
    : { expr: a.expr.or(b.expr), sql: `(${a.sql} OR ${b.sql})` }
}

// ---------------------------------------------------------------------------------------------------------------
// arithmetic
// ---------------------------------------------------------------------------------------------------------------

const INT_MAX: Record<string, number> = {
  Int8: 127,
  Int16: 32767,
  Int32: 2147483647,
  Int64: 2 ** 62,
  UInt8: 255,
  UInt16: 65535,
  UInt32: 4294967295,
  UInt64: 2 ** 63
}
const SIGNED = ["Int8", "Int16", "Int32", "Int64"] as const

const bits = (t: DataType): number => DT.bitWidth(t)

/** Polars' numeric supertype (written independently of the engine's `types.ts`). */
export const polarsSupertype = (a: DataType, b: DataType): DataType => {
  if (DT.equals(a, b)) return a
  const fa = DT.isFloat(a)
  const fb = DT.isFloat(b)
  if (fa && fb) return DT.Float64
  if (fa || fb) {
    const f = fa ? a : b
    const i = fa ? b : a
    return f._tag === "Float32" && bits(i) <= 16 ? DT.Float32 : DT.Float64
  }
  const sa = DT.isSigned(a)
  const sb = DT.isSigned(b)
  if (sa === sb) return bits(a) >= bits(b) ? a : b
  const s = sa ? a : b
  const u = sa ? b : a
  const w = Math.max(bits(s), 2 * bits(u))
  return w > 64 ? DT.Float64 : (DT as unknown as Record<string, DataType>)[SIGNED[Math.log2(w) - 3]!]!
}

export interface Arith extends Gen {
  /** Polars result dtype. */
  readonly dtype: DataType
  /** Bound on |value| of integer results (Infinity for floats). */
  readonly bound: number
  readonly leaves: number
  readonly literal: { readonly value: number; readonly float: boolean } | undefined
}

const fitsLiteral = (v: number, t: DataType): boolean => {
  if (!DT.isInteger(t)) return false
  const max = INT_MAX[t._tag]!
  const min = DT.isSigned(t) ? -max - 1 : 0
  return v >= min && v <= max
}

/** Result dtype of `a op b` with Polars' dynamic literals. */
const resultType = (a: Arith, b: Arith): DataType => {
  const lit = a.literal ?? b.literal
  const other = a.literal !== undefined ? b : a
  if (lit !== undefined) {
    if (lit.float) return DT.isFloat(other.dtype) ? other.dtype : DT.Float64
    if (DT.isFloat(other.dtype)) return other.dtype
    return fitsLiteral(lit.value, other.dtype) ? other.dtype : polarsSupertype(other.dtype, DT.Int32)
  }
  return polarsSupertype(a.dtype, b.dtype)
}

const ARITH = [
  ["add", "+"],
  ["sub", "-"],
  ["mul", "*"],
  ["div", "/"]
] as const

/** A random arithmetic expression (+ - * /) over numeric columns and small literals, integer results kept in range. */
export const arithmetic = (rng: Rng, fs: ReadonlyArray<Field>, maxAbs: number, maxLeaves = 3): Arith => {
  const nums = numericFields(fs)
  const leafOf = (allowLiteral: boolean): Arith => {
    if (allowLiteral && rng.chance(0.3)) {
      const float = rng.chance(0.3)
      const value = float ? rng.int(-10, 9) + 0.5 : rng.int(-5, 5)
      return {
        expr: null as unknown as Expr,
        sql: float ? `'${value}'::DOUBLE` : String(value),
        dtype: float ? DT.Float64 : DT.Int32,
        bound: Math.abs(value),
        leaves: 1,
        literal: { value, float }
      }
    }
    const f = rng.pick(nums)
    return {
      expr: col(f.name),
      sql: ident(f.name),
      dtype: f.dtype,
      bound: DT.isFloat(f.dtype) ? Infinity : maxAbs,
      leaves: 1,
      literal: undefined
    }
  }
  const build = (leaves: number, allowLiteral: boolean): Arith => {
    if (leaves <= 1) return leafOf(allowLiteral)
    for (let attempt = 0; attempt < 20; attempt++) {
      const nl = rng.int(1, leaves - 1)
      const a = build(nl, true)
      const b = build(leaves - nl, a.literal === undefined)
      if (a.literal !== undefined && b.literal !== undefined) continue
      const [op, sop] = rng.pick(ARITH)
      const t = resultType(a, b)
      if (op === "div") {
        const r = t._tag === "Float32" ? DT.Float32 : DT.Float64
        const st = sqlType(r)
        return {
          expr: ex(a).div(ex(b)),
          sql: `(CAST(${a.sql} AS ${st}) / CAST(${b.sql} AS ${st}))`,
          dtype: r,
          bound: Infinity,
          leaves,
          literal: undefined
        }
      }
      let bound = Infinity
      if (DT.isInteger(t)) {
        bound = op === "mul" ? a.bound * b.bound : a.bound + b.bound
        if (bound > INT_MAX[t._tag]!) continue
        if (!DT.isSigned(t) && (op === "sub" || (a.literal?.value ?? 0) < 0 || (b.literal?.value ?? 0) < 0)) continue
      }
      const st = sqlType(t)
      return {
        expr: ex(a)[op](ex(b)),
        sql: `(CAST(${a.sql} AS ${st}) ${sop} CAST(${b.sql} AS ${st}))`,
        dtype: t,
        bound,
        leaves,
        literal: undefined
      }
    }
    return leafOf(false)
  }
  return build(rng.int(1, maxLeaves), false)
}

const ex = (a: Arith): Expr => (a.literal !== undefined ? lit(a.literal.value) : a.expr)

// ---------------------------------------------------------------------------------------------------------------
// aggregations
// ---------------------------------------------------------------------------------------------------------------

export interface AggCase extends Gen {
  readonly name: string
}

/**
 * A random aggregation of `column` (aliased `name`) and its SQL, with Polars semantics: sum of nothing is 0,
 * nUnique counts null as a value, first/last are by row order (nulls included), std/var are sample (ddof 1),
 * median and quantile(q, "linear") are DuckDB's quantile_cont.
 */
export const aggregation = (rng: Rng, field: Field, name: string, order: string): AggCase => {
  const c = col(field.name)
  const q = ident(field.name)
  // mean/std/var/median/quantile are computed in Float64 (Polars); DuckDB would interpolate DECIMAL in DECIMAL
  // (rounding) and FLOAT in single precision
  const qf = field.dtype._tag === "Decimal" || field.dtype._tag === "Float32" ? `${q}::DOUBLE` : q
  const numeric = DT.isNumeric(field.dtype)
  const kinds = numeric
    ? ["sum", "mean", "min", "max", "count", "len", "nUnique", "first", "last", "std", "var", "median", "quantile"]
    : ["min", "max", "count", "len", "nUnique", "first", "last"]
  const k = rng.pick(kinds)
  const as = (e: Expr, sql: string): AggCase => ({ expr: e.alias(name), sql: `${sql} AS ${ident(name)}`, name })
  switch (k) {
    case "sum":
      return as(c.sum(), `coalesce(sum(${q}), 0)`)
    case "mean":
      return as(c.mean(), `avg(${qf})`)
    case "min":
      return as(c.min(), `min(${q})`)
    case "max":
      return as(c.max(), `max(${q})`)
    case "count":
      return as(c.count(), `count(${q})`)
    case "len":
      return rng.chance(0.5) ? as(len(), "count(*)") : as(c.len(), "count(*)")
    case "nUnique":
      return as(c.nUnique(), `(count(DISTINCT ${q}) + CASE WHEN count(*) > count(${q}) THEN 1 ELSE 0 END)`)
    case "first":
      return as(c.first(), `first(${q} ORDER BY ${ident(order)})`)
    case "last":
      return as(c.last(), `last(${q} ORDER BY ${ident(order)})`)
    case "std":
      return as(c.std(), `stddev_samp(${qf})`)
    case "var":
      return as(c.var(), `var_samp(${qf})`)
    case "median":
      return as(c.median(), `median(${qf})`)
    default: {
      const p = rng.pick([0, 0.1, 0.25, 0.33, 0.5, 0.75, 0.9, 1])
      return as(c.quantile(p, "linear"), `quantile_cont(${qf}, ${p})`)
    }
  }
}

export { sqlType }
