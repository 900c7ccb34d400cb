import { NodeServices } from "@effect/platform-node"
import { assert, describe, layer } from "@effect/vitest"
import * as A from "apache-arrow"
import { Effect, Exit, Fiber, FileSystem, Option, Stream } from "effect"
import * as fsSync from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as zlib from "node:zlib"
import * as Frame from "../src/Frame/Frame.ts"
import * as Csv from "../src/Source/Csv.ts"
import * as Parquet from "../src/Source/Parquet.ts"
import * as S from "../src/Stream/index.ts"

const HERE = path.dirname(fileURLToPath(import.meta.url))
const DATA = path.resolve(HERE, "../../shared/data")
const hasData = fsSync.existsSync(DATA)
if (!hasData) {
  if (process.env.CI) throw new Error(`shared test data missing at ${DATA} (required in CI)`)
  console.warn(`[Stream.test] skipping real-data tests: ${DATA} is absent`)
}
const TRADES = path.join(DATA, "market/lean/equity/usa/tick/ibm/20131007_ibm_Trade_Tick.csv")
const FLIGHTS = path.join(DATA, "parquet/vega-datasets/flights-3m.parquet")
const NDJSON = path.join(DATA, "market/hftbacktest/derived/btcusdt_20240808.trades.ndjson")
const IPC_DIR = path.join(DATA, "arrow/arrow-testing/cpp-21.0.0")
const TRADE_COLS = ["time_ms", "price", "size", "exchange", "condition", "suspicious"]

const sleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))
const fds = () => fsSync.readdirSync("/proc/self/fd").length
/** The open descriptor count once it has not changed for 50 ms (closes in flight have landed). */
const stableFds = Effect.gen(function* () {
  let last = fds()
  for (let i = 0, same = 0; i < 200 && same < 5; i++) {
    yield* sleep(10)
    const now = fds()
    same = now === last ? same + 1 : 0
    last = now
  }
  return last
})
/** The open descriptor count once in-flight async closes (libuv, Blob reads) have landed: waits up to 1 s for `want`. */
const settledFds = (want: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < 100 && fds() !== want; i++) yield* sleep(10)
    return fds()
  })
const rowsOf = (frames: ReadonlyArray<Frame.Frame>) => frames.flatMap((f) => Frame.toRows(f))
const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))

const tmpDir = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  return yield* fs.makeTempDirectoryScoped()
})

