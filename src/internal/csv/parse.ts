/**
 * Byte-level value parsers for CSV fields: integers, floats, booleans, ISO dates and datetimes, read straight from
 * the UTF-8 bytes of a span `[s, e)` without creating strings (except on the rare slow paths noted below).
 * Results come back as numbers plus module-level status fields, so that the hot loops allocate nothing.
 * @internal
 */
import { daysFromCivil, daysInMonth } from "../kernels/temporal.ts"

const ZERO = 48
const PLUS = 43
const MINUS = 45
const DOT = 46

const scratch: Array<number> = []

/** ASCII bytes of a span as a string (slow paths only). */
export const latin1 = (b: Uint8Array, s: number, e: number): string => {
  const n = e - s
  if (n > 64) {
    let out = ""
    for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!)
    return out
  }
  scratch.length = n
  for (let k = 0; k < n; k++) scratch[k] = b[s + k]!
  return String.fromCharCode.apply(null, scratch)
}

// ---------------------------------------------------------------------------------------------------------------
// Integers

/** Status of the last `parseInt`: 0 = ok (value returned), 1 = not an integer, 2 = integer too long for a double. */
export let intStatus = 0

/**
 * Parses `[+-]?[0-9]+`. Returns the value when it has at most 15 digits (exact as a double). For longer digit
 * strings sets `intStatus = 2` (callers use `parseBigInt`); for anything else sets `intStatus = 1`.
 */
export const parseInt = (b: Uint8Array, s: number, e: number): number => {
  let i = s
  let neg = false
  if (i < e) {
    const c = b[i]!
    if (c === MINUS) {
      neg = true
      i++
    } else if (c === PLUS) i++
  }
  if (i >= e) {
    intStatus = 1
    return 0
  }
  let v = 0
  const start = i
  for (; i < e; i++) {
    const d = b[i]! - ZERO
    if (d < 0 || d > 9) {
      intStatus = 1
      return 0
    }
    v = v * 10 + d
  }
  if (i - start > 15) {
    intStatus = 2
    return 0
  }
  intStatus = 0
  return neg ? -v : v
}

/** A long integer span as a bigint (the span was already checked by `parseInt`). */
export const parseBigInt = (b: Uint8Array, s: number, e: number): bigint => {
  const str = latin1(b, s, e)
  return BigInt(str.charCodeAt(0) === PLUS ? str.slice(1) : str)
}

export const I64_MIN = -(2n ** 63n)
export const I64_MAX = 2n ** 63n - 1n

// ---------------------------------------------------------------------------------------------------------------
// Floats

/** Whether the last `parseFloat` succeeded. */
export let floatOk = true

const POW10 = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22
]

const lower = (c: number): number => c | 0x20

/** Matches the ASCII word `w` (lower case) case-insensitively at `b[i..e)` exactly. */
const isWord = (b: Uint8Array, i: number, e: number, w: string): boolean => {
  if (e - i !== w.length) return false
  for (let k = 0; k < w.length; k++) if (lower(b[i + k]!) !== w.charCodeAt(k)) return false
  return true
}

/**
 * Parses a decimal float: `[+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?`, or `nan`, `inf`, `infinity`
 * (any case, with a sign for the infinities). Correctly rounded: up to 15 significant digits and |exp| ≤ 22 are
 * computed exactly (Clinger's fast path); other spans go through `Number(text)`.
 */
export const parseFloat = (b: Uint8Array, s: number, e: number): number => {
  let i = s
  let neg = false
  if (i < e) {
    const c = b[i]!
    if (c === MINUS) {
      neg = true
      i++
    } else if (c === PLUS) i++
  }
  if (i >= e) {
    floatOk = false
    return 0
  }
  let c = b[i]!
  if (c > 57) {
    floatOk = true
    if (isWord(b, i, e, "inf") || isWord(b, i, e, "infinity")) return neg ? -Infinity : Infinity
    if (isWord(b, i, e, "nan")) return Number.NaN
    floatOk = false
    return 0
  }
  let mant = 0
  let sig = 0
  let exp = 0
  let digits = 0
  // Integer part.
  for (; i < e; i++) {
    c = b[i]!
    const d = c - ZERO
    if (d < 0 || d > 9) break
    digits++
    if (mant === 0 && d === 0) continue
    if (sig < 19) {
      mant = mant * 10 + d
      sig++
    } else exp++
  }
  if (i < e && b[i] === DOT) {
    i++
    for (; i < e; i++) {
      const d = b[i]! - ZERO
      if (d < 0 || d > 9) break
      digits++
      if (mant === 0 && d === 0) {
        exp--
        continue
      }
      if (sig < 19) {
        mant = mant * 10 + d
        sig++
        exp--
      }
    }
  }
  if (digits === 0) {
    floatOk = false
    return 0
  }
  if (i < e) {
    c = b[i]!
    if (c !== 101 && c !== 69) {
      floatOk = false
      return 0
    }
    i++
    let eneg = false
    if (i < e && (b[i] === MINUS || b[i] === PLUS)) {
      eneg = b[i] === MINUS
      i++
    }
    if (i >= e) {
      floatOk = false
      return 0
    }
    let ev = 0
    for (; i < e; i++) {
      const d = b[i]! - ZERO
      if (d < 0 || d > 9) {
        floatOk = false
        return 0
      }
      if (ev < 100000) ev = ev * 10 + d
    }
    exp += eneg ? -ev : ev
  }
  floatOk = true
  let v: number
  if (sig <= 15 && exp >= -22 && exp <= 22) {
    v = exp < 0 ? mant / POW10[-exp]! : mant * POW10[exp]!
  } else if (mant === 0) {
    v = 0
  } else {
    v = Number(latin1(b, neg || b[s] === PLUS ? s + 1 : s, e))
  }
  return neg ? -v : v
}

