/**
 * Tests of join, concat, pivot, unpivot, explode, describe, nullCount, sample and withRowIndex.
 *
 * Oracles: hand-computed small cases, properties (fast-check), and DuckDB as a differential oracle for joins
 * (random frames with nulls and duplicate keys; multisets of rows compared; the seed is printed on failure).
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Frame from "../src/Frame/index.ts"

const { DataType } = Frame
type F = Frame.Frame

const run = <X, E>(e: Effect.Effect<X, E>): X => Effect.runSync(e)
const rows = (f: F) => Frame.toRows(f)
const cols = (f: F) => Frame.toColumns(f) as Record<string, Array<unknown>>
const dtypes = (f: F) => Object.fromEntries(f.schema.map((x) => [x.name, DataType.format(x.dtype)]))
const errorTag = <X, E extends { readonly _tag: string }>(e: Effect.Effect<X, E>): string =>
  run(Effect.flip(e) as Effect.Effect<E, never>)._tag

/** A row as a comparable string (bigint → number). */
const key = (r: ReadonlyArray<unknown>) => JSON.stringify(r.map((v) => (typeof v === "bigint" ? Number(v) : v)))
const multiset = (rs: ReadonlyArray<ReadonlyArray<unknown>>) => rs.map(key).sort()

// Left: duplicate key 2, a null key, an unmatched key 3. Right: duplicate key 2, a null key, an unmatched key 4.
const L = run(Frame.make({ k: [1, 2, 2, null, 3], a: ["a", "b", "c", "d", "e"] }, { dtypes: { k: DataType.Int32 } }))
const R = run(Frame.make({ k: [2, 2, 1, null, 4], b: [10, 20, 30, 40, 50] }, { dtypes: { k: DataType.Int32 } }))

// ---------------------------------------------------------------------------------------------------------------
// join: hand-computed cases
// ---------------------------------------------------------------------------------------------------------------

