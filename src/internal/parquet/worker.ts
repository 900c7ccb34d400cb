/**
 * Worker-thread script of the Parquet decoders: the parallel whole-file decoder (`parallel.ts`) and the streaming
 * scan's row-group decoder (`stream/exec/decoder.ts`). Runs from source (Node type stripping: erasable syntax only;
 * its one relative import, `blob.ts`, imports nothing) and from `dist/` as plain JavaScript.
 *
 * `workerData` carries the URL of parquet-wasm's ESM glue and the compiled `WebAssembly.Module` (compiled once in
 * the main thread, so a worker only instantiates it), or the module comes as the first message (see `spawn.ts`).
 * Each message is a job: the file bytes in a SharedArrayBuffer, the row-group tasks, and a shared counter. The worker claims task indexes with `Atomics.add`
 * (the main thread claims from the same counter), decodes each claimed task with parquet-wasm and posts the Arrow
 * IPC stream back, transferring its ArrayBuffer (no copy). On a failure it stops claiming and posts the error
 * text; the main thread then decodes the tasks that came back missing itself.
 *
 * The streaming scan sends requests instead: one row group of a file by path. The worker opens the file (its own
 * descriptor, positional reads of the ranges parquet-wasm asks for: only that row group's column chunks are read),
 * keeps the readers of the last few files, and posts `{ id, ipc }` back (transferred), or `ipc: undefined` on a failure, after which the main thread
 * decodes that row group itself. `{ close: path }` frees a file's reader and closes its descriptor. Requests are
 * handled in arrival order.
 * A request with `agg` (a fused group-by's task) is aggregated here by `stream/exec/partialAgg.ts` (imported on first
 * use, from the URL the request gives) and answered `{ id, rows }`; `{ flush: task }` hands the task's table over.
 *
 * A request may carry a dictionary hint (`hint`, built by the calling thread: `hint.ts`) so that Utf8 columns come as
 * Arrow `Dictionary<Int32, Utf8>` (the row group's dictionary page and its indices) instead of one string per row.
 * arrow-rs (parquet-wasm) keeps dictionaries only when the file's `ARROW:schema` metadata asks for them, and
 * parquet-wasm has no option to pass a schema, so the reader is opened over a view of the file whose footer carries
 * that metadata: the bytes before the footer are the file's own (column chunk offsets stay valid), the footer is
 * the file's Thrift `FileMetaData` with a `key_value_metadata` field (id 5, written in the compact protocol's long
 * form) holding the hint. A file whose footer already has key-value metadata, or where any of this fails, is read
 * without the hint. This module imports no Arrow library (it starts faster without one).
 * @internal
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import { rangeBlob, releasable } from "./blob.ts"

interface Init {
  readonly wasmUrl: string
  /** The compiled module, or undefined when the first message brings it. */
  readonly module: object | undefined
  /** The aggregation module's URL, imported at once (see `spawn.ts`). */
  readonly preload?: string | undefined
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
  /** The `ARROW:schema` value asking for dictionary-decoded Utf8 columns (see the module's comment). */
  readonly hint?: string | undefined
  /**
   * Aggregate the decoded row group here (`stream/exec/partialAgg.ts`, loaded from `module`): the reply is then
   * `{ id, rows }`, or the IPC stream as usual when the module cannot take this row group. `base`: the input
   * position of the row group's first row.
   */
  readonly agg?: { readonly module: string; readonly numRows: number; readonly base: number; readonly task: { readonly id: string } } | undefined
}

/** The end of an aggregating scan: the reply is `{ id, partial }` (the task's table, or undefined if none). */
interface Flush {
  readonly id: number
  readonly flush: string
  readonly module: string
}

interface AggModule {
  readonly accumulateFfi: (memory: ArrayBuffer, arrays: number, schema: number, numRows: number, base: number, task: unknown) => boolean
  readonly flush: (id: string) => object | undefined
  readonly transferables: (p: object) => Array<ArrayBuffer>
}
let aggModule: Promise<AggModule> | undefined

interface Table {
  readonly intoIPCStream: () => Uint8Array
  readonly intoFFI: () => FFIStream
}
interface FFIStream {
  readonly numArrays: () => number
  readonly arrayAddr: (chunk: number) => number
  readonly schemaAddr: () => number
  readonly free: () => void
}
interface ReaderFile {
  readonly read: (o: { rowGroups: Array<number>; batchSize: number; columns?: Array<string>; limit?: number }) => Promise<Table>
  readonly free: () => void
}
interface Glue {
  readonly initSync: (o: { module: object }) => unknown
  readonly readParquet: (bytes: Uint8Array, o: { rowGroups: Array<number>; batchSize: number }) => Table
  readonly ParquetFile: { readonly fromFile: (blob: Blob) => Promise<ReaderFile> }
  readonly wasmMemory: () => { readonly buffer: ArrayBuffer }
}

