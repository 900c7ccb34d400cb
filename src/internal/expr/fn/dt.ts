/**
 * Function family "dt": date and time functions on Date and Timestamp(unit, tz) expressions, as in Polars' `dt`
 * namespace. Registers into `../registry.ts`:
 *
 * | name | input | options | output (as Polars) |
 * | --- | --- | --- | --- |
 * | `dt.year` | Date, Timestamp | | Int32 |
 * | `dt.month`, `dt.day` | Date, Timestamp | | Int8 |
 * | `dt.weekday` | Date, Timestamp | | Int8 (ISO: Monday = 1 … Sunday = 7) |
 * | `dt.ordinalDay` | Date, Timestamp | | Int16 (1 … 366) |
 * | `dt.hour`, `dt.minute`, `dt.second` | Timestamp | | Int8 (whole seconds) |
 * | `dt.millisecond` | Timestamp | | Int32 (0 … 999) |
 * | `dt.epoch` | Date, Timestamp | `unit`: s, ms, us, ns, d | Int64 (floor division; "d" counts local days — Polars gives Int32 there) |
 * | `dt.truncate` | Date, Timestamp | `every`: duration string | same dtype |
 * | `dt.date` | Date, Timestamp | | Date |
 * | `dt.convertTimeZone` | Timestamp | `timeZone` | Timestamp(unit, timeZone) (same instants) |
 * | `dt.replaceTimeZone` | Timestamp | `timeZone` (or null) | Timestamp(unit, timeZone) (same wall times) |
 *
 * Calendar fields are those of the wall-clock time in the column's time zone (a naive timestamp is read as UTC
 * wall time), computed with integer calendar maths and cached `Intl` offsets (`kernels/temporal.ts`). Timestamps
 * keep their 64-bit precision (values are read exactly through their 32-bit halves). Nulls give nulls.
 *
 * `dt.truncate` follows Polars: fixed durations ("15m", "1h30m") truncate on the Unix epoch in UTC (also for zoned
 * timestamps), days and weeks (from Monday) and months / quarters / years truncate the local wall time and map back
 * to an instant. `dt.replaceTimeZone` and local-time truncation resolve ambiguous local times to the earliest
 * instant and shift non-existent ones forward by the gap (Polars raises by default there).
 * `dt.convertTimeZone` on a naive column converts from UTC, as Polars.
 * @internal
 */
import * as DT from "../../../Frame/DataType.ts"
import type { DataType, TimeUnit } from "../../../Frame/DataType.ts"
import * as C from "../../column.ts"
import type { Column } from "../../column.ts"
import * as T from "../../kernels/temporal.ts"
import { type Expected, type Options, register } from "../registry.ts"

type Timestamp = Extract<DataType, { _tag: "Timestamp" }>

const TEMPORAL = { expected: "Date or Timestamp" }
const TIMESTAMP = { expected: "Timestamp" }

/** Local wall-clock ms of every row (Date: midnight; Timestamp: floor ms plus the zone's offset). */
const wallMs = (col: Column): Float64Array => {
  const t = col.dtype
  if (t._tag === "Date") {
    const d = col.values as Int32Array
    const out = new Float64Array(col.length)
    for (let i = 0; i < col.length; i++) out[i] = d[i]! * T.MS_PER_DAY
    return out
  }
  const ts = t as Timestamp
  const ms = T.epochMs(col.values as BigInt64Array, ts.unit, col.length)
  return T.toLocalMs(ms, ts.timeZone)
}

/** Local day numbers of every row. */
const localDays = (col: Column): Int32Array => {
  if (col.dtype._tag === "Date") return col.values as Int32Array
  const ms = wallMs(col)
  const out = new Int32Array(col.length)
  for (let i = 0; i < col.length; i++) out[i] = Math.floor(ms[i]! / T.MS_PER_DAY)
  return out
}

type IntCtor = Int8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor

/** Calendar field codes: index into the civil date [year, month, day, dayOfYear], or 4 for the ISO weekday. */
const WEEKDAY = 4

