/**
 * CSV read benchmark (a measurement script, not a test): how fast do well-kept JS CSV parsers get a ~110 MB file
 * into columns, against polaroid's own byte-level columnar tokenizer?
 *
 * Run: `./node_modules/.bin/node bench/csv-read.ts [path] [--runs N] [--only name,name]`
 *
 * Without a path the file is generated once with DuckDB into `$TMPDIR/polaroid-bench/mixed.csv`:
 * 1.6 M rows × 8 columns (id, qty: ints; price, ratio: floats; name: short string; sym: 5-value string;
 * day: ISO date; flag: boolean), about 112 MB.
 *
 * "Into columns" means: every parser's output ends as one array per column with numbers converted
 * (Float64Array for numeric columns, Uint8Array for booleans, JS strings for text and dates). For the row parsers
 * the transposition is part of the timing, since a dataframe needs columns. polaroid goes further (Int64 in
 * BigInt64Array, Utf8 in Arrow offsets+bytes, Date as days), so its numbers are a conservative comparison.
 *
 * The parsers csv-parse, papaparse and udsv are devDependencies used only by this script.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import { DuckDBInstance } from "@duckdb/node-api"
import { parse as csvParseSync } from "csv-parse/sync"
import { Effect, Stream } from "effect"
import { Csv } from "effect/encoding"
import Papa from "papaparse"
import { inferSchema, initParser } from "udsv"
import { parseBytes } from "../src/internal/csv/read.ts"
import { makeSpans, tokenize } from "../src/internal/csv/tokenizer.ts"

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const runs = Number(flag("--runs") ?? "3")
const only = flag("--only")?.split(",")
const positional = args.filter((a, i) => !a.startsWith("--") && (i === 0 || !args[i - 1]!.startsWith("--")))

const generate = async (file: string): Promise<void> => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  await c.run(`COPY (SELECT i AS id, (hash(i) % 100000)::INT AS qty,
      round((hash(i * 7) % 1000000) / 100.0 + 0.5, 2) AS price, (hash(i * 13) % 1000000) / 7.0 AS ratio,
      'name_' || (hash(i * 3) % 50000)::VARCHAR AS name, ['AAPL','IBM','SPY','QQQ','MSFT'][(i % 5) + 1] AS sym,
      DATE '2000-01-01' + (i % 9000)::INT AS day, (i % 3 = 0) AS flag
    FROM range(1600000) t(i)) TO '${file.replaceAll("'", "''")}' (HEADER)`)
  c.closeSync()
}

const file = positional[0] ?? path.join(os.tmpdir(), "polaroid-bench", "mixed.csv")
if (!fs.existsSync(file)) {
  console.log(`generating ${file} with DuckDB…`)
  await generate(file)
}
const bytes = new Uint8Array(fs.readFileSync(file))
const mb = bytes.length / 1e6

/** Numeric columns by header name (everything else stays a string, except the boolean `flag`). */
const NUMERIC = new Set(["id", "qty", "price", "ratio"])
const BOOL = new Set(["flag"])

type Cols = Array<Float64Array | Uint8Array | Array<string>>

/** Transposes string rows (header first) into typed columns, as a dataframe reader would have to. */
const rowsToColumns = (rows: ReadonlyArray<ReadonlyArray<string>>): Cols => {
  const header = rows[0]!
  const n = rows.length - 1
  const cols: Cols = header.map((h) =>
    NUMERIC.has(h) ? new Float64Array(n) : BOOL.has(h) ? new Uint8Array(n) : new Array<string>(n)
  )
  for (let j = 0; j < header.length; j++) {
    const col = cols[j]!
    if (col instanceof Float64Array) for (let i = 0; i < n; i++) col[i] = +rows[i + 1]![j]!
    else if (col instanceof Uint8Array) for (let i = 0; i < n; i++) col[i] = rows[i + 1]![j] === "true" ? 1 : 0
    else for (let i = 0; i < n; i++) col[i] = rows[i + 1]![j]!
  }
  return cols
}

