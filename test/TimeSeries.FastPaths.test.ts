/**
 * The time-series fast paths against independent references, on random inputs (fixed seeds):
 * - `joinAsof` backward without `by` (the merge gathering output columns block by block, `backwardPlainBlocks` +
 *   `blockGatherer`) against the bucket merge (`matchRows`) followed by `C.take`, over right columns of many dtypes
 *   with nulls, ties, unmatched prefixes, several 2048-row blocks; unsorted keys give `NotSorted`.
 * - duration-window sums and means over a 64-bit index (`denseDurationSums`, its `durationBlockFast` form) against
 *   a brute-force window scan, for every `closed`, offsets and periods, segments, ties, NaN/±Inf values and
 *   `minSamples`; an unsorted index is reported by the public verb and expression.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { col } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Build from "../src/internal/build.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import * as Engine from "../src/internal/expr/engine.ts"
import * as F from "../src/internal/frame.ts"
import type { Frame as FrameT } from "../src/internal/frame.ts"
import { type ClosedWindow, denseDurationSums } from "../src/internal/kernels/rolling.ts"
import * as K from "../src/internal/timeseries/asof.ts"
import { joinAsof, rolling } from "../src/TimeSeries/index.ts"
import { mulberry32 as prng } from "./support/rng.ts"

const SEED = Number(process.env.POLAROID_FAST_SEED ?? 20261126)

const column = (xs: ReadonlyArray<unknown>, dtype?: DataType): Column => {
  const r = Build.fromValues(xs, dtype)
  if (r._tag === "Err") throw new Error(`bad test column: row ${r.row}: ${r.expected}`)
  return r.column
}
const frame = (names: ReadonlyArray<string>, cols: ReadonlyArray<Column>): FrameT => F.fromColumnsUnsafe(names, cols)
const failure = <A, E>(eff: Effect.Effect<A, E>): E => {
  const exit = Effect.runSyncExit(eff)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const e = exit.cause.reasons[0]
  if (e === undefined || e._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return e.error
}

const US_BASE = 1_704_187_800_123_457n

/** Sorted Timestamp(us) keys: steps of 0–3 ms (ties are common), starting `start` ms after US_BASE. */
const sortedKeys = (rng: () => number, n: number, start: number): Column => {
  const t = new BigInt64Array(n)
  let v = US_BASE + BigInt(start * 1000)
  for (let i = 0; i < n; i++) {
    v += rng() < 0.3 ? 0n : BigInt(1000 * Math.floor(rng() * 4))
    t[i] = v
  }
  return C.make(DT.Timestamp("us"), n, t, null)
}

const pick = <A>(rng: () => number, xs: ReadonlyArray<A>): A => xs[Math.floor(rng() * xs.length)]!
const maybeNull = <A>(rng: () => number, x: A, p: number): A | null => (rng() < p ? null : x)

/** Right-side payload columns of many dtypes (some with nulls); Boolean only when `withBool` (no block gatherer). */
const payload = (rng: () => number, m: number, withBool: boolean): { names: Array<string>; cols: Array<Column> } => {
  const words = ["AAPL", "MSFT", "X", "", "BRK.B", "A_SYMBOL_NAME_LONGER_THAN_32_BYTES_X", "ü€"]
  const gen = (f: () => unknown) => Array.from({ length: m }, f)
  const names = ["s", "u", "code", "f", "i", "big", "b8", "u16", "f32", "d", "cat"]
  const cols = [
    column(gen(() => maybeNull(rng, pick(rng, words), 0.1)), DT.Utf8),
    column(gen(() => pick(rng, words)), DT.Utf8),
    // one length for every string (the gatherer's fixed-width form; a null would be an empty slot, so none)
    column(gen(() => `S${String(Math.floor(rng() * 10000)).padStart(4, "0")}`), DT.Utf8),
    column(gen(() => maybeNull(rng, rng() < 0.05 ? Number.NaN : Math.round(rng() * 1e6) / 100, 0.1)), DT.Float64),
    column(gen(() => Math.floor(rng() * 2e9) - 1e9), DT.Int32),
    column(gen(() => maybeNull(rng, BigInt(Math.floor(rng() * 1e12)) - 500_000_000_000n, 0.2)), DT.Int64),
    column(gen(() => Math.floor(rng() * 256) - 128), DT.Int8),
    column(gen(() => Math.floor(rng() * 65536)), DT.UInt16),
    column(gen(() => Math.fround(rng() * 100 - 50)), DT.Float32),
    column(gen(() => maybeNull(rng, Math.floor(rng() * 20000), 0.05)), DT.Date),
    column(gen(() => maybeNull(rng, pick(rng, ["lo", "mid", "hi"]), 0.1)), DT.Categorical)
  ]
  if (withBool) {
    names.push("flag")
    cols.push(column(gen(() => maybeNull(rng, rng() < 0.5, 0.1)), DT.Boolean))
  }
  return { names, cols }
}

