/**
 * Core Frame tests: constructors (`make`, `fromRows`, `fromArrow`), zero-copy Arrow interchange, accessors,
 * display (`toString`, `print`, Inspectable) and the structural verbs (drop, rename, head, tail, slice).
 *
 * Oracles: hand-computed small cases, apache-arrow's own readers (for what `toArrow` produces), and properties.
 */
import { Console as NodeConsole } from "node:console"
import { Writable } from "node:stream"
import * as util from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as A from "apache-arrow"
import { BigDecimal, Console, DateTime, Effect, Logger, Schema } from "effect"
import fc from "fast-check"
import type { Column } from "../src/Frame/index.ts"
import { col, DataType, Frame, lit } from "../src/index.ts"

const run = <X, E>(e: Effect.Effect<X, E>): X => Effect.runSync(e)

/** The buffer that backs a typed array (the identity zero-copy sharing is about). */
const buf = (x: ArrayBufferView | null | undefined) => x?.buffer

/** The first (only) Arrow `Data` chunk of column `name` of batch `b`. */
const dataOf = (t: A.Table, name: string, b = 0): A.Data => {
  const i = t.schema.fields.findIndex((f) => f.name === name)
  return t.batches[b]!.data.children[i]!
}

const column = (f: Frame.Frame, name: string): Column => run(Frame.getColumn(f, name))

// ---------------------------------------------------------------------------------------------------------------
// make
// ---------------------------------------------------------------------------------------------------------------

describe("Frame.make", () => {
  it.effect("infers dtypes per JS type, as nodejs-polars", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({
        num: [1, 2.5, null],
        big: [1n, null, -3n],
        str: ["a", null, "ccc"],
        bool: [true, false, null],
        date: [new Date(0), null, new Date(86_400_000)],
        list: [[1, 2], [], null],
        obj: [{ x: 1, y: "a" }, null, { x: 3, y: null }],
        nothing: [null, undefined, null]
      })
      expect(Frame.schema(f).map((c) => [c.name, DataType.format(c.dtype)])).toEqual([
        ["num", "f64"],
        ["big", "i64"],
        ["str", "str"],
        ["bool", "bool"],
        ["date", "datetime[ms]"],
        ["list", "list[f64]"],
        ["obj", "struct[2]"],
        ["nothing", "null"]
      ])
      expect(Frame.schema(f)[6]!.dtype).toEqual(
        DataType.Struct([
          { name: "x", dtype: DataType.Float64 },
          { name: "y", dtype: DataType.Utf8 }
        ])
      )
      expect(Frame.toRows(f)).toEqual([
        { num: 1, big: 1n, str: "a", bool: true, date: new Date(0), list: [1, 2], obj: { x: 1, y: "a" }, nothing: null },
        { num: 2.5, big: null, str: null, bool: false, date: null, list: [], obj: null, nothing: null },
        {
          num: null,
          big: -3n,
          str: "ccc",
          bool: null,
          date: new Date(86_400_000),
          list: null,
          obj: { x: 3, y: null },
          nothing: null
        }
      ])
      expect(column(f, "num").nullCount).toBe(1)
      expect(column(f, "nothing").nullCount).toBe(3)
    })
  )

  it.effect("shares typed arrays given as columns (zero-copy) and infers their dtype", () =>
    Effect.gen(function* () {
      const f64 = new Float64Array([1.5, 2.5, 3.5])
      const i32 = new Int32Array([1, -2, 3])
      const i64 = new BigInt64Array([1n, 2n ** 62n, -(2n ** 63n)])
      const u8 = new Uint8Array([0, 255, 7])
      const u64 = new BigUint64Array([0n, 2n ** 64n - 1n, 5n])
      const f32 = new Float32Array([0.5, 1, 2])
      const f = yield* Frame.make({ f64, i32, i64, u8, u64, f32 })
      expect(Frame.schema(f).map((c) => c.dtype._tag)).toEqual(["Float64", "Int32", "Int64", "UInt8", "UInt64", "Float32"])
      expect(column(f, "f64").values).toBe(f64)
      expect(column(f, "i32").values).toBe(i32)
      expect(column(f, "i64").values).toBe(i64)
      expect(column(f, "u8").values).toBe(u8)
      expect(column(f, "u64").values).toBe(u64)
      expect(Frame.toColumns(f).i64).toEqual([1n, 2n ** 62n, -(2n ** 63n)])
      expect(Frame.toColumns(f).u64).toEqual([0n, 2n ** 64n - 1n, 5n])
    })
  )

  it.effect("fails with ShapeMismatch when column lengths differ", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(Frame.make({ a: [1, 2, 3], b: ["x", "y"] }))
      expect(e._tag).toBe("ShapeMismatch")
      expect(e.message).toContain('"b"')
      expect(e.message).toContain("2")
      expect(e.message).toContain("3")
      const e2 = yield* Effect.flip(Frame.make({ a: new Float64Array(2), b: new Int32Array(5) }))
      expect(e2._tag).toBe("ShapeMismatch")
    })
  )

  it.effect("fails with ShapeMismatch naming the column and row when a value does not fit its dtype", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(Frame.make({ a: [1, 2, 3.5] }, { dtypes: { a: DataType.Int32 } }))
      expect(e._tag).toBe("ShapeMismatch")
      expect(e.message).toContain('column "a", row 2')
      const e2 = yield* Effect.flip(Frame.make({ a: [1, 300] }, { dtypes: { a: DataType.Int8 } }))
      expect(e2.message).toContain("row 1")
      const e3 = yield* Effect.flip(Frame.make({ s: ["x", 1] }, { dtypes: { s: DataType.Utf8 } }))
      expect(e3.message).toContain('column "s", row 1')
    })
  )

  it.effect("honours dtype overrides: integers, Timestamp with a time zone and unit", () =>
    Effect.gen(function* () {
      const t0 = Date.UTC(2024, 0, 15, 14, 30, 0, 123)
      const f = yield* Frame.make(
        { i: [1, null, -7], ts: [new Date(t0), null, "2024-01-15T14:30:00.123Z"], sec: [new Date(t0), null, null] },
        {
          dtypes: {
            i: DataType.Int16,
            ts: DataType.Timestamp("us", "America/New_York"),
            sec: DataType.Timestamp("s", "UTC")
          }
        }
      )
      const i = column(f, "i")
      expect(i.values).toBeInstanceOf(Int16Array)
      expect(Array.from(i.values as Int16Array).filter((_, k) => k !== 1)).toEqual([1, -7])
      const ts = column(f, "ts")
      expect(ts.dtype).toEqual({ _tag: "Timestamp", unit: "us", timeZone: "America/New_York" })
      expect(ts.values).toBeInstanceOf(BigInt64Array)
      expect((ts.values as BigInt64Array)[0]).toBe(BigInt(t0) * 1000n)
      expect((ts.values as BigInt64Array)[2]).toBe(BigInt(t0) * 1000n)
      expect(ts.nullCount).toBe(1)
      // Seconds: the millisecond part is floored away.
      expect((column(f, "sec").values as BigInt64Array)[0]).toBe(BigInt(Math.floor(t0 / 1000)))
    })
  )

  it.effect("honours Decimal overrides: exact 128-bit unscaled values, toRows gives decimal strings", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make(
        { p: ["1.25", "-0.5", null, 3, 12345678n] },
        { dtypes: { p: DataType.Decimal(12, 2) } }
      )
      const p = column(f, "p")
      expect(p.dtype).toEqual(DataType.Decimal(12, 2))
      const v = p.values as BigInt64Array
      // Arrow Decimal128 little-endian words: lo, hi (sign-extended).
      expect([v[0], v[1]]).toEqual([125n, 0n])
      expect([v[2], v[3]]).toEqual([-50n, -1n])
      expect([v[6], v[7]]).toEqual([300n, 0n])
      expect(Frame.toColumns(f).p).toEqual(["1.25", "-0.50", null, "3.00", "12345678.00"])
      // Too many digits for the precision, or a fraction that does not fit the scale.
      const e = yield* Effect.flip(Frame.make({ p: ["1.234"] }, { dtypes: { p: DataType.Decimal(12, 2) } }))
      expect(e.message).toContain("row 0")
      const e2 = yield* Effect.flip(Frame.make({ p: ["1", "123.4"] }, { dtypes: { p: DataType.Decimal(3, 1) } }))
      expect(e2.message).toContain("row 1")
    })
  )

  it.effect("honours Categorical overrides: Int32 codes into a Utf8 dictionary in order of appearance", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ c: ["b", "a", null, "b", "c"] }, { dtypes: { c: DataType.Categorical } })
      const c = column(f, "c")
      expect(c.dtype).toEqual(DataType.Categorical)
      expect(c.values).toBeInstanceOf(Int32Array)
      const codes = Array.from(c.values as Int32Array)
      expect([codes[0], codes[1], codes[3], codes[4]]).toEqual([0, 1, 0, 2])
      expect(c.dictionary!.dtype).toEqual(DataType.Utf8)
      expect(c.dictionary!.length).toBe(3)
      expect(Frame.toColumns(f).c).toEqual(["b", "a", null, "b", "c"])
    })
  )

  it.effect("honours List and Struct overrides with typed children", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make(
        {
          l: [[1, 2], null, [], [3]],
          s: [{ x: 1, y: "a" }, { x: null, y: "b" }, null, { x: 4, y: "a" }]
        },
        {
          dtypes: {
            l: DataType.List(DataType.Int32),
            s: DataType.Struct([
              { name: "x", dtype: DataType.Int64 },
              { name: "y", dtype: DataType.Categorical }
            ])
          }
        }
      )
      const l = column(f, "l")
      expect(Array.from(l.offsets!)).toEqual([0, 2, 2, 2, 3])
      expect(l.children![0]!.values).toBeInstanceOf(Int32Array)
      expect(Array.from(l.children![0]!.values as Int32Array)).toEqual([1, 2, 3])
      expect(l.nullCount).toBe(1)
      const s = column(f, "s")
      expect(s.children![0]!.values).toBeInstanceOf(BigInt64Array)
      expect(s.children![1]!.dtype).toEqual(DataType.Categorical)
      expect(Frame.toRows(f)).toEqual([
        { l: [1, 2], s: { x: 1n, y: "a" } },
        { l: null, s: { x: null, y: "b" } },
        { l: [], s: null },
        { l: [3], s: { x: 4n, y: "a" } }
      ])
    })
  )

  it.effect("keeps Int64 values above 2^53 exactly (never through number)", () =>
    Effect.gen(function* () {
      const big = [2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n]
      const f = yield* Frame.make({ i: big })
      expect(Frame.toColumns(f).i).toEqual(big)
      const back = yield* Frame.fromArrow(Frame.toArrow(f))
      expect(Frame.toColumns(back).i).toEqual(big)
      // apache-arrow reads what we wrote.
      expect(Array.from(Frame.toArrow(f).getChild("i")!.toArray() as BigInt64Array)).toEqual(big)
    })
  )

  it.effect("accepts columns and an empty set of columns", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, 2] })
      const g = yield* Frame.make({ b: column(f, "a") })
      expect(column(g, "b")).toBe(column(f, "a"))
      const e = yield* Frame.make({})
      expect([e.height, e.width]).toEqual([0, 0])
    })
  )
})

