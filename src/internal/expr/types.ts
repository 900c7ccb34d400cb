/**
 * Type rules of the expression engine: numeric promotion (Polars' supertypes), the "dynamic" literals that adapt to
 * the other operand, and the operand/result dtypes of arithmetic and comparisons. Pure functions on dtypes.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { DataType, TimeUnit } from "../../Frame/DataType.ts"

/**
 * How a literal adapts to the other operand (Polars' "dynamic" literals): an integer JS number adapts to any
 * numeric dtype it fits, a fractional JS number to any float dtype, `null` to anything, a JS `Date` to the other
 * operand's temporal dtype (unit and time zone).
 */
export type Dynamic = "int" | "float" | "null" | "date" | null

const INT_ORDER: ReadonlyArray<DataType["_tag"]> = ["Int8", "Int16", "Int32", "Int64"]

const byTag = (tag: DataType["_tag"]): DataType => (DT as unknown as Record<string, DataType>)[tag]!

/** Integer range of an integer dtype, as numbers (64-bit bounds are approximate, see `fitsInt`). */
export const intRange = (t: DataType): readonly [number, number] => {
  switch (t._tag) {
    case "Int8":
      return [-128, 127]
    case "Int16":
      return [-32768, 32767]
    case "Int32":
      return [-2147483648, 2147483647]
    case "UInt8":
      return [0, 255]
    case "UInt16":
      return [0, 65535]
    case "UInt32":
      return [0, 4294967295]
    case "UInt64":
      return [0, 2 ** 64]
    default:
      return [-(2 ** 63), 2 ** 63]
  }
}

/** Whether the integer `v` fits the integer dtype `t`. */
export const fitsInt = (v: number | bigint, t: DataType): boolean => {
  if (t._tag === "Int64") return typeof v === "bigint" ? v >= -(1n << 63n) && v < 1n << 63n : v >= -(2 ** 63) && v < 2 ** 63
  if (t._tag === "UInt64") return typeof v === "bigint" ? v >= 0n && v < 1n << 64n : v >= 0 && v < 2 ** 64
  const [lo, hi] = intRange(t)
  const x = Number(v)
  return x >= lo && x <= hi
}

/**
 * The numeric supertype of two numeric dtypes, as Polars `get_supertype`:
 * - same signedness: the wider; signed × unsigned: the signed type wider than the unsigned one
 *   (i8 × u8 → i16, i32 × u32 → i64), and Int64 × UInt64 (or any signed × UInt64) → Float64 (Polars gives Int128
 *   when compiled with it; we have no Int128);
 * - integer × float: Float32 for integers of at most 16 bits with Float32, else Float64;
 * - Float32 × Float64 → Float64; Decimal × anything numeric → Float64 (decimal arithmetic is not implemented);
 * - Boolean × numeric → the numeric type.
 */
export const numericSupertype = (a: DataType, b: DataType): DataType | undefined => {
  if (DT.equals(a, b)) return a._tag === "Decimal" ? DT.Float64 : a
  if (a._tag === "Boolean" && DT.isNumeric(b)) return b._tag === "Decimal" ? DT.Float64 : b
  if (b._tag === "Boolean" && DT.isNumeric(a)) return a._tag === "Decimal" ? DT.Float64 : a
  if (!DT.isNumeric(a) || !DT.isNumeric(b)) return undefined
  if (a._tag === "Decimal" || b._tag === "Decimal") return DT.Float64
  if (DT.isFloat(a) || DT.isFloat(b)) {
    if (DT.isFloat(a) && DT.isFloat(b)) return DT.Float64
    const f = DT.isFloat(a) ? a : b
    const i = DT.isFloat(a) ? b : a
    if (f._tag === "Float64") return DT.Float64
    return DT.bitWidth(i) <= 16 ? DT.Float32 : DT.Float64
  }
  const sa = DT.isSigned(a)
  const sb = DT.isSigned(b)
  if (sa === sb) return DT.bitWidth(a) >= DT.bitWidth(b) ? a : b
  const s = sa ? a : b
  const u = sa ? b : a
  const w = Math.max(DT.bitWidth(s), DT.bitWidth(u) * 2)
  if (w > 64) return DT.Float64
  return byTag(INT_ORDER[Math.log2(w) - 3]!)
}

