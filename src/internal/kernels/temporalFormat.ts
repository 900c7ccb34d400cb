/**
 * strptime-style parsing of UTF-8 bytes into dates and instants, for `str.strptime`. A format is compiled once
 * (`compileFormat`) and applied per row straight on the column's bytes (`parseRow`), without decoding strings.
 *
 * Directives (chrono / Polars names; numbers accept fewer digits than their width, as chrono does):
 * `%Y` year (optional sign, up to 4 digits unless followed by a non-digit: then up to 9), `%y` two-digit year
 * (00–69 → 2000s, 70–99 → 1900s, as chrono), `%m` month, `%d` day, `%e` day (space-padded), `%j` day of year,
 * `%b`/`%h`/`%B` month name (English, any case, abbreviated or full), `%a`/`%A` weekday name (checked for form only),
 * `%H` hour (00–23), `%I` hour (01–12) with `%p` AM/PM, `%M` minute, `%S` second, `%f` fraction of a second
 * (1–9 digits, read as a fraction: "5" = 0.5 s), `%3f` `%6f` `%9f` exactly 3 / 6 / 9 digits, `%.f` `%.3f` `%.6f`
 * `%.9f` an optional "." plus digits, `%z` UTC offset (`+hh`, `+hhmm`, `+hh:mm`, `Z`), `%Z` time-zone name (an IANA
 * name, `UTC`, `GMT` or `Z`), `%T` = `%H:%M:%S`, `%R` = `%H:%M`, `%F` = `%Y-%m-%d`, `%D` = `%m/%d/%y`, `%%` a percent
 * sign. Whitespace in the format matches any run of whitespace (also none), as chrono. Other text must match
 * exactly. The whole input must be consumed.
 *
 * Missing parts default to: month 1, day 1, time 00:00:00; the year is required.
 * @internal
 */
import { daysFromCivil, daysInMonth, isLeapYear, MS_PER_DAY, type ZoneRules, zone } from "./temporal.ts"

const Kind = {
  Lit: 0,
  Space: 1,
  Num: 2,
  Frac: 3,
  MonthName: 4,
  WeekdayName: 5,
  AmPm: 6,
  Offset: 7,
  ZoneName: 8
} as const

/** Numeric fields, indices into the parse state. */
const F = { Year: 0, Year2: 1, Month: 2, Day: 3, Doy: 4, Hour: 5, Hour12: 6, Minute: 7, Second: 8 } as const

interface Token {
  readonly kind: number
  readonly field: number
  readonly min: number
  readonly max: number
  readonly signed: boolean
  readonly spacePad: boolean
  readonly optDot: boolean
  readonly bytes: Uint8Array
}

/** A compiled format. */
export interface CompiledFormat {
  readonly source: string
  readonly tokens: ReadonlyArray<Token>
  readonly hasOffset: boolean
  readonly hasZone: boolean
  readonly hasTime: boolean
  readonly hasFraction: boolean
  /** %Y present (else %y is required). */
  readonly hasYear: boolean
}

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()

const tok = (kind: number, extra: Partial<Token> = {}): Token => ({
  kind,
  field: extra.field ?? -1,
  min: extra.min ?? 0,
  max: extra.max ?? 0,
  signed: extra.signed ?? false,
  spacePad: extra.spacePad ?? false,
  optDot: extra.optDot ?? false,
  bytes: extra.bytes ?? EMPTY
})

const num = (field: number, max: number, extra: Partial<Token> = {}): Token => tok(Kind.Num, { field, min: 1, max, ...extra })

const isSpaceChar = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)

/**
 * Compiles a strptime format, or returns `{ error }` naming the unknown directive.
 */