// ---------------------------------------------------------------------------------------------------------------
// fromRows
// ---------------------------------------------------------------------------------------------------------------

describe("Frame.fromRows", () => {
  const Trade = Schema.Struct({
    sym: Schema.Literals(["IBM", "AAPL"]),
    px: Schema.Finite,
    qty: Schema.Int,
    id: Schema.BigInt,
    ok: Schema.Boolean,
    note: Schema.String,
    at: Schema.Date,
    utc: Schema.DateTimeUtc,
    venue: Schema.optional(Schema.NullOr(Schema.String)),
    fills: Schema.Array(Schema.Finite),
    meta: Schema.Struct({ src: Schema.String, seq: Schema.Int })
  })
  const row = (i: number) => ({
    sym: i % 2 === 0 ? "IBM" : "AAPL",
    px: 100 + i / 4,
    qty: i * 10,
    id: 2n ** 60n + BigInt(i),
    ok: i % 3 === 0,
    note: `n${i}`,
    at: new Date(Date.UTC(2024, 0, 1, 9, 30) + i * 1000),
    utc: DateTime.makeUnsafe(Date.UTC(2024, 0, 1) + i),
    fills: Array.from({ length: i }, (_, k) => k + 0.5),
    meta: { src: "x", seq: i }
  })

  it.effect("maps field schemas to dtypes", () =>
    Effect.gen(function* () {
      const f = yield* Frame.fromRows(Trade, [row(0), { ...row(1), venue: "ARCA" }, { ...row(2), venue: null }])
      expect(Frame.schema(f)).toEqual([
        { name: "sym", dtype: DataType.Categorical },
        { name: "px", dtype: DataType.Float64 },
        { name: "qty", dtype: DataType.Float64 },
        { name: "id", dtype: DataType.Int64 },
        { name: "ok", dtype: DataType.Boolean },
        { name: "note", dtype: DataType.Utf8 },
        { name: "at", dtype: DataType.Timestamp("ms") },
        { name: "utc", dtype: DataType.Timestamp("ms", "UTC") },
        { name: "venue", dtype: DataType.Utf8 },
        { name: "fills", dtype: DataType.List(DataType.Float64) },
        {
          name: "meta",
          dtype: DataType.Struct([
            { name: "src", dtype: DataType.Utf8 },
            { name: "seq", dtype: DataType.Float64 }
          ])
        }
      ])
      expect(f.height).toBe(3)
      expect(Frame.toColumns(f).venue).toEqual([null, "ARCA", null])
      expect(Frame.toColumns(f).id).toEqual([2n ** 60n, 2n ** 60n + 1n, 2n ** 60n + 2n])
      expect(Frame.toColumns(f).utc).toEqual([0, 1, 2].map((i) => new Date(Date.UTC(2024, 0, 1) + i)))
      expect(Frame.toColumns(f).fills).toEqual([[], [0.5], [0.5, 1.5]])
      expect(Frame.toColumns(f).meta).toEqual([0, 1, 2].map((i) => ({ src: "x", seq: i })))
      expect(Frame.toColumns(f).sym).toEqual(["IBM", "AAPL", "IBM"])
    })
  )

  it.effect("applies Schema transformations before building columns (decoded values are stored)", () =>
    Effect.gen(function* () {
      const S = Schema.Struct({
        at: Schema.DateTimeUtcFromString,
        d: Schema.DateFromString,
        n: Schema.NumberFromString
      })
      const f = yield* Frame.fromRows(S, [{ at: "2024-03-01T12:00:00Z", d: "2024-03-02T00:00:00Z", n: "1.5" }])
      expect(Frame.schema(f).map((c) => c.dtype)).toEqual([
        DataType.Timestamp("ms", "UTC"),
        DataType.Timestamp("ms"),
        DataType.Float64
      ])
      expect(Frame.toRows(f)).toEqual([
        { at: new Date("2024-03-01T12:00:00Z"), d: new Date("2024-03-02T00:00:00Z"), n: 1.5 }
      ])
    })
  )

  it.effect("honours dtype overrides per field", () =>
    Effect.gen(function* () {
      const S = Schema.Struct({ qty: Schema.Int, at: Schema.Date, px: Schema.String, amt: Schema.BigDecimal })
      const f = yield* Frame.fromRows(
        S,
        [
          { qty: 5, at: new Date(1500), px: "1.25", amt: BigDecimal.fromStringUnsafe("10.125") },
          { qty: -1, at: new Date(0), px: "2", amt: BigDecimal.fromStringUnsafe("-3") }
        ],
        { dtypes: { qty: DataType.Int32, at: DataType.Timestamp("us", "Europe/Paris"), px: DataType.Decimal(10, 2) } }
      )
      expect(Frame.schema(f).map((c) => c.dtype)).toEqual([
        DataType.Int32,
        DataType.Timestamp("us", "Europe/Paris"),
        DataType.Decimal(10, 2),
        DataType.Decimal(38, 3)
      ])
      expect(column(f, "qty").values).toBeInstanceOf(Int32Array)
      expect(Array.from(column(f, "at").values as BigInt64Array)).toEqual([1_500_000n, 0n])
      expect(Frame.toColumns(f).px).toEqual(["1.25", "2.00"])
      expect(Frame.toColumns(f).amt).toEqual(["10.125", "-3.000"])
      // A decoded value that does not fit the override: ShapeMismatch naming column and row.
      const e = yield* Effect.flip(
        Frame.fromRows(S, [{ qty: 1, at: new Date(0), px: "x", amt: BigDecimal.fromStringUnsafe("1") }], {
          dtypes: { px: DataType.Decimal(10, 2) }
        })
      )
      expect(e._tag).toBe("ShapeMismatch")
      expect(e.message).toContain('column "px", row 0')
    })
  )

  it.effect("a row that fails decoding gives RowDecodeError with its index and field", () =>
    Effect.gen(function* () {
      const rows: Array<unknown> = [row(0), row(1), row(2), { ...row(3), px: "101.5" }, row(4)]
      const e = yield* Effect.flip(Frame.fromRows(Trade, rows))
      expect(e._tag).toBe("RowDecodeError")
      if (e._tag !== "RowDecodeError") return
      expect(e.row).toBe(3)
      expect(e.field).toBe("px")
      expect(e.issue).toContain("Expected")
      expect(e.message).toContain('row 3, field "px"')
    })
  )

  it.effect("names the field for missing keys, refinements, literals, nested paths and non-object rows", () =>
    Effect.gen(function* () {
      const { sym: _sym, ...noSym } = row(1)
      const cases: ReadonlyArray<readonly [unknown, number, string, string]> = [
        [noSym, 1, "sym", "Missing key"],
        [{ ...row(1), qty: 2.5 }, 1, "qty", "integer"],
        [{ ...row(1), sym: "MSFT" }, 1, "sym", "MSFT"],
        [{ ...row(1), meta: { src: "x", seq: "7" } }, 1, "meta", "seq"],
        [{ ...row(1), fills: [1, "two"] }, 1, "fills", "[1]"],
        [{ ...row(1), px: Number.NaN }, 1, "px", "finite"],
        [{ ...row(1), venue: 5 }, 1, "venue", "5"],
        [null, 1, "", "object"],
        ["row", 1, "", "object"]
      ]
      for (const [bad, index, field, text] of cases) {
        const e = yield* Effect.flip(Frame.fromRows(Trade, [row(0), bad, row(2)]))
        expect(e._tag).toBe("RowDecodeError")
        if (e._tag !== "RowDecodeError") continue
        expect([e.row, e.field]).toEqual([index, field])
        expect(e.issue).toContain(text)
      }
      // The first bad row is reported, not a later one.
      const e = yield* Effect.flip(Frame.fromRows(Trade, [row(0), row(1), { ...row(2), ok: 1 }, { ...row(3), px: "x" }]))
      expect(e._tag === "RowDecodeError" ? [e.row, e.field] : []).toEqual([2, "ok"])
    })
  )

  it.effect("an empty array gives an empty frame with the Schema's columns", () =>
    Effect.gen(function* () {
      const f = yield* Frame.fromRows(Schema.Struct({ a: Schema.String, b: Schema.NullOr(Schema.Finite) }), [])
      expect([f.height, f.width]).toEqual([0, 2])
      expect(Frame.schema(f)).toEqual([
        { name: "a", dtype: DataType.Utf8 },
        { name: "b", dtype: DataType.Float64 }
      ])
    })
  )

  it("round-trips the decoded rows (property)", () => {
    const S = Schema.Struct({ s: Schema.String, x: Schema.NullOr(Schema.Finite), b: Schema.BigInt, t: Schema.Boolean })
    const row = fc.record({
      s: fc.string(),
      x: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
      b: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      t: fc.boolean()
    })
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        expect(Frame.toRows(run(Frame.fromRows(S, rows)))).toEqual(rows)
      })
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Arrow
// ---------------------------------------------------------------------------------------------------------------

describe("Frame.fromArrow / Frame.toArrow (zero-copy)", () => {
  it.effect("fromArrow shares numeric, Int64, Timestamp, Utf8, dictionary and validity buffers", () =>
    Effect.gen(function* () {
      const f64 = A.vectorFromArray([1.5, null, 3.5], new A.Float64())
      const i32 = A.vectorFromArray([1, 2, 3], new A.Int32())
      const i64 = A.vectorFromArray([1n, 2n ** 60n + 1n, null], new A.Int64())
      const ts = A.vectorFromArray([new Date(0), new Date(1000), null], new A.TimestampMillisecond())
      const str = A.vectorFromArray(["a", null, "ccc"], new A.Utf8())
      const cat = A.vectorFromArray(["x", "y", "x"], new A.Dictionary(new A.Utf8(), new A.Int32()))
      const table = new A.Table({ f64, i32, i64, ts, str, cat })
      const f = yield* Frame.fromArrow(table)
      expect(f.batches.length).toBe(1)
      const d = (n: string) => dataOf(table, n)
      const col = (n: string) => f.batches[0]!.columns[f.columns.indexOf(n)]!
      expect(buf(col("f64").values)).toBe(buf(d("f64").values))
      expect(buf(col("i32").values)).toBe(buf(d("i32").values))
      expect(col("i64").values).toBeInstanceOf(BigInt64Array)
      expect(buf(col("i64").values)).toBe(buf(d("i64").values))
      expect(buf(col("ts").values)).toBe(buf(d("ts").values))
      expect(buf(col("str").values)).toBe(buf(d("str").values))
      expect(buf(col("str").offsets)).toBe(buf(d("str").valueOffsets))
      expect(buf(col("cat").values)).toBe(buf(d("cat").values))
      expect(buf(col("cat").dictionary!.values)).toBe(buf(d("cat").dictionary!.data[0]!.values))
      // validity bitmaps
      expect(col("f64").validity).not.toBeNull()
      expect(buf(col("f64").validity)).toBe(buf(d("f64").nullBitmap))
      expect(buf(col("i64").validity)).toBe(buf(d("i64").nullBitmap))
      expect(buf(col("str").validity)).toBe(buf(d("str").nullBitmap))
      // dtypes and values, read by polaroid
      expect(Frame.schema(f).map((c) => DataType.format(c.dtype))).toEqual([
        "f64",
        "i32",
        "i64",
        "datetime[ms]",
        "str",
        "cat"
      ])
      expect(Frame.toColumns(f)).toEqual({
        f64: [1.5, null, 3.5],
        i32: [1, 2, 3],
        i64: [1n, 2n ** 60n + 1n, null],
        ts: [new Date(0), new Date(1000), null],
        str: ["a", null, "ccc"],
        cat: ["x", "y", "x"]
      })
    })
  )

  it.effect("toArrow's table is of the application's apache-arrow (loaded on first use: one module instance)", () =>
    Effect.gen(function* () {
      const t = Frame.toArrow(yield* Frame.make({ x: [1, 2, 3], s: ["a", "b", null] }))
      expect(t).toBeInstanceOf(A.Table)
      expect(t.schema.fields[1]!.type).toBeInstanceOf(A.Utf8)
      expect(A.tableFromIPC(A.tableToIPC(t)).getChild("s")!.toArray()).toEqual(["a", "b", null])
    }))

  it.effect("toArrow shares every buffer with the frame's columns", () =>
    Effect.gen(function* () {
      const f64 = new Float64Array([1, 2, 3])
      const i64 = new BigInt64Array([2n ** 62n, 0n, -1n])
      const f = yield* Frame.make(
        {
          f64,
          i64,
          s: ["a", null, "cc"],
          c: ["u", "v", "u"],
          ts: [new Date(0), null, new Date(5)],
          dec: ["1.5", "2.25", null],
          day: [0, 1, 19000],
          l: [[1], [], [2, 3]],
          st: [{ x: 1 }, { x: 2 }, null]
        },
        {
          dtypes: {
            c: DataType.Categorical,
            ts: DataType.Timestamp("ms", "America/New_York"),
            dec: DataType.Decimal(9, 2),
            day: DataType.Date
          }
        }
      )
      const t = Frame.toArrow(f)
      expect(t.numRows).toBe(3)
      const d = (n: string) => dataOf(t, n)
      expect(d("f64").values).toBe(f64)
      expect(d("i64").values).toBe(i64)
      expect(buf(d("s").values)).toBe(buf(column(f, "s").values))
      expect(d("s").valueOffsets).toBe(column(f, "s").offsets)
      expect(buf(d("s").nullBitmap)).toBe(buf(column(f, "s").validity))
      expect(d("c").values).toBe(column(f, "c").values)
      expect(buf(d("c").dictionary!.data[0]!.values)).toBe(buf(column(f, "c").dictionary!.values))
      expect(d("ts").values).toBe(column(f, "ts").values)
      expect(buf(d("ts").nullBitmap)).toBe(buf(column(f, "ts").validity))
      expect(buf(d("dec").values)).toBe(buf(column(f, "dec").values))
      expect(d("day").values).toBe(column(f, "day").values)
      expect(d("l").valueOffsets).toBe(column(f, "l").offsets)
      expect(buf(d("st").nullBitmap)).toBe(buf(column(f, "st").validity))
      // apache-arrow is the oracle for what the buffers mean.
      expect(t.schema.fields.map((x) => String(x.type))).toEqual([
        "Float64",
        "Int64",
        "Utf8",
        "Dictionary<Int32, Utf8>",
        "Timestamp<MILLISECOND, America/New_York>",
        "Decimal[9e+2]",
        "Date32<DAY>",
        "List<Float64>",
        "Struct<{x:Float64}>"
      ])
      expect(Array.from(t.getChild("s")!)).toEqual(["a", null, "cc"])
      expect(Array.from(t.getChild("c")!)).toEqual(["u", "v", "u"])
      expect(Array.from(t.getChild("i64")!)).toEqual([2n ** 62n, 0n, -1n])
      expect(Array.from(t.getChild("ts")!)).toEqual([0, null, 5])
      expect(Array.from(t.getChild("day")!)).toEqual([0, 86_400_000, 19000 * 86_400_000])
      expect(Array.from(t.getChild("l")!, (v) => (v === null ? null : Array.from(v)))).toEqual([[1], [], [2, 3]])
      expect(t.getChild("st")!.get(2)).toBeNull()
      expect(t.getChild("st")!.get(1)!.toJSON()).toEqual({ x: 2 })
      // Round trip through Arrow keeps dtypes and values.
      const back = yield* Frame.fromArrow(t)
      expect(Frame.schema(back)).toEqual(Frame.schema(f))
      expect(Frame.toRows(back)).toEqual(Frame.toRows(f))
      expect(buf(column(back, "dec").values)).toBe(buf(column(f, "dec").values))
    })
  )

  it.effect("keeps the record batches of a multi-batch table and shares their buffers", () =>
    Effect.gen(function* () {
      const b1 = A.tableFromArrays({ x: new Float64Array([1, 2, 3]), i: new BigInt64Array([1n, 2n ** 60n, 3n]) })
        .batches[0]!
      const b2 = A.tableFromArrays({ x: new Float64Array([4, 5]), i: new BigInt64Array([-(2n ** 62n), 5n]) })
        .batches[0]!
      const table = new A.Table([b1, b2])
      expect(table.batches.length).toBe(2)
      const f = yield* Frame.fromArrow(table)
      expect(f.batches.length).toBe(2)
      expect(f.batches.map((b) => b.length)).toEqual([3, 2])
      expect(f.height).toBe(5)
      for (const [k, b] of [b1, b2].entries())
        for (let j = 0; j < 2; j++)
          expect(buf(f.batches[k]!.columns[j]!.values)).toBe(buf(b.data.children[j]!.values))
      expect(Frame.toColumns(f)).toEqual({ x: [1, 2, 3, 4, 5], i: [1n, 2n ** 60n, 3n, -(2n ** 62n), 5n] })
      const t = Frame.toArrow(f)
      expect(t.batches.length).toBe(2)
      for (const [k, b] of [b1, b2].entries())
        for (let j = 0; j < 2; j++) expect(buf(t.batches[k]!.data.children[j]!.values)).toBe(buf(b.data.children[j]!.values))
      expect(Array.from(t.getChild("i")!)).toEqual([1n, 2n ** 60n, 3n, -(2n ** 62n), 5n])
    })
  )

  it.effect("multi-batch tables with nulls and strings (separate dictionaries per batch)", () =>
    Effect.gen(function* () {
      const t1 = A.tableFromArrays({ s: ["a", "b"], n: [1, null] as Array<number | null> })
      const t2 = A.tableFromArrays({ s: ["c", "a", "z"], n: [null, 2, 3] as Array<number | null> })
      const table = t1.concat(t2)
      const f = yield* Frame.fromArrow(table)
      expect(f.batches.length).toBe(2)
      expect(Frame.toColumns(f)).toEqual({ s: ["a", "b", "c", "a", "z"], n: [1, null, null, 2, 3] })
      // Concatenating the batches (getColumn) unifies the dictionaries.
      const s = column(f, "s")
      expect(s.dtype).toEqual(DataType.Categorical)
      expect(s.length).toBe(5)
    })
  )

  it.effect("reads sliced Arrow data (non-zero offsets) of every layout as apache-arrow does", () =>
    Effect.gen(function* () {
      const n = 21
      const pick = <X>(k: number, x: X): X | null => (k % 5 === 2 ? null : x)
      const vectors: Record<string, A.Vector> = {
        i32: A.vectorFromArray(range(0, n).map((k) => pick(k, k * 3)), new A.Int32()),
        f64: A.vectorFromArray(range(0, n).map((k) => pick(k, k / 4)), new A.Float64()),
        i64: A.vectorFromArray(range(0, n).map((k) => pick(k, 2n ** 60n + BigInt(k))), new A.Int64()),
        bool: A.vectorFromArray(range(0, n).map((k) => pick(k, k % 3 === 0)), new A.Bool()),
        str: A.vectorFromArray(range(0, n).map((k) => pick(k, `s${k}`)), new A.Utf8()),
        cat: A.vectorFromArray(range(0, n).map((k) => pick(k, `c${k % 4}`)), new A.Dictionary(new A.Utf8(), new A.Int32())),
        ts: A.vectorFromArray(range(0, n).map((k) => pick(k, new Date(k * 1000))), new A.TimestampMillisecond()),
        day: A.vectorFromArray(range(0, n).map((k) => pick(k, new Date(k * 86_400_000))), new A.DateDay()),
        list: A.vectorFromArray(
          range(0, n).map((k) => pick(k, range(0, k % 4))),
          new A.List(new A.Field("item", new A.Int32(), true))
        ),
        st: A.vectorFromArray(
          range(0, n).map((k) => pick(k, { a: k, b: `b${k}` })),
          new A.Struct([new A.Field("a", new A.Int32(), true), new A.Field("b", new A.Utf8(), true)])
        )
      }
      /** What apache-arrow itself reads at row k, in polaroid's JS representation. */
      const arrowValue = (name: string, v: A.Vector, k: number): unknown => {
        const x = v.get(k)
        if (x === null) return null
        if (name === "ts" || name === "day") return new Date(x as number)
        if (name === "list") return Array.from(x as A.Vector)
        if (name === "st") return (x as { toJSON(): unknown }).toJSON()
        return x
      }
      for (const [offset, length] of [
        [3, 8],
        [1, 13],
        [8, 9],
        [0, 21],
        [20, 1],
        [5, 0]
      ] as const) {
        const sliced = Object.fromEntries(Object.entries(vectors).map(([k, v]) => [k, v.slice(offset, offset + length)]))
        const table = new A.Table(sliced)
        const f = yield* Frame.fromArrow(table)
        expect(f.height).toBe(length)
        const cols = Frame.toColumns(f)
        for (const [name, v] of Object.entries(sliced))
          expect([offset, name, cols[name]]).toEqual([offset, name, range(0, length).map((k) => arrowValue(name, v, k))])
        // Fixed-width values stay views of the original buffer.
        if (length > 0) expect(buf(f.batches[0]!.columns[0]!.values)).toBe(buf(vectors.i32!.data[0]!.values))
        if (length > 0) expect(buf(f.batches[0]!.columns[2]!.values)).toBe(buf(vectors.i64!.data[0]!.values))
      }
    })
  )

  it.effect("rejects Arrow types polaroid does not model with InvalidArgument", () =>
    Effect.gen(function* () {
      const bin = A.vectorFromArray([new Uint8Array([1])], new A.Binary())
      const e = yield* Effect.flip(Frame.fromArrow(new A.Table({ b: bin })))
      expect(e._tag).toBe("InvalidArgument")
    })
  )

  it("toArrow is read back by apache-arrow as the same values, and fromArrow(toArrow(f)) is f (property)", () => {
    const row = fc.record({
      x: fc.option(fc.double(), { nil: null }),
      i: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }),
      s: fc.option(fc.string({ unit: "grapheme" }), { nil: null }),
      b: fc.option(fc.boolean(), { nil: null })
    })
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 50 }), (rows) => {
        const f = run(
          Frame.make(
            {
              x: rows.map((r) => r.x),
              i: rows.map((r) => r.i),
              s: rows.map((r) => r.s),
              b: rows.map((r) => r.b)
            },
            { dtypes: { x: DataType.Float64, i: DataType.Int64, s: DataType.Utf8, b: DataType.Boolean } }
          )
        )
        const t = Frame.toArrow(f)
        for (const name of ["x", "i", "s", "b"] as const)
          expect(Array.from(t.getChild(name)!)).toEqual(rows.map((r) => r[name]))
        expect(Frame.toRows(run(Frame.fromArrow(t)))).toEqual(rows)
      })
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// accessors
// ---------------------------------------------------------------------------------------------------------------

describe("accessors", () => {
  it.effect("schema, columns, height, width", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, 2, 3], b: ["x", "y", "z"] })
      expect(Frame.schema(f)).toEqual([
        { name: "a", dtype: DataType.Float64 },
        { name: "b", dtype: DataType.Utf8 }
      ])
      expect(f.schema).toBe(Frame.schema(f))
      expect(f.columns).toEqual(["a", "b"])
      expect(f.height).toBe(3)
      expect(f.width).toBe(2)
      expect(Frame.isFrame(f)).toBe(true)
      expect(Frame.isFrame({ schema: [] })).toBe(false)
      const empty = Frame.empty([{ name: "q", dtype: DataType.Int32 }])
      expect([empty.height, empty.width, empty.columns]).toEqual([0, 1, ["q"]])
    })
  )

  it.effect("getColumn, data-first and data-last, and ColumnNotFound with the available names", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, 2], b: ["x", "y"] })
      const a = yield* Frame.getColumn(f, "a")
      expect(a.dtype).toEqual(DataType.Float64)
      expect(yield* f.pipe(Frame.getColumn("b"))).toBe(yield* Frame.getColumn(f, "b"))
      const e = yield* Effect.flip(Frame.getColumn(f, "c"))
      expect(e._tag).toBe("ColumnNotFound")
      expect(e.column).toBe("c")
      expect(e.available).toEqual(["a", "b"])
      expect(e.message).toContain('"c"')
      expect(e.message).toContain('"a", "b"')
    })
  )

  it.effect("getColumn concatenates the batches of a multi-batch frame once (memoized)", () =>
    Effect.gen(function* () {
      const t = A.tableFromArrays({ x: new Int32Array([1, 2]) }).concat(A.tableFromArrays({ x: new Int32Array([3]) }))
      const f = yield* Frame.fromArrow(t)
      const x = yield* Frame.getColumn(f, "x")
      expect(Array.from(x.values as Int32Array)).toEqual([1, 2, 3])
      expect(yield* Frame.getColumn(f, "x")).toBe(x)
    })
  )

  it.effect("toRows and toColumns", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, null], b: ["x", "y"], c: [true, null] })
      expect(Frame.toRows(f)).toEqual([
        { a: 1, b: "x", c: true },
        { a: null, b: "y", c: null }
      ])
      expect(Frame.toColumns(f)).toEqual({ a: [1, null], b: ["x", "y"], c: [true, null] })
      expect(Object.keys(Frame.toRows(f)[0]!)).toEqual(["a", "b", "c"])
    })
  )
})

