/**
 * Parquet reading and writing through effect's `FileSystem` service (provide `NodeServices.layer` from
 * `@effect/platform-node`, or any other FileSystem layer).
 *
 * Decoding runs on parquet-wasm (Apache arrow-rs compiled to WebAssembly) straight into Arrow memory, which
 * becomes the Frame without a further copy; files arrow-rs rejects are retried with the pure-JS hyparquet decoder.
 * Footer metadata and statistics come from hyparquet. See `docs/parquet.md` for the type mapping, measurements
 * and the files that are not supported.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import type { PlatformError } from "effect/PlatformError"
import type { SourceError } from "../Frame/Errors.ts"
import type { Frame } from "../internal/frame.ts"
import { toSourceError } from "../internal/parquet/failure.ts"
import * as Meta from "../internal/parquet/meta.ts"
import * as Parallel from "../internal/parquet/parallel.ts"
import * as Read from "../internal/parquet/read.ts"
import * as Write from "../internal/parquet/write.ts"
import * as Wasm from "../internal/parquet/wasm.ts"

/**
 * Options of {@link readParquet}.
 * @since 0.1.0 @category models
 */
export interface ReadParquetOptions {
  /**
   * Top-level column names to decode, in the order they should appear in the frame. Only these columns' pages are
   * decompressed and decoded (a nested column is selected as a whole). All columns when absent.
   */
  readonly columns?: ReadonlyArray<string> | undefined
  /** 0-based row-group indexes to decode; all when absent. Rows always come in file order. */
  readonly rowGroups?: ReadonlyArray<number> | undefined
  /**
   * Threads that decode row groups, the calling thread included (default `os.availableParallelism()`). With more
   * than 1, files of at least 8 MiB with two or more selected row groups are decoded by `node:worker_threads`
   * workers (spawned for this read, terminated when it ends, fails or is interrupted) and the calling thread;
   * the frame is the same as with `threads: 1`, which decodes on the calling thread only.
   */
  readonly threads?: number | undefined
}

/**
 * Options of {@link writeParquet}.
 * @since 0.1.0 @category models
 */
export interface WriteParquetOptions {
  /**
   * Codec for every column chunk: "snappy", "gzip", "zstd" (default, as Polars), "brotli", "lz4" (written as
   * LZ4_RAW, the codec the Parquet spec recommends) or "uncompressed".
   */
  readonly compression?: "snappy" | "gzip" | "zstd" | "brotli" | "lz4" | "uncompressed" | undefined
  /** Maximum rows per row group (default 1,048,576). */
  readonly rowGroupSize?: number | undefined
}

/**
 * Footer information of a Parquet file (see {@link readParquetMetadata}).
 * @since 0.1.0 @category models
 */
export type ParquetMetadata = Meta.ParquetMetadata
/** @since 0.1.0 @category models */
export type RowGroupInfo = Meta.RowGroupInfo
/** @since 0.1.0 @category models */
export type ColumnChunkInfo = Meta.ColumnChunkInfo
/** @since 0.1.0 @category models */
export type ColumnStatistics = Meta.ColumnStatistics

const guard = <A>(path: string, f: () => Promise<A>): Effect.Effect<A, SourceError> =>
  Effect.tryPromise({ try: () => f(), catch: (e) => toSourceError(path, e) })

/**
 * Reads a file into shared memory (a SharedArrayBuffer the decode workers see without a copy); `size` is the
 * size `stat` gave, and the bytes actually read are returned.
 */
const readShared = (fs: FileSystem.FileSystem, path: string, size: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const file = yield* fs.open(path)
      const buf = new Uint8Array(new SharedArrayBuffer(size))
      let off = 0
      while (off < size) {
        const n = yield* file.read(buf.subarray(off), { position: BigInt(off) })
        if (n === 0) break
        off += n
      }
      return off === size ? buf : buf.subarray(0, off)
    })
  )

/**
 * Reads a Parquet file into a Frame, as Polars `read_parquet`.
 *
 * **Details**
 * Output: one column per selected top-level Parquet column, one Frame batch per decoded record batch (about one per
 * row group). Types: integers keep their width and signedness (UINT_64 → UInt64), INT64 stays BigInt64 (never
 * rounded); DATE → Date; TIMESTAMP(unit, isAdjustedToUTC) → Timestamp(unit, "UTC" when adjusted, else null), with
 * legacy TIMESTAMP_MILLIS/MICROS → Timestamp(ms/us, "UTC") and INT96 → Timestamp("ns", null); TIME(unit) →
 * Duration(unit) since midnight; DECIMAL(p ≤ 38, s) → Decimal(p, s); FLOAT16 → Float32; strings, enums and JSON →
 * Utf8; binary without annotation → Utf8 holding the raw bytes; UUID → Utf8 text; LIST → List; MAP →
 * List(Struct([key, value])); groups → Struct. A file written with an embedded Arrow schema (arrow-rs, pyarrow,
 * polaroid) gets its Arrow types back (e.g. Categorical, Duration). All codecs are read: SNAPPY, GZIP, ZSTD,
 * BROTLI, LZ4 (Hadoop and raw framings), LZ4_RAW.
 *
 * **Errors** `SourceError` (format "parquet") for a file that is not Parquet (`byteOffset` of the bad magic),
 * encrypted, corrupt (the decoder's message, with `column`/`byteOffset` where known), an unknown or duplicated name
 * in `columns` (`column`, and `expected` listing the available names), a row group that does not exist, an
 * unsupported type (INTERVAL, DECIMAL with precision > 38; `column` names it), or a row group above 1 GiB of
 * uncompressed selected column data. `PlatformError` from the FileSystem (missing file, permissions) as is.
 *
 * **Example** (Two columns of flights)
 * ```ts
 * const flights = Source.readParquet("flights-3m.parquet", { columns: ["date", "delay"] })
 * // Effect<Frame, SourceError | PlatformError, FileSystem>
 * ```
 * @since 0.1.0 @category reading
 */
