/**
 * Reading a Parquet file held in memory: footer checks, projection and row-group selection, the size guard, then
 * parquet-wasm (fast path, straight into Arrow memory) with hyparquet as the fallback for files arrow-rs rejects.
 * Everything here may throw; `Source/Parquet.ts` turns any throw into a `SourceError`.
 * @internal
 */
import type * as A from "apache-arrow"
import type { Batch, Frame } from "../frame.ts"
import * as F from "../frame.ts"
import { frameFromArrow } from "./arrow.ts"
import { readFallback } from "./fallback.ts"
import { cleanMessage, errorText, ParquetFailure } from "./failure.ts"
import { type Footer, readFooter } from "./meta.ts"
import type { PNode } from "./schema.ts"
import * as P from "./parallel.ts"
import * as W from "./wasm.ts"

export interface ReadOptions {
  /** Top-level column names to decode, in the order wanted; all columns when absent. */
  readonly columns?: ReadonlyArray<string> | undefined
  /** Row-group indexes (0-based) to decode; all when absent. Rows come in file order. */
  readonly rowGroups?: ReadonlyArray<number> | undefined
  /**
   * Decoding threads, the calling thread included (default `os.availableParallelism()`); 1 decodes on the calling
   * thread only. Workers are used only for files of at least 8 MiB with two or more selected row groups.
   */
  readonly threads?: number | undefined
}

export type Decoder = "wasm" | "hyparquet"

export interface InternalOptions {
  /** Force one decoder (benchmarks and tests); by default parquet-wasm with hyparquet as fallback. */
  readonly decoder?: Decoder | "auto"
  /** Per-call byte budget of one decode step (tests lower it to exercise chunking). */
  readonly chunkBytes?: number
  /** Size guard per row group (tests lower it). */
  readonly maxRowGroupBytes?: number
  /** Worker pool to decode row groups in parallel (the caller closes or aborts it); one per call when absent. */
  readonly pool?: P.Pool | undefined
  /** Minimum file size for the parallel path (tests lower it). */
  readonly minParallelBytes?: number
}

/** Above this many uncompressed bytes of selected column data, one row group is refused (wasm32 has 4 GiB). */
export const MAX_ROW_GROUP_BYTES = 1024 * 1024 * 1024
/** Row groups are decoded in steps of about this many uncompressed bytes (bounds the wasm heap). */
const CHUNK_BYTES = 128 * 1024 * 1024
/** Files up to this size are decoded with the synchronous reader when all columns are wanted. */
const WHOLE_FILE_BYTES = 256 * 1024 * 1024

export interface Selection {
  readonly nodes: ReadonlyArray<PNode>
  readonly rowGroups: ReadonlyArray<number>
  /** Selected row groups in decode steps. */
  readonly chunks: ReadonlyArray<ReadonlyArray<number>>
  readonly all: boolean
}

/** Validates `columns` and `rowGroups` against the footer and plans the decode steps. */
export const select = (
  footer: Footer,
  options: ReadOptions,
  chunkBytes = CHUNK_BYTES,
  maxBytes = MAX_ROW_GROUP_BYTES
): Selection => {
  const available = footer.nodes.map((n) => n.name)
  let nodes = footer.nodes
  if (options.columns !== undefined) {
    const seen = new Set<string>()
    nodes = options.columns.map((name) => {
      if (seen.has(name))
        throw new ParquetFailure(`column "${name}" is selected twice`, { column: name, expected: "distinct column names" })
      seen.add(name)
      const n = footer.nodes.find((x) => x.name === name)
      if (n === undefined)
        throw new ParquetFailure(`column "${name}" not found; available: [${available.map((a) => `"${a}"`).join(", ")}]`, {
          column: name,
          expected: `one of [${available.join(", ")}]`
        })
      return n
    })
  }
  for (const n of nodes)
    if (n.unsupported !== undefined)
      throw new ParquetFailure(`column "${n.name}": unsupported Parquet type ${n.unsupported}`, {
        column: n.name,
        expected: "a type polaroid models (see docs/parquet.md)"
      })
  const count = footer.raw.row_groups.length
  let rowGroups: Array<number>
  if (options.rowGroups !== undefined) {
    for (const g of options.rowGroups)
      if (!Number.isInteger(g) || g < 0 || g >= count)
        throw new ParquetFailure(`row group ${g} does not exist: the file has ${count} row groups`, {
          expected: `an integer in [0, ${count})`
        })
    rowGroups = [...new Set(options.rowGroups)].sort((a, b) => a - b)
  } else rowGroups = Array.from({ length: count }, (_, i) => i)

  const wanted = new Set(nodes.map((n) => n.name))
  const chunks: Array<Array<number>> = []
  let current: Array<number> = []
  let currentBytes = 0
  for (const g of rowGroups) {
    const rg = footer.raw.row_groups[g]!
    let bytes = 0
    for (const c of rg.columns)
      if (wanted.has(c.meta_data!.path_in_schema[0]!)) bytes += Number(c.meta_data!.total_uncompressed_size)
    if (bytes > maxBytes)
      throw new ParquetFailure(
        `row group ${g} holds ${(bytes / 2 ** 20).toFixed(0)} MiB of uncompressed column data, above the ${(maxBytes / 2 ** 20).toFixed(0)} MiB per-row-group limit (select fewer columns)`,
        { expected: `at most ${maxBytes} bytes per row group`, byteOffset: Number(rg.columns[0]?.file_offset ?? 0) }
      )
    if (current.length > 0 && currentBytes + bytes > chunkBytes) {
      chunks.push(current)
      current = []
      currentBytes = 0
    }
    current.push(g)
    currentBytes += bytes
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current)
  return {
    nodes,
    rowGroups,
    chunks,
    all: options.columns === undefined || nodes.length === footer.nodes.length
  }
}

