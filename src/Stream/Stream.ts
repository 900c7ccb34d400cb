/**
 * Record-batch streams: every source as an Effect `Stream` of Frames (one Frame per record batch), and sinks that
 * write a stream of Frames to a file atomically. See `docs/streaming.md`.
 *
 * Sources need effect's `FileSystem` (provide `NodeServices.layer` from `@effect/platform-node`). File handles are
 * scoped: they are closed when the stream completes, fails or is interrupted (including `Stream.take` stopping
 * early).
 *
 * **Backpressure.** Sources are pull-driven: nothing is read until the consumer pulls. Each file source then
 * decodes ahead through effect's `Stream.buffer({ capacity: readAhead })` (default {@link DEFAULT_READ_AHEAD} = 2).
 * Measured bound (test/Stream.test.ts, slow consumer): the reader is at most `2 × readAhead` batches ahead of the
 * consumer (the queue's slots plus the batch the producer fiber holds while it waits). So a CSV/NDJSON source holds
 * at most `2 × readAhead + 1` decoded batches (each ≤ `batchRows` rows, default 65,536), the unparsed input run
 * (about `chunkBytes`, default 4 MiB, plus one record) and one raw read chunk (1 MiB): with the defaults, 5
 * batches + ~5 MiB. A Parquet source reads by byte ranges (the footer, then one row group's selected column
 * chunks per pull), so it holds the footer plus `2 × readAhead + 1` decoded row groups, whatever the file's size.
 * An Arrow IPC source holds the file's bytes (read once) plus `2 × readAhead + 1` decoded record batches.
 * `readAhead: 0` decodes only on pull.
 *
 * @since 0.1.0
 */
import type * as A from "apache-arrow"
import { arrow } from "../internal/arrowLib.ts"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Pull from "effect/Pull"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { PlatformError } from "effect/PlatformError"
import { type Field, format as formatDtype } from "../Frame/DataType.ts"
import { SourceError } from "../Frame/Errors.ts"
import * as Arrow from "../internal/arrow.ts"
import * as C from "../internal/column.ts"
import type { ReadCsvOptions, WriteCsvOptions } from "../internal/csv/options.ts"
import { formatChunks } from "../internal/csv/write.ts"
import * as F from "../internal/frame.ts"
import type { Frame } from "../internal/frame.ts"
import { toSourceError } from "../internal/parquet/failure.ts"
import * as Ranged from "../internal/parquet/ranged.ts"
import * as Read from "../internal/parquet/read.ts"
import { fieldsOf } from "../internal/parquet/schema.ts"
import * as Files from "../internal/plan/files.ts"
import type * as Write from "../internal/parquet/write.ts"
import * as WriteStream from "../internal/parquet/writeStream.ts"
import * as Bytes from "../internal/stream/bytes.ts"
import * as Csv from "../internal/stream/csv.ts"
import * as IpcWriter from "../internal/stream/ipcWriter.ts"
import * as Ndjson from "../internal/stream/ndjson.ts"

/** Batches decoded ahead of a slow consumer by a file source (see the module comment). @since 0.1.0 */
export const DEFAULT_READ_AHEAD = 2
/** Rows per Frame of the CSV and NDJSON sources, and of {@link fromFrame}. @since 0.1.0 */
export const DEFAULT_BATCH_ROWS = 65_536
/** Input bytes gathered before a CSV run is cut into records. @since 0.1.0 */
export const DEFAULT_CHUNK_BYTES = 4 << 20

/**
 * A progress report of a read or a sink: `rows` emitted (or written) so far, `bytes` of the file read (raw,
 * before decompression) or written, `totalBytes` the file size where known, `filesDone`/`filesTotal` for
 * multi-file work (a single-file read reports 0/1, then 1/1 when it ends).
 * @since 0.1.0 @category models
 */
export interface Progress {
  readonly path: string
  readonly rows: number
  readonly bytes: number
  readonly totalBytes: number | undefined
  readonly filesDone: number
  readonly filesTotal: number
  readonly done: boolean
}

/**
 * Progress as values an application can subscribe to: pass `onProgress` to any source or sink (several may share one
 * tracker), then render `events` (a Stream) or read `latest` (the most recent report).
 * @since 0.1.0 @category models
 */
export interface ProgressTracker {
  /** The callback to give sources and sinks (`{ onProgress: tracker.onProgress }`). */
  readonly onProgress: (progress: Progress) => void
  /** The most recent report, `Option.none()` before the first. */
  readonly latest: Effect.Effect<Option.Option<Progress>>
  /**
   * The reports as a stream: a new subscriber first gets the most recent report (if any), then each later one; a
   * subscriber slower than the reports skips to the newest ones (a sliding buffer of `capacity` reports, so a slow
   * renderer never holds the work back nor grows memory). Ends after the first report with `done: true`.
   */
  readonly events: Stream.Stream<Progress>
}

/**
 * A {@link ProgressTracker}: progress reports as an Effect `Stream` (backed by a sliding `PubSub` with a replay of 1,
 * as a `SubscriptionRef`'s `changes`, but never blocking the reporter) and a latest value, as an alternative to
 * rendering from the callback. Scoped: the tracker's `PubSub` is shut down when the scope closes (its `events`
 * streams then end).
 *
 * **Details** Run the work and the renderer together, e.g.
 * `Effect.all([Stream.runForEach(t.events, render), Stream.runDrain(Stream.csv(p, { onProgress: t.onProgress }))],
 * { concurrency: 2 })`. `events` ends after the `done` report; if the work fails no such report comes, so race the
 * renderer with the work (or close the scope) in that case. `capacity` (default 16) bounds the reports buffered for
 * a slow subscriber.
 * @since 0.1.0 @category constructors
 */
