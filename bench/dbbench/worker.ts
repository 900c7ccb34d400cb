/**
 * One engine, one task, in its own process (so its peak RSS is its own):
 *
 *   node --expose-gc bench/dbbench/worker.ts <engine> <task> <files.json> <out.json> [runs] [slowMs]
 *
 * Loads the task's tables (timed as load), then for each question runs it `runs` times (GC before each run when
 * exposed; a run slower than `slowMs` is not repeated), checks the first result (rows, columns, checksum) and
 * releases every result. Rewrites `out.json` after every step, so a crash or a kill keeps what was measured.
 * A failing question is recorded as `error` and the next one runs.
 */
import { writeFileSync } from "node:fs"
import { type Files, loadEngine } from "./engine.ts"
import { byTask, type Task } from "./questions.ts"

export interface QuestionResult {
  readonly id: string
  /** Wall times of the runs, ms. */
  readonly times: Array<number>
  rows?: number
  cols?: number
  chk?: ReadonlyArray<number>
  error?: string
}

export interface WorkerResult {
  readonly engine: string
  version: string
  readonly task: Task
  loadMs?: number
  loadError?: string
  /** RSS right after loading, MB. */
  loadRssMb?: number
  /** Peak RSS of the process (getrusage maxrss), MB. */
  peakRssMb?: number
  readonly questions: Array<QuestionResult>
  done: boolean
  /** Why the worker stopped early (set by the suite: timeout, crash). */
  exitReason?: string
  /** Why the engine was not run at all (set by the suite). */
  skipped?: string
}

const errorText = (e: unknown): string => {
  if (e instanceof Error) return `${e.name === "Error" ? "" : `${e.name}: `}${e.message}`.split("\n")[0]!.slice(0, 200)
  if (typeof e === "object" && e !== null && "_tag" in e) {
    const m = (e as { message?: unknown }).message
    return `${String((e as { _tag: unknown })._tag)}${typeof m === "string" ? `: ${m}` : ""}`.split("\n")[0]!.slice(0, 200)
  }
  return String(e).slice(0, 200)
}

const main = async () => {
  const [engineName, task, filesJson, out, runsArg, slowArg] = process.argv.slice(2) as [
    string,
    Task,
    string,
    string,
    string | undefined,
    string | undefined
  ]
  const runs = Number(runsArg ?? 3)
  const slowMs = Number(slowArg ?? 20_000)
  const files = JSON.parse(filesJson) as Files
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
  const result: WorkerResult = { engine: engineName, version: "", task, questions: [], done: false }
  const save = () => {
    result.peakRssMb = process.resourceUsage().maxRSS / 1024
    writeFileSync(out, JSON.stringify(result, null, 1))
  }
  const log = (s: string) => process.stderr.write(`[${engineName} ${task}] ${s}\n`)

  const engine = await loadEngine(engineName)
  try {
    result.version = await engine.version()
  } catch (e) {
    result.version = `? (${errorText(e)})`
  }
  save()
  try {
    gc()
    const t0 = performance.now()
    await engine.load(task, files)
    result.loadMs = performance.now() - t0
    gc()
    result.loadRssMb = process.memoryUsage().rss / 1024 / 1024
    log(`loaded in ${(result.loadMs / 1000).toFixed(2)} s`)
  } catch (e) {
    result.loadError = errorText(e)
    log(`load failed: ${result.loadError}`)
    result.done = true
    save()
    return
  }
  save()
  for (const q of byTask(task)) {
    const qr: QuestionResult = { id: q.id, times: [] }
    result.questions.push(qr)
    save()
    try {
      for (let r = 0; r < runs; r++) {
        gc()
        const t0 = performance.now()
        const ans = await engine.run(q)
        const ms = performance.now() - t0
        qr.times.push(ms)
        if (r === 0) {
          const o = await engine.check(q, ans)
          qr.rows = o.rows
          qr.cols = o.cols
          qr.chk = o.chk
        }
        await engine.release(ans)
        save()
        if (ms > slowMs) break
      }
      log(`${q.id}: ${qr.times.map((t) => (t / 1000).toFixed(3)).join(" ")} s, ${qr.rows} rows`)
    } catch (e) {
      qr.error = errorText(e)
      log(`${q.id}: error: ${qr.error}`)
    }
    save()
  }
  result.done = true
  save()
}

await main()
// Native engines may keep handles open; the results are written.
process.exit(0)