const decodeText = (): string => new TextDecoder().decode(bytes)

const parsers: Record<string, () => Promise<number>> = {
  /** polaroid: bytes → typed columns (Int64, Float64, Utf8, Date, Boolean) with inference, no JS strings. */
  polaroid: async () => {
    const r = parseBytes(bytes, { tryParseDates: true }, "bench")
    if (r._tag === "Failure") throw new Error(r.failure.message)
    return r.success.height
  },
  /** polaroid's tokenizer alone: field spans per column, no conversion (the floor for any conversion). */
  "polaroid-tokens": async () => {
    const header = bytes.indexOf(10) + 1
    const ncols = 8
    const sp = makeSpans(ncols, Int32Array.from({ length: ncols }, (_, k) => k), 1_700_000)
    const opts = { delimiter: 44, quote: 34, truncateRaggedLines: false, maxRows: Infinity }
    tokenize(bytes, header, bytes.length, true, opts, sp)
    return sp.rows
  },
  /** udsv: its own columnar typed output (typedCols) on a decoded string, schema inferred from the first rows. */
  udsv: async () => {
    const text = decodeText()
    const schema = inferSchema(text.slice(0, 100_000))
    const cols = initParser(schema).typedCols(text)
    return (cols[0] as ArrayLike<unknown>).length
  },
  /** udsv string columns, then converted (string → number) as a reader with its own inference would. */
  "udsv-stringCols": async () => {
    const text = decodeText()
    const schema = inferSchema(text.slice(0, 100_000))
    const cols = initParser(schema).stringCols(text)
    const out: Cols = schema.cols.map((c, j) => {
      const src = cols[j] as unknown as Array<string>
      if (NUMERIC.has(c.name)) return Float64Array.from(src, (s) => +s)
      if (BOOL.has(c.name)) return Uint8Array.from(src, (s) => (s === "true" ? 1 : 0))
      return src
    })
    return (out[0] as ArrayLike<unknown>).length
  },
  papaparse: async () => {
    const res = Papa.parse<Array<string>>(decodeText(), { header: false, skipEmptyLines: true })
    return rowsToColumns(res.data)[0]!.length
  },
  "csv-parse": async () => {
    const rows = csvParseSync(decodeText(), { relax_column_count: false }) as Array<Array<string>>
    return rowsToColumns(rows)[0]!.length
  },
  /** effect/encoding Csv.decode over 64 KiB byte chunks (a Channel of rows), then transposed. */
  "effect-Csv": async () => {
    const chunks: Array<Uint8Array> = []
    for (let o = 0; o < bytes.length; o += 65_536) chunks.push(bytes.subarray(o, o + 65_536))
    const rows: Array<ReadonlyArray<string>> = []
    await Effect.runPromise(
      Stream.fromIterable(chunks).pipe(
        Stream.pipeThroughChannel(Csv.decode()),
        Stream.runForEachArray((batch) =>
          Effect.sync(() => {
            for (const r of batch) rows.push(r)
          })
        )
      )
    )
    return rowsToColumns(rows)[0]!.length
  }
}

console.log(`file: ${file} (${mb.toFixed(1)} MB), node ${process.version}, best of ${runs}`)
for (const [name, run] of Object.entries(parsers)) {
  if (only !== undefined && !only.includes(name)) continue
  let best = Infinity
  let rows = 0
  try {
    for (let k = 0; k < runs; k++) {
      globalThis.gc?.()
      const t0 = performance.now()
      rows = await run()
      best = Math.min(best, performance.now() - t0)
    }
    console.log(
      `${name.padEnd(16)} ${(best / 1000).toFixed(2).padStart(6)} s  ${(mb / (best / 1000)).toFixed(0).padStart(5)} MB/s  rows=${rows}`
    )
  } catch (e) {
    console.log(`${name.padEnd(16)} failed: ${e instanceof Error ? e.message : String(e)}`)
  }
}
