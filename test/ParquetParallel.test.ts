/**
 * Parallel row-group decoding (worker threads): the frame must equal the single-thread path's, cell for cell, on
 * real files; workers must be gone after failures and interruptions; errors stay typed SourceErrors.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import * as fsSync from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { isDeepStrictEqual } from "node:util"
import { afterAll } from "vitest"
import * as DT from "../src/Frame/DataType.ts"
import * as C from "../src/internal/column.ts"
import * as F from "../src/internal/frame.ts"
import type { Frame } from "../src/internal/frame.ts"
import { readFooter } from "../src/internal/parquet/meta.ts"
import * as P from "../src/internal/parquet/parallel.ts"
import { decode } from "../src/internal/parquet/read.ts"
import * as Parquet from "../src/Source/Parquet.ts"

const HERE = path.dirname(fileURLToPath(import.meta.url))
const DATA = path.resolve(HERE, "../../shared/data")
const PQ = path.join(DATA, "parquet")
const hasData = fsSync.existsSync(PQ)
if (!hasData) {
  if (process.env.CI) throw new Error(`shared test data missing at ${DATA} (required in CI)`)
  console.warn(`[ParquetParallel.test] skipping corpus tests: ${DATA} is absent`)
}
const FLIGHTS = path.join(PQ, "vega-datasets/flights-3m.parquet")

afterAll(() => P.shutdownIdle())

const walk = (d: string): Array<string> =>
  fsSync.existsSync(d)
    ? fsSync.readdirSync(d).flatMap((f) => {
        const p = path.join(d, f)
        return fsSync.statSync(p).isDirectory() ? walk(p) : p.endsWith(".parquet") ? [p] : []
      })
    : []

/** Files with two or more row groups (the parallel path needs them), readable by the single-thread path. */
const multiGroup = walk(PQ).filter((f) => {
  try {
    return readFooter(new Uint8Array(fsSync.readFileSync(f))).raw.row_groups.length > 1
  } catch {
    return false
  }
})

/** Number of cells (plus schema/height differences) where two frames differ. */
const differences = (a: Frame, b: Frame): number => {
  if (a.height !== b.height || a.schema.length !== b.schema.length) return Number.POSITIVE_INFINITY
  let bad = 0
  a.schema.forEach((f, j) => {
    if (f.name !== b.schema[j]!.name || !DT.equals(f.dtype, b.schema[j]!.dtype)) bad++
  })
  const ca = F.contiguous(a)
  const cb = F.contiguous(b)
  for (let j = 0; j < ca.length; j++)
    for (let i = 0; i < a.height; i++) {
      const x = C.getValue(ca[j]!, i)
      const y = C.getValue(cb[j]!, i)
      if (x !== y && !isDeepStrictEqual(x, y)) bad++
    }
  return bad
}

const run = <A, E>(e: Effect.Effect<A, E, never>) => Effect.runPromise(e)
const read = (file: string, options: Parquet.ReadParquetOptions) =>
  Parquet.readParquet(file, options).pipe(Effect.provide(NodeServices.layer))

describe("plan", () => {
  it("cuts the row groups into contiguous tasks that cover each group once, in order", () => {
    if (!hasData) return
    const footer = readFooter(new Uint8Array(fsSync.readFileSync(FLIGHTS)))
    const groups = footer.raw.row_groups.map((_, i) => i)
    for (const threads of [2, 3, 8]) {
      const p = P.plan(footer, groups, new Set(footer.nodes.map((n) => n.name)), threads, 128 * 2 ** 20)
      expect(p.tasks.flat()).toEqual(groups)
      expect(p.tasks.length).toBeGreaterThan(1)
      expect(p.tasks.length).toBeLessThanOrEqual(Math.min(groups.length, 2 * threads))
      p.tasks.forEach((t, k) => {
        expect(p.batchSizes[k]).toBe(Math.max(...t.map((g) => Number(footer.raw.row_groups[g]!.num_rows))))
      })
    }
    // A byte budget below one row group gives one task per group.
    const tiny = P.plan(footer, groups, new Set(["delay"]), 2, 1)
    expect(tiny.tasks).toEqual(groups.map((g) => [g]))
  })
})

