/**
 * Tests of `joinAsof` and `windowJoin` (polaroid/TimeSeries).
 *
 * Oracles: hand-computed small cases (checked against nodejs-polars 0.26 when written), the laws of issue 6 as
 * fast-check properties stated by definition (backward = the last right key ≤ the left key, …), nodejs-polars
 * `joinAsof` (backward/forward/nearest, by, tolerance, exact matches) and DuckDB `ASOF JOIN` on random data with
 * ties and nulls, a brute-force reference and DuckDB for window joins, and the real Lean IBM trades/quotes and
 * Binance BTCUSDT trades/bookTicker files (skipped with a message when /work/shared/data is absent, unless CI).
 * Random suites use fixed seeds (override with POLAROID_ASOF_SEED / POLAROID_ASOF_RUNS).
 */
import * as nodeFs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import fc from "fast-check"
import pl from "nodejs-polars"
import { col, len } from "../src/Expr/index.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/index.ts"
import * as Build from "../src/internal/build.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import * as F from "../src/internal/frame.ts"
import type { Frame as FrameT } from "../src/internal/frame.ts"
import { parseCsv } from "../src/Source/Csv.ts"
import { groupIds } from "../src/internal/kernels/hash.ts"
import * as K from "../src/internal/timeseries/asof.ts"
import * as KW from "../src/internal/timeseries/asofWords.ts"
import * as BK from "../src/internal/timeseries/byKeys.ts"
import { gather } from "../src/internal/timeseries/gather.ts"
import { joinAsof, type JoinAsofOptions, windowJoin } from "../src/TimeSeries/index.ts"
import { cellOf, Oracle } from "./support/duckdb.ts"
import { mulberry32 as prng } from "./support/rng.ts"

const SEED = Number(process.env.POLAROID_ASOF_SEED ?? 20260806)
const RUNS = Number(process.env.POLAROID_ASOF_RUNS ?? 150)

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const DATA = path.resolve(repoRoot, "../shared/data")
const hasData = nodeFs.existsSync(DATA)
if (!hasData && !process.env.CI) console.warn(`TimeSeries.JoinAsof.test: ${DATA} is absent, skipping the real-data cases`)
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
const values = (f: FrameT, name: string): Array<unknown> => C.toArray(F.contiguous(f)[f.columns.indexOf(name)]!)
const runOk = <A>(eff: Effect.Effect<A, unknown>): A => Effect.runSync(eff)
const runErr = (eff: Effect.Effect<unknown, unknown>): unknown => {
  const exit = Effect.runSyncExit(eff)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return runOk(Effect.flip(eff))
}
/** `v` (right payload = right row) per left row, with "t:v" pairs for readable diffs. */
const pairs = (f: FrameT): string =>
  values(f, "t")
    .map((t, i) => `${t}:${values(f, "v")[i]}`)
    .join(" ")

// ---------------------------------------------------------------------------------------------------------------
// examples (hand-computed; the same cases give the same output in nodejs-polars 0.26)
// ---------------------------------------------------------------------------------------------------------------

