/**
 * The parquet-wasm decoder/encoder (Apache arrow-rs compiled to WebAssembly), loaded lazily on first use.
 *
 * The instance is replaced after a WebAssembly trap (`WebAssembly.RuntimeError`: an out-of-memory abort or a
 * Rust panic leaves the instance unusable), so one bad file cannot break later reads.
 * @internal
 */
import type * as A from "apache-arrow"
import { arrow } from "../arrowLib.ts"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { rangeBlob } from "./blob.ts"

export type ParquetWasm = typeof import("parquet-wasm/esm")

/** The part of the WebAssembly global we use (the project's `lib` has no DOM types). */
interface WasmGlobal {
  readonly Module: new (bytes: Uint8Array) => object
  readonly RuntimeError: new (message?: string) => Error
}
const WebAssemblyApi = (globalThis as unknown as { readonly WebAssembly: WasmGlobal }).WebAssembly

/** A WebAssembly trap (unreachable, out of bounds, stack overflow): the instance cannot be trusted afterwards. */
export const isTrap = (e: unknown): boolean => e instanceof WebAssemblyApi.RuntimeError

let compiled: object | undefined
let current: Promise<ParquetWasm> | undefined
let generation = 0

const load = async (): Promise<ParquetWasm> => {
  compiled ??= new WebAssemblyApi.Module(
    readFileSync(fileURLToPath(import.meta.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm")))
  )
  const base = import.meta.resolve("parquet-wasm/esm/parquet_wasm.js")
  // A fresh module record (new URL) gives a fresh wasm instance after a trap.
  const m = (await import(generation === 0 ? base : `${base}?instance=${generation}`)) as ParquetWasm
  m.initSync({ module: compiled })
  return m
}

/** The compiled WebAssembly module (after the first `instance()`), shared with the decode workers. */
export const compiledModule = (): object => {
  if (compiled === undefined) throw new Error("parquet-wasm is not loaded yet")
  return compiled
}

/** The current parquet-wasm instance (loaded on first call). */
export const instance = (): Promise<ParquetWasm> => {
  if (current === undefined) {
    const p = load()
    current = p
    p.catch(() => {
      if (current === p) current = undefined
    })
  }
  return current
}

/** Call after a failure: if it was a WebAssembly trap, the next `instance()` loads a fresh instance. */
export const discardIfTrapped = (e: unknown): void => {
  if (isTrap(e) || (e instanceof RangeError && /memory/i.test(e.message))) {
    current = undefined
    generation++
  }
}

export interface ChunkOptions {
  readonly rowGroups: ReadonlyArray<number>
  /** Dotted column paths (top-level names select whole nested columns); undefined reads all columns. */
  readonly columns: ReadonlyArray<string> | undefined
  readonly batchSize: number
}

/** Decodes the given row groups of an in-memory file (all columns) into an Arrow table. */
export const readWhole = (pw: ParquetWasm, bytes: Uint8Array, o: ChunkOptions): A.Table => {
  const t = pw.readParquet(bytes, { rowGroups: [...o.rowGroups], batchSize: o.batchSize })
  return arrow().tableFromIPC(t.intoIPCStream())
}

/** An open file for the async reader (projection and per-row-group reads without copying the file into wasm). */
export interface OpenFile {
  readonly read: (o: ChunkOptions) => Promise<A.Table>
  readonly close: () => void
}

/**
 * A Blob-shaped view of in-memory bytes for `ParquetFile.fromFile`, which only calls `size` and
 * `slice(start, end).arrayBuffer()`: each ranged read copies just that range (a real `new Blob([bytes])` would
 * copy the whole file first, ~100 ms per 100 MB).
 */
/** A copy in fresh (unshared, unpooled) memory; `Buffer#slice` would return a view. */
const copy = (v: Uint8Array): Uint8Array<ArrayBuffer> => {
  const c = new Uint8Array(v.byteLength)
  c.set(v)
  return c
}

export const bytesBlob = (bytes: Uint8Array): Blob => rangeBlob(bytes.byteLength, async (s, e) => copy(bytes.subarray(s, e)).buffer)

export const open = async (pw: ParquetWasm, bytes: Uint8Array): Promise<OpenFile> => {
  const file = await pw.ParquetFile.fromFile(bytesBlob(bytes))
  let closed = false
  return {
    read: async (o) => {
      const opts: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> } = {
        rowGroups: [...o.rowGroups],
        batchSize: o.batchSize
      }
      if (o.columns !== undefined) opts.columns = [...o.columns]
      const t = await file.read(opts)
      return arrow().tableFromIPC(t.intoIPCStream())
    },
    close: () => {
      if (!closed) {
        closed = true
        try {
          file.free()
        } catch {
          // already freed by a trap: nothing to release
        }
      }
    }
  }
}
