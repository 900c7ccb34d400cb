/**
 * The built package (`npm run build`: bundled by rolldown into `dist/`), as an application loads it: `node
 * test/package/smoke.ts` (no `source` condition, so `polaroid/...` resolves to `dist/`). The test suite runs the
 * TypeScript sources; this checks what the bundle changes: every public module loads, the streaming scan's decode
 * workers start from their URLs under `dist/` and aggregate (the workers' partial tables equal the in-memory
 * result), the Parquet sink writes, apache-arrow loads on first use. Two Parquet files of ~12 MB each (above the
 * workers' 8 MB threshold) are written by DuckDB in a temporary directory. Exits non-zero on any difference.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { NodeServices } from "@effect/platform-node"
import * as A from "apache-arrow"
import { Effect, pipe } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Polaroid from "polaroid"
import { col, len } from "polaroid/Expr/Expr"
import * as Frame from "polaroid/Frame/Frame"
import * as LazyFrame from "polaroid/Frame/LazyFrame"
import { scanParquet } from "polaroid/Source/Scan"

const fail = (message: string): never => {
  console.error(`dist smoke: ${message}`)
  process.exit(1)
}

const here = fileURLToPath(import.meta.url)
const frameModule = fileURLToPath(import.meta.resolve("polaroid/Frame/LazyFrame"))
if (!frameModule.includes(`${path.sep}dist${path.sep}`)) fail(`polaroid resolved to ${frameModule}, not the build (run without --conditions=source)`)
if (typeof Polaroid.Frame.make !== "function") fail("the package index has no Frame.make")

// the decode workers: each started from its URL under dist/ (a worker that fails to load its script would leave the
// scan decoding in-thread with the same result, so a failure here is the only sign of it)
let workers = 0
process.on("worker", (w) => {
  workers++
  w.on("error", (e) => fail(`a decode worker failed: ${e instanceof Error ? e.message : String(e)}`))
})

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "polaroid-dist-smoke-"))
try {
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  for (const k of [0, 1])
    await c.run(`COPY (SELECT 'id' || (hash(i) % 50)::VARCHAR AS id1, (hash(i * 7) % 20)::INTEGER AS id4, (i % 5)::INTEGER AS v1,
      (hash(i * 13) % 100000) / 1000.0 AS v3 FROM range(${k * 1_500_000}, ${(k + 1) * 1_500_000}) t(i))
      TO '${path.join(dir, `part-${k}.parquet`)}' (FORMAT parquet)`)
  c.closeSync()
  for (const f of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, f)).size < 8 * 2 ** 20) fail(`${f} is below the workers' 8 MiB threshold`)

  const out = path.join(dir, "out.parquet")
  const query = pipe(
    scanParquet(path.join(dir, "part-*.parquet")),
    LazyFrame.filter(col("v3").gt(10)),
    LazyFrame.groupBy(["id1", "id4"]).agg(col("v1").sum().alias("v1_sum"), col("v3").mean().alias("v3_mean"), len().alias("n"))
  )
  const program = Effect.gen(function* () {
    yield* LazyFrame.sinkParquet(query, out)
    const streamed = yield* LazyFrame.collect(LazyFrame.sort(scanParquet(out), ["id1", "id4"]))
    const inMemory = yield* LazyFrame.collect(LazyFrame.sort(query, ["id1", "id4"]))
    return { streamed, inMemory }
  })
  const { streamed, inMemory } = await Effect.runPromise(program.pipe(Effect.provide(NodeServices.layer)))
  if (streamed.height === 0 || streamed.height !== inMemory.height) fail(`${streamed.height} groups streamed, ${inMemory.height} in memory`)
  if (workers === 0) fail("no decode worker was started")
  const a = Frame.toArrow(streamed)
  const b = Frame.toArrow(inMemory)
  if (!(a instanceof A.Table)) fail("Frame.toArrow did not give the application's apache-arrow Table")
  for (const name of ["id1", "id4", "v1_sum", "n"]) {
    const x = JSON.stringify([...a.getChild(name)!].map(String))
    const y = JSON.stringify([...b.getChild(name)!].map(String))
    if (x !== y) fail(`column ${name} differs between the streaming sink and the in-memory collect`)
  }
  const m1 = a.getChild("v3_mean")!.toArray() as Float64Array
  const m2 = b.getChild("v3_mean")!.toArray() as Float64Array
  for (let i = 0; i < m1.length; i++) if (Math.abs(m1[i]! - m2[i]!) > 1e-9 * Math.max(1, Math.abs(m2[i]!))) fail(`v3_mean differs at ${i}`)
  console.log(`dist smoke (${path.basename(here)}): ${streamed.height} groups, the streaming sink (${workers} decode workers) equals the in-memory collect`)
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