export const compileFormat = (format: string): CompiledFormat | { readonly error: string } => {
  const tokens: Array<Token> = []
  let lit = ""
  const flush = () => {
    if (lit !== "") tokens.push(tok(Kind.Lit, { bytes: encoder.encode(lit) }))
    lit = ""
  }
  const expand = (f: string): boolean => {
    for (let i = 0; i < f.length; i++) {
      const ch = f[i]!
      if (ch !== "%") {
        if (isSpaceChar(ch.charCodeAt(0))) {
          flush()
          if (tokens.length === 0 || tokens[tokens.length - 1]!.kind !== Kind.Space) tokens.push(tok(Kind.Space))
        } else lit += ch
        continue
      }
      let spec = f[++i]
      if (spec === undefined) return false
      let width = 0
      let dot = false
      if (spec === ".") {
        dot = true
        spec = f[++i]
      }
      if (spec !== undefined && spec >= "1" && spec <= "9") {
        width = Number(spec)
        spec = f[++i]
      }
      if (spec === undefined) return false
      if ((dot || width !== 0) && spec !== "f") return false
      if (spec === "%") {
        lit += "%"
        continue
      }
      flush()
      switch (spec) {
        case "Y":
          tokens.push(num(F.Year, 4, { signed: true }))
          break
        case "y":
          tokens.push(num(F.Year2, 2))
          break
        case "m":
          tokens.push(num(F.Month, 2))
          break
        case "d":
          tokens.push(num(F.Day, 2))
          break
        case "e":
          tokens.push(num(F.Day, 2, { spacePad: true }))
          break
        case "j":
          tokens.push(num(F.Doy, 3))
          break
        case "H":
          tokens.push(num(F.Hour, 2))
          break
        case "I":
          tokens.push(num(F.Hour12, 2))
          break
        case "M":
          tokens.push(num(F.Minute, 2))
          break
        case "S":
          tokens.push(num(F.Second, 2))
          break
        case "f":
          if (width !== 0 && width !== 3 && width !== 6 && width !== 9) return false
          tokens.push(tok(Kind.Frac, { min: width === 0 ? 1 : width, max: width === 0 ? 9 : width, optDot: dot }))
          break
        case "b":
        case "h":
        case "B":
          tokens.push(tok(Kind.MonthName))
          break
        case "a":
        case "A":
          tokens.push(tok(Kind.WeekdayName))
          break
        case "p":
        case "P":
          tokens.push(tok(Kind.AmPm))
          break
        case "z":
          tokens.push(tok(Kind.Offset))
          break
        case "Z":
          tokens.push(tok(Kind.ZoneName))
          break
        case "T":
          if (!expand("%H:%M:%S")) return false
          break
        case "R":
          if (!expand("%H:%M")) return false
          break
        case "F":
          if (!expand("%Y-%m-%d")) return false
          break
        case "D":
          if (!expand("%m/%d/%y")) return false
          break
        default:
          return false
      }
    }
    flush()
    return true
  }
  if (!expand(format))
    return {
      error: `unsupported strptime format ${JSON.stringify(format)} (directives: %Y %y %m %d %e %j %b %B %a %A %H %I %p %M %S %f %3f %6f %9f %.f %z %Z %T %R %F %D %%)`
    }
  if (!tokens.some((t) => t.kind === Kind.Num && (t.field === F.Year || t.field === F.Year2)))
    return { error: `strptime format ${JSON.stringify(format)} has no year (%Y or %y)` }
  // A %Y directly followed by a digit-reading directive keeps 4 digits; otherwise it may read up to 9.
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!
    if (t.kind === Kind.Num && t.field === F.Year) {
      const next = tokens[k + 1]
      if (next === undefined || (next.kind !== Kind.Num && next.kind !== Kind.Frac)) tokens[k] = { ...t, max: 9 }
    }
  }
  const has = (kind: number) => tokens.some((t) => t.kind === kind)
  return {
    source: format,
    tokens,
    hasOffset: has(Kind.Offset),
    hasZone: has(Kind.ZoneName),
    hasTime: tokens.some((t) => t.kind === Kind.Num && t.field >= F.Hour) || has(Kind.Frac),
    hasFraction: has(Kind.Frac),
    hasYear: tokens.some((t) => t.kind === Kind.Num && t.field === F.Year)
  }
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c)

