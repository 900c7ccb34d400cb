/**
 * The fast group-by paths of `groupBy().agg()` (issue 3): small key domains grouped by slots computed from the key
 * values (`groupKeys` with `direct`, one fused aggregation pass, lazily built group ids), keys with known domains
 * packed into words (`packDomains`), the radix-partitioned hash for many groups (`hashWords2Partitioned`), Int32
 * products read without materializing them (`mean(a * b)`), integer sums in doubles with the exactness fallback,
 * and the key columns reused when every row is its own group.
 *
 * Oracles: DuckDB on random frames (Categorical keys with repeated and unused dictionary strings, small-range
 * integer keys, nulls in keys and values), compared in order of first appearance (`ORDER BY min(row index)`); a
 * JS `Map` and BigInt sums for the large inputs (too big to load into DuckDB as SQL literals).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { col, len } from "../src/Expr/index.ts"
import * as DT from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/index.ts"
import * as Bits from "../src/internal/bitmap.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import { fromColumnsUnsafe } from "../src/internal/frame.ts"
import { groupIds, groupKeys } from "../src/internal/kernels/hash.ts"
import { diffRows, frameRows, Oracle } from "./support/duckdb.ts"
import { mulberry32 as rng } from "./support/rng.ts"

let db: Oracle
beforeAll(async () => {
  db = await Oracle.make()
})
afterAll(() => {
  db?.close()
})

const validityOf = (n: number, nullRate: number, r: () => number): Uint8Array | null => {
  if (nullRate === 0) return null
  const m = new Uint8Array(n)
  for (let i = 0; i < n; i++) m[i] = r() < nullRate ? 0 : 1
  return Bits.pack(m, n)
}

/** A Categorical column over a dictionary that repeats a string and has entries no row uses. */
const categorical = (n: number, r: () => number, nullRate: number, repeat: boolean): Column => {
  const dict = repeat ? ["x", "y", "x", "z", "w", "unused", "y"] : ["p", "q", "r", "s", "t", "never"]
  const used = dict.length - 1
  const codes = new Int32Array(n)
  for (let i = 0; i < n; i++) codes[i] = Math.floor(r() * used)
  return C.make(DT.Categorical, n, codes, validityOf(n, nullRate, r), { dictionary: C.fromStrings(dict) })
}

const ints = (dtype: DT.DataType, n: number, lo: number, hi: number, r: () => number, nullRate: number): Column => {
  const v = C.allocValues(dtype, n) as Int32Array
  for (let i = 0; i < n; i++) v[i] = lo + Math.floor(r() * (hi - lo + 1))
  return C.make(dtype, n, v, validityOf(n, nullRate, r))
}

const floats = (n: number, r: () => number, nullRate: number): Column => {
  const v = new Float64Array(n)
  for (let i = 0; i < n; i++) v[i] = Math.round((r() * 200 - 100) * 1000) / 1000
  return C.make(DT.Float64, n, v, validityOf(n, nullRate, r))
}

const run = <A>(e: Effect.Effect<A, unknown>): Promise<A> => Effect.runPromise(e)

