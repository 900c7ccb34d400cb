/**
 * Streaming `sort` in bounded memory: an external merge sort. Input batches are buffered into runs of
 * `sortRunRows` rows; each run is sorted with the eager verb (stable) and, when the input holds more than one run,
 * spilled to a scoped temporary directory (`FileSystem.makeTempDirectoryScoped`, removed when the stream ends,
 * fails or is interrupted) as Arrow IPC files of `batchSize` rows each. The runs are then merged k ways: only the
 * current chunk of each run is in memory, and the output is emitted chunk by chunk. The sort keys are evaluated
 * once per run and travel with the rows as hidden columns. Ties keep the input order (runs are merged with the
 * earlier run first), so the result equals the in-memory stable sort, as Polars `sort(maintain_order=True)`.
 * A single run (the whole input fits in `sortRunRows`) is sorted in memory without spilling.
 * @internal
 */
import { arrow } from "../../arrowLib.ts"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Stream from "effect/Stream"
import { Expr, type ExprNode } from "../../../Expr/Expr.ts"
import * as DT from "../../../Frame/DataType.ts"
import * as Arrow from "../../arrow.ts"
import * as C from "../../column.ts"
import type { Column } from "../../column.ts"
import * as Engine from "../../expr/engine.ts"
import * as F from "../../frame.ts"
import type { Frame } from "../../frame.ts"
import type { SortSpec } from "../../plan/logical.ts"
import * as Verbs from "../../verbs/index.ts"
import { comparator } from "../../verbs/reshape.ts"
import { chunks } from "./scan.ts"
import { type Batches, type StreamOptions, StreamObserver } from "./types.ts"

/** Concatenates batches of one schema into one single-batch frame. */
export const concatFrames = (frames: ReadonlyArray<Frame>): Frame => {
  if (frames.length === 1) return frames[0]!
  const schema = frames[0]!.schema
  const cols = schema.map((_, j) => C.concat(frames.map((f) => F.contiguous(f)[j]!)))
  return F.unsafeMake(schema, [{ length: frames.reduce((n, f) => n + f.height, 0), columns: cols }])
}

const KEY = "\u0000sortkey"

const flags = (x: boolean | ReadonlyArray<boolean> | undefined, k: number): ReadonlyArray<boolean> =>
  x === undefined ? new Array<boolean>(k).fill(false) : typeof x === "boolean" ? new Array<boolean>(k).fill(x) : x

/** Row comparator of one key column: nulls first or last, values ascending or descending, NaN above numbers. */
const keyComparator = (c: Column, descending: boolean, nullsLast: boolean): ((i: number, j: number) => number) => {
  const base = comparator(c) ?? (() => 0)
  const isF = DT.isFloat(c.dtype)
  const v = c.values as Float64Array
  const values = isF
    ? (i: number, j: number) => {
        const a = v[i]!
        const b = v[j]!
        const na = Number.isNaN(a)
        const nb = Number.isNaN(b)
        return na || nb ? (na && nb ? 0 : na ? 1 : -1) : a < b ? -1 : a > b ? 1 : 0
      }
    : base
  const dir = descending ? -1 : 1
  if (c.nullCount === 0 || c.validity === null) return (i, j) => dir * values(i, j)
  const nul = nullsLast ? 1 : -1
  return (i, j) => {
    const a = C.isValid(c, i)
    const b = C.isValid(c, j)
    if (!a || !b) return a === b ? 0 : !a ? nul : -nul
    return dir * values(i, j)
  }
}

/** Sorts one run: evaluates the keys as hidden columns, then sorts by them. */
const sortRun = (run: Frame, by: ReadonlyArray<ExprNode>, options: SortSpec): Effect.Effect<Frame, unknown> =>
  Effect.gen(function* () {
    const keys = yield* Engine.evaluateColumns(
      run,
      by.map((b) => new Expr(b))
    )
    const withKeys = F.fromColumnsUnsafe(
      [...run.columns, ...keys.map((_, k) => `${KEY}${k}`)],
      [...F.contiguous(run), ...keys.map((k) => k.column)]
    )
    return yield* Verbs.sort(
      withKeys,
      keys.map((_, k) => `${KEY}${k}`),
      options
    )
  })

const dropKeys = (f: Frame, width: number): Frame =>
  F.unsafeMake(
    f.schema.slice(0, width),
    f.batches.map((b) => ({ length: b.length, columns: b.columns.slice(0, width) }))
  )

interface Cursor {
  /** Remaining chunk files of this run. */
  readonly files: Array<string>
  chunk: Frame
  pos: number
}