const batchSizeOf = (footer: Footer, groups: ReadonlyArray<number>): number => {
  let m = 1
  for (const g of groups) m = Math.max(m, Number(footer.raw.row_groups[g]!.num_rows))
  return Math.min(m, 1 << 30)
}

/** Reorders (and checks) the columns of a decoded frame to the selected order. */
const project = (frame: Frame, nodes: ReadonlyArray<PNode>): Frame => {
  const idx = nodes.map((n) => {
    const i = frame.schema.findIndex((f) => f.name === n.name)
    if (i < 0) throw new ParquetFailure(`column "${n.name}" missing from the decoded data`, { column: n.name })
    return i
  })
  if (idx.length === frame.schema.length && idx.every((v, k) => v === k)) return frame
  return F.unsafeMake(
    idx.map((i) => frame.schema[i]!),
    frame.batches.map((b): Batch => ({ length: b.length, columns: idx.map((i) => b.columns[i]!) }))
  )
}

/** Number of threads a read may use (validated: a positive integer, else the default). */
const threadsOf = (options: ReadOptions, internal: InternalOptions): number => {
  const t = options.threads ?? internal.pool?.threads ?? P.defaultThreads()
  if (!Number.isInteger(t) || t < 1)
    throw new ParquetFailure(`threads must be a positive integer, got ${t}`, { expected: "an integer ≥ 1" })
  return t
}

const readWasm = async (bytes: Uint8Array, footer: Footer, sel: Selection, options: ReadOptions, internal: InternalOptions): Promise<Frame> => {
  const pw = await W.instance()
  const nodeMap = new Map(footer.nodes.map((n) => [n.name, n]))
  const parts: Array<Frame> = []
  const toFrame = (t: A.Table) => frameFromArrow(t.schema, t.batches, nodeMap)
  const columns = sel.all ? undefined : sel.nodes.map((n) => n.name)
  const whole = sel.all && bytes.byteLength <= WHOLE_FILE_BYTES
  const threads = threadsOf(options, internal)
  if (threads > 1 && sel.rowGroups.length > 1 && bytes.byteLength >= (internal.minParallelBytes ?? P.MIN_PARALLEL_BYTES)) {
    const plan = P.plan(footer, sel.rowGroups, new Set(sel.nodes.map((n) => n.name)), threads, internal.chunkBytes ?? CHUNK_BYTES)
    const pool = internal.pool ?? P.makePool(threads)
    let file: W.OpenFile | undefined
    let ok = false
    try {
      const local: P.LocalDecode = whole
        ? async (groups, batchSize) => W.readWhole(pw, bytes, { rowGroups: groups, columns: undefined, batchSize })
        : async (groups, batchSize) => {
            file ??= await W.open(pw, bytes)
            return file.read({ rowGroups: groups, columns, batchSize })
          }
      const tables = await P.run(pool, bytes, plan, columns, whole, local)
      for (const t of tables) parts.push(toFrame(t))
      ok = true
    } finally {
      file?.close()
      if (internal.pool === undefined) await (ok ? pool.close() : pool.abort())
    }
  } else if (whole && sel.chunks.length === 1) {
    const groups = sel.chunks[0]!
    parts.push(toFrame(W.readWhole(pw, bytes, { rowGroups: groups, columns: undefined, batchSize: batchSizeOf(footer, groups) })))
  } else {
    const file = await W.open(pw, bytes)
    try {
      for (const groups of sel.chunks) {
        const t = await file.read({ rowGroups: groups, columns, batchSize: batchSizeOf(footer, groups) })
        parts.push(toFrame(t))
      }
    } finally {
      file.close()
    }
  }
  const first = parts[0]!
  const frame =
    parts.length === 1 ? first : F.unsafeMake(first.schema, parts.flatMap((p) => p.batches.filter((b) => b.length > 0)))
  return project(frame, sel.nodes)
}

