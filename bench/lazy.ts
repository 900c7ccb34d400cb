/**
 * Lazy scan + filter + groupBy on vega-datasets flights-3m (3M rows, 11 row groups, sorted by `date`): polaroid's
 * lazy path (`scanParquet` → `filter` → `groupBy().agg()` → `collect`: projection and row-group pruning) against
 * its eager path (`readParquet` → `filter` → `groupBy().agg()`), nodejs-polars' lazy `scanParquet(...).collect()`
 * and DuckDB (`SET threads=2`) on the same file. Not a test.
 *
 * Queries (each engine's result is checked against DuckDB's: group count and total row count):
 * - selective: `date < 2001-02-01 & delay > 15`, group by origin: mean delay, row count, max distance
 *   (row-group statistics keep 1 of 11 row groups);
 * - full: `distance > 1000`, the same aggregates (no row group can be skipped).
 *
 * Run: node bench/lazy.ts [--reps K]   (best of K runs after one warm-up; default 3)
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { NodeServices } from "@effect/platform-node"
import { Effect, pipe } from "effect"
import { existsSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import pl from "nodejs-polars"
import { col, type Expr, len } from "../src/Expr/Expr.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as LazyFrame from "../src/Frame/LazyFrame.ts"
import { readParquet } from "../src/Source/Parquet.ts"
import { scanParquet } from "../src/Source/Scan.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const sharedFile = path.resolve(here, "../../shared/data/parquet/vega-datasets/flights-3m.parquet")
const FILE = existsSync(sharedFile) ? sharedFile : path.resolve(here, "../node_modules/vega-datasets/data/flights-3m.parquet")
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const REPS = arg("reps", 3)

interface Query {
  readonly name: string
  readonly ours: Expr
  readonly polars: pl.Expr
  readonly sql: string
}
const QUERIES: ReadonlyArray<Query> = [
  {
    name: "selective (date < 2001-02-01 & delay > 15)",
    ours: col("date").lt("2001-02-01").and(col("delay").gt(15)),
    polars: pl.col("date").lt(pl.lit(new Date("2001-02-01T00:00:00Z"))).and(pl.col("delay").gt(15)),
    sql: "date < TIMESTAMP '2001-02-01' AND delay > 15"
  },
  {
    name: "full (distance > 1000)",
    ours: col("distance").gt(1000),
    polars: pl.col("distance").gt(1000),
    sql: "distance > 1000"
  }
]
const aggs = () => [col("delay").mean().alias("avg_delay"), len().alias("n"), col("distance").max().alias("max_dist")]

const run = <A>(e: Effect.Effect<A, unknown, never>): Promise<A> => Effect.runPromise(e)
const provide = <A, E>(e: Effect.Effect<A, E, NodeServices.NodeServices>) => Effect.provide(e, NodeServices.layer)

/** Groups and total rows of a result, to check that every engine computed the same thing. */
type Check = { readonly groups: number; readonly rows: number }

const best = async (f: () => Promise<Check>): Promise<{ ms: number; check: Check }> => {
  let check = await f() // warm-up
  let ms = Number.POSITIVE_INFINITY
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now()
    check = await f()
    ms = Math.min(ms, performance.now() - t0)
  }
  return { ms, check }
}

const ourCheck = (f: Frame.Frame): Check => {
  const n = (Frame.toColumns(f) as Record<string, ReadonlyArray<unknown>>)["n"] ?? []
  return { groups: f.height, rows: n.reduce((a: number, b) => a + Number(b), 0) }
}

const duck = await (await DuckDBInstance.create(":memory:")).connect()
await duck.run("SET threads=2")

console.log(`file: ${FILE}`)
console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}; best of ${REPS} runs after a warm-up\n`)
const rows: Array<string> = []
for (const q of QUERIES) {
  const engines: Array<[string, () => Promise<Check>]> = [
    [
      "polaroid lazy (scanParquet → filter → groupBy → collect)",
      async () =>
        ourCheck(
          await run(
            provide(LazyFrame.collect(pipe(scanParquet(FILE), LazyFrame.filter(q.ours), LazyFrame.groupBy("origin").agg(...aggs()))))
          )
        )
    ],
    [
      "polaroid eager (readParquet → filter → groupBy)",
      async () => ourCheck(await run(provide(pipe(readParquet(FILE), Frame.filter(q.ours), Frame.groupBy("origin").agg(...aggs())))))
    ],
    [
      "nodejs-polars lazy (scanParquet … collect)",
      async () => {
        const df = await pl
          .scanParquet(FILE)
          .filter(q.polars)
          .groupBy("origin")
          .agg(pl.col("delay").mean().alias("avg_delay"), pl.len().alias("n"), pl.col("distance").max().alias("max_dist"))
          .collect()
        return { groups: df.height, rows: Number(df.getColumn("n").sum()) }
      }
    ],
    [
      "DuckDB (threads=2)",
      async () => {
        const r = await duck.runAndReadAll(
          `SELECT origin, avg(delay) AS avg_delay, count(*) AS n, max(distance) AS max_dist FROM read_parquet('${FILE}') WHERE ${q.sql} GROUP BY origin`
        )
        const ns = r.getColumns()[2]!
        return { groups: r.currentRowCount, rows: ns.reduce((a: number, b) => a + Number(b), 0) }
      }
    ]
  ]
  console.log(q.name)
  const results: Array<{ label: string; ms: number; check: Check }> = []
  for (const [label, f] of engines) {
    const r = await best(f)
    results.push({ label, ...r })
    console.log(`  ${label.padEnd(58)} ${r.ms.toFixed(0).padStart(6)} ms  (${r.check.groups} groups, ${r.check.rows} rows)`)
  }
  const oracle = results[results.length - 1]!.check
  for (const r of results)
    if (r.check.groups !== oracle.groups || r.check.rows !== oracle.rows)
      console.log(`  MISMATCH: ${r.label} gives ${JSON.stringify(r.check)}, DuckDB ${JSON.stringify(oracle)}`)
  const lazy = results[0]!.ms
  for (const r of results) rows.push(`| ${q.name} | ${r.label} | ${r.ms.toFixed(0)} | ${(lazy / r.ms).toFixed(2)} |`)
  console.log()
}
console.log("| query | engine | best ms | lazy polaroid / engine |")
console.log("| --- | --- | --- | --- |")
for (const r of rows) console.log(r)
