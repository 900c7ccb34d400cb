import { NodeServices } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api"
import * as A from "apache-arrow"
import { Effect, Exit, Fiber, Option, pipe, Stream } from "effect"
import * as fc from "fast-check"
import * as fsSync from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { col, len } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as LazyFrame from "../src/Frame/LazyFrame.ts"
import { readCsv } from "../src/Source/Csv.ts"
import * as B from "../src/internal/build.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import * as F from "../src/internal/frame.ts"
import * as WriteStream from "../src/internal/parquet/writeStream.ts"
import { readParquet, readParquetMetadata, writeParquet } from "../src/Source/Parquet.ts"
import { scanParquet } from "../src/Source/Scan.ts"
import * as PStream from "../src/Stream/Stream.ts"

/** Real time (it.effect runs on the test clock). */
const sleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))
const tmp = () => fsSync.mkdtempSync(path.join(os.tmpdir(), "polaroid-sink-"))
const sorted = (f: Frame.Frame) => Frame.sort(f, ["k", "n"])
const rows = (f: Frame.Frame) => JSON.stringify(Frame.toRows(f), (_, v) => (typeof v === "bigint" ? Number(v) : v))

/** 3 files × 1 000 rows: k = "k" + (i % 7), v = i % 13 (every 11th null), the query filters and groups them. */
const setup = Effect.gen(function* () {
  const dir = tmp()
  const files: Array<string> = []
  for (let p = 0; p < 3; p++) {
    const n = 1000
    const k = Array.from({ length: n }, (_, i) => `k${(p * n + i) % 7}`)
    const v = Array.from({ length: n }, (_, i) => ((p * n + i) % 11 === 0 ? null : (p * n + i) % 13))
    const file = path.join(dir, `part-${p}.parquet`)
    yield* writeParquet(yield* Frame.make({ k, v }), file, { rowGroupSize: 128 })
    files.push(file)
  }
  const query = pipe(
    scanParquet(files),
    LazyFrame.filter(col("v").gt(2)),
    LazyFrame.groupBy("k").agg(col("v").sum().alias("s"), len().alias("n"), col("v").mean().alias("m"))
  )
  return { dir, files, query }
})