const RuntimeError = (globalThis as unknown as { readonly WebAssembly: { readonly RuntimeError: new () => Error } })
  .WebAssembly.RuntimeError

const port = parentPort
if (port === null) throw new Error("parquet decode worker started outside a worker thread")
const init = workerData as Init
// Without a module in `workerData`, the first message brings it (`{ wasmModule }`, see `spawn.ts`: the worker starts
// while the calling thread compiles it). Messages that arrive before this worker is ready wait in `early`.
const early: Array<Job | Request | Flush | { readonly close: string }> = []
let gotModule: ((m: object) => void) | undefined
const moduleMessage = init.module === undefined ? new Promise<object>((resolve) => (gotModule = resolve)) : undefined
const beforeReady = (m: Job | Request | Flush | { readonly close: string } | { readonly wasmModule: object }) => {
  if ("wasmModule" in m) gotModule?.(m.wasmModule)
  else early.push(m)
}
port.on("message", beforeReady)
if (init.preload !== undefined) {
  aggModule = import(init.preload) as Promise<AggModule>
  aggModule.catch(() => undefined) // a request awaiting it gets the failure
}
const pw = (await import(init.wasmUrl)) as Glue
pw.initSync({ module: init.module ?? (await moduleMessage!) })

/** A copy in fresh (unshared, unpooled) memory; `Buffer#slice` would return a view. */
const copy = (v: Uint8Array): Uint8Array<ArrayBuffer> => {
  const c = new Uint8Array(v.byteLength)
  c.set(v)
  return c
}

/**
 * Blob-shaped view of the shared bytes (as `bytesBlob` in wasm.ts): ranged reads copy only their range; `release`
 * frees the copies (see `blob.ts` `releasable`).
 */
const blobOf = (bytes: Uint8Array): { readonly blob: Blob; readonly release: () => void } => {
  const { read, release } = releasable(async (s, e) => copy(bytes.subarray(s, e)).buffer)
  return { blob: rangeBlob(bytes.byteLength, read), release }
}

const own = (u: Uint8Array): Uint8Array =>
  u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && !(u.buffer instanceof SharedArrayBuffer) ? u : u.slice()