layer(NodeServices.layer)("Stream sources", (it) => {
  it.effect("CSV in small chunks equals the whole-file reader, quoted line breaks included", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const lines = ["id,text,x"]
      for (let i = 0; i < 500; i++) lines.push(`${i},"a ""q"" ${i}\nline two, with comma",${i * 0.5}`)
      const text = `${lines.join("\r\n")}\r\n`
      const p = `${dir}/q.csv`
      fsSync.writeFileSync(p, text)
      const whole = yield* Csv.parseCsv(text)
      for (const chunkBytes of [7, 64, 1000]) {
        const frames = yield* Stream.runCollect(S.csv(p, { chunkBytes, batchRows: 37 }))
        assert.isTrue(frames.every((f) => f.height <= 37))
        assert.strictEqual(json(rowsOf(frames)), json(Frame.toRows(whole)))
        assert.deepStrictEqual(frames[0]!.schema, whole.schema)
      }
    }))

  it.effect("a later value that does not fit the first batch's dtype fails with its file line and byte", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const rows = ["a,b"]
      for (let i = 0; i < 300; i++) rows.push(`${i},x`)
      rows.push("oops,y")
      const text = `${rows.join("\n")}\n`
      fsSync.writeFileSync(`${dir}/bad.csv`, text)
      const e = yield* Effect.flip(Stream.runDrain(S.csv(`${dir}/bad.csv`, { chunkBytes: 100, batchRows: 50 })))
      assert.strictEqual(e._tag, "SourceError")
      if (e._tag !== "SourceError") return
      assert.strictEqual(e.row, 302) // header is line 1, value i is on line i + 2
      assert.strictEqual(e.byteOffset, text.indexOf("oops"))
      assert.strictEqual(e.column, "a")
      assert.match(e.message, /line 302/)
    }))

  it.effect("gzip, zstd and brotli CSV/NDJSON decompress transparently; detection by magic and extension", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const text = "a,b\n1,x\n2,y\n3,\n"
      fsSync.writeFileSync(`${dir}/t.csv.gz`, zlib.gzipSync(text))
      fsSync.writeFileSync(`${dir}/t.csv.zst`, zlib.zstdCompressSync(text))
      fsSync.writeFileSync(`${dir}/t.csv.br`, zlib.brotliCompressSync(text))
      fsSync.writeFileSync(`${dir}/t.ndjson.gz`, zlib.gzipSync('{"a":1,"b":"x"}\n{"a":2,"b":null}\n'))
      const expected = json(Frame.toRows(yield* Csv.parseCsv(text)))
      for (const ext of ["gz", "zst", "br"]) {
        const frames = yield* Stream.runCollect(S.read(`${dir}/t.csv.${ext}`))
        assert.strictEqual(json(rowsOf(frames)), expected, ext)
      }
      const nd = yield* Stream.runCollect(S.read(`${dir}/t.ndjson.gz`))
      assert.strictEqual(json(rowsOf(nd)), json([{ a: 1n, b: "x" }, { a: 2n, b: null }]))
      // Mismatches and unknown formats.
      fsSync.writeFileSync(`${dir}/fake.parquet`, text)
      fsSync.writeFileSync(`${dir}/x.bin`, text)
      fsSync.writeFileSync(`${dir}/plain.csv.gz`, text)
      for (const f of ["fake.parquet", "x.bin", "plain.csv.gz"]) {
        const e = yield* Effect.flip(Stream.runDrain(S.read(`${dir}/${f}`)))
        assert.strictEqual(e._tag, "SourceError", f)
      }
      const corrupt = zlib.gzipSync(text).subarray(0, 12)
      fsSync.writeFileSync(`${dir}/cut.csv.gz`, corrupt)
      const e = yield* Effect.flip(Stream.runDrain(S.read(`${dir}/cut.csv.gz`)))
      assert.strictEqual(e._tag, "SourceError")
    }))

  it.effect("fromFrame batches and collect restores the frame", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, 2, 3, 4, 5], b: ["p", "q", null, "s", "t"] })
      for (const batchSize of [1, 2, 5, 9]) {
        const parts = yield* Stream.runCollect(S.fromFrame(f, { batchSize }))
        assert.strictEqual(parts.length, Math.ceil(5 / batchSize))
        const back = yield* S.collect(S.fromFrame(f, { batchSize }))
        assert.strictEqual(json(Frame.toRows(Option.getOrThrow(back))), json(Frame.toRows(f)))
      }
    }))
})

