/**
 * Streaming scans. An in-memory frame is cut into batches of `batchSize` rows (zero-copy slices). A Parquet scan
 * reads its files one after another (after hive-partition pruning), keeps the row groups whose statistics may
 * match the pushed-down predicate, and decodes them **one row group at a time** with the projected and predicate
 * columns only, applying the predicate and projection per batch; the consumer pulls, so a `head` downstream stops
 * the decoding after the row group that completes it. The scan's `limit` is applied as a streaming slice. Each file
 * is read by byte ranges (the footer, then each row group's selected column chunks: see `parquet/ranged.ts`), so memory
 * does not grow with the file's size. Files of at least `MIN_WORKER_BYTES` are decoded on a worker thread (one per
 * scan, `decoder.ts`) up to `AHEAD` row groups ahead of the consumer, and the decoded row groups pass through a
 * read-ahead buffer of `readAhead` (default 1), so decoding and I/O overlap the downstream work; below a `slice`/`head`
 * or with a scan limit there is neither (only the row groups needed are decoded). A group-by right above may take
 * the predicate over (`deferPredicate`): the batches then come unfiltered and unprojected.
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
import { sliceStream } from "./slice.ts"
import { type Batches, type StreamEvent, type StreamOptions, StreamObserver } from "./types.ts"

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
  decoder: (() => Promise<Decoder.Decoder | undefined>) | undefined
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
      const requested = new Map<number, Promise<Uint8Array | undefined>>()
      const ask = (k: number) => {
        const g = groups[k]
        if (worker === undefined || g === undefined || requested.has(k)) return
        const rows = meta.rowGroups[g]!.numRows
        requested.set(k, worker.request(path, g, Math.max(1, Math.min(rows, 1 << 30)), fileColumns))
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
                const f = ipc === undefined ? undefined : Ranged.frameOfIpc(ranged.footer, ranged.nodes, g, ipc, readSchema)
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
          const out = yield* finish(s, withPartition(raw, src.files, hive, file), defer)
          return chunks(out, options.batchSize)
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
 */
export const scanStream = (s: Scan, options: StreamOptions, deferPredicate = false): Batches => {
  const defer = deferPredicate && s.limit === undefined && s.predicate !== undefined
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
        return Stream.fromIterable(files).pipe(
          Stream.flatMap((f) => parquetFile(s, src, hive, fileColumns, f, options, defer, useWorker ? getDecoder : undefined)),
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
        o?.({ _tag: "ScanBatch", rows: b.height })
      })
    )
  )
  return s.limit === undefined ? out : sliceStream(out, 0, s.limit)
}
