/**
 * CSV reading and writing.
 *
 * `readCsv` / `parseCsv` turn CSV bytes straight into Arrow-layout columns: a byte-level tokenizer records each
 * field's span per column, and per-column kernels parse integers, floats, booleans, dates and timestamps from the
 * bytes and copy text into Utf8 offsets+bytes (no JS string per cell). Options and defaults follow Polars'
 * `read_csv`; see `docs/csv.md` for the grammar, inference rules, error model and measurements.
 *
 * `writeCsv` / `formatCsv` write RFC 4180 CSV with Polars' `write_csv` defaults (header, `,`, quote when needed,
 * null as the empty field), ISO dates and timestamps, and floats in their shortest round-tripping form.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Result from "effect/Result"
import { dual } from "effect/Function"
import type { PlatformError } from "effect/PlatformError"
import type { SourceError } from "../Frame/Errors.ts"
import type { ReadCsvOptions, WriteCsvOptions } from "../internal/csv/options.ts"
import { parseBytes } from "../internal/csv/read.ts"
import { formatChunks } from "../internal/csv/write.ts"
import type { Frame } from "../internal/frame.ts"

export type { ReadCsvOptions, WriteCsvOptions } from "../internal/csv/options.ts"

const MEMORY = "<memory>"
const encoder = new TextEncoder()

/**
 * Reads a CSV file into a `Frame` through effect's `FileSystem` service.
 *
 * **Details**
 *
 * Output: one column per file column (or per name in `columns` when projecting), one batch. Dtypes are inferred
 * from the first `inferSchemaLength` (100) rows as in Polars: Int64 (when every value is an integer that fits
 * 64 bits; stored in a `BigInt64Array`), Float64, Boolean (`true`/`false`, any case), Utf8; with `tryParseDates`
 * also Date (`YYYY-MM-DD`), Timestamp("us") (ISO datetimes) and Timestamp("us", "UTC") (with `Z` or an offset).
 * `schema` (all columns) and `dtypes` (by name) override inference with any scalar dtype.
 *
 * Input: UTF-8 (a BOM is stripped), records ending in LF, CRLF or CR, RFC 4180 quoting (delimiters, doubled quotes
 * and line breaks inside quoted fields). Unquoted fields equal to a `nullValues` entry (default `""`) are null.
 *
 * **Errors** `SourceError` (`format: "csv"`) for malformed input, with `row` = the 1-based line in the file where
 * the problem is, `byteOffset`, `column` and `expected`: a record with the wrong number of fields (unless
 * `truncateRaggedLines`), an unterminated quote (at its opening quote), a value that does not parse as an
 * overridden dtype (the message shows the text found), invalid UTF-8 in a text column, bad options, an empty
 * file. `PlatformError` when the file cannot be read.
 *
 * **Example** (Headerless Lean ticks)
 * ```ts
 * const ticks = Source.readCsv("20131007_ibm_Trade_Tick.csv", {
 *   hasHeader: false,
 *   columns: ["time_ms", "price", "size", "exchange", "condition", "suspicious"]
 * })
 * ```
 *
 * @see {@link parseCsv} for in-memory text or bytes
 * @category reading
 * @since 0.1.0
 */
export const readCsv = (
  path: string,
  options: ReadCsvOptions = {}
): Effect.Effect<Frame, SourceError | PlatformError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs.readFile(path)
    return yield* Effect.fromResult(parseBytes(bytes, options, path))
  })

/**
 * Parses CSV held in memory (a string, or UTF-8 bytes) into a `Frame`. Same options, dtypes and errors as
 * {@link readCsv}; errors carry `path: "<memory>"`.
 *
 * **Example**
 * ```ts
 * const frame = yield* Source.parseCsv("a,b\n1,x\n2,y\n") // a: i64, b: str
 * ```
 *
 * @category reading
 * @since 0.1.0
 */
export const parseCsv = (input: string | Uint8Array, options: ReadCsvOptions = {}): Effect.Effect<Frame, SourceError> =>
  Effect.suspend(() =>
    Effect.fromResult(parseBytes(typeof input === "string" ? encoder.encode(input) : input, options, MEMORY))
  )

/**
 * Formats a frame as CSV text (in memory).
 *
 * **Details**
 *
 * As Polars' `write_csv`: a header line, `,` between fields, `\n` after each record, nulls as `nullValue` (default
 * empty). Fields holding the delimiter, the quote or a line break are quoted with inner quotes doubled (RFC 4180),
 * and so is a string equal to the null text (so `""` is the empty string). Floats use the shortest text that reads
 * back to the same value (`1.0`, `0.1`, `1e-7`, `NaN`, `inf`, `-inf`); Int64 is exact; Boolean is `true`/`false`;
 * Date is `YYYY-MM-DD`; Timestamp is ISO 8601 with the unit's fraction digits (none for "s", 3, 6 or 9) and `Z`
 * (UTC) or the local offset (other zones; the wall-clock time is local); Duration is its integer count;
 * Decimal its exact decimal text; Categorical its strings.
 *
 * **Errors** `SourceError` for List or Struct columns (CSV has no nesting) and invalid options.
 *
 * @category writing
 * @since 0.1.0
 */
export const formatCsv = (frame: Frame, options: WriteCsvOptions = {}): Effect.Effect<string, SourceError> =>
  Effect.suspend(() => {
    const parts: Array<string> = []
    const r = formatChunks(frame, options, MEMORY, (t) => parts.push(t))
    return Result.isFailure(r) ? Effect.fail(r.failure) : Effect.succeed(parts.join(""))
  })

/**
 * Writes a frame as a CSV file through effect's `FileSystem` (format as in {@link formatCsv}). The text goes to a
 * temporary file next to `path`, renamed onto `path` only when everything was written, so a failed write never
 * leaves a partial file (the temporary file is removed).
 *
 * **Errors** `SourceError` for List or Struct columns and invalid options; `PlatformError` when the file cannot be
 * written or renamed.
 * Dual: `writeCsv(frame, path, options?)` or, data-last in a `pipe`, `writeCsv(path, options?)(frame)`.
 *
 * @category writing
 * @since 0.1.0
 */
export const writeCsv: {
  (path: string, options?: WriteCsvOptions): (frame: Frame) => Effect.Effect<void, SourceError | PlatformError, FileSystem.FileSystem>
  (frame: Frame, path: string, options?: WriteCsvOptions): Effect.Effect<void, SourceError | PlatformError, FileSystem.FileSystem>
} = dual(
  (args) => typeof args[0] !== "string",
  (frame: Frame, path: string, options: WriteCsvOptions = {}): Effect.Effect<void, SourceError | PlatformError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const chunks: Array<Uint8Array> = []
    const r = formatChunks(frame, options, path, (t) => chunks.push(encoder.encode(t)))
    if (Result.isFailure(r)) return yield* r.failure
    const tmp = `${path}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`
    const write = Effect.scoped(
      Effect.gen(function* () {
        const file = yield* fs.open(tmp, { flag: "w" })
        for (const c of chunks) yield* file.writeAll(c)
        yield* file.sync
      })
    )
    yield* Effect.andThen(write, fs.rename(tmp, path)).pipe(
      Effect.tapError(() => Effect.ignore(fs.remove(tmp, { force: true })))
    )
  })
)