export const progressTracker = (options: { readonly capacity?: number | undefined } = {}): Effect.Effect<ProgressTracker, never, Scope.Scope> =>
  Effect.gen(function* () {
    const capacity = Math.max(1, Math.floor(options.capacity ?? 16))
    const pubsub = yield* Effect.acquireRelease(PubSub.sliding<Progress>({ capacity, replay: 1 }), PubSub.shutdown)
    let last: Progress | undefined
    return {
      onProgress: (p) => {
        last = p
        // a sliding PubSub never suspends a publisher, so this runs to completion synchronously
        Effect.runSync(PubSub.publish(pubsub, p))
      },
      latest: Effect.sync(() => Option.fromNullishOr(last)),
      events: Stream.fromPubSub(pubsub).pipe(Stream.takeUntil((p) => p.done))
    }
  })

/** Options shared by the file sources. @since 0.1.0 @category models */
export interface SourceOptions {
  /** Batches decoded ahead of the consumer (default 2); 0 disables read-ahead (decode on pull only). */
  readonly readAhead?: number | undefined
  /** Called after every batch produced by the reader (before the read-ahead buffer) and once at the end. */
  readonly onProgress?: ((progress: Progress) => void) | undefined
}

/** @since 0.1.0 @category models */
export interface ParquetStreamOptions extends SourceOptions {
  /** Top-level columns to decode, in this order; all when absent. */
  readonly columns?: ReadonlyArray<string> | undefined
  /** 0-based row groups to read, in file order; all when absent (e.g. from statistics pruning). */
  readonly rowGroups?: ReadonlyArray<number> | undefined
}

/** @since 0.1.0 @category models */
export interface CsvStreamOptions extends ReadCsvOptions, SourceOptions {
  /** At most this many rows per Frame (default 65,536). */
  readonly batchRows?: number | undefined
  /** Input bytes gathered before cutting a run of whole records (default 4 MiB). */
  readonly chunkBytes?: number | undefined
  /** Override the compression implied by the magic bytes / extension. */
  readonly compression?: Bytes.Compression | undefined
}

/** @since 0.1.0 @category models */
export interface NdjsonStreamOptions extends SourceOptions {
  /** The schema (field order and dtypes); inferred from the first batch when absent. */
  readonly schema?: ReadonlyArray<Field> | undefined
  /** At most this many rows per Frame (default 65,536). */
  readonly batchRows?: number | undefined
  readonly compression?: Bytes.Compression | undefined
}

type Source = Stream.Stream<Frame, SourceError | PlatformError, FileSystem.FileSystem>

const positive = (path: string, format: string, name: string, v: number | undefined, dflt: number): number | SourceError => {
  const x = v ?? dflt
  return Number.isInteger(x) && x > 0
    ? x
    : new SourceError({ path, format, message: `invalid ${name}: ${x}`, expected: "a positive integer" })
}

/** Progress bookkeeping + read-ahead buffer around a source's frames. */
const instrument = (
  path: string,
  frames: (onRaw: (n: number) => void) => Source,
  options: SourceOptions
): Source =>
  Stream.unwrap(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const cb = options.onProgress
      const readAhead = options.readAhead ?? DEFAULT_READ_AHEAD
      let total: number | undefined
      if (cb !== undefined) {
        const info = yield* fs.stat(path)
        total = Number(info.size)
      }
      let rows = 0
      let bytes = 0
      const report = (done: boolean) =>
        cb?.({ path, rows, bytes, totalBytes: total, filesDone: done ? 1 : 0, filesTotal: 1, done })
      let s = frames((n) => {
        bytes += n
      })
      if (cb !== undefined)
        s = s.pipe(
          Stream.tap((f) =>
            Effect.sync(() => {
              rows += f.height
              report(false)
            })
          ),
          Stream.onEnd(Effect.sync(() => report(true)))
        )
      return readAhead > 0 ? Stream.buffer(s, { capacity: readAhead }) : s
    })
  )

const guard = <A>(path: string, f: () => Promise<A> | A): Effect.Effect<A, SourceError> =>
  Effect.tryPromise({ try: async () => f(), catch: (e) => toSourceError(path, e) })

/**
 * One Parquet file (see {@link parquet}) by ranged reads: the footer from the file's tail, then each pull reads and
 * decodes one row group's selected column chunks. Row groups the ranged reader cannot decode as `readParquet` would
 * (INT96 columns, a disagreeing decode) are decoded from the whole file, read once on first need.
 */
