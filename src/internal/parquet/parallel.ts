/**
 * Parallel row-group decoding on `node:worker_threads`.
 *
 * Plan: the selected row groups are cut into contiguous tasks (about two per thread, balanced by uncompressed
 * bytes, none above the per-step byte budget). Every worker sees the file bytes through one SharedArrayBuffer
 * (`Source.readParquet` reads the file straight into one; other callers' bytes are copied once). Workers and the
 * main thread claim tasks from one shared `Atomics` counter, so a worker that starts late or runs on a busy core
 * simply takes fewer tasks. A worker decodes a task with parquet-wasm and transfers
 * the Arrow IPC stream back (zero-copy); the main thread decodes its own tasks in place, then puts the tables
 * in row-group order. A task that does not come back (worker failed, crashed or was terminated) is decoded by the
 * main thread, so the result (or the error) is the same as the single-thread path's.
 *
 * Pool lifetime: a read leases workers (`makePool` → `take`); when it succeeds they go back to a process-wide idle
 * set, unref'd (they never keep the process alive), and are terminated after {@link IDLE_MS} without use; when it
 * fails or is interrupted they are terminated at once (`abort`: a busy worker cannot be cancelled otherwise).
 * Keeping them warm matters: a fresh worker starts in 30–60 ms, but its first task runs 2–4× slower than later
 * ones (its WebAssembly heap still has to grow and be touched). Workers are only used for files of at least
 * {@link MIN_PARALLEL_BYTES} with two or more row groups. The WebAssembly module is compiled once per process and
 * shared with the workers, so a worker only instantiates it.
 * @internal
 */
import type * as A from "apache-arrow"
import { arrow } from "../arrowLib.ts"
import { availableParallelism } from "node:os"
import type { Worker } from "node:worker_threads"
import type { Footer } from "./meta.ts"
import { spawnWorker } from "./spawn.ts"
import * as W from "./wasm.ts"

/** Files below this many bytes are decoded on the calling thread only. */
export const MIN_PARALLEL_BYTES = 8 * 1024 * 1024

/** The default number of decoding threads (the main thread included): `os.availableParallelism()`. */
export const defaultThreads = (): number => Math.max(1, availableParallelism())

/** The worker script next to this module: `.ts` when running from source, `.js` from `dist/`. */

type Reply =
  | { readonly type: "result"; readonly task: number; readonly ipc: Uint8Array }
  | { readonly type: "error"; readonly message: string; readonly trap: boolean }
  | { readonly type: "done" }

/**
 * The decode workers of one read, leased from the process-wide idle set (or spawned). `close` hands them back
 * (they stay warm for {@link IDLE_MS}, unref'd, then are terminated); `abort` terminates them at once (used on
 * failure and interruption, when a worker may still be busy).
 */
export interface Pool {
  /** Upper bound on threads (main thread included). */
  readonly threads: number
  /** Workers leased by this pool and still alive. */
  readonly live: () => number
  readonly isClosed: () => boolean
  /** Returns the workers to the idle set (call only when no job is running). */
  readonly close: () => Promise<void>
  /** Terminates this pool's workers. */
  readonly abort: () => Promise<void>
  /** @internal */
  readonly take: (n: number) => Promise<ReadonlyArray<Worker>>
  /** @internal drops (and terminates) a worker whose wasm instance trapped */
  readonly drop: (w: Worker) => void
}

/** Idle workers are terminated after this many milliseconds without a read. */
export const IDLE_MS = 5_000

const idle: Array<Worker> = []
let alive = 0

/** Workers of this process that have not exited yet (leased or idle; tests). */
export const liveWorkers = (): number => alive
let reaper: ReturnType<typeof setTimeout> | undefined

const scheduleReap = () => {
  if (reaper !== undefined) clearTimeout(reaper)
  reaper = setTimeout(() => {
    reaper = undefined
    for (const w of idle.splice(0)) void w.terminate()
  }, IDLE_MS)
  reaper.unref()
}

/** Number of idle workers kept warm (tests). */
export const idleWorkers = (): number => idle.length

/** Terminates the idle workers now (tests, and programs that want to release the memory early). */
export const shutdownIdle = async (): Promise<void> => {
  if (reaper !== undefined) clearTimeout(reaper)
  reaper = undefined
  await Promise.all(idle.splice(0).map((w) => w.terminate()))
}

const spawn = async (): Promise<Worker> => {
  await W.instance() // compiles the module in this thread once
  const w = spawnWorker()
  alive++
  w.on("error", () => void w.terminate())
  w.once("exit", () => {
    alive--
  })
  w.on("exit", () => {
    const i = idle.indexOf(w)
    if (i >= 0) idle.splice(i, 1)
  })
  return w
}

