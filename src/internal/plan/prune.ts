/**
 * Parquet row-group pruning from column-chunk statistics (min, max, null count), as Polars' and DataFusion's
 * `PruningPredicate`: a row group is skipped when the resolved predicate cannot be true for any of its rows.
 * Handled: comparisons of a column (or a numeric widening cast of one) with a literal, `isIn`, `between`
 * (resolved as two comparisons), `&`, `|`, `isNull`, `isNotNull`. Anything else keeps the row group. Decisions are
 * conservative: floats never prune `>`, `>=`, `!=` (NaN sorts above every number, as in Polars), non-ASCII string
 * bounds are not used (UTF-8 byte order differs from JS order), timestamp bounds are widened by one unit-ms.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import type { IR } from "../expr/ir.ts"
import type { RowGroupInfo } from "../parquet/meta.ts"

type Scalar = number | bigint | string | boolean

const PER_MS: Record<DT.TimeUnit, number> = { s: 0.001, ms: 1, us: 1000, ns: 1_000_000 }
const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/** A literal column's first value in the column dtype's physical domain; undefined for null or unsupported. */
const literalValue = (c: Column): Scalar | undefined => {
  if (c.length === 0 || !C.isValid(c, 0)) return undefined
  const t = c.dtype
  if (DT.isString(t)) {
    if (t._tag !== "Utf8") return undefined
    const s = C.stringAt(c, 0)
    return isAscii(s) ? s : undefined
  }
  if (t._tag === "Boolean") return ((c.values as Uint8Array)[0]! & 1) === 1
  if (DT.isNumeric(t) || t._tag === "Date" || t._tag === "Timestamp") {
    if (t._tag === "Decimal") return undefined
    const v = (c.values as ArrayLike<number | bigint>)[0]!
    return typeof v === "number" && Number.isNaN(v) ? undefined : v
  }
  return undefined
}

/** A statistics bound in the physical domain of `t`; `side` widens lossy bounds outwards. */
const statValue = (v: unknown, t: DataType, side: "min" | "max"): Scalar | undefined => {
  if (v === undefined || v === null) return undefined
  if (t._tag === "Timestamp") {
    const ms = v instanceof Date ? v.getTime() : undefined
    if (ms !== undefined) {
      const f = PER_MS[t.unit]
      const x = Math.floor(ms * f)
      return side === "min" ? BigInt(x) - BigInt(Math.ceil(f)) : BigInt(x) + BigInt(Math.ceil(f))
    }
    return typeof v === "bigint" ? v : undefined
  }
  if (t._tag === "Date") {
    if (v instanceof Date) return side === "min" ? Math.floor(v.getTime() / 86_400_000) : Math.ceil(v.getTime() / 86_400_000)
    return typeof v === "number" ? v : undefined
  }
  if (DT.isString(t)) return typeof v === "string" && isAscii(v) ? v : undefined
  if (t._tag === "Boolean") return typeof v === "boolean" ? v : undefined
  if (DT.isNumeric(t) && t._tag !== "Decimal") {
    if (typeof v === "number") return Number.isNaN(v) ? undefined : v
    if (typeof v === "bigint") return v
  }
  return undefined
}

interface Stats {
  readonly min: Scalar | undefined
  readonly max: Scalar | undefined
  readonly nullCount: number | undefined
  readonly rows: number
  readonly isFloat: boolean
}

/** The column an IR reads, through numeric widening casts; undefined for other expressions. */
const columnOf = (ir: IR): { name: string; dtype: DataType } | undefined => {
  if (ir._tag === "Column") return { name: ir.name, dtype: ir.dtype }
  if (ir._tag === "Cast" && DT.isNumeric(ir.dtype) && DT.isNumeric(ir.input.dtype) && ir.dtype._tag !== "Decimal") {
    const inner = columnOf(ir.input)
    return inner !== undefined && DT.isNumeric(inner.dtype) ? inner : undefined
  }
  return undefined
}

const statsOf = (rg: RowGroupInfo, name: string, t: DataType): Stats | undefined => {
  const chunk = rg.columns.find((c) => c.path.length === 1 && c.path[0] === name)
  if (chunk === undefined) return undefined
  const s = chunk.statistics
  return {
    min: s === undefined ? undefined : statValue(s.min, t, "min"),
    max: s === undefined ? undefined : statValue(s.max, t, "max"),
    nullCount: s?.nullCount,
    rows: rg.numRows,
    isFloat: DT.isFloat(t)
  }
}