const parquetOne = (path: string, options: ParquetStreamOptions): Source =>
  instrument(
    path,
    (onRaw) =>
      Stream.unwrap(
        Effect.gen(function* () {
          const fs = yield* FileSystem.FileSystem
          yield* fs.stat(path) // a missing or unreadable file is the FileSystem's PlatformError, as for readParquet
          const ff = yield* guard(path, () => Ranged.readFooter(path))
          onRaw(ff.size - ff.footer.raw.row_groups.reduce((s, rg) => s + rg.columns.reduce((t, c) => t + Number(c.meta_data!.total_compressed_size), 0), 0))
          const sel = yield* guard(path, () => Read.select(ff.footer, { columns: options.columns, rowGroups: options.rowGroups }))
          const expect = fieldsOf(sel.nodes)
          const wanted = new Set(sel.nodes.map((n) => n.name))
          const columns = sel.all ? undefined : sel.nodes.map((n) => n.name)
          const reader = yield* Effect.acquireRelease(guard(path, () => Ranged.openReader(ff)), (r) => Effect.sync(() => r?.close()))
          let whole: Uint8Array | undefined
          const decode = (g: number) =>
            Effect.gen(function* () {
              const rg = ff.footer.raw.row_groups[g]!
              let n = 0
              for (const c of rg.columns) if (wanted.has(c.meta_data!.path_in_schema[0]!)) n += Number(c.meta_data!.total_compressed_size)
              const fast = reader === undefined ? undefined : yield* Effect.promise(() => Ranged.readRowGroup(reader, g, columns, expect))
              if (fast !== undefined) {
                onRaw(n)
                return fast
              }
              whole ??= yield* fs.readFile(path)
              onRaw(n)
              const bytes = whole
              return (yield* guard(path, () => Read.decode(bytes, { columns: options.columns, rowGroups: [g] }))).frame
            })
          return Stream.fromIterable(sel.rowGroups).pipe(Stream.mapEffect(decode))
        })
      ),
    options
  )

const detected = (path: string, want: Bytes.Format, override: Bytes.Compression | undefined) =>
  Effect.gen(function* () {
    if (override !== undefined) return override
    const head = yield* Bytes.readHead(path)
    const d = Bytes.detect(path, head)
    if (d instanceof SourceError) {
      // Text formats under unusual names: trust the caller, but still honour a compression magic.
      if (head[0] === 0x1f && head[1] === 0x8b) return "gzip" as const
      if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd" as const
      if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31)
        return yield* new SourceError({ path, format: want, message: `a Parquet file, not ${want}`, byteOffset: 0, expected: want })
      return Bytes.compressionOfName(path).compression
    }
    if (d.format !== want)
      return yield* new SourceError({
        path,
        format: want,
        message: `expected ${want}, but the file is ${d.format}`,
        byteOffset: 0,
        expected: want
      })
    return d.compression
  })

/** One CSV file (see {@link csv}): read in 1 MiB chunks, parsed in runs of whole records. */
const csvOne = (path: string, options: CsvStreamOptions): Source =>
  Stream.unwrap(
    Effect.gen(function* () {
      const batchRows = positive(path, "csv", "batchRows", options.batchRows, DEFAULT_BATCH_ROWS)
      if (batchRows instanceof SourceError) return yield* batchRows
      const chunkBytes = positive(path, "csv", "chunkBytes", options.chunkBytes, DEFAULT_CHUNK_BYTES)
      if (chunkBytes instanceof SourceError) return yield* chunkBytes
      const compression = yield* detected(path, "csv", options.compression)
      return instrument(
        path,
        (onRaw) => Csv.frames(Bytes.bytes(path, compression, "csv", onRaw), path, options, { batchRows, chunkBytes }),
        options
      )
    })
  )

/** Files read at once by a multi-file source (default). @since 0.1.0 */
export const DEFAULT_FILE_CONCURRENCY = 2

/** Options of the multi-file sources (a list of paths or a glob). @since 0.1.0 @category models */
export interface MultiFileOptions {
  /** Files read at once (default 2): each holds its reader and up to `readAhead` decoded batches. */
  readonly concurrency?: number | undefined
  /** Emit the files' batches in path order (default true); `false` emits batches as they are decoded. */
  readonly ordered?: boolean | undefined
}

type FileInput = string | ReadonlyArray<string>

/**
 * Several files as one stream. The paths (a list, in the given order, or a glob's matches sorted by path) are read
 * with at most `concurrency` files open at once. Ordered (default): file k+1.. decode ahead into bounded queues
 * (`max(1, readAhead)` batches each) while file k is consumed; a file holds its permit from opening until its last
 * batch is queued, so the file being consumed (the earliest unfinished one, started first) always progresses.
 * Unordered: the files' streams are merged as their batches arrive. Progress reports carry `filesDone`/`filesTotal`.
 */
