/**
 * The streaming scan's aggregating decode workers (src/internal/stream/exec/partialAgg.ts, decoder.ts, worker.ts):
 * a fused `scan → filter → groupBy` of a large Parquet file is filtered and grouped on the decode threads, the
 * workers' tables are merged at the end and the groups put in order of first appearance. Oracles: the in-memory
 * `collect` of the same query (exact order, exact integers, means to 1e-12) and the row-selection kernel's general
 * path (`Engine.filter`). Files are written by DuckDB at test time: one plain (the workers decode its Utf8 key as a
 * dictionary, through an `ARROW:schema` footer hint) and one with key-value metadata (the hint is declined).
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { NodeServices } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import * as A from "apache-arrow"
import { Effect, Fiber, pipe, Stream } from "effect"
import * as fc from "fast-check"
import * as fsSync from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { col, type Expr, len, lit } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as LazyFrame from "../src/Frame/LazyFrame.ts"
import * as C from "../src/internal/column.ts"
import * as Engine from "../src/internal/expr/engine.ts"
import * as F from "../src/internal/frame.ts"
import * as Decoder from "../src/internal/stream/exec/decoder.ts"
import * as Direct from "../src/internal/stream/exec/directAgg.ts"
import * as Select from "../src/internal/stream/exec/select.ts"
import { type StreamEvent, StreamObserver } from "../src/internal/stream/exec/types.ts"
import { scanParquet } from "../src/Source/Scan.ts"

const N = 2_000_000

/**
 * k: 40 strings of 4–8 bytes (every 97th null) and, from row 150 000 on, 3 "late" strings first seen in later row
 * groups (so the workers' tables disagree on first appearance); g: Int32 0–6 (every 101st null), v: Int32,
 * x: Float64 (nulls, NaN).
 */
const columnsSql = `
  CASE WHEN i % 97 = 0 THEN NULL WHEN i >= 150000 AND i % 1000 = 7 THEN 'late-' || ((i // 1000) % 3)::VARCHAR
    ELSE 'key-' || repeat('x', (i % 5)::INTEGER) || ((i * 7) % 40)::VARCHAR END AS k,
  CASE WHEN i % 101 = 0 THEN NULL ELSE ((i * 13) % 7)::INTEGER END AS g,
  CASE WHEN i % 89 = 0 THEN NULL ELSE (hash(i) % 1000)::INTEGER END AS v,
  CASE WHEN i % 83 = 0 THEN NULL WHEN i % 1009 = 0 THEN 'NaN'::DOUBLE ELSE (hash(i * 3) % 1000000) / 1000000.0 END AS x`

const setup = Effect.promise(async () => {
  const dir = fsSync.mkdtempSync(path.join(os.tmpdir(), "polaroid-workeragg-"))
  const plain = path.join(dir, "plain.parquet")
  const withKv = path.join(dir, "kv.parquet")
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  await c.run(`COPY (SELECT ${columnsSql} FROM range(${N}) t(i)) TO '${plain}' (FORMAT parquet, ROW_GROUP_SIZE 100000)`)
  await c.run(`COPY (SELECT ${columnsSql} FROM range(${N}) t(i)) TO '${withKv}' (FORMAT parquet, ROW_GROUP_SIZE 100000, KV_METADATA {origin: 'test'})`)
  c.closeSync()
  return { dir, plain, withKv }
})

const isNaNCell = (x: unknown) => typeof x === "number" && Number.isNaN(x)

const fds = () => fsSync.readdirSync("/proc/self/fd").length
const sleep = (ms: number) => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))
/** The open descriptor count once in-flight closes have landed: waits up to 2 s for `want`. */
const settledFds = (want: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < 200 && fds() !== want; i++) yield* sleep(10)
    return fds()
  })

/** The streaming collect of `q` in a fiber, once the workers have aggregated `count` row groups (asserted). */
const runUntilAggregated = <E, R>(q: LazyFrame.LazyFrame<E, R>, count: number) =>
  Effect.gen(function* () {
    let aggregated = 0
    const fiber = yield* Effect.forkChild(
      LazyFrame.collect(q, { streaming: true }).pipe(
        Effect.provideService(StreamObserver, (e) => {
          if (e._tag === "WorkerAggregate") aggregated++
        })
      )
    )
    for (let i = 0; i < 1000 && aggregated < count; i++) yield* sleep(5)
    assert.isAtLeast(aggregated, count)
    return fiber
  })

