import { NodeServices } from "@effect/platform-node"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, FileSystem } from "effect"
import * as zlib from "node:zlib"
import * as Frame from "../src/Frame/Frame.ts"
import * as Source from "../src/Source/index.ts"

const sample = Frame.make({
  sym: ["IBM", "AAPL", null, "IBM"],
  px: [181.52, 483.1, 1.5, 182],
  size: [283n, 100n, 5n, null]
})

layer(NodeServices.layer)("Source.read", (it) => {
  describe("format detection", () => {
    it.effect("Parquet, CSV and gzip-compressed CSV read back the same rows", () =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        const frame = yield* sample
        yield* Source.writeParquet(frame, `${dir}/a.parquet`)
        yield* Source.writeCsv(frame, `${dir}/a.csv`)
        const text = yield* fs.readFile(`${dir}/a.csv`)
        yield* fs.writeFile(`${dir}/a.csv.gz`, zlib.gzipSync(text))
        // A Parquet file under a neutral name is still found by its magic bytes.
        yield* fs.copyFile(`${dir}/a.parquet`, `${dir}/a.bin`)
        const expected = Frame.toRows(frame)
        for (const name of ["a.parquet", "a.csv", "a.csv.gz", "a.bin"]) {
          const back = yield* Source.read(`${dir}/${name}`)
          assert.deepStrictEqual(Frame.toRows(back), expected, name)
        }
      })
    )

    it.effect("a name that contradicts the bytes is a SourceError", () =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.writeFileString(`${dir}/x.parquet`, "a,b\n1,2\n")
        const e = yield* Effect.flip(Source.read(`${dir}/x.parquet`))
        assert.strictEqual(e._tag, "SourceError")
        const missing = yield* Effect.flip(Source.read(`${dir}/nope.csv`))
        assert.strictEqual(missing._tag, "PlatformError")
      })
    )
  })
})
