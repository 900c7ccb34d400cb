/**
 * Row-group decoding for the streaming Parquet scan on worker threads (`WORKERS`, two: both cores of a small
 * machine decode), so decoding (parquet-wasm) runs beside the calling thread, which filters, aggregates and writes —
 * the pipeline parallelism of DuckDB's and Polars' streaming scans. Row groups go to the workers in turn.
 *
 * A `Decoder` belongs to one scan stream (created in its scope, terminated when the stream ends, fails or is
 * interrupted). `request(path, g, …)` posts a decode of row group `g` and returns the promise of its Arrow IPC
 * stream (transferred, no copy), or undefined when the worker failed (the caller then decodes in-thread, with the
 * same result). The scan requests a few row groups ahead of the one it consumes (`AHEAD`), so the workers are never
 * idle and at most `AHEAD + 1` decoded row groups wait. Files below {@link MIN_WORKER_BYTES} are decoded in-thread
 * (a worker's start-up costs more than it saves there).
 *
 * Under a fused `filter → groupBy` of the direct shape, a request also carries an aggregation task
 * (`partialAgg.ts`): the worker filters and groups the row group itself into its own table for the scan and
 * answers `{ aggregated: rows }`; `flush(task)` at the end of the scan collects every worker's table.
 * @internal
 */
import { availableParallelism } from "node:os"
import { ownModule } from "../../ownModule.ts"
import * as Hint from "../../parquet/hint.ts"
import { spawnWorker } from "../../parquet/spawn.ts"
import * as W from "../../parquet/wasm.ts"
import type { Partial } from "./directAgg.ts"
import type { AggTask } from "./partialAgg.ts"

/** Files below this many bytes are decoded on the calling thread. */
export const MIN_WORKER_BYTES = 8 * 1024 * 1024

/** Row groups requested ahead of the one being consumed. */
export const AHEAD = 3

/**
 * Row groups requested ahead when the workers aggregate them (their answer is a row count, so nothing waits in
 * memory): enough that a worker never waits for this thread between two row groups (with `AHEAD`, the two workers
 * of bench/streaming.ts were idle ~15 % of the time).
 */
export const AHEAD_AGGREGATED = 8

/**
 * Decode threads per scan: two (one per core of the 2-core machine bench/streaming.ts measures on; each adds its own
 * heap and wasm memory to the peak RSS), one on a single-core machine.
 */
export const WORKERS = Math.max(1, Math.min(2, availableParallelism()))

/** The module a worker loads to aggregate row groups (`partialAgg.ts`, or its build output). */
const aggModuleUrl = (): string => ownModule(import.meta.url, "./partialAgg.ts", "internal/stream/exec/partialAgg.js").href

/** What a row-group request gives: the decoded IPC stream, the row count a worker aggregated, or undefined (failed). */
export type Decoded = Uint8Array | { readonly aggregated: number } | undefined

export interface Decoder {
  /**
   * Decodes row group `rowGroup` of the file at `path` (the `columns`, all when undefined; `dictionary`: Utf8
   * columns to decode as Arrow dictionaries, see `parquet/worker.ts`). With `agg` (a task for `partialAgg.ts`,
   * the row group's row count and the input position of its first row) the worker adds the row group to its table
   * for the task and gives `{ aggregated: rows }`, or the IPC stream when it could not.
   */
  readonly request: (
    path: string,
    rowGroup: number,
    batchSize: number,
    columns: ReadonlyArray<string> | undefined,
    dictionary?: ReadonlyArray<string>,
    agg?: { readonly task: AggTask; readonly numRows: number; readonly base: number }
  ) => Promise<Decoded>
  /**
   * Every worker's table for the task `id`, after all its row groups were requested: one entry per worker (its
   * partial, undefined when it got no row group of the task), or undefined when a worker is gone (its rows lost).
   */
  readonly flush: (id: string) => Promise<ReadonlyArray<Partial | undefined> | undefined>
  readonly closeFile: (path: string) => void
  /** Stops the workers (their open files are closed with them). */
  readonly terminate: () => Promise<void>
}

