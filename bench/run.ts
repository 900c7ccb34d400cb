/**
 * `npm run bench`: runs the measurement scripts in `bench/` one after another (never part of `npm test`).
 *
 *   npm run bench                 # all
 *   npm run bench -- parquet      # only the scripts whose name contains "parquet"
 *
 * Each script generates its own input data (with DuckDB) into a temporary directory on first use and prints its
 * table of results; speed claims are ratios against the peers measured in the same run.
 */
import { spawnSync } from "node:child_process"
import * as path from "node:path"

const scripts = ["parquet-read.ts", "csv-read.ts", "groupby-micro.ts"]
const filter = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const chosen = scripts.filter((s) => filter.length === 0 || filter.some((f) => s.includes(f)))

let failed = 0
for (const script of chosen) {
  console.log(`\n=== bench/${script} ===`)
  const r = spawnSync(process.execPath, ["--conditions=source", path.join(import.meta.dirname, script)], {
    stdio: "inherit"
  })
  if (r.status !== 0) failed++
}
process.exitCode = failed === 0 ? 0 : 1
