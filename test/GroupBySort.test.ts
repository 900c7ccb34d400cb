/**
 * Tests of the grouping, aggregation, sorting, cumulative and rank kernels and of the `sort`, `unique` and
 * `groupBy().agg()` verbs.
 *
 * Oracles: hand-computed small cases (nulls, NaN, -0, every dtype), properties (fast-check: a sort is a stable
 * ordered permutation, group sums add up to the total, unique ∘ unique = unique, quantile 0/1 = min/max), a plain
 * JS reference for `groupIds`, and DuckDB as a differential oracle on random frames with nulls (group-by
 * aggregations including every quantile interpolation and argMin/argMax, multi-key sorts, rank and cumulative
 * window functions). Each random case has its own seed, printed on failure; replay one with
 * `POLAROID_GB_SEED=<seed> POLAROID_GB_RUNS=1`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import type { AggFn, QuantileInterpolation, RankMethod } from "../src/Expr/Expr.ts"
import { col, len } from "../src/Expr/index.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/index.ts"
import * as Build from "../src/internal/build.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import * as F from "../src/internal/frame.ts"
import { aggOutputType, aggregate } from "../src/internal/kernels/agg.ts"
import { type CumFn, cumulative } from "../src/internal/kernels/cumulative.ts"
import { type Groups, groupIds } from "../src/internal/kernels/hash.ts"
import { rank } from "../src/internal/kernels/rank.ts"
import { sortIndices } from "../src/internal/kernels/sort.ts"
import { cellOf, diffRows, frameRows, ident, Oracle, type Row } from "./support/duckdb.ts"

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const column = (xs: ReadonlyArray<unknown>, dtype?: DataType): Column => {
  const r = Build.fromValues(xs, dtype)
  if (r._tag === "Err") throw new Error(`bad test column: row ${r.row}: ${r.expected}`)
  return r.column
}
const values = (c: Column): Array<unknown> => C.toArray(c)
const run = <X, E>(e: Effect.Effect<X, E>): X => Effect.runSync(e)
const frameOf = (cols: Record<string, Column>): Frame.Frame => F.fromColumnsUnsafe(Object.keys(cols), Object.values(cols))
const colValues = (f: Frame.Frame, name: string): Array<unknown> => values(F.contiguous(f)[f.columns.indexOf(name)]!)
const agg = (fn: AggFn, c: Column, g: Groups, options: Record<string, unknown> = {}): Array<unknown> =>
  values(aggregate(fn, c, g, options))

/** Canonical text of a JS value for reference grouping: NaN equals NaN, -0 equals 0. */
const canon = (v: unknown): string => {
  if (v === null) return "null"
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : v === 0 ? "n0" : `n${v}`
  if (typeof v === "bigint") return `b${v}`
  if (typeof v === "string") return `s${JSON.stringify(v)}`
  if (typeof v === "boolean") return `t${v}`
  if (v instanceof Date) return `d${v.getTime()}`
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`
  if (typeof v === "object") return `{${Object.entries(v as object).map(([k, x]) => `${k}:${canon(x)}`).join(",")}}`
  return String(v)
}

/** Reference grouping: a Map from the canonical row text to the group number (first appearance). */
const referenceGroups = (keys: ReadonlyArray<Column>, n: number): { ids: Array<number>; count: number } => {
  const seen = new Map<string, number>()
  const ids: Array<number> = []
  for (let i = 0; i < n; i++) {
    const k = keys.map((c) => canon(C.getValue(c, i))).join("|")
    let g = seen.get(k)
    if (g === undefined) {
      g = seen.size
      seen.set(k, g)
    }
    ids.push(g)
  }
  return { ids, count: seen.size }
}

const expectGroups = (g: Groups, ids: ReadonlyArray<number>): void => {
  expect(Array.from(g.ids)).toEqual(ids)
  expect(g.count).toBe(new Set(ids).size)
  const first = Array.from({ length: g.count }, (_, k) => ids.indexOf(k))
  expect(Array.from(g.firstRow)).toEqual(first)
}

// A seeded PRNG (mulberry32) for the differential cases.
class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<A>(xs: ReadonlyArray<A>): A {
    return xs[Math.floor(this.next() * xs.length)]!
  }
}

// ---------------------------------------------------------------------------------------------------------------
// groupIds
// ---------------------------------------------------------------------------------------------------------------

describe("groupIds", () => {
  it("numbers groups in order of first appearance; nulls are one group", () => {
    const g = groupIds([column([3, null, 1, 3, null, 2], DT.Int32)], 6)
    expectGroups(g, [0, 1, 2, 0, 1, 3])
  })

  it("no keys: one group of every row; no rows: no groups", () => {
    expectGroups(groupIds([], 3), [0, 0, 0])
    expect(groupIds([column([], DT.Int32)], 0).count).toBe(0)
  })

  it("floats: NaN equals NaN, -0 equals 0, null apart from NaN", () => {
    const g = groupIds([column([0, Number.NaN, -0, null, Number.NaN, 1.5, 0], DT.Float64)], 7)
    expectGroups(g, [0, 1, 0, 2, 1, 3, 0])
    const g32 = groupIds([column([-0, 0, Number.NaN, Number.NaN], DT.Float32)], 4)
    expectGroups(g32, [0, 0, 1, 1])
  })

  it("integers: small range (direct) and wide range (hashed) give the same grouping", () => {
    const small = [5, 7, 5, null, 6, 7]
    expectGroups(groupIds([column(small, DT.Int32)], 6), [0, 1, 0, 2, 3, 1])
    const wide = [-2147483648, 2147483647, -2147483648, null, 0, 2147483647]
    expectGroups(groupIds([column(wide, DT.Int32)], 6), [0, 1, 0, 2, 3, 1])
    expectGroups(groupIds([column([200, 3, 200, 255], DT.UInt8)], 4), [0, 1, 0, 2])
    expectGroups(groupIds([column([4294967295, 0, 4294967295], DT.UInt32)], 3), [0, 1, 0])
  })

  it("64-bit integers, timestamps and durations by full value (not rounded through number)", () => {
    const big = 2n ** 62n
    const g = groupIds([column([big, big + 1n, big, null, -1n, big + 1n], DT.Int64)], 6)
    expectGroups(g, [0, 1, 0, 2, 3, 1])
    const u = groupIds([column([2n ** 64n - 1n, 0n, 2n ** 64n - 1n], DT.UInt64)], 3)
    expectGroups(u, [0, 1, 0])
    const ts = groupIds([column([1n, 2n, 1n, null], DT.Timestamp("ns"))], 4)
    expectGroups(ts, [0, 1, 0, 2])
  })

  it("strings by bytes: empty string apart from null; unicode; prefixes", () => {
    const g = groupIds([column(["", null, "a", "ab", "", "é", "a", "é", null], DT.Utf8)], 9)
    expectGroups(g, [0, 1, 2, 3, 0, 4, 2, 4, 1])
  })

  it("Categorical by string, even when the dictionary repeats a string", () => {
    const dict = C.fromStrings(["x", "y", "x"])
    const cat = C.make(DT.Categorical, 5, new Int32Array([0, 1, 2, 0, 1]), null, { dictionary: dict })
    expectGroups(groupIds([cat], 5), [0, 1, 0, 0, 1])
    expectGroups(groupIds([column(["b", null, "a", "b"], DT.Categorical)], 4), [0, 1, 2, 0])
  })

  it("Boolean, Date, Decimal", () => {
    expectGroups(groupIds([column([true, null, false, true, null], DT.Boolean)], 5), [0, 1, 2, 0, 1])
    expectGroups(groupIds([column(["2024-01-02", "2024-01-01", "2024-01-02"], DT.Date)], 3), [0, 1, 0])
    expectGroups(groupIds([column(["1.50", "1.5", "-2.00", null, "1.51"], DT.Decimal(10, 2))], 5), [0, 0, 1, 2, 3])
  })

  it("List and Struct by value: [] vs null vs [null]; a null struct vs a struct of nulls", () => {
    const l = column([[1, 2], [], null, [null], [1, 2], [], [2, 1], [null]], DT.List(DT.Int32))
    expectGroups(groupIds([l], 8), [0, 1, 2, 3, 0, 1, 4, 3])
    const st = DT.Struct([
      { name: "a", dtype: DT.Int32 },
      { name: "b", dtype: DT.Utf8 }
    ])
    const s = column([{ a: 1, b: "x" }, null, { a: null, b: null }, { a: 1, b: "x" }, { a: 1, b: "y" }, null], st)
    expectGroups(groupIds([s], 6), [0, 1, 2, 0, 3, 1])
  })

  it("several keys: combined by pairs, still first-appearance order", () => {
    const a = column([1, 1, 2, 2, 1, null, null], DT.Int32)
    const b = column(["x", "y", "x", "x", "x", null, "x"], DT.Utf8)
    expectGroups(groupIds([a, b], 7), [0, 1, 2, 2, 0, 3, 4])
  })

  it("agrees with a reference Map on random keys of many dtypes, including hash-table growth", () => {
    const dtypes: ReadonlyArray<[DataType, (r: Rng) => unknown]> = [
      [DT.Int32, (r) => r.int(-3, 3)],
      [DT.Int32, (r) => r.int(-2147483648, 2147483647) >> r.int(20, 31)],
      [DT.Int64, (r) => BigInt(r.int(-5, 5)) * 2n ** 40n],
      [DT.Float64, (r) => r.pick([0, -0, Number.NaN, 1.5, -2.25, 1e300, r.int(0, 3000) / 4])],
      [DT.Utf8, (r) => `k${r.int(0, 3000)}`],
      [DT.Boolean, (r) => r.chance(0.5)],
      [DT.Categorical, (r) => r.pick(["a", "b", "c", ""])],
      [DT.Decimal(12, 3), (r) => String(r.int(-50, 50) / 8)],
      [DT.List(DT.Int16), (r) => Array.from({ length: r.int(0, 2) }, () => (r.chance(0.2) ? null : r.int(0, 2)))]
    ]
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const r = new Rng(seed)
        const n = r.chance(0.2) ? r.int(2000, 6000) : r.int(0, 50)
        const k = r.int(1, 3)
        const keys = Array.from({ length: k }, () => {
          const [dt, gen] = r.pick(dtypes)
          return column(
            Array.from({ length: n }, () => (r.chance(0.1) ? null : gen(r))),
            dt
          )
        })
        const ref = referenceGroups(keys, n)
        const g = groupIds(keys, n)
        expect(g.count).toBe(ref.count)
        expect(Array.from(g.ids)).toEqual(ref.ids)
      }),
      { numRuns: 150 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// aggregation kernels: hand-computed
// ---------------------------------------------------------------------------------------------------------------

describe("aggregate (hand-computed)", () => {
  // groups: a = rows 0, 3, 6; b = rows 1, 4; c = rows 2, 5 (all null values); d = row 7 (NaN)
  const g = groupIds([column(["a", "b", "c", "a", "b", "c", "a", "d"], DT.Utf8)], 8)
  const x = column([4, null, null, 1.5, 2, null, Number.NaN, Number.NaN], DT.Float64)
  const i = column([4, null, null, -1, 2, null, 10, 7], DT.Int32)

  it("output dtypes follow the documented rules", () => {
    const out = (fn: AggFn, t: DataType, o: Record<string, unknown> = {}) => {
      const r = aggOutputType(fn, t, o)
      return "expected" in r ? "error" : DT.format(r)
    }
    expect(out("sum", DT.Int8)).toBe("i64")
    expect(out("sum", DT.UInt32)).toBe("i64")
    expect(out("sum", DT.UInt64)).toBe("u64")
    expect(out("sum", DT.Float32)).toBe("f64")
    expect(out("sum", DT.Boolean)).toBe("u32")
    expect(out("sum", DT.Decimal(10, 2))).toBe("decimal[38,2]")
    expect(out("sum", DT.Utf8)).toBe("error")
    expect(out("mean", DT.Int32)).toBe("f64")
    expect(out("min", DT.Utf8)).toBe("str")
    expect(out("max", DT.Timestamp("ms", "UTC"))).toBe("datetime[ms, UTC]")
    expect(out("min", DT.List(DT.Int32))).toBe("error")
    expect(out("count", DT.Utf8)).toBe("u32")
    expect(out("nUnique", DT.List(DT.Int32))).toBe("u32")
    expect(out("first", DT.Struct([]))).toBe("struct[0]")
    expect(out("std", DT.Int64)).toBe("f64")
    expect(out("std", DT.Utf8)).toBe("error")
    expect(out("std", DT.Int64, { ddof: -1 })).toBe("error")
    expect(out("quantile", DT.Int64, { q: 0.5 })).toBe("f64")
    expect(out("quantile", DT.Int64, { q: 1.5 })).toBe("error")
    expect(out("quantile", DT.Int64, { q: 0.5, interpolation: "cubic" })).toBe("error")
    expect(out("argMax", DT.Utf8)).toBe("u32")
  })

  it("sum: nulls skipped, an all-null group sums to 0 (Polars), NaN propagates; ints widen to Int64", () => {
    expect(agg("sum", x, g)).toEqual([Number.NaN, 2, 0, Number.NaN])
    expect(agg("sum", i, g)).toEqual([13n, 2n, 0n, 7n])
    const b = column([true, true, null, false, true, null, true, false], DT.Boolean)
    expect(agg("sum", b, g)).toEqual([2, 2, 0, 0])
    const big = column([2n ** 62n, 1n, null, 2n ** 62n, -5n, null, -1n, 0n], DT.Int64)
    expect(agg("sum", big, g)).toEqual([2n ** 63n - 1n, -4n, 0n, 0n])
    const dec = column(["1.25", "2.00", null, "-0.50", null, null, "10.00", null], DT.Decimal(10, 2))
    expect(agg("sum", dec, g)).toEqual(["10.75", "2.00", "0.00", "0.00"])
  })

  it("sum of Int64 is exact beyond 2^53 and wraps like 64-bit integers", () => {
    const one = groupIds([], 3)
    expect(agg("sum", column([2n ** 60n, 2n ** 60n, 1n], DT.Int64), one)).toEqual([2n ** 61n + 1n])
    expect(agg("sum", column([2n ** 63n - 1n, 1n], DT.Int64), groupIds([], 2))).toEqual([-(2n ** 63n)])
    expect(agg("sum", column([2n ** 64n - 1n, 2n], DT.UInt64), groupIds([], 2))).toEqual([1n])
    expect(agg("sum", column([2147483647, 2147483647, -5], DT.Int32), one)).toEqual([4294967289n])
  })

  it("mean, std, var (ddof), with nulls and NaN", () => {
    expect(agg("mean", x, g)).toEqual([Number.NaN, 2, null, Number.NaN])
    expect(agg("mean", i, g)).toEqual([13 / 3, 2, null, 7])
    // a: 4, -1, 10 → mean 13/3, deviations²: (−1/3... ) computed: var = ((4-13/3)²+(-1-13/3)²+(10-13/3)²)/2
    const m = 13 / 3
    const ss = (4 - m) ** 2 + (-1 - m) ** 2 + (10 - m) ** 2
    const v1 = agg("var", i, g)
    expect(v1[0] as number).toBeCloseTo(ss / 2, 12)
    expect(v1.slice(1)).toEqual([null, null, null]) // one value with ddof 1 → null; none → null
    const v0 = agg("var", i, g, { ddof: 0 })
    expect(v0[0] as number).toBeCloseTo(ss / 3, 12)
    expect(v0.slice(1)).toEqual([0, null, 0])
    expect(agg("std", i, g)[0] as number).toBeCloseTo(Math.sqrt(ss / 2), 12)
    expect(agg("std", x, g)[0]).toBeNaN()
  })

  it("var is numerically stable for a large offset (Welford)", () => {
    const xs = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]
    const r = agg("var", column(xs, DT.Float64), groupIds([], 4))[0] as number
    expect(r).toBeCloseTo(30, 6)
  })

  it("min/max skip nulls and NaN (NaN only when nothing else); strings, booleans, dates, timestamps", () => {
    expect(agg("min", x, g)).toEqual([1.5, 2, null, Number.NaN])
    expect(agg("max", x, g)).toEqual([4, 2, null, Number.NaN])
    expect(agg("min", i, g)).toEqual([-1, 2, null, 7])
    const s = column(["b", "B", null, "ab", "é", null, "a", ""], DT.Utf8)
    expect(agg("min", s, g)).toEqual(["a", "B", null, ""])
    expect(agg("max", s, g)).toEqual(["b", "é", null, ""])
    const cat = column(["b", "B", null, "ab", "é", null, "a", ""], DT.Categorical)
    expect(agg("max", cat, g)).toEqual(["b", "é", null, ""])
    const b = column([false, true, null, true, false, null, false, null], DT.Boolean)
    expect(agg("min", b, g)).toEqual([false, false, null, null])
    expect(agg("max", b, g)).toEqual([true, true, null, null])
    const ts = column([5n, -1n, null, 2n ** 60n, 3n, null, -(2n ** 60n), 0n], DT.Timestamp("us", "UTC"))
    const mx = aggregate("max", ts, g, {})
    expect(mx.dtype).toEqual(DT.Timestamp("us", "UTC"))
    expect(Array.from(mx.values as BigInt64Array).slice(0, 2)).toEqual([2n ** 60n, 3n])
    const mn = aggregate("min", ts, g, {})
    expect((mn.values as BigInt64Array)[0]).toBe(-(2n ** 60n))
    const d = column([3, 1, null, 2, 5, null, 1, 0], DT.Date)
    expect(Array.from(aggregate("min", d, g, {}).values as Int32Array).slice(0, 2)).toEqual([1, 1])
  })

  it("count, len, nUnique (null counts as a value; NaN is one value; -0 equals 0)", () => {
    expect(agg("count", x, g)).toEqual([3, 1, 0, 1])
    expect(agg("len", x, g)).toEqual([3, 2, 2, 1])
    expect(agg("nUnique", x, g)).toEqual([3, 2, 1, 1])
    const y = column([0, 1, 1, -0, Number.NaN, 1, Number.NaN, 2], DT.Float64)
    expect(agg("nUnique", y, g)).toEqual([2, 2, 1, 1])
  })

  it("first/last return the first/last row even when null", () => {
    const y = column([null, 1, null, 2, null, null, 3, 4], DT.Int32)
    expect(agg("first", y, g)).toEqual([null, 1, null, 4])
    expect(agg("last", y, g)).toEqual([3, null, null, 4])
    const s = column(["p", null, "q", null, "r", null, null, "s"], DT.Utf8)
    expect(agg("first", s, g)).toEqual(["p", null, "q", "s"])
    expect(agg("last", s, g)).toEqual([null, "r", null, "s"])
  })

  it("median and quantile with every interpolation, as Polars' quantile_idx", () => {
    // one group: values 1..5 shuffled with a null
    const v = column([5, null, 1, 4, 2, 3], DT.Int32)
    const one = groupIds([], 6)
    const q = (p: number, interpolation: QuantileInterpolation) => agg("quantile", v, one, { q: p, interpolation })[0]
    // sorted 1,2,3,4,5; float index = 4q
    expect(q(0.3, "nearest")).toBe(2) // 1.2 → round 1
    expect(q(0.375, "nearest")).toBe(3) // 1.5 → round half away from zero 2
    expect(q(0.3, "lower")).toBe(2)
    expect(q(0.3, "higher")).toBe(3)
    expect(q(0.3, "midpoint")).toBe(2.5)
    expect(q(0.3, "linear")).toBeCloseTo(2.2, 12)
    expect(q(0.5, "midpoint")).toBe(3) // integral index: the value itself
    expect(q(0, "linear")).toBe(1)
    expect(q(1, "nearest")).toBe(5)
    expect(agg("quantile", v, one, { q: 0.5 })[0]).toBe(3) // default nearest
    expect(agg("median", column([4, 1, 3, 2], DT.Int32), groupIds([], 4))[0]).toBe(2.5)
    expect(agg("median", x, g)).toEqual([4, 2, null, Number.NaN]) // a: 1.5, 4, NaN (NaN sorts last)
    expect(agg("quantile", x, g, { q: 0.75, interpolation: "linear" })).toEqual([Number.NaN, 2, null, Number.NaN])
    expect(agg("quantile", x, g, { q: 0, interpolation: "lower" })).toEqual([1.5, 2, null, Number.NaN])
  })

  it("argMin/argMax: position within the group (nulls counted), first occurrence on ties, NaN skipped", () => {
    const y = column([3, null, 1, null, 5, 2, 3, Number.NaN], DT.Float64)
    // a: rows 0 (3), 3 (null), 6 (3) → argMin 0 (tie: first), argMax 0; b: rows 1 (null), 4 (5) → 1; c: 2 (1), 5 (2)
    expect(agg("argMin", y, g)).toEqual([0, 1, 0, 0])
    expect(agg("argMax", y, g)).toEqual([0, 1, 1, 0])
    expect(agg("argMin", x, g)).toEqual([1, 1, null, 0])
    const s = column(["b", null, "a", "a", "z", "b", "c", null], DT.Utf8)
    expect(agg("argMin", s, g)).toEqual([1, 1, 0, null])
    expect(agg("argMax", s, g)).toEqual([2, 1, 1, null])
  })

  it("a group count of 1 over no rows (an empty frame's global aggregation) gives nulls, 0 and 0", () => {
    const empty: Groups = { ids: new Int32Array(0), count: 1, firstRow: new Int32Array([0]) }
    const e = column([], DT.Float64)
    expect(agg("sum", e, empty)).toEqual([0])
    expect(agg("mean", e, empty)).toEqual([null])
    expect(agg("count", e, empty)).toEqual([0])
    expect(agg("first", e, empty)).toEqual([null])
    expect(agg("max", e, empty)).toEqual([null])
    expect(agg("median", e, empty)).toEqual([null])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// sort kernel: hand-computed and properties
// ---------------------------------------------------------------------------------------------------------------

const sorted = (keys: ReadonlyArray<Column>, desc: ReadonlyArray<boolean> = [], nullsLast: ReadonlyArray<boolean> = []) =>
  Array.from(sortIndices(keys, desc, nullsLast))

describe("sortIndices", () => {
  it("numbers: NaN above every number, -0 equal to 0 (stable), nulls first by default", () => {
    const x = column([1, Number.NaN, null, -0, -Infinity, 0, Infinity, -1], DT.Float64)
    expect(sorted([x])).toEqual([2, 4, 7, 3, 5, 0, 6, 1])
    expect(sorted([x], [true])).toEqual([2, 1, 6, 0, 3, 5, 7, 4])
    expect(sorted([x], [true], [true])).toEqual([1, 6, 0, 3, 5, 7, 4, 2])
  })

  it("integers of every width, signed and unsigned, 64-bit by full value", () => {
    expect(sorted([column([-128, 127, 0, -1], DT.Int8)])).toEqual([0, 3, 2, 1])
    expect(sorted([column([4294967295, 0, 2147483648], DT.UInt32)])).toEqual([1, 2, 0])
    expect(sorted([column([2n ** 62n + 1n, -(2n ** 62n), 2n ** 62n, 0n], DT.Int64)])).toEqual([1, 3, 2, 0])
    expect(sorted([column([2n ** 64n - 1n, 0n, 2n ** 63n], DT.UInt64)])).toEqual([1, 2, 0])
  })

  it("strings by UTF-8 bytes; Categorical by its strings, not its codes", () => {
    const s = column(["b", "a", "B", "é", "", "ab", null], DT.Utf8)
    expect(sorted([s])).toEqual([6, 4, 2, 1, 5, 0, 3])
    const c = column(["z", "a", "m", "a"], DT.Categorical) // codes z=0, a=1, m=2
    expect(sorted([c])).toEqual([1, 3, 2, 0])
  })

  it("booleans, dates, decimals", () => {
    expect(sorted([column([true, false, null, true], DT.Boolean)], [false], [true])).toEqual([1, 0, 3, 2])
    expect(sorted([column([3, -2, 1], DT.Date)])).toEqual([1, 2, 0])
    expect(sorted([column(["1.5", "-20", "0.25", "1.5"], DT.Decimal(10, 2))], [true])).toEqual([0, 3, 2, 1])
  })

  it("several keys with per-key direction and null placement; ties keep input order", () => {
    const a = column([2, 1, 2, null, 1, 2], DT.Int32)
    const b = column(["x", "y", null, "z", "x", "y"], DT.Utf8)
    expect(sorted([a, b], [false, true], [true, false])).toEqual([1, 4, 2, 5, 0, 3])
  })

  it("is a stable, ordered permutation (property, random keys; large inputs take the radix path)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const r = new Rng(seed)
        const n = r.chance(0.2) ? r.int(17000, 20000) : r.int(0, 60)
        const gens: ReadonlyArray<[DataType, () => unknown]> = [
          [DT.Float64, () => r.pick([Number.NaN, -0, 0, -1.5, 2.25, Infinity, -Infinity, r.int(-1e6, 1e6) / 7])],
          [DT.Int32, () => r.int(-5, 5)],
          [DT.Int64, () => BigInt(r.int(-3, 3)) * 2n ** 50n + BigInt(r.int(0, 2))],
          [DT.Utf8, () => r.pick(["", "a", "ab", "b", "B", "é"])],
          [DT.UInt16, () => r.int(0, 65535)]
        ]
        const k = r.int(1, 3)
        const specs = Array.from({ length: k }, () => r.pick(gens))
        const data = specs.map(([, gen]) => Array.from({ length: n }, () => (r.chance(0.1) ? null : gen())))
        const keys = specs.map(([dt], j) => column(data[j]!, dt))
        const desc = keys.map(() => r.chance(0.5))
        const nl = keys.map(() => r.chance(0.5))
        const perm = sorted(keys, desc, nl)
        // a permutation
        expect(perm.length).toBe(n)
        expect(new Set(perm).size).toBe(n)
        // ordered, and stable: equal keys keep their input order
        const cmpVal = (a: unknown, b: unknown): number => {
          if (typeof a === "number" && typeof b === "number") {
            if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b))
            return a < b ? -1 : a > b ? 1 : 0
          }
          if (typeof a === "string" && typeof b === "string") {
            return Buffer.compare(Buffer.from(a), Buffer.from(b))
          }
          return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0
        }
        const cmpRows = (i: number, j: number): number => {
          for (let q = 0; q < k; q++) {
            const a = data[q]![i]
            const b = data[q]![j]
            if (a === null || b === null) {
              if (a === b) continue
              return (a === null ? -1 : 1) * (nl[q] ? -1 : 1)
            }
            const c = cmpVal(a, b)
            if (c !== 0) return desc[q] ? -c : c
          }
          return 0
        }
        for (let p = 1; p < n; p++) {
          const c = cmpRows(perm[p - 1]!, perm[p]!)
          if (c > 0 || (c === 0 && perm[p - 1]! > perm[p]!))
            throw new Error(`seed ${seed}: rows ${perm[p - 1]} and ${perm[p]} out of order at position ${p}`)
        }
      }),
      { numRuns: 120 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// cumulative and rank kernels: hand-computed
// ---------------------------------------------------------------------------------------------------------------

describe("cumulative and rank (hand-computed)", () => {
  const x = column([1, null, 3, -2, null, 5], DT.Int32)
  const g = groupIds([column(["a", "b", "a", "b", "a", "a"], DT.Utf8)], 6)

  it("cumSum/cumMin/cumMax/cumProd/cumCount keep nulls null and skip them", () => {
    const c = (fn: CumFn, reverse = false, groups?: Groups) => values(cumulative(fn, x, reverse, groups))
    expect(c("cumSum")).toEqual([1n, null, 4n, 2n, null, 7n])
    expect(c("cumSum", true)).toEqual([7n, null, 6n, 3n, null, 5n])
    expect(c("cumMin")).toEqual([1, null, 1, -2, null, -2])
    expect(c("cumMax")).toEqual([1, null, 3, 3, null, 5])
    expect(c("cumProd")).toEqual([1n, null, 3n, -6n, null, -30n])
    expect(c("cumCount")).toEqual([1, 1, 2, 3, 3, 4])
    expect(c("cumCount", true)).toEqual([4, 3, 3, 2, 1, 1])
  })

  it("restart within each group (window context)", () => {
    expect(values(cumulative("cumSum", x, false, g))).toEqual([1n, null, 4n, -2n, null, 9n])
    expect(values(cumulative("cumSum", x, true, g))).toEqual([9n, null, 8n, -2n, null, 5n])
    expect(values(cumulative("cumMax", x, false, g))).toEqual([1, null, 3, -2, null, 5])
    expect(values(cumulative("cumCount", x, false, g))).toEqual([1, 0, 2, 1, 2, 3])
  })

  it("floats: cumSum propagates NaN; cumMax skips it; Int64 cumSum is exact", () => {
    const f = column([1, Number.NaN, 2], DT.Float64)
    expect(values(cumulative("cumSum", f, false))).toEqual([1, Number.NaN, Number.NaN])
    expect(values(cumulative("cumMax", f, false))).toEqual([1, 1, 2])
    const big = column([2n ** 60n, 2n ** 60n, 1n], DT.Int64)
    expect(values(cumulative("cumSum", big, false))).toEqual([2n ** 60n, 2n ** 61n, 2n ** 61n + 1n])
  })

  it("rank methods with ties, nulls and NaN (NaN ranks highest)", () => {
    const v = column([3, null, 1, 3, Number.NaN, 2, 3], DT.Float64)
    const r = (m: RankMethod, d = false) => values(rank(v, m, d))
    expect(r("average")).toEqual([4, null, 1, 4, 6, 2, 4])
    expect(r("min")).toEqual([3, null, 1, 3, 6, 2, 3])
    expect(r("max")).toEqual([5, null, 1, 5, 6, 2, 5])
    expect(r("dense")).toEqual([3, null, 1, 3, 4, 2, 3])
    expect(r("ordinal")).toEqual([3, null, 1, 4, 6, 2, 5])
    expect(r("ordinal", true)).toEqual([2, null, 6, 3, 1, 5, 4])
    expect(r("dense", true)).toEqual([2, null, 4, 2, 1, 3, 2])
  })

  it("rank restarts within groups; strings rank by bytes", () => {
    const s = column(["b", "a", "c", "a", "b", "a"], DT.Utf8)
    expect(values(rank(s, "min", false, g))).toEqual([2, 1, 4, 1, 2, 1])
    expect(values(rank(s, "dense", false))).toEqual([2, 1, 3, 1, 2, 1])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// verbs
// ---------------------------------------------------------------------------------------------------------------

describe("verbs: sort, unique, groupBy().agg()", () => {
  const f = frameOf({
    k: column(["a", "b", null, "a", "b", null, "c"], DT.Utf8),
    x: column([1, 2, 3, null, 5, 6, Number.NaN], DT.Float64),
    n: column([1, 1, 2, 2, 1, 2, 3], DT.Int32)
  })

  it.effect("sort by names and expressions, per-key options", () =>
    Effect.gen(function* () {
      const s = yield* Frame.sort(f, ["k", "x"], { descending: [false, true], nullsLast: [true, false] })
      expect(colValues(s, "k")).toEqual(["a", "a", "b", "b", "c", null, null])
      expect(colValues(s, "x")).toEqual([null, 1, 5, 2, Number.NaN, 6, 3])
      const e = yield* Frame.sort(f, col("n").neg())
      expect(colValues(e, "n")).toEqual([3, 2, 2, 2, 1, 1, 1])
      expect(colValues(e, "x")).toEqual([Number.NaN, 3, null, 6, 1, 2, 5])
    }))

  it.effect("sort errors: unknown column, unorderable key, option array of the wrong length", () =>
    Effect.gen(function* () {
      const e1 = yield* Effect.flip(Frame.sort(f, "nope"))
      expect(e1._tag).toBe("ColumnNotFound")
      const l = frameOf({ l: column([[1], [2]], DT.List(DT.Int32)) })
      const e2 = yield* Effect.flip(Frame.sort(l, "l"))
      expect(e2._tag).toBe("TypeMismatch")
      const e3 = yield* Effect.flip(Frame.sort(f, ["k", "x"], { descending: [true] }))
      expect(e3._tag).toBe("ComputeError")
    }))

  it.effect("unique: keep first / last / any / none, subset, nulls equal", () =>
    Effect.gen(function* () {
      const first = yield* Frame.unique(f, { subset: ["k"] })
      expect(colValues(first, "x")).toEqual([1, 2, 3, Number.NaN])
      const last = yield* Frame.unique(f, { subset: ["k"], keep: "last" })
      expect(colValues(last, "x")).toEqual([null, 5, 6, Number.NaN])
      const none = yield* Frame.unique(f, { subset: ["k"], keep: "none" })
      expect(colValues(none, "k")).toEqual(["c"])
      const all = yield* Frame.unique(f)
      expect(all.height).toBe(7)
      const nk = yield* Frame.unique(f, { subset: ["n", "k"] })
      expect(colValues(nk, "n")).toEqual([1, 1, 2, 2, 3])
      const err = yield* Effect.flip(Frame.unique(f, { subset: ["zz"] }))
      expect(err._tag).toBe("ColumnNotFound")
    }))

  it.effect("groupBy().agg(): keys first, groups in order of first appearance, null key a group", () =>
    Effect.gen(function* () {
      const r = yield* Frame.groupBy(f, "k").agg(
        col("x").sum().alias("s"),
        col("x").max().alias("mx"),
        col("n").nUnique().alias("u"),
        len()
      )
      expect(r.columns).toEqual(["k", "s", "mx", "u", "len"])
      expect(colValues(r, "k")).toEqual(["a", "b", null, "c"])
      expect(colValues(r, "s")).toEqual([1, 7, 9, Number.NaN])
      expect(colValues(r, "mx")).toEqual([1, 5, 6, Number.NaN])
      expect(colValues(r, "u")).toEqual([2, 1, 1, 1])
      expect(colValues(r, "len")).toEqual([2, 2, 2, 1])
      const two = yield* Frame.groupBy(f, ["n", col("k").alias("kk")]).agg(col("x").count().alias("c"))
      expect(two.columns).toEqual(["n", "kk", "c"])
      expect(colValues(two, "kk")).toEqual(["a", "b", null, "a", "c"])
      expect(colValues(two, "c")).toEqual([1, 2, 2, 0, 1])
    }))

  it.effect("groupBy errors: duplicate output name, unknown key", () =>
    Effect.gen(function* () {
      const e1 = yield* Effect.flip(Frame.groupBy(f, "k").agg(col("x").sum().alias("k")))
      expect(e1._tag).toBe("DuplicateColumn")
      const e2 = yield* Effect.flip(Frame.groupBy(f, "zz").agg(len()))
      expect(e2._tag).toBe("ColumnNotFound")
    }))

  it.effect("cumulative functions and rank through expressions, restarting per partition with over()", () =>
    Effect.gen(function* () {
      const w = yield* Frame.withColumns(
        f,
        col("n").cumSum().over("k").alias("cs"),
        col("x").rank("dense").alias("r"),
        col("n").cumCount(true).alias("cc")
      )
      expect(colValues(w, "cs")).toEqual([1n, 1n, 2n, 3n, 2n, 4n, 3n])
      expect(colValues(w, "r")).toEqual([1, 2, 3, null, 4, 5, 6])
      expect(colValues(w, "cc")).toEqual([7, 6, 5, 4, 3, 2, 1])
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// properties
// ---------------------------------------------------------------------------------------------------------------

/** A random frame: key columns `k0..`, an Int64 column `v`, a Float64 column `x` (no NaN). */
const randomFrame = (r: Rng) => {
  const n = r.int(0, 80)
  const nk = r.int(1, 2)
  const keys: Record<string, Column> = {}
  for (let k = 0; k < nk; k++) {
    const t = r.pick<DataType>([DT.Int32, DT.Utf8, DT.Boolean, DT.Float64])
    const gen = (): unknown =>
      t === DT.Int32 ? r.int(0, 4) : t === DT.Utf8 ? r.pick(["a", "b", "c"]) : t === DT.Boolean ? r.chance(0.5) : r.pick([0, -0, 1.5, Number.NaN])
    keys[`k${k}`] = column(
      Array.from({ length: n }, () => (r.chance(0.15) ? null : gen())),
      t
    )
  }
  return frameOf({
    ...keys,
    v: column(
      Array.from({ length: n }, () => (r.chance(0.15) ? null : BigInt(r.int(-1e6, 1e6)) * 2n ** 30n)),
      DT.Int64
    ),
    x: column(
      Array.from({ length: n }, () => (r.chance(0.15) ? null : r.int(-1000, 1000) / 8)),
      DT.Float64
    )
  })
}
const keyNames = (f: Frame.Frame) => f.columns.filter((c) => c.startsWith("k"))

describe("properties", () => {
  it("group sums add up to the column total (exact Int64)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const f = randomFrame(new Rng(seed))
        const r = run(Frame.groupBy(f, keyNames(f)).agg(col("v").sum().alias("s"), len()))
        const total = (colValues(r, "s") as Array<bigint>).reduce((a, b) => a + b, 0n)
        const expected = (colValues(f, "v") as Array<bigint | null>).reduce<bigint>((a, b) => a + (b ?? 0n), 0n)
        expect(total).toBe(expected)
        expect((colValues(r, "len") as Array<number>).reduce((a, b) => a + b, 0)).toBe(f.height)
      }),
      { numRuns: 100 }
    )
  })

  it("unique ∘ unique = unique, and unique has no duplicate keys", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom("first", "last", "none" as const), (seed, keep) => {
        const f = randomFrame(new Rng(seed))
        const subset = keyNames(f)
        const u = run(Frame.unique(f, { subset, keep }))
        const uu = run(Frame.unique(u, { subset, keep }))
        expect(frameRows(uu)).toEqual(frameRows(u))
        const keysOf = frameRows(u, subset).map((row) => row.map(canon).join("|"))
        expect(new Set(keysOf).size).toBe(keysOf.length)
      }),
      { numRuns: 100 }
    )
  })

  it("quantile(0) = min and quantile(1) = max for every interpolation", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom<QuantileInterpolation>("nearest", "lower", "higher", "midpoint", "linear"), (seed, interp) => {
        const f = randomFrame(new Rng(seed))
        const r = run(
          Frame.groupBy(f, keyNames(f)).agg(
            col("x").quantile(0, interp).alias("q0"),
            col("x").min().alias("mn"),
            col("x").quantile(1, interp).alias("q1"),
            col("x").max().alias("mx")
          )
        )
        expect(colValues(r, "q0")).toEqual(colValues(r, "mn"))
        expect(colValues(r, "q1")).toEqual(colValues(r, "mx"))
      }),
      { numRuns: 100 }
    )
  })

  it("sort is a permutation of the rows, sorted, and sorting again changes nothing", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, desc) => {
        const f = randomFrame(new Rng(seed))
        const by = [...keyNames(f), "x"]
        const s = run(Frame.sort(f, by, { descending: desc }))
        const key = (row: Row) => JSON.stringify(row.map((c) => (typeof c === "bigint" ? String(c) : c)))
        expect(frameRows(s).map(key).sort()).toEqual(frameRows(f).map(key).sort())
        const again = run(Frame.sort(s, by, { descending: desc }))
        expect(frameRows(again)).toEqual(frameRows(s))
      }),
      { numRuns: 100 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// differential against DuckDB
// ---------------------------------------------------------------------------------------------------------------

const BASE_SEED = Number(process.env.POLAROID_GB_SEED ?? 7_340_021)
const RUNS = Number(process.env.POLAROID_GB_RUNS ?? 300)
const IDX = "__i"

let db: Oracle
beforeAll(async () => {
  db = await Oracle.make()
})
afterAll(() => {
  db?.close()
})

/** Runs `RUNS` seeded cases; the first failure throws with its seed. */
const cases = async (suite: string, check: (r: Rng, seed: number) => Promise<string | undefined>): Promise<void> => {
  for (let c = 0; c < RUNS; c++) {
    const seed = (BASE_SEED + c * 7919) >>> 0
    const problem = await check(new Rng(seed), seed)
    if (problem !== undefined)
      throw new Error(`${suite}: polaroid disagrees with DuckDB (replay: POLAROID_GB_SEED=${seed} POLAROID_GB_RUNS=1)\n${problem}`)
  }
}

type Gen = (r: Rng) => unknown
const KEY_GENS: ReadonlyArray<readonly [string, DataType, Gen]> = [
  ["ki", DT.Int32, (r) => r.int(-2, 2)],
  ["kw", DT.Int32, (r) => r.pick([-2147483648, 2147483647, 0, 1 << 30])],
  ["kl", DT.Int64, (r) => r.pick([-(2n ** 62n), 2n ** 62n, 2n ** 62n + 1n, 0n])],
  ["ks", DT.Utf8, (r) => r.pick(["", "a", "ab", "B", "é"])],
  ["kc", DT.Categorical, (r) => r.pick(["x", "y", "z"])],
  ["kf", DT.Float64, (r) => r.pick([0, -0, 1.5, Number.NaN, -2.25])],
  ["kb", DT.Boolean, (r) => r.chance(0.5)],
  ["kd", DT.Date, (r) => r.int(19000, 19003)],
  ["kt", DT.Timestamp("us"), (r) => r.pick([0n, 1_700_000_000_000_000n, -86_400_000_000n])],
  ["ku", DT.UInt8, (r) => r.int(0, 3)]
]
const VALUE_GENS: ReadonlyArray<readonly [string, DataType, Gen]> = [
  ["vi", DT.Int32, (r) => r.int(-100, 100)],
  ["vl", DT.Int64, (r) => BigInt(r.int(-1e6, 1e6)) * 2n ** 20n],
  ["vx", DT.Float64, (r) => r.int(-800, 800) / 8],
  ["vn", DT.Float64, (r) => (r.chance(0.15) ? Number.NaN : r.int(-40, 40) / 4)],
  ["vb", DT.Boolean, (r) => r.chance(0.5)],
  ["vu", DT.UInt32, (r) => r.int(0, 4_000_000_000)],
  ["vs", DT.Utf8, (r) => r.pick(["p", "q", "Q", "ü", ""])]
]

/** A random frame with every key and value column plus the row index `__i`. */
const diffFrame = (r: Rng, n: number): Frame.Frame => {
  const cols: Record<string, Column> = {}
  const nullRate = r.pick([0, 0.1, 0.3])
  for (const [name, dt, gen] of [...KEY_GENS, ...VALUE_GENS])
    cols[name] = column(
      Array.from({ length: n }, () => (r.chance(nullRate) ? null : gen(r))),
      dt
    )
  cols[IDX] = column(
    Array.from({ length: n }, (_, i) => i),
    DT.Int32
  )
  return frameOf(cols)
}

/** The named columns of a frame (for loading only what a query needs). */
const project = (f: Frame.Frame, names: ReadonlyArray<string>): Frame.Frame => {
  const cols = F.contiguous(f)
  return F.fromColumnsUnsafe(
    names,
    names.map((n) => cols[f.columns.indexOf(n)]!)
  )
}

interface AggCase {
  readonly name: string
  readonly expr: ReturnType<typeof col>
  /** SQL over table `b` grouped by the keys (may use `__pos`, `__mn_<name>`, `__mx_<name>` window columns). */
  readonly sql: string
  /** Window columns this case needs in `b`. */
  readonly windows: ReadonlyArray<string>
}

const QS = [0, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 1]

const aggCase = (r: Rng, name: string, partition: string): AggCase => {
  const [vname, vt] = r.pick(VALUE_GENS)
  const c = ident(vname)
  const isBool = vt._tag === "Boolean"
  const isStr = vt._tag === "Utf8"
  const hasNaN = vname === "vn"
  const num = isBool ? `${c}::INTEGER` : c
  const fns: ReadonlyArray<AggFn> = isStr
    ? ["min", "max", "count", "len", "nUnique", "first", "last", "argMin", "argMax"]
    : ["sum", "mean", "min", "max", "count", "len", "nUnique", "first", "last", "median", "quantile", "argMin", "argMax", ...(hasNaN ? [] : (["std", "var"] as const))]
  const fn = r.pick(fns)
  const e = col(vname)
  const nanSafe = (f: "min" | "max") =>
    hasNaN ? `coalesce(${f}(${c}) FILTER (WHERE NOT isnan(${c})), ${f}(${c}))` : `${f}(${c})`
  const simple = (expr: ReturnType<typeof col>, sql: string): AggCase => ({ name, expr: expr.alias(name), sql, windows: [] })
  switch (fn) {
    case "sum":
      return simple(e.sum(), `coalesce(sum(${num}), 0)`)
    case "mean":
      return simple(e.mean(), `avg(${num})`)
    case "min":
      return simple(e.min(), nanSafe("min"))
    case "max":
      return simple(e.max(), nanSafe("max"))
    case "count":
      return simple(e.count(), `count(${c})`)
    case "len":
      return simple(e.len(), `count(*)`)
    case "nUnique":
      return simple(e.nUnique(), `count(DISTINCT ${c}) + (count(*) > count(${c}))::INTEGER`)
    case "first":
      return simple(e.first(), `first(${c} ORDER BY ${IDX})`)
    case "last":
      return simple(e.last(), `last(${c} ORDER BY ${IDX})`)
    case "std":
    case "var": {
      const ddof = r.pick([0, 1])
      const f = `${fn === "std" ? "stddev" : "var"}_${ddof === 1 ? "samp" : "pop"}`
      return simple(fn === "std" ? e.std(ddof) : e.var(ddof), `${f}(${num})`)
    }
    case "median":
    case "quantile": {
      const q = fn === "median" ? 0.5 : r.pick(QS)
      const interp: QuantileInterpolation = fn === "median" ? "linear" : r.pick(["nearest", "lower", "higher", "midpoint", "linear"])
      // Polars' quantile_idx over the sorted non-null values L (1-based in SQL).
      const L = `list_sort(list(${num}::DOUBLE) FILTER (WHERE ${c} IS NOT NULL))`
      const fi = `((len(${L}) - 1) * ${q}::DOUBLE)`
      const at = (i: string) => `${L}[(${i})::BIGINT + 1]`
      const lo = at(`floor(${fi})`)
      const hi = at(`floor(${fi}) + 1`)
      const integral = `floor(${fi}) = ceil(${fi})`
      const body =
        interp === "nearest"
          ? at(`round(${fi})`)
          : interp === "lower"
            ? lo
            : interp === "higher"
              ? at(`ceil(${fi})`)
              : interp === "midpoint"
                ? `CASE WHEN ${integral} OR ${lo} = ${hi} THEN ${lo} ELSE (${lo} + ${hi}) / 2 END`
                : `CASE WHEN ${integral} OR ${lo} = ${hi} THEN ${lo} ELSE (${fi} - floor(${fi})) * (${hi} - ${lo}) + ${lo} END`
      return simple(fn === "median" ? e.median() : e.quantile(q, interp), `CASE WHEN count(${c}) = 0 THEN NULL ELSE ${body} END`)
    }
    case "argMin":
    case "argMax": {
      // Position (nulls counted) of the first row holding the min/max, NaN skipped unless only NaN.
      const f = fn === "argMin" ? "min" : "max"
      const w = `__${f}_${name}`
      const over = `OVER (PARTITION BY ${partition})`
      const m = hasNaN ? `coalesce(${f}(${c}) FILTER (WHERE NOT isnan(${c})) ${over}, ${f}(${c}) ${over})` : `${f}(${c}) ${over}`
      return {
        name,
        expr: (fn === "argMin" ? e.argMin() : e.argMax()).alias(name),
        sql: `min(__pos) FILTER (WHERE ${c} = ${w}${hasNaN ? ` OR (isnan(${c}) AND isnan(${w}))` : ""})`,
        windows: [`${m} AS ${w}`]
      }
    }
    default:
      throw new Error(fn)
  }
}

describe("differential against DuckDB", () => {
  it("groupBy().agg() on random frames: every aggregation and interpolation, keys of every dtype", async () => {
    await cases("groupBy", async (r) => {
      const n = r.chance(0.1) ? r.int(200, 1500) : r.int(0, 40)
      const f = diffFrame(r, n)
      const keys: Array<string> = []
      const nk = r.int(1, 3)
      while (keys.length < nk) {
        const k = r.pick(KEY_GENS)[0]
        if (!keys.includes(k)) keys.push(k)
      }
      const part = keys.map(ident).join(", ")
      const aggs = Array.from({ length: r.int(1, 5) }, (_, i) => aggCase(r, `a${i}`, part))
      const windows = aggs.flatMap((a) => a.windows)
      const sql =
        `WITH b AS (SELECT *, row_number() OVER (PARTITION BY ${part} ORDER BY ${IDX}) - 1 AS __pos` +
        `${windows.map((w) => `, ${w}`).join("")} FROM t) ` +
        `SELECT ${part}, ${aggs.map((a) => `${a.sql} AS ${ident(a.name)}`).join(", ")} FROM b GROUP BY ${part} ORDER BY min(${IDX})`
      const context = `groupBy(${keys.join(", ")}).agg(${aggs.map((a) => a.expr.toString()).join(", ")}) on ${n} rows\nSQL: ${sql}`
      const out = await Effect.runPromise(Effect.result(Frame.groupBy(f, keys).agg(...aggs.map((a) => a.expr))))
      if (out._tag === "Failure") return `${context}\npolaroid failed: ${String(out.failure)}`
      await db.load("t", project(f, [...keys, ...VALUE_GENS.map((v) => v[0]), IDX]))
      const expected = (await db.query(sql)).rows
      const columns = [...keys, ...aggs.map((a) => a.name)]
      const d = diffRows(frameRows(out.success, columns), expected, { ordered: true, columns, rtol: 1e-9, atol: 1e-9 })
      return d === undefined ? undefined : `${context}\n${d}`
    })
  })

  it("sort on random frames: up to 3 keys of every dtype, descending and nulls first/last per key, stable", async () => {
    await cases("sort", async (r) => {
      const n = r.chance(0.01) ? r.int(16_500, 18_000) : r.chance(0.1) ? r.int(300, 2000) : r.int(0, 40)
      const f = diffFrame(r, n)
      const pool = [...KEY_GENS, ...VALUE_GENS].map((g) => g[0])
      const keys: Array<string> = []
      const nk = r.int(1, 3)
      while (keys.length < nk) {
        const k = r.pick(pool)
        if (!keys.includes(k)) keys.push(k)
      }
      const desc = keys.map(() => r.chance(0.5))
      const nullsLast = keys.map(() => r.chance(0.5))
      const order = keys.map((k, i) => `${ident(k)} ${desc[i] ? "DESC" : "ASC"} ${nullsLast[i] ? "NULLS LAST" : "NULLS FIRST"}`)
      const sql = `SELECT ${IDX} FROM t ORDER BY ${order.join(", ")}, ${IDX}`
      const context = `sort([${keys.join(", ")}], descending ${JSON.stringify(desc)}, nullsLast ${JSON.stringify(nullsLast)}) on ${n} rows\nSQL: ${sql}`
      const out = await Effect.runPromise(Effect.result(Frame.sort(f, keys, { descending: desc, nullsLast })))
      if (out._tag === "Failure") return `${context}\npolaroid failed: ${String(out.failure)}`
      await db.load("t", project(f, [...keys, IDX]))
      const expected = (await db.query(sql)).rows
      const d = diffRows(frameRows(out.success, [IDX]), expected, { ordered: true, columns: [IDX], rtol: 0, atol: 0 })
      return d === undefined ? undefined : `${context}\n${d}`
    })
  })

  it("rank (every method) and cumulative sum/min/max/count per partition, forward and reverse", async () => {
    await cases("window", async (r) => {
      const n = r.chance(0.1) ? r.int(200, 1000) : r.int(0, 40)
      const f = diffFrame(r, n)
      const cols = F.contiguous(f)
      const get = (name: string) => cols[f.columns.indexOf(name)]!
      const key = r.pick(KEY_GENS)[0]
      const grouped = r.chance(0.7)
      const groups = grouped ? groupIds([get(key)], n) : undefined
      const part = grouped ? `PARTITION BY ${ident(key)}` : ""
      const [vname, vt] = r.pick(VALUE_GENS.filter((v) => v[0] !== "vb" && v[0] !== "vn"))
      const c = ident(vname)
      let actual: Column
      let sqlExpr: string
      let context: string
      if (r.chance(0.5)) {
        const method = r.pick<RankMethod>(["average", "min", "max", "dense", "ordinal"])
        const desc = r.chance(0.5)
        actual = rank(get(vname), method, desc, groups)
        const w = `OVER (PARTITION BY ${grouped ? `${ident(key)}, ` : ""}(${c} IS NULL) ORDER BY ${c} ${desc ? "DESC" : "ASC"}`
        const mn = `rank() ${w})`
        const mx = `count(*) ${w} RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`
        const body =
          method === "min" ? mn : method === "max" ? mx : method === "dense" ? `dense_rank() ${w})` : method === "ordinal" ? `row_number() ${w}, ${IDX})` : `(${mn} + ${mx}) / 2`
        sqlExpr = `CASE WHEN ${c} IS NULL THEN NULL ELSE ${body} END`
        context = `rank(${vname}, ${method}, descending ${desc})${grouped ? ` over ${key}` : ""}`
      } else {
        if (vt._tag === "Utf8") return undefined
        const fn = r.pick<CumFn>(["cumSum", "cumMin", "cumMax", "cumCount"])
        const reverse = r.chance(0.5)
        actual = cumulative(fn, get(vname), reverse, groups)
        const w = `OVER (${part} ORDER BY ${IDX} ${reverse ? "DESC" : "ASC"} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`
        const agg = fn === "cumSum" ? "sum" : fn === "cumMin" ? "min" : fn === "cumMax" ? "max" : "count"
        sqlExpr = fn === "cumCount" ? `count(${c}) ${w}` : `CASE WHEN ${c} IS NULL THEN NULL ELSE ${agg}(${c}) ${w} END`
        context = `${fn}(${vname}, reverse ${reverse})${grouped ? ` over ${key}` : ""}`
      }
      const sql = `SELECT ${sqlExpr} FROM t ORDER BY ${IDX}`
      await db.load("t", project(f, [key, vname, IDX]))
      const expected = (await db.query(sql)).rows
      const got: Array<Row> = Array.from({ length: n }, (_, i) => [cellOf(actual, i)])
      const d = diffRows(got, expected, { ordered: true, columns: ["out"], rtol: 1e-12, atol: 0 })
      return d === undefined ? undefined : `${context} on ${n} rows\nSQL: ${sql}\n${d}`
    })
  })
})
