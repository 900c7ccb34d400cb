/**
 * The db-benchmark suite: generates (or reuses) the data for N, runs every engine on every task in its own child
 * process (`worker.ts`), checks every answer against DuckDB's and writes `bench/RESULTS.md`.
 *
 *   node bench/dbbench/suite.ts [--size 1e6[,1e7]] [--engines duckdb,polars,arquero,polaroid]
 *     [--tasks groupby,join] [--runs 3] [--slow 10] [--timeout 900] [--out bench/RESULTS.md] [--no-write]
 *
 * `--slow s`: a run slower than s seconds is not repeated. `--timeout s`: a worker (one engine, one task) is killed
 * after s seconds; its unanswered questions show as errors. DuckDB always runs (it is the reference).
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ENGINES, type EngineName, type Files } from "./engine.ts"
import { dataDir, groupbyData, joinData, parseSize, prettySci } from "./gen.ts"
import type { Task } from "./questions.ts"
import { merge, renderRun } from "./report.ts"
import type { WorkerResult } from "./worker.ts"

const benchDir = path.resolve(import.meta.dirname, "..")
const repoRoot = path.resolve(benchDir, "..")

interface Options {
  readonly sizes: ReadonlyArray<number>
  readonly engines: ReadonlyArray<EngineName>
  readonly tasks: ReadonlyArray<Task>
  readonly runs: number
  readonly slowS: number
  readonly timeoutS: number
  readonly out: string
  readonly write: boolean
  /** Engines named with --engines (run at any N); otherwise arquero is skipped above ARQUERO_MAX_N. */
  readonly explicitEngines: boolean
}

/** Above this N arquero (single-threaded JS, ~4 min per task at 1e7 even with one run per question) is skipped unless named in --engines. */
const ARQUERO_MAX_N = 2e6

const parseArgs = (argv: ReadonlyArray<string>): Options => {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    if (i >= 0) return argv[i + 1]
    const eq = argv.find((a) => a.startsWith(`--${name}=`))
    return eq?.slice(name.length + 3)
  }
  const list = (s: string | undefined, dflt: ReadonlyArray<string>) => (s === undefined ? dflt : s.split(",").filter((x) => x !== ""))
  const engines = list(get("engines"), ENGINES)
  for (const e of engines) if (!(ENGINES as ReadonlyArray<string>).includes(e)) throw new Error(`unknown engine "${e}"`)
  const withRef = (engines.includes("duckdb") ? engines : ["duckdb", ...engines]) as Array<EngineName>
  const tasks = list(get("tasks"), ["groupby", "join"])
  for (const t of tasks) if (t !== "groupby" && t !== "join") throw new Error(`unknown task "${t}"`)
  return {
    sizes: list(get("size"), ["1e6"]).map(parseSize),
    engines: ENGINES.filter((e) => withRef.includes(e)),
    tasks: tasks as Array<Task>,
    runs: Number(get("runs") ?? 3),
    slowS: Number(get("slow") ?? 10),
    timeoutS: Number(get("timeout") ?? 900),
    out: path.resolve(get("out") ?? path.join(benchDir, "RESULTS.md")),
    write: !argv.includes("--no-write"),
    explicitEngines: get("engines") !== undefined
  }
}

const log = (s: string) => process.stderr.write(`[dbbench] ${s}\n`)

const machine = () => {
  let cpu = os.cpus()[0]?.model ?? "unknown CPU"
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))
    if (m !== null) cpu = m[1]!.trim()
  } catch {}
  let nproc = os.availableParallelism()
  try {
    nproc = Number(execFileSync("nproc", { encoding: "utf8" }).trim())
  } catch {}
  return { nproc, cpu, ramGb: os.totalmem() / 1024 ** 3, os: `${os.type()} ${os.release()}` }
}

const polaroidRevision = (): string => {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim()
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: repoRoot, encoding: "utf8" }).trim()
    return dirty === "" ? `commit ${sha}` : `commit ${sha} + uncommitted changes in src/`
  } catch {
    return "unknown revision (no git)"
  }
}

