/**
 * Group-wise quantiles and variances (issue 3, db-benchmark q6 `median(v3), sd(v3) by id4, id5`): medians and
 * quantiles selected by sampling pivots and selecting inside the band between them (`quantileBand`, groups of
 * 128 .. 65536 values, falling back to quickselect in place), and var / std computed from the same gather of each
 * group's values when a median or quantile of the same column is asked for (`quantilesWithMoments`).
 *
 * Also `topK` / `bottomK` per group over small key domains (per-slot state in a generated loop, no group ids).
 *
 * Oracles: DuckDB (`quantile_cont`, `median`, `stddev_samp`, `var_pop`) on random frames with nulls, ties and
 * groups from 1 to ~2000 rows; for NaN and the other interpolations a reference computed by sorting each group's
 * values (NaN last) and applying Polars' definition (`(m - 1) q` float index).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { col } from "../src/Expr/index.ts"
import type { Expr, QuantileInterpolation } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/index.ts"
import * as Bits from "../src/internal/bitmap.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import { fromColumnsUnsafe } from "../src/internal/frame.ts"
import { diffRows, frameRows, Oracle } from "./support/duckdb.ts"
import { mulberry32 as rng } from "./support/rng.ts"

let db: Oracle
beforeAll(async () => {
  db = await Oracle.make()
})
afterAll(() => {
  db?.close()
})

const run = <A>(e: Effect.Effect<A, unknown>): Promise<A> => Effect.runPromise(e)

/**
 * A frame of `n` rows: key `k` (Int32; groups 0..5 large, 6..9 small, skewed sizes), `y` (Float64, nulls, many
 * ties in some seeds, sorted runs in others, no NaN) and `x` (as `y` plus NaN in some groups).
 */
const makeFrame = (seed: number, n: number) => {
  const r = rng(seed)
  const k = new Int32Array(n)
  const y = new Float64Array(n)
  const x = new Float64Array(n)
  const valid = new Uint8Array(n)
  const ties = seed % 3 === 0
  const sorted = seed % 4 === 1
  for (let i = 0; i < n; i++) {
    const u = r()
    k[i] = u < 0.97 ? Math.floor(u * u * 6.2) : 6 + Math.floor(r() * 4)
    const base = ties ? Math.floor(r() * 5) : Math.round((r() * 200 - 100) * 1000) / 1000
    y[i] = sorted ? i / n + (ties ? Math.floor(r() * 3) : 0) : base
    valid[i] = r() < 0.1 ? 0 : 1
    x[i] = k[i]! % 3 === seed % 3 && r() < 0.05 ? Number.NaN : y[i]!
  }
  const validity = Bits.pack(valid, n)
  return fromColumnsUnsafe(
    ["k", "y", "x"],
    [
      C.make(DT.Int32, n, k, null),
      C.make(DT.Float64, n, y, validity),
      C.make(DT.Float64, n, x, validity)
    ] as Array<Column>
  )
}

/** Polars' quantile of the values (nulls removed, NaN kept and sorted last), from a full sort. */
const refQuantile = (vals: ReadonlyArray<number>, q: number, interp: QuantileInterpolation): number | null => {
  const m = vals.length
  if (m === 0) return null
  const s = [...vals].sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b))
  const f = (m - 1) * q
  const at = (i: number) => s[Math.min(Math.max(i, 0), m - 1)]!
  switch (interp) {
    case "nearest":
      return at(Math.round(f))
    case "lower":
      return at(Math.floor(f))
    case "higher":
      return at(Math.ceil(f))
    case "midpoint":
    case "linear": {
      const lo = Math.min(Math.max(Math.floor(f), 0), m - 1)
      if (Math.ceil(f) === lo) return s[lo]!
      const a = s[lo]!
      const b = lo + 1 < m ? s[lo + 1]! : Number.NaN
      if (a === b) return a
      return interp === "midpoint" ? (a + b) / 2 : (f - lo) * (b - a) + a
    }
  }
}

