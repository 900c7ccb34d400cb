/**
 * Column conversion for the CSV reader: from the field spans of one column (see `tokenizer.ts`) straight into an
 * Arrow-layout `Column`, plus schema inference. Every kernel is a plain loop over typed arrays; a value that does
 * not parse ends the kernel with `{ ok: false, row }` (the caller turns it into a typed error or promotes the dtype).
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { DataType, TimeUnit } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { intRange } from "../expr/types.ts"
import { type ZoneRules, zone } from "../kernels/temporal.ts"
import * as P from "./parse.ts"
import { ESCAPED, MISSING, QUOTED } from "./tokenizer.ts"

/** The spans of one column. */
export interface ColumnSpans {
  readonly starts: Int32Array
  readonly ends: Int32Array
  readonly flags: Uint8Array
  readonly rows: number
}

export type ConvertResult = { readonly ok: true; readonly column: Column } | { readonly ok: false; readonly row: number }

const fail = (row: number): ConvertResult => ({ ok: false, row })

/**
 * The validity of each row as bytes (1 = valid): a field is null when the record was short (`MISSING`) or when it
 * is unquoted and equal to one of `nullTokens` (so a quoted `""` is an empty string, not a null, as in DuckDB).
 */
export const validMask = (b: Uint8Array, cs: ColumnSpans, nullTokens: ReadonlyArray<Uint8Array>): Uint8Array => {
  const n = cs.rows
  const out = new Uint8Array(n)
  const { starts, ends, flags } = cs
  const onlyEmpty = nullTokens.length === 1 && nullTokens[0]!.length === 0
  if (onlyEmpty) {
    for (let i = 0; i < n; i++) {
      const f = flags[i]!
      out[i] = (f & MISSING) !== 0 || (f === 0 && ends[i] === starts[i]) ? 0 : 1
    }
    return out
  }
  for (let i = 0; i < n; i++) {
    const f = flags[i]!
    let valid = 1
    if ((f & MISSING) !== 0) valid = 0
    else if ((f & QUOTED) === 0) {
      const s = starts[i]!
      const e = ends[i]!
      for (let t = 0; t < nullTokens.length; t++) {
        if (P.spanEquals(b, s, e, nullTokens[t]!)) {
          valid = 0
          break
        }
      }
    }
    out[i] = valid
  }
  return out
}

const validity = (valid: Uint8Array, n: number): Uint8Array | null => {
  for (let i = 0; i < n; i++) if (valid[i] === 0) return Bits.pack(valid, n)
  return null
}

// ---------------------------------------------------------------------------------------------------------------
// Inference

const INT = 1
const FLOAT = 2
const BOOL = 4
const DATE = 8
const DT_NAIVE = 16
const DT_TZ = 32

const classify = (b: Uint8Array, s: number, e: number, f: number, dates: boolean): number => {
  if ((f & ESCAPED) !== 0) return 0
  P.parseInt(b, s, e)
  if (P.intStatus === 0) return INT | FLOAT
  if (P.intStatus === 2) return fitsI64(b, s, e) ? INT | FLOAT : FLOAT
  P.parseFloat(b, s, e)
  if (P.floatOk) return FLOAT
  if (P.parseBool(b, s, e) >= 0) return BOOL
  if (dates && P.parseDatetime(b, s, e)) {
    if (P.ts.hasOffset) return DT_TZ
    return P.ts.hasTime ? DT_NAIVE : DATE | DT_NAIVE
  }
  return 0
}

const fitsI64 = (b: Uint8Array, s: number, e: number): boolean => {
  const v = P.parseBigInt(b, s, e)
  return v >= P.I64_MIN && v <= P.I64_MAX
}

/**
 * Infers the dtype of a column from its first `limit` rows (as Polars' `infer_schema_length`): Int64 when every
 * non-null value is an integer that fits, else Float64 when every one is a number, else Boolean (`true`/`false`,
 * any case); with `dates`, Date for ISO dates, Timestamp(us) for ISO datetimes and Timestamp(us, "UTC") when they
 * carry offsets; Utf8 otherwise, and for columns with no non-null value.
 */
