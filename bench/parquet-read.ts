/**
 * Parquet read throughput (issue 3): a ~100 MB snappy Parquet file written by DuckDB (1.9M rows × 8 columns:
 * BIGINT, DOUBLE, INTEGER, short VARCHAR, TIMESTAMP, INTEGER with nulls, BOOLEAN, 32-char VARCHAR; 16 row groups)
 * read from disk into each engine's in-memory table, all engines in this one process, one after the other:
 *
 * - polaroid `Source.readParquet` (public API) with `threads: 1` and with the default (`os.availableParallelism()`:
 *   row groups decoded by worker threads plus the calling thread), and with 2 of 8 columns;
 * - parquet-wasm alone (`readParquet` → Arrow IPC → apache-arrow `Table`, the same decoder without our Frame);
 * - hyparquet alone (+ hyparquet-compressors; columnar `onChunk`, raw JS arrays, no table built);
 * - DuckDB (`CREATE TABLE … AS SELECT * FROM read_parquet(…)`, threads = 2, an in-memory table);
 * - nodejs-polars `readParquet(path)` (a DataFrame; Rust, uses all cores).
 *
 * MB/s = file bytes (compressed, on disk; the file is in the page cache) per second of wall time; best of `--reps`
 * (default 5) after one warm-up run, the engines interleaved (rep 1 of every engine, then rep 2, …) so that bursts
 * of load from other jobs hit all of them alike. Every engine's row count is checked. Writes the `## Parquet read` section of
 * bench/RESULTS.md (after the `<!-- other-suites -->` marker); `--no-write` only prints.
 *
 * Run: `./node_modules/.bin/node --conditions=source bench/parquet-read.ts [--rows N] [--reps K] [--no-write]`
 * (or `npm run bench -- parquet`). The input is generated into bench/data/ (gitignored) on first use.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { NodeServices } from "@effect/platform-node"
import * as A from "apache-arrow"
import { Effect } from "effect"
import { parquetRead } from "hyparquet"
import { compressors } from "hyparquet-compressors"
import pl from "nodejs-polars"
import { existsSync, mkdirSync, statSync } from "node:fs"
import { readFile } from "node:fs/promises"
import * as path from "node:path"
import * as Parallel from "../src/internal/parquet/parallel.ts"
import * as W from "../src/internal/parquet/wasm.ts"
import * as Source from "../src/Source/index.ts"
import { effectiveCores, fmtRate, loadAvg, machine, type Timing, timeInterleaved, version, writeSection } from "./sections.ts"

const here = import.meta.dirname
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const ROWS = arg("rows", 1_900_000)
const REPS = arg("reps", 5)
const WRITE = !process.argv.includes("--no-write")

const file = path.join(here, "data", `duckdb-snappy-${ROWS}.parquet`)
if (!existsSync(file)) {
  mkdirSync(path.dirname(file), { recursive: true })
  const db = await (await DuckDBInstance.create(":memory:")).connect()
  await db.run(`COPY (
      SELECT i::BIGINT AS id, random() AS x, (i % 1000)::INTEGER AS k, 'sym_' || (i % 5000)::VARCHAR AS sym,
        TIMESTAMP '2020-01-01' + to_microseconds(i * 1000) AS ts,
        CASE WHEN i % 7 = 0 THEN NULL ELSE (random() * 1e6)::INTEGER END AS n,
        (i % 3 = 0) AS flag, md5(i::VARCHAR) AS h
      FROM range(${ROWS}) t(i))
    TO '${file}' (FORMAT parquet, COMPRESSION snappy)`)
}
const bytesOnDisk = statSync(file).size
const mb = bytesOnDisk / 1e6
const threads = Parallel.defaultThreads()

const duck = await DuckDBInstance.create(":memory:", { threads: "2" })
const dconn = await duck.connect()
const sqlPath = file.replaceAll("'", "''")
const expected = Number((await dconn.runAndReadAll(`SELECT count(*) FROM read_parquet('${sqlPath}')`)).getRows()[0]![0])
const rowGroups = Number(
  (await dconn.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${sqlPath}')`)).getRows()[0]![0]
)

const readPolaroid = (options: Source.ReadParquetOptions) => async () =>
  (await Effect.runPromise(Source.readParquet(file, options).pipe(Effect.provide(NodeServices.layer)))).height

const engines: ReadonlyArray<readonly [string, () => Promise<number>]> = [
  ["polaroid `readParquet`, threads: 1", readPolaroid({ threads: 1 })],
  [`polaroid \`readParquet\`, default threads (${threads})`, readPolaroid({})],
  [
    "parquet-wasm alone → apache-arrow Table",
    async () => {
      const pw = await W.instance()
      const bytes = await readFile(file)
      const t = pw.readParquet(bytes, { batchSize: 122_880 })
      return A.tableFromIPC(t.intoIPCStream()).numRows
    }
  ],
  [
    "hyparquet alone (onChunk, JS arrays)",
    async () => {
      const buf = await readFile(file)
      const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
      let rows = 0
      await parquetRead({
        file: ab,
        compressors,
        onChunk: (c) => {
          if (c.columnName === "id") rows += c.rowEnd - c.rowStart
        }
      })
      return rows
    }
  ],
  [
    "DuckDB (CREATE TABLE AS read_parquet, 2 threads)",
    async () => {
      await dconn.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_parquet('${sqlPath}')`)
      const n = Number((await dconn.runAndReadAll("SELECT count(*) FROM t")).getRows()[0]![0])
      await dconn.run("DROP TABLE t")
      return n
    }
  ],
  ["nodejs-polars `readParquet`", async () => pl.readParquet(file).height],
  ["polaroid, 2 of 8 columns (x, sym), threads: 1", async () => readPolaroid({ columns: ["x", "sym"], threads: 1 })()],
  ["polaroid, 2 of 8 columns (x, sym), default threads", async () => readPolaroid({ columns: ["x", "sym"] })()],
  ["nodejs-polars, 2 of 8 columns", async () => pl.readParquet(file, { columns: ["x", "sym"] }).height]
]

const loadBefore = loadAvg()
const coresBefore = await effectiveCores()
const started = new Date()
console.log(`file: ${file} (${mb.toFixed(1)} MB, ${expected} rows, ${rowGroups} row groups); load ${loadBefore}`)
const results = await timeInterleaved(engines, REPS)
for (const [name, t] of results) {
  console.log(
    `${name.padEnd(58)} ${t.error ?? `${t.ms.toFixed(0).padStart(6)} ms  ${(mb / (t.ms / 1000)).toFixed(0).padStart(5)} MB/s  rows ${t.rows}`}`
  )
}
const loadAfter = loadAvg()
const coresAfter = await effectiveCores()
await Parallel.shutdownIdle()

const polars = results.find(([n]) => n === "nodejs-polars `readParquet`")![1]
const duckdb = results.find(([n]) => n.startsWith("DuckDB"))![1]
const bestPeer = Math.min(polars.ms, duckdb.ms)
const rowsNote = (t: Timing, full: boolean) =>
  t.error !== undefined ? `error: ${t.error}` : t.rows === expected ? "ok" : full ? `**${t.rows} ≠ ${expected}**` : "ok"

const lines = [
  "## Parquet read",
  "",
  `Run: ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, \`node --conditions=source bench/parquet-read.ts\`` +
    ` (\`npm run bench -- parquet\`), all engines in one process, best of ${REPS} after a warm-up, the engines interleaved (rep 1 of each, then rep 2, …).`,
  `Machine: ${machine()}. **Load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after**: the machine is` +
    " shared with other jobs, so absolute times are noisy; compare within this table." +
    ` **Cores this process could use** (CPU seconds per second that ${threads} spinning threads got):` +
    ` ${coresBefore.toFixed(2)} before, ${coresAfter.toFixed(2)} after (${threads}.00 on an idle machine): the` +
    " parallel decode cannot beat the single-thread one by more than that.",
  `Input: ${path.basename(file)}, written by DuckDB (snappy), ${mb.toFixed(1)} MB, ${(expected / 1e6).toFixed(1)}M rows ×` +
    ` 8 columns (BIGINT, DOUBLE, INTEGER, VARCHAR ×2, TIMESTAMP, INTEGER with nulls, BOOLEAN), ${rowGroups} row groups.` +
    " MB/s = file bytes per second of wall time (file in the page cache, read included); CPU = process CPU time of" +
    " that run, all threads.",
  `Versions: parquet-wasm ${version("parquet-wasm")}, hyparquet ${version("hyparquet")}, @duckdb/node-api` +
    ` ${version("@duckdb/node-api")}, nodejs-polars ${version("nodejs-polars")}, apache-arrow ${version("apache-arrow")}.`,
  "",
  "| reader | ms | CPU ms | MB/s | rows/s | rows | vs fastest of DuckDB/polars |",
  "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
  ...results.map(([name, t]) => {
    const full = !name.includes("2 of 8")
    if (t.error !== undefined) return `| ${name} | – | – | – | – | error: ${t.error} | – |`
    return `| ${name} | ${t.ms.toFixed(0)} | ${t.cpuMs.toFixed(0)} | ${(mb / (t.ms / 1000)).toFixed(0)} | ${fmtRate((t.rows / t.ms) * 1000)} | ${rowsNote(t, full)} | ${full ? `${(t.ms / bestPeer).toFixed(2)}×` : "–"} |`
  }),
  ""
]
const body = lines.join("\n")
console.log(`\n${body}`)
if (WRITE) writeSection("parquet-read", body)
dconn.closeSync()
