/**
 * Profiling harness (not a test) for the db-benchmark join questions q1–q5 (approximate data: see `dbb-data.ts`),
 * polaroid against DuckDB (2 threads) and nodejs-polars in one run; best of `--reps`, checksum (rows, Σ v1 + Σ v2)
 * computed outside the timed section.
 *
 * Run: ./node_modules/.bin/node --conditions=source bench/profile-join.ts [--size 1e7] [--engines polaroid,duckdb,polars]
 * [--only q3,q5] [--reps 2] [--cat] (`--cat`: string ids cast to Categorical at load in polaroid and polars, as the
 * suite and db-benchmark's polars solution do).
 * q1 small inner on id1; q2 medium inner on id2; q3 medium left on id2; q4 medium inner on id5 (string);
 * q5 big inner on id3.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { col } from "../src/Expr/index.ts"
import pl from "nodejs-polars"
import { readFileSync } from "node:fs"
import * as Frame from "../src/Frame/index.ts"
import * as Source from "../src/Source/index.ts"
import { joinFiles } from "./dbb-data.ts"

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const N = Number(arg("size") ?? 1e7)
const REPS = Number(arg("reps") ?? 2)
const engines = (arg("engines") ?? "polaroid,duckdb,polars").split(",")
const files = await joinFiles(N)
const QS = (arg("only") ?? "q1,q2,q3,q4,q5").split(",")
const CAT = process.argv.includes("--cat")
const STRINGS: Record<string, ReadonlyArray<string>> = { x: ["id4", "id5", "id6"], small: ["id4"], medium: ["id4", "id5"], big: ["id4", "id5", "id6"] }
const spec: Record<string, { table: "small" | "medium" | "big"; on: string; how: "inner" | "left" }> = {
  q1: { table: "small", on: "id1", how: "inner" },
  q2: { table: "medium", on: "id2", how: "inner" },
  q3: { table: "medium", on: "id2", how: "left" },
  q4: { table: "medium", on: "id5", how: "inner" },
  q5: { table: "big", on: "id3", how: "inner" }
}
const results: Record<string, Record<string, { ms: number; check: string }>> = {}
const timeIt = async <A>(engine: string, q: string, run: () => Promise<A>, sum: (a: A) => Promise<string> | string) => {
  let best = Infinity
  let last: A | undefined
  for (let r = 0; r < REPS; r++) {
    last = undefined
    const t0 = performance.now()
    last = await run()
    best = Math.min(best, performance.now() - t0)
  }
  const check = await sum(last!)
  ;(results[q] ??= {})[engine] = { ms: best, check }
  console.log(`${engine.padEnd(9)} ${q.padEnd(4)} ${best.toFixed(0).padStart(7)} ms  ${check}`)
}
const fmt = (rows: number, s: number) => `${rows} rows, Σ ${s.toPrecision(10)}`

if (engines.includes("polaroid")) {
  const t0 = performance.now()
  const load = async (name: keyof typeof files) => {
    const f = await Effect.runPromise(Effect.provide(Source.readParquet(files[name]), NodeServices.layer))
    if (!CAT) return f
    return Effect.runPromise(Frame.withColumns(f, ...STRINGS[name]!.map((s) => col(s).cast(Frame.DataType.Categorical))))
  }
  const t = { x: await load("x"), small: await load("small"), medium: await load("medium"), big: await load("big") }
  console.log(`polaroid load ${(performance.now() - t0).toFixed(0)} ms`)
  const checksum = (f: Frame.Frame): string => {
    let s = 0
    for (const name of ["v1", "v2"]) {
      const c = Effect.runSync(Frame.getColumn(f, name))
      const v = c.values as Float64Array
      for (let i = 0; i < c.length; i++) {
        if (c.nullCount > 0 && c.validity !== null && (c.validity[i >> 3]! & (1 << (i & 7))) === 0) continue
        s += v[i]!
      }
    }
    return fmt(f.height, s)
  }
  for (const q of QS) {
    const { table, on, how } = spec[q]!
    await timeIt("polaroid", q, () => Effect.runPromise(Frame.join(t.x, t[table], { on, how })), checksum)
  }
}

if (engines.includes("duckdb")) {
  const db = await (await DuckDBInstance.create(":memory:")).connect()
  await db.run("SET threads = 2")
  const t0 = performance.now()
  for (const [name, f] of Object.entries(files)) await db.run(`CREATE TABLE ${name} AS SELECT * FROM read_parquet('${f}')`)
  console.log(`duckdb load ${(performance.now() - t0).toFixed(0)} ms`)
  for (const q of QS) {
    const { table, on, how } = spec[q]!
    const cols = table === "small" ? "y.id4 AS id4_r, y.v2" : table === "medium" ? "y.id1 AS id1_r, y.id4 AS id4_r, y.v2" : "y.v2"
    await timeIt(
      "duckdb",
      q,
      () => db.run(`CREATE OR REPLACE TABLE ans AS SELECT x.*, ${cols} FROM x ${how === "left" ? "LEFT" : "INNER"} JOIN ${table} y USING (${on})`),
      async () => {
        const row = (await db.runAndReadAll("SELECT count(*)::DOUBLE, (coalesce(sum(v1), 0) + coalesce(sum(v2), 0))::DOUBLE FROM ans")).getRows()[0]!
        return fmt(Number(row[0]), Number(row[1]))
      }
    )
  }
  db.closeSync()
}

if (engines.includes("polars")) {
  const t0 = performance.now()
  const load = (name: keyof typeof files) => {
    const f = pl.readParquet(readFileSync(files[name]))
    return CAT ? f.withColumns(...STRINGS[name]!.map((s) => pl.col(s).cast(pl.Categorical))) : f
  }
  const t = { x: load("x"), small: load("small"), medium: load("medium"), big: load("big") }
  console.log(`polars load ${(performance.now() - t0).toFixed(0)} ms`)
  const checksum = (f: pl.DataFrame) => fmt(f.height, Number(f.getColumn("v1").sum() ?? 0) + Number(f.getColumn("v2").sum() ?? 0))
  for (const q of QS) {
    const { table, on, how } = spec[q]!
    await timeIt("polars", q, async () => t.x.join(t[table], { on, how }), checksum)
  }
}

console.log(`\nN = ${N}, best of ${REPS}`)
console.log(`| q | ${engines.join(" | ")} | polaroid / best peer |`)
const totals: Record<string, number> = {}
for (const q of QS) {
  const row = results[q] ?? {}
  for (const e of engines) totals[e] = (totals[e] ?? 0) + (row[e]?.ms ?? 0)
  const best = Math.min(...engines.filter((e) => e !== "polaroid").map((e) => row[e]?.ms ?? Infinity))
  const p = row["polaroid"]?.ms
  console.log(`| ${q} | ${engines.map((e) => row[e]?.ms.toFixed(0) ?? "-").join(" | ")} | ${p !== undefined && best < Infinity ? (p / best).toFixed(2) : "-"} |`)
}
console.log(`| total | ${engines.map((e) => totals[e]!.toFixed(0)).join(" | ")} | |`)
