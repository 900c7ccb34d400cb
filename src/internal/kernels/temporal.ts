/**
 * Calendar, time-zone and duration kernels for Date / Timestamp columns. Plain synchronous functions on typed
 * arrays (no Effect); reused by the `dt.*` and `str.strptime` expression functions and by time-series windows.
 *
 * - **Calendar**: proleptic Gregorian, day numbers since 1970-01-01 (`daysFromCivil`, `civilFromDays`; Howard
 *   Hinnant's algorithms, exact for any day number that fits in a double).
 * - **Instants**: Timestamp values are `BigInt64Array` counts of a unit since the epoch. `epochMs` reads them as
 *   floor-milliseconds (`Float64Array`) without BigInt arithmetic (through the two 32-bit halves), `writeMs` writes
 *   whole milliseconds back into a unit exactly. Both keep full 64-bit precision for every value whose ms count is a
 *   safe integer (±285 000 years).
 * - **Time zones**: `zone(name)` gives cached `ZoneRules` over IANA rules read from `Intl.DateTimeFormat` (never our
 *   own tables). Offsets are cached per UTC day; the instant of a change inside a day is found by bisection to the
 *   second, so a column of a million rows over ten years costs a few thousand `Intl` calls. Limitation: a day with
 *   two transitions whose offsets at both ends are equal is seen as having none.
 * - **Local → UTC** (`ZoneRules.utcFromLocal`): the "compatible" disambiguation of TC39 Temporal / java.time: an
 *   ambiguous wall time (fall back) takes the earliest instant; a non-existent one (spring forward) is shifted
 *   forward by the length of the gap (02:30 on a spring-forward day in New York becomes 03:30 EDT).
 * - **Durations**: `parseDuration` reads Polars duration strings ("1h30m", "3mo", "2w", "10i"); `truncateValues`
 *   and `offsetValues` apply them to Timestamp values as Polars `dt.truncate` / `dt.offset_by` do.
 *
 * @internal
 */
import type { TimeUnit } from "../../Frame/DataType.ts"

export const MS_PER_DAY = 86_400_000
const MS_PER_WEEK = 7 * MS_PER_DAY
const TWO32 = 4_294_967_296

// ---------------------------------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------------------------------