layer(NodeServices.layer)("streaming scan: aggregating decode workers", (it) => {
  it.effect("a fused filter → group-by is aggregated on the workers and equals collect, in first-appearance order", () =>
    Effect.gen(function* () {
      const { dir, plain, withKv } = yield* setup
      for (const file of [plain, withKv]) {
        assert.isAtLeast(fsSync.statSync(file).size, Decoder.MIN_WORKER_BYTES)
        const q = pipe(
          scanParquet(file),
          LazyFrame.filter(col("x").gt(0.25).and(col("g").neq(3))),
          LazyFrame.groupBy(["k", "g"]).agg(col("v").sum().alias("s"), col("x").mean().alias("m"), col("x").count().alias("c"), len().alias("n"))
        )
        const events: Array<StreamEvent> = []
        const streamed = yield* LazyFrame.collect(q, { streaming: true }).pipe(Effect.provideService(StreamObserver, (e) => events.push(e)))
        const memory = yield* LazyFrame.collect(q)
        const rowGroups = events.filter((e) => e._tag === "RowGroup").length
        assert.isAtLeast(rowGroups, 10)
        assert.strictEqual(events.filter((e) => e._tag === "WorkerAggregate").length, rowGroups, file)
        // progress still counts every input row once
        const scanned = events.reduce((s, e) => s + (e._tag === "ScanBatch" ? e.rows : 0), 0)
        assert.strictEqual(scanned, N)
        assert.deepStrictEqual(streamed.schema, memory.schema)
        const a = Frame.toRows(streamed)
        const b = Frame.toRows(memory)
        assert.strictEqual(a.length, b.length)
        // 43 strings and null × the 6 values of g other than 3 (a null g fails g != 3)
        assert.strictEqual(a.length, 44 * 6)
        for (let i = 0; i < a.length; i++) {
          const r = a[i]!
          const m = b[i]!
          for (const key of ["k", "g", "s", "c", "n"]) assert.strictEqual(r[key], m[key], `${file} row ${i} ${key}`)
          if (isNaNCell(m["m"])) assert.isTrue(isNaNCell(r["m"]))
          else assert.closeTo(r["m"] as number, m["m"] as number, 1e-12)
        }
      }
      fsSync.rmSync(dir, { recursive: true })
    }))

  it.effect("the decode workers' file descriptors are closed on completion, on interruption mid-scan and after take", () =>
    Effect.gen(function* () {
      const { dir, plain } = yield* setup
      const q = pipe(
        scanParquet(plain),
        LazyFrame.filter(col("x").gt(0.25)),
        LazyFrame.groupBy(["k", "g"]).agg(col("v").sum().alias("s"), len().alias("n"))
      )
      const before = fds()
      // completion
      const done = yield* LazyFrame.collect(q, { streaming: true })
      assert.isAbove(done.height, 0)
      assert.strictEqual(yield* settledFds(before), before)
      // interruption of a running query after some row groups were aggregated on the workers
      const fiber = yield* runUntilAggregated(q, 3)
      assert.isAbove(fds(), before) // the workers have the file open
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(yield* settledFds(before), before)
      // a take over a streamed (decoded on the workers, not aggregated) query
      const first = yield* Stream.runCollect(Stream.take(LazyFrame.toStream(pipe(scanParquet(plain), LazyFrame.filter(col("x").gt(0.5)))), 2))
      assert.strictEqual(first.length, 2)
      assert.strictEqual(yield* settledFds(before), before)
      fsSync.rmSync(dir, { recursive: true })
    }))

  it.effect("several files: the next file's row groups are asked for ahead, the result equals collect, and files are closed on completion and interruption", () =>
    Effect.gen(function* () {
      // three files, each with keys first seen in it (the group order depends on the files' input positions)
      const dir = fsSync.mkdtempSync(path.join(os.tmpdir(), "polaroid-workeragg-multi-"))
      yield* Effect.promise(async () => {
        const db = await DuckDBInstance.create(":memory:")
        const c = await db.connect()
        for (let f = 0; f < 3; f++)
          await c.run(
            `COPY (SELECT ${columnsSql.replace("'late-' || ((i // 1000) % 3)::VARCHAR", `'late-${f}-' || ((i // 1000) % 3)::VARCHAR`)} FROM range(${f * N}, ${(f + 1) * N}) t(i))
             TO '${path.join(dir, `part-${f}.parquet`)}' (FORMAT parquet, ROW_GROUP_SIZE 100000)`
          )
        c.closeSync()
      })
      const q = pipe(
        scanParquet(path.join(dir, "*.parquet")),
        LazyFrame.filter(col("x").gt(0.25)),
        LazyFrame.groupBy(["k", "g"]).agg(col("v").sum().alias("s"), col("x").mean().alias("m"), len().alias("n"))
      )
      // (the in-memory collect comes last: its parallel decoder keeps idle workers for a while)
      const before = fds()
      const events: Array<StreamEvent> = []
      const streamed = yield* LazyFrame.collect(q, { streaming: true }).pipe(Effect.provideService(StreamObserver, (e) => events.push(e)))
      assert.strictEqual(yield* settledFds(before), before)
      // interrupted in the second file (its successor's footer read, row groups possibly asked for)
      const fiber = yield* runUntilAggregated(q, 25)
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(yield* settledFds(before), before)
      const rowGroups = events.filter((e) => e._tag === "RowGroup").length
      assert.strictEqual(rowGroups, 60)
      assert.strictEqual(events.filter((e) => e._tag === "WorkerAggregate").length, rowGroups)
      const memory = yield* LazyFrame.collect(q)
      const a = Frame.toRows(streamed)
      const b = Frame.toRows(memory)
      assert.strictEqual(a.length, b.length)
      assert.isAbove(a.length, 44 * 7) // the late keys of every file
      for (let i = 0; i < a.length; i++) {
        for (const key of ["k", "g", "s", "n"]) assert.strictEqual(a[i]![key], b[i]![key], `row ${i} ${key}`)
        if (isNaNCell(b[i]!["m"])) assert.isTrue(isNaNCell(a[i]!["m"]))
        else assert.closeTo(a[i]!["m"] as number, b[i]!["m"] as number, 1e-12)
      }
      fsSync.rmSync(dir, { recursive: true })
    }))

  it.effect("the workers decode a Utf8 key as a dictionary through the footer hint, and decline it when the footer has key-value metadata", () =>
    Effect.gen(function* () {
      const { dir, plain, withKv } = yield* setup
      const decoder = (yield* Effect.promise(() => Decoder.make(1)))!
      const read = (file: string, dictionary: ReadonlyArray<string> | undefined) =>
        Effect.promise(async () => A.tableFromIPC((await decoder.request(file, 3, 1 << 30, ["k", "g"], dictionary)) as Uint8Array))
      const hinted = yield* read(plain, ["k"])
      const unhinted = yield* read(plain, undefined)
      const declined = yield* read(withKv, ["k"])
      decoder.terminate()
      fsSync.rmSync(dir, { recursive: true })
      assert.isTrue(A.DataType.isDictionary(hinted.schema.fields[0]!.type))
      assert.strictEqual(hinted.schema.fields[1]!.type.typeId, A.Type.Int)
      assert.strictEqual(unhinted.schema.fields[0]!.type.typeId, A.Type.Utf8)
      assert.strictEqual(declined.schema.fields[0]!.type.typeId, A.Type.Utf8)
      assert.isAbove(hinted.numRows, 0)
      assert.deepStrictEqual(hinted.getChild("k")!.toArray(), unhinted.getChild("k")!.toArray())
      assert.deepStrictEqual(declined.getChild("k")!.toArray(), unhinted.getChild("k")!.toArray())
    }))

  it.effect("property: the selection kernel equals the filter of the same comparisons (NaN, nulls, flipped literals)", () =>
    Effect.gen(function* () {
      const ops = ["eq", "neq", "lt", "ltEq", "gt", "gtEq"] as const
      const term = fc.record({
        column: fc.constantFrom("a", "b"),
        op: fc.constantFrom(...ops),
        value: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -3, max: 3, noNaN: true })),
        flip: fc.boolean()
      })
      const cell = fc.oneof(fc.constant(null), fc.constant(Number.NaN), fc.integer({ min: -3, max: 3 }), fc.double({ min: -3, max: 3, noNaN: true }))
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(fc.tuple(cell, fc.option(fc.integer({ min: -3, max: 3 }))), { maxLength: 60 }), fc.array(term, { minLength: 1, maxLength: 3 }), async (rows, terms) => {
            const a = C.make(DT.Float64, rows.length, Float64Array.from(rows, ([x]) => x ?? 0), Uint8Array.from({ length: (rows.length + 7) >> 3 }, (_, k) => {
              let byte = 0
              for (let j = 0; j < 8; j++) if (rows[k * 8 + j] !== undefined && rows[k * 8 + j]![0] !== null) byte |= 1 << j
              return byte
            }))
            const b = C.make(DT.Int32, rows.length, Int32Array.from(rows, ([, y]) => y ?? 0), Uint8Array.from({ length: (rows.length + 7) >> 3 }, (_, k) => {
              let byte = 0
              for (let j = 0; j < 8; j++) if (rows[k * 8 + j] !== undefined && rows[k * 8 + j]![1] !== null) byte |= 1 << j
              return byte
            }))
            const i = C.make(DT.Int32, rows.length, Int32Array.from(rows, (_, k) => k), null)
            const frame = F.fromColumnsUnsafe(["a", "b", "i"], [a, b, i])
            const exprs = terms.map((t) => {
              const c = col(t.column) as Expr
              const l = lit(t.value)
              return t.flip ? (l as Expr)[t.op](c) : c[t.op](l)
            })
            const predicate = exprs.reduce((p, e) => p.and(e))
            const plan = Select.plan(predicate.node)
            assert.isDefined(plan)
            const fast = Select.select(plan!, frame, new Int32Array(0))
            assert.isDefined(fast)
            const general = await Effect.runPromise(Engine.filter(frame, predicate))
            const expected = [...(F.contiguous(general)[2]!.values as Int32Array)]
            assert.deepStrictEqual([...fast!], expected, JSON.stringify({ rows, terms }))
          }),
          { numRuns: 300, seed: 20261126 }
        )
      )
    }))

  /**
   * addWhere vs add of the rows the predicate keeps, on random batches: `ints` gives the Int32 key's values, `maxRows`
   * the batch sizes. Returns how many batches the generated loop took.
   */
  const loopProperty = (ints: fc.Arbitrary<number>, maxRows: number, numRuns: number, seed: number): number => {
    const ops = ["eq", "neq", "lt", "ltEq", "gt", "gtEq"] as const
    const batch = fc.integer({ min: 0, max: maxRows }).chain((n) =>
      fc.record({
        // a Categorical key over a per-batch dictionary (shuffled, so codes differ between batches), an Int32 key
        dict: fc.shuffledSubarray(["a", "b", "c", "dd", "eee", "f"], { minLength: 1 }),
        cat: fc.array(fc.nat(), { minLength: n, maxLength: n }),
        int: fc.array(ints, { minLength: n, maxLength: n }),
        x: fc.array(fc.oneof(fc.constant(Number.NaN), fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: -5, max: 5 })), { minLength: n, maxLength: n }),
        v: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: n, maxLength: n })
      })
    )
    let looped = 0
    const term = fc.record({ op: fc.constantFrom(...ops), value: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -3, max: 3, noNaN: true })), column: fc.constantFrom("x", "int") })
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 5 }), fc.array(term, { maxLength: 2 }), (batches, terms) => {
        const keyTypes = [DT.Utf8, DT.Int32]
        const aggs = [
          { kind: "sum" as const, input: DT.Int32 },
          { kind: "mean" as const, input: DT.Float64 },
          { kind: "count" as const, input: DT.Float64 },
          { kind: "len" as const, input: undefined }
        ]
        const fused = Direct.make(keyTypes, aggs)
        const general = Direct.make(keyTypes, aggs)
        let at = 0
        for (const b of batches) {
          const n = b.cat.length
          const dict = C.fromStrings(b.dict)
          const cat = C.make(DT.Categorical, n, Int32Array.from(b.cat, (c) => c % b.dict.length), null, { dictionary: dict })
          const int = C.make(DT.Int32, n, Int32Array.from(b.int), null)
          const x = C.make(DT.Float64, n, Float64Array.from(b.x), null)
          const v = C.make(DT.Int32, n, Int32Array.from(b.v), null)
          const cols = new Map([["x", x], ["int", int]])
          const tc = terms.map((t) => cols.get(t.column)!)
          const ts = terms.map((t) => ({ name: t.column, op: t.op, value: t.value }))
          const sel = Select.selectColumns(ts, (name) => cols.get(name), n, new Int32Array(n))!
          const addSelected = (d: Direct.Direct) => {
            if (sel.length > 0) d.add([cat, int], [v, x, x, undefined], sel.length === n ? undefined : sel, sel.length, at)
          }
          // false (nothing added) before the integer key has a direct table: the caller takes the general path
          if (fused.addWhere([cat, int], [v, x, x, undefined], ts, tc, n, at)) looped++
          else addSelected(fused)
          addSelected(general)
          at += n
        }
        const a = fused.finish()
        const b = general.finish()
        assert.deepStrictEqual(C.toStrings(a.keys[0]!), C.toStrings(b.keys[0]!))
        assert.deepStrictEqual([...(a.keys[1]!.values as Int32Array)], [...(b.keys[1]!.values as Int32Array)])
        for (let k = 0; k < aggs.length; k++) {
          const p = Array.from(a.aggs[k]!.values as ArrayLike<number | bigint>, Number)
          const q = Array.from(b.aggs[k]!.values as ArrayLike<number | bigint>, Number)
          assert.strictEqual(p.length, q.length)
          for (let g = 0; g < p.length; g++) {
            if (Number.isNaN(q[g]!)) assert.isTrue(Number.isNaN(p[g]!))
            else assert.closeTo(p[g]!, q[g]!, 1e-9 * Math.max(1, Math.abs(q[g]!)))
          }
        }
      }),
      { numRuns, seed }
    )
    return looped
  }

  it("property: the generated loop (addWhere) equals the general path (add of the selected rows), across batches with new keys", () => {
    // few groups: new key values and groups in later batches, rows the predicate rejects with new values
    assert.isAbove(loopProperty(fc.integer({ min: -3, max: 5 }), 40, 300, 20261127), 600) // the loop took most batches
    // thousands of groups (the table grows while the loop runs), and values far apart (past the direct table: the rest
    // of the batch through the general path)
    const wide = fc.oneof({ weight: 1000, arbitrary: fc.integer({ min: 0, max: 3000 }) }, { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) })
    assert.isAbove(loopProperty(wide, 600, 60, 20261126), 40)
    // first batches longer than the rows coded before the loop (4096), with rare values that first appear after them
    const rare = fc.oneof({ weight: 1000, arbitrary: fc.integer({ min: 0, max: 20 }) }, { weight: 1, arbitrary: fc.integer({ min: 21, max: 400 }) })
    assert.isAbove(loopProperty(rare, 12_000, 8, 20261128), 8)
  })

  it("merged partials come out in order of first appearance, whatever the merge order", () => {
    const keyTypes = [DT.Utf8]
    const aggs = [{ kind: "len" as const, input: undefined }]
    const utf8 = (xs: ReadonlyArray<string>) => C.fromStrings(xs)
    // input positions 0..7: "c" "a" | "b" "a" | "d" "c" | "e" "b" — rows 0–1 and 4–5 on one worker, 2–3 and 6–7 on the other
    const w1 = Direct.make(keyTypes, aggs)
    w1.add([utf8(["c", "a"])], [undefined], undefined, 2, 0)
    w1.add([utf8(["d", "c"])], [undefined], undefined, 2, 4)
    const w2 = Direct.make(keyTypes, aggs)
    w2.add([utf8(["b", "a"])], [undefined], undefined, 2, 2)
    w2.add([utf8(["e", "b"])], [undefined], undefined, 2, 6)
    const main = Direct.make(keyTypes, aggs)
    main.merge(w2.partial(0))
    main.merge(w1.partial(0))
    const r = main.finish()
    assert.deepStrictEqual(C.toStrings(r.keys[0]!), ["c", "a", "b", "d", "e"])
    assert.deepStrictEqual([...(r.aggs[0]!.values as BigInt64Array)].map(Number), [2, 2, 2, 1, 1])
  })
})