/** Runs one worker; resolves with its result file's content (possibly partial) and how it ended. */
const runWorker = (engine: EngineName, task: Task, files: Files, out: string, o: Options): Promise<WorkerResult> =>
  new Promise((resolve) => {
    const heap = engine === "arquero" || engine === "polaroid" ? ["--max-old-space-size=8192"] : []
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        "--conditions=source",
        ...heap,
        path.join(import.meta.dirname, "worker.ts"),
        engine,
        task,
        JSON.stringify(files),
        out,
        String(o.runs),
        String(o.slowS * 1000)
      ],
      { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, POLARS_MAX_THREADS: process.env["POLARS_MAX_THREADS"] ?? "2" } }
    )
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, o.timeoutS * 1000)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      let r: WorkerResult
      try {
        r = JSON.parse(readFileSync(out, "utf8")) as WorkerResult
      } catch {
        r = { engine, version: "", task, questions: [], done: false }
      }
      if (!r.done) {
        const why = timedOut ? `timed out after ${o.timeoutS} s` : `worker exited (${signal ?? `code ${code}`})`
        log(`${engine} ${task}: ${why}`)
        r.exitReason = why
        if (r.loadMs === undefined && r.loadError === undefined) r.loadError = why
        const last = r.questions.at(-1)
        if (last !== undefined && last.error === undefined && last.rows === undefined) last.error = why
        // Questions never started stay absent; the report shows them with `exitReason`.
      }
      resolve(r)
    })
  })

const runSize = async (n: number, o: Options): Promise<void> => {
  const t0 = performance.now()
  const loadAvg: Array<number> = [os.loadavg()[0]!]
  const size = Number(prettySci(n)) === n ? prettySci(n) : String(n)
  log(`N = ${size}: data in ${dataDir(benchDir)}`)
  const g = o.tasks.includes("groupby") ? await groupbyData(benchDir, n, log) : undefined
  const j = o.tasks.includes("join") ? await joinData(benchDir, n, log) : undefined
  const resultsDir = path.join(benchDir, "data", "dbbench", "results")
  mkdirSync(resultsDir, { recursive: true })
  const results: Array<WorkerResult> = []
  for (const task of o.tasks) {
    const files: Files = task === "groupby" ? { x: g!.x } : { x: j!.x, small: j!.small, medium: j!.medium, big: j!.big }
    for (const engine of o.engines) {
      if (engine === "arquero" && n > ARQUERO_MAX_N && !o.explicitEngines) {
        const skipped = `skipped above N = ${prettySci(ARQUERO_MAX_N)} (minutes per question); name it in --engines to run it`
        log(`arquero ${task}: ${skipped}`)
        results.push({ engine, version: "", task, questions: [], done: true, skipped })
        continue
      }
      loadAvg.push(os.loadavg()[0]!)
      log(`${engine} ${task} N = ${size} … (load average ${loadAvg.at(-1)!.toFixed(2)})`)
      const out = path.join(resultsDir, `${size}-${task}-${engine}.json`)
      results.push(await runWorker(engine, task, files, out, o))
    }
  }
  const data = [
    ...(g !== undefined ? [`${g.name} (${n.toLocaleString("en-US")} rows)`] : []),
    ...(j !== undefined ? [`${path.basename(j.x, ".parquet")} + small/medium/big (${path.basename(j.small, ".parquet")}, ${path.basename(j.medium, ".parquet")}, ${path.basename(j.big, ".parquet")})`] : [])
  ]
  const meta = {
    n,
    size,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: machine(),
    node: process.version,
    polaroid: polaroidRevision(),
    data,
    runs: o.runs,
    wallSeconds: (performance.now() - t0) / 1000,
    loadAvg
  }
  const section = renderRun(meta, o.engines, o.tasks, results)
  console.log(`\n${section}\n`)
  if (o.write) {
    const existing = existsSync(o.out) ? readFileSync(o.out, "utf8") : ""
    writeFileSync(o.out, merge(existing, n, size, section))
    log(`wrote ${path.relative(process.cwd(), o.out)} (section N = ${size})`)
  }
}

export const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  const o = parseArgs(argv)
  for (const n of o.sizes) await runSize(n, o)
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) await main(process.argv.slice(2))