const multiFile = (
  input: FileInput,
  format: "parquet" | "csv",
  options: MultiFileOptions & SourceOptions,
  one: (path: string, onProgress: SourceOptions["onProgress"]) => Source
): Source => {
  if (typeof input === "string" && !Files.isGlob(input)) return one(input, options.onProgress)
  return Stream.unwrap(
    Effect.gen(function* () {
      const where = typeof input === "string" ? input : `[${input.join(", ")}]`
      const concurrency = positive(where, format, "concurrency", options.concurrency, DEFAULT_FILE_CONCURRENCY)
      if (concurrency instanceof SourceError) return yield* concurrency
      const set = yield* Files.listFiles(Files.make(input, { hive: false }), format).pipe(
        Effect.mapError((e) => (e instanceof SourceError ? e : toSourceError(where, e)))
      )
      const paths = (set.files ?? []).map((f) => f.path)
      const cb = options.onProgress
      let filesDone = 0
      const progressOf = (path: string): SourceOptions["onProgress"] =>
        cb === undefined
          ? undefined
          : (p) => {
              if (p.done) filesDone++
              cb({ ...p, path, filesDone, filesTotal: paths.length, done: p.done && filesDone === paths.length })
            }
      const open = (path: string) => one(path, progressOf(path))
      if (options.ordered === false) return Stream.fromIterable(paths).pipe(Stream.flatMap(open, { concurrency }))
      const scope = yield* Effect.scope
      const permits = yield* Semaphore.make(concurrency)
      const capacity = Math.max(1, options.readAhead ?? DEFAULT_READ_AHEAD)
      const start = (path: string) =>
        Effect.gen(function* () {
          yield* Semaphore.take(permits, 1)
          const q = yield* Queue.bounded<Frame, SourceError | PlatformError | Cause.Done>(capacity)
          yield* Effect.forkIn(
            Stream.runForEach(open(path), (f) => Queue.offer(q, f)).pipe(
              Effect.matchCauseEffect({ onFailure: (c) => Queue.failCause(q, c), onSuccess: () => Queue.end(q) }),
              Effect.ensuring(Semaphore.release(permits, 1))
            ),
            scope
          )
          return q
        })
      return Stream.fromIterable(paths).pipe(
        Stream.mapEffect(start),
        // keeps starting files while the consumer is on an earlier one (bounded by the permits)
        Stream.buffer({ capacity: concurrency }),
        Stream.flatMap((q) => Stream.fromQueue(q))
      )
    })
  )
}

/**
 * The row groups of one or more Parquet files as a stream, one Frame per row group (files in path order, row
 * groups in file order), as Polars `scan_parquet(...).collect(streaming=True)`.
 *
 * **Details** `path` is one file, a list of files or a glob (matches sorted by path); several files are read with
 * at most `concurrency` (default 2) open at once, their batches in path order unless `ordered: false` (see
 * {@link MultiFileOptions}). Each file is read by byte ranges: its footer (from the file's tail) is parsed and the
 * selection (`columns`, `rowGroups`, applied to every file) validated before the first row group is read; each pull
 * then reads only that row group's selected column chunks and decodes them (parquet-wasm) with the same dtypes as
 * `Source.readParquet`, so memory is the footer plus at most `2 × readAhead + 1` decoded row groups per open file.
 * Files with INT96 columns (exact decoding by hyparquet) are read whole once instead. Bytes progress counts the
 * footer and non-data bytes at the start, then each row group's selected column chunks as they are read. Files of
 * one stream must share a schema (a downstream sink checks it).
 *
 * **Errors** `SourceError` (format "parquet") as `Source.readParquet` (not Parquet, unknown column, missing row
 * group, corrupt data), a glob matching no file, an invalid `concurrency`; `PlatformError` from the FileSystem.
 * @since 0.1.0 @category sources
 */
export const parquet = (path: FileInput, options: ParquetStreamOptions & MultiFileOptions = {}): Source =>
  multiFile(path, "parquet", options, (p, onProgress) => parquetOne(p, { ...options, onProgress }))

/**
 * One or more CSV files as a stream of Frames of at most `batchRows` rows, parsed in chunks, as Polars
 * `scan_csv(...).collect(streaming=True)`. `.gz`, `.zst` and `.br` files are decompressed on the fly.
 *
 * **Details** `path` is one file, a list or a glob, read as {@link parquet} reads several files (`concurrency`,
 * default 2; path order unless `ordered: false`); each file's schema is inferred separately (pass `dtypes`/`schema`
 * to make them agree). Each file is read in 1 MiB chunks; runs of about `chunkBytes` of whole records (quoted
 * fields may hold line breaks and are never split) are parsed with the options and dtypes of `Source.readCsv`. The
 * schema is inferred from the first run (first `inferSchemaLength` rows, widened over that run) and then fixed.
 *
 * **Errors** `SourceError` (format "csv") as `Source.readCsv`, with `row` the 1-based line in the file and
 * `byteOffset` in the (decompressed) data; in particular a value in a later batch that does not fit the dtype
 * fixed by the first (pass `dtypes`/`schema`, or a larger `inferSchemaLength`/`chunkBytes`, to avoid it); a
 * corrupt compressed file; a file whose magic bytes say another format; a glob matching no file. `PlatformError`
 * from the FileSystem.
 * @since 0.1.0 @category sources
 */
export const csv = (path: FileInput, options: CsvStreamOptions & MultiFileOptions = {}): Source =>
  multiFile(path, "csv", options, (p, onProgress) => csvOne(p, { ...options, onProgress }))

/**
 * A newline-delimited JSON file (one object per line) as a stream of Frames of at most `batchRows` rows, as
 * Polars `scan_ndjson`. `.gz`, `.zst` and `.br` are decompressed on the fly.
 *
 * **Details** Columns in order of first appearance; dtypes from the first batch (or `schema`): integer literals are
 * read exactly as Int64 (no rounding above 2^53), other numbers Float64 (a column mixing both is Float64),
 * booleans, strings, arrays → List, objects → Struct; `null` and absent fields are null. Blank lines are skipped.
 *
 * **Errors** `SourceError` (format "ndjson") naming the 1-based line for invalid JSON or UTF-8, a line that is not
 * an object, a field absent from the fixed schema, or a value that does not fit its column's dtype.
 * @since 0.1.0 @category sources
 */