describe("join (hand-computed)", () => {
  it.effect("inner: left order, each left row's matches in right order; nulls never match", () =>
    Effect.gen(function* () {
      const j = yield* Frame.join(L, R, { on: "k" })
      expect(j.columns).toEqual(["k", "a", "b"])
      expect(cols(j)).toEqual({ k: [1, 2, 2, 2, 2], a: ["a", "b", "b", "c", "c"], b: [30, 10, 20, 10, 20] })
    }))

  it.effect("left: every left row, null right columns when unmatched", () =>
    Effect.gen(function* () {
      const j = yield* Frame.join(L, R, { on: "k", how: "left" })
      expect(cols(j)).toEqual({
        k: [1, 2, 2, 2, 2, null, 3],
        a: ["a", "b", "b", "c", "c", "d", "e"],
        b: [30, 10, 20, 10, 20, null, null]
      })
    }))

  it.effect("right: mirror of left (left non-key columns, then the right columns)", () =>
    Effect.gen(function* () {
      const j = yield* Frame.join(L, R, { on: "k", how: "right" })
      expect(j.columns).toEqual(["a", "k", "b"])
      expect(cols(j)).toEqual({
        a: ["b", "c", "b", "c", "a", null, null],
        k: [2, 2, 2, 2, 1, null, 4],
        b: [10, 10, 20, 20, 30, 40, 50]
      })
    }))

  it.effect("full: left rows with matches, then unmatched right rows; keys kept apart unless coalesce", () =>
    Effect.gen(function* () {
      const j = yield* Frame.join(L, R, { on: "k", how: "full" })
      expect(j.columns).toEqual(["k", "a", "k_right", "b"])
      expect(cols(j)).toEqual({
        k: [1, 2, 2, 2, 2, null, 3, null, null],
        a: ["a", "b", "b", "c", "c", "d", "e", null, null],
        k_right: [1, 2, 2, 2, 2, null, null, null, 4],
        b: [30, 10, 20, 10, 20, null, null, 40, 50]
      })
      const c = yield* Frame.join(L, R, { on: "k", how: "full", coalesce: true })
      expect(cols(c)).toEqual({
        k: [1, 2, 2, 2, 2, null, 3, null, 4],
        a: ["a", "b", "b", "c", "c", "d", "e", null, null],
        b: [30, 10, 20, 10, 20, null, null, 40, 50]
      })
    }))

  it.effect("semi and anti: left rows with / without a match (a null key has none)", () =>
    Effect.gen(function* () {
      expect(cols(yield* Frame.join(L, R, { on: "k", how: "semi" }))).toEqual({ k: [1, 2, 2], a: ["a", "b", "c"] })
      expect(cols(yield* Frame.join(L, R, { on: "k", how: "anti" }))).toEqual({ k: [null, 3], a: ["d", "e"] })
    }))

  it.effect("nullsEqual: null keys match each other", () =>
    Effect.gen(function* () {
      const j = yield* Frame.join(L, R, { on: "k", nullsEqual: true })
      expect(cols(j).b).toEqual([30, 10, 20, 10, 20, 40])
      expect(cols(yield* Frame.join(L, R, { on: "k", how: "anti", nullsEqual: true })).a).toEqual(["e"])
    }))

  it.effect("cross: left-major product, suffix on collisions", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ x: [1, 2], y: ["p", "q"] })
      const b = yield* Frame.make({ x: [10, 20, 30] })
      const j = yield* Frame.join(a, b, { how: "cross" })
      expect(j.columns).toEqual(["x", "y", "x_right"])
      expect(cols(j)).toEqual({
        x: [1, 1, 1, 2, 2, 2],
        y: ["p", "p", "p", "q", "q", "q"],
        x_right: [10, 20, 30, 10, 20, 30]
      })
    }))

  it.effect("suffix for colliding non-key columns; leftOn/rightOn keep only the left key", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ id: [1, 2], v: ["a", "b"] })
      const b = yield* Frame.make({ key: [2, 1], v: ["B", "A"] })
      const j = yield* Frame.join(a, b, { leftOn: "id", rightOn: "key", suffix: "_r" })
      expect(j.columns).toEqual(["id", "v", "v_r"])
      expect(cols(j)).toEqual({ id: [1, 2], v: ["a", "b"], v_r: ["A", "B"] })
      const nc = yield* Frame.join(a, b, { leftOn: "id", rightOn: "key", coalesce: false })
      expect(nc.columns).toEqual(["id", "v", "key", "v_right"])
    }))

  it.effect("right join schema follows Polars (coalesce drops the left key; suffix on the right side)", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ a: [1, 2, 3], b: [1, 2, 3] })
      const b = yield* Frame.make({ a: [1, 3], b: [1, 3], c: [1, 3] })
      const j = yield* Frame.join(a, b, { on: "a", how: "right" })
      expect(cols(j)).toEqual({ b: [1, 3], a: [1, 3], b_right: [1, 3], c: [1, 3] })
      const k = yield* Frame.join(b, a, { on: "a", how: "right" })
      expect(cols(k)).toEqual({ b: [1, null, 3], c: [1, null, 3], a: [1, 2, 3], b_right: [1, 2, 3] })
      const nc = yield* Frame.join(a, b, { on: "a", how: "right", coalesce: false })
      expect(nc.columns).toEqual(["a", "b", "a_right", "b_right", "c"])
    }))

  it.effect("multi-key with Categorical (different dictionaries) against Utf8, Int32 against Int64", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make(
        { s: ["x", "y", "x", null], n: [1, 2, 3, 1], v: [1, 2, 3, 4] },
        { dtypes: { s: DataType.Categorical, n: DataType.Int32 } }
      )
      const b = yield* Frame.make(
        { s: ["y", "x", "x", "z"], n: [2n, 1n, 3n, 1n], w: ["p", "q", "r", "s"] },
        { dtypes: { s: DataType.Utf8, n: DataType.Int64 } }
      )
      const j = yield* Frame.join(a, b, { on: ["s", "n"], how: "left" })
      expect(cols(j)).toEqual({ s: ["x", "y", "x", null], n: [1, 2, 3, 1], v: [1, 2, 3, 4], w: ["q", "p", "r", null] })
      // Categorical on both sides with different dictionaries compares strings.
      const c = yield* Frame.make({ s: ["z", "x"] }, { dtypes: { s: DataType.Categorical } })
      const jc = yield* Frame.join(a, c, { on: "s", how: "semi" })
      expect(cols(jc).v).toEqual([1, 3])
    }))

  it.effect("float keys: -0 equals 0, integer keys compare with float keys by value", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ k: [0, 1.5, 2] })
      const b = yield* Frame.make({ k: [-0, 2, 7], w: [1, 2, 3] }, { dtypes: { k: DataType.Float32 } })
      expect(cols(yield* Frame.join(a, b, { on: "k" })).w).toEqual([1, 2])
      const c = yield* Frame.make({ k: [2, 3], w: [8, 9] }, { dtypes: { k: DataType.Int16 } })
      expect(cols(yield* Frame.join(a, c, { on: "k" }))).toEqual({ k: [2], w: [8] })
    }))

  it.effect("Date, Timestamp and Boolean keys; UInt64 above 2^63 never equals a signed key", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make(
        { d: ["2024-01-01", "2024-01-02"], t: [0, 1000], f: [true, false] },
        { dtypes: { d: DataType.Date, t: DataType.Timestamp("ms") } }
      )
      const b = yield* Frame.make(
        { d: ["2024-01-02", "2024-01-01"], t: [1000, 5], f: [false, true], w: [1, 2] },
        { dtypes: { d: DataType.Date, t: DataType.Timestamp("ms") } }
      )
      expect(cols(yield* Frame.join(a, b, { on: ["d", "f"] })).w).toEqual([2, 1])
      expect(cols(yield* Frame.join(a, b, { on: ["t"] })).w).toEqual([1])
      const u = yield* Frame.make({ k: [2n ** 64n - 1n, 5n] }, { dtypes: { k: DataType.UInt64 } })
      const s = yield* Frame.make({ k: [-1n, 5n], w: [1, 2] }, { dtypes: { k: DataType.Int64 } })
      expect(cols(yield* Frame.join(u, s, { on: "k", how: "left" })).w).toEqual([null, 2])
    }))

  it.effect("a smaller left side (hash table on the left) keeps left order with matches in right order", () =>
    Effect.gen(function* () {
      const small = yield* Frame.make({ k: [2, 9, 1] }, { dtypes: { k: DataType.Int32 } })
      const big = yield* Frame.make({ k: [1, 2, 2, 1, 3, 2, null], b: [0, 1, 2, 3, 4, 5, 6] }, { dtypes: { k: DataType.Int32 } })
      expect(cols(yield* Frame.join(small, big, { on: "k" }))).toEqual({ k: [2, 2, 2, 1, 1], b: [1, 2, 5, 0, 3] })
      expect(cols(yield* Frame.join(small, big, { on: "k", how: "left" }))).toEqual({
        k: [2, 2, 2, 9, 1, 1],
        b: [1, 2, 5, null, 0, 3]
      })
      // Right join with a small right side: right rows in order, each with its left matches in left order.
      expect(cols(yield* Frame.join(big, small, { on: "k", how: "right" }))).toEqual({
        b: [1, 2, 5, null, 0, 3],
        k: [2, 2, 2, 9, 1, 1]
      })
    }))

  it.effect("full join coalescing keys of different dtypes: Int32 × Int64 → Int64, cat × str → str", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ k: [1, 2], s: ["x", "y"] }, { dtypes: { k: DataType.Int32, s: DataType.Categorical } })
      const b = yield* Frame.make({ k: [2n, 3n], s: ["y", "z"] }, { dtypes: { k: DataType.Int64 } })
      const j = yield* Frame.join(a, b, { on: ["k", "s"], how: "full", coalesce: true })
      expect(dtypes(j)).toEqual({ k: "i64", s: "str" })
      expect(cols(j)).toEqual({ k: [1n, 2n, 3n], s: ["x", "y", "z"] })
    }))

  it.effect("works on multi-batch frames", () =>
    Effect.gen(function* () {
      const l2 = yield* Frame.concat([L, L])
      expect(l2.batches.length).toBe(2)
      const j = yield* Frame.join(l2, R, { on: "k", how: "semi" })
      expect(cols(j).a).toEqual(["a", "b", "c", "a", "b", "c"])
    }))

  it("typed errors: incompatible keys, missing keys, bad options, duplicate output names", () => {
    const s = run(Frame.make({ k: ["1"] }))
    expect(errorTag(Frame.join(L, s, { on: "k" }))).toBe("TypeMismatch")
    const t = run(Frame.make({ k: [1] }, { dtypes: { k: DataType.Timestamp("ms") } }))
    const t2 = run(Frame.make({ k: [1] }, { dtypes: { k: DataType.Timestamp("us") } }))
    expect(errorTag(Frame.join(t, t2, { on: "k" }))).toBe("TypeMismatch")
    expect(errorTag(Frame.join(L, R, { on: "nope" }))).toBe("ColumnNotFound")
    expect(errorTag(Frame.join(L, R, { leftOn: "k", rightOn: "nope" }))).toBe("ColumnNotFound")
    expect(errorTag(Frame.join(L, R, {}))).toBe("InvalidArgument")
    expect(errorTag(Frame.join(L, R, { leftOn: ["k", "a"], rightOn: "k" }))).toBe("InvalidArgument")
    expect(errorTag(Frame.join(L, R, { on: "k", leftOn: "k", rightOn: "k" }))).toBe("InvalidArgument")
    expect(errorTag(Frame.join(L, R, { how: "cross", on: "k" }))).toBe("InvalidArgument")
    const x = run(Frame.make({ k: [1], v: [1], v_right: [2] }))
    const y = run(Frame.make({ k: [1], v: [3] }))
    expect(errorTag(Frame.join(x, y, { on: "k" }))).toBe("DuplicateColumn")
  })

  it.effect("data-last and Effect subjects compose", () =>
    Effect.gen(function* () {
      const j = yield* Effect.succeed(L).pipe(Frame.join(Effect.succeed(R), { on: "k", how: "semi" }))
      expect(j.height).toBe(3)
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// join: properties
// ---------------------------------------------------------------------------------------------------------------

const keyArb = fc.option(fc.integer({ min: 0, max: 4 }), { freq: 5 })
const sideArb = fc.array(fc.tuple(keyArb, fc.integer({ min: -100, max: 100 })), { maxLength: 25 })
const toFrame = (xs: ReadonlyArray<readonly [number | null, number]>, v: string) =>
  run(
    Frame.make(
      { k: xs.map((x) => x[0]), [v]: xs.map((x) => x[1]) },
      { dtypes: { k: DataType.Int32, [v]: DataType.Int32 } }
    )
  )

describe("join (properties)", () => {
  it("inner ⊆ left, left keeps every left row, semi + anti partition the left rows, cross height", () => {
    fc.assert(
      fc.property(sideArb, sideArb, (ls, rs) => {
        const l = run(Frame.withRowIndex(toFrame(ls, "a"), "i"))
        const r = toFrame(rs, "b")
        const inner = run(Frame.join(l, r, { on: "k" }))
        const left = run(Frame.join(l, r, { on: "k", how: "left" }))
        expect(inner.height).toBeLessThanOrEqual(left.height)
        const leftRows = new Set(rows(left).map((x) => key(Object.values(x))))
        for (const x of rows(inner)) expect(leftRows.has(key(Object.values(x)))).toBe(true)
        const seen = new Set(cols(left).i)
        expect(seen.size).toBe(l.height)
        const semi = cols(run(Frame.join(l, r, { on: "k", how: "semi" }))).i as Array<number>
        const anti = cols(run(Frame.join(l, r, { on: "k", how: "anti" }))).i as Array<number>
        expect(semi.length + anti.length).toBe(l.height)
        expect([...semi, ...anti].sort((p, q) => p - q)).toEqual(Array.from({ length: l.height }, (_, i) => i))
        expect(run(Frame.join(l, r, { how: "cross" })).height).toBe(l.height * r.height)
        // Right join mirrors left join (same rows, as multisets, once columns are aligned).
        const right = run(Frame.join(r, l, { on: "k", how: "right" }))
        const lr = rows(left).map((x) => [x.i, x.k, x.a, x.b])
        const rr = rows(right).map((x) => [x.i, x.k, x.a, x.b])
        expect(multiset(rr)).toEqual(multiset(lr))
      }),
      { numRuns: 200, seed: 7 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// join: differential against DuckDB
// ---------------------------------------------------------------------------------------------------------------

/** xorshift-style deterministic generator for the differential cases. */
const prng = (seed: number) => {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 4294967296
  }
}

interface Side {
  readonly k1: Array<number | null>
  readonly k2: Array<string | null>
  readonly v: Array<number | null>
}

const genSide = (rand: () => number): Side => {
  const n = Math.floor(rand() * 12)
  const nk = 1 + Math.floor(rand() * 5)
  const side: Side = { k1: [], k2: [], v: [] }
  for (let i = 0; i < n; i++) {
    side.k1.push(rand() < 0.15 ? null : Math.floor(rand() * nk))
    side.k2.push(rand() < 0.15 ? null : ["a", "b", "c"][Math.floor(rand() * 3)]!)
    side.v.push(rand() < 0.1 ? null : Math.floor(rand() * 1000))
  }
  return side
}

const sql = (v: number | string | null) => (v === null ? "NULL" : typeof v === "string" ? `'${v}'` : String(v))

const JOIN_SQL = {
  inner: "JOIN",
  left: "LEFT JOIN",
  right: "RIGHT JOIN",
  full: "FULL JOIN",
  semi: "SEMI JOIN",
  anti: "ANTI JOIN"
} as const

describe("join (differential vs DuckDB)", () => {
  it("inner/left/right/full/semi/anti agree with DuckDB on 300 random frame pairs (¼ with nullsEqual)", async () => {
    const instance = await DuckDBInstance.create(":memory:")
    const conn = await instance.connect()
    try {
      for (let seed = 1; seed <= 300; seed++) {
        const rand = prng(seed * 7919)
        const ls = genSide(rand)
        const rs = genSide(rand)
        const multi = rand() < 0.5
        const wide = rand() < 0.5 // right k1 as Int64: exercises key promotion
        const nullsEqual = rand() < 0.25 // null-safe equality: DuckDB's IS NOT DISTINCT FROM
        const lf = run(
          Frame.make({ k1: ls.k1, k2: ls.k2, a: ls.v }, { dtypes: { k1: DataType.Int32, k2: DataType.Utf8, a: DataType.Float64 } })
        )
        const rf = run(
          Frame.make(
            { k1: rs.k1, k2: rs.k2, b: rs.v },
            { dtypes: { k1: wide ? DataType.Int64 : DataType.Int32, k2: DataType.Categorical, b: DataType.Int32 } }
          )
        )
        await conn.run(`CREATE OR REPLACE TABLE l (k1 INTEGER, k2 VARCHAR, a DOUBLE)`)
        await conn.run(`CREATE OR REPLACE TABLE r (k1 ${wide ? "BIGINT" : "INTEGER"}, k2 VARCHAR, b INTEGER)`)
        if (ls.v.length > 0)
          await conn.run(`INSERT INTO l VALUES ${ls.v.map((_, i) => `(${sql(ls.k1[i]!)}, ${sql(ls.k2[i]!)}, ${sql(ls.v[i]!)})`).join(", ")}`)
        if (rs.v.length > 0)
          await conn.run(`INSERT INTO r VALUES ${rs.v.map((_, i) => `(${sql(rs.k1[i]!)}, ${sql(rs.k2[i]!)}, ${sql(rs.v[i]!)})`).join(", ")}`)
        const on = multi ? ["k1", "k2"] : ["k1"]
        const cond = on.map((k) => `l.${k} ${nullsEqual ? "IS NOT DISTINCT FROM" : "="} r.${k}`).join(" AND ")
        for (const how of ["inner", "left", "right", "full", "semi", "anti"] as const) {
          const ours = run(Frame.join(lf, rf, { on, how, nullsEqual }))
          let select: string
          let ourRows: Array<Array<unknown>>
          const o = rows(ours)
          if (how === "semi" || how === "anti") {
            select = "l.k1, l.k2, l.a"
            ourRows = o.map((x) => [x.k1, x.k2, x.a])
          } else if (how === "right") {
            select = multi ? "l.a, r.k1, r.k2, r.b" : "l.k2, l.a, r.k1, r.k2, r.b"
            ourRows = o.map((x) => (multi ? [x.a, x.k1, x.k2, x.b] : [x.k2, x.a, x.k1, x.k2_right, x.b]))
          } else if (how === "full") {
            select = multi ? "l.k1, l.k2, l.a, r.k1, r.k2, r.b" : "l.k1, l.k2, l.a, r.k1, r.k2, r.b"
            ourRows = o.map((x) => [x.k1, x.k2, x.a, x.k1_right, x.k2_right, x.b])
          } else {
            select = multi ? "l.k1, l.k2, l.a, r.b" : "l.k1, l.k2, l.a, r.k2, r.b"
            ourRows = o.map((x) => (multi ? [x.k1, x.k2, x.a, x.b] : [x.k1, x.k2, x.a, x.k2_right, x.b]))
          }
          const reader = await conn.runAndReadAll(`SELECT ${select} FROM l ${JOIN_SQL[how]} r ON ${cond}`)
          const theirs = reader.getRows() as Array<Array<unknown>>
          expect(multiset(ourRows), `seed ${seed}, how ${how}, on [${on}], right k1 ${wide ? "i64" : "i32"}, nullsEqual ${nullsEqual}`).toEqual(
            multiset(theirs)
          )
          if (how === "inner" || how === "left") {
            // Order: left rows in order (non-decreasing left position), as Polars.
            const pos = rows(run(Frame.join(run(Frame.withRowIndex(lf, "i")), rf, { on, how, nullsEqual }))).map((x) => x.i as number)
            expect(pos, `seed ${seed} order`).toEqual([...pos].sort((p, q) => p - q))
          }
        }
      }
    } finally {
      conn.closeSync()
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------
// concat
// ---------------------------------------------------------------------------------------------------------------

describe("concat", () => {
  it.effect("vertical keeps the batches (zero-copy)", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ x: [1, 2], s: ["a", "b"] })
      const b = yield* Frame.make({ x: [3], s: ["c"] })
      const c = yield* Frame.concat([a, b])
      expect(c.height).toBe(3)
      expect(c.batches.length).toBe(2)
      expect(c.batches[0]!.columns[0]).toBe(a.batches[0]!.columns[0])
      expect(c.batches[1]!.columns[1]).toBe(b.batches[0]!.columns[1])
      expect(cols(c)).toEqual({ x: [1, 2, 3], s: ["a", "b", "c"] })
    }))

  it("vertical with different schemas: ShapeMismatch naming the first difference", () => {
    const a = run(Frame.make({ x: [1], s: ["a"] }))
    const b = run(Frame.make({ x: [1], t: ["a"] }))
    const c = run(Frame.make({ x: [1], s: ["a"] }, { dtypes: { x: DataType.Int32 } }))
    const e1 = run(Effect.flip(Frame.concat([a, b])))
    expect(e1._tag).toBe("ShapeMismatch")
    expect(e1.message).toContain('"t"')
    const e2 = run(Effect.flip(Frame.concat([a, c])))
    expect(e2.message).toContain("i32")
  })

  it.effect("diagonal: union of columns in first-appearance order, nulls where missing", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ x: [1, 2], y: ["a", "b"] })
      const b = yield* Frame.make({ z: [true], x: [3] })
      const c = yield* Frame.concat([a, b], { how: "diagonal" })
      expect(c.columns).toEqual(["x", "y", "z"])
      expect(cols(c)).toEqual({ x: [1, 2, 3], y: ["a", "b", null], z: [null, null, true] })
      const d = yield* Frame.make({ x: ["no"] })
      expect((yield* Effect.flip(Frame.concat([a, d], { how: "diagonal" })))._tag).toBe("ShapeMismatch")
    }))

  it.effect("horizontal: same heights, distinct names", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ x: [1, 2] })
      const b = yield* Frame.make({ y: ["a", "b"] })
      expect(cols(yield* Frame.concat([a, b], { how: "horizontal" }))).toEqual({ x: [1, 2], y: ["a", "b"] })
      expect((yield* Effect.flip(Frame.concat([a, a], { how: "horizontal" })))._tag).toBe("DuplicateColumn")
      const c = yield* Frame.make({ z: [1] })
      expect((yield* Effect.flip(Frame.concat([a, c], { how: "horizontal" })))._tag).toBe("ShapeMismatch")
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// pivot / unpivot / explode
// ---------------------------------------------------------------------------------------------------------------

describe("pivot", () => {
  const long = run(
    Frame.make({ k: ["a", "a", "b", "b", "a", "c"], c: ["x", "y", "x", "x", "x", "y"], v: [1, 2, 3, 4, 5, null] }, { dtypes: { v: DataType.Int32 } })
  )
  const pv = (aggregate: Frame.PivotOptions["aggregate"]) =>
    run(Frame.pivot(long, { index: "k", on: "c", values: "v", ...(aggregate !== undefined ? { aggregate } : {}) }))

  it("columns in order of first appearance of `on`, rows of first appearance of the index", () => {
    const p = pv(undefined)
    expect(p.columns).toEqual(["k", "x", "y"])
    expect(cols(p)).toEqual({ k: ["a", "b", "c"], x: [1, 3, null], y: [2, null, null] })
  })

  it("aggregations (hand-computed)", () => {
    expect(cols(pv("last"))).toMatchObject({ x: [5, 4, null], y: [2, null, null] })
    expect(cols(pv("sum"))).toMatchObject({ x: [6, 7, null], y: [2, null, 0] })
    expect(cols(pv("min"))).toMatchObject({ x: [1, 3, null], y: [2, null, null] })
    expect(cols(pv("max"))).toMatchObject({ x: [5, 4, null], y: [2, null, null] })
    expect(cols(pv("mean"))).toMatchObject({ x: [3, 3.5, null], y: [2, null, null] })
    expect(cols(pv("median"))).toMatchObject({ x: [3, 3.5, null], y: [2, null, null] })
    expect(cols(pv("count"))).toMatchObject({ x: [2, 2, null], y: [1, null, 0] })
    expect(cols(pv("len"))).toMatchObject({ x: [2, 2, null], y: [1, null, 1] })
    expect(dtypes(pv("count")).x).toBe("u32")
    expect(dtypes(pv("sum")).x).toBe("i32")
    expect(dtypes(pv("mean")).x).toBe("f64")
  })

  it("several index columns, numeric `on` named by its text; errors", () => {
    const f = run(Frame.make({ a: [1, 1, 2], b: ["p", "p", "q"], on: [10, 20, 10], v: ["s", "t", "u"] }))
    const p = run(Frame.pivot(f, { index: ["a", "b"], on: "on", values: "v" }))
    expect(p.columns).toEqual(["a", "b", "10.0", "20.0"])
    expect(cols(p)["10.0"]).toEqual(["s", "u"])
    expect(errorTag(Frame.pivot(f, { index: "a", on: "nope", values: "v" }))).toBe("ColumnNotFound")
    expect(errorTag(Frame.pivot(f, { index: "a", on: "b", values: "v", aggregate: "sum" }))).toBe("TypeMismatch")
    const g = run(Frame.make({ p: ["x", "p"], on: ["p", "x"], v: [1, 2] }))
    expect(errorTag(Frame.pivot(g, { index: "p", on: "on", values: "v" }))).toBe("DuplicateColumn")
  })
})

describe("unpivot", () => {
  it.effect("column-major rows: index repeated, variable names, value supertype", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ id: ["p", "q"], x: [1, 2], y: [3.5, null] }, { dtypes: { x: DataType.Int32 } })
      const u = yield* Frame.unpivot(f, { index: ["id"] })
      expect(dtypes(u)).toEqual({ id: "str", variable: "str", value: "f64" })
      expect(cols(u)).toEqual({ id: ["p", "q", "p", "q"], variable: ["x", "x", "y", "y"], value: [1, 2, 3.5, null] })
      const v = yield* Frame.unpivot(f, { on: ["x"], variableName: "col", valueName: "val" })
      expect(dtypes(v)).toEqual({ col: "str", val: "i32" })
      expect(cols(v)).toEqual({ col: ["x", "x"], val: [1, 2] })
      expect((yield* Effect.flip(Frame.unpivot(f, { on: ["id", "x"] })))._tag).toBe("TypeMismatch")
      expect((yield* Effect.flip(Frame.unpivot(f, { index: ["nope"] })))._tag).toBe("ColumnNotFound")
    }))
})

describe("explode", () => {
  it.effect("one row per element; empty and null lists give one null row", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ id: [1, 2, 3, 4], l: [[1, 2], [], null, [3]], m: [["a", "b"], [], null, ["c"]] })
      const e = yield* Frame.explode(f, "l")
      expect(dtypes(e).l).toBe("f64")
      expect(cols(e)).toMatchObject({ id: [1, 1, 2, 3, 4], l: [1, 2, null, null, 3] })
      const e2 = yield* Frame.explode(f, ["l", "m"])
      expect(cols(e2)).toEqual({ id: [1, 1, 2, 3, 4], l: [1, 2, null, null, 3], m: ["a", "b", null, null, "c"] })
    }))

  it("errors: not a list, unequal lengths, missing column", () => {
    const f = run(Frame.make({ id: [1, 2], l: [[1, 2], [3]], m: [[1], [2]] }))
    expect(errorTag(Frame.explode(f, "id"))).toBe("TypeMismatch")
    expect(errorTag(Frame.explode(f, ["l", "m"]))).toBe("ShapeMismatch")
    expect(errorTag(Frame.explode(f, "nope"))).toBe("ColumnNotFound")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// describe / nullCount / sample / withRowIndex
// ---------------------------------------------------------------------------------------------------------------

describe("describe", () => {
  it.effect("numeric columns: f64 stats, percentiles by nearest rank (Polars' default)", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make(
        { x: [4, 1, null, 3, 2], s: ["b", null, "a", "c", "b"], flag: [true, false, true, null, true] },
        { dtypes: { x: DataType.Int32 } }
      )
      const d = yield* Frame.describe(f)
      expect(d.columns).toEqual(["statistic", "x", "s", "flag"])
      expect(dtypes(d)).toEqual({ statistic: "str", x: "f64", s: "str", flag: "f64" })
      const c = cols(d)
      expect(c.statistic).toEqual(["count", "null_count", "mean", "std", "min", "25%", "50%", "75%", "max"])
      // values 1..4: mean 2.5, sample std sqrt(5/3); nearest ranks round(3p): 25% → 1 (value 2), 50% → 2 (3), 75% → 2 (3)
      const x = c.x as Array<number>
      expect(x.slice(0, 3)).toEqual([4, 1, 2.5])
      expect(x[3]).toBeCloseTo(Math.sqrt(5 / 3), 12)
      expect(x.slice(4)).toEqual([1, 2, 3, 3, 4])
      expect(c.s).toEqual(["4", "1", null, null, "a", null, null, null, "c"])
      expect(c.flag).toEqual([4, 1, 0.75, null, 0, null, null, null, 1])
    }))

  it.effect("Polars' documented frame: float mean/std, str min/max, date stats as text", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make(
        { float: [1.0, 2.8, 3.0], int: [40, 50, null], str: ["zz", "xx", "yy"], date: ["2020-01-01", "2021-07-05", "2022-12-31"] },
        { dtypes: { int: DataType.Int64, date: DataType.Date } }
      )
      const c = cols(yield* Frame.describe(f))
      const fl = c.float as Array<number>
      expect(fl[2]).toBeCloseTo(2.266667, 6)
      expect(fl[3]).toBeCloseTo(1.101514, 6)
      // nearest ranks round(2p): 25% → round(0.5) = 1, 50% → 1, 75% → round(1.5) = 2
      expect(fl.slice(4)).toEqual([1, 2.8, 2.8, 3, 3])
      expect(c.int).toEqual([2, 1, 45, Math.sqrt(50), 40, 40, 50, 50, 50])
      expect(c.str).toEqual(["3", "0", null, null, "xx", null, null, null, "zz"])
      // days 18262, 18813, 19357: mean 18810 + 2/3 day
      expect(c.date).toEqual(["3", "0", "2021-07-02 16:00:00", null, "2020-01-01", "2021-07-05", "2021-07-05", "2022-12-31", "2022-12-31"])
    }))

  it.effect("Polars' documented example: [1, 2, 3, 4, 5] gives 25% = 2, 50% = 3, 75% = 4", () =>
    Effect.gen(function* () {
      const d = yield* Frame.describe(yield* Frame.make({ v: [1, 2, 3, 4, 5] }))
      expect((cols(d).v as Array<number>).slice(4)).toEqual([1, 2, 3, 4, 5])
    }))
})

