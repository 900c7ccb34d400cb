/**
 * The CSV reader: bytes → Frame. Header and options are handled here; the work is done by `tokenizer.ts`
 * (bytes → field spans per column) and `convert.ts` (spans → typed columns). Returns a `Result`, never throws.
 * @internal
 */
import * as Result from "effect/Result"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import { SourceError } from "../../Frame/Errors.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { type ColumnSpans, convert, inferDtype, validMask } from "./convert.ts"
import type { ReadCsvOptions } from "./options.ts"
import { ESCAPED, lineOf, makeSpans, readRecord, type TokenizeProblem, tokenize } from "./tokenizer.ts"

const encoder = new TextEncoder()
const lossy = new TextDecoder("utf-8")
const strict = new TextDecoder("utf-8", { fatal: true })

const err = (
  path: string,
  message: string,
  extra: { row?: number; column?: string; byteOffset?: number; expected?: string } = {}
): Result.Result<never, SourceError> => Result.fail(new SourceError({ path, format: "csv", message, ...extra }))

/** One ASCII byte from an option, or undefined. */
const asciiByte = (s: string): number | undefined =>
  s.length === 1 && s.charCodeAt(0) < 128 && s !== "\n" && s !== "\r" ? s.charCodeAt(0) : undefined

/** Text of a span (quotes collapsed), decoded strictly; undefined when it is not UTF-8. */
const spanText = (b: Uint8Array, s: number, e: number, f: number, quote: number): string | undefined => {
  let bytes = b.subarray(s, e)
  if ((f & ESCAPED) !== 0) {
    const out: Array<number> = []
    for (let k = s; k < e; k++) {
      out.push(b[k]!)
      if (b[k] === quote) k++
    }
    bytes = Uint8Array.from(out)
  }
  try {
    return strict.decode(bytes)
  } catch {
    return undefined
  }
}

