import { NodeServices } from "@effect/platform-node"
import { assert, describe, expect, it, layer } from "@effect/vitest"
import { DuckDBInstance } from "@duckdb/node-api"
import { Effect, FileSystem } from "effect"
import * as fc from "fast-check"
import { decodeVariantColumn } from "hyparquet/src/variant.js"
import { wkbToGeojson } from "hyparquet/src/wkb.js"
import * as fsSync from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as B from "../src/internal/build.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import * as F from "../src/internal/frame.ts"
import { readFooter } from "../src/internal/parquet/meta.ts"
import { decode, type Decoder } from "../src/internal/parquet/read.ts"
import type { PNode } from "../src/internal/parquet/schema.ts"
import * as Parquet from "../src/Source/Parquet.ts"

const HERE = path.dirname(fileURLToPath(import.meta.url))
const DATA = path.resolve(HERE, "../../shared/data")
const PQ = path.join(DATA, "parquet")
const hasData = fsSync.existsSync(PQ)
if (!hasData) {
  if (process.env.CI) throw new Error(`shared test data missing at ${DATA} (required in CI)`)
  console.warn(`[Parquet.test] skipping corpus tests: ${DATA} is absent`)
}

// hyparquet can leave a stray rejected promise on malformed files; none may escape our readers.
const stray: Array<unknown> = []
const onStray = (e: unknown) => {
  stray.push(e)
}
process.on("unhandledRejection", onStray)
afterAll(() => {
  process.off("unhandledRejection", onStray)
})
const settle = () => new Promise((r) => setTimeout(r, 20))

const list = (dir: string, suffix = ".parquet"): Array<string> =>
  fsSync.existsSync(dir) ? fsSync.readdirSync(dir).filter((f) => f.endsWith(suffix)).sort() : []

// ---------------------------------------------------------------------------------------------------------------
// Normalizer: our columns → the JSON form of hyparquet's oracles (see shared/data/README.md): bigint → Number,
// Date → ISO string, bytes → array of numbers, NaN → null; maps → objects; JSON → parsed; geometry → GeoJSON.
// ---------------------------------------------------------------------------------------------------------------

const utf8 = new TextDecoder()
const rawBytes = (col: Column, i: number): Uint8Array =>
  (col.values as Uint8Array).subarray(col.offsets![i]!, col.offsets![i + 1]!)

const unitPerMs: Record<DT.TimeUnit, bigint> = { s: 0n, ms: 1n, us: 1000n, ns: 1_000_000n }
const timestampMs = (v: bigint, unit: DT.TimeUnit): number =>
  unit === "s" ? Number(v) * 1000 : Number(v / unitPerMs[unit]) // hyparquet truncates toward zero

const leafValue = (col: Column, i: number, p: PNode, inVariant: boolean): unknown => {
  const e = p.element
  const t = col.dtype
  switch (t._tag) {
    case "Utf8": {
      const b = rawBytes(col, i)
      const lt = e.logical_type?.type
      if (lt === "GEOMETRY" || lt === "GEOGRAPHY")
        return wkbToGeojson({ view: new DataView(b.buffer, b.byteOffset, b.byteLength), offset: 0 })
      if (e.converted_type === "JSON" || lt === "JSON") return JSON.parse(utf8.decode(b))
      if (e.type === "FIXED_LEN_BYTE_ARRAY" && lt !== "UUID") return inVariant ? b : Array.from(b)
      if (inVariant && e.type === "BYTE_ARRAY" && e.converted_type !== "UTF8" && lt !== "STRING") return b
      return C.stringAt(col, i)
    }
    case "Categorical":
      return C.getValue(col, i)
    case "Decimal": {
      // The oracles were made with hyparquet 1.31, which scaled by multiplying with 10 ** -scale.
      const v = C.decimalAt(col.values as BigInt64Array, i)
      return Number(v) * 10 ** -t.scale
    }
    case "Date": {
      const d = new Date((col.values as Int32Array)[i]! * 86_400_000)
      return inVariant ? d : d.toISOString()
    }
    case "Timestamp": {
      const d = new Date(timestampMs((col.values as BigInt64Array)[i]!, t.unit))
      return inVariant ? d : d.toISOString()
    }
    case "Int64":
    case "UInt64":
    case "Duration":
      return inVariant ? col.values[i] : Number(col.values[i])
    case "Float32":
    case "Float64": {
      const v = col.values[i] as number
      return Number.isFinite(v) ? v : null
    }
    default:
      return C.getValue(col, i)
  }
}