// ---------------------------------------------------------------------------------------------------------------
// display
// ---------------------------------------------------------------------------------------------------------------

describe("display", () => {
  it.effect("renders shape, names, dtypes and rows in a Polars-style box", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, null], s: ["x", "yy"] })
      expect(Frame.toString(f)).toBe(
        [
          "shape: (2, 2)",
          "┌──────┬──────┐",
          "│ a    ┆ s    │",
          "│ ---  ┆ ---  │",
          "│ f64  ┆ str  │",
          "╞══════╪══════╡",
          "│ 1.0  ┆ \"x\"  │",
          "│ null ┆ \"yy\" │",
          "└──────┴──────┘"
        ].join("\n")
      )
    })
  )

  const bodyRows = (text: string) =>
    text
      .split("\n")
      .slice(6, -1)
      .map((l) =>
        l
          .slice(1, -1)
          .split("┆")
          .map((c) => c.trim())
      )

  it.effect("shows the first and last 5 rows with … between when there are more than 10", () =>
    Effect.gen(function* () {
      const n = 25
      const f = yield* Frame.make({ i: Int32Array.from({ length: n }, (_, k) => k * 10) })
      const text = Frame.toString(f)
      expect(text.split("\n")[0]).toBe("shape: (25, 1)")
      expect(bodyRows(text).map((r) => r[0])).toEqual(["0", "10", "20", "30", "40", "…", "200", "210", "220", "230", "240"])
      // Exactly 10 rows: no elision.
      const g = yield* Frame.make({ i: Int32Array.from({ length: 10 }, (_, k) => k) })
      expect(bodyRows(Frame.toString(g)).map((r) => r[0])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
      // maxRows option.
      expect(bodyRows(Frame.toString(f, { maxRows: 4 })).map((r) => r[0])).toEqual(["0", "10", "…", "230", "240"])
    })
  )

  it.effect("elides the middle columns of wide frames", () =>
    Effect.gen(function* () {
      const cols: Record<string, Float64Array> = {}
      for (let j = 0; j < 12; j++) cols[`c${j}`] = new Float64Array([j])
      const f = yield* Frame.make(cols)
      const lines = Frame.toString(f).split("\n")
      expect(lines[0]).toBe("shape: (1, 12)")
      const header = lines[2]!.slice(1, -1).split("┆").map((c) => c.trim())
      expect(header).toEqual(["c0", "c1", "c2", "c3", "…", "c8", "c9", "c10", "c11"])
      expect(bodyRows(lines.join("\n"))[0]).toEqual(["0.0", "1.0", "2.0", "3.0", "…", "8.0", "9.0", "10.0", "11.0"])
      const narrow = Frame.toString(f, { maxColumns: 2 }).split("\n")[2]!.slice(1, -1).split("┆").map((c) => c.trim())
      expect(narrow).toEqual(["c0", "…", "c11"])
    })
  )

  it.effect("shows nulls as null, timestamps in their time zone, dates, lists, categoricals and long text cut", () =>
    Effect.gen(function* () {
      const winter = Date.UTC(2024, 0, 15, 14, 30, 0)
      const summer = Date.UTC(2024, 6, 1, 12, 0, 0, 250)
      const f = yield* Frame.make(
        {
          ny: [new Date(winter), new Date(summer), null],
          utc: [new Date(winter), null, null],
          naive: [new Date(winter), null, new Date(summer)],
          day: ["2024-02-29", null, "1969-12-31"],
          cat: ["b", null, "a"],
          l: [[1, 2], null, []],
          long: ["x".repeat(50), null, "ok"]
        },
        {
          dtypes: {
            ny: DataType.Timestamp("ms", "America/New_York"),
            utc: DataType.Timestamp("ms", "UTC"),
            naive: DataType.Timestamp("ms"),
            day: DataType.Date,
            cat: DataType.Categorical,
            l: DataType.List(DataType.Int64)
          }
        }
      )
      const text = Frame.toString(f)
      const lines = text.split("\n")
      expect(lines[4]!.slice(1, -1).split("┆").map((c) => c.trim())).toEqual([
        "datetime[ms, America/New_York]",
        "datetime[ms, UTC]",
        "datetime[ms]",
        "date",
        "cat",
        "list[i64]",
        "str"
      ])
      const rows = bodyRows(text)
      // New York is UTC-5 in January, UTC-4 (daylight time) in July.
      expect(rows.map((r) => r[0])).toEqual(["2024-01-15 09:30:00 -0500", "2024-07-01 08:00:00.250 -0400", "null"])
      expect(rows.map((r) => r[1])).toEqual(["2024-01-15 14:30:00 UTC", "null", "null"])
      expect(rows.map((r) => r[2])).toEqual(["2024-01-15 14:30:00", "null", "2024-07-01 12:00:00.250"])
      expect(rows.map((r) => r[3])).toEqual(["2024-02-29", "null", "1969-12-31"])
      expect(rows.map((r) => r[4])).toEqual(['"b"', "null", '"a"'])
      expect(rows.map((r) => r[5])).toEqual(["[1, 2]", "null", "[]"])
      expect(rows[0]![6]!.length).toBe(32)
      expect(rows[0]![6]!.endsWith("…")).toBe(true)
    })
  )

  it.effect("an empty frame and a frame with no rows", () =>
    Effect.gen(function* () {
      expect(Frame.toString(yield* Frame.make({}))).toBe("shape: (0, 0)")
      const f = Frame.empty([{ name: "a", dtype: DataType.Int64 }])
      const lines = Frame.toString(f).split("\n")
      expect(lines[0]).toBe("shape: (0, 1)")
      expect(lines).toHaveLength(7)
    })
  )

  it.effect("console.log, util.inspect, String() and Effect's logger show the same text (Inspectable)", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, 2, 3], s: ["x", null, "z"] })
      const expected = Frame.toString(f)
      expect(util.inspect(f)).toBe(expected)
      expect(String(f)).toBe(expected)
      expect(`${f}`).toBe(expected)
      // A real node Console writing into a buffer.
      let out = ""
      const sink = new Writable({
        write(chunk, _enc, cb) {
          out += String(chunk)
          cb()
        }
      })
      new NodeConsole({ stdout: sink, colorMode: false }).log(f)
      expect(out).toBe(`${expected}\n`)
      // Effect's default logger hands the frame to the Console service's log.
      const logged: Array<string> = []
      yield* Effect.log(f).pipe(
        Effect.provideService(Console.Console, captureConsole(logged)),
        Effect.provide(Logger.layer([Logger.defaultLogger]))
      )
      expect(logged).toHaveLength(1)
      expect(logged[0]!.endsWith(`: ${expected}`)).toBe(true)
      // toJSON is a compact summary.
      expect(JSON.parse(JSON.stringify(f))).toEqual({
        _id: "Frame",
        shape: [3, 2],
        schema: { a: { _tag: "Float64" }, s: { _tag: "Utf8" } }
      })
    })
  )

  it.effect("Frame.print writes toString to the Console service and returns the frame", () =>
    Effect.gen(function* () {
      const logged: Array<string> = []
      const f = yield* Frame.make({ a: [1, 2] })
      const out = yield* Frame.print(f).pipe(Effect.provideService(Console.Console, captureConsole(logged)))
      expect(out).toBe(f)
      expect(logged).toEqual([Frame.toString(f)])
      // In a pipeline, from an Effect of a frame, with display options.
      const g = yield* Frame.make({ i: Int32Array.from({ length: 30 }, (_, k) => k) }).pipe(
        (self) => Frame.print(self, { maxRows: 2 }),
        Effect.provideService(Console.Console, captureConsole(logged))
      )
      expect(logged[1]).toBe(Frame.toString(g, { maxRows: 2 }))
      expect(bodyRowsCount(logged[1]!)).toBe(3)
    })
  )
})