/** Writes one calendar field of every row (days[i] → field) into `out`; consecutive equal days are computed once. */
const civilField = (days: Int32Array, field: number, out: Int8Array | Int16Array | Int32Array): void => {
  const civil = new Int32Array(4)
  let lastDay = Number.NaN
  let last = 0
  for (let i = 0; i < days.length; i++) {
    const d = days[i]!
    if (d !== lastDay) {
      if (field === WEEKDAY) last = T.isoWeekday(d)
      else {
        T.civilFromDays(d, civil)
        last = civil[field]!
      }
      lastDay = d
    }
    out[i] = last
  }
}

/** A calendar field of the local date. */
const dateField = (name: string, dtype: DataType, Ctor: IntCtor, field: number): void =>
  register(name, {
    resolve: (input) => (DT.isTemporal(input) ? dtype : TEMPORAL),
    evaluate: (input) => {
      const days = localDays(input)
      const out = new Ctor(input.length)
      civilField(days.length === input.length ? days : days.subarray(0, input.length), field, out)
      return C.make(dtype, input.length, out, input.validity)
    }
  })

dateField("dt.year", DT.Int32, Int32Array, 0)
dateField("dt.month", DT.Int8, Int8Array, 1)
dateField("dt.day", DT.Int8, Int8Array, 2)
dateField("dt.ordinalDay", DT.Int16, Int16Array, 3)
dateField("dt.weekday", DT.Int8, Int8Array, WEEKDAY)

/** A time-of-day field: floor(msOfDay / div) % mod. */
const timeField = (name: string, dtype: DataType, Ctor: IntCtor, div: number, mod: number): void =>
  register(name, {
    resolve: (input) => (input._tag === "Timestamp" ? dtype : TIMESTAMP),
    evaluate: (input) => {
      const ms = wallMs(input)
      const n = input.length
      const out = new Ctor(n)
      for (let i = 0; i < n; i++) {
        const m = ms[i]!
        let tod = m % T.MS_PER_DAY
        if (tod < 0) tod += T.MS_PER_DAY
        out[i] = Math.floor(tod / div) % mod
      }
      return C.make(dtype, n, out, input.validity)
    }
  })

timeField("dt.hour", DT.Int8, Int8Array, 3_600_000, 24)
timeField("dt.minute", DT.Int8, Int8Array, 60_000, 60)
timeField("dt.second", DT.Int8, Int8Array, 1000, 60)
timeField("dt.millisecond", DT.Int32, Int32Array, 1, 1000)

// ---------------------------------------------------------------------------------------------------------------
// epoch
// ---------------------------------------------------------------------------------------------------------------

const EPOCH_UNITS = new Set(["s", "ms", "us", "ns", "d"])
const NANOS: Record<TimeUnit, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, ns: 1n }

register("dt.epoch", {
  resolve: (input, _args, options) => {
    if (!DT.isTemporal(input)) return TEMPORAL
    const unit = options.unit ?? "us"
    return typeof unit === "string" && EPOCH_UNITS.has(unit) ? DT.Int64 : { expected: 'an epoch unit "s", "ms", "us", "ns" or "d"' }
  },
  evaluate: (input, _args, options) => {
    const unit = (options.unit ?? "us") as TimeUnit | "d"
    const n = input.length
    const out = new BigInt64Array(n)
    if (unit === "d") {
      const days = localDays(input)
      for (let i = 0; i < n; i++) out[i] = BigInt(days[i]!)
      return C.make(DT.Int64, n, out, input.validity)
    }
    if (input.dtype._tag === "Date") {
      const days = input.values as Int32Array
      const per = T.unitsPerDay(unit)
      for (let i = 0; i < n; i++) out[i] = BigInt(days[i]!) * per
      return C.make(DT.Int64, n, out, input.validity)
    }
    const from = (input.dtype as Timestamp).unit
    const values = input.values as BigInt64Array
    const a = NANOS[from]
    const b = NANOS[unit]
    if (a === b) out.set(values.subarray(0, n))
    else if (a > b) {
      const k = a / b
      for (let i = 0; i < n; i++) out[i] = values[i]! * k
    } else {
      const k = b / a
      for (let i = 0; i < n; i++) {
        const v = values[i]!
        let q = v / k
        if (v % k < 0n) q -= 1n
        out[i] = q
      }
    }
    return C.make(DT.Int64, n, out, input.validity)
  }
})