layer(NodeServices.layer)("Stream sources on real files", (it) => {
  it.effect.skipIf(!hasData)("Lean IBM trades: chunked CSV equals readCsv", () =>
    Effect.gen(function* () {
      const opts = { hasHeader: false, columns: TRADE_COLS }
      const whole = yield* Csv.readCsv(TRADES, opts)
      const frames = yield* Stream.runCollect(S.csv(TRADES, { ...opts, chunkBytes: 32 << 10, batchRows: 5000 }))
      assert.isAbove(frames.length, 5)
      assert.strictEqual(frames.reduce((s, f) => s + f.height, 0), whole.height)
      assert.strictEqual(json(rowsOf(frames)), json(Frame.toRows(whole)))
    }))

  it.effect.skipIf(!hasData)("flights-3m: one Frame per row group, projection and row-group selection", () =>
    Effect.gen(function* () {
      const meta = yield* Parquet.readParquetMetadata(FLIGHTS)
      const frames = yield* Stream.runCollect(S.parquet(FLIGHTS, { columns: ["delay", "origin"] }))
      assert.strictEqual(frames.length, meta.rowGroups.length)
      frames.forEach((f, g) => {
        assert.strictEqual(f.height, meta.rowGroups[g]!.numRows)
      })
      assert.deepStrictEqual(frames[0]!.columns, ["delay", "origin"])
      const sel = yield* Stream.runCollect(S.parquet(FLIGHTS, { columns: ["delay"], rowGroups: [3] }))
      const direct = yield* Parquet.readParquet(FLIGHTS, { columns: ["delay"], rowGroups: [3] })
      assert.strictEqual(json(rowsOf(sel).slice(0, 1000)), json(Frame.toRows(direct).slice(0, 1000)))
      const viaRead = yield* Stream.runCollect(S.read(FLIGHTS))
      assert.strictEqual(viaRead.reduce((s, f) => s + f.height, 0), meta.numRows)
      const e = yield* Effect.flip(Stream.runDrain(S.parquet(FLIGHTS, { columns: ["nope"] })))
      assert.strictEqual(e._tag, "SourceError")
    }))

  it.effect.skipIf(!hasData)("hftbacktest NDJSON: exact Int64 nanosecond timestamps, row count = lines", () =>
    Effect.gen(function* () {
      const text = fsSync.readFileSync(NDJSON, "utf8")
      const lines = text.split("\n").filter((l) => l.length > 0)
      const frames = yield* Stream.runCollect(S.ndjson(NDJSON, { batchRows: 3000 }))
      assert.strictEqual(frames.reduce((s, f) => s + f.height, 0), lines.length)
      const f0 = frames[0]!
      assert.strictEqual(f0.schema.find((x) => x.name === "local_ts_ns")!.dtype._tag, "Int64")
      const rows = rowsOf(frames)
      for (const k of [0, 1, lines.length - 1]) {
        const src = /"local_ts_ns":(\d+)/.exec(lines[k]!)![1]!
        assert.strictEqual(rows[k]!.local_ts_ns, BigInt(src))
        assert.strictEqual(rows[k]!.p, JSON.parse(lines[k]!).p)
      }
    }))

  it.effect.skipIf(!hasData || !fsSync.existsSync(IPC_DIR))("arrow-testing IPC file and stream formats", () =>
    Effect.gen(function* () {
      for (const f of ["generated_primitive.arrow_file", "generated_primitive.stream"]) {
        const p = path.join(IPC_DIR, f)
        const table = A.tableFromIPC(fsSync.readFileSync(p))
        const frames = yield* Stream.runCollect(S.read(p))
        assert.strictEqual(frames.length, table.batches.length, f)
        assert.strictEqual(frames.reduce((s, x) => s + x.height, 0), table.numRows, f)
        const ours = frames[0]!.columns
        assert.deepStrictEqual(ours, table.schema.fields.map((x) => x.name))
      }
    }))
})