const bodyRowsCount = (text: string) => text.split("\n").length - 7

/** A Console service that records what `log` receives, formatted as node's console would. */
const captureConsole = (into: Array<string>): Console.Console => {
  const ignore = () => {}
  return {
    assert: ignore,
    clear: ignore,
    count: ignore,
    countReset: ignore,
    debug: ignore,
    dir: ignore,
    dirxml: ignore,
    error: ignore,
    group: ignore,
    groupCollapsed: ignore,
    groupEnd: ignore,
    info: ignore,
    log: (...args: ReadonlyArray<unknown>) => {
      into.push(util.format(...args))
    },
    table: ignore,
    time: ignore,
    timeEnd: ignore,
    timeLog: ignore,
    trace: ignore,
    warn: ignore
  }
}

// ---------------------------------------------------------------------------------------------------------------
// verbs that work on the structure (no expressions)
// ---------------------------------------------------------------------------------------------------------------

/** A frame of two batches: x = 0..9 (Float64), s = "s0".."s9" (Utf8), batches of 4 and 6 rows. */
const twoBatches = () =>
  Frame.fromArrow(
    A.tableFromArrays({ x: Float64Array.from([0, 1, 2, 3]), s: ["s0", "s1", "s2", "s3"] }).concat(
      A.tableFromArrays({ x: Float64Array.from([4, 5, 6, 7, 8, 9]), s: ["s4", "s5", "s6", "s7", "s8", "s9"] })
    )
  )
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => a + k)

