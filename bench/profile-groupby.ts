/**
 * Profiling harness (not a test) for the db-benchmark groupby questions q1–q10 on G1_N_1e2_0_0, polaroid against
 * DuckDB (2 threads) and nodejs-polars in one run. Data: `dbb-data.ts` (Parquet in /tmp/dbb), loaded into every
 * engine before timing. Each question: `--reps` runs (default 2), minimum reported, with a checksum (row count and
 * sum of the numeric result columns) to compare engines.
 *
 * Run: ./node_modules/.bin/node --conditions=source bench/profile-groupby.ts [--size 1e7] [--engines polaroid,duckdb,polars]
 *      [--cat] (id1–id3 as Categorical in polaroid, as db-benchmark's polars solution does) [--only q1,q3]
 * Profile: add `--cpu-prof --cpu-prof-dir=/tmp/prof` before the script and `--engines polaroid`.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import pl from "nodejs-polars"
import { readFileSync } from "node:fs"
import { col, len } from "../src/Expr/index.ts"
import * as DT from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/index.ts"
import * as Source from "../src/Source/index.ts"
import { groupbyFile } from "./dbb-data.ts"

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const N = Number(arg("size") ?? 1e7)
const REPS = Number(arg("reps") ?? 2)
const engines = (arg("engines") ?? "polaroid,duckdb,polars").split(",")
const only = arg("only")?.split(",")
const CAT = process.argv.includes("--cat")
// --interleave: load every engine first, then run each question's repetitions engine after engine (r1: polaroid,
// duckdb, polars; r2: …), so that every engine sees the same moment of a shared machine's load.
const INTERLEAVE = process.argv.includes("--interleave")
// q8rank: q8 the window way (rank over id6, filter), only when asked for with --only.
// q9s: q9 as the suite (`bench/dbbench/polaroid.ts`) writes it, from per-group means of Int32 products.
const QS = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q8rank", "q9", "q9s", "q10"].filter((q) =>
  only === undefined ? q !== "q8rank" && q !== "q9s" : only.includes(q)
)

const file = await groupbyFile(N)
const results: Record<string, Record<string, { ms: number; check: string }>> = {}

/** A timed question of one engine, when `--interleave` defers the timing to the end. */
interface Job {
  readonly engine: string
  readonly q: string
  readonly once: () => Promise<number>
  readonly check: () => Promise<string> | string
}
const jobs: Array<Job> = []

const record = (engine: string, q: string, best: number, check: string) => {
  ;(results[q] ??= {})[engine] = { ms: best, check }
  const rss = INTERLEAVE ? "" : `  max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`
  console.log(`${engine.padEnd(9)} ${q.padEnd(4)} ${best.toFixed(0).padStart(7)} ms  ${check}${rss}`)
}

/**
 * Times `run` (best of REPS); the checksum of the last result is computed outside the timed section. With
 * `--interleave` the question is only registered: every engine's runs of a question then alternate (see the end).
 */
const timeIt = async <A>(engine: string, q: string, run: () => Promise<A>, sum: (a: A) => Promise<string> | string) => {
  let last: A | undefined
  const once = async () => {
    last = undefined
    const t0 = performance.now()
    last = await run()
    return performance.now() - t0
  }
  if (INTERLEAVE) {
    jobs.push({ engine, q, once, check: () => sum(last!) })
    return
  }
  let best = Infinity
  for (let r = 0; r < REPS; r++) best = Math.min(best, await once())
  record(engine, q, best, await sum(last!))
}

const fmtCheck = (rows: number, sum: number) => `${rows} rows, Σ ${sum.toPrecision(10)}`

