/**
 * Calendar helpers for CSV dates and timestamps: proleptic Gregorian days ↔ civil dates (Howard Hinnant's
 * algorithms), and UTC offsets of IANA time zones through `Intl` (cached per 15-minute bucket).
 * @internal
 */

/** Days since 1970-01-01 of a civil date (month 1–12). */
export const daysFromCivil = (y: number, m: number, d: number): number => {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** Civil date of a day count since 1970-01-01, written into `out` as [year, month, day]. */
export const civilFromDays = (z: number, out: Int32Array): void => {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp + (mp < 10 ? 3 : -9)
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0)
  out[1] = m
  out[2] = d
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

export const daysInMonth = (y: number, m: number): number =>
  m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : DAYS_IN_MONTH[m - 1]!

const formatters = new Map<string, Intl.DateTimeFormat>()
const offsetCache = new Map<string, Map<number, number>>()

/** Whether `tz` is a time zone name that `Intl` knows. */
export const isValidTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/**
 * UTC offset in seconds of the IANA zone `tz` at the instant `epochSeconds` (local = UTC + offset).
 * "UTC" and fixed offsets like "+05:30" are handled directly; other names through `Intl`.
 */
export const offsetAt = (tz: string, epochSeconds: number): number => {
  if (tz === "UTC" || tz === "Z" || tz === "Etc/UTC") return 0
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(tz)
  if (fixed !== null) return (fixed[1] === "-" ? -1 : 1) * (Number(fixed[2]) * 3600 + Number(fixed[3]) * 60)
  let cache = offsetCache.get(tz)
  if (cache === undefined) {
    cache = new Map()
    offsetCache.set(tz, cache)
  }
  const bucket = Math.floor(epochSeconds / 900)
  const hit = cache.get(bucket)
  if (hit !== undefined) return hit
  let fmt = formatters.get(tz)
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short"
    })
    formatters.set(tz, fmt)
  }
  const t = bucket * 900
  const parts = fmt.formatToParts(new Date(t * 1000))
  let y = 0
  let mo = 0
  let d = 0
  let h = 0
  let mi = 0
  let s = 0
  let bc = false
  for (const p of parts) {
    if (p.type === "year") y = Number(p.value)
    else if (p.type === "month") mo = Number(p.value)
    else if (p.type === "day") d = Number(p.value)
    else if (p.type === "hour") h = Number(p.value)
    else if (p.type === "minute") mi = Number(p.value)
    else if (p.type === "second") s = Number(p.value)
    else if (p.type === "era") bc = p.value === "BC" || p.value === "B"
  }
  if (bc) y = 1 - y
  const local = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
  const off = local - t
  if (cache.size > 100_000) cache.clear()
  cache.set(bucket, off)
  return off
}

/**
 * The UTC instant (epoch seconds) of a wall-clock time `localSeconds` (seconds since 1970-01-01 as if UTC) in
 * zone `tz`. Ambiguous times (DST fall-back) take the earlier instant; non-existent ones (spring-forward gap) are
 * shifted forward by the gap, as in Polars' `ambiguous="earliest"` / `non_existent="raise"` except that we shift.
 */
export const localToUtc = (tz: string, localSeconds: number): number => {
  const o1 = offsetAt(tz, localSeconds - 86400)
  const o2 = offsetAt(tz, localSeconds + 86400)
  const a = localSeconds - o1
  if (o1 === o2) return a
  const b = localSeconds - o2
  // Candidates a (first offset) and b (second offset); keep those that map back to the same wall clock.
  const okA = offsetAt(tz, a) === o1
  const okB = offsetAt(tz, b) === o2
  if (okA && okB) return Math.min(a, b)
  if (okA) return a
  if (okB) return b
  return Math.max(a, b)
}
