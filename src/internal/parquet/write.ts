/**
 * Encoding a Frame as Parquet bytes with parquet-wasm's writer (arrow-rs `ArrowWriter`): Frame → Arrow table
 * (zero-copy) → Arrow IPC stream → wasm → Parquet bytes. arrow-rs also stores the Arrow schema in the file
 * (`ARROW:schema`), so Categorical, Duration and second-unit timestamps read back as they were written.
 * @internal
 */
import { arrow } from "../arrowLib.ts"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as Arrow from "../arrow.ts"
import * as Ipc from "../arrowIpc.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { ParquetFailure } from "./failure.ts"
import type { ParquetWasm } from "./wasm.ts"

export type Compression = "snappy" | "gzip" | "zstd" | "brotli" | "lz4" | "uncompressed"

export interface WriteOptions {
  /** Codec of every column chunk (default "zstd", as Polars). "lz4" writes LZ4_RAW, the codec the spec recommends. */
  readonly compression?: Compression | undefined
  /** Maximum rows per row group (default 1,048,576, arrow-rs's default). */
  readonly rowGroupSize?: number | undefined
}

export const COMPRESSIONS: ReadonlyArray<Compression> = ["snappy", "gzip", "zstd", "brotli", "lz4", "uncompressed"]

/** Checks the options (throws ParquetFailure). */
export const checkOptions = (o: WriteOptions): void => {
  if (o.compression !== undefined && !COMPRESSIONS.includes(o.compression))
    throw new ParquetFailure(`unknown compression "${String(o.compression)}"`, { expected: `one of ${COMPRESSIONS.join(", ")}` })
  if (o.rowGroupSize !== undefined && (!Number.isInteger(o.rowGroupSize) || o.rowGroupSize < 1))
    throw new ParquetFailure(`rowGroupSize must be a positive integer, got ${o.rowGroupSize}`, {
      expected: "a positive integer"
    })
}

const hasSeconds = (t: DataType): boolean =>
  (t._tag === "Timestamp" && t.unit === "s") ||
  (t._tag === "List" && hasSeconds(t.inner)) ||
  (t._tag === "Struct" && t.fields.some((f) => hasSeconds(f.dtype)))

const toMillisType = (t: DataType): DataType =>
  t._tag === "Timestamp" && t.unit === "s"
    ? DT.Timestamp("ms", t.timeZone)
    : t._tag === "List"
      ? DT.List(toMillisType(t.inner))
      : t._tag === "Struct"
        ? DT.Struct(t.fields.map((f) => ({ name: f.name, dtype: toMillisType(f.dtype) })))
        : t

const LIMIT = 9_223_372_036_854_775n

/**
 * Parquet has no second unit (arrow-rs would write a bare INT64 that DuckDB reads as BIGINT), so Timestamp("s")
 * columns are written as milliseconds.
 */
const secondsToMillis = (col: Column, name: string): Column => {
  const t = col.dtype
  if (!hasSeconds(t)) return col
  if (t._tag === "Timestamp") {
    const v = col.values as BigInt64Array
    const out = new BigInt64Array(col.length)
    for (let i = 0; i < col.length; i++) {
      const x = v[i]!
      if (x > LIMIT || x < -LIMIT)
        throw new ParquetFailure(`column "${name}", row ${i}: timestamp ${x} s does not fit in 64-bit milliseconds`, {
          column: name,
          expected: "seconds within ±9.2e15"
        })
      out[i] = x * 1000n
    }
    return C.make(toMillisType(t), col.length, out, col.validity)
  }
  const children = col.children!.map((c) => secondsToMillis(c, name))
  return C.make(toMillisType(t), col.length, col.values, col.validity, {
    ...(col.offsets !== undefined ? { offsets: col.offsets } : {}),
    children
  })
}

/** The frame with Timestamp("s") columns as milliseconds (throws ParquetFailure on overflow). */
export const prepare = (frame: Frame): Frame => {
  if (!frame.schema.some((f) => hasSeconds(f.dtype))) return frame
  return F.unsafeMake(
    frame.schema.map((f) => ({ name: f.name, dtype: toMillisType(f.dtype) })),
    frame.batches.map((b) => ({ length: b.length, columns: b.columns.map((c, i) => secondsToMillis(c, frame.schema[i]!.name)) }))
  )
}

/** The writer properties of `o` (codec, row group size, created-by), as `encode` and the streaming sink use them. */
export const writerProperties = (pw: ParquetWasm, o: WriteOptions) => {
  checkOptions(o)
  const codec = {
    snappy: pw.Compression.SNAPPY,
    gzip: pw.Compression.GZIP,
    zstd: pw.Compression.ZSTD,
    brotli: pw.Compression.BROTLI,
    lz4: pw.Compression.LZ4_RAW,
    uncompressed: pw.Compression.UNCOMPRESSED
  }[o.compression ?? "zstd"]
  let props = new pw.WriterPropertiesBuilder().setCompression(codec).setCreatedBy("polaroid (parquet-wasm / arrow-rs)")
  if (o.rowGroupSize !== undefined) props = props.setMaxRowGroupSize(o.rowGroupSize)
  return props.build()
}

/**
 * The frame as an Arrow IPC stream for parquet-wasm: written directly for flat columns (`arrowIpc.ts`, without
 * loading apache-arrow), through apache-arrow's writer for nested ones.
 */
export const ipcOf = (frame: Frame): Uint8Array => Ipc.stream(frame) ?? arrow().tableToIPC(Arrow.toTable(frame), "stream")

/** The frame as Parquet bytes. */
export const encode = (pw: ParquetWasm, frame: Frame, o: WriteOptions): Uint8Array => {
  checkOptions(o)
  if (frame.width === 0) throw new ParquetFailure("cannot write a frame with no columns", { expected: "at least one column" })
  const props = writerProperties(pw, o)
  const ipc = ipcOf(prepare(frame))
  const wasmTable = pw.Table.fromIPCStream(ipc)
  return pw.writeParquet(wasmTable, props)
}