interface Reply {
  readonly id: number
  readonly ipc?: Uint8Array | undefined
  readonly rows?: number
  readonly partial?: Partial | undefined
  readonly lost?: boolean
}

interface One {
  readonly post: (m: object) => Promise<Reply | undefined>
  readonly send: (m: object) => void
  readonly dead: () => boolean
  readonly terminate: () => Promise<void>
}

const startWorker = (largeHeap: boolean): One => {
  const w = spawnWorker({ preload: aggModuleUrl(), largeHeap, moduleLater: true })
  w.unref()
  const pending = new Map<number, (r: Reply | undefined) => void>()
  let next = 0
  let dead = false
  const failAll = () => {
    dead = true
    for (const r of pending.values()) r(undefined)
    pending.clear()
  }
  w.on("message", (m: Reply) => {
    const r = pending.get(m.id)
    pending.delete(m.id)
    r?.(m)
  })
  w.on("error", failAll)
  w.on("exit", failAll)
  return {
    post: (m) =>
      dead
        ? Promise.resolve(undefined)
        : new Promise((resolve) => {
            const id = next++
            pending.set(id, resolve)
            w.postMessage({ ...m, id })
          }),
    send: (m) => {
      if (!dead) w.postMessage(m)
    },
    dead: () => dead,
    terminate: async () => {
      failAll()
      await w.terminate() // Node closes the descriptors the worker left open
    }
  }
}

/**
 * A decoder on `threads` fresh worker threads (row groups go to them in turn), or undefined when none can start
 * (the scan then decodes in-thread). `aggregating`: the scan's row groups are mostly aggregated on the workers.
 */
export const make = async (threads: number = WORKERS, options?: { readonly aggregating?: boolean }): Promise<Decoder | undefined> => {
  let ws: ReadonlyArray<One> = []
  try {
    // aggregating workers read the decoded columns in place and allocate little: the default heap (`spawn.ts`)
    ws = Array.from({ length: Math.max(1, threads) }, () => startWorker(options?.aggregating !== true))
    // the module compiled once, here, while the workers start; they only instantiate it (their first message)
    await W.instance()
    for (const w of ws) w.send({ wasmModule: W.compiledModule() })
    let turn = 0
    // each file's dictionary hint (built here, once per file and columns: the workers do not load apache-arrow)
    const hints = new Map<string, { readonly columns: string; readonly hint: Promise<string | undefined> }>()
    const hintFor = (path: string, dictionary: ReadonlyArray<string> | undefined): Promise<string | undefined> | undefined => {
      if (dictionary === undefined || dictionary.length === 0) return undefined
      const columns = dictionary.join("\0")
      let h = hints.get(path)
      if (h === undefined || h.columns !== columns) {
        h = { columns, hint: Hint.forFile(path, dictionary) }
        hints.set(path, h)
      }
      return h.hint
    }
    return {
      request: async (path, rowGroup, batchSize, columns, dictionary, agg) => {
        const pending = hintFor(path, dictionary)
        const hint = pending === undefined ? undefined : await pending
        const live = ws.filter((w) => !w.dead())
        if (live.length === 0) return undefined
        const a = agg === undefined ? undefined : { module: aggModuleUrl(), numRows: agg.numRows, base: agg.base, task: agg.task }
        const r = await live[turn++ % live.length]!.post({ path, rowGroup, batchSize, columns, hint, agg: a })
        return r === undefined ? undefined : r.rows !== undefined ? { aggregated: r.rows } : r.ipc
      },
      flush: async (id) => {
        const rs = await Promise.all(ws.map((w) => w.post({ flush: id, module: aggModuleUrl() })))
        return rs.some((r) => r === undefined || r.lost === true) ? undefined : rs.map((r) => r!.partial)
      },
      closeFile: (path) => {
        hints.delete(path)
        for (const w of ws) w.send({ close: path })
      },
      terminate: async () => {
        await Promise.all(ws.map((w) => w.terminate()))
      }
    }
  } catch {
    await Promise.all(ws.map((w) => w.terminate()))
    return undefined
  }
}
