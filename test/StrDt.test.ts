/**
 * String and datetime expression functions (`str.*`, `dt.*`), called through the function registry on columns
 * built with `fromValues`. Oracles: hand-computed cases, JavaScript's own string functions on code points (an
 * independent implementation of the byte kernels), and DuckDB (calendar fields, truncation, time zones, strptime)
 * on seeded random timestamps.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { col as column } from "../src/Expr/Expr.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import { fromValues } from "../src/internal/build.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import "../src/internal/expr/fn/str.ts"
import "../src/internal/expr/fn/dt.ts"
import { type EvalFailure, isExpected, isFailure, type Options, registry } from "../src/internal/expr/registry.ts"
import * as T from "../src/internal/kernels/temporal.ts"

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const col = (xs: ReadonlyArray<unknown>, dtype?: DataType): Column => {
  const r = fromValues(xs, dtype)
  if (r._tag === "Err") throw new Error(`fromValues: row ${r.row}: expected ${r.expected}, found ${r.found}`)
  return r.column
}

/** Resolves then evaluates a registered function; returns the output dtype and column (or the failure). */
const call = (name: string, input: Column, options: Options = {}): { dtype: DataType; column: Column } => {
  const f = registry.get(name)
  if (f === undefined) throw new Error(`not registered: ${name}`)
  const dtype = f.resolve(input.dtype, [], options)
  if (isExpected(dtype)) throw new Error(`${name}: expected ${dtype.expected}`)
  const r = f.evaluate(input, [], options)
  if (isFailure(r)) throw new Error(`${name}: ${r.error} (row ${r.row})`)
  assert.isTrue(DT.equals(r.dtype, dtype), `${name}: column dtype ${DT.format(r.dtype)} vs resolved ${DT.format(dtype)}`)
  assert.strictEqual(r.length, input.length)
  return { dtype, column: r }
}

const values = (name: string, input: Column, options: Options = {}): Array<unknown> => C.toArray(call(name, input, options).column)

const evalRaw = (name: string, input: Column, options: Options): Column | EvalFailure => registry.get(name)!.evaluate(input, [], options)

const resolveRaw = (name: string, input: DataType, options: Options) => registry.get(name)!.resolve(input, [], options)

/** Timestamp values as bigints (nulls → null). */
const bigs = (c: Column): Array<bigint | null> => {
  const out: Array<bigint | null> = []
  for (let i = 0; i < c.length; i++) out.push(C.isValid(c, i) ? (c.values as BigInt64Array)[i]! : null)
  return out
}

const categorical = (xs: ReadonlyArray<string | null>): Column => col(xs, DT.Categorical)

const utc = (s: string): number => Date.parse(s.endsWith("Z") ? s : `${s}Z`)

/** mulberry32: a small seeded PRNG so that every DuckDB differential run is reproducible from its seed. */
const prng = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = Number(process.env.POLAROID_SEED ?? 20_240_611)

// Arbitrary strings mixing ASCII, accents, CJK and astral characters (emoji), and separators.
const pieces = ["a", "b", "c", "A", "Z", "é", "ß", "日", "本", "😀", "𝔸", ",", " ", "-", "ab", "é,", "İ", "ﬁ"]
const arbString = fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((xs) => xs.join(""))
const arbStrings = fc.array(fc.option(arbString, { nil: null }), { maxLength: 30 })

// ---------------------------------------------------------------------------------------------------------------
// str
// ---------------------------------------------------------------------------------------------------------------