layer(NodeServices.layer)("LazyFrame.sink*", (it) => {
  it.effect("sinkParquet / sinkCsv / sinkNdjson / sinkIpc write what collect gives", () =>
    Effect.gen(function* () {
      const { dir, query } = yield* setup
      const opts = { batchSize: 100 }
      // the same batches as the sinks (partial means merge in batch order), and the in-memory result up to rounding
      const expected = yield* sorted(yield* LazyFrame.collect(query, { ...opts, streaming: true }))
      const memory = yield* sorted(yield* LazyFrame.collect(query))
      assert.strictEqual(expected.height, 7)
      assert.deepStrictEqual(Frame.toRows(expected).map((x) => [x["k"], x["s"], x["n"]]), Frame.toRows(memory).map((x) => [x["k"], x["s"], x["n"]]))
      const memRows = Frame.toRows(memory)
      for (const [i, x] of Frame.toRows(expected).entries()) assert.closeTo(x["m"] as number, memRows[i]!["m"] as number, 1e-12)
      const pq = path.join(dir, "out.parquet")
      const r = yield* LazyFrame.sinkParquet(query, pq, { ...opts, rowGroupSize: 3 })
      assert.strictEqual(r.rows, 7)
      assert.strictEqual(rows(yield* sorted(yield* readParquet(pq))), rows(expected))
      // data-last
      const csvPath = path.join(dir, "out.csv")
      yield* pipe(query, LazyFrame.sinkCsv(csvPath, opts))
      const csv = yield* readCsv(csvPath, { dtypes: Object.fromEntries(expected.schema.map((f) => [f.name, f.dtype])) })
      assert.strictEqual(rows(yield* sorted(csv)), rows(expected))
      const nd = path.join(dir, "out.ndjson")
      yield* LazyFrame.sinkNdjson(query, nd, opts)
      const ndf = Option.getOrThrow(yield* PStream.collect(PStream.ndjson(nd)))
      const ndRows = Frame.toRows(ndf).map((x) => [x["k"], Number(x["s"]), Number(x["n"]), x["m"]])
      ndRows.sort((a, b) => String(a[0]).localeCompare(String(b[0])))
      assert.deepStrictEqual(
        ndRows,
        Frame.toRows(expected).map((x) => [x["k"], Number(x["s"]), Number(x["n"]), x["m"]])
      )
      const ipc = path.join(dir, "out.arrow")
      yield* pipe(query, LazyFrame.sinkIpc(ipc))
      const ipcf = Option.getOrThrow(yield* PStream.collect(PStream.arrowIpc(ipc)))
      assert.strictEqual(rows(yield* sorted(ipcf)), rows(expected))
      // only the four outputs (no temporary file left behind)
      assert.deepStrictEqual(
        fsSync.readdirSync(dir).filter((f) => f.startsWith("out") || f.startsWith(".")).sort(),
        ["out.arrow", "out.csv", "out.ndjson", "out.parquet"]
      )
    })
  )

  it.effect("a plan failing mid-stream leaves no file, and an existing target untouched", () =>
    Effect.gen(function* () {
      const { dir, files } = yield* setup
      const bad = path.join(dir, "bad.parquet")
      fsSync.writeFileSync(bad, "PAR1 this is not parquet PAR1")
      const schema = [
        { name: "k", dtype: DT.Utf8 },
        { name: "v", dtype: DT.Int64 }
      ]
      // the first file streams into the sink before the bad one fails
      const query = pipe(scanParquet([files[0]!, bad], { schema }), LazyFrame.filter(col("v").gt(2)))
      for (const [name, run] of [
        ["a.parquet", (p: string) => LazyFrame.sinkParquet(query, p, { batchSize: 10 })],
        ["a.csv", (p: string) => LazyFrame.sinkCsv(query, p, { batchSize: 10 })],
        ["a.ndjson", (p: string) => LazyFrame.sinkNdjson(query, p, { batchSize: 10 })],
        ["a.arrow", (p: string) => LazyFrame.sinkIpc(query, p, { batchSize: 10 })]
      ] as const) {
        const target = path.join(dir, name)
        const exit = yield* Effect.exit(run(target))
        assert.isTrue(Exit.isFailure(exit), name)
        assert.isFalse(fsSync.existsSync(target), name)
        fsSync.writeFileSync(target, "previous")
        assert.isTrue(Exit.isFailure(yield* Effect.exit(run(target))), name)
        assert.strictEqual(fsSync.readFileSync(target, "utf8"), "previous", name)
      }
      assert.deepStrictEqual(fsSync.readdirSync(dir).filter((f) => f.startsWith(".")), [])
    })
  )

  it.effect("a node that cannot stream fails the sink (no file) unless allowFallback", () =>
    Effect.gen(function* () {
      const { dir, query } = yield* setup
      const q = LazyFrame.unique(query)
      const target = path.join(dir, "u.parquet")
      const exit = yield* Effect.exit(LazyFrame.sinkParquet(q, target))
      assert.isTrue(Exit.isFailure(exit))
      assert.isFalse(fsSync.existsSync(target))
      yield* LazyFrame.sinkParquet(q, target, { allowFallback: true })
      assert.strictEqual(rows(yield* sorted(yield* readParquet(target))), rows(yield* sorted(yield* LazyFrame.collect(q, { streaming: true, allowFallback: true }))))
    })
  )
})

// ---------------------------------------------------------------------------------------------------------------
// Stream.sinkParquet / sinkIpc: incremental writers, type fidelity against the whole-file writers, bounded memory
// ---------------------------------------------------------------------------------------------------------------

