/**
 * The CSV writer: a frame → text, in blocks of rows. Each block formats column by column (one switch per column,
 * a plain loop per dtype) into arrays of cell texts, then joins them into lines. Quoting follows RFC 4180 (a field
 * is quoted when it contains the delimiter, the quote or a line break, or when a string equals the null text).
 * @internal
 */
import * as Result from "effect/Result"
import type { DataType } from "../../Frame/DataType.ts"
import * as DT from "../../Frame/DataType.ts"
import { SourceError } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import type { WriteCsvOptions } from "./options.ts"
import { civilFromDays, zone } from "../kernels/temporal.ts"

const BLOCK = 16_384

interface Fmt {
  readonly delimiter: string
  readonly quote: string
  readonly nullValue: string
  readonly newline: string
  /** Matches a text that must be quoted. */
  readonly special: RegExp
  /** Non-string cells also need the quoting check (the delimiter or quote could occur in numbers or dates). */
  readonly checkAll: boolean
}

const escapeRe = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|-]/g, "\\$&")

const quoteText = (fmt: Fmt, s: string): string =>
  fmt.quote + s.replaceAll(fmt.quote, fmt.quote + fmt.quote) + fmt.quote

/** A string cell: quoted when it holds a special character, is empty-and-null-like, or equals the null text. */
const strCell = (fmt: Fmt, s: string): string =>
  s === fmt.nullValue || fmt.special.test(s) ? quoteText(fmt, s) : s

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

const ymd = new Float64Array(4)

/** ISO `YYYY-MM-DD` (years outside 0…9999 as `±YYYYYY`, as in ISO 8601 expanded / JS `toISOString`). */
export const formatDate = (days: number): string => {
  civilFromDays(days, ymd)
  const y = ymd[0]!
  const ys =
    y >= 0 && y <= 9999 ? `${y}`.padStart(4, "0") : `${y < 0 ? "-" : "+"}${`${Math.abs(y)}`.padStart(6, "0")}`
  return `${ys}-${pad2(ymd[1]!)}-${pad2(ymd[2]!)}`
}

const PER: Record<DT.TimeUnit, bigint> = { s: 1n, ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n }
const DIGITS: Record<DT.TimeUnit, number> = { s: 0, ms: 3, us: 6, ns: 9 }

/**
 * ISO 8601 text of a timestamp: `YYYY-MM-DDTHH:MM:SS` plus the unit's fraction digits (none for "s"), then `Z` for
 * UTC, the local offset (`-04:00`; `-04:56:02` when it has seconds, as local mean times before 1883 do) for
 * other zones (the wall clock is local), nothing for naive timestamps.
 */
export const formatTimestamp = (v: bigint, unit: DT.TimeUnit, tz: string | null): string => {
  const per = PER[unit]
  let secs = v / per
  let frac = v - secs * per
  if (frac < 0n) {
    frac += per
    secs -= 1n
  }
  let s = Number(secs)
  let suffix = ""
  if (tz !== null) {
    if (tz === "UTC" || tz === "Etc/UTC") suffix = "Z"
    else {
      // Zones `Intl` does not know (e.g. "Z") are written as UTC with an explicit "+00:00".
      const z = zone(tz)
      const off = z === null ? 0 : z.offsetMs(s * 1000) / 1000
      s += off
      const a = Math.abs(off)
      suffix = `${off < 0 ? "-" : "+"}${pad2(Math.floor(a / 3600))}:${pad2(Math.floor((a % 3600) / 60))}${a % 60 === 0 ? "" : `:${pad2(a % 60)}`}`
    }
  }
  const days = Math.floor(s / 86400)
  const tod = s - days * 86400
  const digits = DIGITS[unit]
  const f = digits === 0 ? "" : `.${`${frac}`.padStart(digits, "0")}`
  return `${formatDate(days)}T${pad2(Math.floor(tod / 3600))}:${pad2(Math.floor((tod % 3600) / 60))}:${pad2(tod % 60)}${f}${suffix}`
}

/** The shortest decimal text that reads back as the same double (JS `String`), with Polars' `.0`, `inf`, `NaN`. */
export const formatFloat64 = (x: number): string => {
  if (Number.isInteger(x)) {
    if (Object.is(x, -0)) return "-0.0"
    return Math.abs(x) < 1e21 ? `${x}.0` : `${x}`
  }
  if (Number.isNaN(x)) return "NaN"
  if (x === Infinity) return "inf"
  if (x === -Infinity) return "-inf"
  return `${x}`
}

/** The shortest decimal text that reads back (through `Math.fround`) as the same float32. */
export const formatFloat32 = (x: number): string => {
  if (!Number.isFinite(x) || Number.isInteger(x)) return formatFloat64(x)
  for (let p = 1; p <= 9; p++) {
    const t = x.toPrecision(p)
    if (Math.fround(Number(t)) === x) return `${Number(t)}`
  }
  return `${x}`
}

