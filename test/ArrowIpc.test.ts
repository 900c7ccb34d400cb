/**
 * `internal/arrowIpc.ts`: the IPC stream written without apache-arrow (what the Parquet writers hand parquet-wasm)
 * and the dictionary hint's schema edit. Oracles: apache-arrow's own writer (`tableToIPC` of `toTable`) and reader
 * (`tableFromIPC`), parquet-wasm (arrow-rs) reading the stream, and the hint as apache-arrow builds it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as A from "apache-arrow"
import * as fc from "fast-check"
import * as DT from "../src/Frame/DataType.ts"
import { FastCheck } from "../src/Testing/index.ts"
import * as Arrow from "../src/internal/arrow.ts"
import * as Ipc from "../src/internal/arrowIpc.ts"
import * as C from "../src/internal/column.ts"
import * as F from "../src/internal/frame.ts"
import type { Frame } from "../src/internal/frame.ts"
import * as W from "../src/internal/parquet/wasm.ts"
import { FLAT } from "./support/fields.ts"


/** Every value of a table, column by column, as text (bigints and nulls included). */
const contents = (t: A.Table): Array<string> =>
  t.schema.fields.map((f) => JSON.stringify([...t.getChild(f.name)!].map((v) => (v === null ? null : typeof v === "bigint" ? `${v}n` : String(v)))))

/** Asserts that our stream and apache-arrow's read back as the same schema and values. */
const sameAsApacheArrow = (frame: Frame): void => {
  const ours = Ipc.stream(frame)
  assert.isDefined(ours)
  const a = A.tableFromIPC(ours!)
  const b = A.tableFromIPC(A.tableToIPC(Arrow.toTable(frame), "stream"))
  assert.strictEqual(String(a.schema), String(b.schema))
  assert.deepStrictEqual(
    a.schema.fields.map((f) => f.nullable),
    b.schema.fields.map((f) => f.nullable)
  )
  assert.strictEqual(a.numRows, b.numRows)
  assert.deepStrictEqual(contents(a), contents(b))
}

/** One frame of the batches of several frames with the same schema. */
const batchesOf = (frames: ReadonlyArray<Frame>): Frame => F.unsafeMake(frames[0]!.schema, frames.flatMap((f) => f.batches))

describe("arrowIpc.stream (IPC without apache-arrow)", () => {
  it("property: reads back as apache-arrow's own stream of the frame (every flat dtype, nulls, several batches)", () => {
    fc.assert(
      fc.property(fc.array(FastCheck.frame(FLAT, { minRows: 0, maxRows: 40, nullRate: 0.3 }), { minLength: 1, maxLength: 3 }), (frames) => {
        sameAsApacheArrow(batchesOf(frames))
      }),
      { numRuns: 60, seed: 20261126 }
    )
  })

  it("sliced columns: Utf8 offsets that do not start at 0, values and validity at an offset", () => {
    const s = C.slice(C.fromStrings(["zero", "one", null, "three", "four"]), 1, 3)
    const c = C.slice(C.make(DT.Categorical, 4, new Int32Array([1, 0, 1, 1]), null, { dictionary: C.fromStrings(["x", "y"]) }), 1, 3)
    const i = C.slice(C.make(DT.Int64, 5, new BigInt64Array([1n, 2n, 3n, 4n, 5n]), null), 2, 3)
    const frame = F.unsafeMake(
      [
        { name: "s", dtype: DT.Utf8 },
        { name: "c", dtype: DT.Categorical },
        { name: "i", dtype: DT.Int64 }
      ],
      [{ length: 3, columns: [s, c, i] }]
    )
    sameAsApacheArrow(frame)
    assert.deepStrictEqual(JSON.parse(contents(A.tableFromIPC(Ipc.stream(frame)!))[0]!), ["one", null, "three"])
  })

  it("parquet-wasm reads it: a Parquet file written from it reads back with the frame's values", async () => {
    const frames = fc.sample(FastCheck.frame(FLAT, { minRows: 1, maxRows: 50, nullRate: 0.2 }), { numRuns: 2, seed: 7 })
    const frame = batchesOf(frames)
    const pw = await W.instance()
    const viaOurs = pw.writeParquet(pw.Table.fromIPCStream(Ipc.stream(frame)!), new pw.WriterPropertiesBuilder().build())
    const viaArrow = pw.writeParquet(pw.Table.fromIPCStream(A.tableToIPC(Arrow.toTable(frame), "stream")), new pw.WriterPropertiesBuilder().build())
    const a = A.tableFromIPC(pw.readParquet(viaOurs).intoIPCStream())
    const b = A.tableFromIPC(pw.readParquet(viaArrow).intoIPCStream())
    assert.strictEqual(a.numRows, frame.height)
    assert.strictEqual(String(a.schema), String(b.schema))
    assert.deepStrictEqual(contents(a), contents(b))
  })

  it("gives undefined for columns it does not write (List, Struct, Null): the writers then use apache-arrow", () => {
    const list = F.unsafeMake([{ name: "l", dtype: DT.List(DT.Int32) }], [])
    const nulls = F.unsafeMake([{ name: "n", dtype: DT.Null }], [{ length: 2, columns: [C.nulls(DT.Null, 2)] }])
    assert.isUndefined(Ipc.stream(list))
    assert.isUndefined(Ipc.stream(nulls))
    assert.isDefined(Ipc.stream(F.unsafeMake([{ name: "x", dtype: DT.Int32 }], [])))
  })
})

