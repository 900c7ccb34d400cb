import { NodeServices } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Exit, Option, Stream } from "effect"
import * as fsSync from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Frame from "../src/Frame/Frame.ts"
import { writeCsv } from "../src/Source/Csv.ts"
import { writeParquet } from "../src/Source/Parquet.ts"
import * as PStream from "../src/Stream/Stream.ts"

/**
 * Files written in the order c, a, d, b (so creation order, list order and path order differ); file k holds the
 * rows i = 100·k … 100·k + 39 in row groups of 8 rows.
 */
const setup = (ext: "parquet" | "csv") =>
  Effect.gen(function* () {
    const dir = fsSync.mkdtempSync(path.join(os.tmpdir(), "polaroid-multi-"))
    const names = ["c", "a", "d", "b"]
    const files: Record<string, string> = {}
    for (const [k, name] of names.entries()) {
      const f = yield* Frame.make({ i: Array.from({ length: 40 }, (_, j) => 100 * k + j) })
      const file = path.join(dir, `${name}.${ext}`)
      if (ext === "parquet") yield* writeParquet(f, file, { rowGroupSize: 8 })
      else yield* writeCsv(f, file)
      files[name] = file
    }
    const rowsOf = (name: string) => Array.from({ length: 40 }, (_, j) => 100 * names.indexOf(name) + j)
    return { dir, files, rowsOf }
  })

const ints = (f: Option.Option<Frame.Frame>) => Frame.toRows(Option.getOrThrow(f)).map((r) => Number(r["i"]))

layer(NodeServices.layer)("multi-file stream sources", (it) => {
  it.effect("a list keeps the list's order, a glob the path order (Parquet and CSV)", () =>
    Effect.gen(function* () {
      for (const ext of ["parquet", "csv"] as const) {
        const { dir, files, rowsOf } = yield* setup(ext)
        const open = (p: string | ReadonlyArray<string>, o: PStream.MultiFileOptions) =>
          ext === "parquet" ? PStream.parquet(p, o) : PStream.csv(p, { ...o, batchRows: 8 })
        const list = ["d", "b", "c", "a"]
        for (const concurrency of [1, 2, 3]) {
          const got = ints(yield* PStream.collect(open(list.map((n) => files[n]!), { concurrency })))
          assert.deepStrictEqual(got, list.flatMap(rowsOf), `${ext} list, concurrency ${concurrency}`)
          const glob = ints(yield* PStream.collect(open(path.join(dir, `*.${ext}`), { concurrency })))
          assert.deepStrictEqual(glob, ["a", "b", "c", "d"].flatMap(rowsOf), `${ext} glob, concurrency ${concurrency}`)
        }
        // unordered: the same rows, each file's rows still in file order
        const un = ints(yield* PStream.collect(open(path.join(dir, `*.${ext}`), { concurrency: 3, ordered: false })))
        assert.deepStrictEqual([...un].sort((x, y) => x - y), ["c", "a", "d", "b"].flatMap(rowsOf))
        for (const n of list) {
          const mine = un.filter((x) => Math.floor(x / 100) === Math.floor(rowsOf(n)[0]! / 100))
          assert.deepStrictEqual(mine, rowsOf(n))
        }
      }
    })
  )

  it.effect("at most `concurrency` files are open at once, and files are read ahead concurrently", () =>
    Effect.gen(function* () {
      const { dir } = yield* setup("parquet")
      for (const concurrency of [1, 2, 3]) {
        // a file is open from its first progress report until the report that counts it done
        const open = new Set<string>()
        let maxOpen = 0
        let filesDone = 0
        let last: PStream.Progress | undefined
        const s = PStream.parquet(path.join(dir, "*.parquet"), {
          concurrency,
          readAhead: 1,
          onProgress: (p) => {
            if (p.filesDone > filesDone) {
              filesDone = p.filesDone
              open.delete(p.path)
            } else open.add(p.path)
            maxOpen = Math.max(maxOpen, open.size)
            last = p
          }
        })
        // a slow consumer (real timers: it.effect runs on the TestClock): the readers run ahead as far as the bounds allow
        const n = yield* Stream.runFold(
          Stream.tap(s, () => Effect.promise(() => new Promise((r) => setTimeout(r, 2)))),
          () => 0,
          (acc, f) => acc + f.height
        )
        assert.strictEqual(n, 160)
        assert.isAtMost(maxOpen, concurrency, `concurrency ${concurrency}`)
        assert.strictEqual(maxOpen, concurrency, `concurrency ${concurrency}: files should be read concurrently`)
        assert.strictEqual(open.size, 0)
        assert.deepStrictEqual([last?.filesDone, last?.filesTotal, last?.done], [4, 4, true])
      }
    })
  )

  it.effect("a failing file fails the stream; take stops early; a glob without match is a SourceError", () =>
    Effect.gen(function* () {
      const { dir, files } = yield* setup("parquet")
      const bad = path.join(dir, "bad.parquet")
      fsSync.writeFileSync(bad, "not parquet at all")
      const exit = yield* Effect.exit(PStream.collect(PStream.parquet([files["a"]!, bad, files["b"]!])))
      assert.isTrue(Exit.isFailure(exit))
      const firsts = yield* Stream.runCollect(Stream.take(PStream.parquet([files["a"]!, files["b"]!, files["c"]!]), 2))
      assert.strictEqual(firsts.length, 2)
      const none = yield* Effect.flip(PStream.collect(PStream.parquet(path.join(dir, "*.nothing"))))
      assert.strictEqual(none._tag, "SourceError")
      const badConcurrency = yield* Effect.flip(PStream.collect(PStream.parquet([files["a"]!], { concurrency: 0 })))
      assert.strictEqual(badConcurrency._tag, "SourceError")
    })
  )
})