/** Cell texts of rows `[start, start + n)` of a column (null → the null text). */
const formatCells = (fmt: Fmt, col: Column, start: number, n: number, dictCells: Array<string> | undefined): Array<string> => {
  const out = new Array<string>(n)
  const t = col.dtype
  const v = col.values
  switch (t._tag) {
    case "Utf8":
      for (let k = 0; k < n; k++) out[k] = strCell(fmt, C.stringAt(col, start + k))
      break
    case "Categorical": {
      const codes = v as Int32Array
      for (let k = 0; k < n; k++) out[k] = dictCells![codes[start + k]!]!
      break
    }
    case "Boolean": {
      const bits = v as Uint8Array
      for (let k = 0; k < n; k++) {
        const i = start + k
        out[k] = (bits[i >> 3]! & (1 << (i & 7))) !== 0 ? "true" : "false"
      }
      break
    }
    case "Float64":
      for (let k = 0; k < n; k++) out[k] = formatFloat64(v[start + k] as number)
      break
    case "Float32":
      for (let k = 0; k < n; k++) out[k] = formatFloat32(v[start + k] as number)
      break
    case "Date":
      for (let k = 0; k < n; k++) out[k] = formatDate(v[start + k] as number)
      break
    case "Timestamp": {
      const big = v as BigInt64Array
      for (let k = 0; k < n; k++) out[k] = formatTimestamp(big[start + k]!, t.unit, t.timeZone)
      break
    }
    case "Decimal":
      for (let k = 0; k < n; k++) out[k] = C.decimalToString(v as BigInt64Array, start + k, t.scale)
      break
    case "Null":
      for (let k = 0; k < n; k++) out[k] = fmt.nullValue
      break
    default:
      // Integers (number or bigint) and Duration counts.
      for (let k = 0; k < n; k++) out[k] = `${v[start + k]}`
  }
  if (fmt.checkAll && t._tag !== "Utf8" && t._tag !== "Categorical")
    for (let k = 0; k < n; k++) if (fmt.special.test(out[k]!)) out[k] = quoteText(fmt, out[k]!)
  if (col.validity !== null && t._tag !== "Null") {
    const bits = col.validity
    for (let k = 0; k < n; k++) {
      const i = start + k
      if ((bits[i >> 3]! & (1 << (i & 7))) === 0) out[k] = fmt.nullValue
    }
  }
  return out
}

const unsupported = (t: DataType): boolean => t._tag === "List" || t._tag === "Struct"

/**
 * Formats `frame` as CSV text, handing the text to `emit` in pieces (one per block of rows). Fails with a
 * `SourceError` for List and Struct columns or invalid options (`path` labels the error).
 */
export const formatChunks = (
  frame: Frame,
  options: WriteCsvOptions,
  path: string,
  emit: (text: string) => void
): Result.Result<void, SourceError> => {
  const delimiter = options.delimiter ?? ","
  const quote = options.quote ?? '"'
  const bad = (message: string, expected: string) =>
    Result.fail(new SourceError({ path, format: "csv", message, expected }))
  if (delimiter.length !== 1 || delimiter === "\n" || delimiter === "\r")
    return bad(`invalid delimiter ${JSON.stringify(delimiter)}`, "one character other than a line break")
  if (quote.length !== 1 || quote === delimiter || quote === "\n" || quote === "\r")
    return bad(`invalid quote ${JSON.stringify(quote)}`, "one character other than a line break or the delimiter")
  for (const f of frame.schema)
    if (unsupported(f.dtype))
      return Result.fail(
        new SourceError({
          path,
          format: "csv",
          message: `column "${f.name}" has dtype ${DT.format(f.dtype)}, which CSV cannot hold`,
          column: f.name,
          expected: "a scalar dtype"
        })
      )
  const fmt: Fmt = {
    delimiter,
    quote,
    nullValue: options.nullValue ?? "",
    newline: options.lineTerminator ?? "\n",
    special: new RegExp(`[${escapeRe(delimiter)}${escapeRe(quote)}\\r\\n]`),
    checkAll: /[0-9A-Za-z.+\-: ]/.test(delimiter + quote)
  }
  const cols = F.contiguous(frame)
  const width = cols.length
  const single = width === 1
  if (options.includeHeader ?? true) {
    emit(frame.columns.map((n) => strCell(fmt, n)).join(delimiter) + fmt.newline)
  }
  const dicts = cols.map((c) =>
    c.dtype._tag === "Categorical" ? C.toStrings(c.dictionary!).map((s) => strCell(fmt, s ?? "")) : undefined
  )
  const height = frame.height
  for (let start = 0; start < height; start += BLOCK) {
    const n = Math.min(BLOCK, height - start)
    const cells = cols.map((c, j) => formatCells(fmt, c, start, n, dicts[j]))
    let text = ""
    for (let k = 0; k < n; k++) {
      let line = cells[0]![k]!
      // One column: a null written as an empty line would read back as "no row" in other readers, but ours reads
      // it as a null; an empty string is quoted by strCell.
      if (!single) for (let j = 1; j < width; j++) line += delimiter + cells[j]![k]!
      text += line + fmt.newline
    }
    emit(text)
  }
  return Result.succeed(undefined)
}
