/**
 * Streaming bench (issue 5, "Measured"; never a test): N Parquet files of ~200 MB each (db-benchmark x-table-like
 * columns: id1 string of 100 values, id4 int, v1 int, v3 double, ts timestamp) generated with DuckDB under
 * `bench/data/streaming/<size>gb/` (gitignored), then scan → filter → groupBy → sinkParquet run by each engine in a
 * child process whose peak RSS (VmHWM from /proc/<pid>/status, sampled every 50 ms and read at the end) is reported:
 * - polaroid: `LazyFrame.sinkParquet` (streaming mode) under `node --max-old-space-size=512`, from the built package
 *   (the bench runs `npm run build` first; the child imports `polaroid/Frame/LazyFrame`, `polaroid/Expr/Expr`,
 *   `polaroid/Source/Scan`, `effect/Effect` and provides `NodeFileSystem.layer`, the one platform service the query
 *   needs, as an application that imports only what it uses);
 * - nodejs-polars: `pl.scanParquet(glob).filter(...).groupBy(...).agg(...).sinkParquet(...)` (its streaming engine),
 *   same node flags;
 * - DuckDB: `SET threads=2; SET memory_limit='1GB'; COPY (SELECT ... FROM read_parquet(glob) ...) TO ...`.
 * Results (peak RSS, rows/s, MB/s of Parquet input) go to `bench/RESULTS-streaming.md` (or `--results <file>`).
 *
 * `--query sink` runs a query with a large output instead: scan → filter(v3 > 50) → select(id1, id4, v3, ts) →
 * sinkParquet (about half the input rows written), which measures the sinks' memory bound rather than the group-by.
 *
 * `--sink-memory` measures the Stream sinks alone: a generated stream of B batches × 50,000 rows (Int64, Float64, Utf8,
 * Timestamp) into `sinkParquet` (row groups of 2^20 rows), `sinkIpc`, and — for contrast — collect + `writeParquet`
 * (whole file), each in a child process under `--max-old-space-size=512`, at B = 40, 200, 400 (2M, 10M, 20M rows).
 *
 * Run: node bench/streaming.ts [--sizes 1,5] [--gen-only] [--engines polaroid,polars,duckdb] [--query groupby|sink]
 *      node bench/streaming.ts --sink-memory [--results file]
 * Child mode (internal): node bench/streaming.ts --child <engine> <dir> <out> <query>
 */
import { spawn } from "node:child_process"
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** DuckDB, loaded on use: the other engines' child processes do not pay for loading it. */
const duckdb = async () => (await import("@duckdb/node-api")).DuckDBInstance

const here = path.dirname(fileURLToPath(import.meta.url))
const DATA = path.join(here, "data/streaming")
/** Rows per file: ~16 bytes per row in DuckDB's Parquet (measured), so ~200 MB per file. */
const ROWS_PER_FILE = 12_500_000
const FILES_PER_GB = 5

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const partSql = (k: number, out: string) => {
  const a = k * ROWS_PER_FILE
  const b = a + ROWS_PER_FILE
  return `COPY (SELECT 'id' || lpad(CAST(hash(i) % 100 + 1 AS VARCHAR), 3, '0') AS id1,
    CAST(hash(i * 7) % 100 + 1 AS INTEGER) AS id4, CAST(hash(i * 13) % 5 + 1 AS INTEGER) AS v1,
    round((hash(i * 17) % 10000000) / 100000.0, 6) AS v3, TIMESTAMP '2020-01-01' + to_seconds(i) AS ts
    FROM range(${a}, ${b}) t(i)) TO '${out}' (FORMAT parquet)`
}