describe("groupBy().agg() on small key domains, against DuckDB", () => {
  it("sums, means, variances, extremes, counts, medians and r² by Categorical and small-int keys with nulls", async () => {
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(seed)
      const n = 1 + Math.floor(r() * 300)
      const nullRate = seed % 3 === 0 ? 0 : 0.15
      const cols: Record<string, Column> = {
        c: categorical(n, r, nullRate, seed % 2 === 0),
        k: ints(seed % 4 === 1 ? DT.Int16 : DT.Int32, n, -3, 4, r, nullRate),
        u: ints(DT.UInt8, n, 200, 203, r, seed % 5 === 0 ? 0.3 : 0),
        a: ints(DT.Int32, n, -20, 20, r, nullRate),
        b: ints(DT.Int32, n, 0, 9, r, seed % 2 === 0 ? 0.1 : 0),
        x: floats(n, r, nullRate)
      }
      const f = fromColumnsUnsafe(Object.keys(cols), Object.values(cols))
      await db.load("t", f, "__i")
      const f64 = (c: string) => col(c).cast(DT.Float64)
      const keySets = [["c"], ["k"], ["c", "k"], ["k", "u", "c"], ["u"]]
      const keys = keySets[seed % keySets.length]!
      const m1 = col("a").mean()
      const m2 = col("b").mean()
      const cov = col("a").mul(col("b")).mean().sub(m1.mul(m2))
      const var1 = col("a").mul(col("a")).mean().sub(m1.mul(m1))
      const var2 = col("b").mul(col("b")).mean().sub(m2.mul(m2))
      const aggs = [
        col("a").sum().alias("sa"),
        col("x").sum().alias("sx"),
        col("a").mean().alias("ma"),
        col("x").mean().alias("mx"),
        col("a").mul(col("b")).mean().alias("mab"),
        f64("a").mul(f64("b")).sum().alias("sab"),
        col("x").std().alias("sdx"),
        col("a").var().alias("va"),
        col("a").min().alias("mina"),
        col("x").max().alias("maxx"),
        col("x").count().alias("cx"),
        len().alias("n"),
        cov.mul(cov).div(var1.mul(var2)).alias("r2")
      ]
      const withMedian = seed % 4 === 0
      const out = await run(Frame.groupBy(f, keys).agg(...aggs, ...(withMedian ? [col("x").median().alias("medx")] : [])))
      const kq = keys.map((k) => `"${k}"`).join(", ")
      const sql = `SELECT ${kq}, coalesce(sum(a), 0) sa, coalesce(sum(x), 0) sx, avg(a) ma, avg(x) mx, avg(a * b) mab,
          coalesce(sum(a::DOUBLE * b::DOUBLE), 0) sab,
          stddev_samp(x) sdx, var_samp(a) va, min(a) mina, max(x) maxx, count(x) cx, count(*) n,
          avg(a) m1, avg(b) m2, avg(a * a) m11, avg(b * b) m22${withMedian ? ", median(x) medx" : ""}
        FROM t GROUP BY ${kq} ORDER BY min(__i)`
      // (sum over only nulls is 0, as in Polars; DuckDB's is NULL, hence the coalesce.)
      const res = await db.query(sql)
      // r² from DuckDB's (exact) integer means with polaroid's formula, in the same floating-point steps.
      const expected = res.rows.map((row) => {
        const at = (name: string) => row[res.columns.indexOf(name)] as number | null
        const [m1v, m2v, m12, m11, m22] = [at("m1"), at("m2"), at("mab"), at("m11"), at("m22")]
        let r2: number | null = null
        if (m1v !== null && m2v !== null && m12 !== null && m11 !== null && m22 !== null) {
          const c = m12 - m1v * m2v
          r2 = (c * c) / ((m11 - m1v * m1v) * (m22 - m2v * m2v))
        }
        const base = row.slice(0, keys.length + 12)
        return [...base, r2, ...(withMedian ? [row[res.columns.indexOf("medx")]!] : [])]
      })
      const actual = frameRows(out)
      const problem = diffRows(actual, expected, { ordered: true, rtol: 1e-9, atol: 1e-9, columns: out.columns })
      expect(problem, `seed ${seed}, keys ${keys.join(",")}, n ${n}`).toBeUndefined()
    }
  })
})

/** Reference grouping with a Map over per-row key strings (null as its own key). */
const reference = (cols: ReadonlyArray<Column>, n: number) => {
  const m = new Map<string, number>()
  const ids = new Int32Array(n)
  const first: Array<number> = []
  for (let i = 0; i < n; i++) {
    const key = cols
      .map((c) => {
        if (!C.isValid(c, i)) return "∅"
        if (c.dtype._tag === "Categorical") return `s${C.stringAt(c.dictionary!, (c.values as Int32Array)[i]!)}`
        return String(c.values[i])
      })
      .join("|")
    let g = m.get(key)
    if (g === undefined) {
      g = m.size
      m.set(key, g)
      first.push(i)
    }
    ids[i] = g
  }
  return { ids, count: m.size, first }
}

const sameGroups = (g: { ids: Int32Array; count: number; firstRow: Int32Array }, ref: ReturnType<typeof reference>) => {
  expect(g.count).toBe(ref.count)
  expect(g.firstRow.length).toBe(ref.first.length)
  let badFirst = -1
  for (let q = 0; q < ref.first.length; q++)
    if (g.firstRow[q] !== ref.first[q]) {
      badFirst = q
      break
    }
  expect(badFirst).toBe(-1)
  let bad = -1
  for (let i = 0; i < ref.ids.length; i++)
    if (g.ids[i] !== ref.ids[i]) {
      bad = i
      break
    }
  expect(bad).toBe(-1)
}

