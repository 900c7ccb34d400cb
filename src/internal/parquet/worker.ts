/**
 * Worker-thread script of the Parquet decoders: the parallel whole-file decoder (`parallel.ts`) and the streaming
 * scan's row-group decoder (`stream/exec/decoder.ts`). Runs from source (Node type stripping: erasable syntax only,
 * no relative imports) and from `dist/` as plain JavaScript.
 *
 * `workerData` carries the URL of parquet-wasm's ESM glue and the compiled `WebAssembly.Module` (compiled once in
 * the main thread, so a worker only instantiates it). Each message is a job: the file bytes in a
 * SharedArrayBuffer, the row-group tasks, and a shared counter. The worker claims task indexes with `Atomics.add`
 * (the main thread claims from the same counter), decodes each claimed task with parquet-wasm and posts the Arrow
 * IPC stream back, transferring its ArrayBuffer (no copy). On a failure it stops claiming and posts the error
 * text; the main thread then decodes the tasks that came back missing itself.
 *
 * The streaming scan sends requests instead: one row group of a file by path. The worker opens the file as a
 * file-backed Blob (ranged reads: only that row group's column chunks are read), keeps the readers of the last few
 * files, and posts `{ id, ipc }` back (transferred), or `ipc: undefined` on a failure, after which the main thread
 * decodes that row group itself. `{ close: path }` frees a file's reader. Requests are handled in arrival order.
 * @internal
 */
import { openAsBlob } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"

interface Init {
  readonly wasmUrl: string
  readonly module: object
}

interface Job {
  readonly bytes: SharedArrayBuffer
  readonly offset: number
  readonly length: number
  readonly counter: SharedArrayBuffer
  readonly tasks: ReadonlyArray<ReadonlyArray<number>>
  /** Projected top-level columns; undefined → all columns. */
  readonly columns: ReadonlyArray<string> | undefined
  /** true → the synchronous whole-file reader (`readParquet`), else the async `ParquetFile` reader. */
  readonly whole: boolean
  readonly batchSizes: ReadonlyArray<number>
}

/** The streaming scan's request: one row group of a file. */
interface Request {
  readonly id: number
  readonly path: string
  readonly rowGroup: number
  readonly batchSize: number
  readonly columns: ReadonlyArray<string> | undefined
}

interface Table {
  readonly intoIPCStream: () => Uint8Array
}
interface ReaderFile {
  readonly read: (o: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> }) => Promise<Table>
  readonly free: () => void
}
interface Glue {
  readonly initSync: (o: { module: object }) => unknown
  readonly readParquet: (bytes: Uint8Array, o: { rowGroups: Array<number>; batchSize: number }) => Table
  readonly ParquetFile: { readonly fromFile: (blob: Blob) => Promise<ReaderFile> }
}

const RuntimeError = (globalThis as unknown as { readonly WebAssembly: { readonly RuntimeError: new () => Error } })
  .WebAssembly.RuntimeError

const port = parentPort
if (port === null) throw new Error("parquet decode worker started outside a worker thread")
const init = workerData as Init
const pw = (await import(init.wasmUrl)) as Glue
pw.initSync({ module: init.module })

/** A copy in fresh (unshared, unpooled) memory; `Buffer#slice` would return a view. */
const copy = (v: Uint8Array): Uint8Array<ArrayBuffer> => {
  const c = new Uint8Array(v.byteLength)
  c.set(v)
  return c
}

/** Blob-shaped view of the shared bytes (as `bytesBlob` in wasm.ts): ranged reads copy only their range. */
const blobOf = (bytes: Uint8Array): Blob => {
  const view = (s: number | undefined, e: number | undefined) => {
    const v = bytes.subarray(s ?? 0, e ?? bytes.byteLength)
    return { size: v.byteLength, type: "", arrayBuffer: async () => copy(v).buffer, bytes: async () => copy(v) }
  }
  return { ...view(0, bytes.byteLength), slice: (s?: number, e?: number) => view(s, e) } as unknown as Blob
}

const own = (u: Uint8Array): Uint8Array =>
  u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && !(u.buffer instanceof SharedArrayBuffer) ? u : u.slice()

const runJob = async (job: Job): Promise<void> => {
  const counter = new Int32Array(job.counter)
  const bytes = new Uint8Array(job.bytes, job.offset, job.length)
  let file: ReaderFile | undefined
  try {
    for (;;) {
      const i = Atomics.add(counter, 0, 1)
      if (i >= job.tasks.length) break
      const rowGroups = [...job.tasks[i]!]
      const batchSize = job.batchSizes[i]!
      let table: Table
      if (job.whole) table = pw.readParquet(bytes, { rowGroups, batchSize })
      else {
        file ??= await pw.ParquetFile.fromFile(blobOf(bytes))
        const o: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> } = { rowGroups, batchSize }
        if (job.columns !== undefined) o.columns = [...job.columns]
        table = await file.read(o)
      }
      const ipc = own(table.intoIPCStream())
      port.postMessage({ type: "result", task: i, ipc }, [ipc.buffer as ArrayBuffer])
    }
    port.postMessage({ type: "done" })
  } catch (e) {
    // Stop claiming: the main thread decodes whatever did not come back.
    port.postMessage({
      type: "error",
      message: e instanceof Error ? e.message : String(e),
      trap: e instanceof RuntimeError
    })
  } finally {
    try {
      file?.free()
    } catch {
      // freed already (after a trap)
    }
  }
}

/** The streaming scan's open readers, by path (at most a few: several scans may share the worker). */
const files = new Map<string, Promise<ReaderFile>>()

const free = (path: string): void => {
  const f = files.get(path)
  files.delete(path)
  f?.then(
    (r) => {
      try {
        r.free()
      } catch {
        // freed already (after a trap)
      }
    },
    () => undefined
  )
}

const runRequest = async (m: Request): Promise<void> => {
  try {
    let f = files.get(m.path)
    if (f === undefined) {
      f = openAsBlob(m.path).then((b) => pw.ParquetFile.fromFile(b))
      files.set(m.path, f)
      if (files.size > 4) free(files.keys().next().value!)
    }
    const o: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> } = {
      rowGroups: [m.rowGroup],
      batchSize: m.batchSize
    }
    if (m.columns !== undefined) o.columns = [...m.columns]
    const ipc = own((await (await f).read(o)).intoIPCStream())
    port.postMessage({ id: m.id, ipc }, [ipc.buffer as ArrayBuffer])
  } catch {
    free(m.path)
    port.postMessage({ id: m.id, ipc: undefined })
  }
}

// Streaming requests run one at a time, in arrival order (the scan asks in the order it consumes).
let chain: Promise<void> = Promise.resolve()

port.on("message", (m: Job | Request | { readonly close: string }) => {
  if ("tasks" in m) {
    void runJob(m)
    return
  }
  chain = chain.then(() => ("close" in m ? free(m.close) : runRequest(m)))
})