const runJob = async (job: Job): Promise<void> => {
  const counter = new Int32Array(job.counter)
  const bytes = new Uint8Array(job.bytes, job.offset, job.length)
  let file: ReaderFile | undefined
  const view = blobOf(bytes)
  try {
    for (;;) {
      const i = Atomics.add(counter, 0, 1)
      if (i >= job.tasks.length) break
      const rowGroups = [...job.tasks[i]!]
      const batchSize = job.batchSizes[i]!
      let table: Table
      if (job.whole) table = pw.readParquet(bytes, { rowGroups, batchSize })
      else {
        file ??= await pw.ParquetFile.fromFile(view.blob)
        const o: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> } = { rowGroups, batchSize }
        if (job.columns !== undefined) o.columns = [...job.columns]
        try {
          table = await file.read(o)
        } finally {
          view.release()
        }
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

// ---------------------------------------------------------------------------------------------------------------
// Dictionary hints (see the module's comment)
// ---------------------------------------------------------------------------------------------------------------

const varint = (n: number): Array<number> => {
  const out: Array<number> = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}

/** A compact-protocol binary field (type 8) with a field-id delta of 1. */
const binaryField = (bytes: Uint8Array): Array<number> => [0x18, ...varint(bytes.byteLength), ...bytes]

/** Whether a compact-protocol struct has a top-level field `id` (walks the field headers; false on anything odd). */
const hasField = (b: Uint8Array, id: number): boolean => {
  let p = 0
  const readVarint = (): number => {
    let r = 0
    let shift = 0
    for (;;) {
      const x = b[p++]!
      r += (x & 0x7f) * 2 ** shift
      if ((x & 0x80) === 0) return r
      shift += 7
    }
  }
  const skip = (type: number): void => {
    switch (type) {
      case 1:
      case 2:
        return
      case 3:
        p++
        return
      case 4:
      case 5:
      case 6:
        readVarint()
        return
      case 7:
        p += 8
        return
      case 8: {
        const n = readVarint() // before adding: `p += readVarint()` would read p first
        p += n
        return
      }
      case 9:
      case 10: {
        const h = b[p++]!
        let n = h >> 4
        if (n === 15) n = readVarint()
        const et = h & 0x0f
        for (let i = 0; i < n; i++) skip(et === 1 || et === 2 ? 3 : et)
        return
      }
      case 11: {
        const n = readVarint()
        if (n === 0) return
        const kv = b[p++]!
        for (let i = 0; i < n; i++) {
          skip(kv >> 4)
          skip(kv & 0x0f)
        }
        return
      }
      case 12:
        walk()
        return
      default:
        throw new Error(`thrift type ${type}`)
    }
  }
  let found = false
  const walk = (top = false): void => {
    let last = 0
    for (;;) {
      const h = b[p++]!
      if (h === 0) return
      const type = h & 0x0f
      const delta = h >> 4
      let fid: number
      if (delta !== 0) fid = last + delta
      else {
        const z = readVarint()
        fid = (z >>> 1) ^ -(z & 1)
      }
      last = fid
      if (top && fid === id) found = true
      skip(type)
    }
  }
  walk(true)
  return found
}

/**
 * The file's tail (`FileMetaData` + length + magic) with an `ARROW:schema` entry holding `hint` (base64, see
 * `hint.ts`), or undefined when the footer already has key-value metadata or does not end as expected.
 */
const hintedTail = (footer: Uint8Array, hint: string): Uint8Array | undefined => {
  if (footer[footer.byteLength - 1] !== 0 || hasField(footer, 5)) return undefined
  const b64 = new TextEncoder().encode(hint)
  // field 5 (list, long form: type byte 0x09 then zigzag id 10), one struct element, KeyValue { 1: key, 2: value }
  const entry = [0x09, 0x0a, 0x1c, ...binaryField(new TextEncoder().encode("ARROW:schema")), ...binaryField(b64), 0x00]
  const meta = new Uint8Array(footer.byteLength + entry.length)
  meta.set(footer.subarray(0, footer.byteLength - 1))
  meta.set(entry, footer.byteLength - 1)
  meta[meta.byteLength - 1] = 0
  const tail = new Uint8Array(meta.byteLength + 8)
  tail.set(meta)
  new DataView(tail.buffer).setUint32(meta.byteLength, meta.byteLength, true)
  tail.set([0x50, 0x41, 0x52, 0x31], meta.byteLength + 4)
  return tail
}

/** A Blob-shaped view of `blob`'s first `keep` bytes followed by `tail` (ranged reads stitch the two). */
const stitched = (blob: Blob, keep: number, tail: Uint8Array): Blob =>
  rangeBlob(keep + tail.byteLength, async (s, e) => {
    if (e <= keep) return blob.slice(s, e).arrayBuffer()
    const out = new Uint8Array(e - s)
    if (s < keep) out.set(new Uint8Array(await blob.slice(s, keep).arrayBuffer()))
    out.set(tail.subarray(Math.max(0, s - keep), e - keep), Math.max(0, keep - s))
    return out.buffer
  })

/**
 * A Blob-shaped view of a file, read by positional `readSync` on this (worker) thread: parquet-wasm's async reader
 * asks for a few ranges per row group, and Node's file-backed Blob (`fs.openAsBlob`) took two to three times as long
 * to serve them as the decoding itself. The descriptor is this worker's: `close` (from `free`) closes it, and Node
 * closes whatever a worker left open when it is terminated.
 * `release` frees the ranges read so far (see `blob.ts` `releasable`).
 */
const fileBlob = (path: string): { readonly blob: Blob; readonly close: () => void; readonly release: () => void } => {
  const fd = openSync(path, "r")
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    closeSync(fd)
  }
  try {
    const { read, release } = releasable(async (s, e) => {
      const out = new Uint8Array(e - s)
      let at = 0
      while (at < out.byteLength) {
        const n = readSync(fd, out, at, out.byteLength - at, s + at)
        if (n === 0) throw new Error(`${path}: unexpected end of file at byte ${s + at}`)
        at += n
      }
      return out.buffer
    })
    const blob = rangeBlob(fstatSync(fd).size, read)
    return { blob, close, release }
  } catch (e) {
    close()
    throw e
  }
}

/** A reader of the file `blob`, with the dictionary hint when one is given and applies. */
const openFile = async (blob: Blob, hint: string | undefined): Promise<ReaderFile> => {
  if (hint !== undefined) {
    try {
      const size = blob.size
      const last8 = new Uint8Array(await blob.slice(size - 8).arrayBuffer())
      const length = new DataView(last8.buffer).getUint32(0, true)
      const keep = size - 8 - length
      const footer = new Uint8Array(await blob.slice(keep, size - 8).arrayBuffer())
      const tail = hintedTail(footer, hint)
      if (tail !== undefined) return await pw.ParquetFile.fromFile(stitched(blob, keep, tail))
    } catch {
      // read without the hint
    }
  }
  return pw.ParquetFile.fromFile(blob)
}

interface OpenFile {
  readonly hint: string
  readonly reader: Promise<ReaderFile>
  readonly close: () => void
  /** Frees the file's ranges read so far (see `fileBlob`). */
  readonly release: () => void
}

/** The streaming scan's open readers, by path (at most a few: several scans may share the worker), with their hint. */
const files = new Map<string, OpenFile>()

const free = (path: string): void => {
  const f = files.get(path)
  files.delete(path)
  if (f === undefined) return
  f.reader.then(
    (r) => {
      try {
        r.free()
      } catch {
        // freed already (after a trap)
      }
    },
    () => undefined
  )
  try {
    f.close()
  } catch {
    // closed already
  }
}

/** The reader of `path` with the given hint: the open one, or a new one (the oldest of more than 4 freed). */
const readerFor = (path: string, hint: string | undefined): OpenFile => {
  let f = files.get(path)
  if (f !== undefined && f.hint !== (hint ?? "")) {
    free(path)
    f = undefined
  }
  if (f === undefined) {
    const { blob, close, release } = fileBlob(path)
    f = { hint: hint ?? "", reader: openFile(blob, hint), close, release }
    files.set(path, f)
    if (files.size > 4) free(files.keys().next().value!)
  }
  return f
}

/** Decodes row groups of an open file, then frees the ranges the decode read (see `fileBlob`). */
const decode = async (f: OpenFile, o: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> }): Promise<Table> => {
  try {
    return await (await f.reader).read(o)
  } finally {
    f.release()
  }
}

const runRequest = async (m: Request): Promise<void> => {
  try {
    const f = readerFor(m.path, m.hint)
    const o: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> } = {
      rowGroups: [m.rowGroup],
      batchSize: m.batchSize
    }
    if (m.columns !== undefined) o.columns = [...m.columns]
    if (m.agg !== undefined) {
      // aggregated here, reading the decoded columns in place in wasm memory (no IPC stream, no copy)
      let done = false
      try {
        const mod = await (aggModule ??= import(m.agg.module) as Promise<AggModule>)
        const ffi = (await decode(f, o)).intoFFI()
        try {
          const chunks = ffi.numArrays()
          done =
            chunks === 0
              ? m.agg.numRows === 0
              : chunks === 1 && mod.accumulateFfi(pw.wasmMemory().buffer, ffi.arrayAddr(0), ffi.schemaAddr(), m.agg.numRows, m.agg.base, m.agg.task)
        } finally {
          ffi.free()
        }
      } catch {
        // the calling thread aggregates this row group from its IPC stream
      }
      if (done) {
        port.postMessage({ id: m.id, rows: m.agg.numRows })
        return
      }
    }
    const ipc = own((await decode(f, o)).intoIPCStream())
    port.postMessage({ id: m.id, ipc }, [ipc.buffer as ArrayBuffer])
  } catch {
    free(m.path)
    port.postMessage({ id: m.id, ipc: undefined })
  }
}

// Streaming requests run one at a time, in arrival order (the scan asks in the order it consumes).
let chain: Promise<void> = Promise.resolve()

const runFlush = async (m: Flush): Promise<void> => {
  try {
    const mod = await (aggModule ??= import(m.module) as Promise<AggModule>)
    const partial = mod.flush(m.flush)
    port.postMessage({ id: m.id, partial }, partial === undefined ? [] : mod.transferables(partial))
  } catch {
    port.postMessage({ id: m.id, lost: true })
  }
}

const handle = (m: Job | Request | Flush | { readonly close: string }) => {
  if ("tasks" in m) {
    void runJob(m)
    return
  }
  chain = chain.then(() => ("close" in m ? free(m.close) : "flush" in m ? runFlush(m) : runRequest(m)))
}
port.off("message", beforeReady)
port.on("message", handle)
for (const m of early) handle(m)