export const readParquet = (
  path: string,
  options: ReadParquetOptions = {}
): Effect.Effect<Frame, SourceError | PlatformError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const threads = options.threads ?? Parallel.defaultThreads()
    const size = threads === 1 ? 0 : Number((yield* fs.stat(path)).size)
    if (threads === 1 || size < Parallel.MIN_PARALLEL_BYTES) {
      const bytes = yield* fs.readFile(path)
      return (yield* guard(path, () => Read.decode(bytes, options))).frame
    }
    const bytes = yield* readShared(fs, path, size)
    // The workers are leased for this scope: handed back to the idle set (unref'd, terminated after a few idle
    // seconds) when the read succeeds, terminated at once when it fails or is interrupted.
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const pool = yield* Effect.acquireRelease(
          Effect.sync(() => Parallel.makePool(threads)),
          (pool, exit) => Effect.promise(() => (Exit.isSuccess(exit) ? pool.close() : pool.abort()))
        )
        return (yield* guard(path, () => Read.decode(bytes, options, { pool }))).frame
      })
    )
  })

/**
 * Reads the footer of a Parquet file without decoding any data page, as pyarrow's `ParquetFile.metadata`.
 *
 * **Details**
 * Output: `numRows`, `createdBy`, format `version`, `schema` (the fields `readParquet` returns, with polaroid
 * dtypes), `keyValueMetadata`, and per row group its `numRows`, `totalByteSize` and per column chunk the leaf
 * `path`, `physicalType`, `codec`, `encodings`, `numValues`, compressed/uncompressed sizes in bytes and
 * `statistics` (`min`/`max` decoded by hyparquet: numbers, bigints for INT64, strings, booleans, Dates for
 * DATE/TIMESTAMP; `nullCount`, `distinctCount`), when the writer stored them.
 *
 * **Errors** `SourceError` for a file that is not Parquet, is encrypted or has a corrupt footer;
 * `PlatformError` from the FileSystem.
 * @since 0.1.0 @category reading
 */
export const readParquetMetadata = (
  path: string
): Effect.Effect<ParquetMetadata, SourceError | PlatformError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs.readFile(path)
    return yield* guard(path, async () => Meta.describeFooter(Meta.readFooter(bytes)))
  })

/**
 * Writes a Frame as a Parquet file, as Polars `write_parquet`, atomically: the bytes go to a temporary file in
 * the same directory, which is then renamed over `path`; on any failure the temporary file is removed, so `path`
 * is either the complete new file or untouched.
 *
 * **Details**
 * Every polaroid dtype is written (encoder: arrow-rs through parquet-wasm), and DuckDB, pyarrow and Polars read the
 * result: Int8–Int64 and UInt8–UInt64 as INTEGER(bits, signed); Float32/64; Boolean; Utf8 as STRING; Categorical
 * as dictionary-encoded STRING; Date as DATE; Timestamp(unit, tz) as TIMESTAMP(unit, isAdjustedToUTC = tz ≠ null)
 * (seconds are stored as milliseconds; the Arrow schema in the file restores the unit and time zone for Arrow
 * readers); Duration as INT64; Decimal(p, s) as DECIMAL(p, s); List as LIST; Struct as a group; Null as
 * an all-null INT32 column. One row group holds at most `rowGroupSize` rows.
 *
 * **Errors** `SourceError` for an unknown `compression`, a `rowGroupSize` that is not a positive integer, a frame
 * without columns, or an encoder failure; `PlatformError` when the directory does not exist or is not writable.
 * @since 0.1.0 @category writing
 */
export const writeParquet = (
  frame: Frame,
  path: string,
  options: WriteParquetOptions = {}
): Effect.Effect<void, SourceError | PlatformError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* guard(path, async () => Write.encode(await Wasm.instance(), frame, options))
    const slash = path.lastIndexOf("/")
    const dir = slash >= 0 ? path.slice(0, slash + 1) : ""
    const base = slash >= 0 ? path.slice(slash + 1) : path
    const tmp = `${dir}.${base}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`
    yield* Effect.onError(
      Effect.andThen(fs.writeFile(tmp, bytes), fs.rename(tmp, path)),
      () => Effect.ignore(fs.remove(tmp))
    )
  })