/** The hint as apache-arrow builds it (the implementation before `withDictionaries`): the oracle. */
const hintByApacheArrow = (schemaIpc: Uint8Array, names: ReadonlyArray<string>): A.Schema => {
  const schema = A.tableFromIPC(schemaIpc).schema
  const fields = schema.fields.map((f, i) =>
    names.includes(f.name) && f.type.typeId === A.Type.Utf8 ? new A.Field(f.name, new A.Dictionary(new A.Utf8(), new A.Int32(), i), f.nullable, f.metadata) : f
  )
  return new A.Schema(fields, schema.metadata)
}

/** A schema message as arrow-rs writes it (parquet-wasm's reading of a file written from the frame). */
const arrowRsSchema = async (frame: Frame): Promise<Uint8Array> => {
  const pw = await W.instance()
  const file = pw.writeParquet(pw.Table.fromIPCStream(A.tableToIPC(Arrow.toTable(frame), "stream")), new pw.WriterPropertiesBuilder().build())
  return pw.readSchema(file).intoIPCStream()
}

describe("arrowIpc.withDictionaries (the streaming scan's dictionary hint)", () => {
  it("equals apache-arrow's edit of arrow-rs's schema: the named Utf8 fields dictionary-encoded, the rest kept", async () => {
    const frame = fc.sample(FastCheck.frame([...FLAT, { name: "s2", dtype: DT.Utf8 }], { minRows: 3, maxRows: 3 }), { numRuns: 1, seed: 3 })[0]!
    const schemaIpc = await arrowRsSchema(frame)
    for (const names of [["s"], ["s2", "s"], ["s", "i32", "missing"]]) {
      const edited = Ipc.withDictionaries(schemaIpc, names)
      assert.isDefined(edited)
      // the message alone, then an end-of-stream marker: apache-arrow reads it as a schema with no batches
      const read = A.tableFromIPC(new Uint8Array([...edited!, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])).schema
      const expected = hintByApacheArrow(schemaIpc, names)
      assert.strictEqual(String(read), String(expected))
      assert.deepStrictEqual(
        read.fields.map((f) => (A.DataType.isDictionary(f.type) ? [f.type.id, f.type.indices.bitWidth, f.type.indices.isSigned] : null)),
        expected.fields.map((f) => (A.DataType.isDictionary(f.type) ? [f.type.id, f.type.indices.bitWidth, f.type.indices.isSigned] : null))
      )
      assert.deepStrictEqual([...read.metadata], [...expected.metadata])
    }
    assert.isUndefined(Ipc.withDictionaries(schemaIpc, ["i32", "missing"])) // nothing to change
  })
  // arrow-rs taking the hint (a worker decoding the named column as a dictionary): StreamingWorkerAgg.test.ts
})