describe("drop / rename", () => {
  it.effect("drop removes columns without copying the others (data-first, data-last, from an Effect)", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: new Float64Array([1, 2]), b: ["x", "y"], c: [true, false] })
      const g = yield* Frame.drop(f, "b")
      expect(g.columns).toEqual(["a", "c"])
      expect(column(g, "a")).toBe(column(f, "a"))
      const h = yield* f.pipe(Frame.drop("a", "c"))
      expect(Frame.toRows(h)).toEqual([{ b: "x" }, { b: "y" }])
      const k = yield* Frame.make({ a: [1], b: [2] }).pipe(Frame.drop("a"))
      expect(k.columns).toEqual(["b"])
      const u = yield* Frame.fromArrow(Frame.toArrow(f))
      const e = yield* Effect.flip(Frame.drop(u, "zz"))
      expect(e._tag).toBe("ColumnNotFound")
      expect(e.available).toEqual(["a", "b", "c"])
    })
  )

  it.effect("drop keeps the batches of a multi-batch frame", () =>
    Effect.gen(function* () {
      const f = yield* twoBatches()
      const g = yield* Frame.drop(f, "s")
      expect(g.batches.map((b) => b.length)).toEqual([4, 6])
      expect(g.batches[1]!.columns[0]).toBe(f.batches[1]!.columns[0])
    })
  )

  it.effect("rename keeps order and data; unknown names and collisions are typed errors", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, 2], b: ["x", "y"], c: [true, false] })
      const g = yield* Frame.rename(f, { a: "alpha", c: "gamma" })
      expect(g.columns).toEqual(["alpha", "b", "gamma"])
      expect(g.batches).toBe(f.batches)
      expect(Frame.toRows(g)[1]).toEqual({ alpha: 2, b: "y", gamma: false })
      const h = yield* f.pipe(Frame.rename({ b: "a", a: "b" }))
      expect(h.columns).toEqual(["b", "a", "c"])
      const dup = yield* Effect.flip(Frame.rename(f, { a: "b" }))
      expect(dup._tag).toBe("DuplicateColumn")
      const u = yield* Frame.fromArrow(Frame.toArrow(f))
      const missing = yield* Effect.flip(Frame.rename(u, { zz: "y" }))
      expect(missing._tag).toBe("ColumnNotFound")
    })
  )
})