/** Generates `<size>gb/part-k.parquet` (k < 5·size); parts already present (or in a smaller size's dir) are reused. */
const generate = async (sizes: ReadonlyArray<number>) => {
  const db = await (await duckdb()).create(":memory:")
  const c = await db.connect()
  await c.run("SET threads=2")
  for (const size of sizes) {
    const dir = path.join(DATA, `${size}gb`)
    mkdirSync(dir, { recursive: true })
    for (let k = 0; k < size * FILES_PER_GB; k++) {
      const name = `part-${String(k).padStart(3, "0")}.parquet`
      const out = path.join(dir, name)
      if (existsSync(out)) continue
      const other = sizes.map((s) => path.join(DATA, `${s}gb`, name)).find((p) => p !== out && existsSync(p))
      if (other !== undefined) {
        linkSync(other, out) // same row range, same bytes
        continue
      }
      const t0 = Date.now()
      await c.run(partSql(k, `${out}.tmp`))
      const { renameSync } = await import("node:fs")
      renameSync(`${out}.tmp`, out)
      console.log(`generated ${out} (${(statSync(out).size / 1e6).toFixed(0)} MB, ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    }
  }
  c.closeSync()
}

// ---------------------------------------------------------------------------------------------------------------
// The query: rows with v3 > 10, grouped by (id1, id4): sum(v1), mean(v3), count → 10 000 groups.
// ---------------------------------------------------------------------------------------------------------------

const QUERY = arg("--query") ?? "groupby"

const child = async (engine: string, dir: string, out: string, query: string) => {
  const glob = path.join(dir, "*.parquet")
  if (query === "sink") return sinkChild(engine, glob, out)
  if (engine === "polaroid") {
    // as an application loads it: the built package (npm run build), one module each
    const NodeFileSystem = await import("@effect/platform-node/NodeFileSystem")
    const Effect = await import("effect/Effect")
    const { pipe } = await import("effect/Function")
    const { col, len } = await import("polaroid/Expr/Expr")
    const LazyFrame = await import("polaroid/Frame/LazyFrame")
    const { scanParquet } = await import("polaroid/Source/Scan")
    const q = pipe(
      scanParquet(glob),
      LazyFrame.filter(col("v3").gt(10)),
      LazyFrame.groupBy(["id1", "id4"]).agg(col("v1").sum().alias("v1_sum"), col("v3").mean().alias("v3_mean"), len().alias("n"))
    )
    const r = await Effect.runPromise(LazyFrame.sinkParquet(q, out).pipe(Effect.provide(NodeFileSystem.layer)))
    return r.rows
  }
  if (engine === "polars") {
    const pl = (await import("nodejs-polars")).default
    pl.scanParquet(glob)
      .filter(pl.col("v3").gt(10))
      .groupBy(["id1", "id4"])
      .agg(pl.col("v1").sum().alias("v1_sum"), pl.col("v3").mean().alias("v3_mean"), pl.len().alias("n"))
      .sinkParquet(out)
      .collectSync()
    return -1
  }
  const db = await (await duckdb()).create(":memory:")
  const c = await db.connect()
  await c.run("SET threads=2")
  await c.run("SET memory_limit='1GB'")
  await c.run(`COPY (SELECT id1, id4, sum(v1) AS v1_sum, avg(v3) AS v3_mean, count(*) AS n FROM read_parquet('${glob}')
    WHERE v3 > 10 GROUP BY id1, id4) TO '${out}' (FORMAT parquet)`)
  c.closeSync()
  return -1
}

/** The large-output query: rows with v3 > 50, four columns, straight into a Parquet sink. */
const sinkChild = async (engine: string, glob: string, out: string) => {
  if (engine === "polaroid") {
    const NodeFileSystem = await import("@effect/platform-node/NodeFileSystem")
    const Effect = await import("effect/Effect")
    const { pipe } = await import("effect/Function")
    const { col } = await import("polaroid/Expr/Expr")
    const LazyFrame = await import("polaroid/Frame/LazyFrame")
    const { scanParquet } = await import("polaroid/Source/Scan")
    const q = pipe(scanParquet(glob), LazyFrame.filter(col("v3").gt(50)), LazyFrame.select("id1", "id4", "v3", "ts"))
    const r = await Effect.runPromise(LazyFrame.sinkParquet(q, out).pipe(Effect.provide(NodeFileSystem.layer)))
    return r.rows
  }
  if (engine === "polars") {
    const pl = (await import("nodejs-polars")).default
    pl.scanParquet(glob).filter(pl.col("v3").gt(50)).select("id1", "id4", "v3", "ts").sinkParquet(out).collectSync()
    return -1
  }
  const db = await (await duckdb()).create(":memory:")
  const c = await db.connect()
  await c.run("SET threads=2")
  await c.run("SET memory_limit='1GB'")
  await c.run(`COPY (SELECT id1, id4, v3, ts FROM read_parquet('${glob}') WHERE v3 > 50) TO '${out}' (FORMAT parquet)`)
  c.closeSync()
  return -1
}

const status = (pid: number): { rss: number; hwm: number } | undefined => {
  try {
    const t = readFileSync(`/proc/${pid}/status`, "utf8")
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(t)?.[1] ?? 0) * 1024
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") }
  } catch {
    return undefined
  }
}

interface Run {
  readonly engine: string
  readonly size: number
  readonly files: number
  readonly bytes: number
  readonly rows: number
  readonly seconds: number
  readonly peakRss: number
  readonly ok: boolean
  readonly note: string
}

/** Runs one engine in a child process, sampling its RSS every 50 ms; the child reports VmHWM before exiting. */
const runChild = (engine: string, size: number): Promise<Run> =>
  new Promise((resolve) => {
    const dir = path.join(DATA, `${size}gb`)
    const parts = readdirSync(dir).filter((f) => f.endsWith(".parquet"))
    const bytes = parts.reduce((a, f) => a + statSync(path.join(dir, f)).size, 0)
    const rows = parts.length * ROWS_PER_FILE
    const out = outOf(engine)
    rmSync(out, { force: true })
    const t0 = performance.now()
    const p = spawn(process.execPath, ["--max-old-space-size=512", fileURLToPath(import.meta.url), "--child", engine, dir, out, QUERY], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let peak = 0
    let text = ""
    p.stdout.on("data", (d) => (text += String(d)))
    p.stderr.on("data", (d) => (text += String(d)))
    const timer = setInterval(() => {
      const s = status(p.pid!)
      if (s !== undefined) peak = Math.max(peak, s.hwm, s.rss)
    }, 50)
    p.on("exit", (code) => {
      clearInterval(timer)
      const seconds = (performance.now() - t0) / 1000
      const m = /VmHWM=(\d+)/.exec(text)
      if (m !== null) peak = Math.max(peak, Number(m[1]))
      const ok = code === 0 && existsSync(out)
      resolve({ engine, size, files: parts.length, bytes, rows, seconds, peakRss: peak, ok, note: ok ? "" : `exit ${code}: ${text.slice(-300).replaceAll("\n", " ")}` })
    })
  })

const outOf = (engine: string) => path.join(os.tmpdir(), `polaroid-bench-streaming-${engine}.parquet`)

/** Compares an engine's output with DuckDB's (same groups, counts and sums; means within 1e-9 relative). */
const check = async (engine: string): Promise<string> => {
  const db = await (await duckdb()).create(":memory:")
  const c = await db.connect()
  if (QUERY === "sink") {
    const q = (f: string) => `SELECT count(*)::BIGINT, sum(v3)::DOUBLE, sum(id4)::BIGINT, count(DISTINCT id1)::BIGINT, max(ts)::VARCHAR FROM '${f}'`
    const a = (await c.runAndReadAll(q(outOf(engine)))).getRows()[0]!.map(String)
    const b = (await c.runAndReadAll(q(outOf("duckdb")))).getRows()[0]!.map(String)
    c.closeSync()
    const same = a[0] === b[0] && a[2] === b[2] && a[3] === b[3] && a[4] === b[4] && Math.abs(Number(a[1]) - Number(b[1])) <= 1e-9 * Math.abs(Number(b[1]))
    return same ? "= DuckDB" : `differs from DuckDB (${a.join("/")} vs ${b.join("/")})`
  }
  const r = await c.runAndReadAll(`SELECT (SELECT count(*) FROM '${outOf(engine)}') AS rows, (SELECT count(*) FROM '${outOf("duckdb")}') AS expected,
    count(*) AS joined, coalesce(sum(abs(a.v1_sum - b.v1_sum)), 0) AS d_sum, coalesce(sum(abs(CAST(a.n AS BIGINT) - b.n)), 0) AS d_n,
    coalesce(max(abs(a.v3_mean - b.v3_mean) / greatest(1, abs(b.v3_mean))), 0) AS d_mean
    FROM '${outOf(engine)}' a JOIN '${outOf("duckdb")}' b USING (id1, id4)`)
  c.closeSync()
  const [rows, expected, joined, dSum, dN, dMean] = r.getRows()[0]!.map(Number) as [number, number, number, number, number, number]
  return rows === expected && joined === expected && dSum === 0 && dN === 0 && dMean < 1e-9 ? "= DuckDB" : `differs from DuckDB (${rows}/${expected}/${joined} rows, Δsum ${dSum}, Δn ${dN}, Δmean ${dMean})`
}

const mb = (b: number) => (b / 1048576).toFixed(0)

/** Child of `--sink-memory`: one sink over a generated stream; prints its JSON measurements. */
const sinkMemoryChild = async (mode: string, count: number, out: string) => {
  const NodeServices = await import("@effect/platform-node/NodeServices")
  const { Effect, Stream } = await import("effect")
  const DT = await import("../src/Frame/DataType.ts")
  const C = await import("../src/internal/column.ts")
  const F = await import("../src/internal/frame.ts")
  const W = await import("../src/internal/parquet/wasm.ts")
  const { writeParquet } = await import("../src/Source/Parquet.ts")
  const S = await import("../src/Stream/Stream.ts")
  const n = 50_000
  const batch = (k: number) =>
    F.fromColumnsUnsafe(
      ["id", "x", "s", "t"],
      [
        C.make(DT.Int64, n, BigInt64Array.from({ length: n }, (_, i) => BigInt(k * n + i)), null),
        C.make(DT.Float64, n, Float64Array.from({ length: n }, (_, i) => Math.sin(k * n + i)), null),
        C.fromStrings(Array.from({ length: n }, (_, i) => `row-${((k * n + i) * 2654435761) % 100003}`)),
        C.make(DT.Timestamp("us", "UTC"), n, BigInt64Array.from({ length: n }, (_, i) => BigInt(k * n + i) * 1000n), null)
      ]
    )
  // one batch per chunk, so the source holds one batch at a time
  const src = Stream.range(0, count - 1, 1).pipe(Stream.map(batch))
  const t0 = performance.now()
  const program =
    mode === "sinkParquet"
      ? Stream.run(src, S.sinkParquet(out, { rowGroupSize: 1 << 20 }))
      : mode === "sinkIpc"
        ? Stream.run(src, S.sinkIpc(out))
        : Effect.flatMap(Stream.runCollect(src), (bs) => writeParquet(F.unsafeMake(bs[0]!.schema, bs.flatMap((b) => b.batches)), out))
  await Effect.runPromise(Effect.provide(program, NodeServices.layer))
  const seconds = (performance.now() - t0) / 1000
  const wasm = mode === "sinkIpc" ? 0 : (await W.instance()).wasmMemory().buffer.byteLength
  console.log(JSON.stringify({ mode, rows: count * n, seconds, outBytes: statSync(out).size, wasm, hwm: status(process.pid)?.hwm ?? 0 }))
  rmSync(out, { force: true })
}

if (process.argv.includes("--sink-memory-child")) {
  const i = process.argv.indexOf("--sink-memory-child")
  const [mode, count, out] = process.argv.slice(i + 1, i + 4) as [string, string, string]
  await sinkMemoryChild(mode, Number(count), out)
  process.exit(0)
} else if (process.argv.includes("--sink-memory")) {
  const load = os.loadavg().map((x) => x.toFixed(2)).join(", ")
  const rows: Array<string> = []
  for (const mode of ["sinkParquet", "sinkIpc", "writeParquet (whole file)"])
    for (const count of mode.startsWith("write") ? [40, 200] : [40, 200, 400]) {
      const out = path.join(os.tmpdir(), `polaroid-bench-sink-memory-${process.pid}`)
      const key = mode.split(" ")[0]!
      const p = spawn(process.execPath, ["--max-old-space-size=512", fileURLToPath(import.meta.url), "--sink-memory-child", key, String(count), out], {
        stdio: ["ignore", "pipe", "inherit"]
      })
      let text = ""
      p.stdout.on("data", (d) => (text += String(d)))
      await new Promise((r) => p.on("exit", r))
      const m = JSON.parse(text.trim().split("\n").pop()!) as { rows: number; seconds: number; outBytes: number; wasm: number; hwm: number }
      const line = `| ${mode} | ${(m.rows / 1e6).toFixed(0)}M | ${(m.outBytes / 1e6).toFixed(0)} MB | ${m.seconds.toFixed(1)} | ${(m.rows / m.seconds / 1e6).toFixed(2)}M | ${mb(m.wasm)} | ${mb(m.hwm)} |`
      console.log(line)
      rows.push(line)
    }
  const lines = [
    "# Sink memory (issue 5): `node bench/streaming.ts --sink-memory`",
    "",
    "A generated stream of 50,000-row batches (Int64, Float64, Utf8, Timestamp(us, UTC)) into each sink, in a child process",
    "under `node --max-old-space-size=512` (rows/s include generating the batches). Peak RSS = the child's VmHWM.",
    "",
    `Load average before: ${load}; after: ${os.loadavg().map((x) => x.toFixed(2)).join(", ")}. Date: ${new Date().toISOString()}`,
    "",
    "| sink | rows | output | seconds | rows/s | wasm memory (MiB) | peak RSS (MiB) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    ""
  ]
  writeFileSync(arg("--results") ?? path.join(here, "RESULTS-sink-memory.md"), lines.join("\n"))
} else if (process.argv.includes("--child")) {
  const i = process.argv.indexOf("--child")
  const [engine, dir, out, query] = process.argv.slice(i + 1, i + 5) as [string, string, string, string | undefined]
  await child(engine, dir, out, query ?? "groupby")
  console.log(`VmHWM=${status(process.pid)?.hwm ?? 0}`)
  process.exit(0)
} else {
  const sizes = (arg("--sizes") ?? "1,5").split(",").map(Number)
  await generate(sizes)
  if (!process.argv.includes("--gen-only")) {
    const engines = (arg("--engines") ?? "polaroid,polars,duckdb").split(",")
    if (engines.includes("polaroid")) {
      // the polaroid child loads the built package (dist/), as an installed application would
      const { spawnSync } = await import("node:child_process")
      const build = spawnSync("npm", ["run", "build"], { cwd: path.join(here, ".."), stdio: "inherit" })
      if (build.status !== 0) throw new Error("npm run build failed")
    }
    const load = os.loadavg().map((x) => x.toFixed(2)).join(", ")
    const results: Array<Run> = []
    const checks: Array<string> = []
    for (const size of sizes) {
      // DuckDB first: its output is the reference of the others
      for (const e of [...engines].sort((a, b) => (a === "duckdb" ? -1 : b === "duckdb" ? 1 : 0))) {
        const r = await runChild(e, size)
        console.log(JSON.stringify(r))
        results.push(r)
        checks.push(e === "duckdb" || !r.ok || !engines.includes("duckdb") ? "" : await check(e))
      }
    }
    const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(", ")
    const lines = [
      `# Streaming bench (issue 5)${QUERY === "sink" ? ": large-output sink" : ""}`,
      "",
      QUERY === "sink"
        ? "`node bench/streaming.ts --query sink --sizes " + sizes.join(",") + "` — scan → filter(v3 > 50) → select(id1, id4, v3, ts) → sinkParquet (about half the rows written)"
        : "`node bench/streaming.ts --sizes " + sizes.join(",") + "` — scan → filter(v3 > 10) → groupBy(id1, id4).agg(sum v1, mean v3, count) → sinkParquet",
      "over N DuckDB-written Parquet files of ~200 MB (12.5M rows each; columns id1 Utf8 ×100, id4 Int32, v1 Int32, v3 Float64, ts Timestamp).",
      "Each engine in its own child process `node --max-old-space-size=512`; peak RSS = max of VmHWM (read at the end) and",
      "VmRSS sampled every 50 ms. DuckDB: `SET threads=2; SET memory_limit='1GB'`. nodejs-polars " +
        "`scanParquet(glob)…sinkParquet(out).collectSync()` (its streaming sink).",
      "",
      `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${mb(os.totalmem())} MiB RAM; load average (1, 5, 15 min) before: ${load}; after: ${loadAfter} — other sessions were running, so times are noisy.`,
      `Date: ${new Date().toISOString()}`,
      "",
      "| input | engine | files | rows | seconds | rows/s | MB/s (Parquet bytes) | peak RSS (MiB) | status |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
      ...results.map(
        (r, i) =>
          `| ${r.size} GB (${mb(r.bytes)} MiB) | ${r.engine} | ${r.files} | ${(r.rows / 1e6).toFixed(1)}M | ${r.seconds.toFixed(1)} | ${(r.rows / r.seconds / 1e6).toFixed(2)}M | ${(r.bytes / 1e6 / r.seconds).toFixed(1)} | ${mb(r.peakRss)} | ${r.ok ? `ok ${checks[i]}` : r.note.replaceAll("|", "/")} |`
      ),
      ""
    ]
    const extra = arg("--results") ?? path.join(here, "RESULTS-streaming.md")
    writeFileSync(extra, lines.join("\n"))
    console.log(lines.join("\n"))
  }
}
