/**
 * Streaming scans. An in-memory frame is cut into batches of `batchSize` rows (zero-copy slices). A Parquet scan
 * reads its files one after another (after hive-partition pruning), keeps the row groups whose statistics may
 * match the pushed-down predicate, and decodes them **one row group at a time** with the projected and predicate
 * columns only, applying the predicate and projection per batch; the consumer pulls, so a `head` downstream stops
 * the decoding after the row group that completes it. The scan's `limit` is applied as a streaming slice. Each file
 * is read by byte ranges (the footer, then each row group's selected column chunks: see `parquet/ranged.ts`), so memory
 * does not grow with the file's size. Files of at least `MIN_WORKER_BYTES` are decoded on worker threads (two per
 * scan, `decoder.ts`) up to `AHEAD` row groups ahead of the consumer, and the decoded row groups pass through a
 * read-ahead buffer of `readAhead` (default 1), so decoding and I/O overlap the downstream work; below a `slice`/`head`
 * or with a scan limit there is neither (only the row groups needed are decoded). A group-by right above may take
 * the predicate over (`deferPredicate`): the batches then come unfiltered and unprojected, each with its input
 * position (`carrier.ts`), its Utf8 keys possibly dictionary-decoded (Categorical), and — when the group-by is of
 * the direct shape (`AggSpec`) — most row groups never come at all: the decode workers filter and aggregate them
 * (`partialAgg.ts`), an empty carrier frame reports their rows, and after the last file the workers' tables come
 * as carriers of their partials.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Stream from "effect/Stream"
import { statSync } from "node:fs"
import { Expr } from "../../../Expr/Expr.ts"
import type { Field } from "../../../Frame/DataType.ts"
import * as C from "../../column.ts"
import * as Engine from "../../expr/engine.ts"
import * as F from "../../frame.ts"
import type { Frame } from "../../frame.ts"
import { toSourceError } from "../../parquet/failure.ts"
import * as Meta from "../../parquet/meta.ts"
import * as Read from "../../parquet/read.ts"
import * as Ranged from "../../parquet/ranged.ts"
import { chosenRowGroups, mismatch, pruneFiles, readColumns, withPartition } from "../../plan/execute.ts"
import * as Files from "../../plan/files.ts"
import type { ScanFile } from "../../plan/files.ts"
import type { Scan } from "../../plan/logical.ts"
import { emptyOf } from "../../plan/resolve.ts"
import * as Decoder from "./decoder.ts"
import * as Carrier from "./carrier.ts"
import type { AggTask } from "./partialAgg.ts"
import { sliceStream } from "./slice.ts"
import { type Batches, type StreamEvent, type StreamOptions, StreamObserver } from "./types.ts"

/**
 * A fused group-by's work for the decode workers (`partialAgg.ts`): the task without its per-file parts, and the
 * columns it reads (the workers aggregate a file only when all of them are the file's own, not hive partitions).
 */
export interface AggSpec {
  readonly spec: Omit<AggTask, "id" | "expect" | "dictionary">
  readonly columns: ReadonlyArray<string>
}

/** A scan's share of aggregation with its decode workers: the spec, the task id, and whether a worker got rows. */
interface AggState {
  readonly spec: AggSpec
  readonly id: string
  used: boolean
  /** Input position of the next file's first row (files are read one after another). */
  position: number
}

let tasks = 0

/** Zero-copy batches of at most `size` rows (one empty batch for an empty frame, so the schema flows). */
export const chunks = (frame: Frame, size: number): ReadonlyArray<Frame> => {
  const cols = F.contiguous(frame)
  const n = frame.height
  if (n <= size) return [frame.batches.length === 1 ? frame : F.unsafeMake(frame.schema, [{ length: n, columns: cols }])]
  const out: Array<Frame> = []
  for (let s = 0; s < n; s += size) {
    const len = Math.min(size, n - s)
    out.push(F.unsafeMake(frame.schema, [{ length: len, columns: cols.map((c) => C.slice(c, s, len)) }]))
  }
  return out
}