/** Matches an English name (full or its 3-letter abbreviation) at `pos`; returns [index, newPos] via `out`. */
const matchName = (b: Uint8Array, pos: number, end: number, names: ReadonlyArray<string>, out: Float64Array): boolean => {
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!
    let j = 0
    while (j < name.length && pos + j < end && lower(b[pos + j]!) === name.charCodeAt(j)) j++
    if (j === name.length || j === 3) {
      out[0] = k
      out[1] = pos + j
      return true
    }
  }
  return false
}

/** Parse output of one row. `zone` is set when the text named a zone (%Z). */
export interface ParseState {
  /** Day number (days since 1970-01-01) of the wall date. */
  days: number
  /** Milliseconds since local midnight. */
  msOfDay: number
  /** Nanoseconds within the millisecond (0..999999). */
  subMsNanos: number
  /** Parsed UTC offset in ms (local − UTC), or NaN when none. */
  offsetMs: number
  /** Zone named by %Z, or null. */
  zone: ZoneRules | null
}

export const makeState = (): ParseState => ({ days: 0, msOfDay: 0, subMsNanos: 0, offsetMs: Number.NaN, zone: null })

const fields = new Float64Array(9)
const nameOut = new Float64Array(2)
const decoder = new TextDecoder()

/**
 * Parses bytes `[start, end)` of `b` with a compiled format into `st`. Returns false when the text does not match
 * the format or names an impossible date or time (Feb 30, hour 24, …).
 */