describe("fast grouping paths on large inputs, against a Map", () => {
  it("slots up to 2^20 (many rows per slot), with lazily built ids equal to groupIds'", () => {
    const r = rng(7)
    const n = 1 << 21
    const k = ints(DT.Int32, n, -50_000, 49_999, r, 0.01)
    const g = groupKeys([k], n)
    expect(g.direct).toBeDefined()
    sameGroups(g, reference([k], n))
    const h = groupIds([k], n)
    expect(Array.from(g.ids.subarray(0, 1000))).toEqual(Array.from(h.ids.subarray(0, 1000)))
  })

  it("keys packed by their domains into two words, and the radix-partitioned hash for many groups", () => {
    const r = rng(11)
    const n = (1 << 21) + 37
    // Mostly distinct pairs (partitioned path), with repeats of earlier rows so groups have several rows.
    const a = new Int32Array(n)
    const b = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      if (i > 10 && r() < 0.2) {
        const j = Math.floor(r() * i)
        a[i] = a[j]!
        b[i] = b[j]!
      } else {
        a[i] = Math.floor(r() * 2 ** 26)
        b[i] = Math.floor(r() * 2 ** 26) - 2 ** 25
      }
    }
    const ka = C.make(DT.Int32, n, a, null)
    const kb = C.make(DT.Int32, n, b, null)
    // Reference over exact numeric pair keys (a · 2^26 + b + 2^25 < 2^52).
    const m = new Map<number, number>()
    const ids = new Int32Array(n)
    const first: Array<number> = []
    for (let i = 0; i < n; i++) {
      const key = a[i]! * 2 ** 26 + b[i]! + 2 ** 25
      let g = m.get(key)
      if (g === undefined) {
        g = m.size
        m.set(key, g)
        first.push(i)
      }
      ids[i] = g
    }
    const ref = { ids, count: m.size, first }
    sameGroups(groupKeys([ka, kb], n), ref)
    sameGroups(groupIds([ka, kb], n), ref)
    // Categorical × integer keys with a product of domains too large for slots (packDomains into one word).
    const n2 = 1 << 18
    const c = categorical(n2, r, 0.05, true)
    const k = ints(DT.Int32, n2, 0, 99_999, r, 0.05)
    const g2 = groupKeys([c, k], n2)
    expect(g2.direct).toBeUndefined()
    sameGroups(g2, reference([c, k], n2))
  })

  it("every row its own group: key columns reused, sums and counts per row", async () => {
    const n = (1 << 21) + 5
    const a = new Int32Array(n)
    const b = new Int32Array(n)
    const v = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      a[i] = Math.imul(i, 2654435761) >>> 2
      b[i] = i & 1023
      v[i] = i * 0.5
    }
    const f = fromColumnsUnsafe(["a", "b", "v"], [C.make(DT.Int32, n, a, null), C.make(DT.Int32, n, b, null), C.make(DT.Float64, n, v, null)])
    const out = await run(Frame.groupBy(f, ["a", "b"]).agg(col("v").sum().alias("s"), len().alias("n")))
    expect(out.height).toBe(n)
    const cols = await run(Effect.all(["a", "b", "s", "n"].map((name) => Frame.getColumn(out, name))))
    for (const i of [0, 1, 1000, n - 1]) {
      expect(cols[0]!.values[i]).toBe(a[i])
      expect(cols[1]!.values[i]).toBe(b[i])
      expect(cols[2]!.values[i]).toBe(v[i])
      expect(cols[3]!.values[i]).toBe(1)
    }
  })

  it("integer sums stay exact when a group's partial sums pass 2^53 (fused pass falls back)", async () => {
    const n = (1 << 22) + 3
    const v = new Int32Array(n).fill(2 ** 31 - 1)
    v[5] = -(2 ** 31)
    const k = new Int32Array(n)
    for (let i = 0; i < n; i++) k[i] = i % 7 === 0 ? 1 : 0
    const f = fromColumnsUnsafe(["k", "v"], [C.make(DT.Int32, n, k, null), C.make(DT.Int32, n, v, null)])
    const out = await run(Frame.groupBy(f, "k").agg(col("v").sum().alias("s"), col("v").mean().alias("m")))
    const s = (await run(Frame.getColumn(out, "s"))).values as BigInt64Array
    // Groups in order of first appearance: row 0 has k = 1.
    const expected = [0n, 0n]
    for (let i = 0; i < n; i++) expected[1 - k[i]!]! += BigInt(v[i]!)
    expect([s[0], s[1]]).toEqual(expected)
  })
})