/** Days since 1970-01-01 of the proleptic Gregorian date `y-m-d` (m in 1..12, d in 1..31; not validated). */
export const daysFromCivil = (y: number, m: number, d: number): number => {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const mp = m > 2 ? m - 3 : m + 9
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

/**
 * Writes the civil date of day number `days` into `out`: `out[0]` year, `out[1]` month (1..12), `out[2]` day
 * (1..31), `out[3]` day of year (1..366). Allocation-free, for hot loops. A `Float64Array` keeps years beyond
 * ±2^31 (day numbers of second-unit timestamps far from 1970) that an `Int32Array` would wrap.
 */
export const civilFromDays = (days: number, out: Int32Array | Float64Array): void => {
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  // doe, yoe, doyMar and mp are non-negative: truncation is floor.
  const yoe = Math.trunc((doe - Math.trunc(doe / 1460) + Math.trunc(doe / 36_524) - Math.trunc(doe / 146_096)) / 365)
  const doyMar = doe - (365 * yoe + Math.trunc(yoe / 4) - Math.trunc(yoe / 100))
  const mp = Math.trunc((5 * doyMar + 2) / 153)
  const d = doyMar - Math.trunc((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  out[0] = y
  out[1] = m
  out[2] = d
  // Day of year: days since March 1 shifted to January 1.
  out[3] = m <= 2 ? doyMar - 305 : doyMar + 60 + (isLeapYear(y) ? 1 : 0)
}

/** Whether `y` is a leap year (proleptic Gregorian). */
export const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Number of days in month `m` (1..12) of year `y`. */
export const daysInMonth = (y: number, m: number): number => (m === 2 && isLeapYear(y) ? 29 : MONTH_DAYS[m - 1]!)

/** ISO weekday (Monday = 1 … Sunday = 7) of a day number (1970-01-01 was a Thursday). */
export const isoWeekday = (days: number): number => {
  const r = (days + 3) % 7
  return (r < 0 ? r + 7 : r) + 1
}

// ---------------------------------------------------------------------------------------------------------------
// Units and exact 64-bit reads / writes
// ---------------------------------------------------------------------------------------------------------------

/** Count of `unit` per millisecond, as a number (`s` → 0.001). */
export const unitsPerMs = (unit: TimeUnit): number =>
  unit === "ns" ? 1_000_000 : unit === "us" ? 1000 : unit === "ms" ? 1 : 0.001

/** Count of `unit` per day, as a bigint. */
export const unitsPerDay = (unit: TimeUnit): bigint =>
  unit === "ns" ? 86_400_000_000_000n : unit === "us" ? 86_400_000_000n : unit === "ms" ? 86_400_000n : 86_400n

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

const halves = (values: BigInt64Array): { readonly hi: Int32Array; readonly lo: Uint32Array } => ({
  hi: new Int32Array(values.buffer, values.byteOffset, values.length * 2),
  lo: new Uint32Array(values.buffer, values.byteOffset, values.length * 2)
})

/**
 * Floor milliseconds since the epoch of each value of a Timestamp column in `unit` (as `Math.floor(v / unitsPerMs)`
 * computed exactly). Exact for |ms| < 2^53. Reads the two 32-bit halves, so no BigInt is created per row.
 */
export const epochMs = (values: BigInt64Array, unit: TimeUnit, n: number = values.length): Float64Array => {
  const out = new Float64Array(n)
  if (!LITTLE_ENDIAN) {
    const d = BigInt(Math.max(unitsPerMs(unit), 1))
    for (let i = 0; i < n; i++) {
      const v = values[i]!
      if (unit === "s") out[i] = Number(v) * 1000
      else {
        let q = v / d
        if (v % d < 0n) q -= 1n
        out[i] = Number(q)
      }
    }
    return out
  }
  const { hi, lo } = halves(values)
  switch (unit) {
    case "ms":
      for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1]! * TWO32 + lo[2 * i]!
      break
    case "s":
      for (let i = 0; i < n; i++) out[i] = (hi[2 * i + 1]! * TWO32 + lo[2 * i]!) * 1000
      break
    case "us":
      // 2^32 = 4294967 * 1000 + 296
      for (let i = 0; i < n; i++) {
        const h = hi[2 * i + 1]!
        out[i] = h * 4_294_967 + Math.floor((h * 296 + lo[2 * i]!) / 1000)
      }
      break
    case "ns":
      // 2^32 = 4294 * 10^6 + 967296
      for (let i = 0; i < n; i++) {
        const h = hi[2 * i + 1]!
        out[i] = h * 4294 + Math.floor((h * 967_296 + lo[2 * i]!) / 1_000_000)
      }
      break
  }
  return out
}

/** The value at row `i` as floor milliseconds (see `epochMs`), for single reads. */
export const epochMsAt = (v: bigint, unit: TimeUnit): number => {
  if (unit === "s") return Number(v) * 1000
  if (unit === "ms") return Number(v)
  const d = unit === "us" ? 1000n : 1_000_000n
  let q = v / d
  if (v % d < 0n) q -= 1n
  return Number(q)
}

/**
 * Writes `a * mult` (a, mult integers, |a * mult| < 2^63, mult ≤ 10^6, |a| < 2^53) exactly into the int64 at
 * index `i` of the halves views. Splits the product so that every intermediate stays below 2^53.
 */
const writeProduct = (hi: Int32Array, lo: Uint32Array, i: number, a: number, mult: number): void => {
  const ah = Math.floor(a / 2_097_152) // 2^21
  const al = a - ah * 2_097_152
  const x = ah * mult
  const y = al * mult
  const xh = Math.floor(x / 2048) // 2^11
  const xl = x - xh * 2048
  const z = xl * 2_097_152 + y
  const carry = Math.floor(z / TWO32)
  lo[2 * i] = z - carry * TWO32
  hi[2 * i + 1] = xh + carry
}

/**
 * Converts whole milliseconds since the epoch to Timestamp values in `unit` (for unit "s", floor seconds), exactly.
 * `out` may be given to write into.
 */
export const writeMs = (ms: Float64Array, unit: TimeUnit, out: BigInt64Array = new BigInt64Array(ms.length)): BigInt64Array => {
  const n = ms.length
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) {
      const m = ms[i]!
      out[i] = unit === "s" ? BigInt(Math.floor(m / 1000)) : BigInt(m) * BigInt(unitsPerMs(unit))
    }
    return out
  }
  const { hi, lo } = halves(out)
  const mult = unit === "s" ? 1 : unitsPerMs(unit)
  for (let i = 0; i < n; i++) {
    const a = unit === "s" ? Math.floor(ms[i]! / 1000) : ms[i]!
    writeProduct(hi, lo, i, a, mult)
  }
  return out
}