export const inferDtype = (
  b: Uint8Array,
  cs: ColumnSpans,
  valid: Uint8Array,
  limit: number,
  dates: boolean
): DataType => {
  let mask = INT | FLOAT | BOOL | (dates ? DATE | DT_NAIVE | DT_TZ : 0)
  let seen = 0
  const n = Math.min(cs.rows, limit)
  for (let i = 0; i < n && mask !== 0; i++) {
    if (valid[i] === 0) continue
    seen++
    mask &= classify(b, cs.starts[i]!, cs.ends[i]!, cs.flags[i]!, dates)
  }
  if (seen === 0) return DT.Utf8
  if (mask & INT) return DT.Int64
  if (mask & FLOAT) return DT.Float64
  if (mask & BOOL) return DT.Boolean
  if (mask & DATE) return DT.Date
  if (mask & DT_NAIVE) return DT.Timestamp("us", null)
  if (mask & DT_TZ) return DT.Timestamp("us", "UTC")
  return DT.Utf8
}

// ---------------------------------------------------------------------------------------------------------------
// 64-bit writes without BigInt (little-endian hosts), through a Uint32Array view of a BigInt64Array.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const TWO32 = 4294967296

/** Writes the safe integer `v` as int64 at index i. */
const writeSafe = (w: Uint32Array, big: BigInt64Array, i: number, v: number): void => {
  if (!LITTLE_ENDIAN) {
    big[i] = BigInt(v)
    return
  }
  if (v >= 0) {
    const lo = v % TWO32
    w[2 * i] = lo
    w[2 * i + 1] = (v - lo) / TWO32
  } else {
    const a = -v
    const lo = a % TWO32
    const hi = (a - lo) / TWO32
    w[2 * i] = -lo
    w[2 * i + 1] = lo === 0 ? -hi : -hi - 1
  }
}

/**
 * Writes `±(H · 1e9 + L)` (H ≥ 0, 0 ≤ L < 1e9) as int64 at index i; false when it does not fit.
 */
const writeParts = (w: Uint32Array, big: BigInt64Array, i: number, neg: boolean, H: number, L: number): boolean => {
  if (H < 9_007_199) {
    const v = H * 1e9 + L
    if (v <= Number.MAX_SAFE_INTEGER) {
      writeSafe(w, big, i, neg ? -v : v)
      return true
    }
  }
  if (H >= 2 ** 34) return false
  const HL = H % 65536
  const HH = (H - HL) / 65536
  const A = HL * 1e9 + L
  const B = HH * 1e9
  const Bl = B % 65536
  const Bh = (B - Bl) / 65536
  const X = A + Bl * 65536
  const lo = X % TWO32
  const hi = (X - lo) / TWO32 + Bh
  if (hi > 0x7fffffff && !(neg && hi === 0x80000000 && lo === 0)) return false
  if (!LITTLE_ENDIAN) {
    const mag = (BigInt(hi) << 32n) | BigInt(lo)
    big[i] = neg ? -mag : mag
    return true
  }
  if (neg) {
    w[2 * i] = -lo
    w[2 * i + 1] = lo === 0 ? -hi : -hi - 1
  } else {
    w[2 * i] = lo
    w[2 * i + 1] = hi
  }
  return true
}

// ---------------------------------------------------------------------------------------------------------------
// Kernels