const normalize = (col: Column, i: number, p: PNode, inVariant = false): unknown => {
  if (!C.isValid(col, i)) return null
  switch (p.kind) {
    case "leaf":
      return leafValue(col, i, p, inVariant)
    case "list": {
      const out: Array<unknown> = []
      const child = col.children![0]!
      for (let k = col.offsets![i]!; k < col.offsets![i + 1]!; k++) out.push(normalize(child, k, p.children[0]!, inVariant))
      // An empty repeated primitive (bare, or a 2-level LIST) is [] in DuckDB and arrow-rs, but hyparquet gives
      // undefined; repeated groups it gives as [].
      const item = p.children[0]!
      if (out.length === 0 && item.kind === "leaf" && item.element.repetition_type === "REPEATED") return null
      return out
    }
    case "map": {
      const out: Record<string, unknown> = {}
      const entries = col.children![0]!
      const [kc, vc] = entries.children!
      for (let k = col.offsets![i]!; k < col.offsets![i + 1]!; k++)
        out[String(normalize(kc!, k, p.children[0]!, inVariant))] =
          vc === undefined ? null : normalize(vc, k, p.children[1]!, inVariant)
      return out
    }
    case "struct": {
      const variant = p.element.logical_type?.type === "VARIANT"
      const out: Record<string, unknown> = {}
      p.children.forEach((c, k) => {
        out[c.name] = normalize(col.children![k]!, i, c, inVariant || variant)
      })
      return variant ? toJsonValue(decodeVariantColumn(out)) : out
    }
  }
}

const toJsonValue = (v: unknown): unknown =>
  JSON.parse(
    JSON.stringify(v, (_k, x) =>
      typeof x === "bigint" ? Number(x) : x instanceof Uint8Array ? Array.from(x) : x === undefined ? null : x
    )
  )

/** hyparquet leaves out struct keys whose whole subtree is null; treat a null-valued key as absent on both sides. */
const dropNullKeys = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(dropNullKeys)
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNullKeys(x)
    return out
  }
  return v
}

/** The rows of a frame in the oracle's JSON form (arrays in column order). */
const oracleRows = (frame: Frame.Frame, nodes: ReadonlyArray<PNode>): unknown => {
  const cols = F.contiguous(frame)
  const rows: Array<Array<unknown>> = []
  for (let i = 0; i < frame.height; i++) rows.push(cols.map((c, j) => normalize(c, i, nodes[j]!)))
  return dropNullKeys(toJsonValue(rows))
}

const run = <A, E>(eff: Effect.Effect<A, E, FileSystem.FileSystem>) => Effect.runPromise(Effect.provide(eff, NodeServices.layer))
const exitOf = <A, E>(eff: Effect.Effect<A, E, FileSystem.FileSystem>) =>
  Effect.runPromise(Effect.exit(Effect.provide(eff, NodeServices.layer)))

const readWith = async (file: string, decoder: Decoder) => {
  const bytes = new Uint8Array(fsSync.readFileSync(file))
  return { ...(await decode(bytes, {}, { decoder })), nodes: readFooter(bytes).nodes }
}

/** Files whose rows we cannot match with the oracle yet, per decoder, with the reason. */
const ORACLE_GAPS: Record<Decoder, Record<string, string>> = {
  wasm: {
    // parquet-wasm rejects it; readParquet falls back to hyparquet, which matches (see the auto test).
    "strings.parquet": "arrow-rs: 'Repetition level must be defined for a primitive type'",
    // The footer's num_rows is 0 while the row group holds 6 rows; arrow-rs trusts num_rows (readParquet falls back).
    "repeated_no_annotation.parquet": "arrow-rs decodes 0 rows (file num_rows = 0)"
  },
  hyparquet: Object.fromEntries(
    [
      "shredded-array",
      "shredded-bool",
      "shredded-int",
      "shredded-nested-object",
      "shredded-object",
      "shredded-partial-object",
      "shredded-sparse-timestamp",
      "shredded-type-mismatch"
    ].map((f) => [`${f}.parquet`, "VARIANT: hyparquet decodes variants itself; the fallback refuses them (typed error)"])
  )
}

