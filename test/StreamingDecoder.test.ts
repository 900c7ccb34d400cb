/**
 * The streaming Parquet scan's decode worker (src/internal/stream/exec/decoder.ts) and the fused filter → group-by
 * with per-stream Utf8 key codes (groupBy.ts, keyDict.ts): a file above the worker threshold is decoded on the
 * worker (every row group), and the streamed group-by equals the in-memory one; a `head` decodes one row group and
 * never starts the worker.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, pipe, Stream } from "effect"
import * as fc from "fast-check"
import * as fsSync from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { col, len } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as LazyFrame from "../src/Frame/LazyFrame.ts"
import * as C from "../src/internal/column.ts"
import { MIN_WORKER_BYTES } from "../src/internal/stream/exec/decoder.ts"
import * as KeyDict from "../src/internal/stream/exec/keyDict.ts"
import { type StreamEvent, StreamObserver } from "../src/internal/stream/exec/types.ts"
import { writeParquet } from "../src/Source/Parquet.ts"
import { scanParquet } from "../src/Source/Scan.ts"
import * as FastCheck from "../src/Testing/FastCheck.ts"

const n = 1_600_000
/** k: 40 strings of different lengths (every 97th null), g: Int32, x: pseudo-random Float64 (every 89th null). */
const setup = Effect.gen(function* () {
  const dir = fsSync.mkdtempSync(path.join(os.tmpdir(), "polaroid-decoder-"))
  const file = path.join(dir, "big.parquet")
  const k: Array<string | null> = new Array(n)
  const g = new Int32Array(n)
  const x: Array<number | null> = new Array(n)
  let s = 12345
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    const r = s / 2 ** 32
    k[i] = i % 97 === 0 ? null : `key-${"x".repeat(i % 5)}${(i * 7) % 40}`
    g[i] = (i * 13) % 7
    x[i] = i % 89 === 0 ? null : r
  }
  yield* writeParquet(yield* Frame.make({ k, g, x }), file, { rowGroupSize: 100_000, compression: "uncompressed" })
  return { dir, file }
})