describe("str (hand-computed)", () => {
  const s = col(["héllo", "日本", "😀a", "", null, "abc"])

  it("len counts code points, lenBytes UTF-8 bytes, nulls stay null", () => {
    assert.deepStrictEqual(values("str.len", s), [5, 2, 2, 0, null, 3])
    assert.deepStrictEqual(values("str.lenBytes", s), [6, 6, 5, 0, null, 3])
    assert.strictEqual(call("str.len", s).dtype._tag, "UInt32")
  })

  it("contains: literal and regex, inline (?i) flag", () => {
    assert.deepStrictEqual(values("str.contains", s, { pattern: "é", literal: true }), [true, false, false, false, null, false])
    assert.deepStrictEqual(values("str.contains", s, { pattern: "^.a$", literal: false }), [false, false, true, false, null, false])
    assert.deepStrictEqual(values("str.contains", s, { pattern: "(?i)ABC|本", literal: false }), [false, true, false, false, null, true])
    assert.deepStrictEqual(values("str.contains", col(["a.c", "abc"]), { pattern: "a.c", literal: true }), [true, false])
    assert.deepStrictEqual(values("str.contains", col(["a.c", "abc"]), { pattern: "a.c", literal: false }), [true, true])
  })

  it("an invalid regex is reported at resolve time", () => {
    const r = resolveRaw("str.contains", DT.Utf8, { pattern: "a(", literal: false })
    assert.isTrue(isExpected(r))
    assert.isTrue(isExpected(resolveRaw("str.len", DT.Int32, {})))
  })

  it("startsWith / endsWith on bytes", () => {
    assert.deepStrictEqual(values("str.startsWith", s, { prefix: "hé" }), [true, false, false, false, null, false])
    assert.deepStrictEqual(values("str.endsWith", s, { suffix: "本" }), [false, true, false, false, null, false])
    assert.deepStrictEqual(values("str.endsWith", s, { suffix: "" }), [true, true, true, true, null, true])
  })

  it("case mapping is Unicode-aware (ß → SS)", () => {
    assert.deepStrictEqual(values("str.toUppercase", col(["Straße", "abc", null, "éa"])), ["STRASSE", "ABC", null, "ÉA"])
    assert.deepStrictEqual(values("str.toLowercase", col(["ÀBC", "XyZ", null])), ["àbc", "xyz", null])
  })

  it("replace: first / all, literal, regex groups as Rust's regex", () => {
    const x = col(["a-b-c", "no", null, "é-é"])
    assert.deepStrictEqual(values("str.replace", x, { pattern: "-", value: "+", literal: true, all: false }), ["a+b-c", "no", null, "é+é"])
    assert.deepStrictEqual(values("str.replace", x, { pattern: "-", value: "+", literal: true, all: true }), ["a+b+c", "no", null, "é+é"])
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Rust-style group reference, not a template
    assert.deepStrictEqual(values("str.replace", x, { pattern: "(\\w)-(\\w)", value: "$2${1}$$", literal: false, all: true }), [
      "ba$-c",
      "no",
      null,
      "éé$"
    ])
    assert.deepStrictEqual(values("str.replace", x, { pattern: "(?<l>\\w)-", value: "[$l]", literal: false, all: true }), [
      "[a][b]c",
      "no",
      null,
      "[é]é"
    ])
    // Missing groups give "", `${1}0` is group 1 then "0", `$0` is the whole match.
    const y = col(["xay"])
    const rx = (value: string) => values("str.replace", y, { pattern: "(a)", value, literal: false, all: false })
    assert.deepStrictEqual(rx("$10"), ["xy"])
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Rust-style group reference, not a template
    assert.deepStrictEqual(rx("${1}0"), ["xa0y"])
    assert.deepStrictEqual(rx("<$0>"), ["x<a>y"])
    assert.deepStrictEqual(rx("$nope!"), ["x!y"])
    assert.deepStrictEqual(rx("$"), ["x$y"])
    // With literal, "$1" is not a group reference.
    assert.deepStrictEqual(values("str.replace", col(["a.b"]), { pattern: ".", value: "$1", literal: true, all: false }), ["a$1b"])
    assert.deepStrictEqual(values("str.replace", col(["ab"]), { pattern: "", value: "-", literal: true, all: true }), ["-a-b-"])
  })

  it("slice follows Polars (negative offsets from the end, overshoot shortens)", () => {
    const x = col(["abc", "日本語", null, ""])
    assert.deepStrictEqual(values("str.slice", x, { offset: 1, length: null }), ["bc", "本語", null, ""])
    assert.deepStrictEqual(values("str.slice", x, { offset: -2, length: 1 }), ["b", "本", null, ""])
    assert.deepStrictEqual(values("str.slice", x, { offset: -5, length: 3 }), ["a", "日", null, ""])
    assert.deepStrictEqual(values("str.slice", x, { offset: 7, length: 2 }), ["", "", null, ""])
  })

  it("split gives List(Utf8)", () => {
    const r = call("str.split", col(["a,b,,c", null, "", "日,本"]), { by: "," })
    assert.strictEqual(DT.format(r.dtype), "list[str]")
    assert.deepStrictEqual(C.toArray(r.column), [["a", "b", "", "c"], null, [""], ["日", "本"]])
    assert.deepStrictEqual(values("str.split", col(["é😀"]), { by: "" }), [["é", "😀"]])
  })
})

