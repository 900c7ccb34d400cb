/**
 * Expression engine tests: resolution (dtypes, promotion, collected errors), every operation's values on small
 * hand-computed cases (nulls, NaN, overflow), the row / aggregation / window contexts, properties, and a
 * differential check against DuckDB on random rows with nulls.
 *
 * Oracles: hand-computed expectations, algebraic properties, DuckDB.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import * as A from "apache-arrow"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { col, type Expr, len, lit, when } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as C from "../src/internal/column.ts"
import * as Engine from "../src/internal/expr/engine.ts"
import type { Frame as FrameT } from "../src/internal/frame.ts"
import { register } from "../src/internal/expr/registry.ts"
import { groupIds } from "../src/internal/kernels/hash.ts"

const run = <X, E>(e: Effect.Effect<X, E>): X => Effect.runSync(e)
const fail = <X, E>(e: Effect.Effect<X, E>): E => {
  const r = Effect.runSync(Effect.result(e))
  if (r._tag === "Success") throw new Error("expected a failure")
  return r.failure
}

type Cols = { readonly [name: string]: ReadonlyArray<unknown> }
const frame = (cols: Cols, dtypes: { readonly [name: string]: DataType } = {}): FrameT =>
  run(Frame.make(cols as never, { dtypes: dtypes as never })) as FrameT

/** Evaluates one expression over a frame: its dtype and values (JS values as `getValue` gives them). */
const ev = (f: FrameT, e: Expr): { dtype: string; values: Array<unknown> } => {
  const out = run(Engine.select(f, [e.alias("out")]))
  const c = run(Frame.getColumn(out, "out"))
  return { dtype: DT.format(c.dtype), values: C.toArray(c) }
}
const values = (f: FrameT, e: Expr): Array<unknown> => ev(f, e).values
const dtype = (f: FrameT, e: Expr): string => ev(f, e).dtype

// ---------------------------------------------------------------------------------------------------------------
// promotion
// ---------------------------------------------------------------------------------------------------------------

describe("numeric promotion (Polars supertypes)", () => {
  const f = frame(
    { i8: [1], i16: [1], i32: [1], i64: [1n], u8: [1], u32: [1], u64: [1n], f32: [1], f64: [1] },
    { i8: DT.Int8, i16: DT.Int16, i32: DT.Int32, i64: DT.Int64, u8: DT.UInt8, u32: DT.UInt32, u64: DT.UInt64, f32: DT.Float32 }
  )
  const cases: ReadonlyArray<[Expr, string]> = [
    [col("i8").add(col("i16")), "i16"],
    [col("i8").add(col("u8")), "i16"],
    [col("i32").add(col("u32")), "i64"],
    [col("i64").add(col("u64")), "f64"],
    [col("i8").add(col("u64")), "f64"],
    [col("u8").add(col("u32")), "u32"],
    [col("i16").add(col("f32")), "f32"],
    [col("i32").add(col("f32")), "f64"],
    [col("f32").add(col("f64")), "f64"],
    [col("i8").add(1), "i8"],
    [col("i8").add(1000), "i32"],
    [col("u8").add(-1), "i32"],
    [col("f32").mul(2.5), "f32"],
    [col("i32").mul(2.5), "f64"],
    [col("i64").add(1), "i64"],
    [col("u64").add(1), "u64"],
    [col("i32").div(col("i32")), "f64"],
    [col("f32").div(2), "f32"],
    [col("i16").floorDiv(2), "i16"],
    [col("i16").mod(2), "i16"],
    [col("i32").pow(2), "i32"],
    [col("i32").pow(0.5), "f64"],
    [col("f32").pow(2), "f32"],
    [col("i8").sqrt(), "f64"],
    [col("f32").sqrt(), "f32"],
    [col("i8").neg(), "i8"],
    [col("i8").add(lit(null)), "i8"],
    [col("i32").add(2n), "i64"],
    [col("i32").gt(col("f64")), "bool"]
  ]
  for (const [e, t] of cases) it(`${e.toString()} → ${t}`, () => expect(dtype(f, e)).toBe(t))
})

// ---------------------------------------------------------------------------------------------------------------
// arithmetic
// ---------------------------------------------------------------------------------------------------------------