export const ndjson = (path: string, options: NdjsonStreamOptions = {}): Source =>
  Stream.unwrap(
    Effect.gen(function* () {
      const batchRows = positive(path, "ndjson", "batchRows", options.batchRows, DEFAULT_BATCH_ROWS)
      if (batchRows instanceof SourceError) return yield* batchRows
      const compression = yield* detected(path, "ndjson", options.compression)
      return instrument(
        path,
        (onRaw) => Ndjson.frames(Bytes.bytes(path, compression, "ndjson", onRaw), path, options.schema, batchRows),
        options
      )
    })
  )

/**
 * An Arrow IPC file (`ARROW1` file format) or stream as a stream of Frames, one per record batch (apache-arrow's
 * `RecordBatchReader`; zero-copy as `Frame.fromArrow`), as pyarrow's `ipc.open_file`/`open_stream`.
 *
 * **Errors** `SourceError` (format "ipc") for bytes that are not Arrow IPC, compressed IPC bodies (apache-arrow JS
 * does not decompress LZ4/ZSTD buffers) or Arrow types polaroid does not model (naming the column).
 * @since 0.1.0 @category sources
 */
export const arrowIpc = (path: string, options: SourceOptions = {}): Source =>
  instrument(
    path,
    (onRaw) =>
      Stream.unwrap(
        Effect.gen(function* () {
          const fs = yield* FileSystem.FileSystem
          const bytes = yield* fs.readFile(path)
          onRaw(bytes.length)
          const fail = (e: unknown) =>
            new SourceError({
              path,
              format: "ipc",
              message: `cannot read Arrow IPC: ${e instanceof Error ? e.message : String(e)}`,
              expected: "an Arrow IPC file or stream"
            })
          const reader = yield* Effect.try({
            try: () => {
              const r = arrow().RecordBatchReader.from(bytes)
              r.open()
              return r
            },
            catch: fail
          })
          if (!reader.isSync()) return yield* fail(new Error("asynchronous reader"))
          const schema = yield* Effect.try({
            try: () => reader.schema.fields.map((f) => ({ name: f.name, dtype: Arrow.dtypeFromArrow(f.type) })),
            catch: fail
          })
          const it = reader[Symbol.iterator]()
          return Stream.fromPull(
            Effect.succeed(
              Effect.suspend((): Pull.Pull<readonly [Frame], SourceError> => {
                let next: IteratorResult<A.RecordBatch>
                try {
                  next = it.next()
                } catch (e) {
                  return Effect.fail(fail(e))
                }
                if (next.done === true) return Cause.done()
                const b = next.value
                try {
                  const columns = b.data.children.map((d) => Arrow.columnFromData(d))
                  return Effect.succeed([F.unsafeMake(schema, [{ length: b.numRows, columns }])] as const)
                } catch (e) {
                  return Effect.fail(fail(e))
                }
              })
            )
          ).pipe(Stream.ensuring(Effect.sync(() => reader.cancel())))
        })
      ),
    options
  )

/**
 * An in-memory frame as a stream of Frames of `batchSize` rows (the last may be shorter; an empty frame gives
 * one empty Frame so the schema is not lost). Slices share the frame's buffers.
 * **Errors** none (a `batchSize` below 1 is treated as 1).
 * @since 0.1.0 @category sources
 */
export const fromFrame = (frame: Frame, options: { readonly batchSize?: number | undefined } = {}): Stream.Stream<Frame> =>
  Stream.suspend(() => {
    const size = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_ROWS))
    if (frame.height === 0) return Stream.succeed(frame)
    const cols = F.contiguous(frame)
    const starts: Array<number> = []
    for (let s = 0; s < frame.height; s += size) starts.push(s)
    return Stream.fromIterable(starts).pipe(
      Stream.map((s) => {
        const n = Math.min(size, frame.height - s)
        return F.unsafeMake(frame.schema, [{ length: n, columns: cols.map((c) => C.slice(c, s, n)) }])
      })
    )
  })

/**
 * Any supported file as a stream, the format decided by its magic bytes (PAR1 → Parquet, ARROW1 or an IPC
 * stream marker → Arrow IPC, gzip/zstd → the compressed text format named by the extension) and extension
 * (`.csv`/`.tsv`, `.ndjson`/`.jsonl`, `.br`), with default options (a `.tsv` uses a tab delimiter).
 *
 * **Errors** `SourceError` (format "unknown" or the format claimed) for an unknown format or a name that
 * contradicts the magic bytes, then the errors of the chosen source.
 * @since 0.1.0 @category sources
 */
export const read = (path: string, options: SourceOptions = {}): Source =>
  Stream.unwrap(
    Effect.gen(function* () {
      const head = yield* Bytes.readHead(path)
      const d = Bytes.detect(path, head)
      if (d instanceof SourceError) return yield* d
      switch (d.format) {
        case "parquet":
          return parquet(path, options)
        case "ipc":
          return arrowIpc(path, options)
        case "csv":
          return csv(path, {
            ...options,
            compression: d.compression,
            ...(Bytes.compressionOfName(path).stem.endsWith(".tsv") ? { delimiter: "\t" } : {})
          })
        case "ndjson":
          return ndjson(path, { ...options, compression: d.compression })
      }
    })
  )

// ---------------------------------------------------------------------------------------------------------------
// Sinks
// ---------------------------------------------------------------------------------------------------------------

