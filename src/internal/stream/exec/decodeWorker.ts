/**
 * Worker-thread script of the streaming scan's decoder (see `decoder.ts`). Runs from source (Node type stripping:
 * erasable syntax only, no relative imports) and from `dist/` as plain JavaScript.
 *
 * `workerData` carries the URL of parquet-wasm's ESM glue and the compiled `WebAssembly.Module` (compiled once in
 * the main thread). Each message asks for one row group of a file by path: the worker opens the file as a
 * file-backed Blob (ranged reads: only that row group's column chunks are read), keeps the reader of the last
 * files it was asked about, decodes the row group with parquet-wasm and posts the Arrow IPC stream back,
 * transferring its ArrayBuffer (no copy). On a failure it posts `ipc: undefined`: the main thread then decodes that
 * row group itself. `{ close: path }` frees a file's reader.
 * @internal
 */
import { openAsBlob } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"

interface Init {
  readonly wasmUrl: string
  readonly module: object
}

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
  readonly ParquetFile: { readonly fromFile: (blob: Blob) => Promise<ReaderFile> }
}

const port = parentPort
if (port === null) throw new Error("parquet scan worker started outside a worker thread")
const init = workerData as Init
const pw = (await import(init.wasmUrl)) as Glue
pw.initSync({ module: init.module })

const files = new Map<string, Promise<ReaderFile>>()

const free = (path: string) => {
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

const own = (u: Uint8Array): Uint8Array =>
  u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && !(u.buffer instanceof SharedArrayBuffer) ? u : u.slice()

// Requests are handled one at a time, in arrival order (the main thread asks in the order it consumes).
let chain: Promise<void> = Promise.resolve()

port.on("message", (m: Request | { readonly close: string }) => {
  chain = chain.then(async () => {
    if ("close" in m) return free(m.close)
    try {
      let f = files.get(m.path)
      if (f === undefined) {
        f = openAsBlob(m.path).then((b) => pw.ParquetFile.fromFile(b))
        files.set(m.path, f)
        // keep at most a few files open (several scans may share the worker)
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
  })
})