layer(NodeServices.layer)("scopes, backpressure", (it) => {
  const bigCsv = (dir: string, n: number) => {
    const p = `${dir}/big.csv`
    const parts = ["a,b,c"]
    for (let i = 0; i < n; i++) parts.push(`${i},${i * 2},label${i % 7}`)
    fsSync.writeFileSync(p, `${parts.join("\n")}\n`)
    return p
  }

  it.effect("file handles close on completion, failure and interruption", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const p = bigCsv(dir, 20_000)
      const huge = `${dir}/huge.csv`
      fsSync.writeFileSync(huge, `a,b\n${Array.from({ length: 300_000 }, (_, i) => `${i},${i}`).join("\n")}\n`)
      fsSync.writeFileSync(`${dir}/late.csv`, `${fsSync.readFileSync(p, "utf8")}x,y,z\n`)
      fsSync.writeFileSync(`${dir}/g.csv.gz`, zlib.gzipSync(fsSync.readFileSync(p)))
      const before = fds()
      // completion
      const all = yield* Stream.runCollect(S.csv(p, { chunkBytes: 4096, batchRows: 1000 }))
      assert.strictEqual(all.reduce((s, f) => s + f.height, 0), 20_000)
      assert.strictEqual(fds(), before)
      // failure (a bad value near the end)
      const exit = yield* Effect.exit(Stream.runDrain(S.csv(`${dir}/late.csv`, { chunkBytes: 4096, batchRows: 1000 })))
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(fds(), before)
      // interruption by take
      const two = yield* Stream.runCollect(Stream.take(S.csv(`${dir}/g.csv.gz`, { chunkBytes: 4096, batchRows: 100 }), 2))
      assert.strictEqual(two.length, 2)
      assert.strictEqual(fds(), before)
      // interruption of a running fiber mid-file
      let seen = 0
      const fiber = yield* Effect.forkChild(
        Stream.runForEach(S.csv(huge, { chunkBytes: 4096, batchRows: 100 }), () =>
          Effect.andThen(
            Effect.sync(() => seen++),
            sleep(5)
          )
        )
      )
      yield* sleep(40)
      assert.isAbove(fds(), before) // the file is open mid-read
      yield* Fiber.interrupt(fiber)
      assert.isAbove(seen, 0)
      assert.isBelow(seen, 200)
      assert.strictEqual(yield* settledFds(before), before)
    }))

  it.effect("a slow consumer bounds the reader's progress to the read-ahead buffer", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const p = bigCsv(dir, 20_000)
      for (const readAhead of [0, 2, 4]) {
        let produced = 0
        let consumed = 0
        let maxLead = 0
        const src = S.csv(p, {
          chunkBytes: 2048,
          batchRows: 100,
          readAhead,
          onProgress: (pr) => {
            if (!pr.done) produced++
          }
        })
        yield* Stream.runForEach(Stream.take(src, 30), () =>
          Effect.gen(function* () {
            consumed++
            yield* sleep(3)
            maxLead = Math.max(maxLead, produced - consumed)
          })
        )
        // the documented bound: at most 2 × readAhead batches decoded ahead of the consumer
        assert.isAtMost(maxLead, 2 * readAhead, `readAhead ${readAhead}`)
        assert.isAtMost(produced, 30 + 2 * readAhead)
        if (readAhead > 0) assert.isAtLeast(maxLead, 1) // and read-ahead does happen
      }
    }))
})