const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })
/** Every dtype family the sinks map, with nulls; each batch is built on its own (its own Categorical dictionary). */
const SPECS: ReadonlyArray<readonly [string, DataType, fc.Arbitrary<unknown>]> = [
  ["i8", DT.Int8, fc.integer({ min: -128, max: 127 })],
  ["u32", DT.UInt32, fc.integer({ min: 0, max: 2 ** 32 - 1 })],
  ["i64", DT.Int64, i64],
  ["u64", DT.UInt64, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })],
  ["f64", DT.Float64, fc.double({ noNaN: true })],
  ["bool", DT.Boolean, fc.boolean()],
  ["str", DT.Utf8, fc.string({ unit: "grapheme", maxLength: 6 })],
  ["cat", DT.Categorical, fc.constantFrom("AAPL", "IBM", "SPY", "", "MSFT", "GOOG")],
  ["date", DT.Date, fc.integer({ min: -700_000, max: 2_900_000 })],
  ["ts_s", DT.Timestamp("s", null), fc.bigInt({ min: -(10n ** 10n), max: 10n ** 10n })],
  ["ts_ms_ny", DT.Timestamp("ms", "America/New_York"), fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n })],
  ["ts_us_utc", DT.Timestamp("us", "UTC"), fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n })],
  ["ts_ns", DT.Timestamp("ns", null), i64],
  ["dur_ms", DT.Duration("ms"), i64],
  ["dec", DT.Decimal(18, 4), fc.bigInt({ min: -(10n ** 14n) + 1n, max: 10n ** 14n - 1n }).map((v) => `${v / 10_000n}.${String(v < 0n ? -v % 10_000n : v % 10_000n).padStart(4, "0")}`)],
  ["list_i32", DT.List(DT.Int32), fc.array(fc.option(fc.integer(), { nil: null }), { maxLength: 4 })],
  ["list_str", DT.List(DT.Utf8), fc.array(fc.option(fc.string({ maxLength: 4 }), { nil: null }), { maxLength: 3 })],
  [
    "struct",
    DT.Struct([
      { name: "a", dtype: DT.Int32 },
      { name: "b", dtype: DT.Utf8 }
    ]),
    fc.record({ a: fc.option(fc.integer(), { nil: null }), b: fc.option(fc.string({ maxLength: 4 }), { nil: null }) })
  ]
]

const batchArb = (n: number) =>
  fc.tuple(...SPECS.map(([, , arb]) => fc.array(fc.option(arb, { nil: null, freq: 4 }), { minLength: n, maxLength: n }))).map((cols) =>
    F.fromColumnsUnsafe(
      SPECS.map(([name]) => name),
      cols.map((vs, j) => {
        const r = B.fromValues(vs, SPECS[j]![1])
        if (r._tag === "Err") throw new Error(`${SPECS[j]![0]}: ${JSON.stringify(r)}`)
        return r.column
      })
    )
  )

/** Values comparable across writers (timestamps as nanoseconds: Parquet stores Timestamp("s") as milliseconds). */
const comparable = (c: Column, i: number): unknown => {
  if (!C.isValid(c, i)) return null
  if (c.dtype._tag === "Timestamp") return (c.values as BigInt64Array)[i]! * DT.nanosPerUnit(c.dtype.unit)
  return C.getValue(c, i)
}
const table = (f: Frame.Frame) => {
  const cols = F.contiguous(f)
  return Array.from({ length: f.height }, (_, i) => cols.map((c) => comparable(c, i)))
}
const sameTable = (got: Frame.Frame, want: Frame.Frame, label: string) => {
  assert.strictEqual(got.height, want.height, label)
  const g = table(got)
  const w = table(want)
  for (let i = 0; i < w.length; i++) assert.deepStrictEqual(g[i], w[i], `${label}, row ${i}`)
}

let duckConn: DuckDBConnection | undefined
const duck = async () => (duckConn ??= await (await DuckDBInstance.create(":memory:")).connect())

/** 5 batches of 0..40 rows, each with its own dictionaries, and the frame they make together. */
const batches = (seed: number) => {
  const sizes = [13, 0, 40, 1, 29]
  const bs = sizes.map((n, k) => fc.sample(batchArb(n), { numRuns: 1, seed: seed + k })[0]!)
  return { bs, whole: F.unsafeMake(bs[0]!.schema, bs.flatMap((b) => b.batches)) }
}

