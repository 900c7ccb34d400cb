/**
 * Parquet decode throughput: parquet-wasm (arrow-rs → Arrow IPC → Frame, our fast path) against hyparquet +
 * hyparquet-compressors (columnar `onChunk`, our fallback), on vega-datasets flights-3m (13.5 MB, ZSTD, Polars)
 * and on a ~100 MB snappy file that DuckDB writes into bench/data/ (gitignored) on first run.
 *
 * Run: node bench/parquet-read.ts [--rows N] [--reps K]
 * MB/s is file bytes (compressed) per second of wall time, best of K runs after one warm-up; rows/s likewise.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { parquetRead } from "hyparquet"
import { compressors } from "hyparquet-compressors"
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { decode } from "../src/internal/parquet/read.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const ROWS = arg("rows", 1_900_000)
const REPS = arg("reps", 3)

const bigFile = path.join(here, "data", `duckdb-snappy-${ROWS}.parquet`)
if (!existsSync(bigFile)) {
  mkdirSync(path.dirname(bigFile), { recursive: true })
  const db = await (await DuckDBInstance.create(":memory:")).connect()
  await db.run(`COPY (
      SELECT i::BIGINT AS id, random() AS x, (i % 1000)::INTEGER AS k, 'sym_' || (i % 5000)::VARCHAR AS sym,
        TIMESTAMP '2020-01-01' + to_microseconds(i * 1000) AS ts,
        CASE WHEN i % 7 = 0 THEN NULL ELSE (random() * 1e6)::INTEGER END AS n,
        (i % 3 = 0) AS flag, md5(i::VARCHAR) AS h
      FROM range(${ROWS}) t(i))
    TO '${bigFile}' (FORMAT parquet, COMPRESSION snappy)`)
}

const files = [path.resolve(here, "../../shared/data/parquet/vega-datasets/flights-3m.parquet"), bigFile].filter((f) =>
  existsSync(f)
)

const time = async (f: () => Promise<number>) => {
  await f() // warm-up (wasm tier-up, JIT)
  let best = Number.POSITIVE_INFINITY
  let rows = 0
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now()
    rows = await f()
    best = Math.min(best, performance.now() - t0)
  }
  return { ms: best, rows }
}

const hyparquetColumnar = async (bytes: Uint8Array) => {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  let values = 0
  await parquetRead({
    file,
    compressors,
    onChunk: (c) => {
      values += c.columnData.length
    }
  })
  return values
}

console.log(`| file | MB | rows | decoder | ms | MB/s | rows/s |`)
console.log(`| --- | --- | --- | --- | --- | --- | --- |`)
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file))
  const mb = bytes.byteLength / 1e6
  const runs: Array<[string, () => Promise<number>]> = [
    ["parquet-wasm → Frame (readParquet fast path)", async () => (await decode(bytes, {}, { decoder: "wasm" })).frame.height],
    [
      "parquet-wasm → Frame, 2 columns",
      async () => (await decode(bytes, { columns: file.includes("flights") ? ["delay", "origin"] : ["x", "sym"] }, { decoder: "wasm" })).frame.height
    ],
    ["hyparquet onChunk (raw JS arrays)", async () => hyparquetColumnar(bytes)],
    ["hyparquet → Frame (fallback path)", async () => (await decode(bytes, {}, { decoder: "hyparquet" })).frame.height]
  ]
  for (const [name, f] of runs) {
    const { ms } = await time(f)
    const rows = (await decode(bytes, {}, { decoder: "wasm" })).frame.height
    console.log(
      `| ${path.basename(file)} | ${mb.toFixed(1)} | ${rows} | ${name} | ${ms.toFixed(0)} | ${(mb / (ms / 1000)).toFixed(0)} | ${((rows / ms) * 1000 / 1e6).toFixed(1)}M |`
    )
  }
}