/**
 * `out[i] = values[i] + deltaMs[i] * unitsPerMs(unit)` exactly (deltaMs whole ms, |delta in unit| < 2^53; for unit
 * "s", `deltaMs` must be a multiple of 1000). Used to shift instants by time-zone offsets.
 */
export const addMs = (values: BigInt64Array, deltaMs: Float64Array, unit: TimeUnit, out: BigInt64Array = new BigInt64Array(values.length)): BigInt64Array => {
  const n = values.length
  const upm = unitsPerMs(unit)
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) out[i] = values[i]! + BigInt(unit === "s" ? deltaMs[i]! / 1000 : deltaMs[i]! * upm)
    return out
  }
  const src = halves(values)
  const dst = halves(out)
  for (let i = 0; i < n; i++) {
    const d = unit === "s" ? deltaMs[i]! / 1000 : deltaMs[i]! * upm
    const dh = Math.floor(d / TWO32)
    const z = src.lo[2 * i]! + (d - dh * TWO32)
    const carry = z >= TWO32 ? 1 : 0
    dst.lo[2 * i] = z - carry * TWO32
    dst.hi[2 * i + 1] = src.hi[2 * i + 1]! + dh + carry
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------------------------

/** Offset rules of one IANA time zone (or a fixed offset such as "+05:30"), read from `Intl`. */
export interface ZoneRules {
  /** Canonical name as `Intl` resolved it. */
  readonly name: string
  /** True for UTC-like zones (offset always 0): callers can skip conversions. */
  readonly isUtc: boolean
  /** Offset of local time from UTC (local − UTC), in ms, at the UTC instant `utcMs`. */
  readonly offsetMs: (utcMs: number) => number
  /**
   * The UTC instant (ms) of local wall time `localMs` ("compatible" disambiguation: ambiguous → earliest instant,
   * non-existent → shifted forward by the gap).
   */
  readonly utcFromLocal: (localMs: number) => number
}

const zones = new Map<string, ZoneRules | null>()

/** Whether `name` is a time zone `Intl` knows (IANA names, "UTC", fixed offsets like "+05:30"). */
export const isValidTimeZone = (name: string): boolean => zone(name) !== null

const MAX_INTL_MS = 8.64e15 - 2 * MS_PER_DAY

const parseLongOffset = (s: string): number => {
  // "GMT", "GMT+05:30", "GMT-04:56:02"
  if (s.length <= 3) return 0
  const sign = s.charCodeAt(3) === 45 || s.charCodeAt(3) === 0x2212 ? -1 : 1
  const parts = s.slice(4).split(":")
  const h = Number(parts[0] ?? 0)
  const m = Number(parts[1] ?? 0)
  const sec = Number(parts[2] ?? 0)
  return sign * ((h * 60 + m) * 60 + sec) * 1000
}

/** The rules of time zone `name`, cached; null when `Intl` does not know it. */
export const zone = (name: string): ZoneRules | null => {
  const cached = zones.get(name)
  if (cached !== undefined) return cached
  let fmt: Intl.DateTimeFormat
  try {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone: name, timeZoneName: "longOffset" })
  } catch {
    zones.set(name, null)
    return null
  }
  const resolved = fmt.resolvedOptions().timeZone
  const isUtc = resolved === "UTC" || resolved === "Etc/UTC" || resolved === "GMT" || resolved === "Etc/GMT"
  const raw = (ms: number): number => {
    const t = Math.min(MAX_INTL_MS, Math.max(-MAX_INTL_MS, ms))
    const parts = fmt.formatToParts(t)
    for (let k = parts.length - 1; k >= 0; k--) if (parts[k]!.type === "timeZoneName") return parseLongOffset(parts[k]!.value)
    return 0
  }
  // Per UTC day: the offset when it does not change within the day, or CHANGE with the change recorded in
  // `changes`. Days are kept in a dense Float64Array (NaN = not computed yet) over the span seen so far (up to
  // MAX_SPAN days), and in a Map beyond that.
  const CHANGE = Number.POSITIVE_INFINITY
  const MAX_SPAN = 1 << 19
  let tableStart = 0
  let table = new Float64Array(0)
  const far = new Map<number, number>()
  const changes = new Map<number, { readonly at: number; readonly before: number; readonly after: number }>()
  const computeDay = (day: number): number => {
    const start = day * MS_PER_DAY
    const o0 = raw(start)
    const o1 = raw(start + MS_PER_DAY)
    if (o0 === o1) return o0
    // Bisection on whole seconds for the first instant with the new offset.
    let lo = start
    let hi = start + MS_PER_DAY
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000
      if (raw(mid) === o0) lo = mid
      else hi = mid
    }
    changes.set(day, { at: hi, before: o0, after: o1 })
    return CHANGE
  }
  const dayEntry = (day: number): number => {
    let k = day - tableStart
    if (k < 0 || k >= table.length) {
      const lo = Math.min(table.length === 0 ? day : tableStart, day) - 366
      const hi = Math.max(table.length === 0 ? day : tableStart + table.length, day + 1) + 366
      if (hi - lo > MAX_SPAN) {
        let v = far.get(day)
        if (v === undefined) {
          v = computeDay(day)
          far.set(day, v)
        }
        return v
      }
      const next = new Float64Array(hi - lo).fill(Number.NaN)
      if (table.length > 0) next.set(table, tableStart - lo)
      table = next
      tableStart = lo
      k = day - lo
    }
    const v = computeDay(day)
    table[k] = v
    return v
  }
  const offsetMs = isUtc
    ? (_: number) => 0
    : (utcMs: number): number => {
        const day = Math.floor(utcMs / MS_PER_DAY)
        const k = day - tableStart
        let v = k >= 0 && k < table.length ? table[k]! : Number.NaN
        if (Number.isNaN(v)) v = dayEntry(day)
        if (v !== CHANGE) return v
        const c = changes.get(day)!
        return utcMs < c.at ? c.before : c.after
      }
  const utcFromLocal = isUtc
    ? (localMs: number) => localMs
    : (localMs: number): number => {
        const oA = offsetMs(localMs - MS_PER_DAY)
        const oB = offsetMs(localMs + MS_PER_DAY)
        const uA = localMs - oA
        const validA = offsetMs(uA) === oA
        if (oA === oB) {
          if (validA) return uA
          // Two changes within two days (rare): search the offset in effect at the candidate instant.
          const o = offsetMs(uA)
          return offsetMs(localMs - o) === o ? localMs - o : uA
        }
        const uB = localMs - oB
        const validB = offsetMs(uB) === oB
        if (validA && validB) return Math.min(uA, uB)
        if (validA) return uA
        if (validB) return uB
        // Gap: read the wall time with the offset before the change, which lands after the gap.
        return uA
      }
  const rules: ZoneRules = { name: resolved, isUtc, offsetMs, utcFromLocal }
  zones.set(name, rules)
  return rules
}