layer(NodeServices.layer)("sinks", (it) => {
  const frame = Frame.make({
    k: ["a", "b", "a", "c", "b", "a"],
    x: [1, 2, 3, 4, 5, 6],
    big: BigInt64Array.from([1n, 2n ** 60n, 3n, 4n, 5n, -6n])
  })

  it.effect("CSV, NDJSON, Parquet and IPC sinks round-trip through the sources", () =>
    Effect.gen(function* () {
      const f = yield* frame
      const dir = yield* tmpDir
      const src = S.fromFrame(f, { batchSize: 4 })
      const expected = json(Frame.toRows(f))
      const r1 = yield* Stream.run(src, S.sinkCsv(`${dir}/o.csv`))
      assert.strictEqual(r1.rows, 6)
      assert.strictEqual(json(rowsOf(yield* Stream.runCollect(S.read(`${dir}/o.csv`)))).replaceAll(".0", ""), expected.replace(/"x":(\d)/g, '"x":$1'))
      yield* Stream.run(src, S.sinkNdjson(`${dir}/o.ndjson`))
      const nd = rowsOf(yield* Stream.runCollect(S.read(`${dir}/o.ndjson`)))
      assert.strictEqual(nd[1]!.big, 2n ** 60n)
      assert.strictEqual(nd.length, 6)
      yield* Stream.run(src, S.sinkParquet(`${dir}/o.parquet`, { rowGroupSize: 4 }))
      const meta = yield* Parquet.readParquetMetadata(`${dir}/o.parquet`)
      assert.deepStrictEqual(meta.rowGroups.map((g) => g.numRows), [4, 2])
      assert.strictEqual(json(rowsOf(yield* Stream.runCollect(S.read(`${dir}/o.parquet`)))), expected)
      yield* Stream.run(src, S.sinkIpc(`${dir}/o.arrow`))
      assert.strictEqual(json(rowsOf(yield* Stream.runCollect(S.read(`${dir}/o.arrow`)))), expected)
      assert.deepStrictEqual(fsSync.readdirSync(dir).sort(), ["o.arrow", "o.csv", "o.ndjson", "o.parquet"])
    }))

  it.effect("failure and interruption leave no partial output", () =>
    Effect.gen(function* () {
      const f = yield* frame
      const dir = yield* tmpDir
      const failing = Stream.concat(S.fromFrame(f, { batchSize: 2 }), Stream.fail("boom" as const))
      for (const [name, sink] of [
        ["a.csv", S.sinkCsv(`${dir}/a.csv`)],
        ["a.ndjson", S.sinkNdjson(`${dir}/a.ndjson`)],
        ["a.parquet", S.sinkParquet(`${dir}/a.parquet`)],
        ["a.arrow", S.sinkIpc(`${dir}/a.arrow`)]
      ] as const) {
        const e = yield* Effect.flip(Stream.run(failing, sink))
        assert.strictEqual(e, "boom", name)
      }
      assert.deepStrictEqual(fsSync.readdirSync(dir), [])
      const endless = Stream.forever(S.fromFrame(f, { batchSize: 3 })).pipe(Stream.tap(() => sleep(1)))
      const fiber = yield* Effect.forkChild(Stream.run(endless, S.sinkCsv(`${dir}/b.csv`)))
      yield* sleep(30)
      assert.strictEqual(fsSync.readdirSync(dir).length, 1) // the temporary file
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(fsSync.readdirSync(dir), [])
      // an existing file is untouched by a failed write
      fsSync.writeFileSync(`${dir}/keep.csv`, "old\n")
      yield* Effect.flip(Stream.run(failing, S.sinkCsv(`${dir}/keep.csv`)))
      assert.strictEqual(fsSync.readFileSync(`${dir}/keep.csv`, "utf8"), "old\n")
    }))

  it.effect("partitioned sink writes key=value/part-N files holding exactly their rows", () =>
    Effect.gen(function* () {
      const f = yield* frame
      const dir = yield* tmpDir
      const out = yield* Stream.run(S.fromFrame(f, { batchSize: 4 }), S.sinkPartitioned({ dir: `${dir}/out`, by: ["k"], format: "csv" }))
      assert.strictEqual(out.rows, 6)
      assert.deepStrictEqual(fsSync.readdirSync(`${dir}/out`).sort(), ["k=a", "k=b", "k=c"])
      assert.deepStrictEqual(fsSync.readdirSync(`${dir}/out/k=a`).sort(), ["part-0.csv", "part-1.csv"])
      for (const key of ["a", "b", "c"]) {
        let xs: Array<unknown> = []
        for (const part of fsSync.readdirSync(`${dir}/out/k=${key}`).sort()) {
          const got = yield* Csv.readCsv(`${dir}/out/k=${key}/${part}`)
          xs = xs.concat(Frame.toRows(got).map((r) => Number(r.x)))
        }
        const want = Frame.toRows(f).filter((r) => r.k === key).map((r) => r.x)
        assert.deepStrictEqual(xs, want, key)
      }
    }))

  it.effect("progress: rows and bytes of a read reach the totals", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const text = `a\n${Array.from({ length: 5000 }, (_, i) => i).join("\n")}\n`
      fsSync.writeFileSync(`${dir}/p.csv`, text)
      const events: Array<S.Progress> = []
      yield* Stream.runDrain(S.csv(`${dir}/p.csv`, { chunkBytes: 1000, onProgress: (p) => events.push(p) }))
      const last = events[events.length - 1]!
      assert.isTrue(last.done)
      assert.strictEqual(last.rows, 5000)
      assert.strictEqual(last.bytes, text.length)
      assert.strictEqual(last.totalBytes, text.length)
      assert.strictEqual(last.filesDone, 1)
      for (let i = 1; i < events.length; i++) assert.isAtLeast(events[i]!.rows, events[i - 1]!.rows)
    }))
})