/** What a sink wrote. @since 0.1.0 @category models */
export interface SinkResult {
  readonly path: string
  readonly rows: number
  readonly bytes: number
}

/** @since 0.1.0 @category models */
export interface SinkOptions {
  /** Called after each batch written (and once at the end with `done: true`). */
  readonly onProgress?: ((progress: Progress) => void) | undefined
}

interface Writer {
  /** Encodes one frame; returns the bytes to append now (possibly none). */
  readonly frame: (f: Frame) => Effect.Effect<ReadonlyArray<Uint8Array>, SourceError>
  /** Bytes to append at the end (given the schema of the first frame, if any). */
  readonly finish: () => Effect.Effect<ReadonlyArray<Uint8Array>, SourceError>
  /** Releases the encoder after a failure or interruption (called in every case; must be idempotent). */
  readonly close?: (() => void) | undefined
}

const tempPath = (path: string): string => {
  const slash = path.lastIndexOf("/")
  const dir = slash >= 0 ? path.slice(0, slash + 1) : ""
  const base = slash >= 0 ? path.slice(slash + 1) : path
  return `${dir}.${base}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`
}

/**
 * A sink writing to a temporary file next to `path` (same directory, so the rename is atomic), renamed onto
 * `path` after the last byte is written and synced. On failure or interruption the temporary file is removed
 * and `path` is untouched.
 */
const atomicSink = (
  path: string,
  makeWriter: () => Writer,
  options: SinkOptions
): Sink.Sink<SinkResult, Frame, never, SourceError | PlatformError, FileSystem.FileSystem> =>
  Sink.fromTransform((upstream, scope) =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const tmp = tempPath(path)
      let committed = false
      yield* Scope.addFinalizer(
        scope,
        Effect.suspend(() => (committed ? Effect.void : Effect.ignore(fs.remove(tmp, { force: true }))))
      )
      const file = yield* Scope.provide(fs.open(tmp, { flag: "w" }), scope)
      const w = makeWriter()
      if (w.close !== undefined) yield* Scope.addFinalizer(scope, Effect.sync(w.close))
      let rows = 0
      let bytes = 0
      const report = (done: boolean) =>
        options.onProgress?.({ path, rows, bytes, totalBytes: undefined, filesDone: done ? 1 : 0, filesTotal: 1, done })
      const put = (parts: ReadonlyArray<Uint8Array>) =>
        Effect.forEach(parts, (p) => Effect.tap(file.writeAll(p), () => Effect.sync(() => (bytes += p.length))), {
          discard: true
        })
      yield* upstream.pipe(
        Effect.flatMap((frames) =>
          Effect.forEach(
            frames,
            (f) =>
              Effect.flatMap(w.frame(f), put).pipe(
                Effect.tap(() =>
                  Effect.sync(() => {
                    rows += f.height
                    report(false)
                  })
                )
              ),
            { discard: true }
          )
        ),
        Effect.forever({ disableYield: true }),
        Pull.catchDone(() => Effect.void)
      )
      yield* Effect.flatMap(w.finish(), put)
      yield* file.sync
      yield* fs.rename(tmp, path)
      committed = true
      report(true)
      return [{ path, rows, bytes }] as const
    })
  )

const encoder = new TextEncoder()

/** Accumulates frames and checks that every frame has the first one's schema. */
const collector = (path: string, format: string) => {
  let schema: ReadonlyArray<Field> | undefined
  const batches: Array<F.Batch> = []
  const check = (f: Frame): SourceError | undefined => {
    if (schema === undefined) {
      schema = f.schema
      return undefined
    }
    const s = schema
    if (f.schema.length !== s.length || f.schema.some((x, i) => x.name !== s[i]!.name || formatDtype(x.dtype) !== formatDtype(s[i]!.dtype)))
      return new SourceError({
        path,
        format,
        message: `a batch's schema [${f.schema.map((x) => `${x.name}: ${formatDtype(x.dtype)}`).join(", ")}] differs from the first batch's [${s.map((x) => `${x.name}: ${formatDtype(x.dtype)}`).join(", ")}]`,
        expected: "every batch with the same schema"
      })
    return undefined
  }
  return {
    check,
    add: (f: Frame): SourceError | undefined => {
      const e = check(f)
      if (e === undefined) for (const b of f.batches) if (b.length > 0) batches.push(b)
      return e
    },
    frame: (): Frame | undefined => (schema === undefined ? undefined : F.unsafeMake(schema, batches))
  }
}

/** @since 0.1.0 @category models */
export interface SinkParquetOptions extends SinkOptions {
  /** Maximum rows per row group (default 1,048,576): each row group is written as soon as it fills. */
  readonly rowGroupSize?: number | undefined
  /** As `Source.writeParquet` (default "zstd"). */
  readonly compression?: Write.Compression | undefined
}

/**
 * A sink writing the stream's Frames to one Parquet file (row groups of `rowGroupSize` rows, the last one
 * shorter), atomically (temporary file + rename), as Polars `sink_parquet`. Same type mapping as
 * `Source.writeParquet` (arrow-rs writer, Arrow schema stored in the file).
 *
 * **Details** Incremental, in bounded memory: each batch is encoded into the open row group as it arrives (arrow-rs
 * `AsyncArrowWriter` via parquet-wasm); when the row group reaches `rowGroupSize` rows it is closed and its bytes
 * are appended to the temporary file. The sink holds at most the open row group (encoded and compressed), the batch
 * being encoded and one closed row group's bytes, whatever the stream's length. A stream whose batches are all
 * empty writes a file with the schema and no rows.
 *
 * **Errors** `SourceError` (format "parquet") for batches with differing schemas, an empty stream (no schema),
 * invalid options or an encoder failure; `PlatformError` from the FileSystem.
 * @since 0.1.0 @category sinks
 */