describe.skipIf(!hasData)("hyparquet corpus against its JSON oracles", () => {
  const dir = path.join(PQ, "hyparquet")
  const files = list(dir)
  it("has the 61 files", () => {
    expect(files.length).toBe(61)
  })
  for (const decoder of ["wasm", "hyparquet"] as const) {
    for (const f of files) {
      it(`${decoder}: ${f}`, async () => {
        const expected = dropNullKeys(JSON.parse(fsSync.readFileSync(path.join(dir, f.replace(/\.parquet$/, ".json")), "utf8")))
        const gap = ORACLE_GAPS[decoder][f]
        let actual: unknown
        try {
          const r = await readWith(path.join(dir, f), decoder)
          actual = oracleRows(r.frame, r.nodes)
        } catch (e) {
          if (gap !== undefined) return
          throw e
        }
        if (gap !== undefined) expect(actual, `listed as a known gap (${gap}) but now matches`).not.toEqual(expected)
        else expect(actual).toEqual(expected)
      })
    }
  }
  it("readParquet (auto decoder) matches every oracle", async () => {
    const mismatches: Array<string> = []
    for (const f of files) {
      const expected = dropNullKeys(JSON.parse(fsSync.readFileSync(path.join(dir, f.replace(/\.parquet$/, ".json")), "utf8")))
      const frame = await run(Parquet.readParquet(path.join(dir, f)))
      const nodes = readFooter(new Uint8Array(fsSync.readFileSync(path.join(dir, f)))).nodes
      try {
        expect(oracleRows(frame, nodes)).toEqual(expected)
      } catch {
        mismatches.push(f)
      }
    }
    expect(mismatches).toEqual([])
    await settle()
    expect(stray).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// parquet-testing, bad data, encrypted files
// ---------------------------------------------------------------------------------------------------------------

/** parquet-testing/*.parquet files that readParquet rejects (with a SourceError), and why. Keep in docs/parquet.md. */
const UNSUPPORTED: Record<string, string> = {
  "nation.dict-malformed.parquet": "intentionally malformed dictionary page (arrow-rs: 'EOF: Invalid page header')",
  "int96_from_spark.parquet": "INT96 dates in years 9999 and 290000 do not fit Timestamp(ns) (Int64 nanoseconds)"
}

describe.skipIf(!hasData)("parquet-testing corpus", () => {
  const dir = path.join(PQ, "parquet-testing")
  const files = list(dir)
  it("has the data files", () => {
    expect(files.length).toBeGreaterThanOrEqual(60)
  })
  for (const f of files) {
    it(`data/${f}: reads, or fails with a typed SourceError when listed as unsupported`, async () => {
      const exit = await exitOf(Parquet.readParquet(path.join(dir, f)))
      await settle()
      expect(stray).toEqual([])
      if (UNSUPPORTED[f] !== undefined) {
        assert(exit._tag === "Failure", `${f} is listed as unsupported but reads`)
        const err = exit.cause.reasons[0]
        assert(err?._tag === "Fail" && err.error._tag === "SourceError")
        expect(err.error.path).toBe(path.join(dir, f))
        expect(err.error.format).toBe("parquet")
        return
      }
      assert(exit._tag === "Success", `${f}: ${exit._tag === "Failure" ? JSON.stringify(exit.cause) : ""}`)
      const md = await run(Parquet.readParquetMetadata(path.join(dir, f)))
      // The metadata schema is what readParquet returns (a file with an embedded Arrow schema may refine it).
      if (md.keyValueMetadata["ARROW:schema"] === undefined) expect(exit.value.schema).toEqual(md.schema)
      const rows = md.rowGroups.reduce((s, g) => s + g.numRows, 0)
      expect(exit.value.height).toBe(rows)
    })
  }

  it("INT96: alltypes_plain timestamp_col equals DuckDB's epoch_ns; int96_from_spark's out-of-range dates fail", async () => {
    const file = path.join(dir, "alltypes_plain.parquet")
    const frame = await run(Parquet.readParquet(file, { columns: ["timestamp_col"] }))
    expect(frame.schema[0]!.dtype).toEqual(DT.Timestamp("ns", null))
    const col = F.contiguous(frame)[0]!
    const ours = Array.from({ length: col.length }, (_, i) => (C.isValid(col, i) ? (col.values as BigInt64Array)[i]! : null))
    const db = await duck()
    const r = await db.runAndReadAll(`SELECT epoch_ns(timestamp_col) FROM read_parquet('${file}')`)
    expect(ours).toEqual(r.getRows().map((x) => x[0] as bigint | null))
    const exit = await exitOf(Parquet.readParquet(path.join(dir, "int96_from_spark.parquet")))
    assert(exit._tag === "Failure")
    const err = exit.cause.reasons[0]
    assert(err?._tag === "Fail" && err.error._tag === "SourceError")
    expect(err.error.column).toBe("a")
  })

  it("delta_*: values equal the upstream *_expect.csv oracles", async () => {
    for (const name of ["delta_binary_packed", "delta_byte_array", "delta_encoding_optional_column", "delta_encoding_required_column"]) {
      const frame = await run(Parquet.readParquet(path.join(dir, `${name}.parquet`)))
      const csv = fsSync.readFileSync(path.join(dir, `${name}_expect.csv`), "utf8").trim().split(/\r?\n/)
      const cellsOf = (line: string) =>
        line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((c) => c.replace(/^"(.*)"$/, "$1").replaceAll('""', '"'))
      const header = cellsOf(csv[0]!)
      // The required-column file names its columns "c_customer_sk:" where the CSV says "c_customer_sk".
      expect(frame.columns.map((n) => n.replace(/:$/, "").trim())).toEqual(header.map((h) => h.trim()))
      const cols = F.contiguous(frame)
      expect(frame.height).toBe(csv.length - 1)
      for (let i = 0; i < frame.height; i++) {
        const cells = cellsOf(csv[i + 1]!)
        cols.forEach((c, j) => {
          const v = C.getValue(c, i)
          expect(v === null ? "" : String(v), `${name} row ${i} column ${header[j]}`).toBe(cells[j])
        })
      }
    }
  })
})

describe.skipIf(!hasData)("malformed and encrypted files give a SourceError, never a throw or a stray rejection", () => {
  const bad = path.join(PQ, "parquet-testing", "bad_data")
  const enc = path.join(PQ, "parquet-testing", "encrypted")
  const files = [...list(bad).map((f) => path.join(bad, f)), ...list(enc, ".encrypted").map((f) => path.join(enc, f))]
  // A dictionary index page with RLE bit width 0 over a 1-entry dictionary decodes to all-0 indexes: arrow-rs,
  // hyparquet and DuckDB all read it, and so do we (checked against DuckDB below).
  const READABLE = "ARROW-GH-43605.parquet"
  it("has the 7 bad and 2 encrypted files", () => {
    expect(files.length).toBe(9)
  })
  for (const file of files) {
    const name = path.basename(file)
    if (name === READABLE) continue
    for (const decoder of ["auto", "wasm", "hyparquet"] as const) {
      it(`${name} (${decoder})`, async () => {
        if (decoder === "auto") {
          const exit = await exitOf(Parquet.readParquet(file))
          await settle()
          expect(stray).toEqual([])
          assert(exit._tag === "Failure", `${name} read without error`)
          const err = exit.cause.reasons[0]
          assert(err?._tag === "Fail" && err.error._tag === "SourceError", JSON.stringify(exit.cause))
          expect(err.error.message.length).toBeGreaterThan(0)
        } else {
          // Each decoder alone fails too (with a thrown error that Parquet.ts turns into a SourceError).
          const bytes = new Uint8Array(fsSync.readFileSync(file))
          await expect(decode(bytes, {}, { decoder })).rejects.toBeInstanceOf(Error)
          await settle()
          expect(stray).toEqual([])
        }
      })
    }
  }
  it("encrypted files name the problem", async () => {
    for (const f of list(enc, ".encrypted")) {
      const exit = await exitOf(Parquet.readParquet(path.join(enc, f)))
      assert(exit._tag === "Failure")
      const err = exit.cause.reasons[0]
      assert(err?._tag === "Fail" && err.error._tag === "SourceError")
      expect(err.error.message).toMatch(/encrypt/)
    }
  })
  it(`${READABLE} reads like DuckDB reads it`, async () => {
    const file = path.join(bad, READABLE)
    const frame = await run(Parquet.readParquet(file))
    const db = await duck()
    const r = await db.runAndReadAll(`SELECT count(*), count(min_fl), sum(min_fl) FROM read_parquet('${file}')`)
    const [n, nn, sum] = r.getRows()[0]!
    const col = F.contiguous(frame)[0]!
    let s = 0n
    for (let i = 0; i < col.length; i++) if (C.isValid(col, i)) s += BigInt(col.values[i] as number)
    expect([BigInt(frame.height), BigInt(col.length - col.nullCount), s]).toEqual([n, nn, sum === null ? 0n : BigInt(sum as bigint)])
  })
  it("a file that is not Parquet, an empty file and a truncated file give SourceErrors with byte offsets", async () => {
    const dir = fsSync.mkdtempSync(path.join(os.tmpdir(), "pq-bad-"))
    fsSync.writeFileSync(path.join(dir, "text.parquet"), "hello, this is not parquet at all")
    fsSync.writeFileSync(path.join(dir, "empty.parquet"), "")
    const good = fsSync.readFileSync(path.join(PQ, "hyparquet", "alpha.parquet"))
    fsSync.writeFileSync(path.join(dir, "truncated.parquet"), good.subarray(0, good.length - 100))
    fsSync.writeFileSync(path.join(dir, "headless.parquet"), good.subarray(200))
    for (const f of ["text.parquet", "empty.parquet", "truncated.parquet", "headless.parquet"]) {
      const exit = await exitOf(Parquet.readParquet(path.join(dir, f)))
      assert(exit._tag === "Failure", f)
      const err = exit.cause.reasons[0]
      assert(err?._tag === "Fail" && err.error._tag === "SourceError", `${f}: ${JSON.stringify(exit.cause)}`)
      expect(err.error.byteOffset, f).toBeTypeOf("number")
    }
    fsSync.rmSync(dir, { recursive: true })
  })
  it("a missing file is a PlatformError", async () => {
    const exit = await exitOf(Parquet.readParquet("/nonexistent/dir/x.parquet"))
    assert(exit._tag === "Failure")
    const err = exit.cause.reasons[0]
    assert(err?._tag === "Fail" && err.error._tag === "PlatformError")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// projection, row groups, metadata, flights-3m
// ---------------------------------------------------------------------------------------------------------------

let duckConn: Awaited<ReturnType<Awaited<ReturnType<typeof DuckDBInstance.create>>["connect"]>> | undefined
const duck = async () => {
  if (duckConn === undefined) duckConn = await (await DuckDBInstance.create(":memory:")).connect()
  return duckConn
}

describe.skipIf(!hasData)("flights-3m", () => {
  const file = path.join(PQ, "vega-datasets", "flights-3m.parquet")
  it("3,000,000 rows with the right schema; sums and null counts equal DuckDB's", async () => {
    const frame = await run(Parquet.readParquet(file))
    expect(frame.height).toBe(3_000_000)
    expect(frame.schema).toEqual([
      { name: "date", dtype: DT.Timestamp("us", null) },
      { name: "delay", dtype: DT.Int64 },
      { name: "distance", dtype: DT.Int64 },
      { name: "origin", dtype: DT.Utf8 },
      { name: "destination", dtype: DT.Utf8 }
    ])
    const cols = F.contiguous(frame)
    const sum = (c: Column) => {
      let s = 0n
      const v = c.values as BigInt64Array
      for (let i = 0; i < c.length; i++) if (C.isValid(c, i)) s += v[i]!
      return s
    }
    const db = await duck()
    const r = await db.runAndReadAll(
      `SELECT sum(epoch_us(date))::HUGEINT, sum(delay)::HUGEINT, sum(distance)::HUGEINT, count(origin), count(DISTINCT origin), max(destination) FROM read_parquet('${file}')`
    )
    const [sd, sdel, sdist, nOrigin, , maxDest] = r.getRows()[0]!
    expect([sum(cols[0]!), sum(cols[1]!), sum(cols[2]!)]).toEqual([sd, sdel, sdist].map((x) => BigInt(String(x))))
    expect(cols[3]!.length - cols[3]!.nullCount).toBe(Number(nOrigin))
    const dest = C.toStrings(cols[4]!).filter((s): s is string => s !== null)
    let maxOurs = ""
    for (const s of dest) if (s > maxOurs) maxOurs = s
    expect(maxOurs).toBe(maxDest)
  })
  it("column projection decodes only the chosen columns, in the chosen order", async () => {
    const frame = await run(Parquet.readParquet(file, { columns: ["distance", "date"] }))
    expect(frame.columns).toEqual(["distance", "date"])
    expect(frame.height).toBe(3_000_000)
    const full = await run(Parquet.readParquet(file))
    expect(C.toArray(F.contiguous(frame)[0]!).slice(0, 1000)).toEqual(C.toArray(F.contiguous(full)[2]!).slice(0, 1000))
  })
  it("row groups: reads only the chosen ones; a missing row group or column is a SourceError", async () => {
    const md = await run(Parquet.readParquetMetadata(file))
    expect(md.rowGroups.length).toBe(11)
    expect(md.numRows).toBe(3_000_000)
    expect(md.rowGroups[0]!.columns[0]!.codec).toBe("ZSTD")
    const frame = await run(Parquet.readParquet(file, { rowGroups: [3, 1] }))
    expect(frame.height).toBe(md.rowGroups[1]!.numRows + md.rowGroups[3]!.numRows)
    const stats = md.rowGroups[1]!.columns[1]!.statistics!
    const delay = F.contiguous(frame)[1]!
    let min: bigint | undefined
    for (let i = 0; i < md.rowGroups[1]!.numRows; i++)
      if (C.isValid(delay, i)) {
        const v = (delay.values as BigInt64Array)[i]!
        if (min === undefined || v < min) min = v
      }
    expect(stats.min).toBe(min)
    for (const bad of [{ rowGroups: [11] }, { rowGroups: [-1] }, { columns: ["nope"] }, { columns: ["date", "date"] }]) {
      const exit = await exitOf(Parquet.readParquet(file, bad))
      assert(exit._tag === "Failure")
      const err = exit.cause.reasons[0]
      assert(err?._tag === "Fail" && err.error._tag === "SourceError", JSON.stringify(bad))
      if (bad.columns?.[0] === "nope") {
        expect(err.error.column).toBe("nope")
        expect(err.error.expected).toContain("origin")
      }
    }
  })
  it("decoding in several steps (async reader) gives the same frame as one step", async () => {
    const bytes = new Uint8Array(fsSync.readFileSync(file))
    const one = await decode(bytes, {})
    const steps = await decode(bytes, {}, { chunkBytes: 1 })
    expect(steps.frame.batches.length).toBeGreaterThanOrEqual(11)
    expect(steps.frame.schema).toEqual(one.frame.schema)
    const a = F.contiguous(one.frame)
    const b = F.contiguous(steps.frame)
    for (let j = 0; j < a.length; j++) expect(b[j]!.values).toEqual(a[j]!.values)
  })
  it("the per-row-group size guard refuses oversized row groups with a SourceError", async () => {
    const bytes = new Uint8Array(fsSync.readFileSync(file))
    await expect(decode(bytes, {}, { maxRowGroupBytes: 1024 })).rejects.toThrow(/per-row-group limit/)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// writing: round trips of random frames of every dtype, DuckDB as the reader, atomic writes
// ---------------------------------------------------------------------------------------------------------------

interface Spec {
  readonly name: string
  readonly dtype: DataType
  readonly arb: fc.Arbitrary<unknown>
  /** DuckDB SQL giving a comparable value, and our value in the same form. */
  readonly sql: (c: string) => string
  readonly ours: (col: Column, i: number) => unknown
}

const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })
const raw = (col: Column, i: number) => col.values[i]
const SPECS: ReadonlyArray<Spec> = [
  { name: "i8", dtype: DT.Int8, arb: fc.integer({ min: -128, max: 127 }), sql: (c) => c, ours: raw },
  { name: "i16", dtype: DT.Int16, arb: fc.integer({ min: -32768, max: 32767 }), sql: (c) => c, ours: raw },
  { name: "i32", dtype: DT.Int32, arb: fc.integer(), sql: (c) => c, ours: raw },
  { name: "i64", dtype: DT.Int64, arb: i64, sql: (c) => c, ours: raw },
  { name: "u8", dtype: DT.UInt8, arb: fc.integer({ min: 0, max: 255 }), sql: (c) => c, ours: raw },
  { name: "u16", dtype: DT.UInt16, arb: fc.integer({ min: 0, max: 65535 }), sql: (c) => c, ours: raw },
  { name: "u32", dtype: DT.UInt32, arb: fc.integer({ min: 0, max: 2 ** 32 - 1 }), sql: (c) => c, ours: raw },
  { name: "u64", dtype: DT.UInt64, arb: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), sql: (c) => c, ours: raw },
  { name: "f32", dtype: DT.Float32, arb: fc.float(), sql: (c) => c, ours: raw },
  { name: "f64", dtype: DT.Float64, arb: fc.double(), sql: (c) => c, ours: raw },
  { name: "bool", dtype: DT.Boolean, arb: fc.boolean(), sql: (c) => c, ours: (c, i) => C.getValue(c, i) },
  { name: "str", dtype: DT.Utf8, arb: fc.string({ unit: "grapheme" }), sql: (c) => c, ours: (c, i) => C.getValue(c, i) },
  {
    name: "cat",
    dtype: DT.Categorical,
    arb: fc.constantFrom("AAPL", "IBM", "SPY", ""),
    sql: (c) => c,
    ours: (c, i) => C.getValue(c, i)
  },
  {
    name: "date",
    dtype: DT.Date,
    arb: fc.integer({ min: -700_000, max: 2_900_000 }),
    sql: (c) => `datediff('day', DATE '1970-01-01', ${c})`,
    ours: (c, i) => BigInt(c.values[i] as number)
  },
  ...(
    [
      ["s", null],
      ["ms", null],
      ["us", "UTC"],
      ["ns", null],
      ["ms", "America/New_York"]
    ] as const
  ).map(
    ([unit, tz]): Spec => ({
      name: `ts_${unit}_${tz === null ? "naive" : tz.replace("/", "_")}`,
      dtype: DT.Timestamp(unit, tz),
      arb: fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }).map((v) => (unit === "ns" ? v : v / DT.nanosPerUnit(unit) / 1000n)),
      sql: (c) => (unit === "ns" ? `epoch_ns(${c})` : `epoch_us(${c})`),
      ours: (c, i) => {
        const v = (c.values as BigInt64Array)[i]!
        return unit === "ns" ? v : (v * DT.nanosPerUnit(unit)) / 1000n
      }
    })
  ),
  { name: "dur_ms", dtype: DT.Duration("ms"), arb: i64, sql: (c) => c, ours: raw },
  {
    name: "dec",
    dtype: DT.Decimal(18, 4),
    arb: fc.bigInt({ min: -(10n ** 18n) + 1n, max: 10n ** 18n - 1n }).map((v) => v.toString()).map((s) => `${s.slice(0, -4) || "0"}.${s.slice(-4).replace("-", "0")}`),
    sql: (c) => `${c}::VARCHAR`,
    ours: (c, i) => C.getValue(c, i)
  },
  {
    name: "dec38",
    dtype: DT.Decimal(38, 10),
    arb: fc.bigInt({ min: 0n, max: 10n ** 28n - 1n }).map((v) => `${v}.5`),
    sql: (c) => `${c}::VARCHAR`,
    ours: (c, i) => C.getValue(c, i)
  },
  {
    name: "list_i32",
    dtype: DT.List(DT.Int32),
    arb: fc.array(fc.option(fc.integer(), { nil: null }), { maxLength: 4 }),
    sql: (c) => `to_json(${c})::VARCHAR`,
    ours: (c, i) => JSON.stringify(C.getValue(c, i))
  },
  {
    name: "list_str",
    dtype: DT.List(DT.Utf8),
    arb: fc.array(fc.option(fc.string(), { nil: null }), { maxLength: 3 }),
    sql: (c) => `to_json(${c})::VARCHAR`,
    ours: (c, i) => JSON.stringify(C.getValue(c, i))
  },
  {
    name: "struct",
    dtype: DT.Struct([
      { name: "a", dtype: DT.Int32 },
      { name: "b", dtype: DT.Utf8 }
    ]),
    arb: fc.record({ a: fc.option(fc.integer(), { nil: null }), b: fc.option(fc.string(), { nil: null }) }),
    sql: (c) => `to_json(${c})::VARCHAR`,
    ours: (c, i) => JSON.stringify(C.getValue(c, i))
  }
]

const frameArb = (n: number) =>
  fc.tuple(...SPECS.map((s) => fc.array(fc.option(s.arb, { nil: null, freq: 4 }), { minLength: n, maxLength: n }))).map((cols) =>
    F.fromColumnsUnsafe(
      SPECS.map((s) => s.name),
      cols.map((vs, j) => {
        const r = B.fromValues(vs, SPECS[j]!.dtype)
        if (r._tag === "Err") throw new Error(`${SPECS[j]!.name}: ${JSON.stringify(r)}`)
        return r.column
      })
    )
  )

const COMPRESSIONS = ["snappy", "gzip", "zstd", "brotli", "lz4", "uncompressed"] as const

/** Our dtype after a round trip: Parquet has no second unit, so Timestamp("s") comes back as milliseconds. */
const roundTripped = (t: DataType): DataType => (t._tag === "Timestamp" && t.unit === "s" ? DT.Timestamp("ms", t.timeZone) : t)

/** Row values comparable across a round trip (timestamps as nanoseconds, so units may differ). */
const comparable = (col: Column, i: number): unknown => {
  if (!C.isValid(col, i)) return null
  if (col.dtype._tag === "Timestamp") return (col.values as BigInt64Array)[i]! * DT.nanosPerUnit(col.dtype.unit)
  if (col.dtype._tag === "Float32" || col.dtype._tag === "Float64") return Object.is(col.values[i], -0) ? "-0" : col.values[i]
  return C.getValue(col, i)
}

layer(NodeServices.layer)("writeParquet", (it) => {
  const tmp = () => fsSync.mkdtempSync(path.join(os.tmpdir(), "pq-write-"))

  it.effect("random frames of every dtype (with nulls) round-trip with each compression, and DuckDB reads them", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const db = yield* Effect.promise(() => duck())
      const samples = fc.sample(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.nat()), { numRuns: 18, seed: 20_240_817 })
      let k = 0
      for (const [n, seed] of samples) {
        const compression = COMPRESSIONS[k % COMPRESSIONS.length]!
        const [frame] = fc.sample(frameArb(n), { numRuns: 1, seed })
        const file = path.join(dir, `f${k++}.parquet`)
        yield* Parquet.writeParquet(frame!, file, { compression, rowGroupSize: 7 })
        const back = yield* Parquet.readParquet(file)
        const label = `seed ${seed}, n ${n}, ${compression}`
        expect(back.schema, label).toEqual(frame!.schema.map((f) => ({ name: f.name, dtype: roundTripped(f.dtype) })))
        expect(back.height, label).toBe(n)
        const a = F.contiguous(frame!)
        const b = F.contiguous(back)
        a.forEach((col, j) => {
          for (let i = 0; i < n; i++)
            expect(comparable(b[j]!, i), `${label}, column ${SPECS[j]!.name}, row ${i}`).toEqual(comparable(col, i))
        })
        const md = yield* Parquet.readParquetMetadata(file)
        expect(md.rowGroups.length, label).toBe(Math.max(1, Math.ceil(n / 7)))
        expect(md.rowGroups[0]!.columns[0]!.codec).toBe(compression === "lz4" ? "LZ4_RAW" : compression.toUpperCase())
        // DuckDB as the independent reader: same values, column by column.
        const sql = SPECS.map((s) => s.sql(`"${s.name}"`)).join(", ")
        const rows = yield* Effect.promise(() => db.runAndReadAll(`SELECT ${sql} FROM read_parquet('${file}')`))
        const got = rows.getRows()
        expect(got.length, label).toBe(n)
        SPECS.forEach((s, j) => {
          for (let i = 0; i < n; i++) {
            const ours = C.isValid(a[j]!, i) ? s.ours(a[j]!, i) : null
            let theirs = got[i]![j]
            if (typeof ours === "bigint" && typeof theirs === "number") theirs = BigInt(theirs)
            if (typeof ours === "number" && typeof theirs === "bigint") theirs = Number(theirs)
            expect(theirs, `${label}: DuckDB column ${s.name}, row ${i}`).toEqual(ours)
          }
        })
      }
      fsSync.rmSync(dir, { recursive: true })
    })
  )

  it.effect("DuckDB sees the intended types", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const [frame] = fc.sample(frameArb(3), { numRuns: 1, seed: 7 })
      const file = path.join(dir, "types.parquet")
      yield* Parquet.writeParquet(frame!, file)
      const db = yield* Effect.promise(() => duck())
      const r = yield* Effect.promise(() => db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`))
      const types = Object.fromEntries(r.getRows().map((x) => [String(x[0]), String(x[1])]))
      expect(types).toMatchObject({
        i8: "TINYINT",
        u64: "UBIGINT",
        f32: "FLOAT",
        str: "VARCHAR",
        cat: "VARCHAR",
        date: "DATE",
        ts_s_naive: "TIMESTAMP",
        ts_ms_naive: "TIMESTAMP",
        ts_us_UTC: "TIMESTAMP WITH TIME ZONE",
        ts_ns_naive: "TIMESTAMP_NS",
        dec: "DECIMAL(18,4)",
        dec38: "DECIMAL(38,10)",
        list_i32: "INTEGER[]",
        struct: "STRUCT(a INTEGER, b VARCHAR)"
      })
      fsSync.rmSync(dir, { recursive: true })
    })
  )

  it.effect("a failed write leaves no file: missing directory, bad options, a directory in the way", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = tmp()
      const frame: Frame.Frame = yield* Frame.make({ a: [1, 2, 3] })
      const missing = path.join(dir, "no", "such", "dir", "x.parquet")
      const e1 = yield* Effect.flip(Parquet.writeParquet(frame, missing))
      expect(e1._tag).toBe("PlatformError")
      expect(fsSync.existsSync(path.dirname(missing))).toBe(false)

      const target = path.join(dir, "x.parquet")
      yield* Parquet.writeParquet(frame, target, { compression: "gzip" })
      const before = fsSync.readFileSync(target)
      const e2 = yield* Effect.flip(Parquet.writeParquet(frame, target, { rowGroupSize: 0 }))
      expect(e2._tag).toBe("SourceError")
      const e3 = yield* Effect.flip(Parquet.writeParquet(frame, target, { compression: "lzo" as never }))
      expect(e3._tag).toBe("SourceError")
      const e4 = yield* Effect.flip(Parquet.writeParquet(Frame.empty(), target))
      expect(e4._tag).toBe("SourceError")
      expect(fsSync.readFileSync(target)).toEqual(before)

      const blocker = path.join(dir, "blocker.parquet")
      fsSync.mkdirSync(path.join(blocker, "inside"), { recursive: true })
      const e5 = yield* Effect.flip(Parquet.writeParquet(frame, blocker))
      expect(e5._tag).toBe("PlatformError")
      expect((yield* fs.readDirectory(dir)).sort()).toEqual(["blocker.parquet", "x.parquet"])
      fsSync.rmSync(dir, { recursive: true })
    })
  )
})
