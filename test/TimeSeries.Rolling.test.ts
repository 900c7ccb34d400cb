/**
 * Tests of rolling windows (by count and by duration, `rolling` frame verb), series operations (shift, diff,
 * pctChange, fills, interpolation) and EWM (polaroid/TimeSeries and their `Expr` methods).
 *
 * Oracles: hand-computed small cases; the laws of issue 6 as named fast-check properties; a brute-force reference
 * (each window recomputed from scratch) for the sliding kernels; nodejs-polars 0.26 (`rolling*`, `ewm*`,
 * `groupByRolling`) on random data with nulls and on the real Lean IBM trades (skipped with a message when
 * /work/shared/data is absent, unless CI). Random suites use fixed seeds (override with POLAROID_ROLLING_SEED).
 */
import * as nodeFs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import fc from "fast-check"
import pl from "nodejs-polars"
import { col, type Expr, len } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Build from "../src/internal/build.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import * as Engine from "../src/internal/expr/engine.ts"
import * as F from "../src/internal/frame.ts"
import type { Frame as FrameT } from "../src/internal/frame.ts"
import { backwardFill, ewmAlpha, forwardFill, interpolate, rolling, shift } from "../src/TimeSeries/index.ts"
import { mulberry32 as prng } from "./support/rng.ts"

const SEED = Number(process.env.POLAROID_ROLLING_SEED ?? 20260807)
const RUNS = Number(process.env.POLAROID_ROLLING_RUNS ?? 120)

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const DATA = path.resolve(repoRoot, "../shared/data")
const hasData = nodeFs.existsSync(DATA)
if (!hasData && !process.env.CI) console.warn(`TimeSeries.Rolling.test: ${DATA} is absent, skipping the real-data cases`)
const withData = hasData || process.env.CI ? describe : describe.skip

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const column = (xs: ReadonlyArray<unknown>, dtype?: DataType): Column => {
  const r = Build.fromValues(xs, dtype)
  if (r._tag === "Err") throw new Error(`bad test column: row ${r.row}: ${r.expected}`)
  return r.column
}
const frame = (cols: Record<string, Column | ReadonlyArray<unknown>>): FrameT =>
  F.fromColumnsUnsafe(
    Object.keys(cols),
    Object.values(cols).map((c) => (Array.isArray(c) ? column(c) : (c as Column)))
  )
const f64 = (xs: ReadonlyArray<number | null>): Column => column(xs, DT.Float64)
const tsMs = (xs: ReadonlyArray<number>): Column => C.make(DT.Timestamp("ms", null), xs.length, BigInt64Array.from(xs.map((x) => BigInt(x))), null)

const runOk = <A>(eff: Effect.Effect<A, unknown>): A => Effect.runSync(eff)
const runErr = (eff: Effect.Effect<unknown, unknown>): unknown => {
  const exit = Effect.runSyncExit(eff)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return runOk(Effect.flip(eff))
}
/** Values of one expression over a frame. */
const ev = (f: FrameT, e: Expr): Array<unknown> => {
  const out = runOk(Engine.select(f, [e.alias("out")]))
  return C.toArray(F.contiguous(out)[0]!)
}
const dtypeOf = (f: FrameT, e: Expr): string => DT.format(F.contiguous(runOk(Engine.select(f, [e.alias("out")])))[0]!.dtype)
const num = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === "bigint" ? Number(v) : (v as number))

/** Equal within a relative/absolute tolerance; null = null; NaN = NaN. Returns the first differing row or -1. */
const firstDiff = (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>, tol = 1e-9): number => {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) {
    const x = num(a[i])
    const y = num(b[i])
    if (x === null || y === null) {
      if (x !== y) return i
      continue
    }
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return i
      continue
    }
    if (x === y) continue
    if (Math.abs(x - y) > tol * Math.max(1, Math.abs(x), Math.abs(y))) return i
  }
  return -1
}
const expectClose = (ours: ReadonlyArray<unknown>, theirs: ReadonlyArray<unknown>, label: string, tol = 1e-9): void => {
  const i = firstDiff(ours, theirs, tol)
  if (i >= 0) expect.fail(`${label}: row ${i}: ours ${String(ours[i])}, reference ${String(theirs[i])} (ours ${JSON.stringify(ours.slice(Math.max(0, i - 3), i + 3).map(num))})`)
}

// ---------------------------------------------------------------------------------------------------------------
// brute-force reference
// ---------------------------------------------------------------------------------------------------------------

type Agg = "sum" | "mean" | "min" | "max" | "std" | "var" | "median" | "quantile" | "count"
const quantileRef = (xs: ReadonlyArray<number>, q: number, interp: string): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length
  const fi = (m - 1) * q
  if (interp === "nearest") return s[Math.round(fi)]!
  if (interp === "lower") return s[Math.floor(fi)]!
  if (interp === "higher") return s[Math.ceil(fi)]!
  const lo = s[Math.floor(fi)]!
  const hi = s[Math.ceil(fi)]!
  return interp === "midpoint" ? (lo + hi) / 2 : lo + (fi - Math.floor(fi)) * (hi - lo)
}
const aggRef = (fn: Agg, xs: ReadonlyArray<number>, q = 0.5, interp = "nearest"): number | null => {
  const m = xs.length
  if (fn === "count") return m
  if (fn === "sum") return xs.reduce((a, b) => a + b, 0)
  if (m === 0) return null
  const mean = xs.reduce((a, b) => a + b, 0) / m
  switch (fn) {
    case "mean":
      return mean
    case "min":
      return Math.min(...xs)
    case "max":
      return Math.max(...xs)
    case "var":
    case "std": {
      if (m < 2) return null
      const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (m - 1)
      return fn === "std" ? Math.sqrt(v) : v
    }
    case "median":
      return quantileRef(xs, 0.5, "linear")
    case "quantile":
      return quantileRef(xs, q, interp)
  }
}
/** Rolling by count, from scratch. */
const rollingRef = (
  fn: Agg,
  xs: ReadonlyArray<number | null>,
  w: number,
  minSamples: number,
  center: boolean,
  q = 0.5,
  interp = "nearest"
): Array<number | null> =>
  xs.map((_, i) => {
    const start = center ? i - (w >> 1) : i - w + 1
    const vals: Array<number> = []
    for (let j = Math.max(0, start); j < Math.min(xs.length, start + w); j++) if (xs[j] !== null) vals.push(xs[j]!)
    if (vals.length < minSamples) return null
    return aggRef(fn, vals, q, interp)
  })