describe("arithmetic", () => {
  it("adds with null propagation", () => {
    const f = frame({ a: [1, null, 3], b: [10, 20, null] })
    expect(values(f, col("a").add(col("b")))).toEqual([11, null, null])
    expect(values(f, col("a").sub(1))).toEqual([0, null, 2])
    expect(values(f, lit(2).mul(col("a")))).toEqual([2, null, 6])
  })
  it("integer overflow wraps around (two's complement)", () => {
    const f = frame({ a: [127, -128], i: [2147483647, 65536], l: [9223372036854775807n, 2n] }, { a: DT.Int8, i: DT.Int32, l: DT.Int64 })
    expect(values(f, col("a").add(1))).toEqual([-128, -127])
    expect(values(f, col("a").sub(1))).toEqual([126, 127])
    expect(values(f, col("i").add(1))).toEqual([-2147483648, 65537])
    expect(values(f, col("i").mul(65536))).toEqual([-65536, 0])
    expect(values(f, col("l").add(1))).toEqual([-9223372036854775808n, 3n])
  })
  it("unsigned subtraction wraps", () => {
    const f = frame({ u: [0, 5] }, { u: DT.UInt8 })
    expect(values(f, col("u").sub(col("u").add(1)))).toEqual([255, 255])
  })
  it("floor division and modulo follow Python signs; integer division by zero is null", () => {
    const f = frame({ a: [-7, 7, -7, 7, 5], b: [2, -2, -2, 2, 0] }, { a: DT.Int32, b: DT.Int32 })
    expect(values(f, col("a").floorDiv(col("b")))).toEqual([-4, -4, 3, 3, null])
    expect(values(f, col("a").mod(col("b")))).toEqual([1, -1, -1, 1, null])
    const g = frame({ a: [-7n, 7n, 5n], b: [2n, -2n, 0n] })
    expect(values(g, col("a").floorDiv(col("b")))).toEqual([-4n, -4n, null])
    expect(values(g, col("a").mod(col("b")))).toEqual([1n, -1n, null])
  })
  it("float division by zero follows IEEE; float modulo has the divisor's sign", () => {
    const f = frame({ a: [1, -1, 0, -7.5], b: [0, 0, 0, 2] })
    const r = values(f, col("a").div(col("b")))
    expect(r.slice(0, 2)).toEqual([Infinity, -Infinity])
    expect(Number.isNaN(r[2])).toBe(true)
    expect(values(f, col("a").mod(col("b")))[3]).toBe(0.5)
    expect(values(f, col("a").floorDiv(col("b")))[3]).toBe(-4)
  })
  it("true division of integers gives floats", () => {
    const f = frame({ a: [7, 1] }, { a: DT.Int32 })
    expect(values(f, col("a").div(2))).toEqual([3.5, 0.5])
  })
  it("pow: integer exponents keep the base dtype (negative → null); float exponents give floats", () => {
    const f = frame({ a: [2, -3, 10] }, { a: DT.Int32 })
    expect(values(f, col("a").pow(3))).toEqual([8, -27, 1000])
    expect(values(f, col("a").pow(-1))).toEqual([null, null, null])
    expect(values(f, col("a").pow(0.5))[0]).toBeCloseTo(Math.SQRT2)
    const g = frame({ a: [3n] })
    expect(values(g, col("a").pow(40))).toEqual([BigInt.asIntN(64, 3n ** 40n)])
  })
  it("string + string concatenates", () => {
    const f = frame({ s: ["a", null, "é"] })
    expect(values(f, col("s").add("!"))).toEqual(["a!", null, "é!"])
  })
  it("unary math", () => {
    const f = frame({ a: [-4, null, 9], x: [-1.5, 2.5, Number.NaN] }, { a: DT.Int32 })
    expect(values(f, col("a").neg())).toEqual([4, null, -9])
    expect(values(f, col("a").abs())).toEqual([4, null, 9])
    expect(values(f, col("a").abs().sqrt())).toEqual([2, null, 3])
    expect(values(f, col("x").floor()).slice(0, 2)).toEqual([-2, 2])
    expect(values(f, col("x").ceil()).slice(0, 2)).toEqual([-1, 3])
    expect(values(f, col("x").round())).toEqual([-2, 3, Number.NaN])
  })
  it("round(decimals) rounds half away from zero", () => {
    const f = frame({ x: [1.25, -1.25, 2.5, null, 1.005] })
    expect(values(f, col("x").round(1))).toEqual([1.3, -1.3, 2.5, null, 1])
  })
  it("timestamp and duration arithmetic", () => {
    const f = frame(
      { t: [new Date("2024-01-01T00:00:00Z"), new Date("2024-01-02T00:00:00Z")], d: [1000n, 60000n] },
      { t: DT.Timestamp("ms"), d: DT.Duration("ms") }
    )
    expect(values(f, col("t").add(col("d")))).toEqual([new Date("2024-01-01T00:00:01Z"), new Date("2024-01-02T00:01:00Z")])
    const diff = ev(f, col("t").sub(col("t").first()))
    expect(diff.dtype).toBe("duration[ms]")
    expect(diff.values).toEqual([0n, 86_400_000n])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// comparisons and logic
// ---------------------------------------------------------------------------------------------------------------

describe("comparisons", () => {
  it("numbers with nulls; NaN equals NaN and is the largest value", () => {
    const f = frame({ x: [1, Number.NaN, Number.NaN, null, 2], y: [1, Number.NaN, 5, 1, Number.NaN] })
    expect(values(f, col("x").eq(col("y")))).toEqual([true, true, false, null, false])
    expect(values(f, col("x").neq(col("y")))).toEqual([false, false, true, null, true])
    expect(values(f, col("x").gt(col("y")))).toEqual([false, false, true, null, false])
    expect(values(f, col("x").lt(col("y")))).toEqual([false, false, false, null, true])
    expect(values(f, col("x").gtEq(col("y")))).toEqual([true, true, true, null, false])
    expect(values(f, col("x").ltEq(col("y")))).toEqual([true, true, false, null, true])
  })
  it("mixed numeric dtypes compare by value", () => {
    const f = frame({ i: [1, 2, 3], x: [1.5, 2, 2.5] }, { i: DT.Int8 })
    expect(values(f, col("i").lt(col("x")))).toEqual([true, false, false])
    expect(values(f, col("i").eq(2))).toEqual([false, true, false])
    expect(values(f, col("i").gt(1.5))).toEqual([false, true, true])
  })
  it("strings compare by code point (UTF-8 bytes)", () => {
    const f = frame({ s: ["B", "a", "é", "", null, "ab"] })
    expect(values(f, col("s").lt("a"))).toEqual([true, false, false, true, null, false])
    expect(values(f, col("s").gt("z"))).toEqual([false, false, true, false, null, false])
    expect(values(f, col("s").eq("ab"))).toEqual([false, false, false, false, null, true])
  })
  it("categorical compares with strings by value", () => {
    const f = frame({ c: ["b", "a", null, "c"], s: ["b", "b", "b", "a"] }, { c: DT.Categorical })
    expect(values(f, col("c").eq("b"))).toEqual([true, false, null, false])
    expect(values(f, col("c").gtEq("b"))).toEqual([true, false, null, true])
    expect(values(f, lit("b").lt(col("c")))).toEqual([false, false, null, true])
    expect(values(f, col("c").eq(col("s")))).toEqual([true, false, null, false])
  })
  it("booleans and dates", () => {
    const f = frame(
      { b: [true, false, null], d: ["2024-01-01", "2024-03-01", "2023-12-31"] },
      { d: DT.Date }
    )
    expect(values(f, col("b").gt(false))).toEqual([true, false, null])
    expect(values(f, col("d").gtEq(new Date("2024-01-01T00:00:00Z")))).toEqual([true, true, false])
    expect(values(f, col("d").lt(new Date("2024-01-01T12:00:00Z")))).toEqual([true, false, true])
    expect(values(f, col("d").gt("2024-01-01"))).toEqual([false, true, false])
    expect(values(f, lit("2024-03-01").eq(col("d")))).toEqual([false, true, false])
    expect(fail(Engine.select(f, [col("d").gt("yesterday")]))).toMatchObject({ _tag: "TypeMismatch", expected: "a date string (ISO 8601)" })
  })
  it("timestamps of different units compare as instants; Date literals adapt to the unit and zone", () => {
    const f = frame(
      { ms: [1000n, 2000n], us: [1_000_000n, 1_000_001n], tz: [0n, 5000n] },
      { ms: DT.Timestamp("ms"), us: DT.Timestamp("us"), tz: DT.Timestamp("ms", "UTC") }
    )
    expect(values(f, col("ms").eq(col("us")))).toEqual([true, false])
    expect(values(f, col("us").gt(col("ms")))).toEqual([false, false])
    expect(values(f, col("tz").gt(new Date(1000)))).toEqual([false, true])
  })
})

describe("Kleene logic", () => {
  const f = frame({
    p: [true, true, true, false, false, false, null, null, null],
    q: [true, false, null, true, false, null, true, false, null]
  })
  it("and", () => expect(values(f, col("p").and(col("q")))).toEqual([true, false, null, false, false, false, null, false, null]))
  it("or", () => expect(values(f, col("p").or(col("q")))).toEqual([true, true, true, true, false, null, true, null, null]))
  it("xor", () => expect(values(f, col("p").xor(col("q")))).toEqual([false, true, null, true, false, null, null, null, null]))
  it("not", () => expect(values(f, col("p").not())).toEqual([false, false, false, true, true, true, null, null, null]))
  it("with scalars", () => {
    expect(values(f, col("q").and(false))).toEqual(Array(9).fill(false))
    expect(values(f, col("q").or(true))).toEqual(Array(9).fill(true))
    expect(values(f, col("q").and(lit(null)))).toEqual([null, false, null, null, false, null, null, false, null])
  })
})

describe("nulls and NaN", () => {
  const f = frame({ x: [1, null, Number.NaN], i: [1, null, 3] }, { i: DT.Int32 })
  it("isNull / isNotNull", () => {
    expect(values(f, col("x").isNull())).toEqual([false, true, false])
    expect(values(f, col("x").isNotNull())).toEqual([true, false, true])
  })
  it("isNan: NaN is a value; null stays null; integers are never NaN", () => {
    expect(values(f, col("x").isNan())).toEqual([false, null, true])
    expect(values(f, col("x").isNotNan())).toEqual([true, null, false])
    expect(values(f, col("i").isNan())).toEqual([false, null, false])
  })
  it("fillNull by value keeps NaN; supertype of the fill", () => {
    expect(values(f, col("x").fillNull(0))).toEqual([1, 0, Number.NaN])
    expect(ev(f, col("i").fillNull(0)).dtype).toBe("i32")
    expect(ev(f, col("i").fillNull(0.5))).toEqual({ dtype: "f64", values: [1, 0.5, 3] })
    expect(values(f, col("i").fillNull(col("x")))).toEqual([1, null, 3])
  })
  it("fillNull strategies", () => {
    const g = frame({ a: [null, 2, null, 4, null] }, { a: DT.Int32 })
    expect(values(g, col("a").fillNull({ strategy: "forward" }))).toEqual([null, 2, 2, 4, 4])
    expect(values(g, col("a").fillNull({ strategy: "backward" }))).toEqual([2, 2, 4, 4, null])
    expect(values(g, col("a").fillNull({ strategy: "zero" }))).toEqual([0, 2, 0, 4, 0])
    expect(values(g, col("a").fillNull({ strategy: "min" }))).toEqual([2, 2, 2, 4, 2])
    expect(values(g, col("a").fillNull({ strategy: "max" }))).toEqual([4, 2, 4, 4, 4])
    expect(ev(g, col("a").fillNull({ strategy: "mean" }))).toEqual({ dtype: "f64", values: [3, 2, 3, 4, 3] })
  })
  it("fillNan", () => {
    expect(values(f, col("x").fillNan(0))).toEqual([1, null, 0])
    expect(values(f, col("x").fillNan(null))).toEqual([1, null, null])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// cast
// ---------------------------------------------------------------------------------------------------------------

describe("cast", () => {
  it("strict cast fails with ComputeError naming the first failing row; tryCast gives null", () => {
    const f = frame({ s: ["1", " 22 ", "x", null, "3.5", "99999999999"] })
    const e = fail(Engine.select(f, [col("s").cast(DT.Int32)]))
    expect(e._tag).toBe("ComputeError")
    expect(e._tag === "ComputeError" && e.row).toBe(2)
    expect(values(f, col("s").tryCast(DT.Int32))).toEqual([1, 22, null, null, null, null])
    expect(values(f, col("s").tryCast(DT.Int64))).toEqual([1n, 22n, null, null, null, 99999999999n])
    expect(values(f, col("s").tryCast(DT.Float64))).toEqual([1, 22, null, null, 3.5, 99999999999])
  })
  it("integer ranges are checked; floats truncate toward zero; NaN does not fit an integer", () => {
    const f = frame({ x: [1.9, -1.9, 300, Number.NaN], i: [255, 256, -1, 0] }, { i: DT.Int32 })
    expect(values(f, col("x").tryCast(DT.Int16))).toEqual([1, -1, 300, null])
    expect(values(f, col("x").tryCast(DT.UInt8))).toEqual([1, null, null, null])
    expect(values(f, col("i").tryCast(DT.UInt8))).toEqual([255, null, null, 0])
    expect(values(f, col("i").tryCast(DT.UInt64))).toEqual([255n, 256n, null, 0n])
    const e = fail(Engine.select(f, [col("i").cast(DT.UInt8)]))
    expect(e._tag === "ComputeError" && e.row).toBe(1)
  })
  it("numbers, booleans and temporals to strings", () => {
    const f = frame(
      { i: [1, -2], x: [1, 0.25], b: [true, false], d: ["2024-02-29", "1969-12-31"], t: [1_500n, -1n] },
      { i: DT.Int32, d: DT.Date, t: DT.Timestamp("ms") }
    )
    expect(values(f, col("i").cast(DT.Utf8))).toEqual(["1", "-2"])
    expect(values(f, col("x").cast(DT.Utf8))).toEqual(["1.0", "0.25"])
    expect(values(f, col("b").cast(DT.Utf8))).toEqual(["true", "false"])
    expect(values(f, col("d").cast(DT.Utf8))).toEqual(["2024-02-29", "1969-12-31"])
    expect(values(f, col("t").cast(DT.Utf8))).toEqual(["1970-01-01 00:00:01.500", "1969-12-31 23:59:59.999"])
  })
  it("strings to booleans, dates, timestamps and decimals", () => {
    const f = frame({ s: ["2024-03-10", "2024-03-10T12:30:00.123456Z", "true", "12.345"] })
    expect(values(f, col("s").tryCast(DT.Date))).toEqual([
      new Date("2024-03-10T00:00:00Z"),
      new Date("2024-03-10T00:00:00Z"),
      null,
      null
    ])
    const ts = run(Engine.select(f, [col("s").tryCast(DT.Timestamp("us"))]))
    expect(C.toArray(run(Frame.getColumn(ts, "s"))).length).toBe(4)
    const raw = run(Frame.getColumn(ts, "s")).values as BigInt64Array
    expect(raw[1]).toBe(BigInt(Date.parse("2024-03-10T12:30:00.123Z")) * 1000n + 456n)
    expect(values(f, col("s").tryCast(DT.Boolean))).toEqual([null, null, true, null])
    expect(values(f, col("s").tryCast(DT.Decimal(10, 2)))).toEqual([null, null, null, "12.35"])
  })
  it("Date ↔ Timestamp, unit changes, physical integers", () => {
    const f = frame({ d: ["1970-01-02", "1969-12-31"], t: [1_999n, -1n] }, { d: DT.Date, t: DT.Timestamp("ms") })
    expect(values(f, col("d").cast(DT.Timestamp("s")).cast(DT.Int64))).toEqual([86400n, -86400n])
    expect(values(f, col("d").cast(DT.Int32))).toEqual([1, -1])
    expect(values(f, col("t").cast(DT.Timestamp("s")).cast(DT.Int64))).toEqual([1n, -1n])
    expect(values(f, col("t").cast(DT.Timestamp("ns")).cast(DT.Int64))).toEqual([1_999_000_000n, -1_000_000n])
    expect(values(f, col("t").cast(DT.Date).cast(DT.Int32))).toEqual([0, -1])
  })
  it("Categorical ↔ Utf8 and Decimal ↔ numbers", () => {
    const f = frame({ s: ["b", "a", "b", null], x: [1.5, -2.25, 0, null] })
    const cat = ev(f, col("s").cast(DT.Categorical))
    expect(cat).toEqual({ dtype: "cat", values: ["b", "a", "b", null] })
    expect(values(f, col("s").cast(DT.Categorical).cast(DT.Utf8))).toEqual(["b", "a", "b", null])
    expect(values(f, col("x").cast(DT.Decimal(6, 2)))).toEqual(["1.50", "-2.25", "0.00", null])
    expect(values(f, col("x").cast(DT.Decimal(6, 2)).cast(DT.Float64))).toEqual([1.5, -2.25, 0, null])
    expect(values(f, col("x").cast(DT.Decimal(6, 2)).cast(DT.Int32))).toEqual([1, -2, 0, null])
    expect(values(f, col("x").tryCast(DT.Decimal(2, 1)))).toEqual(["1.5", "-2.3", "0.0", null])
    expect(values(f, col("x").tryCast(DT.Decimal(1, 1)))).toEqual([null, null, "0.0", null])
  })
  it("an undefined cast is a TypeMismatch at resolution", () => {
    const f = frame({ b: [true] })
    const e = fail(Engine.select(f, [col("b").cast(DT.Date)]))
    expect(e).toMatchObject({ _tag: "TypeMismatch", expected: "a dtype castable to date", actual: "bool" })
  })
})

// ---------------------------------------------------------------------------------------------------------------
// when, isIn, between, len
// ---------------------------------------------------------------------------------------------------------------

describe("when / isIn / between / len", () => {
  const f = frame({ a: [1, 5, null, 10], s: ["x", "y", null, "z"] }, { a: DT.Int32 })
  it("when: first true branch wins, null condition counts as false, branches unify", () => {
    const e = when(col("a").gt(4)).then(lit(1)).when(col("a").gt(0)).then(col("a").mul(1.5)).otherwise(-1)
    expect(ev(f, e)).toEqual({ dtype: "f64", values: [1.5, 1, -1, 1] })
    expect(values(f, when(col("a").gt(4)).then(col("s")).otherwise(null))).toEqual([null, "y", null, "z"])
  })
  it("when with incompatible branches is a TypeMismatch", () => {
    const e = fail(Engine.select(f, [when(col("a").gt(1)).then(col("s")).otherwise(col("a"))]))
    expect(e._tag).toBe("TypeMismatch")
  })
  it("isIn", () => {
    expect(values(f, col("a").isIn([1, 10, 99]))).toEqual([true, false, null, true])
    expect(values(f, col("s").isIn(["y", "q"]))).toEqual([false, true, null, false])
    expect(values(f, col("s").cast(DT.Categorical).isIn(["y", "z"]))).toEqual([false, true, null, true])
    expect(fail(Engine.select(f, [col("s").isIn([1])]))._tag).toBe("TypeMismatch")
  })
  it("between with closed options", () => {
    expect(values(f, col("a").between(1, 10))).toEqual([true, true, null, true])
    expect(values(f, col("a").between(1, 10, "left"))).toEqual([true, true, null, false])
    expect(values(f, col("a").between(1, 10, "right"))).toEqual([false, true, null, true])
    expect(values(f, col("a").between(1, 10, "none"))).toEqual([false, true, null, false])
  })
  it("len() is the height; literals broadcast against columns", () => {
    expect(ev(f, len())).toEqual({ dtype: "u32", values: [4] })
    const out = run(Engine.select(f, [col("a"), lit("k").alias("k"), len()]))
    expect(Frame.toColumns(out)).toEqual({ a: [1, 5, null, 10], k: ["k", "k", "k", "k"], len: [4, 4, 4, 4] })
  })
})

// ---------------------------------------------------------------------------------------------------------------
// resolution errors
// ---------------------------------------------------------------------------------------------------------------

describe("resolution", () => {
  const f = frame({ a: [1], s: ["x"] }, { a: DT.Int32 })
  it("a missing column is ColumnNotFound with the available names and the expression", () => {
    const e = fail(Engine.select(f, [col("a").add(col("b"))]))
    expect(e).toMatchObject({ _tag: "ColumnNotFound", column: "b", available: ["a", "s"], expr: '(col("a") + col("b"))' })
  })
  it("every problem is reported at once", () => {
    const e = fail(Engine.select(f, [col("nope"), col("s").mul(2), col("a").and(true), col("zz").add(col("s"))]))
    expect(e._tag).toBe("ResolveErrors")
    if (e._tag !== "ResolveErrors") return
    expect(e.problems.map((p) => p._tag)).toEqual(["ColumnNotFound", "TypeMismatch", "TypeMismatch", "ColumnNotFound"])
    expect(e.problems[1]).toMatchObject({ expr: '(col("s") * 2)', expected: "numeric operands", actual: "str, i32" })
    expect(e.problems[2]).toMatchObject({ expr: '(col("a") & true)', expected: "bool operands", actual: "i32, bool" })
  })
  it("resolution fails before any evaluation (a failing cast elsewhere is not reached)", () => {
    const g = frame({ s: ["x"] })
    const e = fail(Engine.select(g, [col("s").cast(DT.Int32), col("missing")]))
    expect(e._tag).toBe("ColumnNotFound")
  })
  it("filter needs a Boolean predicate", () => {
    expect(fail(Engine.filter(f, col("a").add(1)))).toMatchObject({ _tag: "TypeMismatch", expected: "a bool predicate", actual: "i32" })
  })
  it("an unknown function is a TypeMismatch", () => {
    const e = fail(Engine.select(f, [col("a").fn("noSuchFunction")]))
    expect(e._tag).toBe("TypeMismatch")
  })
  it("duplicate output names", () => {
    expect(fail(Engine.select(f, ["a", col("a")]))._tag).toBe("DuplicateColumn")
    expect(fail(Engine.withColumns(f, [col("a").add(1), col("a").add(2)]))._tag).toBe("DuplicateColumn")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// verbs and contexts
// ---------------------------------------------------------------------------------------------------------------

describe("select / withColumns / filter / evaluateColumns", () => {
  const f = frame({ a: [3, 1, 2], b: ["x", "y", "z"] }, { a: DT.Int32 })
  it("withColumns replaces in place and appends, all from the input frame", () => {
    const out = run(Engine.withColumns(f, [col("a").mul(10), col("a").add(1).alias("c")]))
    expect(out.columns).toEqual(["a", "b", "c"])
    expect(Frame.toColumns(out)).toEqual({ a: [30, 10, 20], b: ["x", "y", "z"], c: [4, 2, 3] })
  })
  it("select of aggregations only gives one row; mixed with columns it broadcasts", () => {
    expect(Frame.toColumns(run(Engine.select(f, [col("a").sum(), col("a").max().alias("m")])))).toEqual({ a: [6n], m: [3] })
    expect(Frame.toColumns(run(Engine.select(f, [col("a").sub(col("a").min()).alias("d"), "b"])))).toEqual({
      d: [2, 0, 1],
      b: ["x", "y", "z"]
    })
  })
  it("filter keeps rows where the predicate is true (null = false)", () => {
    const g = frame({ a: [1, null, 3, 4] })
    expect(Frame.toColumns(run(Engine.filter(g, col("a").gt(1))))).toEqual({ a: [3, 4] })
    expect(run(Engine.filter(g, lit(true))).height).toBe(4)
    expect(run(Engine.filter(g, lit(false))).height).toBe(0)
    expect(run(Engine.filter(g, lit(null))).height).toBe(0)
  })
  it("works on multi-batch frames (from Arrow)", () => {
    const t = new A.Table([
      ...A.tableFromArrays({ a: Int32Array.from([1, 2, 3]) }).batches,
      ...A.tableFromArrays({ a: Int32Array.from([4, 5]) }).batches
    ])
    const g = run(Frame.fromArrow(t)) as FrameT
    expect(g.batches.length).toBe(2)
    expect(Frame.toColumns(run(Engine.filter(g, col("a").mod(2).eq(1))))).toEqual({ a: [1, 3, 5] })
    expect(Frame.toColumns(run(Engine.withColumns(g, [col("a").mul(col("a")).alias("sq")])))).toEqual({ a: [1, 2, 3, 4, 5], sq: [1, 4, 9, 16, 25] })
  })
  it("evaluateColumns: names and broadcast", () => {
    const r = run(Engine.evaluateColumns(f, ["b", col("a").neg(), lit(1)]))
    expect(r.map((x) => x.name)).toEqual(["b", "a", "literal"])
    expect(r.map((x) => x.column.length)).toEqual([3, 3, 3])
  })
})

describe("aggregation and window contexts", () => {
  const f = frame({ g: ["x", "y", "x", "y", "x"], a: [1, 2, 3, null, 5], b: [2, 2, 2, 2, 2] }, { a: DT.Int32, b: DT.Int32 })
  it("aggregate: expressions over aggregations, len(), literals", () => {
    const keys = run(Engine.evaluateColumns(f, ["g"]))
    const groups = groupIds([keys[0]!.column], f.height)
    const out = run(Engine.aggregate(f, groups, [col("a").sum().div(col("b").sum()).alias("r"), len(), col("a").count().add(100).alias("c"), lit(7)]))
    expect(out.map((o) => o.name)).toEqual(["r", "len", "c", "literal"])
    expect(C.toArray(out[0]!.column)).toEqual([9 / 6, 2 / 4])
    expect(C.toArray(out[1]!.column).map(Number)).toEqual([3, 2])
    expect(C.toArray(out[2]!.column).map(Number)).toEqual([103, 101])
    expect(C.toArray(out[3]!.column)).toEqual([7, 7])
  })
  it("aggregate: a bare column is a TypeMismatch (expected an aggregation)", () => {
    const groups = groupIds([run(Engine.evaluateColumns(f, ["g"]))[0]!.column], f.height)
    const e = fail(Engine.aggregate(f, groups, [col("a").add(1)]))
    expect(e._tag).toBe("TypeMismatch")
    expect(e._tag === "TypeMismatch" && e.expected).toContain("an aggregation")
  })
  it("over: aggregations broadcast back to the rows of their partition", () => {
    expect(values(f, col("a").sum().over("g")).map(Number)).toEqual([9, 2, 9, 2, 9])
    expect(values(f, col("a").sub(col("a").mean().over("g")))).toEqual([-2, 0, 0, null, 2])
    expect(values(f, len().over("g")).map(Number)).toEqual([3, 2, 3, 2, 3])
  })
  it("over: fillNull strategies restart per partition", () => {
    const g = frame({ k: ["x", "y", "x", "y", "x", "y"], a: [null, 1, 2, null, null, 5] }, { a: DT.Int32 })
    expect(values(g, col("a").fillNull({ strategy: "forward" }).over("k"))).toEqual([null, 1, 2, 1, 2, 5])
    expect(values(g, col("a").fillNull({ strategy: "backward" }).over("k"))).toEqual([2, 1, 2, 5, null, 5])
    expect(values(g, col("a").fillNull({ strategy: "max" }).over("k"))).toEqual([2, 1, 2, 5, 2, 5])
  })
  it("over: functions along the column receive the partition (a function registered here numbers rows per group)", () => {
    register("test.indexInGroup", {
      resolve: (input) => (DT.isNumeric(input) ? DT.Int32 : { expected: "numeric" }),
      evaluate: (input, _args, _options, groups) => {
        const out = new Int32Array(input.length)
        const seen = new Int32Array(groups?.count ?? 1)
        for (let i = 0; i < input.length; i++) out[i] = seen[groups?.ids[i] ?? 0]!++
        return C.make(DT.Int32, input.length, out, null)
      }
    })
    register("test.failAt2", {
      resolve: () => DT.Int32,
      evaluate: () => ({ error: "bad value", row: 2 })
    })
    expect(values(f, col("a").fn("test.indexInGroup"))).toEqual([0, 1, 2, 3, 4])
    expect(values(f, col("a").fn("test.indexInGroup").over("g"))).toEqual([0, 0, 1, 1, 2])
    expect(fail(Engine.select(f, [col("g").fn("test.indexInGroup")]))).toMatchObject({ _tag: "TypeMismatch", expected: "numeric", actual: "str" })
    expect(fail(Engine.select(f, [col("a").fn("test.failAt2")]))).toMatchObject({ _tag: "ComputeError", row: 2 })
  })
  it("over with several keys and expression keys", () => {
    const g = frame({ k: ["x", "x", "x", "y"], j: [1, 2, 1, 1], a: [1, 2, 3, 4] }, { j: DT.Int32, a: DT.Int32 })
    expect(values(g, col("a").sum().over("k", "j")).map(Number)).toEqual([4, 2, 4, 4])
    expect(values(g, col("a").max().over(col("j").mod(2))).map(Number)).toEqual([4, 2, 4, 4])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// properties
// ---------------------------------------------------------------------------------------------------------------

const intOrNull = fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null })

describe("properties", () => {
  it("filter(p) and filter(p.not()) partition the rows where p is non-null", () => {
    fc.assert(
      fc.property(fc.array(intOrNull, { maxLength: 60 }), fc.integer({ min: -1000, max: 1000 }), (xs, t) => {
        const f = frame({ a: xs }, { a: DT.Int32 })
        const p = col("a").gt(t)
        const yes = Frame.toColumns(run(Engine.filter(f, p))).a as Array<number>
        const no = Frame.toColumns(run(Engine.filter(f, p.not()))).a as Array<number>
        const nonNull = xs.filter((x) => x !== null)
        expect(yes.length + no.length).toBe(nonNull.length)
        expect(yes).toEqual(nonNull.filter((x) => x > t))
        expect(no).toEqual(nonNull.filter((x) => x <= t))
      }),
      { numRuns: 200, seed: 7 }
    )
  })
  it("(a + b) - b == a for integers, even with wrap-around", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -128, max: 127 }), fc.integer({ min: -128, max: 127 })), { maxLength: 50 }),
        (rows) => {
          const f = frame({ a: rows.map((r) => r[0]), b: rows.map((r) => r[1]) }, { a: DT.Int8, b: DT.Int8 })
          const out = run(Engine.withColumns(f, [col("a").add(col("b")).sub(col("b")).alias("c")]))
          expect(Frame.toColumns(out).c).toEqual(rows.map((r) => r[0]))
        }
      ),
      { numRuns: 200, seed: 11 }
    )
  })
  it("cast to Utf8 and back round-trips integers", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }), { maxLength: 40 }), (xs) => {
        const f = frame({ a: xs }, { a: DT.Int64 })
        expect(values(f, col("a").cast(DT.Utf8).cast(DT.Int64))).toEqual(xs)
      }),
      { numRuns: 100, seed: 3 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// differential: DuckDB
// ---------------------------------------------------------------------------------------------------------------

/** A small seeded PRNG (mulberry32), so a mismatch is reproducible from its seed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const sqlLit = (v: unknown): string =>
  v === null ? "NULL" : typeof v === "string" ? `'${v.replace(/'/g, "''")}'` : Number.isNaN(v) ? "'NaN'::DOUBLE" : String(v)

describe("differential vs DuckDB", () => {
  for (const seed of [20240601, 7, 99])
  it.effect(`arithmetic, comparisons, logic and casts on random rows with nulls (seed ${seed})`, () =>
    Effect.gen(function* () {
      const rand = rng(seed)
      const N = 400
      const pick = <X>(xs: ReadonlyArray<X>): X => xs[Math.floor(rand() * xs.length)]!
      const maybe = <X>(x: X): X | null => (rand() < 0.15 ? null : x)
      const cols = {
        a: Array.from({ length: N }, () => maybe(Math.floor(rand() * 2001) - 1000)),
        b: Array.from({ length: N }, () => maybe(Math.floor(rand() * 21) - 10)),
        x: Array.from({ length: N }, () => maybe(rand() < 0.05 ? Number.NaN : Math.round((rand() * 200 - 100) * 1000) / 1000)),
        y: Array.from({ length: N }, () => maybe(Math.round((rand() * 200 - 100) * 1000) / 1000)),
        s: Array.from({ length: N }, () => maybe(pick(["a", "B", "ab", "é", "", "12", "-7", "x y", "3.5"]))),
        t: Array.from({ length: N }, () => maybe(pick(["a", "b", "ab", "é", "12", "Z"]))),
        p: Array.from({ length: N }, () => maybe(rand() < 0.5)),
        q: Array.from({ length: N }, () => maybe(rand() < 0.5)),
        c: Array.from({ length: N }, () => maybe(BigInt(Math.floor(rand() * 2 ** 31) - 2 ** 30)))
      }
      const f = frame(cols, { a: DT.Int32, b: DT.Int32, c: DT.Int64 })
      const ours = run(
        Engine.select(f, [
          col("a").add(col("b")).alias("add"),
          col("a").sub(col("b")).alias("sub"),
          col("a").mul(col("b")).alias("mul"),
          col("a").floorDiv(col("b")).alias("fdiv"),
          col("a").mod(col("b")).alias("mod"),
          col("a").div(col("b")).alias("div"),
          col("a").add(col("x")).alias("addf"),
          col("x").mul(col("y")).alias("mulf"),
          col("a").lt(col("b")).alias("lt"),
          col("x").ltEq(col("y")).alias("lte"),
          col("x").eq(col("x")).alias("eqnan"),
          col("x").gt(col("a")).alias("gtmix"),
          col("s").lt(col("t")).alias("slt"),
          col("s").eq(col("t")).alias("seq"),
          col("p").and(col("q")).alias("and"),
          col("p").or(col("q")).alias("or"),
          col("p").not().alias("not"),
          col("s").tryCast(DT.Int32).alias("s2i"),
          col("a").cast(DT.Utf8).alias("a2s"),
          col("y").tryCast(DT.Int16).alias("y2i"),
          col("a").isNull().alias("isnull"),
          when(col("p")).then(col("a")).otherwise(col("b")).alias("when"),
          col("a").fillNull(col("b")).alias("coalesce"),
          col("a").between(col("b"), 500).alias("between"),
          col("c").mul(col("b")).alias("mul64"),
          col("c").sub(col("a")).floorDiv(7).alias("fdiv64"),
          col("c").gt(col("x")).alias("gt64"),
          col("s").cast(DT.Categorical).lt(col("t")).alias("catlt"),
          col("s").cast(DT.Categorical).eq("ab").alias("cateq"),
          col("a").isIn([1, 2, 3, -5, 17, 100]).alias("isin"),
          col("c").cast(DT.Utf8).alias("c2s"),
          col("x").fillNull(col("y")).fillNan(0).alias("fills")
        ])
      )
      const instance = yield* Effect.promise(() => DuckDBInstance.create(":memory:"))
      const conn = yield* Effect.promise(() => instance.connect())
      const rows = Array.from({ length: N }, (_, i) =>
        `(${i}, ${sqlLit(cols.a[i])}, ${sqlLit(cols.b[i])}, ${sqlLit(cols.x[i])}, ${sqlLit(cols.y[i])}, ${sqlLit(cols.s[i])}, ${sqlLit(cols.t[i])}, ${sqlLit(cols.p[i])}, ${sqlLit(cols.q[i])}, ${sqlLit(cols.c[i])})`
      )
      yield* Effect.promise(() =>
        conn.run(
          `CREATE TABLE r AS SELECT * FROM (VALUES ${rows.join(",")}) v(i, a, b, x, y, s, t, p, q, c);` +
            "ALTER TABLE r ALTER a TYPE INTEGER; ALTER TABLE r ALTER b TYPE INTEGER; ALTER TABLE r ALTER x TYPE DOUBLE; ALTER TABLE r ALTER y TYPE DOUBLE; ALTER TABLE r ALTER s TYPE VARCHAR; ALTER TABLE r ALTER t TYPE VARCHAR; ALTER TABLE r ALTER p TYPE BOOLEAN; ALTER TABLE r ALTER q TYPE BOOLEAN; ALTER TABLE r ALTER c TYPE BIGINT;"
        )
      )
      const reader = yield* Effect.promise(() =>
        conn.runAndReadAll(`SELECT
          a + b AS "add", a - b AS sub, a * b AS mul,
          CASE WHEN b = 0 THEN NULL ELSE floor(a::DOUBLE / b)::INTEGER END AS fdiv,
          CASE WHEN b = 0 THEN NULL WHEN a % b <> 0 AND (a % b < 0) <> (b < 0) THEN a % b + b ELSE a % b END AS "mod",
          CASE WHEN b = 0 THEN NULL ELSE a::DOUBLE / b END AS div,
          a + x AS addf, x * y AS mulf,
          a < b AS lt, x <= y AS lte, x = x AS eqnan, x > a AS gtmix,
          s < t AS slt, s = t AS seq,
          p AND q AS "and", p OR q AS "or", NOT p AS "not",
          CASE WHEN regexp_matches(trim(s), '^[+-]?[0-9]+$') THEN TRY_CAST(trim(s) AS INTEGER) END AS s2i, a::VARCHAR AS a2s,
          TRY_CAST(trunc(y) AS SMALLINT) AS y2i, a IS NULL AS isnull,
          CASE WHEN p THEN a ELSE b END AS "when", coalesce(a, b) AS coalesce,
          a >= b AND a <= 500 AS "between",
          c * b AS mul64, floor((c - a) / 7)::BIGINT AS fdiv64, c > x AS gt64,
          s < t AS catlt, s = 'ab' AS cateq, a IN (1, 2, 3, -5, 17, 100) AS isin, c::VARCHAR AS c2s,
          CASE WHEN isnan(coalesce(x, y)) THEN 0 ELSE coalesce(x, y) END AS fills
        FROM r ORDER BY i`)
      )
      const expected = reader.getRowObjects()
      const got = Frame.toColumns(ours) as Record<string, Array<unknown>>
      const mismatches: Array<string> = []
      for (const name of Object.keys(got)) {
        for (let i = 0; i < N; i++) {
          let o = got[name]![i]
          let d: unknown = expected[i]![name]
          if (name === "div" && cols.b[i] === 0) continue // IEEE ±inf/NaN here; DuckDB gives NULL
          if (typeof d === "bigint") d = Number(d)
          if (typeof o === "bigint") o = Number(o)
          const same =
            o === d ||
            (typeof o === "number" && typeof d === "number" && (Number.isNaN(o) ? Number.isNaN(d) : Math.abs(o - d) <= 1e-9 * Math.max(1, Math.abs(d))))
          if (!same) mismatches.push(`${name}[${i}]: ours ${String(o)} duckdb ${String(d)} (seed ${seed})`)
        }
      }
      conn.closeSync()
      expect(mismatches.slice(0, 10)).toEqual([])
    })
  )
})