describe("joinAsof: examples", () => {
  const L = frame({ t: [null, 0, 1, 2, 3, 5, 7, 10], a: [0, 1, 2, 3, 4, 5, 6, 7] })
  const R = frame({ t: [null, 1, 1, 3, 4, 6, 8, 8], v: [13, 10, 11, 12, 14, 15, 16, 17] })
  const cases: ReadonlyArray<readonly [JoinAsofOptions, string]> = [
    [{ on: "t", strategy: "backward" }, "null:null 0:null 1:11 2:11 3:12 5:14 7:15 10:17"],
    [{ on: "t", strategy: "backward", allowExactMatches: false }, "null:null 0:null 1:null 2:11 3:11 5:14 7:15 10:17"],
    [{ on: "t", strategy: "backward", tolerance: 1 }, "null:null 0:null 1:11 2:11 3:12 5:14 7:15 10:null"],
    [{ on: "t", strategy: "backward", tolerance: 0 }, "null:null 0:null 1:11 2:null 3:12 5:null 7:null 10:null"],
    [{ on: "t", strategy: "forward" }, "null:null 0:10 1:10 2:12 3:12 5:15 7:16 10:null"],
    [{ on: "t", strategy: "forward", allowExactMatches: false }, "null:null 0:10 1:12 2:12 3:14 5:15 7:16 10:null"],
    [{ on: "t", strategy: "forward", tolerance: 1 }, "null:null 0:10 1:10 2:12 3:12 5:15 7:16 10:null"],
    [{ on: "t", strategy: "nearest" }, "null:null 0:11 1:11 2:12 3:12 5:15 7:17 10:17"],
    [{ on: "t", strategy: "nearest", allowExactMatches: false }, "null:null 0:11 1:12 2:12 3:14 5:15 7:17 10:17"],
    [{ on: "t", strategy: "nearest", tolerance: 1 }, "null:null 0:11 1:11 2:12 3:12 5:15 7:17 10:null"],
    // pandas tie-break: 2 is as far from 1 as from 3 → 1 (the last of the two 1s); 5 between 4 and 6 → 4;
    // 0 → the first 1 (forward side: the first of equal keys, as pandas)
    [{ on: "t", strategy: "nearest", tieBreak: "backward" }, "null:null 0:10 1:11 2:11 3:12 5:14 7:15 10:17"]
  ]
  for (const [options, expected] of cases) {
    it(`${JSON.stringify(options)}`, () => {
      expect(pairs(runOk(joinAsof(L, R, options)))).toBe(expected)
    })
  }

  it("data-first and data-last forms, Frame or Effect inputs", () => {
    const a = runOk(joinAsof(L, R, { on: "t" }))
    const b = runOk(Effect.succeed(L).pipe(joinAsof(Effect.succeed(R), { on: "t" })))
    const c = runOk(L.pipe(joinAsof(R, { on: "t" })))
    expect(pairs(b)).toBe(pairs(a))
    expect(pairs(c)).toBe(pairs(a))
  })

  it("columns: right key dropped (coalesce) or suffixed; right by keys dropped; leftOn/rightOn keep the right key", () => {
    expect(runOk(joinAsof(L, R, { on: "t" })).columns).toEqual(["t", "a", "v"])
    expect(runOk(joinAsof(L, R, { on: "t", coalesce: false })).columns).toEqual(["t", "a", "t_right", "v"])
    const R2 = frame({ u: [1, 3], a: [5, 6] })
    expect(runOk(joinAsof(L, R2, { leftOn: "t", rightOn: "u", suffix: "_q" })).columns).toEqual(["t", "a", "u", "a_q"])
    const Lb = frame({ s: ["a", "b"], t: [1, 1] })
    const Rb = frame({ sym: ["b", "a"], t: [0, 0], s: [9, 9] })
    const out = runOk(joinAsof(Lb, Rb, { on: "t", leftBy: "s", rightBy: "sym" }))
    expect(out.columns).toEqual(["s", "t", "s_right"])
  })

  it("by groups: rows match within their group only; null by-keys match nothing", () => {
    const Lb = frame({ s: ["a", "b", "a", "b", null], t: [1, 1, 2, 2, 5] })
    const Rb = frame({ s: ["a", "b", "a", "b", null], t: [0, 0, 1, 3, 0], v: [2, 3, 4, 1, 9] })
    expect(values(runOk(joinAsof(Lb, Rb, { on: "t", by: "s" })), "v")).toEqual([4, 3, 4, 3, null])
    expect(values(runOk(joinAsof(Lb, Rb, { on: "t", by: "s", strategy: "forward" })), "v")).toEqual([4, 1, null, 1, null])
  })

  it("by keys: Utf8 with Categorical and integers of different widths compare by value", () => {
    const Lb = frame({ s: column(["x", "y"], DT.Categorical), k: column([1, 2], DT.Int32), t: [5, 5] })
    const Rb = frame({ s: ["y", "x"], k: column([2n, 1n], DT.Int64), t: [1, 2], v: [10, 20] })
    expect(values(runOk(joinAsof(Lb, Rb, { on: "t", by: ["s", "k"] })), "v")).toEqual([20, 10])
  })

  it("nearest among equal right keys takes the last (Polars), and the greater key on a distance tie", () => {
    const L3 = frame({ t: [2, 4, 7, 0] })
    const R3 = frame({ t: [1, 3, 3, 5, 6, 8, 8], v: [1, 2, 3, 4, 5, 6, 7] })
    // 0 is left unsorted on purpose: checkSortedness false
    expect(values(runOk(joinAsof(frame({ t: [2, 4, 7] }), R3, { on: "t", strategy: "nearest" })), "v")).toEqual([3, 4, 7])
    expect(values(runOk(joinAsof(frame({ t: [3, 5, 8] }), R3, { on: "t", strategy: "nearest", allowExactMatches: false })), "v")).toEqual([4, 5, 5])
    expect(values(runOk(joinAsof(L3, R3, { on: "t", strategy: "nearest", checkSortedness: false })), "v").slice(0, 3)).toEqual([3, 4, 7])
  })

  it("Timestamp keys: duration tolerance, units unified to the finer one, 64-bit exactness", () => {
    const base = 1_723_161_254_087_891_268n // ns, above 2^53
    const L1 = frame({ t: column([base + 5n, base + 1_000_000_003n], DT.Timestamp("ns")) })
    const R1 = frame({ t: column([base + 4n, base + 6n, base + 1_000_000_000n], DT.Timestamp("ns")), v: [1, 2, 3] })
    expect(values(runOk(joinAsof(L1, R1, { on: "t" })), "v")).toEqual([1, 3])
    expect(values(runOk(joinAsof(L1, R1, { on: "t", strategy: "forward" })), "v")).toEqual([2, null])
    expect(values(runOk(joinAsof(L1, R1, { on: "t", strategy: "nearest" })), "v")).toEqual([2, 3])
    expect(values(runOk(joinAsof(L1, R1, { on: "t", tolerance: "2ns" })), "v")).toEqual([1, null])
    expect(values(runOk(joinAsof(L1, R1, { on: "t", tolerance: "3ns" })), "v")).toEqual([1, 3])
    // ms left vs us right
    const Lm = frame({ t: column([1000n, 2000n], DT.Timestamp("ms")) })
    const Ru = frame({ t: column([999_999n, 1_000_001n, 1_999_000n], DT.Timestamp("us")), v: [1, 2, 3] })
    expect(values(runOk(joinAsof(Lm, Ru, { on: "t" })), "v")).toEqual([1, 3])
    // 1000 ms = 1,000,000 us: 999,999 us is 1 us before; 2000 ms: 1,999,000 us is 1000 us before
    expect(values(runOk(joinAsof(Lm, Ru, { on: "t", tolerance: "500us" })), "v")).toEqual([1, null])
    expect(values(runOk(joinAsof(Lm, Ru, { on: "t", tolerance: "1ms" })), "v")).toEqual([1, 3])
    // a span above 2^53 units: the exact BigInt path
    const big = 2n ** 60n
    const Lw = frame({ t: column([-big, big + 1n, big + 4n], DT.Int64) })
    const Rw = frame({ t: column([-big - 1n, big, big + 2n], DT.Int64), v: [1, 2, 3] })
    expect(values(runOk(joinAsof(Lw, Rw, { on: "t" })), "v")).toEqual([1, 2, 3])
    expect(values(runOk(joinAsof(Lw, Rw, { on: "t", strategy: "nearest", tieBreak: "backward" })), "v")).toEqual([1, 2, 3])
    expect(values(runOk(joinAsof(Lw, Rw, { on: "t", strategy: "nearest" })), "v")).toEqual([1, 3, 3])
    expect(values(runOk(joinAsof(Lw, Rw, { on: "t", tolerance: 1 })), "v")).toEqual([1, 2, null])
  })

  it("Date keys with a day tolerance; Int keys with an index tolerance; mixed int/float keys", () => {
    const Ld = frame({ t: column([10, 20], DT.Date) })
    const Rd = frame({ t: column([7, 19], DT.Date), v: [1, 2] })
    expect(values(runOk(joinAsof(Ld, Rd, { on: "t", tolerance: "2d" })), "v")).toEqual([null, 2])
    expect(values(runOk(joinAsof(Ld, Rd, { on: "t", tolerance: "3d" })), "v")).toEqual([1, 2])
    const Li = frame({ t: column([10, 20], DT.Int32) })
    const Rf = frame({ t: column([8.5, 19.5], DT.Float64), v: [1, 2] })
    expect(values(runOk(joinAsof(Li, Rf, { on: "t", tolerance: 1 })), "v")).toEqual([null, 2])
    const Ri = frame({ t: column([8n, 19n], DT.Int64), v: [1, 2] })
    expect(values(runOk(joinAsof(Li, Ri, { on: "t", tolerance: "1i" })), "v")).toEqual([null, 2])
  })

  it("typed errors", () => {
    const unsorted = frame({ t: [1, 3, 2, null, 0] })
    const e1 = runErr(joinAsof(unsorted, R, { on: "t" })) as { _tag: string; row: number; message: string }
    expect(e1._tag).toBe("NotSorted")
    expect(e1.row).toBe(2)
    expect(e1.message).toContain("left")
    const e2 = runErr(joinAsof(L, frame({ t: [1, 0], v: [1, 2] }), { on: "t" })) as { _tag: string; row: number; message: string }
    expect([e2._tag, e2.row]).toEqual(["NotSorted", 1])
    expect(e2.message).toContain("right")
    // within by groups: group b is unsorted at row 3
    const e3 = runErr(joinAsof(frame({ s: ["a", "b", "a", "b"], t: [1, 5, 2, 4] }), frame({ s: ["a"], t: [0] }), { on: "t", by: "s" }))
    expect((e3 as { row: number }).row).toBe(3)
    expect((runErr(joinAsof(L, R, { on: "x" })) as { _tag: string })._tag).toBe("ColumnNotFound")
    expect((runErr(joinAsof(L, R, { on: "t", leftOn: "t" })) as { _tag: string })._tag).toBe("InvalidArgument")
    expect((runErr(joinAsof(L, R, { on: "t", tolerance: -1 })) as { _tag: string })._tag).toBe("InvalidArgument")
    expect((runErr(joinAsof(L, R, { on: "t", tolerance: "1s" })) as { _tag: string })._tag).toBe("InvalidDuration")
    const ts = frame({ t: column([1n], DT.Timestamp("ms", "UTC")) })
    const tsNy = frame({ t: column([1n], DT.Timestamp("ms", "America/New_York")) })
    expect((runErr(joinAsof(ts, ts, { on: "t", tolerance: "1mo" })) as { _tag: string })._tag).toBe("InvalidDuration")
    expect((runErr(joinAsof(ts, tsNy, { on: "t" })) as { _tag: string })._tag).toBe("TypeMismatch")
    expect((runErr(joinAsof(ts, L, { on: "t" })) as { _tag: string })._tag).toBe("TypeMismatch")
    expect((runErr(joinAsof(frame({ t: ["a"] }), frame({ t: ["a"] }), { on: "t" })) as { _tag: string })._tag).toBe("TypeMismatch")
    expect((runErr(joinAsof(L, R, { on: "t", by: ["a"], rightBy: ["v"] })) as { _tag: string })._tag).toBe("InvalidArgument")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// random cases
// ---------------------------------------------------------------------------------------------------------------

interface Side {
  readonly t: ReadonlyArray<number | null>
  readonly s: ReadonlyArray<string | null>
}

const sideArb = (nullsFirst: boolean, maxKey: number) =>
  fc
    .array(
      fc.record({
        t: fc.option(fc.integer({ min: 0, max: maxKey }), { freq: 8 }),
        s: fc.option(fc.constantFrom("a", "b", "c"), { freq: 12 })
      }),
      { maxLength: 40 }
    )
    .chain((rows) =>
      // nulls anywhere (sorted non-null keys refilled into their positions), or all first (as Polars needs)
      fc.constant(rows).map((rs) => {
        const keys = rs.map((r) => r.t).filter((t): t is number => t !== null).sort((a, b) => a - b)
        if (nullsFirst) {
          const nulls = rs.length - keys.length
          return { t: [...new Array<null>(nulls).fill(null), ...keys], s: rs.map((r) => r.s) }
        }
        let k = 0
        return { t: rs.map((r) => (r.t === null ? null : keys[k++]!)), s: rs.map((r) => r.s) }
      })
    )

/**
 * Key encodings: plain floats, Int64 timestamps in ns near 2024 (f64 offsets), a span above 2^53 (BigInt path),
 * and Timestamp(us) near 2024 (below 2^52: keys read in place from their 32-bit words when both sides are sorted).
 */
type Encoding = "float" | "ns" | "wide" | "us"
const ENC_BASE = 1_723_161_254_087_891_268n
const US_BASE = 1_704_187_800_123_457n
const encode = (t: number | null, enc: Encoding): unknown =>
  t === null
    ? null
    : enc === "float"
      ? t
      : enc === "ns"
        ? ENC_BASE + BigInt(t) * 1000n
        : enc === "us"
          ? US_BASE + BigInt(t) * 1000n
          : BigInt(t - 15) * 2n ** 58n
const encDtype = (enc: Encoding): DataType =>
  enc === "float" ? DT.Float64 : enc === "ns" ? DT.Timestamp("ns") : enc === "us" ? DT.Timestamp("us") : DT.Int64
const encTol = (tol: number, enc: Encoding): number | bigint =>
  enc === "float" ? tol : enc === "ns" || enc === "us" ? BigInt(tol) * 1000n : BigInt(tol) * 2n ** 58n

const build = (side: Side, enc: Encoding, payload: string): FrameT =>
  frame({
    t: column(side.t.map((t) => encode(t, enc)), encDtype(enc)),
    s: column(side.s, DT.Utf8),
    [payload]: column(
      side.t.map((_, i) => i),
      DT.Int32
    )
  })

const strategies = ["backward", "forward", "nearest"] as const
/** Rows stably reordered by group (null last): keys stay sorted within each group but not over the column. */
const byGroup = (side: Side): Side => {
  const order = side.t.map((_, i) => i).sort((a, b) => (side.s[a] ?? "~").localeCompare(side.s[b] ?? "~") || a - b)
  return { t: order.map((i) => side.t[i]!), s: order.map((i) => side.s[i]!) }
}
const dropNullKeys = (side: Side): Side => {
  const keep = side.t.map((_, i) => i).filter((i) => side.t[i] !== null)
  return { t: keep.map((i) => side.t[i]!), s: keep.map((i) => side.s[i]!) }
}

/**
 * Random cases. Layouts: "time" (each side sorted over the whole column: the streaming path when the right keys
 * have no nulls) or "grouped" (sorted only within by groups: the bucket path); right null keys on or off.
 */
const caseArb = (nullsFirst: boolean) =>
  fc
    .record({
      left: sideArb(nullsFirst, 30),
      right: sideArb(nullsFirst, 30),
      strategy: fc.constantFrom(...strategies),
      exact: fc.boolean(),
      by: fc.boolean(),
      tol: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 2 }),
      tieBreak: fc.constantFrom("greater" as const, "backward" as const),
      enc: fc.constantFrom("float" as const, "ns" as const, "wide" as const, "us" as const),
      grouped: fc.boolean(),
      rightNulls: fc.boolean()
    })
    .map((c) => {
      const right = c.rightNulls ? c.right : dropNullKeys(c.right)
      return c.grouped && c.by ? { ...c, left: byGroup(c.left), right: byGroup(right) } : { ...c, right }
    })

type Case = ReturnType<typeof caseArb> extends fc.Arbitrary<infer T> ? T : never

const runCase = (c: Case, tol: number | null = c.tol): Array<number | null> => {
  const out = runOk(
    joinAsof(build(c.left, c.enc, "i"), build(c.right, c.enc, "j"), {
      on: "t",
      ...(c.by ? { by: "s" } : {}),
      strategy: c.strategy,
      allowExactMatches: c.exact,
      tieBreak: c.tieBreak,
      ...(tol !== null ? { tolerance: encTol(tol, c.enc) } : {})
    })
  )
  return values(out, "j") as Array<number | null>
}

/** Right rows that may match left row i: same group (when by), non-null key. */
const candidates = (c: Case, i: number): Array<number> => {
  const out: Array<number> = []
  if (c.left.t[i] === null || (c.by && c.left.s[i] === null)) return out
  for (let j = 0; j < c.right.t.length; j++) {
    if (c.right.t[j] === null) continue
    if (c.by && c.right.s[j] !== c.left.s[i]) continue
    out.push(j)
  }
  return out
}

const fcParams = (k: number) => ({ seed: SEED + k, numRuns: RUNS })

describe("joinAsof: laws", () => {
  it("law: backward returns, per left row, exactly the last right key ≤ it (strict < when allowExactMatches is false)", () => {
    fc.assert(
      fc.property(caseArb(false), (c0) => {
        const c = { ...c0, strategy: "backward" as const, tol: null }
        const got = runCase(c)
        for (let i = 0; i < c.left.t.length; i++) {
          const x = c.left.t[i]!
          const ok = candidates(c, i).filter((j) => (c.exact ? c.right.t[j]! <= x : c.right.t[j]! < x))
          // the greatest such key; among equal keys the last row
          const want = ok.length === 0 ? null : ok.reduce((b, j) => (c.right.t[j]! >= c.right.t[b]! ? j : b))
          if (got[i] !== want) return false
        }
        return true
      }),
      fcParams(1)
    )
  })

  it("law: forward returns, per left row, exactly the first right key ≥ it (strict > when allowExactMatches is false)", () => {
    fc.assert(
      fc.property(caseArb(false), (c0) => {
        const c = { ...c0, strategy: "forward" as const, tol: null }
        const got = runCase(c)
        for (let i = 0; i < c.left.t.length; i++) {
          const x = c.left.t[i]!
          const ok = candidates(c, i).filter((j) => (c.exact ? c.right.t[j]! >= x : c.right.t[j]! > x))
          // the smallest such key; among equal keys the first row
          const want = ok.length === 0 ? null : ok.reduce((b, j) => (c.right.t[j]! < c.right.t[b]! ? j : b))
          if (got[i] !== want) return false
        }
        return true
      }),
      fcParams(2)
    )
  })

  it("law: nearest returns a minimal distance, with the chosen tie-break (greater key: Polars; smaller: pandas)", () => {
    fc.assert(
      fc.property(caseArb(false), (c0) => {
        const c = { ...c0, strategy: "nearest" as const, tol: null }
        const got = runCase(c)
        for (let i = 0; i < c.left.t.length; i++) {
          const x = c.left.t[i]!
          const ok = candidates(c, i).filter((j) => c.exact || c.right.t[j] !== x)
          const g = got[i]
          if (ok.length === 0) {
            if (g !== null) return false
            continue
          }
          if (g === null || !ok.includes(g)) return false
          const d = (j: number) => Math.abs(c.right.t[j]! - x)
          const best = Math.min(...ok.map(d))
          if (d(g) !== best) return false
          const keys = ok.filter((j) => d(j) === best).map((j) => c.right.t[j]!)
          const key = c.tieBreak === "greater" ? Math.max(...keys) : Math.min(...keys)
          if (c.right.t[g] !== key) return false
          // which of the equal keys: Polars the last; pandas the last below / first above the left key
          const same = ok.filter((j) => c.right.t[j] === key)
          const want = c.tieBreak === "backward" && key > x ? same[0] : same[same.length - 1]
          if (g !== want) return false
        }
        return true
      }),
      fcParams(3)
    )
  })

  it("law: a larger tolerance never loses a match; no tolerance matches at least as much", () => {
    fc.assert(
      fc.property(caseArb(false), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), (c, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        const small = runCase(c, lo)
        const large = runCase(c, hi)
        const none = runCase(c, null)
        for (let i = 0; i < small.length; i++) {
          if (small[i] !== null && large[i] === null) return false
          if (large[i] !== null && none[i] === null) return false
          // for backward and forward the match itself is the same row (the tolerance only drops)
          if (c.strategy !== "nearest" && small[i] !== null && small[i] !== large[i]) return false
          if (large[i] !== null && large[i] !== none[i]) return false
        }
        return true
      }),
      fcParams(4)
    )
  })

  it("law: output height = left height and left columns unchanged", () => {
    fc.assert(
      fc.property(caseArb(false), (c) => {
        const left = build(c.left, c.enc, "i")
        const out = runOk(
          joinAsof(left, build(c.right, c.enc, "j"), { on: "t", strategy: c.strategy, ...(c.by ? { by: "s" } : {}) })
        )
        if (out.height !== left.height) return false
        if (out.columns.slice(0, left.width).join() !== left.columns.join()) return false
        return left.columns.every((_, k) => {
          const a = F.contiguous(left)[k]!
          const b = F.contiguous(out)[k]!
          if (!DT.equals(a.dtype, b.dtype) || a.length !== b.length) return false
          for (let r = 0; r < a.length; r++) if (!Object.is(cellOf(a, r), cellOf(b, r))) return false
          return true
        })
      }),
      fcParams(5)
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// differential: nodejs-polars
// ---------------------------------------------------------------------------------------------------------------

const plFrame = (side: Side, enc: "float" | "int" | "ms", payload: string) => {
  const t = side.t.map((x) => (x === null ? null : enc === "ms" ? x * 1000 : x))
  const series =
    enc === "float"
      ? pl.Series("t", t, pl.Float64)
      : enc === "int"
        ? pl.Series("t", t, pl.Int64)
        : pl.Series("t", t, pl.Int64).cast(pl.Datetime("ms"))
  return pl.DataFrame([series, pl.Series("s", side.s as Array<string | null>, pl.Utf8), pl.Series(payload, side.t.map((_, i) => i), pl.Int32)])
}

describe("joinAsof: differential against nodejs-polars", () => {
  it("random data with ties and nulls: backward/forward/nearest × exact × by × tolerance", () => {
    fc.assert(
      fc.property(caseArb(true), fc.constantFrom("float" as const, "int" as const, "ms" as const), (c, plEnc) => {
        const tolPl = c.tol === null ? undefined : plEnc === "ms" ? `${c.tol}s` : c.tol
        const opts = {
          on: "t",
          strategy: c.strategy,
          allowExactMatches: c.exact,
          ...(c.by ? { by: "s" } : {}),
          ...(tolPl !== undefined ? { tolerance: tolPl } : {})
        }
        const want = plFrame(c.left, plEnc, "i").joinAsof(plFrame(c.right, plEnc, "j"), opts).getColumn("j").toArray() as Array<number | null>
        const enc: Encoding = plEnc === "float" ? "float" : plEnc === "int" ? "wide" : "ns"
        const mine = plEnc === "ms"
          ? values(
              runOk(
                joinAsof(
                  frame({ t: column(c.left.t.map((x) => (x === null ? null : BigInt(x) * 1000n)), DT.Timestamp("ms")), s: column(c.left.s, DT.Utf8) }),
                  frame({ t: column(c.right.t.map((x) => (x === null ? null : BigInt(x) * 1000n)), DT.Timestamp("ms")), s: column(c.right.s, DT.Utf8), j: column(c.right.t.map((_, i) => i), DT.Int32) }),
                  { on: "t", strategy: c.strategy, allowExactMatches: c.exact, ...(c.by ? { by: "s" } : {}), ...(tolPl !== undefined ? { tolerance: tolPl } : {}) }
                )
              ),
              "j"
            )
          : runCase({ ...c, tieBreak: "greater", enc })
        expect(mine).toEqual(want)
      }),
      { ...fcParams(10), numRuns: RUNS * 2 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// differential: DuckDB ASOF JOIN
// ---------------------------------------------------------------------------------------------------------------

let db: Oracle
beforeAll(async () => {
  db = await Oracle.make()
})
afterAll(() => {
  db?.close()
})

/** DuckDB's choice among equal right keys is unspecified: keep one row per (by, key): the last or the first. */
const duckAsof = async (c: Case, byOn: boolean): Promise<Array<number | null>> => {
  const backward = c.strategy === "backward"
  const op = backward ? (c.exact ? ">=" : ">") : c.exact ? "<=" : "<"
  const part = byOn ? "s, t" : "t"
  const sql = `WITH rr AS (SELECT * FROM r QUALIFY row_number() OVER (PARTITION BY ${part} ORDER BY j ${backward ? "DESC" : "ASC"}) = 1)
    SELECT l.i, rr.j FROM l ASOF LEFT JOIN rr ON ${byOn ? "l.s = rr.s AND " : ""}l.t ${op} rr.t ORDER BY l.i`
  const res = await db.query(sql)
  return res.rows.map((r) => r[1] as number | null)
}

describe("joinAsof: differential against DuckDB ASOF JOIN", () => {
  it("random data with ties and nulls: backward (>=, >) and forward (<=, <), with and without by", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(false), async (c0) => {
        const c = { ...c0, strategy: c0.strategy === "nearest" ? ("backward" as const) : c0.strategy, tol: null }
        await db.load("l", build(c.left, c.enc, "i"))
        await db.load("r", build(c.right, c.enc, "j"))
        const want = await duckAsof(c, c.by)
        expect(runCase(c)).toEqual(want)
      }),
      { ...fcParams(20), numRuns: Math.min(RUNS, 100) }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// window join
// ---------------------------------------------------------------------------------------------------------------

describe("windowJoin", () => {
  const L3 = frame({ t: [2, 4, 7, null] })
  const R3 = frame({ t: [1, 3, 3, 5, 6, 8, 8], v: [1, 2, 3, 4, 5, 6, 7] })

  it("wj1 (rows inside [t + lo, t + hi]) and wj (plus the prevailing row), hand-computed", () => {
    const aggs = [col("v").sum().alias("s"), len(), col("v").first().alias("f"), col("v").max().alias("mx")]
    const wj1 = runOk(windowJoin(L3, R3, { on: "t", window: [-0.5, 1], prevailing: false, aggs }))
    // 2 → [1.5, 3]: v 2, 3; 4 → [3.5, 5]: v 4; 7 → [6.5, 8]: v 6, 7; null → empty
    expect(values(wj1, "s")).toEqual([5, 4, 13, 0])
    expect(values(wj1, "len")).toEqual([2, 1, 2, 0])
    expect(values(wj1, "f")).toEqual([2, 4, 6, null])
    const wj = runOk(windowJoin(L3, R3, { on: "t", window: [-0.5, 1], aggs }))
    // plus the prevailing rows: key 1 (v 1), key 3 (the last: v 3), key 6 (v 5)
    expect(values(wj, "s")).toEqual([6, 7, 18, 0])
    expect(values(wj, "len")).toEqual([3, 2, 3, 0])
    expect(values(wj, "f")).toEqual([1, 3, 5, null])
    // a right key exactly at t + lo: nothing else is added
    const exact = runOk(windowJoin(L3, R3, { on: "t", window: [-1, 0], aggs }))
    expect(values(exact, "len")).toEqual([1, 2, 1, 0])
  })

  it("law: windowJoin agrees with a brute-force reference (wj and wj1, by groups, ties, nulls)", () => {
    fc.assert(
      fc.property(caseArb(false), fc.integer({ min: -6, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.boolean(), (c, lo, w, prevailing) => {
        const hi = lo + w
        const left = build(c.left, "float", "i")
        const right = frame({
          t: column(c.right.t, DT.Float64),
          s: column(c.right.s, DT.Utf8),
          j: column(
            c.right.t.map((_, i) => i),
            DT.Int32
          )
        })
        const out = runOk(
          windowJoin(left, right, {
            on: "t",
            ...(c.by ? { by: "s" } : {}),
            window: [lo, hi],
            prevailing,
            aggs: [len(), col("j").sum().alias("sum"), col("j").min().alias("min")]
          })
        )
        const gotLen = values(out, "len")
        const gotSum = values(out, "sum")
        for (let i = 0; i < c.left.t.length; i++) {
          const x = c.left.t[i]!
          const cand = candidates(c, i)
          const inside = cand.filter((j) => c.right.t[j]! >= x + lo && c.right.t[j]! <= x + hi)
          let rows = inside
          if (prevailing && !cand.some((j) => c.right.t[j] === x + lo)) {
            const before = cand.filter((j) => c.right.t[j]! < x + lo)
            if (before.length > 0) rows = [before[before.length - 1]!, ...inside]
          }
          if (gotLen[i] !== rows.length) return false
          if (gotSum[i] !== BigInt(rows.reduce((s, j) => s + j, 0))) return false
        }
        return true
      }),
      fcParams(30)
    )
  })

  it("differential against DuckDB: wj1 as a range join, wj with the prevailing row from an ASOF JOIN", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(false), fc.integer({ min: -6, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.boolean(), async (c, lo, w, prevailing) => {
        const hi = lo + w
        const left = build(c.left, "float", "i")
        const right = frame({ t: column(c.right.t, DT.Float64), s: column(c.right.s, DT.Utf8), j: column(c.right.t.map((_, i) => i), DT.Int32) })
        await db.load("l", left)
        await db.load("r", right)
        const on = c.by ? "l.s = r.s AND " : ""
        const onRr = c.by ? "l.s = rr.s AND " : ""
        const sql = `WITH rr AS (SELECT * FROM r QUALIFY row_number() OVER (PARTITION BY ${c.by ? "s, t" : "t"} ORDER BY j DESC) = 1),
          w AS (SELECT l.i, r.j FROM l JOIN r ON ${on}r.t BETWEEN l.t + ${lo} AND l.t + ${hi}),
          p AS (SELECT l.i, rr.j FROM l ASOF JOIN rr ON ${onRr}l.t + ${lo} > rr.t
                WHERE NOT EXISTS (SELECT 1 FROM r WHERE ${c.by ? "r.s = l.s AND " : ""}r.t = l.t + ${lo})),
          u AS (SELECT * FROM w ${prevailing ? "UNION ALL SELECT * FROM p" : ""})
          SELECT l.i, count(u.j), sum(u.j), max(u.j) FROM l LEFT JOIN u ON l.i = u.i GROUP BY l.i ORDER BY l.i`
        const want = (await db.query(sql)).rows.map((r) => [Number(r[1]), r[2] === null ? 0 : Number(r[2]), r[3]])
        const out = runOk(
          windowJoin(left, right, { on: "t", ...(c.by ? { by: "s" } : {}), window: [lo, hi], prevailing, aggs: [len(), col("j").sum().alias("sum"), col("j").max().alias("max")] })
        )
        const got = values(out, "len").map((n, i) => [Number(n), Number(values(out, "sum")[i]), values(out, "max")[i]])
        expect(got).toEqual(want)
      }),
      { ...fcParams(31), numRuns: Math.min(RUNS, 60) }
    )
  })

  it("duration windows on Timestamp keys", () => {
    const Lt = frame({ t: column([10_000n, 20_000n], DT.Timestamp("ms")) })
    const Rt = frame({ t: column([4_000n, 9_000n, 10_000n, 15_000n, 21_000n], DT.Timestamp("ms")), v: [1, 2, 3, 4, 5] })
    const out = runOk(windowJoin(Lt, Rt, { on: "t", window: ["-5s", "0s"], prevailing: false, aggs: [col("v").sum().alias("s")] }))
    expect(values(out, "s")).toEqual([5, 4])
    const out2 = runOk(windowJoin(Lt, Rt, { on: "t", window: ["-5s", "0s"], aggs: [col("v").sum().alias("s")] }))
    // 10 s: plus the prevailing 4 s row; 20 s: a row sits exactly at 15 s, so nothing is added
    expect(values(out2, "s")).toEqual([6, 4])
    expect((runErr(windowJoin(Lt, Rt, { on: "t", window: ["1s", "0s"], aggs: [len()] })) as { _tag: string })._tag).toBe("InvalidArgument")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// real data
// ---------------------------------------------------------------------------------------------------------------

const IBM = path.join(DATA, "market/lean/equity/usa/tick/ibm")
const BTC = path.join(DATA, "market/hftbacktest/derived")

withData("joinAsof: real data", () => {
  it("Lean IBM 2013-10-07: each trade with the prevailing bid and ask (per side), against DuckDB and nodejs-polars", async () => {
    const trades = runOk(
      parseCsv(nodeFs.readFileSync(path.join(IBM, "20131007_ibm_Trade_Tick.csv")), {
        hasHeader: false,
        columns: ["time", "price", "size", "exchange", "condition", "suspicious"]
      })
    )
    const quotes = runOk(
      parseCsv(nodeFs.readFileSync(path.join(IBM, "20131007_ibm_Quote_Tick.csv")), {
        hasHeader: false,
        columns: ["time", "bid", "bid_size", "ask", "ask_size", "exchange", "condition", "suspicious"]
      })
    )
    expect(trades.height).toBe(24_293)
    expect(quotes.height).toBe(109_067)
    // one-sided quote rows: the prevailing bid is the last bid-side row at or before the trade (= forward fill)
    const bids = runOk(Frame.select(Frame.filter(quotes, col("bid").gt(0)), "time", "bid"))
    const asks = runOk(Frame.select(Frame.filter(quotes, col("ask").gt(0)), "time", "ask"))
    const withBid = runOk(joinAsof(trades, bids, { on: "time" }))
    const joined = runOk(joinAsof(withBid, asks, { on: "time" }))
    expect(joined.height).toBe(trades.height)
    const gotBid = values(joined, "bid")
    const gotAsk = values(joined, "ask")

    const tPath = path.join(IBM, "20131007_ibm_Trade_Tick.csv")
    const qPath = path.join(IBM, "20131007_ibm_Quote_Tick.csv")
    await db.run(
      `CREATE OR REPLACE TABLE tr AS SELECT row_number() OVER () - 1 AS i, column0 AS time FROM read_csv('${tPath}', header = false, columns = {'column0': 'BIGINT', 'column1': 'BIGINT', 'column2': 'BIGINT', 'column3': 'VARCHAR', 'column4': 'BIGINT', 'column5': 'BIGINT'})`,
      `CREATE OR REPLACE TABLE q AS SELECT row_number() OVER () - 1 AS k, column0 AS time, column1 AS bid, column3 AS ask FROM read_csv('${qPath}', header = false, columns = {'column0': 'BIGINT', 'column1': 'BIGINT', 'column2': 'BIGINT', 'column3': 'BIGINT', 'column4': 'BIGINT', 'column5': 'VARCHAR', 'column6': 'BIGINT', 'column7': 'BIGINT'})`
    )
    const res = await db.query(`
      WITH b AS (SELECT time, bid FROM q WHERE bid > 0 QUALIFY row_number() OVER (PARTITION BY time ORDER BY k DESC) = 1),
           a AS (SELECT time, ask FROM q WHERE ask > 0 QUALIFY row_number() OVER (PARTITION BY time ORDER BY k DESC) = 1)
      SELECT tr.i, b.bid, a.ask FROM tr ASOF LEFT JOIN b ON tr.time >= b.time ASOF LEFT JOIN a ON tr.time >= a.time ORDER BY tr.i`)
    expect(res.rows.length).toBe(trades.height)
    let bad = 0
    const norm = (v: unknown) => (v === null || v === undefined ? null : Number(v))
    res.rows.forEach((r, i) => {
      if (norm(r[1]) !== norm(gotBid[i]) || norm(r[2]) !== norm(gotAsk[i])) bad++
    })
    expect(bad).toBe(0)
    // some trades precede the first quote of a side; most match
    expect(gotBid.filter((v) => v !== null).length).toBeGreaterThan(24_000)

    // nodejs-polars: the same joins
    const pt = pl.readCSV(nodeFs.readFileSync(tPath), { hasHeader: false }).select(pl.col("column_1").alias("time"))
    const pq = pl
      .readCSV(nodeFs.readFileSync(qPath), { hasHeader: false })
      .select(pl.col("column_1").alias("time"), pl.col("column_2").alias("bid"), pl.col("column_4").alias("ask"))
    const pj = pt
      .joinAsof(pq.filter(pl.col("bid").gt(0)).select("time", "bid"), { on: "time" })
      .joinAsof(pq.filter(pl.col("ask").gt(0)).select("time", "ask"), { on: "time" })
    expect((pj.getColumn("bid").toArray() as Array<unknown>).map(norm)).toEqual(gotBid.map(norm))
    expect((pj.getColumn("ask").toArray() as Array<unknown>).map(norm)).toEqual(gotAsk.map(norm))

    // nearest with a tolerance, and forward, against polars
    for (const o of [{ strategy: "nearest" as const, tolerance: 50 }, { strategy: "forward" as const }]) {
      const mine = values(runOk(joinAsof(trades, bids, { on: "time", ...o })), "bid").map(norm)
      const theirs = (pt.joinAsof(pq.filter(pl.col("bid").gt(0)).select("time", "bid"), { on: "time", ...o }).getColumn("bid").toArray() as Array<unknown>).map(norm)
      expect(mine).toEqual(theirs)
    }
  }, 60_000)

  it("Binance BTCUSDT 2024-08-08: trades with the bookTicker quote as of local_ts_ns (ns, above 2^53), against DuckDB and nodejs-polars", async () => {
    const readNd = (file: string, fields: ReadonlyArray<string>) => {
      const text = nodeFs.readFileSync(path.join(BTC, file), "utf8")
      const lines = text.split("\n").filter((l) => l.length > 0)
      const ts = new BigInt64Array(lines.length)
      const cols: Record<string, Array<number>> = Object.fromEntries(fields.map((f) => [f, [] as Array<number>]))
      lines.forEach((line, i) => {
        // local_ts_ns is above 2^53: read its digits, not JSON.parse's rounded number
        ts[i] = BigInt(/"local_ts_ns":(\d+)/.exec(line)![1]!)
        const o = JSON.parse(line) as Record<string, unknown>
        for (const f of fields) cols[f]!.push(Number(o[f]))
      })
      return { ts, cols, n: lines.length }
    }
    const tr = readNd("btcusdt_20240808.trades.ndjson", ["p", "q", "t"])
    const bt = readNd("btcusdt_20240808.bookticker.ndjson", ["b", "a", "u"])
    expect(tr.n).toBe(9_757)
    expect(bt.n).toBe(28_040)
    const trades = frame({ ts: C.make(DT.Timestamp("ns", "UTC"), tr.n, tr.ts, null), p: tr.cols["p"]!, id: tr.cols["t"]! })
    const book = frame({ ts: C.make(DT.Timestamp("ns", "UTC"), bt.n, bt.ts, null), b: bt.cols["b"]!, a: bt.cols["a"]!, u: bt.cols["u"]! })
    const joined = runOk(joinAsof(trades, book, { on: "ts" }))
    const gotU = values(joined, "u") as Array<number | null>

    await db.run(
      `CREATE OR REPLACE TABLE bt AS SELECT row_number() OVER () - 1 AS k, local_ts_ns, u FROM read_json('${path.join(BTC, "btcusdt_20240808.bookticker.ndjson")}', columns = {'local_ts_ns': 'BIGINT', 'u': 'BIGINT'})`,
      `CREATE OR REPLACE TABLE tt AS SELECT row_number() OVER () - 1 AS i, local_ts_ns FROM read_json('${path.join(BTC, "btcusdt_20240808.trades.ndjson")}', columns = {'local_ts_ns': 'BIGINT'})`
    )
    const res = await db.query(`
      WITH b AS (SELECT * FROM bt QUALIFY row_number() OVER (PARTITION BY local_ts_ns ORDER BY k DESC) = 1)
      SELECT tt.i, b.u FROM tt ASOF LEFT JOIN b ON tt.local_ts_ns >= b.local_ts_ns ORDER BY tt.i`)
    expect(res.rows.map((r) => (r[1] === null ? null : Number(r[1])))).toEqual(gotU)
    // the quote strictly before each trade, and the next one after it
    for (const [o, cmp] of [
      [{ allowExactMatches: false }, ">"],
      [{ strategy: "forward" as const }, "<="]
    ] as const) {
      const mine = values(runOk(joinAsof(trades, book, { on: "ts", ...o })), "u")
      const dir = cmp === ">" ? "DESC" : "ASC"
      const r2 = await db.query(`
        WITH b AS (SELECT * FROM bt QUALIFY row_number() OVER (PARTITION BY local_ts_ns ORDER BY k ${dir}) = 1)
        SELECT tt.i, b.u FROM tt ASOF LEFT JOIN b ON tt.local_ts_ns ${cmp} b.local_ts_ns ORDER BY tt.i`)
      expect(r2.rows.map((r) => (r[1] === null ? null : Number(r[1])))).toEqual(mine)
    }

    // nodejs-polars on the same ns keys (as Int64 and Datetime("ns")), including nearest
    const plT = pl.DataFrame([pl.Series("ts", Array.from(tr.ts)).cast(pl.Datetime("ns")), pl.Series("id", tr.cols["t"]!, pl.Float64)])
    const plB = pl.DataFrame([pl.Series("ts", Array.from(bt.ts)).cast(pl.Datetime("ns")), pl.Series("u", bt.cols["u"]!, pl.Float64)])
    for (const o of [{}, { strategy: "nearest" as const }, { strategy: "forward" as const, tolerance: "100ms" }] as const) {
      const theirs = plT.joinAsof(plB, { on: "ts", ...o }).getColumn("u").toArray() as Array<number | null>
      expect(values(runOk(joinAsof(trades, book, { on: "ts", ...o })), "u")).toEqual(theirs)
    }
    // a window join over the last 100 ms of quotes: count and mean bid, wj1 against a range join in DuckDB
    const wj = runOk(windowJoin(trades, book, { on: "ts", window: ["-100ms", "0ms"], prevailing: false, aggs: [len().alias("n")] }))
    const r3 = await db.query(`SELECT tt.i, count(bt.k) FROM tt LEFT JOIN bt ON bt.local_ts_ns BETWEEN tt.local_ts_ns - 100000000 AND tt.local_ts_ns GROUP BY tt.i ORDER BY tt.i`)
    expect(values(wj, "n").map(Number)).toEqual(r3.rows.map((r) => Number(r[1])))
  }, 60_000)
})

// ---------------------------------------------------------------------------------------------------------------
// fast paths: 64-bit keys read in place (both sides sorted), and the shared Utf8 by-key table
// ---------------------------------------------------------------------------------------------------------------

describe("joinAsof: fast paths against the bucket merge", () => {
  /** Sorted Timestamp(us) keys near 2024 with ties and gaps, left nulls anywhere, Utf8 by keys with nulls. */
  const sortedSide = (rng: () => number, n: number, leftNulls: boolean) => {
    const t = new BigInt64Array(n)
    let v = US_BASE
    for (let i = 0; i < n; i++) {
      const r = rng()
      // a coarse grid (steps of 0–3 ms) so that left and right keys often tie
      v += r < 0.3 ? 0n : BigInt(1000 * Math.floor(rng() * 4))
      t[i] = v
    }
    const valid = new Uint8Array((n + 7) >> 3).fill(255)
    let nulls = 0
    if (leftNulls)
      for (let i = 0; i < n; i++)
        if (rng() < 0.1) {
          valid[i >> 3]! &= ~(1 << (i & 7))
          nulls++
        }
    const syms = ["AAPL", "MSFT", "X", "", "BRK.B", "GOOGL_LONG_NAME", null]
    const s = column(
      Array.from({ length: n }, () => syms[Math.floor(rng() * syms.length)]!),
      DT.Utf8
    )
    return { t: C.make(DT.Timestamp("us"), n, t, nulls > 0 ? valid : null), s }
  }
  it("streamAsofWords equals mergeAsof on buckets (strategies × exact × tolerance × by, ties, left nulls)", () => {
    const rng = prng(SEED + 77)
    for (let run = 0; run < 60; run++) {
      // some runs longer than the merges' 2048-key blocks
      const size = rng() < 0.4 ? 7000 : 1500
      const n = 1 + Math.floor(rng() * size)
      const m = 1 + Math.floor(rng() * size)
      const L = sortedSide(rng, n, run % 2 === 0)
      const R = sortedSide(rng, m, false)
      const strategy = strategies[run % 3]!
      const exact = rng() < 0.5
      const tieBreak = rng() < 0.5 ? ("greater" as const) : ("backward" as const)
      const tol = rng() < 0.4 ? Math.floor(rng() * 4000) : Infinity
      const by = rng() < 0.6
      const merge = { strategy, allowExactMatches: exact, tolerance: tol, tieBreak }
      const lw = new Int32Array((L.t.values as BigInt64Array).buffer, 0, 2 * n)
      const rw = new Int32Array((R.t.values as BigInt64Array).buffer, 0, 2 * m)
      const lValid = L.t.nullCount === 0 ? null : L.t.validity
      expect(KW.sortedWords(lw, n, lValid) && KW.sortedWords(rw, m, null)).toBe(true)
      const ids = by ? K.sharedIds([L.s], [R.s], n, m) : null
      const fast = KW.streamAsofWords(lw, rw, lValid, ids?.lg ?? null, ids?.rg ?? null, ids?.count ?? 1, merge)
      const keys = K.prepareKeys(L.t, R.t) as K.Keys
      const buckets = K.groupRows(by ? [L.s] : [], by ? [R.s] : [], n, m, keys.leftValid, keys.rightValid)
      const lk = buckets.identity ? keys.left : K.gatherKeys(keys.left, buckets.lRows)
      const rk = buckets.identity ? keys.right : K.gatherKeys(keys.right, buckets.rRows)
      const ref = K.matchRows(n, lk, rk, buckets, { ...merge, tolerance: keys.kind === "big" ? BigInt(tol) : tol })
      const label = `run ${run} n ${n} m ${m} ${JSON.stringify({ strategy, exact, tieBreak, tol, by })}`
      expect(Array.from(fast), label).toEqual(Array.from(ref))
    }
  })
  it("the block-wise backward merges (no left nulls, no tolerance) equal mergeAsof across many blocks", () => {
    const rng = prng(SEED + 79)
    for (let run = 0; run < 16; run++) {
      const n = 3000 + Math.floor(rng() * 9000)
      const m = 3000 + Math.floor(rng() * 9000)
      const L = sortedSide(rng, n, false)
      const R = sortedSide(rng, m, false)
      const exact = run % 2 === 0
      const by = run % 4 < 2
      const merge = { strategy: "backward" as const, allowExactMatches: exact, tolerance: Infinity, tieBreak: "greater" as const }
      const lw = new Int32Array((L.t.values as BigInt64Array).buffer, 0, 2 * n)
      const rw = new Int32Array((R.t.values as BigInt64Array).buffer, 0, 2 * m)
      const ids = by ? K.sharedIds([L.s], [R.s], n, m) : null
      const fast = KW.streamAsofWords(lw, rw, null, ids?.lg ?? null, ids?.rg ?? null, ids?.count ?? 1, merge)
      const keys = K.prepareKeys(L.t, R.t) as K.Keys
      const buckets = K.groupRows(by ? [L.s] : [], by ? [R.s] : [], n, m, keys.leftValid, keys.rightValid)
      const lk = buckets.identity ? keys.left : K.gatherKeys(keys.left, buckets.lRows)
      const rk = buckets.identity ? keys.right : K.gatherKeys(keys.right, buckets.rRows)
      const ref = K.matchRows(n, lk, rk, buckets, merge)
      expect(Array.from(fast), `run ${run} n ${n} m ${m} exact ${exact} by ${by}`).toEqual(Array.from(ref))
    }
  })
  it("backwardSorted gives up (undefined) on unsorted or out-of-range keys, also past the last needed right key", () => {
    const w = (xs: ReadonlyArray<bigint>) => new Int32Array(BigInt64Array.from(xs).buffer)
    expect(Array.from(KW.backwardSorted(w([2n, 5n]), w([1n, 2n, 3n, 9n]), null, null, 1, true)!)).toEqual([1, 2])
    expect(KW.backwardSorted(w([2n, 5n]), w([1n, 2n, 3n, 9n, 4n]), null, null, 1, true)).toBeUndefined()
    expect(KW.backwardSorted(w([5n, 2n]), w([1n, 2n]), null, null, 1, true)).toBeUndefined()
    expect(KW.backwardSorted(w([2n]), w([1n, 2n ** 60n]), null, null, 1, true)).toBeUndefined()
    // through joinAsof: an unsorted right tail is still reported, as by the general path
    const ts = (xs: ReadonlyArray<number>) => C.make(DT.Timestamp("us"), xs.length, BigInt64Array.from(xs.map((x) => US_BASE + BigInt(x))), null)
    const l = frame({ t: ts([2, 5]) })
    const r = frame({ t: ts([1, 2, 3, 9, 4]), v: [1, 2, 3, 4, 5] })
    expect((runErr(joinAsof(l, r, { on: "t" })) as { _tag: string; row: number })).toMatchObject({ _tag: "NotSorted", row: 4 })
    expect(values(runOk(joinAsof(l, frame({ t: ts([1, 2, 3, 9]), v: [1, 2, 3, 4] }), { on: "t" })), "v")).toEqual([2, 3])
  })
  it("sortedWords rejects unsorted keys and keys beyond 2^52", () => {
    const w = (xs: ReadonlyArray<bigint>) => new Int32Array(BigInt64Array.from(xs).buffer)
    expect(KW.sortedWords(w([1n, 2n, 2n, 3n]), 4, null)).toBe(true)
    expect(KW.sortedWords(w([1n, 3n, 2n]), 3, null)).toBe(false)
    expect(KW.sortedWords(w([-(2n ** 40n) + 1n, -5n]), 2, null)).toBe(true)
    expect(KW.sortedWords(w([0n, 2n ** 52n]), 2, null)).toBe(false)
    expect(KW.sortedWords(w([-(2n ** 52n) - 1n, 0n]), 2, null)).toBe(false)
    // a null row may hold anything
    expect(KW.sortedWords(w([1n, 0n, 2n]), 3, Uint8Array.of(0b101))).toBe(true)
  })
  it("sharedUtf8Ids and utf8GroupIds group as groupIds (short, long, empty and null strings)", () => {
    const rng = prng(SEED + 78)
    const pool = ["", "a", "ab", "abc", "abcd", "abcde", "abcdefgh", "abcdefghi", "abcdefghij-long", "bbcd", "abce", null]
    for (let run = 0; run < 30; run++) {
      const n = Math.floor(rng() * 300)
      const m = Math.floor(rng() * 300)
      const xs = Array.from({ length: n }, () => pool[Math.floor(rng() * pool.length)]!)
      const ys = Array.from({ length: m }, () => pool[Math.floor(rng() * pool.length)]!)
      const l = column(xs, DT.Utf8)
      const r = column(ys, DT.Utf8)
      const g = BK.utf8GroupIds(l, n)
      const ref = groupIds([l], n)
      expect(Array.from(g.ids)).toEqual(Array.from(ref.ids))
      expect(Array.from(g.firstRow)).toEqual(Array.from(ref.firstRow))
      const sh = BK.sharedUtf8Ids(l, r, n, m)
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
        const same = xs[i] !== null && xs[i] === ys[j]
        expect(sh.lg[i]! >= 0 && sh.lg[i] === sh.rg[j]).toBe(same)
      }
      for (let i = 0; i < n; i++) expect(sh.lg[i]! < 0).toBe(xs[i] === null)
    }
  })
})

describe("joinAsof: output gather", () => {
  it("gather equals take on Utf8 (nulls, empty and long strings) and Float64, with -1 indices", () => {
    let seed = SEED + 80
    const rng = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296)
    const pool = ["", "a", "S0001", "exactly8", "a string well beyond thirty-two bytes long", null]
    for (let run = 0; run < 40; run++) {
      const m = Math.floor(rng() * 200)
      const n = Math.floor(rng() * 300)
      const s = column(Array.from({ length: m }, () => pool[Math.floor(rng() * pool.length)]!), DT.Utf8)
      const x = column(Array.from({ length: m }, () => (rng() < 0.1 ? null : rng())), DT.Float64)
      const idx = Int32Array.from({ length: n }, () => (m === 0 || rng() < 0.2 ? -1 : Math.floor(rng() * m)))
      const hasNeg = idx.some((i) => i < 0)
      const neg = hasNeg ? C.takeValidity(null, idx) : undefined
      for (const c of [s, x]) expect(C.toArray(gather(c, idx, hasNeg, neg))).toEqual(C.toArray(C.take(c, idx)))
    }
  })
})
