/**
 * Shared bits of the read benchmarks (parquet-read.ts, csv-read.ts): timing, machine and version info, and merging
 * one `## …` section into bench/RESULTS.md after the `<!-- other-suites -->` marker of the db-benchmark report,
 * between `<!-- NAME:begin -->` / `<!-- NAME:end -->` comments, so a new run replaces only its own section and
 * everything else (db-benchmark sections, other suites, hand-written notes) stays as it is.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { Worker } from "node:worker_threads"
import { EXTRA } from "./dbbench/report.ts"

export const RESULTS = path.join(import.meta.dirname, "RESULTS.md")

/** `existing` with the section `name` replaced (in place) or added right after the other-suites marker. */
export const mergeSection = (existing: string, name: string, body: string, after?: string): string => {
  const begin = `<!-- ${name}:begin -->`
  const end = `<!-- ${name}:end -->`
  const block = `${begin}\n${body.trim()}\n${end}`
  const i = existing.indexOf(begin)
  const j = existing.indexOf(end)
  if (i >= 0 && j > i) return existing.slice(0, i) + block + existing.slice(j + end.length)
  const prev = after === undefined ? -1 : existing.indexOf(`<!-- ${after}:end -->`)
  const m = prev >= 0 ? prev : existing.indexOf(EXTRA)
  if (m < 0) return `${existing.trimEnd()}\n\n${EXTRA}\n\n${block}\n`
  const at = prev >= 0 ? prev + `<!-- ${after}:end -->`.length : m + EXTRA.length
  return `${existing.slice(0, at)}\n\n${block}\n${existing.slice(at).replace(/^\n*/, "\n")}`
}

export const writeSection = (name: string, body: string, after?: string): void => {
  const existing = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : ""
  writeFileSync(RESULTS, mergeSection(existing, name, body, after))
  console.log(`wrote the "${name}" section of ${path.relative(process.cwd(), RESULTS)}`)
}

/** The 1, 5 and 15 minute load averages. */
export const loadAvg = (): string => {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(", ")
  } catch {
    return os.loadavg().map((x) => x.toFixed(2)).join(", ")
  }
}

/**
 * How many cores this process can actually use right now: `n` threads spin for `ms` each, and the result is the
 * CPU time they got per second of wall time (2.0 on an idle 2-core machine; less when other jobs compete).
 */
export const effectiveCores = async (n = os.availableParallelism(), ms = 400): Promise<number> => {
  const code = `const t = Date.now(); while (Date.now() - t < ${ms}); require("node:worker_threads").parentPort.postMessage(0)`
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const w = new Worker(code, { eval: true })
          w.once("message", () => {
            void w.terminate().then(() => resolve())
          })
          w.once("error", () => resolve())
        })
    )
  )
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / 1000 / (performance.now() - t0)
}

export const machine = (): string => {
  const cpus = os.cpus()
  return `${os.availableParallelism()} CPUs (${cpus[0]?.model.trim() ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`
}

const require = createRequire(import.meta.url)
export const version = (pkg: string): string => {
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`))
    return (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version
  } catch {
    // packages whose exports hide package.json
    try {
      const p = path.join(import.meta.dirname, "..", "node_modules", pkg, "package.json")
      return (JSON.parse(readFileSync(p, "utf8")) as { version: string }).version
    } catch {
      return "?"
    }
  }
}

export interface Timing {
  readonly ms: number
  readonly rows: number
  /** Process CPU time (all threads) of the best run, ms. */
  readonly cpuMs: number
  readonly error?: string
}

/** Best of `reps` wall times after `warmup` untimed runs; `f` returns the row count it produced. */
export const time = async (f: () => Promise<number>, reps: number, warmup = 1): Promise<Timing> => {
  try {
    for (let k = 0; k < warmup; k++) await f()
    let best = Number.POSITIVE_INFINITY
    let cpu = 0
    let rows = 0
    for (let r = 0; r < reps; r++) {
      ;(globalThis as { gc?: () => void }).gc?.()
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      rows = await f()
      const ms = performance.now() - t0
      const c = process.cpuUsage(c0)
      if (ms < best) {
        best = ms
        cpu = (c.user + c.system) / 1000
      }
    }
    return { ms: best, rows, cpuMs: cpu }
  } catch (e) {
    return { ms: Number.NaN, rows: 0, cpuMs: Number.NaN, error: e instanceof Error ? e.message : String(e) }
  }
}

export const fmtRate = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : `${(x / 1e3).toFixed(0)}k`)

/**
 * Best of `reps` wall times per engine, the engines interleaved (rep 1 of every engine, then rep 2, …) after one
 * warm-up run each, so that a burst of load from other jobs hits every engine alike rather than one of them.
 */
export const timeInterleaved = async (
  engines: ReadonlyArray<readonly [string, () => Promise<number>]>,
  reps: number
): Promise<Array<readonly [string, Timing]>> => {
  const best = engines.map(() => ({ ms: Number.POSITIVE_INFINITY, rows: 0, cpuMs: Number.NaN }) as Timing)
  const errors: Array<string | undefined> = engines.map(() => undefined)
  const once = async (k: number, timed: boolean) => {
    if (errors[k] !== undefined) return
    try {
      ;(globalThis as { gc?: () => void }).gc?.()
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      const rows = await engines[k]![1]()
      const ms = performance.now() - t0
      const c = process.cpuUsage(c0)
      if (timed && ms < best[k]!.ms) best[k] = { ms, rows, cpuMs: (c.user + c.system) / 1000 }
    } catch (e) {
      errors[k] = e instanceof Error ? e.message : String(e)
    }
  }
  for (let k = 0; k < engines.length; k++) await once(k, false)
  for (let r = 0; r < reps; r++) for (let k = 0; k < engines.length; k++) await once(k, true)
  return engines.map(([name], k) => {
    const e = errors[k]
    return [name, e === undefined ? best[k]! : { ms: Number.NaN, rows: 0, cpuMs: Number.NaN, error: e }] as const
  })
}