// ---------------------------------------------------------------------------------------------------------------
// hand-computed cases
// ---------------------------------------------------------------------------------------------------------------

describe("rolling by count: small cases", () => {
  const f = frame({ a: f64([1, null, 3, 4, null, null, 7, 8, 9, 10]) })
  it("sum, mean, min with default minSamples = windowSize and with minSamples", () => {
    expect(ev(f, col("a").rollingSum(3, { minSamples: 1 }))).toEqual([1, 1, 4, 7, 7, 4, 7, 15, 24, 27])
    expect(ev(f, col("a").rollingMin(3))).toEqual([null, null, null, null, null, null, null, null, 7, 8])
    expect(ev(f, col("a").rollingMean(2, { minSamples: 1 }))).toEqual([1, 1, 3, 3.5, 4, null, 7, 7.5, 8.5, 9.5])
    expect(ev(f, col("a").rollingCount(3, { minSamples: 0 }))).toEqual([1, 1, 2, 2, 2, 1, 1, 2, 3, 3])
  })
  it("centred windows: rows i - floor(w/2) .. i - floor(w/2) + w - 1", () => {
    expect(ev(f, col("a").rollingMean(3, { minSamples: 1, center: true }))).toEqual([1, 2, 3.5, 3.5, 4, 7, 7.5, 8, 9, 9.5])
    expect(ev(f, col("a").rollingMax(4, { minSamples: 1, center: true }))).toEqual([1, 3, 4, 4, 4, 7, 8, 9, 10, 10])
  })
  it("var / std: null when the window has ≤ ddof values", () => {
    expect(ev(f, col("a").rollingVar(3, { minSamples: 1 }))).toEqual([null, null, 2, 0.5, 0.5, null, null, 0.5, 1, 1])
    expect(ev(f, col("a").rollingVar(3, { minSamples: 1, ddof: 0 }))[0]).toBe(0)
  })
  it("median and quantile (nearest default, linear)", () => {
    expect(ev(f, col("a").rollingMedian(4, { minSamples: 1 }))).toEqual([1, 1, 2, 3, 3.5, 3.5, 5.5, 7.5, 8, 8.5])
    expect(ev(f, col("a").rollingQuantile(0.3, 4, { minSamples: 1 }))).toEqual([1, 1, 1, 3, 3, 3, 4, 7, 8, 8])
  })
  it("weights: Σwx, Σwx/Σw, weighted variance, max of products (as Polars)", () => {
    const g = frame({ u: f64([1, 5, 2, 8]) })
    expect(ev(g, col("u").rollingSum(3, { weights: [1, 2, 3] }))).toEqual([null, null, 17, 33])
    expect(ev(g, col("u").rollingMean(3, { weights: [1, 2, 3] }))).toEqual([null, null, 17 / 6, 5.5])
    const v = ev(g, col("u").rollingVar(3, { weights: [1, 2, 3] })) as Array<number | null>
    const m = 17 / 6
    expect(v[2]).toBeCloseTo((1 * (1 - m) ** 2 + 2 * (5 - m) ** 2 + 3 * (2 - m) ** 2) / 6, 12)
    expect(ev(g, col("u").rollingMax(3, { weights: [1, 2, 3] }))).toEqual([null, null, 10, 24])
  })
  it("rollingMap: a JS function over the window's non-null values", () => {
    expect(ev(f, col("a").rollingMap((w) => w.length * 100 + w[w.length - 1]!, 3, { minSamples: 1 }))).toEqual([101, 101, 203, 204, 204, 104, 107, 208, 309, 310])
  })
  it("integer sums stay exact and widen to Int64; min keeps the dtype", () => {
    const g = frame({ x: column([2 ** 31 - 1, 2 ** 31 - 1, 5], DT.Int32), big: column([2n ** 62n, 2n ** 62n, -1n], DT.Int64) })
    expect(dtypeOf(g, col("x").rollingSum(2))).toBe("i64")
    expect(ev(g, col("x").rollingSum(2))).toEqual([null, 2n * (2n ** 31n - 1n), 2n ** 31n + 4n])
    expect(ev(g, col("big").rollingSum(2))).toEqual([null, BigInt.asIntN(64, 2n ** 63n), 2n ** 62n - 1n])
    expect(dtypeOf(g, col("x").rollingMin(2))).toBe("i32")
  })
  it("NaN in a window makes sum NaN only while it is inside", () => {
    const g = frame({ x: f64([1, Number.NaN, 2, 3, 4]) })
    expect(ev(g, col("x").rollingSum(2))).toEqual([null, Number.NaN, Number.NaN, 5, 7])
  })
  it("windows stay within over() partitions", () => {
    const g = frame({ s: ["a", "b", "a", "b", "a", "b"], x: f64([1, 10, 2, 20, 3, 30]) })
    expect(ev(g, col("x").rollingSum(2).over("s"))).toEqual([null, null, 3, 30, 5, 50])
    expect(ev(g, col("x").shift(1).over("s"))).toEqual([null, null, 1, 10, 2, 20])
  })
  it("bad options are TypeMismatch at resolution", () => {
    const g = frame({ x: f64([1, 2]) })
    expect((runErr(Engine.select(g, [col("x").rollingSum(0)])) as { _tag: string })._tag).toBe("TypeMismatch")
    expect((runErr(Engine.select(g, [col("x").rollingSum(2, { minSamples: 3 })])) as { _tag: string })._tag).toBe("TypeMismatch")
    expect((runErr(Engine.select(g, [col("x").rollingSum(2, { weights: [1] })])) as { _tag: string })._tag).toBe("TypeMismatch")
  })
})

