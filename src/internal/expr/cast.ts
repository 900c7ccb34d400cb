/**
 * The cast kernel: converts a column to another dtype, as Polars `cast` (strict: the first value that does not
 * fit is reported; non-strict: such values become null). Plain synchronous functions on typed arrays.
 *
 * Conversions: among all numeric dtypes (integers checked against their range, floats truncated toward zero
 * when cast to integers, NaN/±inf do not fit an integer), Boolean ↔ numeric (0/1; non-zero → true), anything
 * printable → Utf8, Utf8 → numbers / Boolean ("true"/"false") / Date ("YYYY-MM-DD") / Timestamp (ISO 8601) /
 * Decimal, Utf8 ↔ Categorical, Date ↔ Timestamp, Timestamp and Duration unit changes, Date/Timestamp/Duration ↔
 * their physical integers (Int32 days, Int64 counts), Decimal ↔ numbers, strings and other scales.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { DataType, TimeUnit } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { BigArray, Column, NumericArray } from "../column.ts"
import { keyIds } from "../kernels/hash.ts"
import { civilFromDays, daysFromCivil, daysInMonth, unitsPerDay } from "../kernels/temporal.ts"
import { intRange } from "./types.ts"

/** A value that does not convert: its row, its text and the dtypes. */
export interface CastFailure {
  readonly _tag: "CastFailure"
  readonly row: number
  readonly value: string
  readonly from: string
  readonly to: string
}

export const isCastFailure = (u: Column | CastFailure): u is CastFailure => "_tag" in u && u._tag === "CastFailure"

/** Integers up to 32 bits and floats: values stored as JS numbers. */
const isNumberPhysical = (t: DataType): boolean => (DT.isInteger(t) || DT.isFloat(t)) && !DT.isBigInt(t)

/** Whether a cast from `from` to `to` is defined (checked during resolution). */
export const canCast = (from: DataType, to: DataType): boolean => {
  if (DT.equals(from, to) || from._tag === "Null") return true
  const f = from._tag
  const t = to._tag
  if (f === "List" || f === "Struct" || t === "List" || t === "Struct" || t === "Null") return false
  const numericLike = (x: DataType) => DT.isNumeric(x) || x._tag === "Boolean"
  if (numericLike(from) && numericLike(to)) return true
  if (t === "Utf8") return true
  if (f === "Utf8") return t !== "Duration"
  if (f === "Categorical") return canCast(DT.Utf8, to)
  if (t === "Categorical") return false
  if (f === "Date") return t === "Timestamp" || (DT.isInteger(to) || DT.isFloat(to))
  if (f === "Timestamp") return t === "Date" || t === "Timestamp" || DT.isInteger(to) || DT.isFloat(to)
  if (f === "Duration") return t === "Duration" || DT.isInteger(to) || DT.isFloat(to)
  if (t === "Date" || t === "Timestamp" || t === "Duration") return DT.isInteger(to) ? true : DT.isInteger(from)
  return false
}

// ---------------------------------------------------------------------------------------------------------------
// dates and timestamps as text (calendar maths from `kernels/temporal.ts`)
// ---------------------------------------------------------------------------------------------------------------

const pad = (x: number, w: number): string => String(x).padStart(w, "0")

// Float64: years of second-unit timestamps can pass 2^31.
const civil = new Float64Array(4)

/** "YYYY-MM-DD" of days since the epoch. */
export const formatDate = (days: number): string => {
  civilFromDays(days, civil)
  const y = civil[0]!
  return `${y < 0 ? "-" + pad(-y, 4) : pad(y, 4)}-${pad(civil[1]!, 2)}-${pad(civil[2]!, 2)}`
}

const UNIT_DIGITS: Record<TimeUnit, number> = { s: 0, ms: 3, us: 6, ns: 9 }

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q
}

/** "YYYY-MM-DD HH:MM:SS[.fff…]" (UTC) of a timestamp, with as many fraction digits as the unit has. */
export const formatTimestamp = (v: bigint, unit: TimeUnit): string => {
  const perDay = unitsPerDay(unit)
  const days = floorDiv(v, perDay)
  const rem = v - days * perDay
  const perSec = 1_000_000_000n / DT.nanosPerUnit(unit)
  const secs = Number(rem / perSec)
  const frac = rem % perSec
  const digits = UNIT_DIGITS[unit]
  const hh = Math.floor(secs / 3600)
  const mm = Math.floor((secs % 3600) / 60)
  const ss = secs % 60
  return `${formatDate(Number(days))} ${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}${digits > 0 ? "." + frac.toString().padStart(digits, "0") : ""}`
}

