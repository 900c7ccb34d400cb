/**
 * Ranged reading of a Parquet file on disk: the footer from the file's tail (positional reads: the head magic, the
 * last 8 bytes, then the Thrift metadata), and each row group's selected column chunks through parquet-wasm's async
 * reader over positional reads of the file (`blob.ts`), so memory does not grow with the file's size. The wasm reader
 * is opened on the first row-group read (a scan whose row groups all go to the decode workers never opens it).
 * Shared by the lazy streaming scan and `Stream.parquet`.
 * @internal
 */
import { arrow } from "../arrowLib.ts"
import { type FileHandle, open as openFile } from "node:fs/promises"
import * as DT from "../../Frame/DataType.ts"
import type { Field } from "../../Frame/DataType.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { frameFromArrow } from "./arrow.ts"
import { rangeBlob, releasable } from "./blob.ts"
import * as Meta from "./meta.ts"
import type { PNode } from "./schema.ts"
import * as W from "./wasm.ts"

/** A file's path, size and parsed footer. */
export interface FileFooter {
  readonly path: string
  readonly size: number
  readonly footer: Meta.Footer
}

/** Bytes [start, end) of an open file (fewer at its end), in a fresh buffer. */
const readRange = async (h: FileHandle, start: number, end: number): Promise<ArrayBuffer> => {
  const b = new Uint8Array(end - start)
  let got = 0
  while (got < b.length) {
    const { bytesRead } = await h.read(b, got, b.length - got, start + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return (got === b.length ? b : b.slice(0, got)).buffer
}

/**
 * A file's size and last bytes (the Thrift `FileMetaData`, its length and the magic) by positional reads (the head
 * magic, the last 8 bytes, the metadata), with the magic checks of `Meta.readFooter` (throws a ParquetFailure).
 */
export const readTail = async (path: string): Promise<{ readonly size: number; readonly tail: Uint8Array }> => {
  const h = await openFile(path, "r")
  try {
    const size = (await h.stat()).size
    const at = async (start: number, length: number): Promise<Uint8Array> => new Uint8Array(await readRange(h, start, start + length))
    const head = await at(0, Math.min(4, size))
    const last8 = size >= 8 ? await at(size - 8, 8) : head
    Meta.checkMagicParts(head, last8, size)
    return { size, tail: await at(size - 8 - Meta.footerLength(last8), Meta.footerLength(last8) + 8) }
  } finally {
    await h.close()
  }
}

/** A file's footer by {@link readTail}, parsed (throws a ParquetFailure with `Meta.readFooter`'s messages). */
export const readFooter = async (path: string): Promise<FileFooter> => {
  const { size, tail } = await readTail(path)
  return { path, size, footer: Meta.parseFooter(tail, size) }
}

/**
 * A file opened for ranged row-group reads (the parquet-wasm reader must be freed with `close`). `read` decodes
 * through the reader, or gives undefined once it is closed; `close` frees the reader after the reads in flight (a
 * stream may be closed while a read it no longer waits for still runs).
 */
export interface RangedFile extends FileFooter {
  readonly nodes: ReadonlyMap<string, PNode>
  readonly read: (o: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> }) => Promise<Uint8Array | undefined>
  readonly close: () => void
}

/**
 * The wasm reader over an opened footer, or undefined where this path does not apply: INT96 columns (they need
 * hyparquet's exact decoding, over the whole file).
 */
export const openReader = async (f: FileFooter): Promise<RangedFile | undefined> => {
  if (f.footer.raw.schema.some((e) => e.type === "INT96")) return undefined
  type Reader = Awaited<ReturnType<W.ParquetWasm["ParquetFile"]["fromFile"]>>
  let file: Promise<Reader> | undefined
  let handle: Promise<FileHandle> | undefined
  let release = (): void => undefined
  // parquet-wasm reads the ranges it needs through a Blob-shaped view of positional reads (Node's file-backed
  // `fs.openAsBlob` took about twice as long over a whole file); the handle is closed with the reader
  const reader = () =>
    (file ??= W.instance().then(async (pw) => {
      const h = await (handle = openFile(f.path, "r"))
      const ranges = releasable((s, e) => readRange(h, s, e))
      release = ranges.release
      return pw.ParquetFile.fromFile(rangeBlob(f.size, ranges.read))
    }))
  let closed = false
  let active = 0
  // (only once no read is in flight: parquet-wasm must not see its range reads fail after it was freed)
  const free = () => {
    file?.then(
      (r) => {
        try {
          r.free()
        } catch {
          // already freed by a trap: nothing to release
        }
      },
      () => undefined
    )
    handle?.then(
      (h) => h.close().catch(() => undefined),
      () => undefined
    )
  }
  return {
    ...f,
    nodes: nodesOf(f.footer),
    read: async (o) => {
      if (closed) return undefined
      active++
      try {
        return (await (await reader()).read(o)).intoIPCStream()
      } finally {
        if (--active === 0) {
          release() // every range read so far is consumed (see `blob.ts` `releasable`)
          if (closed) free()
        }
      }
    },
    close: () => {
      if (closed) return
      closed = true
      if (active === 0) free()
    }
  }
}

/** Footer + reader in one step; undefined on any failure (the caller then reads the file whole, with precise errors). */
export const open = async (path: string): Promise<RangedFile | undefined> => {
  try {
    return await openReader(await readFooter(path))
  } catch {
    return undefined
  }
}

/** The Parquet footer's nodes by name, for `frameFromArrow` (shared by the in-thread and worker reads). */
export const nodesOf = (footer: Meta.Footer): ReadonlyMap<string, PNode> => new Map(footer.nodes.map((n) => [n.name, n]))

/**
 * Row group `g` of a file from its decoded Arrow IPC stream (`ipc`, from this thread's or a worker's parquet-wasm
 * reader), the top-level columns in the order of `expect`, or undefined when its row count or dtypes disagree with
 * `expect` (the dtypes `readParquet` gives) or the stream does not parse. Columns named in `dictionary` may be
 * Categorical where `expect` says Utf8 (decoded as dictionaries on request, see `worker.ts`).
 */
export const frameOfIpc = (
  footer: Meta.Footer,
  nodes: ReadonlyMap<string, PNode>,
  g: number,
  ipc: Uint8Array,
  expect: ReadonlyArray<Field>,
  dictionary?: ReadonlyArray<string>
): Frame | undefined => frameOfIpcRows(Number(footer.raw.row_groups[g]!.num_rows), nodes, ipc, expect, dictionary)

/** As `frameOfIpc`, given the row group's row count instead of the footer. */
export const frameOfIpcRows = (
  numRows: number,
  nodes: ReadonlyMap<string, PNode>,
  ipc: Uint8Array,
  expect: ReadonlyArray<Field>,
  dictionary?: ReadonlyArray<string>
): Frame | undefined => {
  try {
    const t = arrow().tableFromIPC(ipc)
    const f = frameFromArrow(t.schema, t.batches, nodes)
    const idx = expect.map((x) => f.schema.findIndex((y) => y.name === x.name))
    const fits = (t: DT.DataType, want: Field) =>
      DT.equals(t, want.dtype) || (t._tag === "Categorical" && want.dtype._tag === "Utf8" && dictionary?.includes(want.name) === true)
    if (f.height !== numRows || idx.some((i, k) => i < 0 || !fits(f.schema[i]!.dtype, expect[k]!))) return undefined
    if (idx.length === f.schema.length && idx.every((i, k) => i === k)) return f
    return F.unsafeMake(
      idx.map((i) => f.schema[i]!),
      f.batches.map((b) => ({ length: b.length, columns: idx.map((i) => b.columns[i]!) }))
    )
  } catch {
    return undefined
  }
}

/**
 * Row group `g` by ranged reads, the top-level `columns` (all when undefined) in the order of `expect`, or
 * undefined when the read fails or its row count or dtypes disagree with `expect` (the dtypes `readParquet` gives):
 * the caller then decodes with the whole-file reader.
 */
export const readRowGroup = async (
  r: RangedFile,
  g: number,
  columns: ReadonlyArray<string> | undefined,
  expect: ReadonlyArray<Field>
): Promise<Frame | undefined> => {
  try {
    const numRows = Number(r.footer.raw.row_groups[g]!.num_rows)
    if (expect.length === 0) return F.unsafeMake([], [{ length: numRows, columns: [] }])
    const opts: { rowGroups: Array<number>; batchSize: number; columns?: Array<string> } = {
      rowGroups: [g],
      batchSize: Math.max(1, Math.min(numRows, 1 << 30))
    }
    if (columns !== undefined) opts.columns = [...columns]
    const ipc = await r.read(opts)
    return ipc === undefined ? undefined : frameOfIpc(r.footer, r.nodes, g, ipc, expect)
  } catch (e) {
    W.discardIfTrapped(e)
    return undefined
  }
}