/** Case-insensitive `true` → 1, `false` → 0, anything else → -1. */
export const parseBool = (b: Uint8Array, s: number, e: number): number => {
  const n = e - s
  if (n === 4 && isWord(b, s, e, "true")) return 1
  if (n === 5 && isWord(b, s, e, "false")) return 0
  return -1
}

// ---------------------------------------------------------------------------------------------------------------
// Dates and datetimes

const digit2 = (b: Uint8Array, i: number): number => {
  const a = b[i]! - ZERO
  const c = b[i + 1]! - ZERO
  return a >= 0 && a <= 9 && c >= 0 && c <= 9 ? a * 10 + c : -1
}

/** Position after the date part parsed by `parseDatePart` (or -1), and its day count. */
let datePos = -1

/** Parses `YYYY-MM-DD` (or `±YYYYYY-MM-DD`) at `s`; returns days since the epoch and sets `datePos`, or NaN. */
const parseDatePart = (b: Uint8Array, s: number, e: number): number => {
  let i = s
  let sign = 1
  let ylen = 4
  if (i < e && (b[i] === PLUS || b[i] === MINUS)) {
    sign = b[i] === MINUS ? -1 : 1
    ylen = 6
    i++
  }
  if (e - i < ylen + 6) return Number.NaN
  let y = 0
  for (let k = 0; k < ylen; k++) {
    const d = b[i + k]! - ZERO
    if (d < 0 || d > 9) return Number.NaN
    y = y * 10 + d
  }
  i += ylen
  if (b[i] !== MINUS || b[i + 3] !== MINUS) return Number.NaN
  const m = digit2(b, i + 1)
  const d = digit2(b, i + 4)
  y *= sign
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return Number.NaN
  datePos = i + 6
  return daysFromCivil(y, m, d)
}

/** Parses an ISO date `YYYY-MM-DD` exactly; days since 1970-01-01, or NaN. */
export const parseDate = (b: Uint8Array, s: number, e: number): number => {
  const days = parseDatePart(b, s, e)
  return datePos === e ? days : Number.NaN
}

/** Results of the last successful `parseDatetime`. */
export const ts = {
  /** Seconds since the epoch: of the wall clock when `hasOffset` is false, of the UTC instant otherwise. */
  seconds: 0,
  /** Nanoseconds within the second (0 … 999,999,999). */
  nanos: 0,
  hasOffset: false,
  /** Whether a time part was present (a bare date is midnight). */
  hasTime: false
}

/**
 * Parses an ISO 8601 datetime: `YYYY-MM-DD[(T| )HH:MM[:SS[.fffffffff]]][Z|±HH[:MM[:SS]]|±HHMM]` (also a bare date,
 * as midnight). Fills `ts` and returns true, or returns false.
 */
export const parseDatetime = (b: Uint8Array, s: number, e: number): boolean => {
  const days = parseDatePart(b, s, e)
  if (Number.isNaN(days)) return false
  let i = datePos
  let secs = days * 86400
  let nanos = 0
  ts.hasTime = false
  ts.hasOffset = false
  if (i < e) {
    const sep = b[i]!
    if (sep !== 84 && sep !== 32 && sep !== 116) return false
    i++
    if (e - i < 5) return false
    const h = digit2(b, i)
    const mi = digit2(b, i + 3)
    if (b[i + 2] !== 58 || h < 0 || h > 23 || mi < 0 || mi > 59) return false
    secs += h * 3600 + mi * 60
    i += 5
    ts.hasTime = true
    if (i < e && b[i] === 58) {
      if (e - i < 3) return false
      const sec = digit2(b, i + 1)
      if (sec < 0 || sec > 59) return false
      secs += sec
      i += 3
      if (i < e && (b[i] === DOT || b[i] === 44)) {
        i++
        let k = 0
        let scale = 100_000_000
        for (; i < e; i++, k++) {
          const d = b[i]! - ZERO
          if (d < 0 || d > 9) break
          nanos += d * scale
          scale /= 10
        }
        if (k === 0 || k > 9) return false
      }
    }
    if (i < e) {
      const c = b[i]!
      if (c === 90 || c === 122) {
        i++
        ts.hasOffset = true
      } else if (c === PLUS || c === MINUS) {
        const sign = c === MINUS ? -1 : 1
        i++
        if (e - i < 2) return false
        const oh = digit2(b, i)
        if (oh < 0 || oh > 23) return false
        i += 2
        let om = 0
        let os = 0
        if (i < e) {
          const colon = b[i] === 58
          if (colon) i++
          if (e - i < 2) return false
          om = digit2(b, i)
          if (om < 0 || om > 59) return false
          i += 2
          // Seconds in the offset (`-04:56:02`, local mean time before 1883), as RFC 9557 allows.
          if (colon && i < e && b[i] === 58) {
            if (e - i !== 3) return false
            os = digit2(b, i + 1)
            if (os < 0 || os > 59) return false
            i += 3
          }
        }
        secs -= sign * (oh * 3600 + om * 60 + os)
        ts.hasOffset = true
      }
      if (i !== e) return false
    }
  }
  ts.seconds = secs
  ts.nanos = nanos
  return true
}

/** Compares the span with a byte string. */
export const spanEquals = (b: Uint8Array, s: number, e: number, token: Uint8Array): boolean => {
  if (e - s !== token.length) return false
  for (let k = 0; k < token.length; k++) if (b[s + k] !== token[k]) return false
  return true
}