// ---------------------------------------------------------------------------------------------------------------
// truncate
// ---------------------------------------------------------------------------------------------------------------

const parseEvery = (options: Options): T.Duration | Expected => {
  const every = options.every
  if (typeof every !== "string") return { expected: 'a duration string such as "15m", "1d" or "1mo"' }
  const d = T.parseDuration(every)
  if (T.isDurationError(d)) return { expected: `a duration string (${d.error})` }
  const problem = T.truncateProblem(d)
  return problem === undefined ? d : { expected: `a duration usable by truncate (${JSON.stringify(every)}: ${problem})` }
}

register("dt.truncate", {
  resolve: (input, _args, options) => {
    if (!DT.isTemporal(input)) return TEMPORAL
    const d = parseEvery(options)
    return "expected" in d ? d : input
  },
  evaluate: (input, _args, options) => {
    const d = parseEvery(options) as T.Duration
    if (input.dtype._tag === "Date") {
      return C.make(input.dtype, input.length, T.truncateDays(input.values as Int32Array, d), input.validity)
    }
    const t = input.dtype as Timestamp
    const values = (input.values as BigInt64Array).subarray(0, input.length)
    return C.make(t, input.length, T.truncateValues(values, t.unit, t.timeZone, d), input.validity)
  }
})

// ---------------------------------------------------------------------------------------------------------------
// date, time zones
// ---------------------------------------------------------------------------------------------------------------

register("dt.date", {
  resolve: (input) => (DT.isTemporal(input) ? DT.Date : TEMPORAL),
  evaluate: (input) => (input.dtype._tag === "Date" ? input : C.make(DT.Date, input.length, localDays(input), input.validity))
})

const zoneOption = (options: Options, allowNull: boolean): string | null | Expected => {
  const tz = options.timeZone ?? null
  if (tz === null) return allowNull ? null : { expected: "a time zone name" }
  if (typeof tz !== "string" || !T.isValidTimeZone(tz)) return { expected: `a known time zone (got ${JSON.stringify(tz)})` }
  return tz
}

register("dt.convertTimeZone", {
  resolve: (input, _args, options) => {
    if (input._tag !== "Timestamp") return TIMESTAMP
    const tz = zoneOption(options, false)
    return typeof tz === "object" && tz !== null ? tz : DT.Timestamp(input.unit, tz)
  },
  evaluate: (input, _args, options) => {
    const t = input.dtype as Timestamp
    return C.make(DT.Timestamp(t.unit, options.timeZone as string), input.length, input.values, input.validity)
  }
})

register("dt.replaceTimeZone", {
  resolve: (input, _args, options) => {
    if (input._tag !== "Timestamp") return TIMESTAMP
    const tz = zoneOption(options, true)
    return typeof tz === "object" && tz !== null ? tz : DT.Timestamp(input.unit, tz)
  },
  evaluate: (input, _args, options) => {
    const t = input.dtype as Timestamp
    const target = (options.timeZone ?? null) as string | null
    const dtype = DT.Timestamp(t.unit, target)
    const n = input.length
    const values = (input.values as BigInt64Array).subarray(0, n)
    const from = t.timeZone === null ? null : T.zone(t.timeZone)
    const to = target === null ? null : T.zone(target)
    if ((from === null || from.isUtc) && (to === null || to.isUtc)) return C.make(dtype, n, values, input.validity)
    const ms = T.epochMs(values, t.unit, n)
    const delta = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const utc = ms[i]!
      const local = from === null ? utc : utc + from.offsetMs(utc)
      const back = to === null ? local : to.utcFromLocal(local)
      delta[i] = back - utc
    }
    return C.make(dtype, n, T.addMs(values, delta, t.unit), input.validity)
  }
})
