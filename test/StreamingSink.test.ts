import { NodeServices } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Exit, Option, pipe } from "effect"
import * as fsSync from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { col, len } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as LazyFrame from "../src/Frame/LazyFrame.ts"
import { readCsv } from "../src/Source/Csv.ts"
import { readParquet, writeParquet } from "../src/Source/Parquet.ts"
import { scanParquet } from "../src/Source/Scan.ts"
import * as PStream from "../src/Stream/Stream.ts"

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