layer(NodeServices.layer)("streaming scan decode worker", (it) => {
  it.effect("row groups of a large file are decoded on the worker; the fused filter → group-by equals collect", () =>
    Effect.gen(function* () {
      const { dir, file } = yield* setup
      assert.isAtLeast(fsSync.statSync(file).size, MIN_WORKER_BYTES)
      const q = pipe(
        scanParquet(file),
        LazyFrame.filter(col("x").gt(0.25)),
        LazyFrame.groupBy(["k", "g"]).agg(col("x").sum().alias("s"), col("x").mean().alias("m"), len().alias("n"), col("x").max().alias("hi"))
      )
      const events: Array<StreamEvent> = []
      const streamed = yield* LazyFrame.collect(q, { streaming: true }).pipe(Effect.provideService(StreamObserver, (e) => events.push(e)))
      const memory = yield* LazyFrame.collect(q)
      fsSync.rmSync(dir, { recursive: true })
      const rowGroups = events.filter((e) => e._tag === "RowGroup").length
      assert.strictEqual(rowGroups, 16)
      assert.strictEqual(events.filter((e) => e._tag === "WorkerDecode").length, rowGroups)
      const sortKey = ["k", "g"]
      const a = Frame.toRows(yield* Frame.sort(streamed, sortKey, { nullsLast: true }))
      const b = Frame.toRows(yield* Frame.sort(memory, sortKey, { nullsLast: true }))
      assert.deepStrictEqual(streamed.schema, memory.schema)
      assert.strictEqual(a.length, b.length)
      assert.strictEqual(a.length, 41 * 7) // 40 strings and null, × 7 values of g
      for (let i = 0; i < a.length; i++) {
        const r = a[i]!
        const m = b[i]!
        assert.strictEqual(r["k"], m["k"])
        assert.strictEqual(r["g"], m["g"])
        assert.strictEqual(r["n"], m["n"])
        assert.strictEqual(r["hi"], m["hi"])
        assert.closeTo(r["s"] as number, m["s"] as number, 1e-9 * Math.abs(m["s"] as number))
        assert.closeTo(r["m"] as number, m["m"] as number, 1e-12)
      }
    }))

  it.effect("a head decodes one row group and no worker", () =>
    Effect.gen(function* () {
      const { dir, file } = yield* setup
      const events: Array<StreamEvent> = []
      const q = pipe(scanParquet(file), LazyFrame.filter(col("x").gt(0.5)), LazyFrame.select("k", "x"), LazyFrame.head(10))
      const out = yield* Stream.runCollect(LazyFrame.toStream(q, { optimize: false })).pipe(Effect.provideService(StreamObserver, (e) => events.push(e)))
      fsSync.rmSync(dir, { recursive: true })
      assert.strictEqual(out.reduce((s, f) => s + f.height, 0), 10)
      assert.strictEqual(events.filter((e) => e._tag === "RowGroup").length, 1)
      assert.strictEqual(events.filter((e) => e._tag === "WorkerDecode").length, 0)
    }))

  it.effect("property: the direct group-by path (string/int keys; sum, count, len, mean) equals the in-memory group-by", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          FastCheck.frame(
            [
              { name: "k", dtype: DT.Utf8 },
              { name: "a", dtype: DT.Int16 },
              { name: "i", dtype: DT.Int32 },
              { name: "b", dtype: DT.Float64 }
            ],
            { maxRows: 60 }
          ),
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: -3, max: 3 }),
          async (f, batchSize, c) => {
            const q = LazyFrame.fromFrame(f).pipe(
              LazyFrame.filter(col("a").gt(c).or(col("b").isNull())),
              LazyFrame.groupBy(["k", "a"]).agg(
                col("i").sum().alias("si"),
                col("b").sum().alias("sb"),
                col("a").count().alias("count"),
                col("b").len().alias("lenb"),
                len().alias("len"),
                col("b").mean().alias("mean"),
                col("i").mean().alias("mi")
              )
            )
            const mem = await Effect.runPromise(LazyFrame.collect(q))
            const str = await Effect.runPromise(LazyFrame.collect(q, { streaming: true, batchSize }).pipe(Effect.provide(NodeServices.layer)))
            assert.deepStrictEqual(str.schema, mem.schema)
            const a = Frame.toRows(str)
            const b = Frame.toRows(mem)
            assert.strictEqual(a.length, b.length)
            a.forEach((r, i) => {
              const m = b[i]!
              for (const key of Object.keys(m)) {
                const x = r[key]
                const y = m[key]
                if (typeof x === "number" && typeof y === "number" && !(Number.isNaN(x) && Number.isNaN(y)))
                  assert.isTrue(x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)), `${key}: ${x} vs ${y}`)
                else assert.deepStrictEqual(x, y, key)
              }
            })
          }
        ),
        { numRuns: 150, seed: 11 }
      )
    ))

  it.effect("the direct path's integer sums are exact beyond 2^53", () =>
    Effect.gen(function* () {
      const n = 6_000_000
      const k = Array.from({ length: n }, (_, i) => (i % 6 === 0 ? "a" : "b"))
      const x = new Int32Array(n).fill(2_000_000_000)
      x[5] = -7
      const q = pipe(LazyFrame.fromFrame(yield* Frame.make({ k, x })), LazyFrame.groupBy("k").agg(col("x").sum().alias("s")))
      const out = Frame.toRows(yield* LazyFrame.collect(q, { streaming: true, batchSize: 1 << 21 }))
      // hand-computed: "a" holds rows 0, 6, 12, … (1 000 000 rows), "b" the other 5 000 000 rows, one of them -7:
      // its sum passes 2^53, where Float64 steps by 2 (an odd total would round)
      assert.deepStrictEqual(out, [
        { k: "a", s: 2_000_000_000_000_000n },
        { k: "b", s: 4_999_999n * 2_000_000_000n - 7n }
      ])
    }))

  it.effect("the direct path moves from direct tables to hashing mid-stream (many groups, wide integer keys)", () =>
    Effect.gen(function* () {
      const n = 30_000
      // the first 10 000 rows: few codes per key (direct group table, b in a small range); then many groups and a
      // wide range of b (hashed groups and hashed codes, with the groups and codes seen so far carried over)
      const a = Int32Array.from({ length: n }, (_, i) => (i < 10_000 ? i % 5 : i % 3001) * 1_000_003 - 7)
      const b = Int32Array.from({ length: n }, (_, i) => (i < 10_000 ? i % 7 : (i % 2999) * 40))
      const s = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : `s${i % 1009}`))
      const x = Float64Array.from({ length: n }, (_, i) => (i % 101) / 4)
      const q = pipe(
        LazyFrame.fromFrame(yield* Frame.make({ a, b, s, x })),
        LazyFrame.groupBy(["s", "b", "a"]).agg(col("x").sum().alias("sx"), col("a").sum().alias("sa"), len().alias("n"), col("x").mean().alias("m"))
      )
      const mem = yield* LazyFrame.collect(q)
      const str = yield* LazyFrame.collect(q, { streaming: true, batchSize: 4096 })
      assert.isAbove(mem.height, 20_000)
      // sums of quarters and of integers are exact in any order: the frames are equal
      assert.deepStrictEqual(Frame.toRows(str), Frame.toRows(mem))
    }))

  it("property: per-stream key codes are equal exactly when the strings are, and decode back", () =>
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.oneof(
              fc.constantFrom("", "a", "abcd", "abcdabcd", "abcdXabcd", "abcdYabcd", "é", "ab\u0000", "ab"),
              fc.string({ maxLength: 14 }),
              fc.constant(null)
            ),
            { maxLength: 30 }
          ),
          { minLength: 1, maxLength: 4 }
        ),
        (batches) => {
          const d = KeyDict.make()
          const seen = new Map<string, number>()
          for (const xs of batches) {
            const col = C.fromStrings(xs)
            const codes = d.encode(col)
            assert.deepStrictEqual(C.toStrings(d.decode(codes)), xs)
            xs.forEach((x, i) => {
              if (x === null) {
                assert.isFalse(C.isValid(codes, i))
                return
              }
              const c = (codes.values as Int32Array)[i]!
              const before = seen.get(x)
              if (before === undefined) {
                // a new string gets the next code
                assert.strictEqual(c, seen.size)
                seen.set(x, c)
              } else assert.strictEqual(c, before)
            })
          }
          assert.strictEqual(d.size(), seen.size)
        }
      ),
      { numRuns: 300, seed: 3 }
    ))
})