describe("select / withColumns", () => {
  it.effect("select by name keeps the columns (zero-copy) in the asked order; expressions are computed", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: new Float64Array([1, 2, 3]), s: ["x", null, "z"], b: [true, false, null] })
      const g = yield* Frame.select(f, "s", "a")
      expect(g.columns).toEqual(["s", "a"])
      expect(column(g, "a")).toBe(column(f, "a"))
      expect(column(g, "s")).toBe(column(f, "s"))
      const h = yield* f.pipe(Frame.select(col("a").mul(2).alias("a2"), "b", col("a").gt(1.5)))
      expect(Frame.toColumns(h)).toEqual({ a2: [2, 4, 6], b: [true, false, null], a: [false, true, true] })
      const k = yield* Frame.make({ a: [1, 2] }).pipe(Frame.select(col("a").add(lit(10)).alias("c")))
      expect(Frame.toRows(k)).toEqual([{ c: 11 }, { c: 12 }])
    })
  )

  it.effect("select reports ColumnNotFound with the available names, and DuplicateColumn", () =>
    Effect.gen(function* () {
      const f = yield* Frame.fromArrow(A.tableFromArrays({ a: new Float64Array([1]), b: new Int32Array([2]) }))
      const e = yield* Effect.flip(Frame.select(f, "a", "zz"))
      expect(e._tag).toBe("ColumnNotFound")
      if (e._tag === "ColumnNotFound") expect([e.column, e.available]).toEqual(["zz", ["a", "b"]])
      const e2 = yield* Effect.flip(Frame.select(f, col("zz").mul(2)))
      expect(e2._tag).toBe("ColumnNotFound")
      const dup = yield* Effect.flip(Frame.select(f, "a", "a"))
      expect(dup._tag).toBe("DuplicateColumn")
      const dup2 = yield* Effect.flip(Frame.select(f, col("b").alias("a"), "a"))
      expect(dup2._tag).toBe("DuplicateColumn")
    })
  )

  it("select of a subset equals drop of the complement, and select of all columns is the frame (property)", () => {
    const names = ["a", "b", "c", "d"] as const
    const f = run(
      Frame.make({ a: [1, null, 3], b: ["x", "y", null], c: [true, null, false], d: [10n, 20n, null] })
    )
    fc.assert(
      // Non-empty subsets: with no columns left, select gives (0, 0) as Polars while drop keeps the height.
      fc.property(fc.subarray([...names], { minLength: 1 }), (keep) => {
        const dropped = names.filter((n) => !keep.includes(n))
        const selected = run(Frame.select(f, ...keep))
        const viaDrop = run(Frame.drop(f, ...dropped))
        expect(selected.columns).toEqual(keep)
        expect(Frame.schema(selected)).toEqual(Frame.schema(viaDrop))
        expect(Frame.toRows(selected)).toEqual(Frame.toRows(viaDrop))
      })
    )
    expect(Frame.toRows(run(Frame.select(f, ...names)))).toEqual(Frame.toRows(f))
  })

  it.effect("withColumns replaces a column in place and appends new ones", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, 2, 3], s: ["x", "y", "z"] })
      const g = yield* Frame.withColumns(f, col("a").mul(10), col("a").add(1).alias("a1"))
      expect(g.columns).toEqual(["a", "s", "a1"])
      expect(Frame.toColumns(g)).toEqual({ a: [10, 20, 30], s: ["x", "y", "z"], a1: [2, 3, 4] })
      expect(column(g, "s")).toBe(column(f, "s"))
      const e = yield* Effect.flip(Frame.withColumns(yield* Frame.fromArrow(Frame.toArrow(f)), col("zz").mul(2)))
      expect(e._tag).toBe("ColumnNotFound")
    })
  )
})

