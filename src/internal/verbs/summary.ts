/**
 * Summaries, as Polars: `describe` (count, null_count, mean, std, min, 25%, 50%, 75%, max per column) and
 * `null_count`.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { formatCell } from "../display.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { toFloat64 } from "./join.ts"
import { comparator } from "./reshape.ts"

const STATISTICS = ["count", "null_count", "mean", "std", "min", "25%", "50%", "75%", "max"] as const
const PERCENTILES = [0.25, 0.5, 0.75] as const

/**
 * Index of the `p` quantile among `count` sorted values with Polars' "nearest" interpolation (describe's default):
 * round((count − 1) · p), halves away from zero.
 */
export const nearestIndex = (count: number, p: number): number => Math.round((count - 1) * p)

/** Non-null values of a numeric column as sorted Float64 (NaN last). */
const sortedValues = (col: Column): Float64Array => {
  const f = toFloat64(col)
  const out = new Float64Array(col.length - col.nullCount)
  for (let i = 0, k = 0; i < col.length; i++) if (C.isValid(col, i)) out[k++] = f[i]!
  return out.sort()
}

/** count, null_count, mean, std, min, 25%, 50%, 75%, max of a numeric or Boolean column (null where undefined). */
const numericStats = (col: Column): Array<number | null> => {
  const count = col.length - col.nullCount
  const out: Array<number | null> = [count, col.nullCount, null, null, null, null, null, null, null]
  if (count === 0 || col.dtype._tag === "Null") return col.dtype._tag === "Null" ? [0, col.length, null, null, null, null, null, null, null] : out
  const xs = sortedValues(col)
  let sum = 0
  for (let i = 0; i < count; i++) sum += xs[i]!
  const mean = sum / count
  out[2] = mean
  out[4] = xs[0]!
  out[8] = xs[count - 1]!
  if (col.dtype._tag === "Boolean") return out
  if (count > 1) {
    let ss = 0
    for (let i = 0; i < count; i++) ss += (xs[i]! - mean) ** 2
    out[3] = Math.sqrt(ss / (count - 1))
  }
  PERCENTILES.forEach((p, k) => {
    out[5 + k] = xs[nearestIndex(count, p)]!
  })
  return out
}

/** One cell of a temporal column, formatted (a single-row column built from `value`). */
const formatTemporal = (dtype: DataType, value: number | bigint): string => {
  const col =
    dtype._tag === "Date"
      ? C.make(dtype, 1, Int32Array.of(Number(value)), null)
      : C.make(dtype, 1, BigInt64Array.of(BigInt(value)), null)
  return formatCell(col, 0)
}

/** The statistics of a non-numeric column as text (Polars shows them in a str column). */
const textStats = (col: Column): Array<string | null> => {
  const count = col.length - col.nullCount
  const out: Array<string | null> = [String(count), String(col.nullCount), null, null, null, null, null, null, null]
  if (count === 0) return out
  const t = col.dtype
  if (t._tag === "Utf8") {
    const cmp = comparator(col)!
    let lo = -1
    let hi = -1
    for (let i = 0; i < col.length; i++) {
      if (!C.isValid(col, i)) continue
      if (lo === -1 || cmp(i, lo) < 0) lo = i
      if (hi === -1 || cmp(i, hi) > 0) hi = i
    }
    out[4] = C.stringAt(col, lo)
    out[8] = C.stringAt(col, hi)
  } else if (t._tag === "Date" || t._tag === "Timestamp" || t._tag === "Duration") {
    const v = col.values as Int32Array | BigInt64Array
    const xs = t._tag === "Date" ? new Int32Array(count) : new BigInt64Array(count)
    for (let i = 0, k = 0; i < col.length; i++) if (C.isValid(col, i)) xs[k++] = v[i]!
    xs.sort()
    let sum = 0
    for (let i = 0; i < count; i++) sum += Number(xs[i]!)
    const mean = sum / count
    out[2] =
      t._tag === "Date"
        ? formatTemporal(DT.Timestamp("ms"), Math.round(mean * 86_400_000))
        : formatTemporal(t, Math.round(mean))
    out[4] = formatTemporal(t, xs[0]!)
    out[8] = formatTemporal(t, xs[count - 1]!)
    PERCENTILES.forEach((p, k) => {
      out[5 + k] = formatTemporal(t, xs[nearestIndex(count, p)]!)
    })
  }
  return out
}

const isNumericResult = (t: DataType): boolean => DT.isNumeric(t) || t._tag === "Boolean" || t._tag === "Null"

/** See `Frame.describe`. */
export const describe = (self: Frame): Effect.Effect<Frame> =>
  Effect.sync(() => {
    const cols = F.contiguous(self)
    const names = ["statistic", ...self.columns]
    const out: Array<Column> = [C.fromStrings(STATISTICS)]
    for (const col of cols) {
      if (isNumericResult(col.dtype)) {
        const stats = numericStats(col)
        const values = new Float64Array(STATISTICS.length)
        const validity = new Uint8Array(2)
        stats.forEach((v, k) => {
          if (v !== null) {
            values[k] = v
            validity[k >> 3]! |= 1 << (k & 7)
          }
        })
        out.push(C.make(DT.Float64, STATISTICS.length, values, validity))
      } else out.push(C.fromStrings(textStats(col)))
    }
    return F.fromColumnsUnsafe(names, out)
  })

/** See `Frame.nullCount`: one row, one UInt32 count per column (summed over batches, no concatenation). */
export const nullCount = (self: Frame): Effect.Effect<Frame> =>
  Effect.sync(() =>
    F.fromColumnsUnsafe(
      self.columns,
      self.schema.map((f, j) => {
        let n = 0
        for (const b of self.batches) n += f.dtype._tag === "Null" ? b.length : b.columns[j]!.nullCount
        return C.make(DT.UInt32, 1, Uint32Array.of(n), null)
      })
    )
  )
