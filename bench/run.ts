/**
 * `npm run bench`: the measurement scripts in `bench/` (never part of `npm test`).
 *
 *   npm run bench                          # the db-benchmark suite at N = 1e6 → bench/RESULTS.md
 *   npm run bench -- --size 1e7            # … at N = 1e7 (or --size 1e6,1e7); other flags: see dbbench/suite.ts
 *   npm run bench -- parquet               # only the older scripts whose name contains "parquet"
 *   npm run bench -- parquet csv dbbench   # several; "all" runs every script
 *
 * Scripts: dbbench (bench/dbbench/suite.ts: db-benchmark groupby q1–q10 and join q1–q5 against DuckDB,
 * nodejs-polars and arquero; writes bench/RESULTS.md), parquet-read.ts and csv-read.ts (a ~100 MB file into
 * polaroid, DuckDB, nodejs-polars and the JS decoders/parsers; each writes its own section of bench/RESULTS.md
 * after the `<!-- other-suites -->` marker: `npm run bench -- parquet csv`), groupby-micro.ts. Each
 * generates its input data (with DuckDB) under bench/data/ (gitignored) on first use and prints its results; speed
 * claims are ratios against the peers measured in the same run. Flags (`--…`) go to the db-benchmark suite.
 */
import { spawnSync } from "node:child_process"
import * as path from "node:path"

const scripts = ["dbbench/suite.ts", "parquet-read.ts", "csv-read.ts", "groupby-micro.ts"]
const args = process.argv.slice(2)
// Positional words select scripts; everything from the first flag on (and flag values) goes to the suite.
const firstFlag = args.findIndex((a) => a.startsWith("--"))
const names = firstFlag < 0 ? args : args.slice(0, firstFlag)
const flags = firstFlag < 0 ? [] : args.slice(firstFlag)
const chosen =
  names.length === 0
    ? ["dbbench/suite.ts"]
    : names.includes("all")
      ? scripts
      : scripts.filter((s) => names.some((f) => s.includes(f)))
if (chosen.length === 0) {
  console.error(`no script matches ${names.join(", ")}; scripts: ${scripts.join(", ")}`)
  process.exit(2)
}

let failed = 0
for (const script of chosen) {
  console.log(`\n=== bench/${script} ===`)
  const r = spawnSync(
    process.execPath,
    ["--conditions=source", path.join(import.meta.dirname, script), ...(script.startsWith("dbbench") ? flags : [])],
    { stdio: "inherit" }
  )
  if (r.status !== 0) failed++
}
process.exitCode = failed === 0 ? 0 : 1