/**
 * Local wall-clock milliseconds of UTC instants (`ms[i] + offset`), in place when `out === ms`. A null zone
 * (naive timestamps) leaves the values as they are.
 */
export const toLocalMs = (ms: Float64Array, timeZone: string | null, out: Float64Array = ms): Float64Array => {
  const z = timeZone === null ? null : zone(timeZone)
  if (z === null || z.isUtc) {
    if (out !== ms) out.set(ms)
    return out
  }
  for (let i = 0; i < ms.length; i++) out[i] = ms[i]! + z.offsetMs(ms[i]!)
  return out
}

/** UTC instants of local wall-clock milliseconds ("compatible" disambiguation, see `ZoneRules.utcFromLocal`). */
export const fromLocalMs = (local: Float64Array, timeZone: string | null, out: Float64Array = local): Float64Array => {
  const z = timeZone === null ? null : zone(timeZone)
  if (z === null || z.isUtc) {
    if (out !== local) out.set(local)
    return out
  }
  for (let i = 0; i < local.length; i++) out[i] = z.utcFromLocal(local[i]!)
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------------------------

/**
 * A Polars duration ("1h30m", "3mo", "-2d", "10i"). Calendar parts (`months`, `weeks`, `days`) are applied in local
 * time of a time zone; `nanos` is a fixed length. `index` marks an index count ("10i", in `nanos`), used by
 * time-series windows over integer columns.
 */
export interface Duration {
  readonly months: number
  readonly weeks: number
  readonly days: number
  readonly nanos: bigint
  readonly negative: boolean
  readonly index: boolean
}

export interface DurationError {
  readonly error: string
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "µs": 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n
}

/**
 * Parses a duration string as Polars does: an optional "-" then one or more `<integer><unit>` parts, units `ns`,
 * `us` (or `µs`), `ms`, `s`, `m`, `h`, `d`, `w`, `mo`, `q` (3 months), `y` (12 months) and `i` (index count, alone).
 * Examples: "1h30m", "15s", "3mo", "1q", "2w", "10i". Returns `{ error }` for anything else.
 */
export const parseDuration = (s: string): Duration | DurationError => {
  const text = s.trim()
  let pos = 0
  let negative = false
  if (text.startsWith("-")) {
    negative = true
    pos = 1
  }
  let months = 0
  let weeks = 0
  let days = 0
  let nanos = 0n
  let index = false
  let parts = 0
  const re = /(\d+)(ns|us|µs|ms|mo|s|m|h|d|w|q|y|i)/y
  while (pos < text.length) {
    re.lastIndex = pos
    const m = re.exec(text)
    if (m === null) return { error: `invalid duration string ${JSON.stringify(s)}: expected <integer><unit> at position ${pos} (units: ns, us, ms, s, m, h, d, w, mo, q, y, i)` }
    pos = re.lastIndex
    parts++
    const k = m[1]!
    const unit = m[2]!
    const nk = Number(k)
    switch (unit) {
      case "mo":
        months += nk
        break
      case "q":
        months += 3 * nk
        break
      case "y":
        months += 12 * nk
        break
      case "w":
        weeks += nk
        break
      case "d":
        days += nk
        break
      case "i":
        index = true
        nanos += BigInt(k)
        break
      default:
        nanos += BigInt(k) * UNIT_NANOS[unit]!
    }
  }
  if (parts === 0) return { error: `invalid duration string ${JSON.stringify(s)}: empty` }
  if (index && (parts > 1 || months !== 0 || weeks !== 0 || days !== 0))
    return { error: `invalid duration string ${JSON.stringify(s)}: an index count ("i") cannot be mixed with other units` }
  if (!Number.isSafeInteger(months) || !Number.isSafeInteger(weeks) || !Number.isSafeInteger(days))
    return { error: `invalid duration string ${JSON.stringify(s)}: too large` }
  return { months, weeks, days, nanos, negative, index }
}

export const isDurationError = (d: Duration | DurationError): d is DurationError => "error" in d

/** Whether the duration is zero. */
export const isZero = (d: Duration): boolean => d.months === 0 && d.weeks === 0 && d.days === 0 && d.nanos === 0n

/**
 * Checks that a duration can be used by `truncate` (as Polars: positive, not an index count, and a single kind of
 * unit among months / weeks / days / fixed). Returns an error message, or undefined when it can.
 */
export const truncateProblem = (d: Duration): string | undefined => {
  if (d.index) return "an index duration (\"i\") cannot truncate a date or time"
  if (d.negative) return "the duration must be positive"
  if (isZero(d)) return "the duration cannot be zero"
  const kinds = (d.months !== 0 ? 1 : 0) + (d.weeks !== 0 ? 1 : 0) + (d.days !== 0 ? 1 : 0) + (d.nanos !== 0n ? 1 : 0)
  if (kinds > 1) return "the duration may not mix months, weeks, days and fixed (h/m/s…) units"
  return undefined
}

const floorMod = (a: number, b: number): number => {
  const r = a % b
  return r < 0 ? r + b : r
}

const civil = new Int32Array(4)

/** Truncates local wall-clock ms to a calendar duration (days, weeks from Monday, or months from year 0). */
const truncateLocalMs = (local: number, d: Duration): number => {
  if (d.days !== 0) {
    const every = d.days * MS_PER_DAY
    return local - floorMod(local, every)
  }
  if (d.weeks !== 0) {
    // 1970-01-05 was a Monday: weeks are aligned on Mondays.
    const every = d.weeks * MS_PER_WEEK
    return local - floorMod(local - 4 * MS_PER_DAY, every)
  }
  civilFromDays(Math.floor(local / MS_PER_DAY), civil)
  const total = civil[0]! * 12 + civil[1]! - 1
  const t = total - floorMod(total, d.months)
  const y = Math.floor(t / 12)
  return daysFromCivil(y, t - y * 12 + 1, 1) * MS_PER_DAY
}

/**
 * Truncates Timestamp values (counts of `unit`, instants in UTC) to a duration, as Polars `dt.truncate`:
 * - fixed durations (ns … h, e.g. "15m", "1h30m") floor the value to a multiple of the duration since the Unix
 *   epoch, in UTC, also for zoned timestamps;
 * - days ("1d") and weeks ("1w", starting Monday) floor the local wall time (in `timeZone`; naive = UTC) to a
 *   multiple of days since 1970-01-01 (weeks since Monday 1970-01-05), then map back to an instant;
 * - months ("1mo", "1q", "1y", "3mo") floor the local date to the first day of a month whose index since year 0 is a
 *   multiple of the duration (so "1q" starts quarters in Jan/Apr/Jul/Oct and "1y" starts years on January 1), at
 *   midnight local time.
 * Local times that do not exist or are ambiguous after truncation follow `ZoneRules.utcFromLocal`.
 * The duration must pass `truncateProblem`. Nulls are not looked at: the caller keeps the validity bitmap.
 */
export const truncateValues = (values: BigInt64Array, unit: TimeUnit, timeZone: string | null, d: Duration): BigInt64Array => {
  const n = values.length
  if (d.months === 0 && d.weeks === 0 && d.days === 0) {
    const nsPer = unit === "ns" ? 1n : unit === "us" ? 1000n : unit === "ms" ? 1_000_000n : 1_000_000_000n
    const every = d.nanos / nsPer
    const out = new BigInt64Array(n)
    if (every <= 1n) {
      out.set(values)
      return out
    }
    // Fast path: whole milliseconds on a ms/us/ns column, through floor-ms numbers.
    if (unit !== "s" && d.nanos % 1_000_000n === 0n && d.nanos / 1_000_000n < 1n << 50n) {
      const everyMs = Number(d.nanos / 1_000_000n)
      const ms = epochMs(values, unit)
      for (let i = 0; i < n; i++) ms[i] = ms[i]! - floorMod(ms[i]!, everyMs)
      return writeMs(ms, unit, out)
    }
    for (let i = 0; i < n; i++) {
      const v = values[i]!
      let r = v % every
      if (r < 0n) r += every
      out[i] = v - r
    }
    return out
  }
  const ms = epochMs(values, unit)
  const z = timeZone === null ? null : zone(timeZone)
  if (z === null || z.isUtc) {
    for (let i = 0; i < n; i++) ms[i] = truncateLocalMs(ms[i]!, d)
  } else {
    let lastIn = Number.NaN
    let lastOut = 0
    for (let i = 0; i < n; i++) {
      const local = ms[i]! + z.offsetMs(ms[i]!)
      const t = truncateLocalMs(local, d)
      if (t !== lastIn) {
        lastIn = t
        lastOut = z.utcFromLocal(t)
      }
      ms[i] = lastOut
    }
  }
  return writeMs(ms, unit)
}

/** Truncates day numbers (a Date column) to a duration, as `truncateValues` on midnight UTC. */
export const truncateDays = (days: Int32Array, d: Duration): Int32Array => {
  const n = days.length
  const out = new Int32Array(n)
  if (d.months === 0 && d.weeks === 0 && d.days === 0) {
    // Fixed durations: floor midnight (in ms) to a multiple of the duration.
    if (d.nanos % 1_000_000n !== 0n || d.nanos / 1_000_000n > 1n << 50n) {
      const every = d.nanos
      const day = 86_400_000_000_000n
      for (let i = 0; i < n; i++) {
        const v = BigInt(days[i]!) * day
        let r = v % every
        if (r < 0n) r += every
        const t = v - r
        let q = t / day
        if (t % day < 0n) q -= 1n
        out[i] = Number(q)
      }
      return out
    }
    const everyMs = Number(d.nanos / 1_000_000n)
    for (let i = 0; i < n; i++) {
      const ms = days[i]! * MS_PER_DAY
      out[i] = Math.floor((ms - floorMod(ms, everyMs)) / MS_PER_DAY)
    }
    return out
  }
  for (let i = 0; i < n; i++) out[i] = Math.floor(truncateLocalMs(days[i]! * MS_PER_DAY, d) / MS_PER_DAY)
  return out
}

/**
 * Adds `k` times a duration to Timestamp values, as Polars `dt.offset_by`: months first (on the local date,
 * clamping the day to the end of the month: Jan 31 + 1mo = Feb 28/29), then weeks and days (on the local wall
 * time, so "1d" across a DST change keeps the clock time), then the fixed part (on the instant). A negative
 * duration or `k` subtracts. Index durations ("i") are not supported here (returns the input copied).
 */
export const offsetValues = (values: BigInt64Array, unit: TimeUnit, timeZone: string | null, d: Duration, k = 1): BigInt64Array => {
  const n = values.length
  const sign = (d.negative ? -1 : 1) * k
  if (d.index) return values.slice()
  const calendarDays = (d.weeks * 7 + d.days) * sign
  const months = d.months * sign
  let out = values
  if (months !== 0 || calendarDays !== 0) {
    const ms = epochMs(values, unit)
    const z = timeZone === null ? null : zone(timeZone)
    const delta = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const utc = ms[i]!
      const local = z === null ? utc : utc + z.offsetMs(utc)
      let shifted = local
      if (months !== 0) {
        const day = Math.floor(local / MS_PER_DAY)
        const tod = local - day * MS_PER_DAY
        civilFromDays(day, civil)
        const total = civil[0]! * 12 + civil[1]! - 1 + months
        const y = Math.floor(total / 12)
        const m = total - y * 12 + 1
        const dd = Math.min(civil[2]!, daysInMonth(y, m))
        shifted = daysFromCivil(y, m, dd) * MS_PER_DAY + tod
      }
      shifted += calendarDays * MS_PER_DAY
      const back = z === null ? shifted : z.utcFromLocal(shifted)
      delta[i] = back - utc
    }
    if (unit === "s") for (let i = 0; i < n; i++) delta[i] = Math.round(delta[i]! / 1000) * 1000
    out = addMs(values, delta, unit)
  }
  if (d.nanos !== 0n) {
    const nsPer = unit === "ns" ? 1n : unit === "us" ? 1000n : unit === "ms" ? 1_000_000n : 1_000_000_000n
    const step = (d.nanos / nsPer) * BigInt(sign)
    const res = out === values ? new BigInt64Array(n) : out
    for (let i = 0; i < n; i++) res[i] = out[i]! + step
    out = res
  }
  return out === values ? values.slice() : out
}
