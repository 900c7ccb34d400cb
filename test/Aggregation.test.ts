/**
 * Grouped aggregation fast paths: the fused single-pass multi-aggregation (`aggregateMany`, used by
 * `groupBy().agg()` when several aggregations share the groups) must give bit-identical results to the
 * one-aggregation kernels (`aggregate`); checked on random data with nulls, NaN, -0 and many dtypes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import type { AggFn } from "../src/Expr/Expr.ts"
import { col, len } from "../src/Expr/index.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/index.ts"
import * as Build from "../src/internal/build.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import * as F from "../src/internal/frame.ts"
import { type AggSpec, aggregate, aggregateMany, isFusable } from "../src/internal/kernels/agg.ts"
import { groupIds } from "../src/internal/kernels/hash.ts"

const column = (xs: ReadonlyArray<unknown>, dtype?: DataType): Column => {
  const r = Build.fromValues(xs, dtype)
  if (r._tag === "Err") throw new Error(`bad test column: row ${r.row}: ${r.expected}`)
  return r.column
}
const run = <X, E>(e: Effect.Effect<X, E>): X => Effect.runSync(e)

// A seeded PRNG (mulberry32).
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

/** Same values, same nulls; floats compared with Object.is (NaN equals NaN, -0 differs from 0). */
const expectIdentical = (a: Column, b: Column, what: string): void => {
  expect(DT.format(a.dtype), what).toBe(DT.format(b.dtype))
  expect(a.length, what).toBe(b.length)
  const xs = C.toArray(a)
  const ys = C.toArray(b)
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]
    const y = ys[i]
    if (!Object.is(x, y)) expect({ what, row: i, x }).toEqual({ what, row: i, x: y })
  }
}

const DTYPES: ReadonlyArray<[DataType, (r: Rng) => unknown]> = [
  [DT.Float64, (r) => r.pick([0, -0, Number.NaN, 1.5, -2.25, 1e300, -1e300, 0.1, r.int(-3000, 3000) / 7])],
  [DT.Float32, (r) => r.pick([0, -0, Number.NaN, 1.5, r.int(-300, 300) / 3])],
  [DT.Int32, (r) => r.int(-2147483648, 2147483647) >> r.int(0, 31)],
  [DT.Int8, (r) => r.int(-128, 127)],
  [DT.UInt32, (r) => r.int(0, 4294967295)],
  [DT.Int64, (r) => BigInt(r.int(-5, 5)) * 2n ** BigInt(r.int(0, 50))],
  [DT.Boolean, (r) => r.chance(0.5)],
  [DT.Utf8, (r) => `s${r.int(0, 9)}`]
]
const FNS: ReadonlyArray<[AggFn, Record<string, unknown>]> = [
  ["sum", {}],
  ["mean", {}],
  ["min", {}],
  ["max", {}],
  ["count", {}],
  ["len", {}],
  ["var", {}],
  ["var", { ddof: 0 }],
  ["std", { ddof: 2 }]
]