layer(NodeServices.layer)("progress as a stream", (it) => {
  it.effect("progressTracker: events end with the done report; a slow renderer skips, never blocks", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tmpDir
        const text = `a\n${Array.from({ length: 20_000 }, (_, i) => i).join("\n")}\n`
        fsSync.writeFileSync(`${dir}/p.csv`, text)
        // a renderer keeping up sees every report, in order
        const t = yield* S.progressTracker()
        const [seen] = yield* Effect.all(
          [Stream.runCollect(t.events), Stream.runDrain(S.csv(`${dir}/p.csv`, { chunkBytes: 4000, batchRows: 1000, onProgress: t.onProgress }))],
          { concurrency: 2 }
        )
        const last = seen[seen.length - 1]!
        assert.isTrue(last.done)
        assert.strictEqual(last.rows, 20_000)
        assert.strictEqual(last.bytes, text.length)
        for (let i = 1; i < seen.length; i++) assert.isAtLeast(seen[i]!.rows, seen[i - 1]!.rows)
        assert.strictEqual(Option.getOrThrow(yield* t.latest).rows, 20_000)
        // a slow renderer (capacity 2): the read is not held back, the renderer skips to the newest reports
        const slow = yield* S.progressTracker({ capacity: 2 })
        let produced = 0
        const rendered: Array<S.Progress> = []
        yield* Effect.all(
          [
            Stream.runForEach(slow.events, (p) =>
              Effect.andThen(
                Effect.sync(() => rendered.push(p)),
                sleep(20)
              )
            ),
            Stream.runDrain(
              S.csv(`${dir}/p.csv`, {
                chunkBytes: 4000,
                batchRows: 1000,
                readAhead: 0,
                onProgress: (p) => {
                  produced++
                  slow.onProgress(p)
                }
              })
            )
          ],
          { concurrency: 2 }
        )
        assert.isTrue(rendered[rendered.length - 1]!.done)
        assert.isBelow(rendered.length, produced)
        assert.isAtLeast(produced, 21)
      })
    ))
})

describe("module", () => {
  layer(NodeServices.layer)("", (it) => {
    it.effect("empty stream to parquet is a SourceError", () =>
      Effect.gen(function* () {
        const dir = yield* tmpDir
        const e = yield* Effect.flip(Stream.run(Stream.empty, S.sinkParquet(`${dir}/e.parquet`)))
        assert.strictEqual(e._tag, "SourceError")
        assert.deepStrictEqual(fsSync.readdirSync(dir), [])
      }))
  })
})