describe("group-wise median / quantile / std", () => {
  it("median, std and var (fused from one gather) agree with DuckDB, with nulls and ties", async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const n = 1500 + seed * 250
      const f = makeFrame(seed, n)
      await db.load("t", f, "__i")
      const out = await run(
        Frame.groupBy(f, "k").agg(
          col("y").median().alias("med"),
          col("y").std().alias("sd"),
          col("y").var(0).alias("vp"),
          col("y").quantile(0.9, "linear").alias("q9")
        )
      )
      const res = await db.query(
        `SELECT k, median(y) med, stddev_samp(y) sd, var_pop(y) vp, quantile_cont(y, 0.9) q9
         FROM t GROUP BY k ORDER BY min(__i)`
      )
      const problem = diffRows(frameRows(out), res.rows, { ordered: true, rtol: 1e-10, atol: 1e-12, columns: out.columns })
      expect(problem, `seed ${seed}`).toBeUndefined()
    }
  })

  it("median alone and std alone agree with DuckDB (separate kernels)", async () => {
    const f = makeFrame(11, 3000)
    await db.load("t", f, "__i")
    const a = await run(Frame.groupBy(f, "k").agg(col("y").median().alias("med")))
    const b = await run(Frame.groupBy(f, "k").agg(col("y").std().alias("sd")))
    const res = await db.query(`SELECT k, median(y) med, stddev_samp(y) sd FROM t GROUP BY k ORDER BY min(__i)`)
    expect(diffRows(frameRows(a), res.rows.map((r) => [r[0]!, r[1]!]), { ordered: true, rtol: 1e-12 })).toBeUndefined()
    expect(diffRows(frameRows(b), res.rows.map((r) => [r[0]!, r[2]!]), { ordered: true, rtol: 1e-10 })).toBeUndefined()
  })

  it("quantiles with every interpolation, NaN sorted last, match a sort-based reference", async () => {
    const interps: ReadonlyArray<QuantileInterpolation> = ["nearest", "lower", "higher", "midpoint", "linear"]
    const qs = [0, 0.01, 0.25, 0.5, 0.73, 0.99, 1]
    for (let seed = 1; seed <= 6; seed++) {
      const n = 2500
      const f = makeFrame(seed, n)
      const aggs: Array<Expr<string, number>> = [col("x").median().alias("med"), col("x").std().alias("sd")]
      for (const q of qs) for (const it of interps) aggs.push(col("x").quantile(q, it).alias(`q${q}_${it}`))
      const out = await run(Frame.groupBy(f, "k").agg(...aggs))
      // Reference: each group's valid values in row order.
      const kc = f.batches[0]!.columns[0]!
      const xc = f.batches[0]!.columns[2]!
      const groups = new Map<number, Array<number>>()
      for (let i = 0; i < n; i++) {
        const key = C.getValue(kc, i) as number
        const list = groups.get(key) ?? []
        groups.set(key, list)
        const v = C.getValue(xc, i)
        if (v !== null) list.push(v as number)
      }
      const expected = [...groups.entries()].map(([key, vals]) => {
        const row: Array<number | null> = [key, refQuantile(vals, 0.5, "linear")]
        // std: NaN when the group holds NaN; else the two-pass formula (checked against DuckDB above).
        let sd: number | null = null
        if (vals.length > 1) {
          const mean = vals.reduce((s, v) => s + v, 0) / vals.length
          sd = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / (vals.length - 1))
        }
        row.push(sd)
        for (const q of qs) for (const it of interps) row.push(refQuantile(vals, q, it))
        return row
      })
      const problem = diffRows(frameRows(out), expected, { ordered: true, rtol: 1e-12, atol: 1e-12, columns: out.columns })
      expect(problem, `seed ${seed}`).toBeUndefined()
    }
  })

  it("topK / bottomK per group (small key domains, nulls in keys and values, ties, NaN) agree with DuckDB", async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(100 + seed)
      const n = 400 + seed * 300
      const kv = new Int32Array(n)
      const kValid = new Uint8Array(n)
      const x = new Float64Array(n)
      const xValid = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        kv[i] = 1000 + Math.floor(r() * (seed * 7))
        kValid[i] = r() < 0.05 ? 0 : 1
        x[i] = seed % 2 === 0 ? Math.floor(r() * 6) : r() < 0.03 ? Number.NaN : Math.round(r() * 1e4) / 100
        xValid[i] = r() < 0.2 ? 0 : 1
      }
      // A group of nulls only, and one with a single valid value.
      kv[0] = 999
      xValid[0] = 0
      kValid[0] = 1
      kv[1] = 998
      xValid[1] = 1
      kValid[1] = 1
      const f = fromColumnsUnsafe(
        ["k", "x"],
        [C.make(DT.Int32, n, kv, Bits.pack(kValid, n)), C.make(DT.Float64, n, x, Bits.pack(xValid, n))] as Array<Column>
      )
      await db.load("t", f, "__i")
      for (const k of [1, 2, 3]) {
        const out = await run(Frame.groupBy(f, "k").agg(col("x").topK(k).alias("top"), col("x").bottomK(k).alias("bottom")))
        const res = await db.query(
          `SELECT k, list_slice(list(x ORDER BY x DESC NULLS LAST), 1, ${k}) top,
             list_slice(list(x ORDER BY x ASC NULLS LAST), 1, ${k}) bottom
           FROM t GROUP BY k ORDER BY min(__i)`
        )
        const problem = diffRows(frameRows(out), res.rows, { ordered: true, columns: out.columns })
        expect(problem, `seed ${seed}, k ${k}`).toBeUndefined()
      }
    }
  })
})