export const parseRow = (fmt: CompiledFormat, b: Uint8Array, start: number, end: number, st: ParseState): boolean => {
  fields.fill(Number.NaN)
  let fracNanos = 0
  let pm = -1
  let offset = Number.NaN
  let namedZone: ZoneRules | null = null
  let pos = start
  const tokens = fmt.tokens
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!
    switch (t.kind) {
      case Kind.Lit: {
        const lb = t.bytes
        if (end - pos < lb.length) return false
        for (let j = 0; j < lb.length; j++) if (b[pos + j] !== lb[j]) return false
        pos += lb.length
        break
      }
      case Kind.Space:
        while (pos < end && isSpaceChar(b[pos]!)) pos++
        break
      case Kind.Num: {
        let neg = false
        if (t.spacePad) while (pos < end && b[pos] === 32) pos++
        if (t.signed && pos < end && (b[pos] === 45 || b[pos] === 43)) {
          neg = b[pos] === 45
          pos++
        }
        let v = 0
        let nd = 0
        while (nd < t.max && pos < end) {
          const c = b[pos]! - 48
          if (c < 0 || c > 9) break
          v = v * 10 + c
          pos++
          nd++
        }
        if (nd < t.min) return false
        fields[t.field] = neg ? -v : v
        break
      }
      case Kind.Frac: {
        if (t.optDot) {
          if (pos < end && b[pos] === 46) pos++
          else break
        }
        let v = 0
        let nd = 0
        while (nd < t.max && pos < end) {
          const c = b[pos]! - 48
          if (c < 0 || c > 9) break
          v = v * 10 + c
          pos++
          nd++
        }
        if (nd < t.min) return false
        // Further digits beyond nanoseconds are ignored.
        while (t.max === 9 && t.min === 1 && pos < end && b[pos]! >= 48 && b[pos]! <= 57) pos++
        fracNanos = v * 10 ** (9 - nd)
        break
      }
      case Kind.MonthName:
        if (!matchName(b, pos, end, MONTHS, nameOut)) return false
        fields[F.Month] = nameOut[0]! + 1
        pos = nameOut[1]!
        break
      case Kind.WeekdayName:
        if (!matchName(b, pos, end, WEEKDAYS, nameOut)) return false
        pos = nameOut[1]!
        break
      case Kind.AmPm: {
        if (end - pos < 2) return false
        const c0 = lower(b[pos]!)
        const c1 = lower(b[pos + 1]!)
        if (c1 !== 109 || (c0 !== 97 && c0 !== 112)) return false
        pm = c0 === 112 ? 1 : 0
        pos += 2
        break
      }
      case Kind.Offset: {
        if (pos < end && (b[pos] === 90 || b[pos] === 122)) {
          offset = 0
          pos++
          break
        }
        if (pos >= end || (b[pos] !== 43 && b[pos] !== 45)) return false
        const sign = b[pos] === 45 ? -1 : 1
        pos++
        const d2 = (): number => {
          if (end - pos < 2) return -1
          const a = b[pos]! - 48
          const c = b[pos + 1]! - 48
          if (a < 0 || a > 9 || c < 0 || c > 9) return -1
          pos += 2
          return a * 10 + c
        }
        const hh = d2()
        if (hh < 0 || hh > 23) return false
        let mm = 0
        if (pos < end && b[pos] === 58) {
          pos++
          mm = d2()
          if (mm < 0) return false
        } else if (pos + 1 < end && b[pos]! >= 48 && b[pos]! <= 57) {
          mm = d2()
          if (mm < 0) return false
        }
        if (mm > 59) return false
        offset = sign * (hh * 60 + mm) * 60_000
        break
      }
      case Kind.ZoneName: {
        const s0 = pos
        while (pos < end) {
          const c = b[pos]!
          const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 47 || c === 95 || c === 43 || c === 45
          if (!ok) break
          pos++
        }
        if (pos === s0) return false
        const name = decoder.decode(b.subarray(s0, pos))
        if (name === "Z" || name === "z") {
          offset = 0
          break
        }
        const z = zoneFor(name)
        if (z === null) return false
        namedZone = z
        break
      }
    }
  }
  if (pos !== end) return false
  let year = fields[F.Year]!
  if (!fmt.hasYear) {
    const y2 = fields[F.Year2]!
    if (Number.isNaN(y2)) return false
    year = y2 < 70 ? 2000 + y2 : 1900 + y2
  }
  let days: number
  const doy = fields[F.Doy]!
  const mo = fields[F.Month]!
  const dd = fields[F.Day]!
  if (Number.isNaN(mo) && Number.isNaN(dd) && !Number.isNaN(doy)) {
    if (doy < 1 || doy > (isLeapYear(year) ? 366 : 365)) return false
    days = daysFromCivil(year, 1, 1) + doy - 1
  } else {
    const month = Number.isNaN(mo) ? 1 : mo
    const day = Number.isNaN(dd) ? 1 : dd
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false
    days = daysFromCivil(year, month, day)
  }
  let hour = fields[F.Hour]!
  const h12 = fields[F.Hour12]!
  if (!Number.isNaN(h12)) {
    if (h12 < 1 || h12 > 12) return false
    hour = (h12 % 12) + (pm === 1 ? 12 : 0)
  } else if (Number.isNaN(hour)) hour = 0
  const minute = Number.isNaN(fields[F.Minute]!) ? 0 : fields[F.Minute]!
  const second = Number.isNaN(fields[F.Second]!) ? 0 : fields[F.Second]!
  if (hour > 23 || minute > 59 || second > 59) return false
  st.days = days
  const fracMs = Math.floor(fracNanos / 1_000_000)
  st.msOfDay = ((hour * 60 + minute) * 60 + second) * 1000 + fracMs
  st.subMsNanos = fracNanos - fracMs * 1_000_000
  st.offsetMs = offset
  st.zone = namedZone
  return true
}

const zoneCache = new Map<string, ZoneRules | null>()
const zoneFor = (name: string): ZoneRules | null => {
  let z = zoneCache.get(name)
  if (z === undefined) {
    z = zone(name)
    zoneCache.set(name, z)
  }
  return z
}

/** Local wall-clock milliseconds of a parse state (days and time of day). */
export const localMsOf = (st: ParseState): number => st.days * MS_PER_DAY + st.msOfDay