export const makePool = (threads: number = defaultThreads()): Pool => {
  const mine: Array<Worker> = []
  const exits = new Map<Worker, () => void>()
  let closed = false
  const drop = (w: Worker) => {
    const i = mine.indexOf(w)
    if (i >= 0) mine.splice(i, 1)
    void w.terminate()
  }
  return {
    threads: Math.max(1, Math.floor(threads)),
    live: () => mine.length,
    isClosed: () => closed,
    take: async (n) => {
      while (!closed && mine.length < n) {
        const w = idle.pop() ?? (await spawn())
        if (closed) {
          void w.terminate()
          break
        }
        w.ref()
        const onExit = () => {
          const i = mine.indexOf(w)
          if (i >= 0) mine.splice(i, 1)
        }
        exits.set(w, onExit)
        w.on("exit", onExit)
        mine.push(w)
      }
      return mine.slice(0, n)
    },
    drop,
    close: async () => {
      if (closed) return
      closed = true
      for (const w of mine.splice(0)) {
        const onExit = exits.get(w)
        if (onExit !== undefined) w.off("exit", onExit)
        w.unref()
        idle.push(w)
      }
      if (idle.length > 0) scheduleReap()
    },
    abort: async () => {
      closed = true
      await Promise.all(mine.splice(0).map((w) => w.terminate()))
    }
  }
}

export interface Plan {
  readonly tasks: ReadonlyArray<ReadonlyArray<number>>
  readonly batchSizes: ReadonlyArray<number>
}

/**
 * Contiguous tasks over `groups`: about `2 × threads` of them with similar uncompressed byte counts, each at most
 * `chunkBytes` (a single larger row group stays alone).
 */
export const plan = (
  footer: Footer,
  groups: ReadonlyArray<number>,
  wanted: ReadonlySet<string>,
  threads: number,
  chunkBytes: number
): Plan => {
  const sizes = groups.map((g) => {
    let b = 0
    for (const c of footer.raw.row_groups[g]!.columns)
      if (wanted.has(c.meta_data!.path_in_schema[0]!)) b += Number(c.meta_data!.total_uncompressed_size)
    return b
  })
  const total = sizes.reduce((s, b) => s + b, 0)
  const target = Math.min(chunkBytes, Math.max(1, total / Math.min(groups.length, 2 * threads)))
  const tasks: Array<Array<number>> = []
  let cur: Array<number> = []
  let bytes = 0
  groups.forEach((g, k) => {
    const b = sizes[k]!
    if (cur.length > 0 && (bytes + b > chunkBytes || bytes + b / 2 > target)) {
      tasks.push(cur)
      cur = []
      bytes = 0
    }
    cur.push(g)
    bytes += b
  })
  if (cur.length > 0) tasks.push(cur)
  const batchSizes = tasks.map((t) => {
    let m = 1
    for (const g of t) m = Math.max(m, Number(footer.raw.row_groups[g]!.num_rows))
    return Math.min(m, 1 << 30)
  })
  return { tasks, batchSizes }
}

/** Decodes one task on the calling thread (the same calls as the single-thread path). */
export type LocalDecode = (groups: ReadonlyArray<number>, batchSize: number) => Promise<A.Table>

/**
 * Runs `p` on the pool's workers plus the calling thread; returns one Arrow table per task, in task order.
 * Throws what the calling thread's decoder throws for a task (its own, or one a worker did not deliver).
 */
export const run = async (
  pool: Pool,
  bytes: Uint8Array,
  p: Plan,
  columns: ReadonlyArray<string> | undefined,
  whole: boolean,
  local: LocalDecode
): Promise<ReadonlyArray<A.Table>> => {
  const n = p.tasks.length
  const workers = await pool.take(Math.min(pool.threads - 1, n - 1))
  const counter = new SharedArrayBuffer(4)
  const claim = new Int32Array(counter)
  const results: Array<A.Table | undefined> = new Array(n).fill(undefined)
  const ipcs: Array<Uint8Array | undefined> = new Array(n).fill(undefined)
  let finished: Promise<void> = Promise.resolve()
  if (workers.length > 0) {
    // Bytes read straight into shared memory (Source.readParquet does) are shared as they are; others are copied.
    let view = bytes
    if (!(bytes.buffer instanceof SharedArrayBuffer)) {
      view = new Uint8Array(new SharedArrayBuffer(bytes.byteLength))
      view.set(bytes)
    }
    const job = { bytes: view.buffer, offset: view.byteOffset, length: view.byteLength, counter, tasks: p.tasks, columns, whole, batchSizes: p.batchSizes }
    finished = Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const settle = () => {
              w.off("message", onMessage)
              w.off("exit", settle)
              w.off("error", settle)
              resolve()
            }
            const onMessage = (m: Reply) => {
              if (m.type === "result") ipcs[m.task] = m.ipc
              else {
                if (m.type === "error" && m.trap) pool.drop(w)
                settle()
              }
            }
            w.on("message", onMessage)
            w.once("exit", settle)
            w.once("error", settle)
            w.postMessage(job)
          })
      )
    ).then(() => undefined)
  }
  try {
    while (!pool.isClosed()) {
      const i = Atomics.add(claim, 0, 1)
      if (i >= n) break
      results[i] = await local(p.tasks[i]!, p.batchSizes[i]!)
    }
  } finally {
    // Stop the workers from claiming more; wait for what they hold.
    Atomics.store(claim, 0, n)
    await finished
  }
  if (pool.isClosed()) throw new Error("the Parquet read was interrupted")
  for (let i = 0; i < n; i++) {
    const ipc = ipcs[i]
    if (results[i] !== undefined) continue
    results[i] = ipc !== undefined ? arrow().tableFromIPC(ipc) : await local(p.tasks[i]!, p.batchSizes[i]!)
  }
  return results as ReadonlyArray<A.Table>
}