/**
 * arrow-rs converts INT96 to 64-bit nanoseconds with wrapping arithmetic, so dates outside 1677–2262 (which Spark
 * writes) would come out silently wrong. INT96 columns are therefore decoded again with hyparquet, which computes
 * the nanoseconds exactly as bigint; a value outside the Int64 range fails with a SourceError naming the column.
 */
const exactInt96 = async (bytes: Uint8Array, footer: Footer, sel: Selection, frame: Frame): Promise<Frame> => {
  const int96 = sel.nodes.filter((n) => n.kind === "leaf" && n.element.type === "INT96")
  if (int96.length === 0) return frame
  const exact = await readFallback(plain(bytes), footer, sel.rowGroups, int96)
  const cols = F.contiguous(frame).slice()
  const ex = F.contiguous(exact)
  int96.forEach((n, k) => {
    const j = frame.schema.findIndex((f) => f.name === n.name)
    cols[j] = ex[k]!
  })
  return F.fromColumnsUnsafe(frame.columns, cols)
}

/** hyparquet gets ordinary memory (the decoded values may keep views over the file bytes). */
const plain = (bytes: Uint8Array): Uint8Array => (bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes)

export interface Decoded {
  readonly frame: Frame
  readonly decoder: Decoder
}

const expectedRows = (footer: Footer, sel: Selection): number =>
  sel.rowGroups.reduce((s, g) => s + Number(footer.raw.row_groups[g]!.num_rows), 0)

/** Decodes an in-memory Parquet file. Throws ParquetFailure (or anything a decoder throws). */
export const decode = async (bytes: Uint8Array, options: ReadOptions, internal: InternalOptions = {}): Promise<Decoded> => {
  const footer = readFooter(bytes)
  const sel = select(footer, options, internal.chunkBytes, internal.maxRowGroupBytes)
  const mode = internal.decoder ?? "auto"
  if (mode === "hyparquet") return { frame: await readFallback(plain(bytes), footer, sel.rowGroups, sel.nodes), decoder: "hyparquet" }
  let wasmError: unknown
  try {
    const frame = await readWasm(bytes, footer, sel, options, internal)
    const rows = expectedRows(footer, sel)
    if (frame.height === rows) return { frame: await exactInt96(bytes, footer, sel, frame), decoder: "wasm" }
    // arrow-rs trusts the file's num_rows; some writers leave it 0 while row groups hold rows: let hyparquet try.
    wasmError = new Error(`decoded ${frame.height} rows, but the row groups declare ${rows}`)
  } catch (e) {
    if (e instanceof ParquetFailure) throw e
    W.discardIfTrapped(e)
    wasmError = e
    if (mode === "wasm" || W.isTrap(e)) throw failureOf(e)
  }
  if (mode === "wasm") throw failureOf(wasmError)
  try {
    return { frame: await readFallback(plain(bytes), footer, sel.rowGroups, sel.nodes), decoder: "hyparquet" }
  } catch (e) {
    const primary = cleanMessage(errorText(wasmError))
    const details = e instanceof ParquetFailure ? e.details : {}
    throw new ParquetFailure(primary, {
      ...details,
      cause: `parquet-wasm: ${errorText(wasmError)}; hyparquet: ${errorText(e)}`
    })
  }
}

const failureOf = (e: unknown): ParquetFailure =>
  new ParquetFailure(
    W.isTrap(e)
      ? `the WebAssembly decoder ran out of memory or aborted (${errorText(e)})`
      : cleanMessage(errorText(e)),
    { cause: errorText(e) }
  )