export const sinkParquet = (path: string, options: SinkParquetOptions = {}) =>
  atomicSink(
    path,
    () => {
      const acc = collector(path, "parquet")
      let enc: WriteStream.ParquetStreamEncoder | undefined
      const encoder = () => (enc ??= WriteStream.make({ rowGroupSize: options.rowGroupSize, compression: options.compression }))
      return {
        frame: (f) =>
          Effect.suspend(() => {
            const e = acc.check(f)
            return e !== undefined ? Effect.fail(e) : guard(path, () => encoder().write(f))
          }),
        finish: () => guard(path, () => encoder().finish()),
        close: () => enc?.abort()
      }
    },
    options
  )

/**
 * A sink writing the stream's Frames as CSV (header once, then each batch as it arrives; format as
 * `Source.writeCsv`), atomically, as Polars `sink_csv`. Memory: one batch's text at a time.
 * **Errors** `SourceError` (format "csv") for List/Struct columns, invalid options or a batch whose schema differs
 * from the first; `PlatformError` from the FileSystem.
 * @since 0.1.0 @category sinks
 */
export const sinkCsv = (path: string, options: WriteCsvOptions & SinkOptions = {}) =>
  atomicSink(
    path,
    () => {
      const acc = collector(path, "csv")
      let first = true
      return {
        frame: (f) =>
          Effect.suspend(() => {
            const e = acc.check(f)
            if (e !== undefined) return Effect.fail(e)
            const parts: Array<Uint8Array> = []
            const r = formatChunks(f, { ...options, includeHeader: first && (options.includeHeader ?? true) }, path, (t) =>
              parts.push(encoder.encode(t))
            )
            first = false
            return r._tag === "Failure" ? Effect.fail(r.failure) : Effect.succeed(parts)
          }),
        finish: () => Effect.succeed([])
      }
    },
    options
  )

const jsonReplacer = (_key: string, v: unknown): unknown =>
  typeof v === "bigint" ? (JSON as unknown as { rawJSON: (s: string) => unknown }).rawJSON(v.toString()) : v

/**
 * A sink writing one JSON object per row and line (values as `Frame.toRows`: Int64 as exact integers, Date and
 * Timestamp as ISO strings, null as null), atomically, as Polars `sink_ndjson`.
 * **Errors** `SourceError` for a batch whose schema differs from the first; `PlatformError` from the FileSystem.
 * @since 0.1.0 @category sinks
 */
export const sinkNdjson = (path: string, options: SinkOptions = {}) =>
  atomicSink(
    path,
    () => {
      const acc = collector(path, "ndjson")
      return {
        frame: (f) =>
          Effect.suspend(() => {
            const e = acc.check(f)
            if (e !== undefined) return Effect.fail(e)
            const cols = F.contiguous(f)
            const names = f.columns
            let text = ""
            const parts: Array<Uint8Array> = []
            for (let i = 0; i < f.height; i++) {
              const row: Record<string, unknown> = {}
              for (let j = 0; j < cols.length; j++) row[names[j]!] = C.getValue(cols[j]!, i)
              text += `${JSON.stringify(row, jsonReplacer)}\n`
              if (text.length > 1 << 20) {
                parts.push(encoder.encode(text))
                text = ""
              }
            }
            if (text.length > 0) parts.push(encoder.encode(text))
            return Effect.succeed(parts)
          }),
        finish: () => Effect.succeed([])
      }
    },
    options
  )

/**
 * A sink writing an Arrow IPC file (`format: "file"`, default, readable by `Stream.arrowIpc`, pyarrow and DuckDB)
 * or stream (`"stream"`), atomically, as Polars `sink_ipc`.
 *
 * **Details** Incremental: each batch is written as one record batch as it arrives (apache-arrow's
 * `RecordBatchFileWriter` / `RecordBatchStreamWriter`), so memory is one batch plus the file footer's block index.
 * Top-level Categorical columns share one dictionary across batches, extended by delta dictionary batches (the
 * file format forbids replacing a dictionary), which holds the distinct values seen so far.
 *
 * **Errors** `SourceError` (format "ipc") for batches with differing schemas, an empty stream (no schema) or a
 * writer failure (e.g. a Categorical nested in a List or Struct whose dictionary changes between batches, in the
 * file format); `PlatformError` from the FileSystem.
 * @since 0.1.0 @category sinks
 */
export const sinkIpc = (path: string, options: SinkOptions & { readonly format?: "file" | "stream" | undefined } = {}) =>
  atomicSink(
    path,
    () => {
      const acc = collector(path, "ipc")
      let enc: IpcWriter.IpcEncoder | undefined
      const attempt = (f: () => ReadonlyArray<Uint8Array>) =>
        Effect.try({ try: f, catch: (e) => new SourceError({ path, format: "ipc", message: `cannot write Arrow IPC: ${String(e)}` }) })
      return {
        frame: (f) =>
          Effect.suspend(() => {
            const e = acc.check(f)
            if (e !== undefined) return Effect.fail(e)
            const w = (enc ??= IpcWriter.make(f.schema, options.format ?? "file"))
            return attempt(() => w.write(f))
          }),
        finish: () =>
          enc === undefined
            ? Effect.fail(
                new SourceError({ path, format: "ipc", message: "empty stream: no batch, so no schema to write", expected: "at least one batch" })
              )
            : attempt(enc.finish)
      }
    },
    options
  )