layer(NodeServices.layer)("Stream.parquet by ranged reads", (it) => {
  /** 20 row groups of 500 rows: a small id column and a large, incompressible string column. */
  const writeWide = (dir: string) =>
    Effect.gen(function* () {
      const n = 10_000
      let seed = 7
      const rnd = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
        return seed.toString(36)
      }
      const f = yield* Frame.make({
        id: Int32Array.from({ length: n }, (_, i) => i),
        blob: Array.from({ length: n }, () => `${rnd()}${rnd()}${rnd()}${rnd()}${rnd()}${rnd()}`)
      })
      const p = `${dir}/wide.parquet`
      yield* Parquet.writeParquet(f, p, { rowGroupSize: 500, compression: "zstd" })
      return p
    })

  it.effect("reads only the footer and the selected column chunks, and equals readParquet", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const p = yield* writeWide(dir)
      const size = fsSync.statSync(p).size
      const meta = yield* Parquet.readParquetMetadata(p)
      const idBytes = meta.rowGroups.reduce((s, g) => s + g.columns[0]!.compressedSize, 0)
      const events: Array<S.Progress> = []
      const frames = yield* Stream.runCollect(S.parquet(p, { columns: ["id"], onProgress: (e) => events.push(e) }))
      assert.strictEqual(frames.length, 20)
      assert.strictEqual(json(rowsOf(frames)), json(Frame.toRows(yield* Parquet.readParquet(p, { columns: ["id"] }))))
      // bytes read: the non-data bytes (magic, page indexes, footer) plus the id chunks, not the string column
      const last = events[events.length - 1]!
      const nonData = size - meta.rowGroups.reduce((s, g) => s + g.columns.reduce((t, c) => t + c.compressedSize, 0), 0)
      assert.strictEqual(last.bytes, nonData + idBytes)
      assert.isBelow(last.bytes, size / 5)
      // all columns: every byte once; row-group selection and column order as readParquet
      const all: Array<S.Progress> = []
      const whole = yield* Stream.runCollect(S.parquet(p, { onProgress: (e) => all.push(e) }))
      assert.strictEqual(all[all.length - 1]!.bytes, size)
      assert.strictEqual(json(rowsOf(whole)), json(Frame.toRows(yield* Parquet.readParquet(p))))
      const sel = yield* Stream.runCollect(S.parquet(p, { columns: ["blob", "id"], rowGroups: [17, 3] }))
      assert.strictEqual(json(rowsOf(sel)), json(Frame.toRows(yield* Parquet.readParquet(p, { columns: ["blob", "id"], rowGroups: [3, 17] }))))
    }))

  it.effect("a slow consumer bounds the row groups read ahead; interruption closes the reader", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const p = yield* writeWide(dir)
      for (const readAhead of [0, 1, 3]) {
        let produced = 0
        let consumed = 0
        let maxLead = 0
        const src = S.parquet(p, { readAhead, onProgress: (e) => (e.done ? undefined : produced++) })
        yield* Stream.runForEach(Stream.take(src, 8), () =>
          Effect.gen(function* () {
            consumed++
            yield* sleep(5)
            maxLead = Math.max(maxLead, produced - consumed)
          })
        )
        assert.isAtMost(maxLead, 2 * readAhead, `readAhead ${readAhead}`)
        assert.isAtMost(produced, 8 + 2 * readAhead)
      }
      const before = yield* stableFds // (the last take's file handle closes asynchronously)
      // completion and take: the file (read by positional reads through an open handle) is closed
      yield* Stream.runDrain(S.parquet(p))
      assert.strictEqual(yield* settledFds(before), before)
      yield* Stream.runDrain(Stream.take(S.parquet(p), 1))
      assert.strictEqual(yield* settledFds(before), before)
      const fiber = yield* Effect.forkChild(Stream.runForEach(S.parquet(p, { readAhead: 1 }), () => sleep(10)))
      yield* sleep(30)
      assert.isAbove(fds(), before) // the file is open mid-read
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(yield* settledFds(before), before)
    }))

  it.effect("not Parquet, truncated, and an unknown column fail as readParquet does", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const p = yield* writeWide(dir)
      const bytes = fsSync.readFileSync(p)
      const cases: Array<readonly [string, Uint8Array]> = [
        ["tiny.parquet", new Uint8Array([0x50, 0x41, 0x52, 0x31])],
        ["text.parquet", new TextEncoder().encode("PAR1 hello, this is not parquet at all PAR1")],
        ["cut.parquet", bytes.subarray(0, bytes.length - 100)],
        ["badlen.parquet", (() => {
          const b = Uint8Array.from(bytes)
          new DataView(b.buffer).setUint32(b.length - 8, b.length, true)
          return b
        })()]
      ]
      for (const [name, content] of cases) {
        fsSync.writeFileSync(`${dir}/${name}`, content)
        const a = yield* Effect.flip(Stream.runDrain(S.parquet(`${dir}/${name}`)))
        const b = yield* Effect.flip(Parquet.readParquet(`${dir}/${name}`))
        assert.strictEqual(a._tag, "SourceError", name)
        assert.strictEqual(a.message, b.message, name)
      }
      const e = yield* Effect.flip(Stream.runDrain(S.parquet(p, { columns: ["nope"] })))
      assert.match(e.message, /column "nope" not found/)
      const missing = yield* Effect.flip(Stream.runDrain(S.parquet(`${dir}/missing.parquet`)))
      assert.strictEqual(missing._tag, (yield* Effect.flip(Parquet.readParquet(`${dir}/missing.parquet`)))._tag)
    }))

  it.effect.skipIf(!hasData)("INT96 files are decoded exactly (whole-file fallback), with readParquet's errors", () =>
    Effect.gen(function* () {
      const dir = path.join(DATA, "parquet/parquet-testing")
      const plain = path.join(dir, "alltypes_plain.parquet")
      const frames = yield* Stream.runCollect(S.parquet(plain))
      assert.strictEqual(json(rowsOf(frames)), json(Frame.toRows(yield* Parquet.readParquet(plain))))
      const spark = path.join(dir, "int96_from_spark.parquet")
      const a = yield* Effect.flip(Stream.runDrain(S.parquet(spark)))
      const b = yield* Effect.flip(Parquet.readParquet(spark))
      assert.strictEqual(a.message, b.message)
    }))
})