/** The named columns of a batch, zero-copy; names it lacks are skipped. */
export const projectFrame = (frame: Frame, names: ReadonlyArray<string>): Frame => {
  const idx = names.map((n) => frame.columns.indexOf(n)).filter((i) => i >= 0)
  if (idx.length === frame.columns.length && idx.every((i, k) => i === k)) return frame
  return F.unsafeMake(
    idx.map((i) => frame.schema[i]!),
    frame.batches.map((b) => ({ length: b.length, columns: idx.map((i) => b.columns[i]!) }))
  )
}

/**
 * Applies a scan's predicate and projection to one batch; with `defer` neither (a group-by above applies the
 * predicate itself, see `groupBy.ts` `fusable`, and reads its columns by name).
 */
const finish = (s: Scan, batch: Frame, defer = false): Effect.Effect<Frame, unknown> =>
  Effect.gen(function* () {
    if (defer) return batch
    let f = batch
    if (s.predicate !== undefined) f = yield* Engine.filter(f, new Expr(s.predicate))
    if (s.projection !== undefined) f = projectFrame(f, s.projection)
    return f
  })

const guard = <A>(path: string, f: () => A | Promise<A>) => Effect.tryPromise({ try: async () => f(), catch: (e) => toSourceError(path, e) })

type FileSource = Extract<Scan["source"], { _tag: "Parquet" }>

/**
 * A file opened for ranged reads ahead of its turn, with its row groups chosen and their worker requests: the next
 * file's footer is read and its first row groups are requested while this file's last ones are decoded, so the
 * workers do not wait at file boundaries.
 */
interface Prepared {
  readonly path: string
  readonly ranged: Ranged.RangedFile
  readonly meta: ReturnType<typeof Meta.describeFooter>
  /** The row groups read (after pruning) and the input position of each row group's first row. */
  readonly groups: ReadonlyArray<number>
  readonly rowBase: ReadonlyArray<number>
  /** The input position after this file. */
  readonly end: number
  readonly worker: Decoder.Decoder | undefined
  readonly requested: Map<number, Promise<Decoder.Decoded>>
  /** Whether the workers aggregate this file's row groups (a fused group-by's task). */
  readonly aggregating: boolean
  /** Requests the k-th chosen row group from the workers (no-op without a worker, out of range, or asked before). */
  readonly ask: (k: number) => void
}

/** The input position of each row group's first row, the file's rows starting at `start`, and the position after them. */
const rowStarts = (meta: ReturnType<typeof Meta.describeFooter>, start: number): { readonly rowBase: ReadonlyArray<number>; readonly end: number } => {
  const rowBase: Array<number> = []
  let end = start
  for (const rg of meta.rowGroups) {
    rowBase.push(end)
    end += rg.numRows
  }
  return { rowBase, end }
}

/** The scan-wide state of the files' read-ahead (`Prepared`), by file index. */
interface Lookahead {
  /** The columns read from each file (the scan's schema, projected). */
  readonly readSchema: ReadonlyArray<Field>
  readonly prepared: Map<number, Promise<Prepared | undefined>>
  /** Starts preparing file i (its rows from input position `start`), once. */
  readonly prepare: (i: number, start: number) => Promise<Prepared | undefined>
  /** Closes what was prepared and not taken (the scan ended early, failed or was interrupted). */
  readonly close: () => Promise<void>
}