describe("rolling by duration: small cases", () => {
  // t in seconds: 0, 1, 2, 2, 5, 9
  const t = tsMs([0, 1000, 2000, 2000, 5000, 9000])
  const f = frame({ t, x: f64([1, 2, 3, 4, 5, 6]) })
  it("closed right (default): (t - 2s, t], ties included", () => {
    expect(ev(f, col("x").rollingSumBy("t", "2s"))).toEqual([1, 3, 9, 9, 5, 6])
  })
  it("closed left / both / none", () => {
    expect(ev(f, col("x").rollingSumBy("t", "2s", { closed: "left" }))).toEqual([null, 1, 3, 3, null, null])
    expect(ev(f, col("x").rollingSumBy("t", "2s", { closed: "both" }))).toEqual([1, 3, 10, 10, 5, 6])
    expect(ev(f, col("x").rollingSumBy("t", "2s", { closed: "none" }))).toEqual([null, 1, 2, 2, null, null])
  })
  it("minSamples and integer index windows (\"3i\")", () => {
    expect(ev(f, col("x").rollingMeanBy("t", "4s", { minSamples: 3 }))).toEqual([null, null, 2.5, 2.5, 4, null])
    const g = frame({ i: column([1, 2, 4, 7], DT.Int64), x: f64([1, 2, 3, 4]) })
    expect(ev(g, col("x").rollingSumBy("i", "3i"))).toEqual([1, 3, 5, 4])
  })
  it("an unsorted index is a ComputeError naming the row; a bad duration is a TypeMismatch", () => {
    const g = frame({ t: tsMs([0, 2000, 1000]), x: f64([1, 2, 3]) })
    const e = runErr(Engine.select(g, [col("x").rollingSumBy("t", "2s")])) as { _tag: string; row?: number; message: string }
    expect(e._tag).toBe("ComputeError")
    expect(e.row).toBe(2)
    expect(e.message).toContain("NotSorted")
    expect((runErr(Engine.select(f, [col("x").rollingSumBy("t", "2x")])) as { _tag: string })._tag).toBe("TypeMismatch")
    expect((runErr(Engine.select(f, [col("x").rollingSumBy("t", "3i")])) as { _tag: string })._tag).toBe("TypeMismatch")
  })
  it("calendar windows in a time zone: '1d' across the DST change keeps wall-clock days", () => {
    // New York 2024-03-10: clocks go 02:00 → 03:00. Points at 12:00 local on Mar 9, 10, 11.
    const ny = [Date.UTC(2024, 2, 9, 17), Date.UTC(2024, 2, 10, 16), Date.UTC(2024, 2, 11, 16)]
    const z = C.make(DT.Timestamp("ms", "America/New_York"), 3, BigInt64Array.from(ny.map(BigInt)), null)
    const g = frame({ t: z, x: f64([1, 2, 4]) })
    // (t - 1 calendar day, t]: each window holds only its own day (the previous noon is exactly 1 day before).
    expect(ev(g, col("x").rollingSumBy("t", "1d"))).toEqual([1, 2, 4])
    // As a fixed 24h on a naive column, Mar 10 noon - 24h = Mar 9 16:00 UTC < Mar 9 17:00: includes the previous row.
    const n = frame({ t: tsMs(ny), x: f64([1, 2, 4]) })
    expect(ev(n, col("x").rollingSumBy("t", "1d"))).toEqual([1, 3, 4])
  })
})

describe("rolling frame verb", () => {
  const f = frame({ s: ["a", "b", "a", "a", "b"], t: tsMs([0, 0, 1000, 3000, 5000]), x: f64([1, 10, 2, 3, 20]) })
  it("one row per input row, by groups first, with sliding and general aggregations", () => {
    const out = runOk(rolling(f, { index: "t", period: "2s", by: "s" }, [col("x").sum().alias("sum"), col("x").last().alias("last"), len()]))
    expect(out.columns).toEqual(["s", "t", "sum", "last", "len"])
    const cols = F.contiguous(out)
    expect(C.toArray(cols[0]!)).toEqual(["a", "a", "a", "b", "b"])
    // group a: t = 0, 1s, 3s → windows (t - 2s, t] hold {0}, {0, 1s}, {3s}
    expect(C.toArray(cols[2]!)).toEqual([1, 3, 3, 10, 20])
    expect(C.toArray(cols[3]!)).toEqual([1, 2, 3, 10, 20])
    expect(C.toArray(cols[4]!)).toEqual([1, 2, 1, 1, 1])
  })
  it("offset moves the window; NotSorted names the first offending row", () => {
    const out = runOk(rolling(f, { index: "t", period: "2s", offset: "0s", closed: "left" }, [col("x").sum().alias("fwd")]))
    // [t, t + 2s): rows at 0: {0,0,1000} → 13; 1000: {1000} → 2; 3000: {3000} → 3; 5000: {5000} → 20
    expect(C.toArray(F.contiguous(out)[1]!)).toEqual([13, 13, 2, 3, 20])
    const g = frame({ t: tsMs([0, 2000, 1000]), x: f64([1, 2, 3]) })
    const e = runErr(rolling(g, { index: "t", period: "2s" }, [col("x").sum()])) as { _tag: string; row: number }
    expect(e._tag).toBe("NotSorted")
    expect(e.row).toBe(2)
    expect((runErr(rolling(g, { index: "t", period: "2q2" }, [col("x").sum()])) as { _tag: string })._tag).toBe("InvalidDuration")
    expect((runErr(rolling(g, { index: "nope", period: "2s" }, [col("x").sum()])) as { _tag: string })._tag).toBe("ColumnNotFound")
  })
})