/** Int64 (and Duration counts, and UInt64 through BigInt for the rare long values). */
const toInt64 = (b: Uint8Array, cs: ColumnSpans, valid: Uint8Array, dtype: DataType): ConvertResult => {
  const n = cs.rows
  const unsigned = dtype._tag === "UInt64"
  const big = new BigInt64Array(n)
  const w = new Uint32Array(big.buffer)
  const { starts, ends } = cs
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue
    const s = starts[i]!
    const e = ends[i]!
    const v = P.parseInt(b, s, e)
    if (P.intStatus === 0) {
      if (unsigned && v < 0) return fail(i)
      writeSafe(w, big, i, v)
    } else if (P.intStatus === 2) {
      const x = P.parseBigInt(b, s, e)
      if (unsigned) {
        if (x < 0n || x >= 2n ** 64n) return fail(i)
        big[i] = BigInt.asIntN(64, x)
      } else {
        if (x < P.I64_MIN || x > P.I64_MAX) return fail(i)
        big[i] = x
      }
    } else return fail(i)
  }
  const values = unsigned ? new BigUint64Array(big.buffer) : big
  return { ok: true, column: C.make(dtype, n, values, validity(valid, n)) }
}

const toSmallInt = (b: Uint8Array, cs: ColumnSpans, valid: Uint8Array, dtype: DataType): ConvertResult => {
  const n = cs.rows
  const [lo, hi] = intRange(dtype)
  const out = C.allocValues(dtype, n) as Int32Array
  const { starts, ends } = cs
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue
    const v = P.parseInt(b, starts[i]!, ends[i]!)
    if (P.intStatus !== 0 || v < lo || v > hi) return fail(i)
    out[i] = v
  }
  return { ok: true, column: C.make(dtype, n, out, validity(valid, n)) }
}

const toFloat = (b: Uint8Array, cs: ColumnSpans, valid: Uint8Array, dtype: DataType): ConvertResult => {
  const n = cs.rows
  const out = C.allocValues(dtype, n) as Float32Array | Float64Array
  const { starts, ends } = cs
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue
    const v = P.parseFloat(b, starts[i]!, ends[i]!)
    if (!P.floatOk) return fail(i)
    out[i] = v
  }
  return { ok: true, column: C.make(dtype, n, out, validity(valid, n)) }
}

const toBool = (b: Uint8Array, cs: ColumnSpans, valid: Uint8Array): ConvertResult => {
  const n = cs.rows
  const out = new Uint8Array(Bits.bytesFor(n))
  const { starts, ends } = cs
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue
    const v = P.parseBool(b, starts[i]!, ends[i]!)
    if (v < 0) return fail(i)
    if (v === 1) out[i >> 3]! |= 1 << (i & 7)
  }
  return { ok: true, column: C.make(DT.Boolean, n, out, validity(valid, n)) }
}

const toDate = (b: Uint8Array, cs: ColumnSpans, valid: Uint8Array): ConvertResult => {
  const n = cs.rows
  const out = new Int32Array(n)
  const { starts, ends } = cs
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue
    const d = P.parseDate(b, starts[i]!, ends[i]!)
    if (Number.isNaN(d)) return fail(i)
    out[i] = d
  }
  return { ok: true, column: C.make(DT.Date, n, out, validity(valid, n)) }
}

/** The UTC instant (whole seconds) of local wall-clock seconds in zone `z` (see `ZoneRules.utcFromLocal`). */
const utcSeconds = (z: ZoneRules, local: number): number => {
  const ms = local * 1000
  return local - Math.round((ms - z.utcFromLocal(ms)) / 1000)
}

const UNITS_PER_SECOND: Record<TimeUnit, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 }

/**
 * Timestamp(unit, tz): values with an offset are exact instants; values without one are wall-clock times, read
 * as UTC when `tz` is null or "UTC" and as local times in `tz` otherwise (Polars `replace_time_zone` with
 * `ambiguous="earliest"`). Sub-unit digits are truncated, as in Polars.
 */