describe.skipIf(!hasData)("threads 2 gives the same frame as threads 1", () => {
  it("finds the corpus files with several row groups", () => {
    expect(multiGroup.length).toBeGreaterThanOrEqual(5)
    expect(multiGroup).toContain(FLIGHTS)
  })

  it.each(multiGroup.filter((f) => f !== FLIGHTS).map((f) => [path.relative(PQ, f), f] as const))(
    "%s (all columns, forced parallel)",
    async (_name, file) => {
      const bytes = new Uint8Array(fsSync.readFileSync(file))
      const one = await decode(bytes, { threads: 1 }).then(
        (d) => ({ ok: true as const, frame: d.frame, decoder: d.decoder }),
        (e: unknown) => ({ ok: false as const, message: e instanceof Error ? e.message : String(e) })
      )
      const pool = P.makePool(2)
      const two = await decode(bytes, { threads: 2 }, { pool, minParallelBytes: 0 }).then(
        (d) => ({ ok: true as const, frame: d.frame, decoder: d.decoder }),
        (e: unknown) => ({ ok: false as const, message: e instanceof Error ? e.message : String(e) })
      )
      await pool.abort()
      expect(pool.live()).toBe(0)
      expect(two.ok).toBe(one.ok)
      if (one.ok && two.ok) {
        expect(two.decoder).toBe(one.decoder)
        expect(differences(one.frame, two.frame)).toBe(0)
      } else if (!one.ok && !two.ok) expect(two.message).toBe(one.message)
    }
  )

  it("flights-3m through Source.readParquet (13.5 MB, 11 row groups: the real parallel path)", async () => {
    const one = await run(read(FLIGHTS, { threads: 1 }))
    const two = await run(read(FLIGHTS, { threads: 2 }))
    expect(two.height).toBe(3_000_000)
    expect(differences(one, two)).toBe(0)
    // workers went back to the idle set, none left busy
    expect(P.liveWorkers()).toBe(P.idleWorkers())
    expect(P.idleWorkers()).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it("flights-3m with projection and row groups, 3 threads", async () => {
    const opts = { columns: ["origin", "delay"], rowGroups: [9, 1, 4, 5, 2] }
    const one = await run(read(FLIGHTS, { ...opts, threads: 1 }))
    const three = await run(read(FLIGHTS, { ...opts, threads: 3 }))
    expect(three.schema.map((f) => f.name)).toEqual(["origin", "delay"])
    expect(differences(one, three)).toBe(0)
  }, 60_000)
})

describe.skipIf(!hasData)("worker lifetime and errors", () => {
  it("a corrupt file gives the same SourceError with threads 2, and no worker stays alive", async () => {
    const bytes = new Uint8Array(fsSync.readFileSync(FLIGHTS))
    // Damage the pages of every row group but keep the footer intact.
    const footer = readFooter(bytes)
    const bad = bytes.slice()
    for (const rg of footer.raw.row_groups)
      for (const c of rg.columns) {
        const start = Number(c.meta_data!.data_page_offset)
        bad.fill(0xff, start, start + 64)
      }
    const dir = fsSync.mkdtempSync(path.join(os.tmpdir(), "pq-par-"))
    const file = path.join(dir, "bad.parquet")
    fsSync.writeFileSync(file, bad)
    try {
      const e1 = await run(Effect.flip(read(file, { threads: 1 })))
      const e2 = await run(Effect.flip(read(file, { threads: 2 })))
      assert.strictEqual(e2._tag, "SourceError")
      assert.strictEqual(e1._tag, "SourceError")
      expect(e2.message).toBe(e1.message)
      await new Promise((r) => setTimeout(r, 50))
      expect(P.liveWorkers()).toBe(P.idleWorkers())
    } finally {
      fsSync.rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it("interrupting a read terminates its workers", async () => {
    await P.shutdownIdle()
    const fiber = Effect.runFork(read(FLIGHTS, { threads: 2 }))
    // interrupt once the workers of this read exist
    const t0 = Date.now()
    while (P.liveWorkers() === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setImmediate(r))
    expect(P.liveWorkers()).toBeGreaterThan(0)
    const exit = await run(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
    await new Promise((r) => setTimeout(r, 100))
    if (Exit.isSuccess(exit)) {
      // the read won the race: its workers went back to the idle set
      expect(P.liveWorkers()).toBe(P.idleWorkers())
    } else {
      expect(Exit.hasInterrupts(exit)).toBe(true)
      expect(P.idleWorkers()).toBe(0)
      expect(P.liveWorkers()).toBe(0)
    }
  }, 60_000)

  it("threads must be a positive integer (SourceError)", async () => {
    for (const threads of [0, 1.5, -2]) {
      const e = await run(Effect.flip(read(FLIGHTS, { threads })))
      assert.strictEqual(e._tag, "SourceError")
      if (e._tag === "SourceError") expect(e.message).toMatch(/threads must be a positive integer/)
    }
  })
})