const TS_RE =
  /^\s*([+-]?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$/i

/** Parses an ISO 8601 date or date-time (an offset or "Z" is honoured, else UTC) to a count of `unit`. */
export const parseTimestamp = (s: string, unit: TimeUnit): bigint | undefined => {
  const m = TS_RE.exec(s)
  if (m === null) return undefined
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  const hh = m[4] === undefined ? 0 : Number(m[4])
  const mi = m[5] === undefined ? 0 : Number(m[5])
  const ss = m[6] === undefined ? 0 : Number(m[6])
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || hh > 23 || mi > 59 || ss > 60) return undefined
  let ns = BigInt(daysFromCivil(y, mo, d)) * 86_400_000_000_000n + BigInt(hh * 3600 + mi * 60 + ss) * 1_000_000_000n
  if (m[7] !== undefined) ns += BigInt(m[7].padEnd(9, "0"))
  const off = m[8]
  if (off !== undefined && off.toUpperCase() !== "Z" && off.toUpperCase() !== "UTC") {
    const sign = off[0] === "-" ? -1 : 1
    const digits = off.slice(1).replace(":", "")
    const mins = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0)
    ns -= BigInt(sign * mins) * 60_000_000_000n
  }
  return floorDiv(ns, DT.nanosPerUnit(unit))
}

const DATE_RE = /^\s*([+-]?\d{4,})-(\d{2})-(\d{2})\s*$/

/** Parses "YYYY-MM-DD" to days since the epoch. */
export const parseDate = (s: string): number | undefined => {
  const m = DATE_RE.exec(s)
  if (m === null) return undefined
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined
  return daysFromCivil(y, mo, d)
}