const toTimestamp = (
  b: Uint8Array,
  cs: ColumnSpans,
  valid: Uint8Array,
  unit: TimeUnit,
  tz: string | null
): ConvertResult => {
  const n = cs.rows
  const big = new BigInt64Array(n)
  const w = new Uint32Array(big.buffer)
  const { starts, ends } = cs
  const per = UNITS_PER_SECOND[unit]
  const nsPer = 1e9 / per
  // Zones `Intl` does not know (e.g. "Z") read as UTC.
  const z = tz === null ? null : zone(tz)
  const local = z !== null && !z.isUtc
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue
    if (!P.parseDatetime(b, starts[i]!, ends[i]!)) return fail(i)
    let secs = P.ts.seconds
    if (local && !P.ts.hasOffset) secs = utcSeconds(z, secs)
    const frac = Math.floor(P.ts.nanos / nsPer)
    if (per === 1e9) {
      // secs · 1e9 + nanos, exact through the split writer.
      const neg = secs < 0
      let H = neg ? -secs : secs
      let L = frac
      if (neg && L > 0) {
        H -= 1
        L = 1e9 - L
      }
      if (!writeParts(w, big, i, neg, H, L)) return fail(i)
    } else {
      const v = secs * per + frac
      if (Number.isSafeInteger(v)) writeSafe(w, big, i, v)
      else {
        // Far from 1970 (beyond ±2^53 units): exact through BigInt.
        const x = BigInt(secs) * BigInt(per) + BigInt(frac)
        if (x < P.I64_MIN || x > P.I64_MAX) return fail(i)
        big[i] = x
      }
    }
  }
  return { ok: true, column: C.make(DT.Timestamp(unit, tz), n, big, validity(valid, n)) }
}

/** Copies the spans' bytes into Arrow's Utf8 layout, collapsing doubled quotes in escaped fields. */
const toUtf8 = (b: Uint8Array, cs: ColumnSpans, valid: Uint8Array, quote: number): ConvertResult => {
  const n = cs.rows
  const { starts, ends, flags } = cs
  let total = 0
  for (let i = 0; i < n; i++) if (valid[i] !== 0) total += ends[i]! - starts[i]!
  const bytes = new Uint8Array(total)
  const offsets = new Int32Array(n + 1)
  let pos = 0
  for (let i = 0; i < n; i++) {
    if (valid[i] !== 0) {
      const s = starts[i]!
      const e = ends[i]!
      if ((flags[i]! & ESCAPED) !== 0) {
        for (let k = s; k < e; k++) {
          const c = b[k]!
          bytes[pos++] = c
          if (c === quote) k++
        }
      } else if (e - s < 24) {
        for (let k = s; k < e; k++) bytes[pos++] = b[k]!
      } else {
        bytes.set(b.subarray(s, e), pos)
        pos += e - s
      }
    }
    offsets[i + 1] = pos
  }
  const bad = firstInvalidUtf8(bytes, 0, pos)
  if (bad >= 0) {
    let row = 0
    while (offsets[row + 1]! <= bad) row++
    return fail(row)
  }
  return { ok: true, column: C.make(DT.Utf8, n, bytes.subarray(0, pos), validity(valid, n), { offsets }) }
}

/** Position of the first byte of an invalid UTF-8 sequence in `bytes[s, e)`, or -1. */
export const firstInvalidUtf8 = (bytes: Uint8Array, s: number, e: number): number => {
  let i = s
  while (i < e) {
    const c = bytes[i]!
    if (c < 0x80) {
      i++
      continue
    }
    let need: number
    let min: number
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1
      min = 0x80
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2
      min = 0x800
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3
      min = 0x10000
    } else return i
    if (i + need >= e) return i
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07)
    for (let k = 1; k <= need; k++) {
      const x = bytes[i + k]!
      if ((x & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (x & 0x3f)
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i
    i += need + 1
  }
  return -1
}

/** Dictionary-encodes a Utf8 column (codes in order of first appearance) by hashing bytes. */
export const toCategorical = (col: Column): Column => {
  const n = col.length
  const o = col.offsets!
  const bytes = col.values as Uint8Array
  let cap = 16
  while (cap < n * 2) cap <<= 1
  const table = new Int32Array(cap).fill(-1)
  const mask = cap - 1
  const codes = new Int32Array(n)
  const firstRow: Array<number> = []
  for (let i = 0; i < n; i++) {
    if (!C.isValid(col, i)) continue
    const s = o[i]!
    const e = o[i + 1]!
    let h = 0x811c9dc5
    for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193)
    let slot = h & mask
    for (;;) {
      const code = table[slot]!
      if (code < 0) {
        table[slot] = firstRow.length
        codes[i] = firstRow.length
        firstRow.push(i)
        break
      }
      const r = firstRow[code]!
      const rs = o[r]!
      if (o[r + 1]! - rs === e - s) {
        let same = true
        for (let k = 0; k < e - s; k++) {
          if (bytes[rs + k] !== bytes[s + k]) {
            same = false
            break
          }
        }
        if (same) {
          codes[i] = code
          break
        }
      }
      slot = (slot + 1) & mask
    }
  }
  const dictionary = C.take(col, firstRow)
  return C.make(DT.Categorical, n, codes, col.validity, { dictionary })
}