export const sortStream = (input: Batches, by: ReadonlyArray<ExprNode>, options: SortSpec, opts: StreamOptions): Batches =>
  Stream.unwrap(
    Effect.gen(function* () {
      const observer = yield* StreamObserver
      const fs = yield* FileSystem.FileSystem
      const nk = by.length
      const descending = flags(options.descending, nk)
      const nullsLast = flags(options.nullsLast, nk)
      let buf: Array<Frame> = []
      let rows = 0
      let dir: string | undefined
      const runs: Array<Array<string>> = []
      let width = -1
      const spill = (run: Frame) =>
        Effect.gen(function* () {
          if (dir === undefined) dir = yield* fs.makeTempDirectoryScoped({ prefix: "polaroid-sort-" })
          const files: Array<string> = []
          for (const [c, part] of chunks(run, opts.batchSize).entries()) {
            const path = `${dir}/run-${runs.length}-${c}.arrow`
            yield* fs.writeFile(path, arrow().tableToIPC(Arrow.toTable(part), "stream"))
            files.push(path)
          }
          observer?.({ _tag: "Spill", path: `${dir}/run-${runs.length}`, rows: run.height })
          runs.push(files)
        })
      yield* Stream.runForEach(input, (b) =>
        Effect.gen(function* () {
          if (width < 0) width = b.width
          buf.push(b)
          rows += b.height
          observer?.({ _tag: "Retained", node: "Sort", batches: buf.length, rows })
          if (rows >= opts.sortRunRows) {
            yield* spill(yield* sortRun(concatFrames(buf), by, options))
            buf = []
            rows = 0
          }
        })
      )
      if (runs.length === 0) {
        if (buf.length === 0) return Stream.empty
        const sorted = yield* sortRun(concatFrames(buf), by, options)
        return Stream.fromIterable(chunks(dropKeys(sorted, width), opts.batchSize))
      }
      if (rows > 0) yield* spill(yield* sortRun(concatFrames(buf), by, options))
      buf = []
      const load = (path: string) =>
        Effect.flatMap(fs.readFile(path), fromIpc)
      const cursors: Array<Cursor> = []
      for (const files of runs) {
        const first = files.shift()!
        cursors.push({ files, chunk: yield* load(first), pos: 0 })
      }
      /** Merges until one cursor's chunk runs out; returns the merged rows, or undefined when all are done. */
      const step = Effect.gen(function* () {
        const live = cursors.filter((c) => c.pos < c.chunk.height)
        if (live.length === 0) return undefined
        const parts = live.map((c) => dropKeysNone(c.chunk, c.pos))
        const window = concatFrames(parts)
        const wcols = F.contiguous(window)
        const cmps = by.map((_, k) => keyComparator(wcols[width + k]!, descending[k]!, nullsLast[k]!))
        const cmp = (i: number, j: number) => {
          for (const f of cmps) {
            const d = f(i, j)
            if (d !== 0) return d
          }
          return 0
        }
        const starts: Array<number> = []
        const ends: Array<number> = []
        let off = 0
        for (const p of parts) {
          starts.push(off)
          off += p.height
          ends.push(off)
        }
        // a binary heap of live runs by their head row; ties by run order (stability)
        const heap: Array<number> = []
        const less = (a: number, b: number) => {
          const d = cmp(starts[a]!, starts[b]!)
          return d < 0 || (d === 0 && a < b)
        }
        const up = (i: number) => {
          while (i > 0) {
            const p = (i - 1) >> 1
            if (!less(heap[i]!, heap[p]!)) break
            ;[heap[i], heap[p]] = [heap[p]!, heap[i]!]
            i = p
          }
        }
        const down = (i: number) => {
          for (;;) {
            const l = 2 * i + 1
            const r = l + 1
            let m = i
            if (l < heap.length && less(heap[l]!, heap[m]!)) m = l
            if (r < heap.length && less(heap[r]!, heap[m]!)) m = r
            if (m === i) break
            ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
            i = m
          }
        }
        for (let r = 0; r < parts.length; r++) {
          heap.push(r)
          up(heap.length - 1)
        }
        const perm = new Int32Array(off)
        let n = 0
        let exhausted = -1
        while (heap.length > 0) {
          const r = heap[0]!
          perm[n++] = starts[r]!
          starts[r]!++
          if (starts[r] === ends[r]) {
            const last = heap.pop()!
            if (heap.length > 0) {
              heap[0] = last
              down(0)
            }
            // a run with more chunks on disk: stop here, its next chunk may hold smaller rows than the others' rest
            if (live[r]!.files.length > 0) {
              exhausted = r
              break
            }
          } else down(0)
        }
        // advance the cursors by what was emitted
        for (let r = 0; r < live.length; r++) live[r]!.pos += starts[r]! - (r === 0 ? 0 : ends[r - 1]!)
        if (exhausted >= 0) {
          const c = live[exhausted]!
          c.chunk = yield* load(c.files.shift()!)
          c.pos = 0
        }
        for (const c of cursors) if (c.pos >= c.chunk.height && c.files.length > 0) {
          c.chunk = yield* load(c.files.shift()!)
          c.pos = 0
        }
        const idx = perm.subarray(0, n)
        return F.fromColumnsUnsafe(
          window.columns.slice(0, width),
          wcols.slice(0, width).map((c) => C.take(c, idx))
        )
      })
      return Stream.unfold(undefined, () => Effect.map(step, (f) => (f === undefined ? undefined : ([f, undefined] as const))))
    })
  )

/** Rows `pos..` of a chunk, zero-copy. */
const dropKeysNone = (f: Frame, pos: number): Frame => {
  if (pos === 0) return f
  const cols = F.contiguous(f)
  return F.unsafeMake(f.schema, [{ length: f.height - pos, columns: cols.map((c) => C.slice(c, pos, f.height - pos)) }])
}

const fromIpc = (bytes: Uint8Array): Effect.Effect<Frame, unknown> =>
  Effect.suspend(() => {
    const table = arrow().tableFromIPC(bytes)
    const schema = table.schema.fields.map((f) => ({ name: f.name, dtype: Arrow.dtypeFromArrow(f.type) }))
    const batches = table.batches.map((b) => ({ length: b.numRows, columns: b.data.children.map((d) => Arrow.columnFromData(d)) }))
    const f = F.unsafeMake(schema, batches)
    return Effect.succeed(f.batches.length === 1 ? f : F.unsafeMake(schema, [{ length: f.height, columns: F.contiguous(f) }]))
  })