/** The smallest of Int32/Int64 (or UInt64, or Float64) that holds an integer literal. */
export const intLiteralType = (v: number | bigint): DataType =>
  fitsInt(v, DT.Int32) ? DT.Int32 : fitsInt(v, DT.Int64) ? DT.Int64 : fitsInt(v, DT.UInt64) ? DT.UInt64 : DT.Float64

/** Finer of two time units. */
export const finerUnit = (a: TimeUnit, b: TimeUnit): TimeUnit => {
  const order: ReadonlyArray<TimeUnit> = ["s", "ms", "us", "ns"]
  return order.indexOf(a) >= order.indexOf(b) ? a : b
}

/** An operand for type rules: its dtype, whether it is a dynamic literal, and (for integer literals) its value. */
export interface Operand {
  readonly dtype: DataType
  readonly dynamic: Dynamic
  readonly value?: unknown
}

/**
 * The common dtype two operands are cast to before a binary operation (arithmetic or comparison), or undefined when
 * they do not combine. Dynamic literals adapt: an integer literal takes the other numeric dtype when it fits (else
 * the supertype of that dtype and Int32/Int64), a float literal takes the other float dtype (Float64 against
 * integers), null takes anything, a Date literal takes the other temporal dtype.
 */
export const commonType = (a: Operand, b: Operand): DataType | undefined => {
  if (a.dynamic !== null && b.dynamic === null) return adapt(a, b.dtype)
  if (b.dynamic !== null && a.dynamic === null) return adapt(b, a.dtype)
  if (a.dynamic === "null") return b.dtype
  if (b.dynamic === "null") return a.dtype
  return supertype(a.dtype, b.dtype)
}

const adapt = (lit: Operand, other: DataType): DataType | undefined => {
  switch (lit.dynamic) {
    case "null":
      return other
    case "int": {
      const v = lit.value as number | bigint
      if (DT.isFloat(other)) return other
      if (DT.isInteger(other)) return fitsInt(v, other) ? other : numericSupertype(other, intLiteralType(v))
      if (other._tag === "Decimal") return DT.Float64
      if (other._tag === "Boolean") return lit.dtype
      if (other._tag === "Null") return lit.dtype
      return supertype(lit.dtype, other)
    }
    case "float":
      if (DT.isFloat(other)) return other
      if (DT.isNumeric(other) || other._tag === "Boolean" || other._tag === "Null") return DT.Float64
      return undefined
    case "date":
      if (other._tag === "Timestamp") return other
      if (other._tag === "Date") return DT.Timestamp("ms", null)
      if (other._tag === "Null") return lit.dtype
      return undefined
    default:
      return supertype(lit.dtype, other)
  }
}

/**
 * The supertype of two dtypes for comparisons, `when` branches and `fillNull`: numeric supertype; Null with
 * anything; Utf8 with Categorical → Utf8 (compared by value); Date with Timestamp → the Timestamp; two Timestamps
 * of one time zone → the finer unit; two Durations → the finer unit. Undefined when incompatible.
 */
export const supertype = (a: DataType, b: DataType): DataType | undefined => {
  if (DT.equals(a, b)) return a
  if (a._tag === "Null") return b
  if (b._tag === "Null") return a
  const n = numericSupertype(a, b)
  if (n !== undefined) return n
  if (DT.isString(a) && DT.isString(b)) return DT.Utf8
  if (a._tag === "Timestamp" && b._tag === "Timestamp") {
    if (a.timeZone !== b.timeZone) return undefined
    return DT.Timestamp(finerUnit(a.unit, b.unit), a.timeZone)
  }
  if (a._tag === "Date" && b._tag === "Timestamp") return b
  if (a._tag === "Timestamp" && b._tag === "Date") return a
  if (a._tag === "Duration" && b._tag === "Duration") return DT.Duration(finerUnit(a.unit, b.unit))
  return undefined
}

/** Float type of a numeric result that must be floating point (`/`, `sqrt`, `mean`): Float32 stays, else Float64. */
export const floatOf = (t: DataType): DataType => (t._tag === "Float32" ? DT.Float32 : DT.Float64)