layer(NodeServices.layer)("Stream.sinkParquet / sinkIpc", (it) => {
  it.effect("sinkParquet of several batches equals writeParquet of their concatenation (our reader and DuckDB)", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const db = yield* Effect.promise(duck)
      for (const seed of [1, 2, 3]) {
        const { bs, whole } = batches(seed * 100)
        const streamed = path.join(dir, `s${seed}.parquet`)
        const reference = path.join(dir, `r${seed}.parquet`)
        const r = yield* Stream.run(Stream.fromIterable(bs), PStream.sinkParquet(streamed, { rowGroupSize: 7, compression: "snappy" }))
        assert.strictEqual(r.rows, whole.height)
        yield* writeParquet(whole, reference, { rowGroupSize: 7, compression: "snappy" })
        const a = yield* readParquet(streamed)
        const b = yield* readParquet(reference)
        assert.deepStrictEqual(a.schema, b.schema, `seed ${seed}`)
        assert.deepStrictEqual(
          a.schema.map((f) => f.dtype),
          whole.schema.map((f) => (f.dtype._tag === "Timestamp" && f.dtype.unit === "s" ? DT.Timestamp("ms", null) : f.dtype))
        )
        sameTable(a, whole, `seed ${seed}`)
        const md = yield* readParquetMetadata(streamed)
        assert.deepStrictEqual(md.rowGroups.map((g) => g.numRows), [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6].slice(0, Math.ceil(whole.height / 7)).map((n, i, xs) => (i === xs.length - 1 ? whole.height - 7 * i : n)))
        // DuckDB: same column types, and the same multiset of rows
        const types = async (f: string) => (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${f}')`)).getRows().map((x) => `${x[0]}:${x[1]}`)
        assert.deepStrictEqual(yield* Effect.promise(() => types(streamed)), yield* Effect.promise(() => types(reference)))
        for (const [x, y] of [
          [streamed, reference],
          [reference, streamed]
        ])
          assert.strictEqual(
            (yield* Effect.promise(() => db.runAndReadAll(`SELECT count(*)::INT FROM (SELECT * FROM read_parquet('${x}') EXCEPT ALL SELECT * FROM read_parquet('${y}'))`))).getRows()[0]![0],
            0,
            `seed ${seed}: ${x} \\ ${y}`
          )
        assert.strictEqual(
          (yield* Effect.promise(() => db.runAndReadAll(`SELECT count(*)::INT FROM read_parquet('${streamed}')`))).getRows()[0]![0],
          whole.height
        )
      }
    }))

  it.effect("sinkIpc (file and stream formats) of batches with differing dictionaries reads back as the batches", () =>
    Effect.gen(function* () {
      const dir = tmp()
      for (const seed of [4, 5]) {
        const { bs, whole } = batches(seed * 100)
        for (const format of ["file", "stream"] as const) {
          const out = path.join(dir, `o${seed}.${format === "file" ? "arrow" : "arrows"}`)
          yield* Stream.run(Stream.fromIterable(bs), PStream.sinkIpc(out, { format }))
          const ours = Option.getOrThrow(yield* PStream.collect(PStream.arrowIpc(out)))
          assert.deepStrictEqual(ours.schema, whole.schema, `${seed} ${format}`)
          sameTable(ours, whole, `${seed} ${format}`)
          // apache-arrow's own reader (dictionary deltas resolved by it), row by row
          const t = A.tableFromIPC(fsSync.readFileSync(out))
          assert.strictEqual(t.numRows, whole.height)
          const cat = t.getChild("cat")!.toArray() as ReadonlyArray<string | null>
          assert.deepStrictEqual([...cat], C.toStrings(F.contiguous(whole)[7]!))
          const mem = yield* Frame.fromArrow(t)
          sameTable(mem, whole, `${seed} ${format} (apache-arrow)`)
        }
      }
    }))

  it.effect("a long stream is written in bounded memory: row groups flushed as they fill", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const batchRows = 1000
      const rowGroupSize = 5000
      const count = 200
      const batch = (k: number) =>
        F.fromColumnsUnsafe(
          ["id", "x", "s"],
          [
            C.make(DT.Int64, batchRows, BigInt64Array.from({ length: batchRows }, (_, i) => BigInt(k * batchRows + i)), null),
            C.make(DT.Float64, batchRows, Float64Array.from({ length: batchRows }, (_, i) => Math.sin(k * batchRows + i)), null),
            C.fromStrings(Array.from({ length: batchRows }, (_, i) => `row-${(k * batchRows + i) % 977}`))
          ]
        )
      const source = Stream.range(0, count - 1, 1).pipe(Stream.map(batch))
      const seen: Array<WriteStream.EncoderStats> = []
      WriteStream.statsObserver.current = (s) => seen.push({ ...s })
      const progress: Array<PStream.Progress> = []
      const out = path.join(dir, "long.parquet")
      yield* Stream.run(source, PStream.sinkParquet(out, { rowGroupSize, compression: "zstd", onProgress: (p) => progress.push(p) })).pipe(
        Effect.ensuring(Effect.sync(() => (WriteStream.statsObserver.current = undefined)))
      )
      const total = count * batchRows
      const md = yield* readParquetMetadata(out)
      assert.strictEqual(md.numRows, total)
      assert.strictEqual(md.rowGroups.length, total / rowGroupSize)
      const s = seen[0]!
      assert.strictEqual(s.rowsIn, total)
      // the encoder emitted a row group at least every rowGroupSize + one batch of input: it never held 2 row groups
      assert.isAtMost(s.maxRowsBetweenOutputs, rowGroupSize + batchRows)
      assert.isAtLeast(s.chunks, total / rowGroupSize)
      // the bytes waiting to be written never exceeded two row groups' worth (at the end: the last row group, then
      // the page indexes and footer, which come out together)
      const size = fsSync.statSync(out).size
      const largest = Math.max(...md.rowGroups.map((g) => g.columns.reduce((t, c) => t + c.compressedSize, 0)))
      assert.isAtMost(s.maxHeldBytes, 2 * largest)
      assert.isBelow(s.maxHeldBytes, size / 10)
      // and the file grew while the stream ran: half-way through, most of the first half is on disk
      const half = progress.find((p) => p.rows === total / 2)!
      assert.isAbove(half.bytes, size * 0.4)
      for (let i = 1; i < progress.length; i++) assert.isAtLeast(progress[i]!.bytes, progress[i - 1]!.bytes)
      // the data is right: sum of ids as DuckDB computes it
      const db = yield* Effect.promise(duck)
      const r = (yield* Effect.promise(() => db.runAndReadAll(`SELECT sum(id)::VARCHAR, count(DISTINCT s)::INT FROM read_parquet('${out}')`))).getRows()[0]!
      assert.strictEqual(r[0], String(((total - 1) * total) / 2))
      assert.strictEqual(r[1], 977)
      // IPC: each batch is on disk before the next one arrives
      const ipcProgress: Array<PStream.Progress> = []
      const ipc = path.join(dir, "long.arrow")
      yield* Stream.run(source, PStream.sinkIpc(ipc, { onProgress: (p) => ipcProgress.push(p) }))
      const ipcSize = fsSync.statSync(ipc).size
      const ipcHalf = ipcProgress.find((p) => p.rows === total / 2)!
      assert.isAbove(ipcHalf.bytes, ipcSize * 0.45)
      assert.strictEqual(A.tableFromIPC(fsSync.readFileSync(ipc)).numRows, total)
    }))

  it.effect("interrupting or failing sinkParquet mid-stream removes the temporary file and stops the encoder", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const { bs } = batches(700)
      const endless = Stream.forever(Stream.fromIterable(bs)).pipe(Stream.tap(() => sleep(1)))
      for (const sink of [PStream.sinkParquet(path.join(dir, "i.parquet"), { rowGroupSize: 10 }), PStream.sinkIpc(path.join(dir, "i.arrow"))]) {
        const fiber = yield* Effect.forkChild(Stream.run(endless, sink))
        yield* sleep(60)
        assert.strictEqual(fsSync.readdirSync(dir).length, 1) // the temporary file
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(fsSync.readdirSync(dir), [])
      }
      // a batch with another schema fails the sink after some row groups were written
      const other = yield* Frame.make({ z: [1, 2, 3] })
      const e = yield* Effect.flip(Stream.run(Stream.concat(Stream.fromIterable([...bs, ...bs]), Stream.succeed(other)), PStream.sinkParquet(path.join(dir, "f.parquet"), { rowGroupSize: 10 })))
      assert.strictEqual(e._tag, "SourceError")
      assert.deepStrictEqual(fsSync.readdirSync(dir), [])
      // only empty batches: a file with the schema and no rows (both writers)
      const empty = F.unsafeMake(bs[0]!.schema, [])
      yield* Stream.run(Stream.make(empty, empty), PStream.sinkParquet(path.join(dir, "e.parquet")))
      const back = yield* readParquet(path.join(dir, "e.parquet"))
      assert.strictEqual(back.height, 0)
      assert.deepStrictEqual(back.columns, bs[0]!.columns)
      yield* Stream.run(Stream.make(empty), PStream.sinkIpc(path.join(dir, "e.arrow")))
      assert.deepStrictEqual(Option.getOrThrow(yield* PStream.collect(PStream.arrowIpc(path.join(dir, "e.arrow")))).schema, bs[0]!.schema)
    }))
})