/** Formats a float as Polars prints it when cast to a string: "1.0", "0.5", "NaN", "inf", "-inf". */
export const formatFloat = (x: number, f32: boolean): string => {
  if (Number.isNaN(x)) return "NaN"
  if (x === Infinity) return "inf"
  if (x === -Infinity) return "-inf"
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`
  if (f32) {
    for (let p = 1; p <= 9; p++) {
      const s = x.toPrecision(p)
      if (Math.fround(Number(s)) === x) return String(Number(s))
    }
  }
  return String(x)
}

const INT_RE = /^\s*[+-]?\d+\s*$/
const FLOAT_RE = /^\s*[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|inf|infinity|nan)\s*$/i

const parseFloatStrict = (s: string): number | undefined => {
  if (!FLOAT_RE.test(s)) return undefined
  const t = s.trim().toLowerCase().replace(/^\+/, "")
  if (t === "inf" || t === "infinity") return Infinity
  if (t === "-inf" || t === "-infinity") return -Infinity
  if (t === "nan" || t === "-nan") return Number.NaN
  return Number(t)
}

const DEC_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/

/** Parses a decimal string to its unscaled bigint at `scale` (extra digits are rounded half away from zero). */
export const parseDecimal = (s: string, scale: number): bigint | undefined => {
  const m = DEC_RE.exec(s)
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) return undefined
  const fracAll = m[3] ?? ""
  const frac = fracAll.padEnd(scale, "0").slice(0, scale)
  let v = BigInt((m[2] || "0") + frac)
  if (fracAll.length > scale && fracAll.charCodeAt(scale) >= 53) v += 1n
  return m[1] === "-" ? -v : v
}

// ---------------------------------------------------------------------------------------------------------------
// the kernel
// ---------------------------------------------------------------------------------------------------------------

class Ctx {
  readonly col: Column
  readonly to: DataType
  readonly strict: boolean
  validity: Uint8Array | null
  failure: CastFailure | undefined = undefined
  private copied = false
  constructor(col: Column, to: DataType, strict: boolean) {
    this.col = col
    this.to = to
    this.strict = strict
    this.validity = col.validity
  }
  valid(i: number): boolean {
    const v = this.validity
    return v === null || (v[i >> 3]! & (1 << (i & 7))) !== 0
  }
  /** Records a value that does not fit; returns true when the kernel must stop (strict). */
  fail(i: number): boolean {
    if (this.strict) {
      this.failure = {
        _tag: "CastFailure",
        row: i,
        value: describeValue(this.col, i),
        from: DT.format(this.col.dtype),
        to: DT.format(this.to)
      }
      return true
    }
    if (!this.copied) {
      this.validity = this.validity === null ? Bits.allSet(this.col.length) : this.validity.slice()
      this.copied = true
    }
    Bits.clearBit(this.validity!, i)
    return false
  }
  done(values: C.Values, extra?: { offsets?: Int32Array; dictionary?: Column }): Column | CastFailure {
    if (this.failure !== undefined) return this.failure
    return C.make(this.to, this.col.length, values, this.validity, extra)
  }
}

const describeValue = (col: Column, i: number): string => {
  const v = C.getValue(col, i)
  if (typeof v === "string") return JSON.stringify(v)
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString()
  return String(v)
}

/** Relabels a column's dtype without touching its buffers (same physical layout). */
export const relabel = (col: Column, dtype: DataType): Column =>
  C.make(dtype, col.length, col.values, col.validity, col.dictionary !== undefined ? { dictionary: col.dictionary } : undefined)

const physical = (t: DataType): DataType =>
  t._tag === "Date" ? DT.Int32 : t._tag === "Timestamp" || t._tag === "Duration" ? DT.Int64 : t

/**
 * Casts `col` to `to`. Strict: returns the first failing value as a `CastFailure`; non-strict: such values become
 * null. Callers check `canCast` first (an undefined cast returns a failure at row 0).
 */
export const cast = (col: Column, to: DataType, strict: boolean): Column | CastFailure => {
  const from = col.dtype
  if (DT.equals(from, to)) return col
  const n = col.length
  if (from._tag === "Null") return C.nulls(to, n)
  if (to._tag === "Timestamp" && from._tag === "Timestamp" && from.unit === to.unit) return relabel(col, to)
  if (to._tag === "Utf8") return toUtf8(col)
  if (from._tag === "Categorical") return cast(toUtf8(col), to, strict)
  if (to._tag === "Categorical") return from._tag === "Utf8" ? toCategorical(col) : cast(toUtf8(col), to, strict)
  if (from._tag === "Utf8") return fromUtf8(new Ctx(col, to, strict))
  // temporal ↔ temporal
  if (from._tag === "Date" && to._tag === "Timestamp") {
    const per = unitsPerDay(to.unit)
    const src = col.values as Int32Array
    const out = new BigInt64Array(n)
    for (let i = 0; i < n; i++) out[i] = BigInt(src[i]!) * per
    return C.make(to, n, out, col.validity)
  }
  if (from._tag === "Timestamp" && to._tag === "Date") {
    const per = unitsPerDay(from.unit)
    const src = col.values as BigInt64Array
    const out = new Int32Array(n)
    const ctx = new Ctx(col, to, strict)
    for (let i = 0; i < n; i++) {
      if (!ctx.valid(i)) continue
      const d = floorDiv(src[i]!, per)
      if (d < -2147483648n || d > 2147483647n) {
        if (ctx.fail(i)) break
      } else out[i] = Number(d)
    }
    return ctx.done(out)
  }
  if ((from._tag === "Timestamp" && to._tag === "Timestamp") || (from._tag === "Duration" && to._tag === "Duration")) {
    const fn = DT.nanosPerUnit(from.unit)
    const tn = DT.nanosPerUnit(to.unit)
    const src = col.values as BigInt64Array
    const out = new BigInt64Array(n)
    if (fn >= tn) {
      const f = fn / tn
      for (let i = 0; i < n; i++) out[i] = src[i]! * f
    } else {
      const f = tn / fn
      if (from._tag === "Timestamp") for (let i = 0; i < n; i++) out[i] = floorDiv(src[i]!, f)
      else for (let i = 0; i < n; i++) out[i] = src[i]! / f
    }
    return C.make(to, n, out, col.validity)
  }
  // temporal ↔ numbers: through the physical integer
  if (from._tag === "Date" || from._tag === "Timestamp" || from._tag === "Duration")
    return cast(relabel(col, physical(from)), to, strict)
  if (to._tag === "Date" || to._tag === "Timestamp" || to._tag === "Duration") {
    const r = cast(col, physical(to), strict)
    if (isCastFailure(r)) return { ...r, to: DT.format(to) }
    return relabel(r, to)
  }
  return numeric(new Ctx(col, to, strict))
}

/** Among Boolean, integers, floats and decimals. */
const numeric = (ctx: Ctx): Column | CastFailure => {
  const col = ctx.col
  const from = col.dtype
  const to = ctx.to
  const n = col.length
  if (to._tag === "Boolean") {
    const out = new Uint8Array(n)
    if (from._tag === "Decimal") {
      const v = col.values as BigInt64Array
      for (let i = 0; i < n; i++) out[i] = v[2 * i] !== 0n || v[2 * i + 1] !== 0n ? 1 : 0
    } else {
      const v = col.values as NumericArray | BigArray
      for (let i = 0; i < n; i++) out[i] = v[i] ? 1 : 0
    }
    return ctx.done(Bits.pack(out, n))
  }
  if (to._tag === "Decimal") return toDecimal(ctx)
  if (from._tag === "Decimal") return fromDecimal(ctx)
  if (from._tag === "Boolean") {
    const bits = col.values as Uint8Array
    const out = C.allocValues(to, n)
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) out[i] = (bits[i >> 3]! >> (i & 7)) & 1 ? 1n : 0n
    } else for (let i = 0; i < n; i++) (out as NumericArray)[i] = (bits[i >> 3]! >> (i & 7)) & 1
    return ctx.done(out)
  }
  const out = C.allocValues(to, n)
  const srcFloat = DT.isFloat(from)
  if (isNumberPhysical(from)) {
    const src = col.values as NumericArray
    if (isNumberPhysical(to)) {
      const dst = out as NumericArray
      if (DT.isFloat(to)) {
        dst.set(src)
        return ctx.done(dst)
      }
      const [lo, hi] = intRange(to)
      const [slo, shi] = srcFloat ? [-Infinity, Infinity] : intRange(from)
      if (!srcFloat && slo >= lo && shi <= hi) {
        dst.set(src)
        return ctx.done(dst)
      }
      for (let i = 0; i < n; i++) {
        let x = src[i]!
        if (srcFloat) x = Math.trunc(x)
        if (x >= lo && x <= hi) dst[i] = x
        else if (ctx.valid(i) && ctx.fail(i)) break
      }
      return ctx.done(dst)
    }
    // number → bigint
    const dst = out as BigArray
    const unsigned = to._tag === "UInt64"
    for (let i = 0; i < n; i++) {
      let x = src[i]!
      if (srcFloat) {
        x = Math.trunc(x)
        if (!Number.isFinite(x) || (unsigned ? x < 0 || x >= 2 ** 64 : x < -(2 ** 63) || x >= 2 ** 63)) {
          if (ctx.valid(i) && ctx.fail(i)) break
          continue
        }
      } else if (unsigned && x < 0) {
        if (ctx.valid(i) && ctx.fail(i)) break
        continue
      }
      dst[i] = BigInt(x)
    }
    return ctx.done(dst)
  }
  // bigint source
  const src = col.values as BigArray
  if (isNumberPhysical(to)) {
    const dst = out as NumericArray
    if (DT.isFloat(to)) {
      for (let i = 0; i < n; i++) dst[i] = Number(src[i]!)
      return ctx.done(dst)
    }
    const [lo, hi] = intRange(to)
    const blo = BigInt(lo)
    const bhi = BigInt(hi)
    for (let i = 0; i < n; i++) {
      const x = src[i]!
      if (x >= blo && x <= bhi) dst[i] = Number(x)
      else if (ctx.valid(i) && ctx.fail(i)) break
    }
    return ctx.done(dst)
  }
  // bigint → bigint (Int64 ↔ UInt64)
  const dst = out as BigArray
  const toUnsigned = to._tag === "UInt64"
  for (let i = 0; i < n; i++) {
    const x = src[i]!
    if (toUnsigned ? x >= 0n : x < 1n << 63n) dst[i] = x
    else if (ctx.valid(i) && ctx.fail(i)) break
  }
  return ctx.done(dst)
}

const writeDecimal = (out: BigInt64Array, i: number, v: bigint): void => {
  out[2 * i] = BigInt.asIntN(64, v)
  out[2 * i + 1] = BigInt.asIntN(64, v >> 64n)
}

const toDecimal = (ctx: Ctx): Column | CastFailure => {
  const col = ctx.col
  const to = ctx.to as { readonly _tag: "Decimal"; readonly precision: number; readonly scale: number }
  const n = col.length
  const out = new BigInt64Array(2 * n)
  const limit = 10n ** BigInt(to.precision)
  const mult = 10n ** BigInt(to.scale)
  const from = col.dtype
  for (let i = 0; i < n; i++) {
    if (!ctx.valid(i)) continue
    let v: bigint | undefined
    if (from._tag === "Decimal") {
      const raw = C.decimalAt(col.values as BigInt64Array, i)
      const d = to.scale - from.scale
      if (d >= 0) v = raw * 10n ** BigInt(d)
      else {
        const div = 10n ** BigInt(-d)
        const q = raw / div
        const r = raw % div
        v = 2n * (r < 0n ? -r : r) >= div ? q + (raw < 0n ? -1n : 1n) : q
      }
    } else if (from._tag === "Boolean") v = Bits.getBit(col.values as Uint8Array, i) ? mult : 0n
    else if (DT.isFloat(from)) {
      const x = (col.values as NumericArray)[i]!
      v = Number.isFinite(x) ? parseDecimal(x.toFixed(Math.min(100, to.scale + 1)), to.scale) : undefined
    } else v = BigInt((col.values as NumericArray | BigArray)[i]!) * mult
    if (v === undefined || v >= limit || v <= -limit) {
      if (ctx.fail(i)) break
    } else writeDecimal(out, i, v)
  }
  return ctx.done(out)
}

const fromDecimal = (ctx: Ctx): Column | CastFailure => {
  const col = ctx.col
  const from = col.dtype as { readonly _tag: "Decimal"; readonly scale: number }
  const to = ctx.to
  const n = col.length
  const vals = col.values as BigInt64Array
  const div = 10n ** BigInt(from.scale)
  if (DT.isFloat(to)) {
    const out = C.allocValues(to, n) as NumericArray
    const f = 10 ** from.scale
    for (let i = 0; i < n; i++) out[i] = Number(C.decimalAt(vals, i)) / f
    return ctx.done(out)
  }
  const out = C.allocValues(to, n)
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array
  for (let i = 0; i < n; i++) {
    if (!ctx.valid(i)) continue
    const v = C.decimalAt(vals, i) / div
    if (!fitsBig(v, to)) {
      if (ctx.fail(i)) break
    } else if (big) (out as BigArray)[i] = v
    else (out as NumericArray)[i] = Number(v)
  }
  return ctx.done(out)
}

const fitsBig = (v: bigint, t: DataType): boolean => {
  if (t._tag === "Int64") return v >= -(1n << 63n) && v < 1n << 63n
  if (t._tag === "UInt64") return v >= 0n && v < 1n << 64n
  const [lo, hi] = intRange(t)
  return v >= BigInt(lo) && v <= BigInt(hi)
}

/**
 * Utf8 → Categorical as a byte-hash dictionary build (`keyIds`: a hash of each row's UTF-8 bytes, open addressing,
 * each distinct string kept once in a compact arena; no JS string per row). Codes number the distinct strings in
 * order of first appearance (as Polars' local categoricals); null rows stay null (code 0).
 */
const toCategorical = (col: Column): Column => {
  const n = col.length
  const groups = keyIds(col, n)
  const validity = col.nullCount === 0 ? null : col.validity
  let nullGroup = -1
  if (validity !== null)
    for (let i = 0; i < n; i++)
      if ((validity[i >> 3]! & (1 << (i & 7))) === 0) {
        nullGroup = groups.ids[i]!
        break
      }
  let codes = groups.ids
  let firstRows = groups.firstRow
  if (nullGroup >= 0) {
    // Nulls formed a group of their own: drop it from the dictionary and renumber the groups after it.
    const ids = groups.ids
    codes = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const g = ids[i]!
      codes[i] = g < nullGroup ? g : g === nullGroup ? 0 : g - 1
    }
    firstRows = new Int32Array(groups.count - 1)
    firstRows.set(groups.firstRow.subarray(0, nullGroup))
    firstRows.set(groups.firstRow.subarray(nullGroup + 1), nullGroup)
  }
  const dictionary = C.takeInt32({ ...col, validity: null, nullCount: 0 }, firstRows, false)
  return C.make(DT.Categorical, n, codes, validity, { dictionary })
}

/** Any column (but List/Struct) as Utf8. */
export const toUtf8 = (col: Column): Column => {
  const t = col.dtype
  const n = col.length
  if (t._tag === "Utf8") return col
  if (t._tag === "Categorical") {
    const dict = col.dictionary!
    const codes = col.values as Int32Array
    if (col.validity === null) return C.take(dict, codes)
    const idx = new Int32Array(n)
    for (let i = 0; i < n; i++) idx[i] = C.isValid(col, i) ? codes[i]! : -1
    return C.take(dict, idx)
  }
  const out = new Array<string | null>(n)
  const valid = (i: number) => col.validity === null || Bits.getBit(col.validity, i)
  switch (t._tag) {
    case "Null":
      out.fill(null)
      break
    case "Boolean":
      for (let i = 0; i < n; i++) out[i] = valid(i) ? (Bits.getBit(col.values as Uint8Array, i) ? "true" : "false") : null
      break
    case "Float32":
    case "Float64": {
      const v = col.values as NumericArray
      const f32 = t._tag === "Float32"
      for (let i = 0; i < n; i++) out[i] = valid(i) ? formatFloat(v[i]!, f32) : null
      break
    }
    case "Date": {
      const v = col.values as Int32Array
      for (let i = 0; i < n; i++) out[i] = valid(i) ? formatDate(v[i]!) : null
      break
    }
    case "Timestamp": {
      const v = col.values as BigInt64Array
      for (let i = 0; i < n; i++) out[i] = valid(i) ? formatTimestamp(v[i]!, t.unit) : null
      break
    }
    case "Duration": {
      const v = col.values as BigInt64Array
      for (let i = 0; i < n; i++) out[i] = valid(i) ? `${v[i]}${t.unit}` : null
      break
    }
    case "Decimal": {
      const v = col.values as BigInt64Array
      for (let i = 0; i < n; i++) out[i] = valid(i) ? C.decimalToString(v, i, t.scale) : null
      break
    }
    default: {
      const v = col.values as NumericArray | BigArray
      for (let i = 0; i < n; i++) out[i] = valid(i) ? String(v[i]) : null
    }
  }
  return C.fromStrings(out)
}

const fromUtf8 = (ctx: Ctx): Column | CastFailure => {
  const col = ctx.col
  const to = ctx.to
  const n = col.length
  const out = C.allocValues(to, n)
  switch (to._tag) {
    case "Boolean": {
      const mask = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        if (!ctx.valid(i)) continue
        const s = C.stringAt(col, i).trim().toLowerCase()
        if (s === "true") mask[i] = 1
        else if (s !== "false" && ctx.fail(i)) break
      }
      return ctx.done(Bits.pack(mask, n))
    }
    case "Float32":
    case "Float64": {
      const dst = out as NumericArray
      for (let i = 0; i < n; i++) {
        if (!ctx.valid(i)) continue
        const x = parseFloatStrict(C.stringAt(col, i))
        if (x === undefined) {
          if (ctx.fail(i)) break
        } else dst[i] = x
      }
      return ctx.done(dst)
    }
    case "Date": {
      const dst = out as Int32Array
      for (let i = 0; i < n; i++) {
        if (!ctx.valid(i)) continue
        const s = C.stringAt(col, i)
        let d = parseDate(s)
        if (d === undefined) {
          const ts = parseTimestamp(s, "s")
          if (ts !== undefined) d = Number(floorDiv(ts, 86400n))
        }
        if (d === undefined) {
          if (ctx.fail(i)) break
        } else dst[i] = d
      }
      return ctx.done(dst)
    }
    case "Timestamp": {
      const dst = out as BigInt64Array
      for (let i = 0; i < n; i++) {
        if (!ctx.valid(i)) continue
        const v = parseTimestamp(C.stringAt(col, i), to.unit)
        if (v === undefined) {
          if (ctx.fail(i)) break
        } else dst[i] = v
      }
      return ctx.done(dst)
    }
    case "Decimal": {
      const dst = out as BigInt64Array
      const limit = 10n ** BigInt(to.precision)
      for (let i = 0; i < n; i++) {
        if (!ctx.valid(i)) continue
        const v = parseDecimal(C.stringAt(col, i), to.scale)
        if (v === undefined || v >= limit || v <= -limit) {
          if (ctx.fail(i)) break
        } else writeDecimal(dst, i, v)
      }
      return ctx.done(dst)
    }
    default: {
      if (!DT.isInteger(to)) {
        ctx.fail(0)
        return ctx.failure ?? C.nulls(to, n)
      }
      const big = out instanceof BigInt64Array || out instanceof BigUint64Array
      for (let i = 0; i < n; i++) {
        if (!ctx.valid(i)) continue
        const s = C.stringAt(col, i)
        if (!INT_RE.test(s)) {
          if (ctx.fail(i)) break
          continue
        }
        const v = BigInt(s.trim())
        if (!fitsBig(v, to)) {
          if (ctx.fail(i)) break
        } else if (big) (out as BigArray)[i] = v
        else (out as NumericArray)[i] = Number(v)
      }
      return ctx.done(out)
    }
  }
}