// ---------------------------------------------------------------------------------------------------------------
if (engines.includes("polaroid")) {
  const t0 = performance.now()
  let x = await Effect.runPromise(Effect.provide(Source.readParquet(file), NodeServices.layer))
  if (CAT)
    x = await Effect.runPromise(
      Frame.withColumns(x, col("id1").cast(DT.Categorical), col("id2").cast(DT.Categorical), col("id3").cast(DT.Categorical))
    )
  console.log(
    `polaroid load ${(performance.now() - t0).toFixed(0)} ms (${x.height} rows, batches ${x.batches.length}${CAT ? ", categorical ids" : ""}), max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`
  )
  const checksum = (f: Frame.Frame): string => {
    let s = 0
    for (const name of f.columns) {
      if (name.startsWith("id")) continue
      const c = Effect.runSync(Frame.getColumn(f, name))
      const v = c.values as ArrayLike<number | bigint>
      for (let i = 0; i < c.length; i++) {
        if (c.validity !== null && c.nullCount > 0 && (c.validity[i >> 3]! & (1 << (i & 7))) === 0) continue
        const x = v[i]!
        s += typeof x === "bigint" ? Number(x) : x
      }
    }
    return fmtCheck(f.height, s)
  }
  const f64 = (c: string) => col(c).cast(DT.Float64)
  const queries: Record<string, () => Effect.Effect<Frame.Frame, unknown>> = {
    q1: () => Frame.groupBy(x, "id1").agg(col("v1").sum().alias("v1")),
    q2: () => Frame.groupBy(x, ["id1", "id2"]).agg(col("v1").sum().alias("v1")),
    q3: () => Frame.groupBy(x, "id3").agg(col("v1").sum().alias("v1"), col("v3").mean().alias("v3")),
    q4: () => Frame.groupBy(x, "id4").agg(col("v1").mean().alias("v1"), col("v2").mean().alias("v2"), col("v3").mean().alias("v3")),
    q5: () => Frame.groupBy(x, "id6").agg(col("v1").sum().alias("v1"), col("v2").sum().alias("v2"), col("v3").sum().alias("v3")),
    q6: () => Frame.groupBy(x, ["id4", "id5"]).agg(col("v3").median().alias("median_v3"), col("v3").std().alias("sd_v3")),
    q7: () => Frame.groupBy(x, "id3").agg(col("v1").max().sub(col("v2").min()).alias("range_v1_v2")),
    // As db-benchmark's polars solution: top_k in the aggregation, then explode.
    q8: () =>
      Effect.flatMap(Frame.filter(x, col("v3").isNotNull()), (nn) =>
        Effect.flatMap(Frame.groupBy(nn, "id6").agg(col("v3").topK(2).alias("largest2_v3")), (y) => Frame.explode(y, "largest2_v3"))
      ),
    q8rank: () =>
      Effect.flatMap(
        Frame.withColumns(x, col("v3").rank("ordinal", { descending: true }).over("id6").alias("r")),
        (y) => Effect.flatMap(Frame.filter(y, col("r").ltEq(2)), (z) => Frame.select(z, "id6", col("v3").alias("largest2_v3")))
      ),
    q9: () => {
      // corr(v1, v2)^2 from the sums: (n Σxy − Σx Σy)² / ((n Σx² − (Σx)²)(n Σy² − (Σy)²))
      const n = len().cast(DT.Float64)
      const sx = f64("v1").sum()
      const sy = f64("v2").sum()
      const sxy = f64("v1").mul(f64("v2")).sum()
      const sxx = f64("v1").mul(f64("v1")).sum()
      const syy = f64("v2").mul(f64("v2")).sum()
      const num = n.mul(sxy).sub(sx.mul(sy))
      const r2 = num.mul(num).div(n.mul(sxx).sub(sx.mul(sx)).mul(n.mul(syy).sub(sy.mul(sy))))
      return Frame.groupBy(x, ["id2", "id4"]).agg(r2.alias("r2"))
    },
    q9s: () => {
      const m1 = col("v1").mean()
      const m2 = col("v2").mean()
      const cov = col("v1").mul(col("v2")).mean().sub(m1.mul(m2))
      const var1 = col("v1").mul(col("v1")).mean().sub(m1.mul(m1))
      const var2 = col("v2").mul(col("v2")).mean().sub(m2.mul(m2))
      return Frame.groupBy(x, ["id2", "id4"]).agg(cov.mul(cov).div(var1.mul(var2)).alias("r2"))
    },
    q10: () =>
      Frame.groupBy(x, ["id1", "id2", "id3", "id4", "id5", "id6"]).agg(col("v3").sum().alias("v3"), len().alias("count"))
  }
  for (const q of QS) await timeIt("polaroid", q, () => Effect.runPromise(queries[q]!()), checksum)
}

// ---------------------------------------------------------------------------------------------------------------
if (engines.includes("duckdb")) {
  const db = await (await DuckDBInstance.create(":memory:")).connect()
  await db.run("SET threads = 2")
  const t0 = performance.now()
  await db.run(`CREATE TABLE x AS SELECT * FROM read_parquet('${file}')`)
  console.log(`duckdb load ${(performance.now() - t0).toFixed(0)} ms`)
  const sql: Record<string, string> = {
    q1: "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1",
    q2: "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2",
    q3: "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
    q4: "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
    q5: "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
    q6: "SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5",
    q7: "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
    q8: "SELECT id6, largest2_v3 FROM (SELECT id6, v3 AS largest2_v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2",
    q8rank: "SELECT id6, largest2_v3 FROM (SELECT id6, v3 AS largest2_v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2",
    q9: "SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
    q9s: "SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
    q10: "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6"
  }
  for (const q of QS) {
    await timeIt("duckdb", q, () => db.run(`CREATE OR REPLACE TABLE ans AS ${sql[q]}`), async () => {
      const cols = (await db.runAndReadAll("DESCRIBE ans")).getRows().map((r) => String(r[0])).filter((c) => !c.startsWith("id"))
      const r = await db.runAndReadAll(`SELECT count(*)::DOUBLE, ${cols.map((c) => `coalesce(sum("${c}"), 0)::DOUBLE`).join(" + ")} FROM ans`)
      const row = r.getRows()[0]!
      return fmtCheck(Number(row[0]), Number(row[1]))
    })
  }
  if (!INTERLEAVE) db.closeSync()
}

