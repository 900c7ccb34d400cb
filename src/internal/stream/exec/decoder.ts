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
import { Worker } from "node:worker_threads"
import * as W from "../../parquet/wasm.ts"

/** Files below this many bytes are decoded on the calling thread. */
export const MIN_WORKER_BYTES = 8 * 1024 * 1024

/** Row groups requested ahead of the one being consumed. */
export const AHEAD = 2

const workerUrl = (): URL =>
  new URL(import.meta.url.endsWith(".ts") ? "../../parquet/worker.ts" : "../../parquet/worker.js", import.meta.url)

export interface Decoder {
  readonly request: (path: string, rowGroup: number, batchSize: number, columns: ReadonlyArray<string> | undefined) => Promise<Uint8Array | undefined>
  readonly closeFile: (path: string) => void
  readonly terminate: () => void
}

/** A decoder on a fresh worker thread, or undefined when none can start (the scan then decodes in-thread). */
export const make = async (): Promise<Decoder | undefined> => {
  try {
    await W.instance() // compiles the module once in this thread; the worker only instantiates it
    const w = new Worker(workerUrl(), {
      workerData: { wasmUrl: import.meta.resolve("parquet-wasm/esm/parquet_wasm.js"), module: W.compiledModule() }
    })
    w.unref()
    const pending = new Map<number, (ipc: Uint8Array | undefined) => void>()
    let next = 0
    let dead = false
    const failAll = () => {
      dead = true
      for (const r of pending.values()) r(undefined)
      pending.clear()
    }
    w.on("message", (m: { id: number; ipc: Uint8Array | undefined }) => {
      const r = pending.get(m.id)
      pending.delete(m.id)
      r?.(m.ipc)
    })
    w.on("error", failAll)
    w.on("exit", failAll)
    return {
      request: (path, rowGroup, batchSize, columns) =>
        dead
          ? Promise.resolve(undefined)
          : new Promise((resolve) => {
              const id = next++
              pending.set(id, resolve)
              w.postMessage({ id, path, rowGroup, batchSize, columns })
            }),
      closeFile: (path) => {
        if (!dead) w.postMessage({ close: path })
      },
      terminate: () => {
        failAll()
        void w.terminate()
      }
    }
  } catch {
    return undefined
  }
}