const FLIP: Record<string, string> = { lt: "gt", ltEq: "gtEq", gt: "lt", gtEq: "ltEq", eq: "eq", neq: "neq" }

/** Whether a row group may hold rows for which `ir` is true (false = it can be skipped). */
export const mayMatch = (ir: IR, rg: RowGroupInfo): boolean => {
  switch (ir._tag) {
    case "Binary": {
      if (ir.op === "and") return mayMatch(ir.left, rg) && mayMatch(ir.right, rg)
      if (ir.op === "or") return mayMatch(ir.left, rg) || mayMatch(ir.right, rg)
      if (!(ir.op in FLIP)) return true
      let op = ir.op as string
      let colIr = ir.left
      let litIr = ir.right
      if (colIr._tag === "Literal") {
        ;[colIr, litIr] = [litIr, colIr]
        op = FLIP[op]!
      }
      if (litIr._tag !== "Literal") return true
      const colRef = columnOf(colIr)
      if (colRef === undefined) return true
      const s = statsOf(rg, colRef.name, colRef.dtype)
      if (s === undefined) return true
      // an all-null chunk: every comparison is null
      if (s.nullCount !== undefined && s.nullCount >= s.rows) return false
      // the literal is in the (possibly widened) comparison dtype; the stats are in the column's dtype
      if (colIr._tag === "Cast" && !DT.isNumeric(litIr.dtype)) return true
      const v = literalValue(litIr.column)
      if (v === undefined || s.min === undefined || s.max === undefined) return true
      if (typeof v !== typeof s.min && !(isNum(v) && isNum(s.min))) return true
      const { min, max } = s
      switch (op) {
        case "eq":
          return min <= v && v <= max
        case "neq":
          // skipped only when every non-null value equals v (nulls give null, never true)
          return s.isFloat || !(loose(min, v) && loose(max, v))
        case "lt":
          return min < v
        case "ltEq":
          return min <= v
        case "gt":
          return s.isFloat || max > v
        case "gtEq":
          return s.isFloat || max >= v
      }
      return true
    }
    case "IsIn": {
      const colRef = columnOf(ir.input)
      if (colRef === undefined) return true
      const s = statsOf(rg, colRef.name, colRef.dtype)
      if (s === undefined) return true
      if (s.nullCount !== undefined && s.nullCount >= s.rows) return false
      if (s.min === undefined || s.max === undefined) return true
      const vals = ir.values
      for (let i = 0; i < vals.length; i++) {
        if (!C.isValid(vals, i)) continue
        const v = valueAt(vals, i, colRef.dtype)
        if (v === undefined) return true
        if (s.min <= v && v <= s.max) return true
      }
      return false
    }
    case "Unary": {
      if (ir.op !== "isNull" && ir.op !== "isNotNull") return true
      const colRef = columnOf(ir.input)
      if (colRef === undefined) return true
      const s = statsOf(rg, colRef.name, colRef.dtype)
      if (s === undefined || s.nullCount === undefined) return true
      return ir.op === "isNull" ? s.nullCount > 0 : s.nullCount < s.rows
    }
    default:
      return true
  }
}

const isNum = (x: unknown): x is number | bigint => typeof x === "number" || typeof x === "bigint"
// biome-ignore lint/suspicious/noDoubleEquals: number/bigint equality across types
const loose = (a: Scalar, b: Scalar): boolean => a == b

/** An `isIn` value comparable with stats of a column of dtype `t` (numbers only for numeric columns, ASCII strings). */
const valueAt = (vals: Column, i: number, t: DataType): Scalar | undefined => {
  if (DT.isString(vals.dtype)) {
    if (!DT.isString(t)) return undefined
    const s = C.stringAt(vals, i)
    return isAscii(s) ? s : undefined
  }
  if (vals.dtype._tag === "Boolean") return t._tag === "Boolean" ? (((vals.values as Uint8Array)[i >> 3]! >> (i & 7)) & 1) === 1 : undefined
  if (DT.isNumeric(vals.dtype) && DT.isNumeric(t) && t._tag !== "Decimal") {
    const v = (vals.values as ArrayLike<number | bigint>)[i]!
    return typeof v === "number" && Number.isNaN(v) ? undefined : v
  }
  return undefined
}