describe("series operations: small cases", () => {
  const f = frame({ a: f64([1, null, 3, 4, null, null, 7]), u: f64([1, 2, 3, 4, 5, 6, 7]) })
  it("shift / lag / lead with and without a fill value", () => {
    expect(ev(f, col("a").shift(2))).toEqual([null, null, 1, null, 3, 4, null])
    expect(ev(f, col("a").lead(1))).toEqual([null, 3, 4, null, null, 7, null])
    expect(ev(f, col("a").shift(-2, 0))).toEqual([3, 4, null, null, 7, 0, 0])
    expect(ev(f, col("a").lag())).toEqual(ev(f, col("a").shift(1)))
  })
  it("diff and pctChange (nulls not filled)", () => {
    expect(ev(f, col("a").diff())).toEqual([null, null, null, 1, null, null, null])
    expect(ev(f, col("u").diff(2))).toEqual([null, null, 2, 2, 2, 2, 2])
    expectClose(ev(f, col("u").pctChange()), [null, 1, 0.5, 1 / 3, 0.25, 0.2, 1 / 6], "pctChange", 1e-15)
    const g = frame({ x: column([5, 3, 10], DT.UInt8), d: column([0, 1, 4], DT.Date) })
    expect(dtypeOf(g, col("x").diff())).toBe("i64")
    expect(ev(g, col("x").diff())).toEqual([null, -2n, 7n])
    expect(dtypeOf(g, col("d").diff())).toBe("duration[ms]")
  })
  it("forward / backward fill with limit", () => {
    expect(ev(f, col("a").forwardFill())).toEqual([1, 1, 3, 4, 4, 4, 7])
    expect(ev(f, col("a").forwardFill(1))).toEqual([1, 1, 3, 4, 4, null, 7])
    expect(ev(f, col("a").backwardFill(1))).toEqual([1, 3, 3, 4, null, 7, 7])
  })
  it("interpolate linear / nearest (next on ties) and by a time column", () => {
    expect(ev(f, col("a").interpolate())).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(ev(f, col("a").interpolate("nearest"))).toEqual([1, 3, 3, 4, 4, 7, 7])
    const g = frame({ t: tsMs([0, 1000, 4000, 5000]), x: f64([0, null, null, 10]) })
    expect(ev(g, col("x").interpolateBy("t"))).toEqual([0, 2, 8, 10])
    const h = frame({ t: f64([5, 0, 1, 4]), x: f64([10, 0, null, null]) })
    expect(ev(h, col("x").interpolateBy("t"))).toEqual([10, 0, 2, 8])
  })
  it("frame verbs apply to every column", () => {
    const g = frame({ a: f64([1, null, 3]), s: ["x", null, "z"] })
    expect(C.toArray(F.contiguous(runOk(shift(g, 1)))[1]!)).toEqual([null, "x", null])
    expect(C.toArray(F.contiguous(runOk(forwardFill(g)))[1]!)).toEqual(["x", "x", "z"])
    expect(C.toArray(F.contiguous(runOk(backwardFill(g)))[0]!)).toEqual([1, 3, 3])
    const i = runOk(interpolate(g))
    expect(C.toArray(F.contiguous(i)[0]!)).toEqual([1, 2, 3])
    expect(C.toArray(F.contiguous(i)[1]!)).toEqual(["x", null, "z"])
  })
})