const lookahead = (
  s: Scan,
  files: ReadonlyArray<ScanFile>,
  fileColumns: ReadonlyArray<string> | undefined,
  readSchema: ReadonlyArray<Field>,
  decoder: (() => Promise<Decoder.Decoder | undefined>) | undefined,
  dictionary: ReadonlyArray<string> | undefined,
  agg: AggState | undefined
): Lookahead => {
  const prepared = new Map<number, Promise<Prepared | undefined>>()
  const open = async (i: number, start: number): Promise<Prepared | undefined> => {
    const path = files[i]!.path
    if (decoder !== undefined) {
      // a file for the workers: they start now, while this thread reads the footer (a worker takes ~0.1 s to start)
      try {
        if (statSync(path).size >= Decoder.MIN_WORKER_BYTES) void decoder()
      } catch {
        // the footer read reports it
      }
    }
    // ranged reads (footer from the tail, then row groups); undefined → the whole file, with its precise errors
    const ranged = await Ranged.open(path)
    if (ranged === undefined) return undefined
    const meta = Meta.describeFooter(ranged.footer)
    const { rowBase, end } = rowStarts(meta, start)
    const groups = chosenRowGroups(s, meta)
    // on the decode workers (when the scan has them and the file is large enough): row groups requested ahead
    const worker = decoder !== undefined && ranged.size >= Decoder.MIN_WORKER_BYTES ? await decoder() : undefined
    const requested = new Map<number, Promise<Decoder.Decoded>>()
    // the workers aggregate too (a fused group-by's task) when every column it reads is one of this file's
    const names = new Set(readSchema.map((f) => f.name))
    const task: AggTask | undefined =
      agg !== undefined && worker !== undefined && agg.spec.columns.every((n) => names.has(n))
        ? { ...agg.spec.spec, id: agg.id, expect: readSchema, dictionary }
        : undefined
    const ask = (k: number) => {
      const g = groups[k]
      if (worker === undefined || g === undefined || requested.has(k)) return
      const rows = meta.rowGroups[g]!.numRows
      const a = task === undefined ? undefined : { task, numRows: rows, base: rowBase[g]! }
      if (a !== undefined) agg!.used = true
      requested.set(k, worker.request(path, g, Math.max(1, Math.min(rows, 1 << 30)), fileColumns, dictionary, a))
    }
    return { path, ranged, meta, groups, rowBase, end, worker, requested, aggregating: task !== undefined, ask }
  }
  return {
    readSchema,
    prepared,
    prepare: (i, start) => {
      let p = prepared.get(i)
      if (p === undefined) {
        p = i < files.length ? open(i, start) : Promise.resolve(undefined)
        prepared.set(i, p)
      }
      return p
    },
    close: async () => {
      const left = [...prepared.values()]
      prepared.clear()
      for (const p of await Promise.all(left)) {
        if (p === undefined) continue
        p.ranged.close()
        p.worker?.closeFile(p.path)
      }
    }
  }
}