describe("head / tail / slice", () => {
  it.effect("head and tail (default 10), across batches", () =>
    Effect.gen(function* () {
      const f = yield* twoBatches()
      expect(Frame.toColumns(yield* Frame.head(f, 3)).x).toEqual([0, 1, 2])
      expect(Frame.toColumns(yield* Frame.head(f, 6)).x).toEqual(range(0, 6))
      expect(Frame.toColumns(yield* Frame.tail(f, 7)).s).toEqual(range(3, 10).map((k) => `s${k}`))
      expect((yield* Frame.head(f, 0)).height).toBe(0)
      expect((yield* Frame.head(f, 0)).columns).toEqual(["x", "s"])
      expect((yield* Frame.head(f, 100)).height).toBe(10)
      expect((yield* Frame.tail(f, 100)).height).toBe(10)
      const big = yield* Frame.make({ i: Int32Array.from(range(0, 25)) })
      expect(Frame.toColumns(yield* Frame.head(big)).i).toEqual(range(0, 10))
      expect(Frame.toColumns(yield* Frame.tail(big)).i).toEqual(range(15, 25))
      expect(Frame.toColumns(yield* big.pipe(Frame.tail(2))).i).toEqual([23, 24])
      const e = yield* Effect.flip(Frame.head(f, -1))
      expect(e._tag).toBe("InvalidArgument")
      const e2 = yield* Effect.flip(Frame.tail(f, 1.5))
      expect(e2._tag).toBe("InvalidArgument")
    })
  )

  it.effect("slice: offset and length, negative offsets from the end, zero-copy for fixed-width columns", () =>
    Effect.gen(function* () {
      const f = yield* twoBatches()
      const s = yield* Frame.slice(f, 2, 5)
      expect(Frame.toColumns(s)).toEqual({ x: range(2, 7), s: range(2, 7).map((k) => `s${k}`) })
      expect(s.batches.map((b) => b.length)).toEqual([2, 3])
      expect(buf(s.batches[0]!.columns[0]!.values)).toBe(buf(f.batches[0]!.columns[0]!.values))
      expect(Frame.toColumns(yield* Frame.slice(f, -3)).x).toEqual([7, 8, 9])
      expect(Frame.toColumns(yield* Frame.slice(f, -3, 2)).x).toEqual([7, 8])
      expect(Frame.toColumns(yield* Frame.slice(f, 8, 100)).x).toEqual([8, 9])
      expect((yield* Frame.slice(f, 20, 3)).height).toBe(0)
      expect(Frame.toColumns(yield* Frame.slice(f, -100, 2)).x).toEqual([0, 1])
      expect(Frame.toColumns(yield* f.pipe(Frame.slice(5, 1))).s).toEqual(["s5"])
      const e = yield* Effect.flip(Frame.slice(f, 0, -2))
      expect(e._tag).toBe("InvalidArgument")
    })
  )

  it("slice(o, n) equals the same rows of toRows (property)", () => {
    const f = run(twoBatches())
    const rows = Frame.toRows(f)
    fc.assert(
      fc.property(fc.integer({ min: -15, max: 15 }), fc.integer({ min: 0, max: 15 }), (offset, length) => {
        const start = offset < 0 ? Math.max(0, rows.length + offset) : offset
        expect(Frame.toRows(run(Frame.slice(f, offset, length)))).toEqual(rows.slice(start, start + length))
      })
    )
  })

  it.effect("verbs chain in one pipeline over an Effect of a frame", () =>
    Effect.gen(function* () {
      const out = yield* twoBatches().pipe(Frame.drop("s"), Frame.rename({ x: "y" }), Frame.tail(4), Frame.head(2))
      expect(Frame.toRows(out)).toEqual([{ y: 6 }, { y: 7 }])
    })
  )
})