describe("ewm: small cases", () => {
  const f = frame({ a: f64([1, null, 3]) })
  it("adjusted mean with nulls decaying (ignoreNulls false, Polars' default) or skipped", () => {
    // α = 0.5: row 2 weights (by absolute position) 0.25 for 1 and 1 for 3 → (0.25 + 3) / 1.25.
    expect(ev(f, col("a").ewmMean({ alpha: 0.5 }))).toEqual([1, null, 2.6])
    // ignoreNulls: weights 0.5 and 1 → (0.5 + 3) / 1.5
    expect(ev(f, col("a").ewmMean({ alpha: 0.5, ignoreNulls: true }))[2]).toBeCloseTo(3.5 / 1.5, 14)
    // adjust false: y = 0.5 y + 0.5 x (skipping the null row's weight once: (0.25·1 + 0.5·3)/(0.75))
    expect(ev(f, col("a").ewmMean({ alpha: 0.5, adjust: false }))[2]).toBeCloseTo((0.25 * 1 + 0.5 * 3) / 0.75, 14)
  })
  it("span / com / halfLife convert to alpha as Polars; exactly one is required", () => {
    expect(runOk(ewmAlpha({ span: 3 }))).toBe(0.5)
    expect(runOk(ewmAlpha({ com: 1 }))).toBe(0.5)
    expect(runOk(ewmAlpha({ halfLife: 1 }))).toBeCloseTo(0.5, 15)
    expect((runErr(ewmAlpha({ span: 3, com: 1 })) as { _tag: string })._tag).toBe("InvalidArgument")
    expect((runErr(Engine.select(f, [col("a").ewmMean({})])) as { _tag: string })._tag).toBe("TypeMismatch")
  })
  it("ewmMeanBy: halving weight after one half-life", () => {
    const g = frame({ t: tsMs([0, 3_600_000, 7_200_000]), x: f64([0, 10, null]) })
    expect(ev(g, col("x").ewmMeanBy("t", { halfLife: "1h" }))).toEqual([0, 5, null])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// laws
// ---------------------------------------------------------------------------------------------------------------

const maybeNull = <A>(a: fc.Arbitrary<A>, freq = 5): fc.Arbitrary<A | null> => fc.option(a, { freq, nil: null })
const ints = fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 0, maxLength: 40 })
const intsWithNulls = fc.array(maybeNull(fc.integer({ min: -1000, max: 1000 })), { minLength: 0, maxLength: 40 })
const groupsFor = (n: number, k: number): Array<string> => Array.from({ length: n }, (_, i) => `g${(i * 7 + (i >> 2)) % k}`)

describe("laws", () => {
  it("law: rolling sum by count equals a difference of cumulative sums (exact on integers)", () => {
    fc.assert(
      fc.property(intsWithNulls, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 3 }), (xs, w, k) => {
        const f = frame({ g: groupsFor(xs.length, k), x: column(xs, DT.Int64) })
        const rs = ev(f, col("x").rollingSum(w, { minSamples: 0 }).over("g"))
        const cs = ev(f, col("x").fillNull(0).cumSum().over("g")) as Array<bigint>
        const lagged = ev(f, col("x").fillNull(0).cumSum().shift(w, 0).over("g")) as Array<bigint>
        return rs.every((v, i) => v === cs[i]! - lagged[i]!)
      }),
      { seed: SEED, numRuns: RUNS }
    )
  })
  it("law: shift(a) then shift(b) equals shift(a + b) (a, b of one sign)", () => {
    fc.assert(
      fc.property(intsWithNulls, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.integer({ min: 1, max: 3 }), (xs, a, b, neg, k) => {
        const s = neg ? -1 : 1
        const f = frame({ g: groupsFor(xs.length, k), x: column(xs, DT.Int64) })
        const twice = ev(f, col("x").shift(s * a).shift(s * b).over("g"))
        const once = ev(f, col("x").shift(s * (a + b)).over("g"))
        expect(twice).toEqual(once)
      }),
      { seed: SEED, numRuns: RUNS }
    )
  })
  it("law: diff then cumulative sum recovers the series (from the first value)", () => {
    fc.assert(
      fc.property(ints, fc.integer({ min: 1, max: 3 }), (xs, k) => {
        const f = frame({ g: groupsFor(xs.length, k), x: column(xs, DT.Int64) })
        const rebuilt = ev(f, col("x").diff().fillNull(0).cumSum().add(col("x").first()).over("g"))
        expect(rebuilt).toEqual(C.toArray(column(xs, DT.Int64)))
      }),
      { seed: SEED, numRuns: RUNS }
    )
  })
  it("law: ffill is idempotent (and equals fillNull({ strategy: 'forward' }))", () => {
    fc.assert(
      fc.property(intsWithNulls, fc.integer({ min: 1, max: 3 }), (xs, k) => {
        const f = frame({ g: groupsFor(xs.length, k), x: column(xs, DT.Int64) })
        const once = ev(f, col("x").forwardFill().over("g"))
        expect(ev(f, col("x").forwardFill().forwardFill().over("g"))).toEqual(once)
        expect(ev(f, col("x").fillNull({ strategy: "forward" }).over("g"))).toEqual(once)
        expect(ev(f, col("x").backwardFill().over("g"))).toEqual(ev(f, col("x").fillNull({ strategy: "backward" }).over("g")))
      }),
      { seed: SEED, numRuns: RUNS }
    )
  })
  it("law: ewm with alpha = 1 is the identity", () => {
    fc.assert(
      fc.property(fc.array(maybeNull(fc.double({ min: -1e6, max: 1e6, noNaN: true })), { maxLength: 40 }), fc.boolean(), fc.boolean(), (xs, adjust, ignoreNulls) => {
        const f = frame({ x: f64(xs) })
        const out = ev(f, col("x").ewmMean({ alpha: 1, adjust, ignoreNulls }))
        expectClose(out, xs, "ewm alpha=1", 1e-12)
      }),
      { seed: SEED, numRuns: RUNS }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// sliding kernels against a brute-force reference
// ---------------------------------------------------------------------------------------------------------------

const AGGS: ReadonlyArray<Agg> = ["sum", "mean", "min", "max", "std", "var", "median", "quantile", "count"]
const INTERPS = ["nearest", "lower", "higher", "midpoint", "linear"] as const

const countExpr = (fn: Agg, w: number, o: { minSamples: number; center: boolean }, q: number, interp: (typeof INTERPS)[number]): Expr => {
  const c = col("x")
  switch (fn) {
    case "sum":
      return c.rollingSum(w, o)
    case "mean":
      return c.rollingMean(w, o)
    case "min":
      return c.rollingMin(w, o)
    case "max":
      return c.rollingMax(w, o)
    case "std":
      return c.rollingStd(w, o)
    case "var":
      return c.rollingVar(w, o)
    case "median":
      return c.rollingMedian(w, o)
    case "quantile":
      return c.rollingQuantile(q, w, { ...o, interpolation: interp })
    case "count":
      return c.rollingCount(w, o)
  }
}

describe("sliding kernels equal recomputing every window", () => {
  it("by count: every aggregation, nulls, centre, minSamples, long series (periodic recompute)", () => {
    fc.assert(
      fc.property(
        fc.array(maybeNull(fc.integer({ min: -50, max: 50 }).map((x) => x / 4)), { maxLength: 300 }),
        fc.integer({ min: 1, max: 12 }),
        fc.nat(),
        fc.boolean(),
        fc.constantFrom(...AGGS),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...INTERPS),
        (xs, w, msSeed, center, fn, q, interp) => {
          const minSamples = msSeed % (w + 1)
          const f = frame({ x: f64(xs) })
          const ours = ev(f, countExpr(fn, w, { minSamples, center }, q, interp))
          expectClose(ours, rollingRef(fn, xs, w, minSamples, center, q, interp), `${fn} w=${w} ms=${minSamples} c=${center}`)
        }
      ),
      { seed: SEED, numRuns: RUNS * 3 }
    )
  })
  it("by duration: windows (t - d, t] etc. over sorted times with ties", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), maybeNull(fc.integer({ min: -20, max: 20 }))), { maxLength: 80 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom("left", "right", "both", "none"),
        fc.constantFrom(...AGGS),
        (rows, d, closed, fn) => {
          let t = 0
          const ts = rows.map(([dt]) => (t += dt))
          const xs = rows.map(([, x]) => x)
          const f = frame({ t: column(ts, DT.Int64), x: f64(xs) })
          const c = col("x")
          const o = { closed, minSamples: 1 } as const
          const ws = `${d}i`
          const e =
            fn === "sum" ? c.rollingSumBy("t", ws, o) : fn === "mean" ? c.rollingMeanBy("t", ws, o) : fn === "min" ? c.rollingMinBy("t", ws, o)
            : fn === "max" ? c.rollingMaxBy("t", ws, o) : fn === "std" ? c.rollingStdBy("t", ws, o) : fn === "var" ? c.rollingVarBy("t", ws, o)
            : fn === "median" ? c.rollingMedianBy("t", ws, o) : fn === "quantile" ? c.rollingQuantileBy("t", 0.25, ws, o) : c.rollingCountBy("t", ws, o)
          const ref = ts.map((ti) => {
            const vals: Array<number> = []
            ts.forEach((tj, j) => {
              const lo = closed === "left" || closed === "both" ? tj >= ti - d : tj > ti - d
              const hi = closed === "right" || closed === "both" ? tj <= ti : tj < ti
              if (lo && hi && xs[j] !== null) vals.push(xs[j]!)
            })
            if (vals.length < 1) return null
            return aggRef(fn, vals, 0.25, "nearest")
          })
          expectClose(ev(f, e), ref, `${fn}By ${ws} ${closed}`)
        }
      ),
      { seed: SEED, numRuns: RUNS * 2 }
    )
  })
  it("by count, no nulls (dense path): sum and mean with NaN and ±Inf entering and leaving windows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 20, arbitrary: fc.integer({ min: -50, max: 50 }) }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) }), {
          maxLength: 200
        }),
        fc.integer({ min: 1, max: 12 }),
        fc.nat(),
        fc.boolean(),
        (xs, w, msSeed, center) => {
          const minSamples = msSeed % (w + 1)
          const f = frame({ x: f64(xs) })
          const ref = (fn: "sum" | "mean") =>
            xs.map((_, i) => {
              const start = center ? i - (w >> 1) : i - w + 1
              const vals = xs.slice(Math.max(0, start), Math.max(0, start + w))
              if (vals.length < minSamples || (fn === "mean" && vals.length === 0)) return null
              const s = vals.reduce((a, b) => a + b, 0)
              return fn === "mean" ? s / vals.length : s
            })
          expectClose(ev(f, col("x").rollingSum(w, { minSamples, center })), ref("sum"), `dense sum w=${w}`)
          expectClose(ev(f, col("x").rollingMean(w, { minSamples, center })), ref("mean"), `dense mean w=${w}`)
        }
      ),
      { seed: SEED, numRuns: RUNS * 2 }
    )
  })
  it("numerical stability: a large offset and tiny variations (var stays accurate)", () => {
    const n = 20_000
    const xs = Array.from({ length: n }, (_, i) => 1e9 + ((i * 7919) % 13) * 1e-3)
    const f = frame({ x: f64(xs) })
    const ours = ev(f, col("x").rollingVar(50)) as Array<number | null>
    const ref = rollingRef("var", xs.map((x) => x - 1e9), 50, 50, false)
    expectClose(ours, ref, "var with offset", 1e-6)
    const sum = ev(f, col("x").rollingMean(50)) as Array<number | null>
    expectClose(sum, rollingRef("mean", xs, 50, 50, false), "mean with offset", 1e-14)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// differential: nodejs-polars
// ---------------------------------------------------------------------------------------------------------------

const plFrame = (cols: Record<string, ReadonlyArray<number | null>>): pl.DataFrame =>
  pl.DataFrame(Object.entries(cols).map(([name, xs]) => pl.Series(name, xs as Array<number | null>, pl.Float64)))
const plCol = (df: pl.DataFrame, name: string): Array<unknown> => [...df.getColumn(name).toArray()]

const randomSeries = (rng: () => number, n: number, nullRate: number, spread: number): Array<number | null> =>
  Array.from({ length: n }, () => (rng() < nullRate ? null : Math.round((rng() - 0.5) * spread * 100) / 100))

describe("differential against nodejs-polars", () => {
  it("rolling by count: mean, sum, min, max, std, var, median, quantile with nulls, centre, minSamples", () => {
    const rng = prng(SEED)
    for (let run = 0; run < 60; run++) {
      const n = 1 + Math.floor(rng() * 80)
      const xs = randomSeries(rng, n, 0.2, run % 3 === 0 ? 6 : 1000)
      const w = 1 + Math.floor(rng() * 9)
      const minPeriods = 1 + Math.floor(rng() * w)
      const center = rng() < 0.4
      const o = { windowSize: w, minPeriods, center }
      const df = plFrame({ x: xs })
      const theirs = df.select(
        pl.col("x").rollingMean(o).alias("mean"),
        pl.col("x").rollingSum(o).alias("sum"),
        pl.col("x").rollingMin(o).alias("min"),
        pl.col("x").rollingMax(o).alias("max"),
        pl.col("x").rollingStd(o).alias("std"),
        pl.col("x").rollingVar(o).alias("var"),
        pl.col("x").rollingMedian(o).alias("median"),
        pl.col("x").rollingQuantile({ ...o, quantile: 0.3, interpolation: "linear" }).alias("q")
      )
      const f = frame({ x: f64(xs) })
      const oo = { minSamples: minPeriods, center }
      const ours: Record<string, Expr> = {
        mean: col("x").rollingMean(w, oo),
        sum: col("x").rollingSum(w, oo),
        min: col("x").rollingMin(w, oo),
        max: col("x").rollingMax(w, oo),
        std: col("x").rollingStd(w, oo),
        var: col("x").rollingVar(w, oo),
        median: col("x").rollingMedian(w, oo),
        q: col("x").rollingQuantile(0.3, w, { ...oo, interpolation: "linear" })
      }
      for (const [name, e] of Object.entries(ours)) expectClose(ev(f, e), plCol(theirs, name), `run ${run} ${name} w=${w} mp=${minPeriods} c=${center}`, 1e-8)
    }
  })
  it("rolling by count with weights (no nulls: Polars refuses weights with nulls)", () => {
    const rng = prng(SEED + 1)
    for (let run = 0; run < 30; run++) {
      const n = 1 + Math.floor(rng() * 50)
      const xs = randomSeries(rng, n, 0, 100)
      const w = 1 + Math.floor(rng() * 6)
      const weights = Array.from({ length: w }, () => Math.round(rng() * 40) / 10 + 0.1)
      const df = plFrame({ x: xs })
      const o = { windowSize: w, weights, minPeriods: w }
      const theirs = df.select(pl.col("x").rollingMean(o).alias("mean"), pl.col("x").rollingSum(o).alias("sum"), pl.col("x").rollingVar(o).alias("var"))
      const f = frame({ x: f64(xs) })
      expectClose(ev(f, col("x").rollingMean(w, { weights })), plCol(theirs, "mean"), `wmean run ${run}`, 1e-8)
      expectClose(ev(f, col("x").rollingSum(w, { weights })), plCol(theirs, "sum"), `wsum run ${run}`, 1e-8)
      expectClose(ev(f, col("x").rollingVar(w, { weights })), plCol(theirs, "var"), `wvar run ${run}`, 1e-8)
    }
  })
  it("rolling by duration (frame verb and rolling_*_by expressions) against groupByRolling, with groups and ties", () => {
    const rng = prng(SEED + 2)
    for (let run = 0; run < 40; run++) {
      const n = 1 + Math.floor(rng() * 120)
      let t = 1_700_000_000_000
      const ts = Array.from({ length: n }, () => (t += Math.floor(rng() * 4) * 1000))
      const xs = randomSeries(rng, n, 0.15, 100)
      const syms = Array.from({ length: n }, () => ["A", "B", "C"][Math.floor(rng() * 3)]!)
      const period = `${1 + Math.floor(rng() * 8)}s`
      const closed = (["left", "right", "both", "none"] as const)[Math.floor(rng() * 4)]!
      const grouped = rng() < 0.5
      const df = pl
        .DataFrame([pl.Series("s", syms), pl.Series("t", ts, pl.Int64).cast(pl.Datetime("ms")), pl.Series("x", xs as Array<number | null>, pl.Float64)])
      const aggs = [
        pl.col("x").mean().alias("mean"),
        pl.col("x").sum().alias("sum"),
        pl.col("x").min().alias("min"),
        pl.col("x").max().alias("max"),
        pl.col("x").std().alias("std"),
        pl.col("x").median().alias("median")
      ]
      const theirs = df.groupByRolling({ indexColumn: "t", period, closed, ...(grouped ? { by: "s" } : {}) } as never).agg(aggs[0]!, ...aggs.slice(1))
      const f = frame({ s: syms, t: tsMs(ts), x: f64(xs) })
      const ours = runOk(
        rolling(f, { index: "t", period, closed, ...(grouped ? { by: "s" } : {}) }, [
          col("x").mean().alias("mean"),
          col("x").sum().alias("sum"),
          col("x").min().alias("min"),
          col("x").max().alias("max"),
          col("x").std().alias("std"),
          col("x").median().alias("median")
        ])
      )
      const label = `run ${run} period=${period} closed=${closed} grouped=${grouped}`
      // Polars does not promise an order of the groups: compare group by group (rows keep their order within).
      const symOrder = grouped ? [...new Set(plCol(theirs, "s") as Array<string>)] : []
      const oursSyms = grouped ? (C.toArray(F.contiguous(ours)[0]!) as Array<string>) : []
      const theirsSyms = grouped ? (plCol(theirs, "s") as Array<string>) : []
      const regroup = (xs: ReadonlyArray<unknown>, keys: ReadonlyArray<string>): Array<unknown> =>
        grouped ? symOrder.flatMap((s) => xs.filter((_, i) => keys[i] === s)) : [...xs]
      const oc = (name: string): Array<unknown> => regroup(C.toArray(F.contiguous(ours)[ours.columns.indexOf(name)]!), oursSyms)
      const tc = (name: string): Array<unknown> => regroup(plCol(theirs, name), theirsSyms)
      expect(oc("t").map((d) => (d as Date).getTime()), `${label} index`).toEqual(tc("t").map((d) => (d as Date).getTime()))
      for (const name of ["mean", "sum", "min", "max", "std", "median"]) expectClose(oc(name), tc(name), `${label} ${name}`, 1e-8)
      // The expressions: same windows (minSamples 1 → null where Polars' group is empty; sum of empty = 0 there).
      const exprs = grouped
        ? [col("x").rollingMeanBy("t", period, { closed }).over("s"), col("x").rollingStdBy("t", period, { closed }).over("s"), col("x").rollingMedianBy("t", period, { closed }).over("s")]
        : [col("x").rollingMeanBy("t", period, { closed }), col("x").rollingStdBy("t", period, { closed }), col("x").rollingMedianBy("t", period, { closed })]
      if (!grouped) {
        expectClose(ev(f, exprs[0]!), plCol(theirs, "mean"), `${label} rollingMeanBy`, 1e-8)
        expectClose(ev(f, exprs[1]!), plCol(theirs, "std"), `${label} rollingStdBy`, 1e-8)
        expectClose(ev(f, exprs[2]!), plCol(theirs, "median"), `${label} rollingMedianBy`, 1e-8)
      } else {
        // Per-symbol expressions are in input order: compare with the verb's output gathered back by symbol.
        const mean = ev(f, exprs[0]!)
        const bySym = new Map<string, Array<unknown>>()
        syms.forEach((s, i) => {
          bySym.set(s, [...(bySym.get(s) ?? []), mean[i]])
        })
        const theirsMean = plCol(theirs, "mean")
        const flat: Array<unknown> = []
        const pos = new Map<string, number>()
        for (const s of theirsSyms) {
          const k = pos.get(s) ?? 0
          flat.push(bySym.get(s)![k])
          pos.set(s, k + 1)
        }
        expectClose(flat, theirsMean, `${label} rollingMeanBy over(s)`, 1e-8)
      }
    }
  })
  it("ewm mean / std / var with alpha, adjust, ignoreNulls, minSamples, bias", () => {
    const rng = prng(SEED + 3)
    for (let run = 0; run < 80; run++) {
      const n = 1 + Math.floor(rng() * 60)
      const xs = randomSeries(rng, n, 0.25, 100)
      const alpha = Math.round((0.02 + rng() * 0.98) * 1000) / 1000
      const adjust = rng() < 0.5
      const ignoreNulls = rng() < 0.5
      const bias = rng() < 0.5
      const minPeriods = 1 + Math.floor(rng() * 4)
      const df = plFrame({ x: xs })
      const o = { alpha, adjust, minPeriods, ignoreNulls, bias }
      const theirs = df.select(pl.col("x").ewmMean(o).alias("mean"), pl.col("x").ewmStd(o).alias("std"), pl.col("x").ewmVar(o).alias("var"))
      const f = frame({ x: f64(xs) })
      const oo = { alpha, adjust, minSamples: minPeriods, ignoreNulls }
      const label = `run ${run} ${JSON.stringify(o)}`
      expectClose(ev(f, col("x").ewmMean(oo)), plCol(theirs, "mean"), `${label} mean`, 1e-9)
      expectClose(ev(f, col("x").ewmStd({ ...oo, bias })), plCol(theirs, "std"), `${label} std`, 1e-8)
      expectClose(ev(f, col("x").ewmVar({ ...oo, bias })), plCol(theirs, "var"), `${label} var`, 1e-8)
    }
  })
  it("diff, pctChange, shift, forwardFill, interpolate on random data with nulls", () => {
    const rng = prng(SEED + 4)
    for (let run = 0; run < 40; run++) {
      const n = 1 + Math.floor(rng() * 40)
      const xs = randomSeries(rng, n, 0.3, 100)
      const k = Math.floor(rng() * 5) - 2
      const df = plFrame({ x: xs })
      const theirs = df.select(
        pl.col("x").diff(k === 0 ? 1 : k, "ignore").alias("diff"),
        pl.col("x").pctChange(k === 0 ? 1 : k).alias("pct"),
        pl.col("x").shift(k).alias("shift"),
        pl.col("x").forwardFill().alias("ffill"),
        pl.col("x").interpolate("linear").alias("lin"),
        pl.col("x").interpolate("nearest").alias("near")
      )
      const f = frame({ x: f64(xs) })
      const label = `run ${run} k=${k}`
      expectClose(ev(f, col("x").diff(k === 0 ? 1 : k)), plCol(theirs, "diff"), `${label} diff`)
      expectClose(ev(f, col("x").pctChange(k === 0 ? 1 : k)), plCol(theirs, "pct"), `${label} pct`)
      expectClose(ev(f, col("x").shift(k)), plCol(theirs, "shift"), `${label} shift`)
      expectClose(ev(f, col("x").forwardFill()), plCol(theirs, "ffill"), `${label} ffill`)
      expectClose(ev(f, col("x").interpolate()), plCol(theirs, "lin"), `${label} interpolate`)
      expectClose(ev(f, col("x").interpolate("nearest")), plCol(theirs, "near"), `${label} nearest`)
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------
// real data: Lean IBM trades 2013-10-07
// ---------------------------------------------------------------------------------------------------------------

withData("real data: Lean IBM trades against nodejs-polars", () => {
  const file = path.join(DATA, "market/lean/equity/usa/tick/ibm/20131007_ibm_Trade_Tick.csv")
  const load = (): { t: Array<number>; px: Array<number> } => {
    const day = Date.UTC(2013, 9, 7, 4) // midnight New York (EDT) in UTC
    const t: Array<number> = []
    const px: Array<number> = []
    for (const line of nodeFs.readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue
      const f = line.split(",")
      t.push(day + Number(f[0]))
      px.push(Number(f[1]) / 10000)
    }
    return { t, px }
  }
  it("rolling mean/std/median over 20 trades, ewm mean/std, and 5-minute / 30-minute windows", () => {
    const { t, px } = load()
    expect(t.length).toBeGreaterThan(20_000)
    const df = pl.DataFrame([pl.Series("t", t, pl.Int64).cast(pl.Datetime("ms")), pl.Series("px", px, pl.Float64)])
    const o = { windowSize: 20 }
    const theirs = df.select(
      pl.col("px").rollingMean(o).alias("mean"),
      pl.col("px").rollingStd(o).alias("std"),
      pl.col("px").rollingMedian(o).alias("median"),
      pl.col("px").rollingMin(o).alias("min"),
      pl.col("px").ewmMean({ alpha: 2 / 21, adjust: true, minPeriods: 1, ignoreNulls: false, bias: false }).alias("ewm"),
      pl.col("px").ewmStd({ alpha: 2 / 21, adjust: false, minPeriods: 1, ignoreNulls: false, bias: false }).alias("ewmstd")
    )
    const f = frame({ t: tsMs(t), px: f64(px) })
    expectClose(ev(f, col("px").rollingMean(20)), plCol(theirs, "mean"), "IBM rollingMean(20)", 1e-9)
    expectClose(ev(f, col("px").rollingStd(20)), plCol(theirs, "std"), "IBM rollingStd(20)", 1e-6)
    expectClose(ev(f, col("px").rollingMedian(20)), plCol(theirs, "median"), "IBM rollingMedian(20)")
    expectClose(ev(f, col("px").rollingMin(20)), plCol(theirs, "min"), "IBM rollingMin(20)")
    expectClose(ev(f, col("px").ewmMean({ span: 20 })), plCol(theirs, "ewm"), "IBM ewmMean(span 20)", 1e-9)
    expectClose(ev(f, col("px").ewmStd({ span: 20, adjust: false })), plCol(theirs, "ewmstd"), "IBM ewmStd(span 20)", 1e-6)
    for (const period of ["5m", "30m"]) {
      const roll = df.groupByRolling({ indexColumn: "t", period } as never).agg(pl.col("px").mean().alias("mean"), pl.col("px").std().alias("std"), pl.col("px").max().alias("max"))
      expectClose(ev(f, col("px").rollingMeanBy("t", period)), plCol(roll, "mean"), `IBM rollingMeanBy ${period}`, 1e-9)
      expectClose(ev(f, col("px").rollingStdBy("t", period)), plCol(roll, "std"), `IBM rollingStdBy ${period}`, 1e-6)
      expectClose(ev(f, col("px").rollingMaxBy("t", period)), plCol(roll, "max"), `IBM rollingMaxBy ${period}`)
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------
// ewm fast path: a column without nulls takes the dense kernel (constant coefficients once the adjusted weight
// reaches its floating-point fixed point); a column with a null takes the general loop
// ---------------------------------------------------------------------------------------------------------------

describe("ewm mean: the no-null fast path", () => {
  it("equals the general (null-aware) loop on long series, per group, for adjust on and off", () => {
    const rng = prng(SEED + 11)
    for (let run = 0; run < 24; run++) {
      const n = 200 + Math.floor(rng() * 2500)
      const xs = randomSeries(rng, n, 0, 100)
      // repeated values exercise the "x equals the mean" branch
      for (let i = 1; i < n; i++) if (rng() < 0.1) xs[i] = xs[i - 1]!
      const alpha = [0.9, 0.5, 2 / 21, 0.03, 0.005][run % 5]!
      const adjust = run % 2 === 0
      const minSamples = 1 + Math.floor(rng() * 3)
      const k = 1 + (run % 3)
      const g = groupsFor(n, k)
      // the same rows plus one trailing null row in its own group: the null forces the general loop and, being last
      // in its group, cannot change any other row
      const dense = frame({ g, x: f64(xs) })
      const general = frame({ g: [...g, "tail"], x: f64([...xs, null]) })
      const o = { alpha, adjust, minSamples }
      const label = `run ${run} n ${n} ${JSON.stringify(o)} groups ${k}`
      const a = ev(dense, col("x").ewmMean(o).over("g"))
      const b = ev(general, col("x").ewmMean(o).over("g")).slice(0, n)
      expectClose(a, b, label, 1e-12)
    }
  })
  it("equals nodejs-polars on long series without nulls (past the weights' fixed point)", () => {
    const rng = prng(SEED + 12)
    for (let run = 0; run < 8; run++) {
      const n = 1000 + Math.floor(rng() * 4000)
      const xs = randomSeries(rng, n, 0, 1000)
      const alpha = [0.5, 2 / 21, 0.01, 0.2][run % 4]!
      const adjust = run % 2 === 0
      const theirs = plFrame({ x: xs }).select(pl.col("x").ewmMean({ alpha, adjust, minPeriods: 1, ignoreNulls: false, bias: false }).alias("m"))
      expectClose(ev(frame({ x: f64(xs) }), col("x").ewmMean({ alpha, adjust })), plCol(theirs, "m"), `run ${run} alpha ${alpha} adjust ${adjust}`, 1e-10)
    }
  })
})