/** One Parquet file as a stream of batches: one row group decoded per pull (ranged reads when possible). */
const parquetFile = (
  s: Scan,
  src: FileSource,
  hive: ReadonlyArray<Field>,
  fileColumns: ReadonlyArray<string> | undefined,
  file: ScanFile,
  index: number,
  look: Lookahead,
  options: StreamOptions,
  defer: boolean,
  dictionary: ReadonlyArray<string> | undefined,
  agg: AggState | undefined
): Batches =>
  Stream.unwrap(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = file.path
      const start = agg?.position ?? 0
      const prep = yield* Effect.promise(() => look.prepare(index, start))
      // this stream closes what it took (the scan's `close` what was prepared and not taken)
      look.prepared.delete(index)
      const ranged = prep?.ranged
      let whole: Uint8Array | undefined
      const bytesOf = Effect.suspend(() => (whole !== undefined ? Effect.succeed(whole) : Effect.map(fs.readFile(path), (b) => (whole = b))))
      const footer = ranged !== undefined ? ranged.footer : yield* Effect.flatMap(bytesOf, (b) => guard(path, () => Meta.readFooter(b)))
      const meta = prep?.meta ?? Meta.describeFooter(footer)
      // input positions (the group-by orders its groups by them): this file's rows come after the previous files'
      const { rowBase, end } = prep ?? rowStarts(meta, start)
      if (agg !== undefined) agg.position = end
      // the next file's footer is read once this file's first row group is in (not earlier: at the start of a scan
      // this thread's time goes to starting the workers); its row groups are asked for when this file's last ones are
      let next: Promise<Prepared | undefined> | undefined
      const prefetch = () => (next ??= look.prepare(index + 1, end))
      const readSchema = look.readSchema
      const bad = mismatch(path, "parquet", readSchema, meta.schema)
      if (bad !== undefined) {
        if (ranged !== undefined) {
          ranged.close()
          prep!.worker?.closeFile(path)
        }
        return yield* bad
      }
      const groups = prep?.groups ?? chosenRowGroups(s, meta)
      const worker = prep?.worker
      const aggregating = prep?.aggregating === true
      const position = new Map(groups.map((g, k) => [g, k]))
      const requested = prep?.requested ?? new Map<number, Promise<Decoder.Decoded>>()
      const count = groups.length
      /** Row group k of this file; past its end, of the next file (once its footer is read). */
      const ask = (k: number) => {
        if (k < count) prep?.ask(k)
        else if (worker !== undefined) void prefetch().then((p) => p?.ask(k - count))
      }
      /** The ranged read of one row group, or undefined when it fails or disagrees (then the whole-file decoder). */
      const fast = (g: number, observer: ((e: StreamEvent) => void) | undefined) =>
        ranged === undefined
          ? Effect.succeed(undefined)
          : Effect.promise(async () => {
              const k = position.get(g)
              if (worker !== undefined && k !== undefined) {
                for (let j = k, last = k + (aggregating ? Decoder.AHEAD_AGGREGATED : Decoder.AHEAD); j <= last; j++) ask(j)
                const ipc = await requested.get(k)!
                requested.delete(k)
                prefetch()
                if (ipc !== undefined && !(ipc instanceof Uint8Array)) {
                  // aggregated on a worker: an empty frame tells the group-by (and progress) how many rows
                  observer?.({ _tag: "WorkerDecode", path, rowGroup: g })
                  observer?.({ _tag: "WorkerAggregate", path, rowGroup: g, rows: ipc.aggregated })
                  return Carrier.aggregated(ipc.aggregated)
                }
                const f = ipc === undefined ? undefined : Ranged.frameOfIpc(ranged.footer, ranged.nodes, g, ipc, readSchema, dictionary)
                if (f !== undefined) {
                  observer?.({ _tag: "WorkerDecode", path, rowGroup: g })
                  return f
                }
              }
              return Ranged.readRowGroup(ranged, g, fileColumns, readSchema)
            })
      const decode = (g: number): Effect.Effect<ReadonlyArray<Frame>, unknown, unknown> =>
        Effect.gen(function* () {
          const observer = yield* StreamObserver
          observer?.({ _tag: "RowGroup", path, rowGroup: g })
          let raw: Frame | undefined
          if (readSchema.length === 0) raw = F.unsafeMake([], [{ length: meta.rowGroups[g]!.numRows, columns: [] }])
          else raw = yield* fast(g, observer)
          if (raw === undefined) {
            const bytes = yield* bytesOf
            raw = (yield* guard(path, () => Read.decode(bytes, { columns: fileColumns, rowGroups: [g] }))).frame
          }
          if (Carrier.carriedBy(raw) !== undefined) return [raw]
          const out = yield* finish(s, withPartition(raw, src.files, hive, file), defer)
          const cs = chunks(out, options.batchSize)
          // input positions of the batches (only meaningful unfiltered: a fused group-by's input)
          if (defer) {
            let at = rowBase[g]!
            for (const c of cs) {
              Carrier.placeAt(c, at)
              at += c.height
            }
          }
          return cs
        })
      if (groups.length === 0) {
        ranged?.close()
        return Stream.fromEffect(finish(s, withPartition(emptyOf(readSchema), src.files, hive, file), defer))
      }
      const decoded = Stream.fromIterable(groups).pipe(Stream.mapEffect(decode))
      // read-ahead: the next row groups' reads (async file I/O) and decoding overlap the consumer's work
      const ahead = s.limit !== undefined ? 0 : (options.readAhead ?? 1)
      const out = (ahead > 0 ? Stream.buffer(decoded, { capacity: ahead }) : decoded).pipe(Stream.flattenIterable)
      return ranged === undefined
        ? out
        : out.pipe(
            Stream.ensuring(
              Effect.sync(() => {
                ranged.close()
                worker?.closeFile(path)
              })
            )
          )
    })
  )

