/**
 * Row-group decoding for the streaming Parquet scan on a worker thread, so decoding (parquet-wasm) runs on another
 * core while the calling thread filters, aggregates and writes the previous row groups — the pipeline parallelism
 * of DuckDB's and Polars' streaming scans, with one decode thread.
 *
 * A `Decoder` belongs to one scan stream (created in its scope, terminated when the stream ends, fails or is
 * interrupted). `request(path, g, …)` posts a decode of row group `g` and returns the promise of its Arrow IPC
 * stream (transferred, no copy), or undefined when the worker failed (the caller then decodes in-thread, with the
 * same result). The scan requests a few row groups ahead of the one it consumes (`AHEAD`), so the worker is never
 * idle and at most `AHEAD + 1` decoded row groups wait. Files below {@link MIN_WORKER_BYTES} are decoded in-thread
 * (a worker's start-up costs more than it saves there).
 * @internal
 */
import { setFlagsFromString } from "node:v8"
import { Worker } from "node:worker_threads"
import * as W from "../../parquet/wasm.ts"
import type { Partial } from "./directAgg.ts"
import type { AggTask } from "./partialAgg.ts"

/** Files below this many bytes are decoded on the calling thread. */
export const MIN_WORKER_BYTES = 8 * 1024 * 1024

/** Row groups requested ahead of the one being consumed. */
export const AHEAD = 3

/** Decode threads per scan: two keep both cores of a small machine decoding while the calling thread aggregates. */
export const WORKERS = 2

/** The module a worker loads to aggregate row groups (`partialAgg.ts`, or its build output). */
const aggModuleUrl = (): string => new URL(import.meta.url.endsWith(".ts") ? "./partialAgg.ts" : "./partialAgg.js", import.meta.url).href

const workerUrl = (): URL =>
  new URL(import.meta.url.endsWith(".ts") ? "../../parquet/worker.ts" : "../../parquet/worker.js", import.meta.url)

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
  readonly terminate: () => void
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
  readonly terminate: () => void
}

/**
 * V8's initial old-generation size for the decode workers (MiB). With the default (a few MiB above the live heap),
 * the buffers a row group allocates (its column chunks and Arrow data, a few MiB, outside the heap) start a full
 * collection every row group or two, which took half of a worker's time; with this, one every few dozen.
 */
const WORKER_INITIAL_OLD_SPACE_MB = 256

let flagged = false

const startWorker = (): One => {
  if (!flagged) {
    // read when a worker's isolate is created; it does not change existing isolates (the calling thread's)
    flagged = true
    try {
      setFlagsFromString(`--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`)
    } catch {
      // an engine without the flag: the workers run with the default
    }
  }
  const w = new Worker(workerUrl(), {
    workerData: { wasmUrl: import.meta.resolve("parquet-wasm/esm/parquet_wasm.js"), module: W.compiledModule() }
  })
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
    terminate: () => {
      failAll()
      void w.terminate()
    }
  }
}

/**
 * A decoder on `threads` fresh worker threads (row groups go to them in turn), or undefined when none can start
 * (the scan then decodes in-thread).
 */
export const make = async (threads: number = WORKERS): Promise<Decoder | undefined> => {
  try {
    await W.instance() // compiles the module once in this thread; the workers only instantiate it
    const ws = Array.from({ length: Math.max(1, threads) }, startWorker)
    let turn = 0
    return {
      request: async (path, rowGroup, batchSize, columns, dictionary, agg) => {
        const live = ws.filter((w) => !w.dead())
        if (live.length === 0) return undefined
        const a = agg === undefined ? undefined : { module: aggModuleUrl(), numRows: agg.numRows, base: agg.base, task: agg.task }
        const r = await live[turn++ % live.length]!.post({ path, rowGroup, batchSize, columns, dictionary, agg: a })
        return r === undefined ? undefined : r.rows !== undefined ? { aggregated: r.rows } : r.ipc
      },
      flush: async (id) => {
        const rs = await Promise.all(ws.map((w) => w.post({ flush: id, module: aggModuleUrl() })))
        return rs.some((r) => r === undefined || r.lost === true) ? undefined : rs.map((r) => r!.partial)
      },
      closeFile: (path) => {
        for (const w of ws) w.send({ close: path })
      },
      terminate: () => {
        for (const w of ws) w.terminate()
      }
    }
  } catch {
    return undefined
  }
}
