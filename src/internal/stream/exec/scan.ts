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
import { Effect, FileSystem, Stream } from "effect"
import { Expr } from "../../../Expr/Expr.ts"
import type { Field } from "../../../Frame/DataType.ts"
import * as C from "../../column.ts"
import * as Engine from "../../expr/engine.ts"
import { resolveAll } from "../../expr/resolve.ts"
import * as F from "../../frame.ts"
import type { Frame } from "../../frame.ts"
import { toSourceError } from "../../parquet/failure.ts"
import * as Meta from "../../parquet/meta.ts"
import * as Read from "../../parquet/read.ts"
import * as Ranged from "../../parquet/ranged.ts"
import { mismatch, pruneFiles, readColumns, withPartition } from "../../plan/execute.ts"
import * as Files from "../../plan/files.ts"
import type { ScanFile } from "../../plan/files.ts"
import { conjuncts, refs, type Scan } from "../../plan/logical.ts"
import { mayMatch } from "../../plan/prune.ts"
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

/** One Parquet file as a stream of batches: one row group decoded per pull (ranged reads when possible). */
const parquetFile = (
  s: Scan,
  src: FileSource,
  hive: ReadonlyArray<Field>,
  fileColumns: ReadonlyArray<string> | undefined,
  file: ScanFile,
  options: StreamOptions,
  defer: boolean,
  decoder: (() => Promise<Decoder.Decoder | undefined>) | undefined,
  dictionary: ReadonlyArray<string> | undefined,
  agg: AggState | undefined
): Batches =>
  Stream.unwrap(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = file.path
      // ranged reads (footer from the tail, then row groups); undefined → the whole file, with its precise errors
      const ranged = yield* Effect.promise(() => Ranged.open(path))
      let whole: Uint8Array | undefined
      const bytesOf = Effect.suspend(() => (whole !== undefined ? Effect.succeed(whole) : Effect.map(fs.readFile(path), (b) => (whole = b))))
      const footer = ranged !== undefined ? ranged.footer : yield* Effect.flatMap(bytesOf, (b) => guard(path, () => Meta.readFooter(b)))
      const meta = Meta.describeFooter(footer)
      // input positions (the group-by orders its groups by them): this file's rows come after the previous files'
      const rowBase: Array<number> = []
      let nextRow = agg?.position ?? 0
      for (const rg of meta.rowGroups) {
        rowBase.push(nextRow)
        nextRow += rg.numRows
      }
      if (agg !== undefined) agg.position = nextRow
      const schema = src.schema!
      const readSchema = fileColumns === undefined ? schema : schema.filter((f) => fileColumns.includes(f.name))
      const bad = mismatch(path, "parquet", readSchema, meta.schema)
      if (bad !== undefined) return yield* bad
      let groups = meta.rowGroups.map((_, g) => g)
      if (s.predicate !== undefined) {
        const names = new Set(meta.schema.map((f) => f.name))
        const cs = conjuncts(s.predicate).filter((c) => [...refs(c)].every((n) => names.has(n)))
        const r = resolveAll(meta.schema, cs, "row")
        if (!("error" in r)) groups = groups.filter((g) => r.irs.every((ir) => mayMatch(ir, meta.rowGroups[g]!)))
      }
      // on the decode worker (when the scan has one and the file is large enough): row groups requested ahead
      const worker = ranged !== undefined && decoder !== undefined && ranged.size >= Decoder.MIN_WORKER_BYTES ? yield* Effect.promise(decoder) : undefined
      const position = new Map(groups.map((g, k) => [g, k]))
      const requested = new Map<number, Promise<Decoder.Decoded>>()
      // the workers aggregate too (a fused group-by's task) when every column it reads is one of this file's
      const names = new Set(readSchema.map((f) => f.name))
      const task: AggTask | undefined =
        agg !== undefined && worker !== undefined && agg.spec.columns.every((n) => names.has(n))
          ? {
              ...agg.spec.spec,
              id: agg.id,
              expect: readSchema,
              dictionary
            }
          : undefined
      const ask = (k: number) => {
        const g = groups[k]
        if (worker === undefined || g === undefined || requested.has(k)) return
        const rows = meta.rowGroups[g]!.numRows
        const a = task === undefined ? undefined : { task, numRows: rows, base: rowBase[g]! }
        if (a !== undefined) agg!.used = true
        requested.set(k, worker.request(path, g, Math.max(1, Math.min(rows, 1 << 30)), fileColumns, dictionary, a))
      }
      /** The ranged read of one row group, or undefined when it fails or disagrees (then the whole-file decoder). */
      const fast = (g: number, observer: ((e: StreamEvent) => void) | undefined) =>
        ranged === undefined
          ? Effect.succeed(undefined)
          : Effect.promise(async () => {
              const k = position.get(g)
              if (worker !== undefined && k !== undefined) {
                for (let j = k; j <= k + Decoder.AHEAD; j++) ask(j)
                const ipc = await requested.get(k)!
                requested.delete(k)
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
      if (groups.length === 0) return Stream.fromEffect(finish(s, withPartition(emptyOf(readSchema), src.files, hive, file), defer))
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
        const getDecoder = () => (decoder ??= Decoder.make())
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
        return Stream.fromIterable(files).pipe(
          Stream.flatMap((f) => parquetFile(s, src, hive, fileColumns, f, options, defer, useWorker ? getDecoder : undefined, dict, aggState)),
          Stream.concat(flushed),
          Stream.ensuring(Effect.promise(async () => (await decoder)?.terminate()))
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