/**
 * A scan node as a stream of batches. `deferPredicate`: the predicate still prunes files and row groups but is not
 * applied (nor the projection): the consumer applies it (a fused group-by). Ignored when the scan has a limit.
 * `dictionary` (only with a deferred predicate): Utf8 columns the consumer reads only as group-by keys, which the
 * decode workers may then deliver as Categorical columns (the row group's dictionary and Int32 codes) instead of
 * one string per row.
 */
export const scanStream = (
  s: Scan,
  options: StreamOptions,
  deferPredicate = false,
  dictionary?: ReadonlyArray<string>,
  agg?: AggSpec
): Batches => {
  const defer = deferPredicate && s.limit === undefined && s.predicate !== undefined
  const dict = defer && dictionary !== undefined && dictionary.length > 0 ? dictionary : undefined
  const aggState: AggState | undefined = defer && agg !== undefined ? { spec: agg, id: `scan-${process.pid}-${tasks++}`, used: false, position: 0 } : undefined
  const src = s.source
  let out: Batches
  if (src._tag === "Memory") {
    out = Stream.fromIterable(chunks(src.frame, options.batchSize)).pipe(Stream.mapEffect((b) => finish(s, b, defer)))
  } else if (src._tag === "Parquet") {
    out = Stream.unwrap(
      Effect.gen(function* () {
        const set = src.files
        const schema = src.schema!
        const hive = Files.extraHiveFields(set, schema)
        const full = hive.length === 0 ? schema : [...schema, ...hive]
        const needed = readColumns(s, full)
        const fc = needed === undefined ? undefined : needed.filter((n) => schema.some((f) => f.name === n))
        const fileColumns = fc?.length === schema.length ? undefined : fc
        const files = yield* pruneFiles(s, set, hive)
        if (files.length === 0) return Stream.fromEffect(finish(s, emptyOf(full), defer))
        // one decode worker per scan (not below a slice or limit: it decodes ahead), terminated when the scan ends
        let decoder: Promise<Decoder.Decoder | undefined> | undefined
        const useWorker = s.limit === undefined && (options.readAhead ?? 1) > 0
        const getDecoder = () => (decoder ??= Decoder.make(Decoder.WORKERS, { aggregating: aggState !== undefined }))
        // after the last file: the workers' group tables (when they aggregated), as carriers for the group-by
        const flushed = Stream.unwrap(
          Effect.gen(function* () {
            if (aggState === undefined || !aggState.used || decoder === undefined) return Stream.empty
            const d = yield* Effect.promise(() => decoder!)
            const parts = d === undefined ? undefined : yield* Effect.promise(() => d.flush(aggState.id))
            if (parts === undefined)
              return yield* Effect.fail(toSourceError(files[0]!.path, new Error("a Parquet decode worker stopped before handing over its aggregates")))
            return Stream.fromIterable(parts.flatMap((p) => (p === undefined ? [] : [Carrier.carrier(p)])))
          })
        )
        const readSchema = fileColumns === undefined ? schema : schema.filter((f) => fileColumns.includes(f.name))
        const look = lookahead(s, files, fileColumns, readSchema, useWorker ? getDecoder : undefined, dict, aggState)
        return Stream.fromIterable(files.map((f, i) => [f, i] as const)).pipe(
          Stream.flatMap(([f, i]) => parquetFile(s, src, hive, fileColumns, f, i, look, options, defer, dict, aggState)),
          Stream.concat(flushed),
          Stream.ensuring(
            Effect.promise(async () => {
              await look.close()
              await (await decoder)?.terminate()
            })
          )
        )
      })
    )
  } else {
    throw new Error("csv scans do not stream yet (in-memory fallback)")
  }
  out = out.pipe(
    Stream.tap((b) =>
      Effect.gen(function* () {
        const o = yield* StreamObserver
        o?.({ _tag: "ScanBatch", rows: Carrier.carriedBy(b)?.rows ?? b.height })
      })
    )
  )
  return s.limit === undefined ? out : sliceStream(out, 0, s.limit)
}
