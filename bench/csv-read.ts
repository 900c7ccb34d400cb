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
 *
 * Peers (issue 3): DuckDB (`CREATE TABLE … AS SELECT * FROM read_csv(…)`, 2 threads, types auto-detected) and
 * nodejs-polars (`readCSV(path, { tryParseDates: true })`) read from the file, as polaroid's public
 * `Source.readCsv` does; the JS parsers and the `parseBytes` rows start from the bytes already in memory. Best of
 * `--runs` (default 3) after one warm-up run, the readers interleaved (rep 1 of each, then rep 2, …). Writes the `## CSV read` section of
 * bench/RESULTS.md after the `<!-- other-suites -->` marker (after `## Parquet read`); `--no-write` only prints.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { NodeServices } from "@effect/platform-node"
import pl from "nodejs-polars"
import { parse as csvParseSync } from "csv-parse/sync"
import { Effect, Stream } from "effect"
import { Csv } from "effect/encoding"
import Papa from "papaparse"
import { inferSchema, initParser } from "udsv"
import { parseBytes } from "../src/internal/csv/read.ts"
import { makeSpans, tokenize } from "../src/internal/csv/tokenizer.ts"
import * as Source from "../src/Source/index.ts"
import { effectiveCores, fmtRate, loadAvg, machine, timeInterleaved, version, writeSection } from "./sections.ts"

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const runs = Number(flag("--runs") ?? "3")
const only = flag("--only")?.split(",")
const WRITE = !args.includes("--no-write")
const positional = args.filter(
  (a, i) => !a.startsWith("--") && (i === 0 || !args[i - 1]!.startsWith("--") || args[i - 1] === "--no-write")
)

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

const duck = await DuckDBInstance.create(":memory:", { threads: "2" })
const dconn = await duck.connect()
const sqlFile = file.replaceAll("'", "''")

/** Engines that read the file themselves. */
const FROM_FILE = new Set(["polaroid readCsv", "DuckDB", "nodejs-polars"])

const parsers: Record<string, () => Promise<number>> = {
  /** polaroid's public reader: the file → a Frame (Int64, Float64, Utf8, Date, Boolean), dates parsed. */
  "polaroid readCsv": async () =>
    (
      await Effect.runPromise(
        Source.readCsv(file, { tryParseDates: true }).pipe(Effect.provide(NodeServices.layer))
      )
    ).height,
  /** DuckDB's parallel CSV reader into an in-memory table (types and dates auto-detected). */
  DuckDB: async () => {
    await dconn.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('${sqlFile}')`)
    const n = Number((await dconn.runAndReadAll("SELECT count(*) FROM t")).getRows()[0]![0])
    await dconn.run("DROP TABLE t")
    return n
  },
  "nodejs-polars": async () => pl.readCSV(file, { tryParseDates: true }).height,
  /** polaroid: bytes → typed columns (Int64, Float64, Utf8, Date, Boolean) with inference, no JS strings. */
  "polaroid parseBytes": async () => {
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

const loadBefore = loadAvg()
const coresBefore = await effectiveCores()
const started = new Date()
console.log(`file: ${file} (${mb.toFixed(1)} MB), node ${process.version}, best of ${runs}; load ${loadBefore}`)
const chosen = Object.entries(parsers).filter(([name]) => only === undefined || only.includes(name))
const results = await timeInterleaved(chosen, runs)
for (const [name, t] of results)
  console.log(
    `${name.padEnd(20)} ${t.error !== undefined ? `failed: ${t.error}` : `${(t.ms / 1000).toFixed(2).padStart(6)} s  ${(mb / (t.ms / 1000)).toFixed(0).padStart(5)} MB/s  rows=${t.rows}`}`
  )
const loadAfter = loadAvg()
const coresAfter = await effectiveCores()
dconn.closeSync()

const expected = results.find(([n]) => n === "DuckDB")?.[1].rows
const peers = results.filter(([n]) => n === "DuckDB" || n === "nodejs-polars").map(([, t]) => t.ms)
const bestPeer = peers.length > 0 ? Math.min(...peers) : Number.NaN
const body = [
  "## CSV read",
  "",
  `Run: ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, \`node --conditions=source bench/csv-read.ts\`` +
    ` (\`npm run bench -- csv\`), all readers in one process, best of ${runs} after a warm-up run, the readers` +
    " interleaved (rep 1 of each, then rep 2, …).",
  `Machine: ${machine()}. **Load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after**: the machine is` +
    " shared with other jobs, so absolute times are noisy; compare within this table." +
    ` Cores this process could use (CPU seconds per second that ${os.availableParallelism()} spinning threads got):` +
    ` ${coresBefore.toFixed(2)} before, ${coresAfter.toFixed(2)} after.`,
  `Input: ${path.basename(file)}, written by DuckDB, ${mb.toFixed(1)} MB, 1.6M rows × 8 columns (2 integer, 2 float,` +
    " 2 string, ISO date, boolean). MB/s = file bytes per second of wall time. polaroid reads on one thread (no" +
    " parallel CSV path yet); DuckDB runs with 2 threads, nodejs-polars on all cores. The JS parsers start from the" +
    " bytes in memory and end with one array per column (numbers converted); see the header of bench/csv-read.ts.",
  `Versions: @duckdb/node-api ${version("@duckdb/node-api")}, nodejs-polars ${version("nodejs-polars")},` +
    ` udsv ${version("udsv")}, papaparse ${version("papaparse")}, csv-parse ${version("csv-parse")}.`,
  "",
  "| reader | input | ms | CPU ms | MB/s | rows/s | rows | vs fastest of DuckDB/polars |",
  "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |",
  ...results.map(([name, t]) => {
    const input = FROM_FILE.has(name) ? "file" : "bytes in memory"
    if (t.error !== undefined) return `| ${name} | ${input} | – | – | – | – | error: ${t.error} | – |`
    const ok = expected === undefined || t.rows === expected ? "ok" : `**${t.rows} ≠ ${expected}**`
    return `| ${name} | ${input} | ${t.ms.toFixed(0)} | ${t.cpuMs.toFixed(0)} | ${(mb / (t.ms / 1000)).toFixed(0)} | ${fmtRate((t.rows / t.ms) * 1000)} | ${ok} | ${(t.ms / bestPeer).toFixed(2)}× |`
  }),
  ""
].join("\n")
console.log(`\n${body}`)
if (WRITE && only === undefined) writeSection("csv-read", body, "parquet-read")