describe("str (properties against JavaScript on code points)", () => {
  const ref = (xs: ReadonlyArray<string | null>, f: (s: string) => unknown) => xs.map((s) => (s === null ? null : f(s)))
  const enc = new TextEncoder()

  it("every function on Utf8 matches a code-point reference, and Categorical matches Utf8", () => {
    fc.assert(
      fc.property(arbStrings, arbString, fc.integer({ min: -6, max: 6 }), fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }), (xs, needle, offset, length) => {
        const u = col(xs, DT.Utf8)
        const k = categorical(xs)
        const cases: Array<[string, Options, Array<unknown>]> = [
          ["str.len", {}, ref(xs, (s) => [...s].length)],
          ["str.lenBytes", {}, ref(xs, (s) => enc.encode(s).length)],
          ["str.contains", { pattern: needle, literal: true }, ref(xs, (s) => s.includes(needle))],
          ["str.startsWith", { prefix: needle }, ref(xs, (s) => s.startsWith(needle))],
          ["str.endsWith", { suffix: needle }, ref(xs, (s) => s.endsWith(needle))],
          ["str.toUppercase", {}, ref(xs, (s) => s.toUpperCase())],
          ["str.toLowercase", {}, ref(xs, (s) => s.toLowerCase())],
          [
            "str.slice",
            { offset, length },
            ref(xs, (s) => {
              const cps = [...s]
              const start = Math.min(Math.max(offset >= 0 ? offset : cps.length + offset, 0), cps.length)
              const end = Math.min(length === null ? cps.length : (offset >= 0 ? offset : cps.length + offset) + length, cps.length)
              return end > start ? cps.slice(start, end).join("") : ""
            })
          ],
          ["str.replace", { pattern: needle, value: "<>", literal: true, all: true }, ref(xs, (s) => (needle === "" ? `<>${[...s].map((c) => `${c}<>`).join("")}` : s.split(needle).join("<>")))]
        ]
        if (needle !== "") cases.push(["str.split", { by: needle }, ref(xs, (s) => s.split(needle))])
        if (needle !== "") cases.push(["str.replace", { pattern: needle, value: "<>", literal: true, all: false }, ref(xs, (s) => s.replace(needle, () => "<>"))])
        for (const [name, options, expected] of cases) {
          assert.deepStrictEqual(values(name, u, options), expected, `${name} ${JSON.stringify(options)} on ${JSON.stringify(xs)}`)
          assert.deepStrictEqual(values(name, k, options), expected, `${name} (Categorical) ${JSON.stringify(options)}`)
        }
      }),
      { numRuns: 300, seed: SEED }
    )
  })

  it("regex contains / replace match JavaScript's RegExp on each row", () => {
    fc.assert(
      fc.property(arbStrings, fc.constantFrom("[aé]+", "^a", "b$", "(a|日)(b|本)?", "\\s", "."), (xs, pattern) => {
        const u = col(xs, DT.Utf8)
        const re = new RegExp(pattern, "u")
        assert.deepStrictEqual(values("str.contains", u, { pattern, literal: false }), ref(xs, (s) => re.test(s)))
        const reG = new RegExp(pattern, "gu")
        assert.deepStrictEqual(values("str.replace", u, { pattern, value: "<$0>", literal: false, all: true }), ref(xs, (s) => s.replace(reG, "<$&>")))
        assert.deepStrictEqual(values("str.replace", categorical(xs), { pattern, value: "_", literal: false, all: false }), ref(xs, (s) => s.replace(re, "_")))
      }),
      { numRuns: 200, seed: SEED }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// dt: hand-computed
// ---------------------------------------------------------------------------------------------------------------

const UNITS: ReadonlyArray<DT.TimeUnit> = ["s", "ms", "us", "ns"]
const PER_SECOND: Record<DT.TimeUnit, bigint> = { s: 1n, ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n }

/** An instant given in ms (+ extra ns) as a value of `unit` (floor). */
const inUnit = (ms: number, unit: DT.TimeUnit, extraNs = 0n): bigint => {
  const ns = BigInt(ms) * 1_000_000n + extraNs
  const per = 1_000_000_000n / PER_SECOND[unit]
  let q = ns / per
  if (ns % per < 0n) q -= 1n
  return q
}

describe("dt (hand-computed)", () => {
  it("fields of negative timestamps in every unit (1969-12-31 23:59:59.999, a Wednesday)", () => {
    for (const unit of UNITS) {
      const c = col([inUnit(-1, unit), inUnit(0, unit), null], DT.Timestamp(unit))
      const ms = unit === "s" ? 0 : 999
      assert.deepStrictEqual(values("dt.year", c), [1969, 1970, null], unit)
      assert.deepStrictEqual(values("dt.month", c), [12, 1, null], unit)
      assert.deepStrictEqual(values("dt.day", c), [31, 1, null], unit)
      assert.deepStrictEqual(values("dt.hour", c), [23, 0, null], unit)
      assert.deepStrictEqual(values("dt.minute", c), [59, 0, null], unit)
      assert.deepStrictEqual(values("dt.second", c), [59, 0, null], unit)
      assert.deepStrictEqual(values("dt.millisecond", c), [ms, 0, null], unit)
      assert.deepStrictEqual(values("dt.weekday", c), [3, 4, null], unit)
      assert.deepStrictEqual(values("dt.ordinalDay", c), [365, 1, null], unit)
      assert.deepStrictEqual(C.toArray(call("dt.date", c).column).map((d) => (d === null ? null : (d as Date).toISOString().slice(0, 10))), [
        "1969-12-31",
        "1970-01-01",
        null
      ])
    }
  })

  it("far dates and leap years", () => {
    const c = col([utc("1600-02-29T12:00:00"), utc("2400-12-31T23:00:00"), utc("1900-03-01T00:00:00"), utc("0001-01-01T00:00:00")].map(BigInt), DT.Timestamp("ms"))
    assert.deepStrictEqual(values("dt.year", c), [1600, 2400, 1900, 1])
    assert.deepStrictEqual(values("dt.ordinalDay", c), [60, 366, 60, 1])
    assert.deepStrictEqual(values("dt.weekday", c), [2, 7, 4, 1])
  })

  it("epoch in every unit uses floor division", () => {
    const c = col([-1n, 1_500_000_000n, null], DT.Timestamp("ns"))
    assert.deepStrictEqual(values("dt.epoch", c, { unit: "ns" }), [-1n, 1_500_000_000n, null])
    assert.deepStrictEqual(values("dt.epoch", c, { unit: "us" }), [-1n, 1_500_000n, null])
    assert.deepStrictEqual(values("dt.epoch", c, { unit: "ms" }), [-1n, 1500n, null])
    assert.deepStrictEqual(values("dt.epoch", c, { unit: "s" }), [-1n, 1n, null])
    assert.deepStrictEqual(values("dt.epoch", c, { unit: "d" }), [-1n, 0n, null])
    const s = col([-1n, 2n], DT.Timestamp("s"))
    assert.deepStrictEqual(values("dt.epoch", s, { unit: "ms" }), [-1000n, 2000n])
    const d = col([-1, 3], DT.Date)
    assert.deepStrictEqual(values("dt.epoch", d, { unit: "s" }), [-86_400n, 259_200n])
    assert.deepStrictEqual(values("dt.epoch", d, { unit: "d" }), [-1n, 3n])
  })

  it("truncate keeps sub-millisecond precision and handles negative values", () => {
    const c = col([-1n, 1_234_567_891n, 999n], DT.Timestamp("ns"))
    assert.deepStrictEqual(bigs(call("dt.truncate", c, { every: "1us" }).column), [-1000n, 1_234_567_000n, 0n])
    assert.deepStrictEqual(bigs(call("dt.truncate", c, { every: "1s" }).column), [-1_000_000_000n, 1_000_000_000n, 0n])
    assert.deepStrictEqual(bigs(call("dt.truncate", c, { every: "1ns" }).column), [-1n, 1_234_567_891n, 999n])
    assert.deepStrictEqual(bigs(call("dt.truncate", c, { every: "1500ms" }).column), [-1_500_000_000n, 0n, 0n])
    const s = col([-1n, 59n, 61n], DT.Timestamp("s"))
    assert.deepStrictEqual(bigs(call("dt.truncate", s, { every: "1m" }).column), [-60n, 0n, 60n])
  })

  it("truncate by calendar units (naive): weeks start Monday, quarters and years", () => {
    const c = col(["2024-05-15T13:45:10Z", "1969-12-31T23:00:00Z", "2024-01-01T00:00:00Z"].map((s) => new Date(s)), DT.Timestamp("us"))
    const iso = (every: string) => C.toArray(call("dt.truncate", c, { every }).column).map((d) => (d as Date).toISOString())
    assert.deepStrictEqual(iso("1w"), ["2024-05-13T00:00:00.000Z", "1969-12-29T00:00:00.000Z", "2024-01-01T00:00:00.000Z"])
    assert.deepStrictEqual(iso("1q"), ["2024-04-01T00:00:00.000Z", "1969-10-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z"])
    assert.deepStrictEqual(iso("1y"), ["2024-01-01T00:00:00.000Z", "1969-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z"])
    assert.deepStrictEqual(iso("2mo"), ["2024-05-01T00:00:00.000Z", "1969-11-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z"])
    assert.deepStrictEqual(iso("2h"), ["2024-05-15T12:00:00.000Z", "1969-12-31T22:00:00.000Z", "2024-01-01T00:00:00.000Z"])
    const d = col(["2024-05-15", "1970-01-01"], DT.Date)
    assert.deepStrictEqual(
      C.toArray(call("dt.truncate", d, { every: "1mo" }).column).map((x) => (x as Date).toISOString().slice(0, 10)),
      ["2024-05-01", "1970-01-01"]
    )
  })

  it("invalid durations fail at resolve time", () => {
    for (const every of ["", "1x", "1d12h", "0h", "-1h", "5i", "h"]) {
      assert.isTrue(isExpected(resolveRaw("dt.truncate", DT.Timestamp("us"), { every })), every)
    }
    assert.isTrue(isExpected(resolveRaw("dt.hour", DT.Date, {})))
    assert.isTrue(isExpected(resolveRaw("dt.year", DT.Utf8, {})))
    assert.isTrue(isExpected(resolveRaw("dt.convertTimeZone", DT.Timestamp("us"), { timeZone: "Mars/Olympus" })))
  })

  it("parseDuration reads Polars duration strings", () => {
    assert.deepStrictEqual(T.parseDuration("1h30m"), { months: 0, weeks: 0, days: 0, nanos: 5_400_000_000_000n, negative: false, index: false })
    assert.deepStrictEqual(T.parseDuration("1y2q3mo"), { months: 21, weeks: 0, days: 0, nanos: 0n, negative: false, index: false })
    assert.deepStrictEqual(T.parseDuration("-2w3d"), { months: 0, weeks: 2, days: 3, nanos: 0n, negative: true, index: false })
    assert.deepStrictEqual(T.parseDuration("10i"), { months: 0, weeks: 0, days: 0, nanos: 10n, negative: false, index: true })
    assert.deepStrictEqual(T.parseDuration("1ms500us7ns"), { months: 0, weeks: 0, days: 0, nanos: 1_500_007n, negative: false, index: false })
    assert.isTrue(T.isDurationError(T.parseDuration("1h10i")))
    assert.isTrue(T.isDurationError(T.parseDuration("1.5h")))
  })
})

describe("dt and time zones (America/New_York DST days, hand-computed)", () => {
  const NY = "America/New_York"
  // 2013-03-10: clocks jump 02:00 EST → 03:00 EDT at 07:00Z. 2013-11-03: 02:00 EDT → 01:00 EST at 06:00Z.
  const instants = [
    "2013-03-10T04:59:59Z", // 23:59:59 EST on Mar 9
    "2013-03-10T06:59:59Z", // 01:59:59 EST
    "2013-03-10T07:00:00Z", // 03:00:00 EDT
    "2013-03-10T15:30:00Z", // 11:30 EDT
    "2013-11-03T05:30:00Z", // 01:30 EDT (first)
    "2013-11-03T06:30:00Z", // 01:30 EST (second)
    "2013-11-03T12:00:00Z" // 07:00 EST
  ].map((s) => Date.parse(s))

  for (const unit of UNITS) {
    it(`hour / day / truncate in ${NY} (${unit})`, () => {
      const c = col(
        instants.map((ms) => inUnit(ms, unit)),
        DT.Timestamp(unit, NY)
      )
      assert.deepStrictEqual(values("dt.hour", c), [23, 1, 3, 11, 1, 1, 7])
      assert.deepStrictEqual(values("dt.day", c), [9, 10, 10, 10, 3, 3, 3])
      const trunc = (every: string) => bigs(call("dt.truncate", c, { every }).column)
      const expectDay = ["2013-03-09T05:00:00Z", "2013-03-10T05:00:00Z", "2013-03-10T05:00:00Z", "2013-03-10T05:00:00Z", "2013-11-03T04:00:00Z", "2013-11-03T04:00:00Z", "2013-11-03T04:00:00Z"]
      assert.deepStrictEqual(trunc("1d"), expectDay.map((s) => inUnit(Date.parse(s), unit)))
      const expectHour = ["2013-03-10T04:00:00Z", "2013-03-10T06:00:00Z", "2013-03-10T07:00:00Z", "2013-03-10T15:00:00Z", "2013-11-03T05:00:00Z", "2013-11-03T06:00:00Z", "2013-11-03T12:00:00Z"]
      assert.deepStrictEqual(trunc("1h"), expectHour.map((s) => inUnit(Date.parse(s), unit)))
      const expectMonth = ["2013-03-01T05:00:00Z", "2013-03-01T05:00:00Z", "2013-03-01T05:00:00Z", "2013-03-01T05:00:00Z", "2013-11-01T04:00:00Z", "2013-11-01T04:00:00Z", "2013-11-01T04:00:00Z"]
      assert.deepStrictEqual(trunc("1mo"), expectMonth.map((s) => inUnit(Date.parse(s), unit)))
      // dt.date is the local date.
      assert.deepStrictEqual(
        C.toArray(call("dt.date", c).column).map((d) => (d as Date).toISOString().slice(0, 10)),
        ["2013-03-09", "2013-03-10", "2013-03-10", "2013-03-10", "2013-11-03", "2013-11-03", "2013-11-03"]
      )
    })
  }

  it("convertTimeZone keeps the instant; replaceTimeZone keeps the wall time (gap → forward, ambiguous → earliest)", () => {
    const naive = col(["2013-03-10T02:30:00Z", "2013-11-03T01:30:00Z", "2013-07-01T12:00:00Z", null].map((s) => (s === null ? null : new Date(s))), DT.Timestamp("us"))
    const zoned = call("dt.replaceTimeZone", naive, { timeZone: NY })
    assert.strictEqual(DT.format(zoned.dtype), "datetime[us, America/New_York]")
    assert.deepStrictEqual(bigs(zoned.column), [
      inUnit(Date.parse("2013-03-10T07:30:00Z"), "us"), // 02:30 does not exist: 03:30 EDT
      inUnit(Date.parse("2013-11-03T05:30:00Z"), "us"), // 01:30 twice: the earlier (EDT)
      inUnit(Date.parse("2013-07-01T16:00:00Z"), "us"),
      null
    ])
    const conv = call("dt.convertTimeZone", zoned.column, { timeZone: "Asia/Kolkata" })
    assert.deepStrictEqual(bigs(conv.column), bigs(zoned.column))
    assert.deepStrictEqual(values("dt.hour", conv.column), [13, 11, 21, null])
    const back = call("dt.replaceTimeZone", zoned.column, { timeZone: null })
    assert.deepStrictEqual(bigs(back.column), [
      inUnit(Date.parse("2013-03-10T03:30:00Z"), "us"),
      inUnit(Date.parse("2013-11-03T01:30:00Z"), "us"),
      inUnit(Date.parse("2013-07-01T12:00:00Z"), "us"),
      null
    ])
    // Naive → convert: as if from UTC.
    assert.deepStrictEqual(bigs(call("dt.convertTimeZone", naive, { timeZone: NY }).column), bigs(naive))
  })

  it("offsets before standard time (local mean time, -4:56:02) come from Intl", () => {
    const c = col([new Date("1850-06-01T12:00:00Z")], DT.Timestamp("ms", NY))
    assert.deepStrictEqual(values("dt.hour", c), [7])
    assert.deepStrictEqual(values("dt.minute", c), [3])
    assert.deepStrictEqual(values("dt.second", c), [58])
  })
})

describe("offsetValues (calendar arithmetic reused by time-series windows)", () => {
  const ms = (iso: string) => BigInt(Date.parse(iso))
  const off = (isos: ReadonlyArray<string>, every: string, tz: string | null, k = 1) => {
    const d = T.parseDuration(every)
    if (T.isDurationError(d)) throw new Error(d.error)
    return Array.from(T.offsetValues(BigInt64Array.from(isos.map(ms)), "ms", tz, d, k), (v) => new Date(Number(v)).toISOString())
  }
  it("months clamp to the end of the month; days keep the wall clock across DST; fixed parts do not", () => {
    assert.deepStrictEqual(off(["2024-01-31T10:00:00Z", "2023-01-31T10:00:00Z", "2024-03-31T00:00:00Z"], "1mo", null), [
      "2024-02-29T10:00:00.000Z",
      "2023-02-28T10:00:00.000Z",
      "2024-04-30T00:00:00.000Z"
    ])
    assert.deepStrictEqual(off(["2024-03-31T00:00:00Z"], "-1mo", null), ["2024-02-29T00:00:00.000Z"])
    // 2013-03-09 12:00 EST + 1d = 2013-03-10 12:00 EDT (23 h later); + 24h = 13:00 EDT.
    assert.deepStrictEqual(off(["2013-03-09T17:00:00Z"], "1d", "America/New_York"), ["2013-03-10T16:00:00.000Z"])
    assert.deepStrictEqual(off(["2013-03-09T17:00:00Z"], "24h", "America/New_York"), ["2013-03-10T17:00:00.000Z"])
    assert.deepStrictEqual(off(["2013-03-09T17:00:00Z"], "1w1d", "America/New_York", 2), ["2013-03-25T16:00:00.000Z"])
    assert.deepStrictEqual(off(["2020-01-01T00:00:00Z"], "1y1h", null), ["2021-01-01T01:00:00.000Z"])
  })
})

describe("exact 64-bit reads and writes", () => {
  it("epochMs / writeMs / addMs agree with BigInt arithmetic", () => {
    const big = fc.bigInt({ min: -(1n << 62n), max: 1n << 62n })
    fc.assert(
      fc.property(fc.array(big, { minLength: 1, maxLength: 20 }), fc.constantFrom<DT.TimeUnit>("ms", "us", "ns", "s"), fc.integer({ min: -1e9, max: 1e9 }), (xs, unit, delta) => {
        const per = unit === "ns" ? 1_000_000n : unit === "us" ? 1000n : 1n
        // Exactness holds while |ms| < 2^53: scale the inputs of the coarse units down.
        const vs = BigInt64Array.from(unit === "ms" ? xs.map((x) => x >> 12n) : unit === "s" ? xs.map((x) => x >> 23n) : xs)
        const ms = T.epochMs(vs, unit)
        for (let i = 0; i < vs.length; i++) {
          const v = vs[i]!
          let q = unit === "s" ? v * 1000n : v / per
          if (unit !== "s" && v % per < 0n) q -= 1n
          assert.strictEqual(BigInt(ms[i]!), q, `epochMs ${v} ${unit}`)
        }
        if (unit !== "s") {
          const back = T.writeMs(ms, unit)
          for (let i = 0; i < vs.length; i++) assert.strictEqual(back[i], BigInt(ms[i]!) * per, `writeMs ${ms[i]} ${unit}`)
          const d = new Float64Array(vs.length).fill(delta)
          const added = T.addMs(vs, d, unit)
          for (let i = 0; i < vs.length; i++) assert.strictEqual(added[i], vs[i]! + BigInt(delta) * per)
        }
      }),
      { numRuns: 300, seed: SEED }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// strptime
// ---------------------------------------------------------------------------------------------------------------

describe("str.strptime (hand-computed)", () => {
  it("parses dates, times, fractions, names, 12-hour clocks and offsets", () => {
    const p = (xs: Array<string | null>, format: string, dtype: DataType = DT.Timestamp("ns")) => bigs(call("str.strptime", col(xs), { dtype, format, strict: true }).column)
    const ns = (iso: string, extra = 0n) => inUnit(Date.parse(iso), "ns", extra)
    assert.deepStrictEqual(p(["2020-01-02 03:04:05.123456789", null], "%Y-%m-%d %H:%M:%S%.f"), [ns("2020-01-02T03:04:05.123Z", 456_789n), null])
    assert.deepStrictEqual(p(["2020-01-02 03:04:05"], "%Y-%m-%d %H:%M:%S%.f"), [ns("2020-01-02T03:04:05Z")])
    assert.deepStrictEqual(p(["02/01/2020 3:04:05.5"], "%d/%m/%Y %H:%M:%S.%f"), [ns("2020-01-02T03:04:05.5Z")])
    assert.deepStrictEqual(p(["Jan 2, 2020 11:30 PM", "mARCH 9, 1999 12:01 am"], "%b %e, %Y %I:%M %p"), [ns("2020-01-02T23:30:00Z"), ns("1999-03-09T00:01:00Z")])
    assert.deepStrictEqual(p(["2020-01-02T03:04:05+05:30", "2020-01-02T03:04:05Z", "2020-01-02T03:04:05-0800"], "%Y-%m-%dT%H:%M:%S%z"), [
      ns("2020-01-01T21:34:05Z"),
      ns("2020-01-02T03:04:05Z"),
      ns("2020-01-02T11:04:05Z")
    ])
    assert.deepStrictEqual(p(["366 2020", "001 1969"], "%j %Y"), [ns("2020-12-31T00:00:00Z"), ns("1969-01-01T00:00:00Z")])
    assert.deepStrictEqual(p(["20200102", "19691231"], "%Y%m%d"), [ns("2020-01-02T00:00:00Z"), ns("1969-12-31T00:00:00Z")])
    assert.deepStrictEqual(p(["01/02/69", "01/02/70"], "%D"), [ns("2069-01-02T00:00:00Z"), ns("1970-01-02T00:00:00Z")])
    assert.deepStrictEqual(p(["2013-03-10 02:30 America/New_York"], "%Y-%m-%d %H:%M %Z"), [ns("2013-03-10T07:30:00Z")])
    // Time zone of the dtype: the wall time is local.
    assert.deepStrictEqual(p(["2013-11-03 01:30"], "%Y-%m-%d %H:%M", DT.Timestamp("ns", "America/New_York")), [ns("2013-11-03T05:30:00Z")])
    // Units truncate finer fractions.
    assert.deepStrictEqual(p(["1969-12-31 23:59:59.9999"], "%F %T%.f", DT.Timestamp("ms")), [BigInt(Date.parse("1969-12-31T23:59:59.999Z"))])
    assert.deepStrictEqual(p(["1969-12-31 23:59:59.9999"], "%F %T%.f", DT.Timestamp("s")), [-1n])
    // Dates.
    const d = call("str.strptime", col(["2024-02-29", "1900-03-01", null]), { dtype: DT.Date, format: "%Y-%m-%d", strict: true }).column
    assert.deepStrictEqual(C.toArray(d).map((x) => (x === null ? null : (x as Date).toISOString().slice(0, 10))), ["2024-02-29", "1900-03-01", null])
  })

  it("strict reports the first failing row; non-strict gives nulls", () => {
    const xs = col(["2020-01-01", "2020-02-30", "garbage", null, "2020-01-01 "])
    const r = evalRaw("str.strptime", xs, { dtype: DT.Date, format: "%Y-%m-%d", strict: true })
    assert.isTrue(isFailure(r))
    assert.strictEqual((r as EvalFailure).row, 1)
    assert.include((r as EvalFailure).error, "2020-02-30")
    assert.include((r as EvalFailure).error, "3 of 5")
    const lenient = call("str.strptime", xs, { dtype: DT.Date, format: "%Y-%m-%d", strict: false }).column
    assert.deepStrictEqual(C.toArray(lenient).map((x) => (x === null ? null : (x as Date).toISOString().slice(0, 10))), ["2020-01-01", null, null, null, null])
    // Categorical input: failure rows are mapped back through the codes.
    const k = categorical(["2020-01-01", "bad", "2020-01-01", "bad"])
    const rk = evalRaw("str.strptime", k, { dtype: DT.Date, format: "%Y-%m-%d", strict: true })
    assert.isTrue(isFailure(rk))
    assert.strictEqual((rk as EvalFailure).row, 1)
    assert.deepStrictEqual(
      C.toArray(call("str.strptime", k, { dtype: DT.Date, format: "%Y-%m-%d", strict: false }).column).map((x) => (x === null ? null : (x as Date).toISOString().slice(0, 10))),
      ["2020-01-01", null, "2020-01-01", null]
    )
  })

  it("bad formats and target dtypes fail at resolve time", () => {
    assert.isTrue(isExpected(resolveRaw("str.strptime", DT.Utf8, { dtype: DT.Timestamp("us"), format: "%Q", strict: true })))
    assert.isTrue(isExpected(resolveRaw("str.strptime", DT.Utf8, { dtype: DT.Timestamp("us"), format: "%H:%M", strict: true })))
    assert.isTrue(isExpected(resolveRaw("str.strptime", DT.Utf8, { dtype: DT.Int64, format: "%Y", strict: true })))
    assert.isTrue(isExpected(resolveRaw("str.strptime", DT.Utf8, { dtype: DT.Timestamp("us", "Nowhere/Zone"), format: "%Y", strict: true })))
  })
})

// ---------------------------------------------------------------------------------------------------------------
// DuckDB differential
// ---------------------------------------------------------------------------------------------------------------

describe("DuckDB differential", () => {
  let instance: DuckDBInstance
  let conn: DuckDBConnection
  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:")
    conn = await instance.connect()
    await conn.run("SET TimeZone='UTC'")
  })
  afterAll(() => {
    conn?.closeSync()
    instance?.closeSync()
  })

  const query = async (sql: string): Promise<Array<Array<unknown>>> => (await conn.runAndReadAll(sql)).getRows() as Array<Array<unknown>>
  const num = (v: unknown): number | null => (v === null ? null : Number(v as number | bigint))

  /** Random microsecond instants in [1900, 2100), seeded; a few on DST days. */
  const randomMicros = (seed: number, n: number): Array<bigint> => {
    const rnd = prng(seed)
    const lo = Date.UTC(1900, 0, 1)
    const hi = Date.UTC(2100, 0, 1)
    const out: Array<bigint> = []
    for (let i = 0; i < n; i++) {
      const ms = i % 10 === 0 ? Date.UTC(2013, 2, 10, 6) + Math.floor(rnd() * 3 * 3.6e6) : lo + Math.floor(rnd() * (hi - lo))
      out.push(BigInt(ms) * 1000n + BigInt(Math.floor(rnd() * 1000)))
    }
    return out
  }

  const table = (us: ReadonlyArray<bigint>) => `(VALUES ${us.map((v, i) => `(${i}, make_timestamp(${v}::BIGINT))`).join(", ")}) t(i, ts)`

  /** Our Timestamp column in `unit` for microsecond instants (floor). */
  const tsColumn = (us: ReadonlyArray<bigint>, unit: DT.TimeUnit, tz: string | null): Column =>
    col(
      us.map((v) => (unit === "us" ? v : unit === "ns" ? v * 1000n : unit === "ms" ? floorDiv(v, 1000n) : floorDiv(v, 1_000_000n))),
      DT.Timestamp(unit, tz)
    )
  const floorDiv = (a: bigint, b: bigint): bigint => (a % b < 0n ? a / b - 1n : a / b)
  const toMicros = (v: bigint | null, unit: DT.TimeUnit): bigint | null =>
    v === null ? null : unit === "us" ? v : unit === "ns" ? floorDiv(v, 1000n) : unit === "ms" ? v * 1000n : v * 1_000_000n

  for (const zoneName of [null, "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"] as const) {
    it(`fields and truncation vs DuckDB (${zoneName ?? "naive"}, seed ${SEED})`, async () => {
      const us = randomMicros(SEED + (zoneName?.length ?? 0), 400)
      const local = zoneName === null ? "ts" : `timezone('${zoneName}', ts::TIMESTAMPTZ)`
      const back = (e: string) => (zoneName === null ? `epoch_us(${e})` : `epoch_us(timezone('${zoneName}', ${e}))`)
      const rows = await query(
        `SELECT i, year(l), month(l), day(l), hour(l), minute(l), second(l), isodow(l), dayofyear(l),
           ${back("date_trunc('day', l)")}, ${back("date_trunc('week', l)")}, ${back("date_trunc('month', l)")},
           ${back("date_trunc('quarter', l)")}, ${back("date_trunc('year', l)")},
           epoch_us(date_trunc('hour', ts)), epoch_us(time_bucket(INTERVAL 15 MINUTE, ts, TIMESTAMP '1970-01-01')),
           datediff('day', DATE '1970-01-01', l::DATE)
         FROM (SELECT i, ts, ${local} AS l FROM ${table(us)}) ORDER BY i`
      )
      const fields = ["dt.year", "dt.month", "dt.day", "dt.hour", "dt.minute", "dt.second", "dt.weekday", "dt.ordinalDay"]
      const truncs = ["1d", "1w", "1mo", "1q", "1y", "1h", "15m"]
      for (const unit of UNITS) {
        const c = tsColumn(us, unit, zoneName)
        fields.forEach((f, k) => {
          const ours = values(f, c)
          for (let i = 0; i < us.length; i++)
            assert.strictEqual(ours[i], num(rows[i]![k + 1]), `${f} ${unit} ${zoneName} row ${i} (us=${us[i]}, seed ${SEED})`)
        })
        truncs.forEach((every, k) => {
          const ours = bigs(call("dt.truncate", c, { every }).column)
          for (let i = 0; i < us.length; i++)
            assert.strictEqual(toMicros(ours[i]!, unit), rows[i]![k + 9] as bigint, `truncate ${every} ${unit} ${zoneName} row ${i} (us=${us[i]}, seed ${SEED})`)
        })
        const days = values("dt.epoch", c, { unit: "d" })
        for (let i = 0; i < us.length; i++) assert.strictEqual(Number(days[i]), num(rows[i]![16]), `epoch d row ${i}`)
      }
    })
  }

  it(`replaceTimeZone vs DuckDB timezone() (seed ${SEED})`, async () => {
    const us = randomMicros(SEED + 7, 300)
    const rows = await query(`SELECT i, epoch_us(timezone('Europe/Berlin', ts)) FROM ${table(us)} ORDER BY i`)
    const ours = bigs(call("dt.replaceTimeZone", tsColumn(us, "us", null), { timeZone: "Europe/Berlin" }).column)
    const z = T.zone("Europe/Berlin")!
    for (let i = 0; i < us.length; i++) {
      const wall = Number(floorDiv(us[i]!, 1000n))
      // Skip wall times inside a gap or an overlap, where the two systems may disambiguate differently.
      const o1 = z.offsetMs(wall - T.MS_PER_DAY)
      const o2 = z.offsetMs(wall + T.MS_PER_DAY)
      if (o1 !== o2) continue
      assert.strictEqual(ours[i], rows[i]![1] as bigint, `row ${i} (us=${us[i]}, seed ${SEED})`)
    }
  })

  const strptimeFormats: ReadonlyArray<readonly [string, string]> = [
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    ["%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f"],
    ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M"],
    ["%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M:%S %p"],
    ["%B %d %Y", "%B %d %Y"],
    ["%Y%m%d%H%M%S", "%Y%m%d%H%M%S"],
    ["%A %d %B %Y %H", "%A %d %B %Y %H"],
    ["%m/%d/%y %H:%M", "%m/%d/%y %H:%M"]
  ]

  for (const [duckFormat, ourFormat] of strptimeFormats) {
    it(`strptime ${JSON.stringify(ourFormat)} vs DuckDB (seed ${SEED})`, async () => {
      const us = randomMicros(SEED + ourFormat.length, 300).filter((v) => {
        // Two-digit years: DuckDB reads 69 as 1969, chrono (Polars, us) as 2069; stay in 1970..2068.
        if (!ourFormat.includes("%y")) return true
        const y = new Date(Number(v / 1000n)).getUTCFullYear()
        return y >= 1970 && y <= 2068
      })
      const rows = await query(
        `SELECT i, s, epoch_us(strptime(s, '${duckFormat}')) FROM (SELECT i, strftime(ts, '${duckFormat}') AS s FROM ${table(us)}) ORDER BY i`
      )
      const strings = rows.map((r) => r[1] as string)
      for (const unit of ["us", "ns"] as const) {
        const parsed = bigs(call("str.strptime", col(strings), { dtype: DT.Timestamp(unit), format: ourFormat, strict: true }).column)
        for (let i = 0; i < strings.length; i++)
          assert.strictEqual(toMicros(parsed[i]!, unit), rows[i]![2] as bigint, `${JSON.stringify(strings[i])} with ${ourFormat} (${unit}, seed ${SEED})`)
      }
    })
  }

  it(`strptime with %z offsets and to Date vs DuckDB (seed ${SEED})`, async () => {
    const rnd = prng(SEED + 99)
    const us = randomMicros(SEED + 3, 200)
    const offsets = us.map(() => {
      const m = Math.floor(rnd() * 28 * 4 - 12 * 4) * 15
      const sign = m < 0 ? "-" : "+"
      const a = Math.abs(m)
      return `${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`
    })
    const rows = await query(
      `SELECT i, s, epoch_us(strptime(s, '%Y-%m-%d %H:%M:%S %z')), datediff('day', DATE '1970-01-01', strptime(d, '%Y-%m-%d')::DATE), d
       FROM (SELECT t.i, strftime(ts, '%Y-%m-%d %H:%M:%S ') || o.off AS s, strftime(ts, '%Y-%m-%d') AS d
             FROM ${table(us)} JOIN (VALUES ${offsets.map((o, i) => `(${i}, '${o}')`).join(", ")}) o(i, off) ON t.i = o.i) ORDER BY i`
    )
    const parsed = bigs(call("str.strptime", col(rows.map((r) => r[1] as string)), { dtype: DT.Timestamp("us", "UTC"), format: "%Y-%m-%d %H:%M:%S %z", strict: true }).column)
    const dates = call("str.strptime", col(rows.map((r) => r[4] as string)), { dtype: DT.Date, format: "%Y-%m-%d", strict: true }).column
    for (let i = 0; i < rows.length; i++) {
      assert.strictEqual(parsed[i], rows[i]![2] as bigint, `${rows[i]![1]} (seed ${SEED})`)
      assert.strictEqual((dates.values as Int32Array)[i], num(rows[i]![3]), `${rows[i]![4]} (seed ${SEED})`)
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------
// public API
// ---------------------------------------------------------------------------------------------------------------

describe("through Frame.withColumns", () => {
  it.effect("str and dt functions, nulls propagate", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make(
        { s: ["abc", "héllo", null], t: [new Date("2013-03-10T07:30:00Z"), null, new Date(-1)] },
        { dtypes: { t: DT.Timestamp("ms", "America/New_York") } }
      )
      const out = yield* Frame.withColumns(
        f,
        column("s").str.toUppercase().alias("u"),
        column("s").str.contains("l+").alias("c"),
        column("s").str.len().alias("n"),
        column("t").dt.hour().alias("h"),
        column("t").dt.truncate("1d").alias("d")
      )
      const cols = Frame.toColumns(out) as Record<string, Array<unknown>>
      assert.deepStrictEqual(cols.u, ["ABC", "HÉLLO", null])
      assert.deepStrictEqual(cols.c, [false, true, null])
      assert.deepStrictEqual(cols.n, [3, 5, null])
      assert.deepStrictEqual(cols.h, [3, null, 18])
      assert.deepStrictEqual(
        cols.d!.map((d) => (d === null ? null : (d as Date).toISOString())),
        ["2013-03-10T05:00:00.000Z", null, "1969-12-31T05:00:00.000Z"]
      )
    })
  )

  it.effect("a strict strptime mismatch is a ComputeError naming the row; bad options are TypeMismatch", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ s: ["2020-01-01", "x"], k: [1, 2] })
      const e = yield* Effect.flip(Frame.withColumns(f, column("s").str.strptime(DT.Date, "%Y-%m-%d").alias("p")))
      assert.strictEqual(e._tag, "ComputeError")
      assert.strictEqual((e as { row?: number }).row, 1)
      const e2 = yield* Effect.flip(Frame.withColumns(f, column("k").str.len().alias("n")))
      assert.strictEqual(e2._tag, "TypeMismatch")
      const e3 = yield* Effect.flip(Frame.withColumns(f, column("s").str.strptime(DT.Timestamp("us"), "%Y-%m-%d").dt.truncate("1d12h").alias("q")))
      assert.strictEqual(e3._tag, "TypeMismatch")
    })
  )
})