// ---------------------------------------------------------------------------------------------------------------
if (engines.includes("polars")) {
  const t0 = performance.now()
  let x = pl.readParquet(readFileSync(file))
  x = x.withColumns(pl.col("id1").cast(pl.Categorical), pl.col("id2").cast(pl.Categorical), pl.col("id3").cast(pl.Categorical))
  console.log(`polars load ${(performance.now() - t0).toFixed(0)} ms (ids categorical, as db-benchmark's polars solution)`)
  const checksum = (f: pl.DataFrame): string => {
    let s = 0
    for (const c of f.columns) {
      if (c.startsWith("id")) continue
      const v = f.getColumn(c).cast(pl.Float64).sum()
      s += typeof v === "number" ? v : 0
    }
    return fmtCheck(f.height, s)
  }
  const queries: Record<string, () => pl.DataFrame> = {
    q1: () => x.groupBy("id1").agg(pl.col("v1").sum()),
    q2: () => x.groupBy(["id1", "id2"]).agg(pl.col("v1").sum()),
    q3: () => x.groupBy("id3").agg(pl.col("v1").sum(), pl.col("v3").mean()),
    q4: () => x.groupBy("id4").agg(pl.col("v1").mean(), pl.col("v2").mean(), pl.col("v3").mean()),
    q5: () => x.groupBy("id6").agg(pl.col("v1").sum(), pl.col("v2").sum(), pl.col("v3").sum()),
    q6: () => x.groupBy(["id4", "id5"]).agg(pl.col("v3").median().alias("median_v3"), pl.col("v3").std().alias("sd_v3")),
    q7: () => x.groupBy("id3").agg(pl.col("v1").max().sub(pl.col("v2").min()).alias("range_v1_v2")),
    q8: () =>
      x.dropNulls("v3").sort("v3", true).groupBy("id6").agg(pl.col("v3").head(2).alias("largest2_v3")).explode("largest2_v3"),
    q8rank: () =>
      x.dropNulls("v3").sort("v3", true).groupBy("id6").agg(pl.col("v3").head(2).alias("largest2_v3")).explode("largest2_v3"),
    q9: () => x.groupBy(["id2", "id4"]).agg(pl.pearsonCorr("v1", "v2").pow(2).alias("r2")),
    q9s: () => x.groupBy(["id2", "id4"]).agg(pl.pearsonCorr("v1", "v2").pow(2).alias("r2")),
    q10: () =>
      x.groupBy(["id1", "id2", "id3", "id4", "id5", "id6"]).agg(pl.col("v3").sum(), pl.col("v1").count().alias("count"))
  }
  for (const q of QS) await timeIt("polars", q, async () => queries[q]!(), checksum)
}

// ---------------------------------------------------------------------------------------------------------------
if (INTERLEAVE) {
  for (const q of QS) {
    const qj = jobs.filter((j) => j.q === q)
    const best = qj.map(() => Infinity)
    for (let r = 0; r < REPS; r++) for (let k = 0; k < qj.length; k++) best[k] = Math.min(best[k]!, await qj[k]!.once())
    for (let k = 0; k < qj.length; k++) record(qj[k]!.engine, q, best[k]!, await qj[k]!.check())
  }
}
console.log(`\nN = ${N}, best of ${REPS}${CAT ? ", polaroid ids categorical" : ""}${INTERLEAVE ? ", engines interleaved" : ""}`)
const es = engines
console.log(`| q | ${es.join(" | ")} | polaroid / best peer |`)
const totals: Record<string, number> = {}
for (const q of QS) {
  const row = results[q] ?? {}
  for (const e of es) totals[e] = (totals[e] ?? 0) + (row[e]?.ms ?? 0)
  const peers = es.filter((e) => e !== "polaroid").map((e) => row[e]?.ms ?? Infinity)
  const best = Math.min(...peers)
  const p = row["polaroid"]?.ms
  console.log(`| ${q} | ${es.map((e) => row[e]?.ms.toFixed(0) ?? "-").join(" | ")} | ${p !== undefined && best < Infinity ? (p / best).toFixed(2) : "-"} |`)
}
console.log(`| total | ${es.map((e) => totals[e]!.toFixed(0)).join(" | ")} | |`)