describe("nullCount", () => {
  it.effect("one UInt32 row, counting across batches", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ a: [1, null, 3], b: [null, null, "x"] })
      const n = yield* Frame.nullCount(yield* Frame.concat([f, f]))
      expect(dtypes(n)).toEqual({ a: "u32", b: "u32" })
      expect(rows(n)).toEqual([{ a: 2, b: 4 }])
    }))
})

describe("sample", () => {
  const f = run(Frame.withRowIndex(run(Frame.make({ v: Array.from({ length: 50 }, (_, i) => i * 2) })), "i"))
  const idx = (g: F) => cols(g).i as Array<number>

  it("same seed, same rows; sorted and distinct without replacement", () => {
    const a = run(Frame.sample(f, { n: 20, seed: 42 }))
    const b = run(Frame.sample(f, { n: 20, seed: 42 }))
    const c = run(Frame.sample(f, { n: 20, seed: 43 }))
    expect(idx(a)).toEqual(idx(b))
    expect(idx(a)).not.toEqual(idx(c))
    expect(new Set(idx(a)).size).toBe(20)
    expect(idx(a)).toEqual([...idx(a)].sort((p, q) => p - q))
    for (const r of rows(a)) expect(r.v).toBe((r.i as number) * 2)
    expect(idx(run(Frame.sample(f, { n: 50, seed: 1 })))).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it("no duplicates without replacement, for many seeds and sizes (both algorithms)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer(), (n, seed) => {
        const s = idx(run(Frame.sample(f, { n, seed, shuffle: true })))
        expect(s.length).toBe(n)
        expect(new Set(s).size).toBe(n)
      }),
      { numRuns: 200, seed: 3 }
    )
  })

  it("fraction, replacement, shuffle, and InvalidArgument", () => {
    expect(run(Frame.sample(f, { fraction: 0.5, seed: 1 })).height).toBe(25)
    const w = run(Frame.sample(f, { n: 200, withReplacement: true, seed: 9 }))
    expect(w.height).toBe(200)
    expect(new Set(idx(w)).size).toBeLessThan(50 + 1)
    const sh = idx(run(Frame.sample(f, { n: 50, seed: 5, shuffle: true })))
    expect([...sh].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(sh).not.toEqual([...sh].sort((p, q) => p - q))
    expect(errorTag(Frame.sample(f, { n: 51 }))).toBe("InvalidArgument")
    expect(errorTag(Frame.sample(f, { n: -1 }))).toBe("InvalidArgument")
    expect(errorTag(Frame.sample(f, { fraction: 1.5 }))).toBe("InvalidArgument")
    expect(errorTag(Frame.sample(f, { fraction: -0.1 }))).toBe("InvalidArgument")
    expect(run(Frame.sample(f, { fraction: 2, withReplacement: true, seed: 1 })).height).toBe(100)
  })
})

describe("withRowIndex", () => {
  it.effect("prepends a UInt32 index, keeps batches, DuplicateColumn", () =>
    Effect.gen(function* () {
      const a = yield* Frame.make({ x: ["p", "q"] })
      const two = yield* Frame.concat([a, a])
      const r = yield* Frame.withRowIndex(two, "n", 10)
      expect(r.columns).toEqual(["n", "x"])
      expect(dtypes(r).n).toBe("u32")
      expect(r.batches.length).toBe(2)
      expect(r.batches[1]!.columns[1]).toBe(a.batches[0]!.columns[0])
      expect(cols(r).n).toEqual([10, 11, 12, 13])
      expect(cols(yield* Frame.withRowIndex(a)).index).toEqual([0, 1])
      expect((yield* Effect.flip(Frame.withRowIndex(a, "x")))._tag).toBe("DuplicateColumn")
    }))
})