/** Decimal(p, s) through BigInt (a slow path: one BigInt per value). */
const toDecimal = (
  b: Uint8Array,
  cs: ColumnSpans,
  valid: Uint8Array,
  precision: number,
  scale: number
): ConvertResult => {
  const n = cs.rows
  const out = new BigInt64Array(2 * n)
  const { starts, ends } = cs
  const re = /^([+-]?)(\d*)(?:\.(\d*))?$/
  const limit = 10n ** BigInt(precision)
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue
    const m = re.exec(P.latin1(b, starts[i]!, ends[i]!))
    if (m === null || (m[2] === "" && (m[3] ?? "") === "")) return fail(i)
    let frac = m[3] ?? ""
    if (frac.length > scale) {
      if (!/^0*$/.test(frac.slice(scale))) return fail(i)
      frac = frac.slice(0, scale)
    }
    let v = BigInt((m[2] === "" ? "0" : m[2]!) + frac.padEnd(scale, "0"))
    if (v >= limit) return fail(i)
    if (m[1] === "-") v = -v
    out[2 * i] = BigInt.asIntN(64, v)
    out[2 * i + 1] = v >> 64n
  }
  return { ok: true, column: C.make(DT.Decimal(precision, scale), n, out, validity(valid, n)) }
}

/**
 * Converts one column's spans to `dtype`. Supported: every integer and float type, Boolean, Utf8, Categorical,
 * Date, Timestamp (any unit, any zone), Duration (integer counts of its unit), Decimal, Null (all null).
 * Returns undefined for dtypes CSV cannot hold (List, Struct).
 */
export const convert = (
  b: Uint8Array,
  cs: ColumnSpans,
  valid: Uint8Array,
  dtype: DataType,
  quote: number
): ConvertResult | undefined => {
  switch (dtype._tag) {
    case "Int64":
    case "UInt64":
    case "Duration":
      return toInt64(b, cs, valid, dtype)
    case "Int8":
    case "Int16":
    case "Int32":
    case "UInt8":
    case "UInt16":
    case "UInt32":
      return toSmallInt(b, cs, valid, dtype)
    case "Float32":
    case "Float64":
      return toFloat(b, cs, valid, dtype)
    case "Boolean":
      return toBool(b, cs, valid)
    case "Date":
      return toDate(b, cs, valid)
    case "Timestamp":
      return toTimestamp(b, cs, valid, dtype.unit, dtype.timeZone)
    case "Utf8":
      return toUtf8(b, cs, valid, quote)
    case "Categorical": {
      const r = toUtf8(b, cs, valid, quote)
      return r.ok ? { ok: true, column: toCategorical(r.column) } : r
    }
    case "Decimal":
      return toDecimal(b, cs, valid, dtype.precision, dtype.scale)
    case "Null": {
      for (let i = 0; i < cs.rows; i++) if (valid[i] !== 0) return fail(i)
      return { ok: true, column: C.nulls(DT.Null, cs.rows) }
    }
    case "List":
    case "Struct":
      return undefined
  }
}