describe("joinAsof backward without by: block-wise gathers during the merge", () => {
  it("equals the bucket merge + take over many dtypes, nulls, ties, unmatched prefixes and many blocks", () => {
    const rng = prng(SEED)
    for (let run = 0; run < 24; run++) {
      const n = 1 + Math.floor(rng() * (run % 3 === 0 ? 9000 : 2500))
      const m = 1 + Math.floor(rng() * (run % 4 === 0 ? 9000 : 2500))
      // the left side sometimes starts before the right one (an unmatched prefix) or after it ends
      const lt = sortedKeys(rng, n, Math.floor(rng() * 3000))
      const rt = sortedKeys(rng, m, Math.floor(rng() * 1500))
      const exact = rng() < 0.5
      const withBool = run % 5 === 4
      const p = payload(rng, m, withBool)
      const left = frame(["t", "s", "x"], [lt, column(Array.from({ length: n }, (_, i) => `L${i}`), DT.Utf8), column(Array.from({ length: n }, (_, i) => i), DT.Int32)])
      const right = frame(["t", ...p.names], [rt, ...p.cols])
      const out = Effect.runSync(joinAsof(left, right, { on: "t", allowExactMatches: exact }))
      // reference: the bucket merge, then C.take (-1 → null)
      const keys = K.prepareKeys(lt, rt) as K.Keys
      const buckets = K.groupRows([], [], n, m, keys.leftValid, keys.rightValid)
      const merge = { strategy: "backward" as const, allowExactMatches: exact, tolerance: Infinity, tieBreak: "greater" as const }
      const idx = K.matchRows(n, keys.left, keys.right, buckets, merge)
      const label = `run ${run} n ${n} m ${m} exact ${exact} bool ${withBool}`
      expect(out.columns, label).toEqual(["t", "s", "x", "s_right", ...p.names.slice(1)])
      const got = F.contiguous(out)
      for (let c = 0; c < p.cols.length; c++) {
        const ref = C.take(p.cols[c]!, idx)
        const g = got[3 + c]!
        expect(g.dtype, `${label} ${p.names[c]}`).toEqual(ref.dtype)
        expect(g.nullCount, `${label} ${p.names[c]}`).toBe(ref.nullCount)
        expect(C.toArray(g), `${label} ${p.names[c]}`).toEqual(C.toArray(ref))
      }
    }
  })

  it("an unsorted left or right key (past the first block) is NotSorted, not a wrong answer", () => {
    const rng = prng(SEED + 1)
    const n = 5000
    const lt = sortedKeys(rng, n, 0)
    const rt = sortedKeys(rng, n, 0)
    const p = payload(rng, n, false)
    const bad = (c: Column, at: number): Column => {
      const v = (c.values as BigInt64Array).slice()
      v[at] = v[at]! - 10_000_000n
      return C.make(c.dtype, c.length, v, null)
    }
    const right = frame(["t", ...p.names], [rt, ...p.cols])
    const e1 = failure(joinAsof(frame(["t"], [bad(lt, 4321)]), right, { on: "t" })) as { _tag: string; column: string }
    expect(e1._tag).toBe("NotSorted")
    const e2 = failure(joinAsof(frame(["t"], [lt]), frame(["t", ...p.names], [bad(rt, 3000), ...p.cols]), { on: "t" })) as {
      _tag: string
    }
    expect(e2._tag).toBe("NotSorted")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// duration-window sums
// ---------------------------------------------------------------------------------------------------------------

/** Brute force: sums / means of the windows of each row within its segment (null: fewer than `need` rows). */
const bruteForce = (
  mean: boolean,
  v: Float64Array,
  t: BigInt64Array,
  offset: bigint,
  period: bigint,
  hiIsT: boolean,
  closed: ClosedWindow,
  need: number,
  offsets: Int32Array
): Array<number | null> => {
  const out: Array<number | null> = []
  const strictLo = closed === "right" || closed === "none"
  const strictHi = closed === "left" || closed === "none"
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    for (let i = a; i < b; i++) {
      const lo = t[i]! + offset
      const hi = hiIsT ? t[i]! : lo + period
      let sum = 0
      let cnt = 0
      for (let j = a; j < b; j++) {
        const k = t[j]!
        if ((strictLo ? k > lo : k >= lo) && (strictHi ? k < hi : k <= hi)) {
          sum += v[j]!
          cnt++
        }
      }
      out.push(cnt < Math.max(need, mean ? 1 : 0) ? null : mean ? sum / cnt : sum)
    }
  }
  return out
}

const close = (a: number | null, b: number | null, scale: number): boolean =>
  a === null || b === null ? a === b : Number.isNaN(a) || !Number.isFinite(a) ? Object.is(a, b) : Math.abs(a - b) <= 1e-9 * scale

describe("duration-window sums over a 64-bit index (denseDurationSums)", () => {
  it("equal a brute-force window scan: every closed, offsets, periods, segments, ties, NaN/±Inf, minSamples", () => {
    const rng = prng(SEED + 2)
    const closeds: ReadonlyArray<ClosedWindow> = ["left", "right", "both", "none"]
    for (let run = 0; run < 60; run++) {
      const n = 1 + Math.floor(rng() * (run % 6 === 0 ? 9000 : 700))
      const unit = pick(rng, ["ns", "us", "ms"] as const)
      const tcol = sortedKeys(rng, n, 0)
      // ns keys near 1.7e18: far beyond 2^53 as values, exact as offsets from the first key
      const base = unit === "ns" ? 1_704_187_800_123_456_789n : 0n
      const t = BigInt64Array.from(tcol.values as BigInt64Array, (x) => (unit === "ns" ? base + (x - US_BASE) : x))
      const by = C.make(run % 7 === 3 ? DT.Int64 : DT.Timestamp(unit), n, t, null)
      const special = run % 4 === 1
      const v = Float64Array.from({ length: n }, () =>
        special && rng() < 0.02 ? pick(rng, [Number.NaN, Infinity, -Infinity]) : Math.round(rng() * 2e6 - 1e6) / 100
      )
      const x = C.make(DT.Float64, n, v, null)
      // segments: one, or several of random lengths
      const cuts = [0]
      if (rng() < 0.5) for (let c = Math.floor(rng() * 300); c < n; c += 1 + Math.floor(rng() * 800)) if (c > 0) cuts.push(c)
      cuts.push(n)
      const offsets = Int32Array.from(cuts)
      const period = BigInt(1 + Math.floor(rng() * 40_000))
      const hiIsT = rng() < 0.5
      const offset = hiIsT ? -period : BigInt(Math.floor(rng() * 60_000) - 40_000)
      const closed = pick(rng, closeds)
      const need = Math.floor(rng() * 4)
      const mean = rng() < 0.5
      const got = denseDurationSums(mean, x, by, Number(offset), Number(period), hiIsT, closed, need, offsets)
      expect(got).toBeDefined()
      const ref = bruteForce(mean, v, t, offset, period, hiIsT, closed, need, offsets)
      const arr = C.toArray(got!) as Array<number | null>
      const scale = 1e4 * n
      const label = `run ${run} n ${n} ${JSON.stringify({ unit, closed, need, mean, hiIsT, period: String(period), offset: String(offset), segments: offsets.length - 1 })}`
      for (let i = 0; i < n; i++) if (!close(arr[i]!, ref[i]!, scale)) expect([i, arr[i]], label).toEqual([i, ref[i]])
    }
  })

  it("any key below its predecessor within a segment gives undefined (also in blocks rerun for NaN/±Inf)", () => {
    const rng = prng(SEED + 4)
    for (let run = 0; run < 40; run++) {
      const n = 2 + Math.floor(rng() * (run % 2 === 0 ? 14000 : 1500))
      const t = (sortedKeys(rng, n, 0).values as BigInt64Array).slice()
      // often past the first block (4096 rows + a window), where a block may be rerun checked from its start
      const at = 1 + Math.floor(rng() * (n - 1))
      t[at] = t[at - 1]! - BigInt(1 + Math.floor(rng() * 5000))
      const by = C.make(DT.Timestamp("us"), n, t, null)
      // non-finite values in some runs (their blocks are rerun checked), possibly in the unsorted row's block
      const v = Float64Array.from({ length: n }, (_, i) => (run % 3 !== 2 && (i === at || rng() < 0.01) ? Number.NaN : rng()))
      const x = C.make(DT.Float64, n, v, null)
      const period = 1 + Math.floor(rng() * 200_000)
      const closed = pick(rng, ["left", "right", "both", "none"] as const)
      const got = denseDurationSums(rng() < 0.5, x, by, -period, period, rng() < 0.5, closed, 0, Int32Array.of(0, n))
      expect(got, `run ${run} n ${n} at ${at}`).toBeUndefined()
    }
  })

  it("an unsorted index (past the first block) is left to the general path: NotSorted from the verb and expression", () => {
    const rng = prng(SEED + 3)
    const n = 9000
    const t = (sortedKeys(rng, n, 0).values as BigInt64Array).slice()
    const by = C.make(DT.Timestamp("us"), n, t, null)
    const x = C.make(DT.Float64, n, Float64Array.from({ length: n }, () => rng()), null)
    expect(denseDurationSums(true, x, by, -5_000_000, 5_000_000, true, "right", 1, Int32Array.of(0, n))).toBeDefined()
    t[7000] = t[7000]! - 100_000_000n
    expect(denseDurationSums(true, x, by, -5_000_000, 5_000_000, true, "right", 1, Int32Array.of(0, n))).toBeUndefined()
    const f = frame(["t", "x"], [by, x])
    const e = failure(rolling(f, { index: "t", period: "5s" }, [col("x").mean()])) as { _tag: string; row: number }
    expect(e._tag).toBe("NotSorted")
    expect(e.row).toBe(7000)
    const e2 = failure(Engine.select(f, [col("x").rollingMeanBy("t", "5s")])) as { _tag: string; row?: number; message: string }
    expect(e2.message).toContain("NotSorted")
    expect(e2.row).toBe(7000)
  })
})