describe("aggregateMany (fused single pass)", () => {
  it("is bit-identical to the one-aggregation kernels on random data with nulls, NaN and -0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const r = new Rng(seed)
        const n = r.chance(0.2) ? r.int(1000, 5000) : r.int(0, 60)
        const keys = column(
          Array.from({ length: n }, () => (r.chance(0.05) ? null : r.int(0, r.pick([1, 3, 40, 2000])))),
          DT.Int32
        )
        const groups = groupIds([keys], n)
        const pNull = r.pick([0, 0, 0.1, 0.9])
        const specs: Array<AggSpec> = []
        const count = r.int(2, 7)
        for (let k = 0; k < count; k++) {
          const [dt, gen] = r.pick(DTYPES)
          const [fn, options] = r.pick(FNS)
          const c = column(
            Array.from({ length: n }, () => (r.chance(pNull) ? null : gen(r))),
            dt
          )
          if (isFusable(fn, c)) specs.push({ fn, column: c, options })
        }
        const fused = aggregateMany(specs, groups)
        specs.forEach((s, k) => {
          expectIdentical(fused[k]!, aggregate(s.fn, s.column, groups, s.options), `${s.fn} ${DT.format(s.column.dtype)}`)
        })
      }),
      { numRuns: 300 }
    )
  })

  it("groupBy().agg() with several aggregations equals each aggregation on its own", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const r = new Rng(seed)
        const n = r.int(0, 400)
        const nul = (p: number, f: () => unknown) => Array.from({ length: n }, () => (r.chance(p) ? null : f()))
        const frame = F.fromColumnsUnsafe(
          ["k", "a", "b", "x"],
          [
            column(nul(0.05, () => r.int(0, 12)), DT.Int32),
            column(nul(0.1, () => r.int(-5, 5)), DT.Int32),
            column(nul(0, () => r.int(0, 15)), DT.Int32),
            column(nul(0.2, () => r.pick([Number.NaN, -0, 0.5, r.int(-100, 100) / 3])), DT.Float64)
          ]
        )
        const f64 = (c: string) => col(c).cast(DT.Float64)
        const exprs = [
          col("a").sum().alias("sa"),
          col("b").sum().alias("sb"),
          col("x").mean().alias("mx"),
          col("a").mean().alias("ma"),
          col("x").std().alias("sdx"),
          col("b").var(0).alias("vb"),
          col("a").max().alias("maxa"),
          col("b").min().alias("minb"),
          col("x").count().alias("cx"),
          len().alias("n"),
          f64("a").mul(f64("b")).sum().alias("sab"),
          f64("a").sum().alias("sfa"),
          col("x").mul(f64("a")).mean().alias("mxa"),
          f64("b").mul(col("x")).std().alias("sdbx"),
          f64("a").var(0).alias("vfa")
        ]
        // Every expression above holds one aggregation: on its own it takes the one-aggregation kernels.
        const all = run(Frame.groupBy(frame, "k").agg(...exprs))
        for (const e of exprs) {
          const one = run(Frame.groupBy(frame, "k").agg(e))
          const name = one.columns[1]!
          expectIdentical(run(Frame.getColumn(all, name)), run(Frame.getColumn(one, name)), name)
        }
      }),
      { numRuns: 100 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// topK / bottomK
// ---------------------------------------------------------------------------------------------------------------

/** Reference order of non-null values: NaN above every number, -0 equal to 0, strings by code unit (ASCII here). */
const cmpValues = (x: unknown, y: unknown): number => {
  if (typeof x === "number" && typeof y === "number") {
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (typeof x === "bigint" && typeof y === "bigint") return x < y ? -1 : x > y ? 1 : 0
  if (typeof x === "boolean" && typeof y === "boolean") return Number(x) - Number(y)
  return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0
}

/** Per group: the valid values stably sorted (best first), the first k, then nulls up to min(k, group size). */
const referenceTopK = (ids: ReadonlyArray<number>, G: number, xs: ReadonlyArray<unknown>, k: number, largest: boolean) =>
  Array.from({ length: G }, (_, g) => {
    const rows = ids.flatMap((id, i) => (id === g ? [i] : []))
    const valid = rows.filter((i) => xs[i] !== null)
    valid.sort((a, b) => (largest ? -1 : 1) * cmpValues(xs[a], xs[b]) || a - b)
    const out: Array<unknown> = valid.slice(0, k).map((i) => xs[i])
    while (out.length < Math.min(k, rows.length)) out.push(null)
    return out
  })

describe("topK / bottomK", () => {
  it("hand-computed: largest / smallest first, NaN above numbers, nulls only to fill up", () => {
    const frame = F.fromColumnsUnsafe(
      ["g", "v"],
      [
        column(["a", "b", "a", "c", "a", "b", "a", "c"], DT.Utf8),
        column([3, null, Number.NaN, null, 7, 5, 3, null], DT.Float64)
      ]
    )
    const out = run(Frame.groupBy(frame, "g").agg(col("v").topK(2).alias("top"), col("v").bottomK(3).alias("bottom")))
    expect(C.toArray(run(Frame.getColumn(out, "top")))).toEqual([[Number.NaN, 7], [5, null], [null, null]])
    expect(C.toArray(run(Frame.getColumn(out, "bottom")))).toEqual([[3, 3, 7], [5, null], [null, null]])
    const exploded = run(Frame.explode(out, "top"))
    expect(exploded.height).toBe(6)
    // In a select: one list of the whole column.
    const all = run(Frame.select(frame, col("v").topK(3).alias("t")))
    expect(C.toArray(run(Frame.getColumn(all, "t")))).toEqual([[Number.NaN, 7, 5]])
    // k must be a non-negative integer.
    expect(Effect.runSyncExit(Frame.groupBy(frame, "g").agg(col("v").topK(-1))))
      .toMatchObject({ _tag: "Failure" })
  })

  it("agrees with a sort-based reference on random data of many dtypes (small and large k)", () => {
    const dtypes: ReadonlyArray<[DataType, (r: Rng) => unknown]> = [
      [DT.Float64, (r) => r.pick([0, -0, Number.NaN, 1.5, -2.25, Number.POSITIVE_INFINITY, r.int(-50, 50) / 4])],
      [DT.Int32, (r) => r.int(-20, 20)],
      [DT.UInt8, (r) => r.int(0, 255)],
      [DT.Int64, (r) => BigInt(r.int(-5, 5)) * 2n ** 40n],
      [DT.Boolean, (r) => r.chance(0.5)],
      [DT.Utf8, (r) => `s${r.int(0, 30)}`]
    ]
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const r = new Rng(seed)
        const n = r.chance(0.2) ? r.int(200, 1500) : r.int(0, 40)
        const keyVals = Array.from({ length: n }, () => r.int(0, r.pick([0, 2, 10, 300])))
        const [dt, gen] = r.pick(dtypes)
        const pNull = r.pick([0, 0.1, 0.7])
        const xs = Array.from({ length: n }, () => (r.chance(pNull) ? null : gen(r)))
        const k = r.pick([0, 1, 2, 3, 10, 70, 200])
        const largest = r.chance(0.5)
        const frame = F.fromColumnsUnsafe(["g", "v"], [column(keyVals, DT.Int32), column(xs, dt)])
        const e = largest ? col("v").topK(k) : col("v").bottomK(k)
        const out = run(Frame.groupBy(frame, "g").agg(e.alias("t")))
        const groups = groupIds([column(keyVals, DT.Int32)], n)
        const got = C.toArray(run(Frame.getColumn(out, "t"))) as Array<Array<unknown>>
        const want = referenceTopK(Array.from(groups.ids), groups.count, xs, k, largest)
        expect(got.length).toBe(want.length)
        got.forEach((list, g) => {
          expect(list.length, `group ${g}`).toBe(want[g]!.length)
          list.forEach((x, j) => {
            const y = want[g]![j]
            // -0 and 0 tie: the first occurrence wins in both, but compare by value.
            if (!(Object.is(x, y) || (x === 0 && y === 0))) expect({ g, j, x }).toEqual({ g, j, x: y })
          })
        })
      }),
      { numRuns: 300 }
    )
  })
})