/** @since 0.1.0 @category models */
export interface SinkPartitionedOptions extends SinkOptions {
  /** Output directory (created when missing). */
  readonly dir: string
  /** Partition columns: each distinct key goes to `dir/col=value/` (nested in this order). */
  readonly by: ReadonlyArray<string>
  /** File format of the parts (default "parquet"). */
  readonly format?: "parquet" | "csv" | "ndjson" | "ipc" | undefined
}

const EXT = { parquet: "parquet", csv: "csv", ndjson: "ndjson", ipc: "arrow" } as const

/**
 * A partitioned sink, as Polars `sink_parquet(PartitionByKey)` / Hive layout: each incoming batch is split by the
 * values of `by` and each part is written atomically as `dir/k1=v1/k2=v2/part-N.ext` (N counts the parts of that
 * key, from 0). Key values are their display text (null → `__HIVE_DEFAULT_PARTITION__`, `/` escaped as `%2F`);
 * the key columns stay in the files. Memory: one batch at a time.
 * **Errors** `SourceError` for an unknown `by` column or the errors of the part format; `PlatformError`.
 * Parts already written stay when a later part fails (each part itself is complete or absent).
 * @since 0.1.0 @category sinks
 */
export const sinkPartitioned = (
  options: SinkPartitionedOptions
): Sink.Sink<{ readonly files: ReadonlyArray<string>; readonly rows: number }, Frame, never, SourceError | PlatformError, FileSystem.FileSystem> => {
  const format = options.format ?? "parquet"
  const counts = new Map<string, number>()
  const files: Array<string> = []
  let rows = 0
  const writeOne = (f: Frame, path: string) => {
    const sink =
      format === "parquet" ? sinkParquet(path) : format === "csv" ? sinkCsv(path) : format === "ndjson" ? sinkNdjson(path) : sinkIpc(path)
    return Stream.run(Stream.succeed(f), sink)
  }
  return Sink.fromTransform((upstream) =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const part = (f: Frame) =>
        Effect.gen(function* () {
          const idx: Array<number> = []
          for (const name of options.by) {
            const i = f.columns.indexOf(name)
            if (i < 0)
              return yield* new SourceError({
                path: options.dir,
                format,
                message: `partition column "${name}" not found; available: ${f.columns.join(", ")}`,
                column: name,
                expected: `one of ${f.columns.join(", ")}`
              })
            idx.push(i)
          }
          const cols = F.contiguous(f)
          const keys = idx.map((i) => C.toStrings(cols[i]!))
          const groups = new Map<string, Array<number>>()
          for (let r = 0; r < f.height; r++) {
            let k = ""
            for (let j = 0; j < idx.length; j++) {
              const v = keys[j]![r]
              k += `${j > 0 ? "/" : ""}${options.by[j]}=${v === null ? "__HIVE_DEFAULT_PARTITION__" : v.replaceAll("/", "%2F")}`
            }
            let g = groups.get(k)
            if (g === undefined) groups.set(k, (g = []))
            g.push(r)
          }
          for (const [k, rs] of groups) {
            const ix = Int32Array.from(rs)
            const sub = F.fromColumnsUnsafe(f.columns, cols.map((c) => C.take(c, ix)))
            const n = counts.get(k) ?? 0
            counts.set(k, n + 1)
            const dir = `${options.dir}/${k}`
            yield* fs.makeDirectory(dir, { recursive: true })
            const path = `${dir}/part-${n}.${EXT[format]}`
            yield* writeOne(sub, path)
            files.push(path)
          }
          rows += f.height
          options.onProgress?.({ path: options.dir, rows, bytes: 0, totalBytes: undefined, filesDone: files.length, filesTotal: files.length, done: false })
        })
      yield* upstream.pipe(
        Effect.flatMap((frames) => Effect.forEach(frames, part, { discard: true })),
        Effect.forever({ disableYield: true }),
        Pull.catchDone(() => Effect.void)
      )
      options.onProgress?.({ path: options.dir, rows, bytes: 0, totalBytes: undefined, filesDone: files.length, filesTotal: files.length, done: true })
      return [{ files: [...files], rows }] as const
    })
  )
}

/**
 * Collects a stream of Frames into one Frame (batches kept), as `Stream.runCollect` followed by a concat.
 * **Errors** the stream's, and `SourceError` for batches with differing schemas; an empty stream gives
 * `Option.none()`.
 * @since 0.1.0 @category destructors
 */
export const collect = <E, R>(self: Stream.Stream<Frame, E, R>): Effect.Effect<Option.Option<Frame>, E | SourceError, R> =>
  Effect.flatMap(Stream.runCollect(self), (frames) => {
    const acc = collector("<stream>", "stream")
    for (const f of frames) {
      const e = acc.add(f)
      if (e !== undefined) return Effect.fail(e)
    }
    return Effect.succeed(Option.fromNullishOr(acc.frame()))
  })