const shown = (b: Uint8Array, s: number, e: number): string => {
  const t = lossy.decode(b.subarray(s, Math.min(e, s + 200)))
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 60)}…` : t)
}

const problemError = (path: string, b: Uint8Array, p: TokenizeProblem, ncols: number): SourceError => {
  switch (p._tag) {
    case "Ragged": {
      const line = lineOf(b, p.recordStart)
      return new SourceError({
        path,
        format: "csv",
        message: `line ${line} (byte ${p.recordStart}): expected ${ncols} fields, found ${p.found > ncols ? "more" : p.found}${p.found > ncols ? ` (field ${p.found} starts at byte ${p.at})` : ""}; use truncateRaggedLines to pad or truncate such records`,
        row: line,
        byteOffset: p.recordStart,
        expected: `${ncols} fields`
      })
    }
    case "Unterminated": {
      const line = lineOf(b, p.quoteStart)
      return new SourceError({
        path,
        format: "csv",
        message: `unterminated quoted field starting at line ${line} (byte ${p.quoteStart})`,
        row: line,
        byteOffset: p.quoteStart,
        expected: "a closing quote"
      })
    }
    case "AfterQuote": {
      const line = lineOf(b, p.at)
      return new SourceError({
        path,
        format: "csv",
        message: `line ${line} (byte ${p.at}): expected a delimiter or line break after the quoted field starting at byte ${p.fieldStart}, found ${shown(b, p.at, p.at + 1)}`,
        row: line,
        byteOffset: p.at,
        expected: "a delimiter or line break after a closing quote"
      })
    }
  }
}

/** Rough row count for the first allocation: line breaks in the first MiB, scaled to the whole input. */
const estimateRows = (b: Uint8Array, start: number): number => {
  const probe = Math.min(b.length, start + (1 << 20))
  let lines = 0
  for (let i = start; i < probe; i++) if (b[i] === 10 || b[i] === 13) lines++
  if (probe === b.length) return lines + 1
  return Math.ceil((lines / (probe - start)) * (b.length - start) * 1.05) + 16
}

/**
 * Parses CSV bytes into a frame. `path` only labels errors. See `ReadCsvOptions` for the options and their
 * defaults (Polars' `read_csv`).
 */
export const parseBytes = (
  b: Uint8Array,
  options: ReadCsvOptions,
  path: string
): Result.Result<Frame, SourceError> => {
  const hasHeader = options.hasHeader ?? true
  const delimiter = asciiByte(options.delimiter ?? ",")
  if (delimiter === undefined)
    return err(path, `invalid delimiter ${JSON.stringify(options.delimiter)}`, {
      expected: "one ASCII character other than a line break"
    })
  const quoteOpt = options.quote === undefined ? '"' : options.quote
  const quote = quoteOpt === null || quoteOpt === "" ? -1 : asciiByte(quoteOpt)
  if (quote === undefined || quote === delimiter)
    return err(path, `invalid quote ${JSON.stringify(options.quote)}`, {
      expected: "one ASCII character other than a line break or the delimiter, or null"
    })
  if ((options.encoding ?? "utf8") !== "utf8")
    return err(path, `unsupported encoding ${JSON.stringify(options.encoding)}`, { expected: "utf8" })
  const nullTokens = (options.nullValues ?? [""]).map((s) => encoder.encode(s))
  const inferLength = options.inferSchemaLength === null ? Infinity : (options.inferSchemaLength ?? 100)
  const skipRows = options.skipRows ?? 0
  const nRows = options.nRows ?? Infinity
  for (const [name, v] of [
    ["skipRows", skipRows],
    ["nRows", nRows],
    ["inferSchemaLength", inferLength]
  ] as const) {
    if (!(v >= 0) || (Number.isFinite(v) && !Number.isInteger(v)))
      return err(path, `invalid ${name}: ${v}`, { expected: "a non-negative integer" })
  }

  // BOM, skipped records.
  let pos = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0
  for (let k = 0; k < skipRows && pos < b.length; k++) {
    const r = readRecord(b, pos, delimiter, quote)
    if ("problem" in r) return Result.fail(problemError(path, b, r.problem, 0))
    pos = r.next
  }

  // Column names.
  let fileNames: Array<string>
  if (pos >= b.length) {
    if (options.schema !== undefined) fileNames = options.schema.map((f) => f.name)
    else if (!hasHeader && options.columns !== undefined) fileNames = [...options.columns]
    else return err(path, "empty CSV: no header and no data", { byteOffset: pos, expected: "at least one record" })
  } else {
    const first = readRecord(b, pos, delimiter, quote)
    if ("problem" in first) return Result.fail(problemError(path, b, first.problem, 0))
    const ncols = first.fields.length
    if (hasHeader) {
      fileNames = []
      for (let k = 0; k < ncols; k++) {
        const [s, e, f] = first.fields[k]!
        const text = spanText(b, s, e, f, quote)
        if (text === undefined)
          return err(path, `header field ${k + 1} is not valid UTF-8`, {
            row: lineOf(b, s),
            byteOffset: s,
            expected: "UTF-8 text"
          })
        fileNames.push(text === "" ? `column_${k + 1}` : text)
      }
      pos = first.next
    } else {
      fileNames = Array.from({ length: ncols }, (_, k) => options.columns?.[k] ?? `column_${k + 1}`)
    }
    if (options.schema !== undefined) {
      if (options.schema.length !== ncols)
        return err(path, `the schema has ${options.schema.length} fields but the file has ${ncols} columns`, {
          row: lineOf(b, pos),
          expected: `${options.schema.length} columns`
        })
      fileNames = options.schema.map((f) => f.name)
    }
  }
  // Duplicate names get a suffix, as in Polars.
  const seen = new Set<string>()
  fileNames = fileNames.map((n) => {
    let name = n
    for (let k = 0; seen.has(name); k++) name = `${n}_duplicated_${k}`
    seen.add(name)
    return name
  })
  const ncols = fileNames.length

  // Projection.
  const slot = new Int32Array(ncols).fill(-1)
  let outIndex: Array<number>
  if (hasHeader && options.columns !== undefined) {
    outIndex = []
    for (const name of options.columns) {
      const k = fileNames.indexOf(name)
      if (k < 0)
        return err(path, `column "${name}" not found; available: ${fileNames.map((n) => `"${n}"`).join(", ")}`, {
          column: name,
          expected: `one of ${fileNames.join(", ")}`
        })
      outIndex.push(k)
    }
  } else outIndex = fileNames.map((_, k) => k)
  outIndex.forEach((k, j) => {
    slot[k] = j
  })
  const outNames = outIndex.map((k) => fileNames[k]!)

  // Dtype overrides.
  const fixed: Array<DataType | undefined> = outIndex.map((k) => options.schema?.[k]?.dtype)
  if (options.dtypes !== undefined) {
    for (const [name, dtype] of Object.entries(options.dtypes)) {
      const k = fileNames.indexOf(name)
      if (k < 0)
        return err(path, `dtype override for unknown column "${name}"; available: ${fileNames.join(", ")}`, {
          column: name,
          expected: `one of ${fileNames.join(", ")}`
        })
      const j = slot[k]!
      if (j >= 0) fixed[j] = dtype
    }
  }
  for (let j = 0; j < fixed.length; j++) {
    const t = fixed[j]
    if (t !== undefined && (t._tag === "List" || t._tag === "Struct"))
      return err(path, `column "${outNames[j]}": dtype ${DT.format(t)} cannot be read from CSV`, {
        column: outNames[j]!,
        expected: "a scalar dtype"
      })
  }

  // Tokenize.
  const cap = Math.min(estimateRows(b, pos), nRows === Infinity ? Number.MAX_SAFE_INTEGER : nRows)
  const spans = makeSpans(ncols, slot, cap)
  const tok = tokenize(
    b,
    pos,
    b.length,
    true,
    { delimiter, quote, truncateRaggedLines: options.truncateRaggedLines ?? false, maxRows: nRows },
    spans
  )
  if (tok.problem !== undefined) return Result.fail(problemError(path, b, tok.problem, ncols))

  // Convert.
  const cols: Array<Column> = []
  for (let j = 0; j < outNames.length; j++) {
    const cs: ColumnSpans = { starts: spans.starts[j]!, ends: spans.ends[j]!, flags: spans.flags[j]!, rows: spans.rows }
    const valid = validMask(b, cs, nullTokens)
    const override = fixed[j]
    let dtype = override ?? inferDtype(b, cs, valid, inferLength, options.tryParseDates ?? false)
    let r = convert(b, cs, valid, dtype, quote)!
    while (!r.ok && override === undefined && dtype._tag !== "Utf8") {
      // Widen an inferred dtype that a later value does not fit.
      dtype = dtype._tag === "Int64" ? DT.Float64 : DT.Utf8
      r = convert(b, cs, valid, dtype, quote)!
    }
    if (!r.ok) {
      const s = cs.starts[r.row]!
      const e = cs.ends[r.row]!
      const line = lineOf(b, s)
      const expected = dtype._tag === "Utf8" ? "UTF-8 text" : DT.format(dtype)
      return err(
        path,
        `line ${line}, column "${outNames[j]}" (byte ${s}): expected ${expected}, found ${shown(b, s, e)}`,
        { row: line, column: outNames[j]!, byteOffset: s, expected }
      )
    }
    cols.push(r.column)
  }
  return Result.succeed(F.fromColumnsUnsafe(outNames, cols))
}
