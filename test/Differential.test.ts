/**
 * Differential tests against DuckDB: random frames (with nulls) from polaroid's own fast-check generators, random
 * expressions from `support/cases.ts`, each verb's result compared with the same query in DuckDB.
 *
 * Every failure prints fast-check's `seed` and `path` (replay with `fc.assert(..., { seed, path })`), the frame(s),
 * the polaroid expression, the SQL and a row diff. The base seed is fixed so CI is reproducible; explore more with
 * `POLAROID_DIFF_SEED=<n>` and `POLAROID_DIFF_RUNS=<n>` (default 300 cases per suite).
 */
import { afterAll, beforeAll, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import * as fc from "fast-check"
import { col } from "../src/Expr/index.ts"
import * as DT from "../src/Frame/DataType.ts"
import type { Field } from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/index.ts"
import type { FrameOptions } from "../src/Frame/Arbitrary.ts"
import { hash } from "../src/internal/generate.ts"
import { FastCheck } from "../src/Testing/index.ts"
import * as Cases from "./support/cases.ts"
import { diffRows, frameRows, ident, Oracle, type Row } from "./support/duckdb.ts"

const BASE_SEED = Number(process.env.POLAROID_DIFF_SEED ?? 20260801)
const RUNS = Number(process.env.POLAROID_DIFF_RUNS ?? 300)
const IDX = "__i"

let db: Oracle
beforeAll(async () => {
  db = await Oracle.make()
})
afterAll(() => {
  db?.close()
})

/** A frame arbitrary whose counterexamples print as tables. */
const frames = (fields: ReadonlyArray<Field>, options: FrameOptions) =>
  FastCheck.frame(fields, options).map((f) => ({ f, [fc.toStringMethod]: () => `\n${f.toString()}\n` }))

const caseSeed = fc.noShrink(fc.integer({ min: 0, max: 2 ** 31 - 1 }))

const seedOf = (suite: string): number => hash(BASE_SEED, ...[...suite].map((c) => c.charCodeAt(0))) >>> 1

/** Runs a polaroid Effect; a failure or defect becomes a message. */
const run = async <A>(eff: Effect.Effect<A, unknown>): Promise<{ readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: string }> => {
  const exit = await Effect.runPromiseExit(eff)
  return Exit.isSuccess(exit) ? { ok: true, value: exit.value } : { ok: false, error: Cause.pretty(exit.cause) }
}

/** Runs a differential property over `RUNS` cases and fails with the diff of the shrunk counterexample. */
const differential = async <Ts extends [unknown, ...Array<unknown>]>(
  suite: string,
  arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...args: Ts) => Promise<string | undefined>,
  runs = RUNS
): Promise<void> => {
  const seed = seedOf(suite)
  await fc.assert(
    fc.asyncProperty(...arbs, async (...args: Ts) => {
      const problem = await check(...args)
      if (problem !== undefined)
        throw new Error(`${suite}: polaroid disagrees with DuckDB\n${problem}\n(base seed POLAROID_DIFF_SEED=${BASE_SEED})`)
    }),
    { seed, numRuns: runs, markInterruptAsFailure: true }
  )
}

const orderedRows = async (sql: string): Promise<Array<Row>> => (await db.query(sql)).rows

// ---------------------------------------------------------------------------------------------------------------
// the harness itself
// ---------------------------------------------------------------------------------------------------------------

describe("DuckDB harness", () => {
  it("round-trips every dtype through DuckDB", async () => {
    await differential(
      "roundtrip",
      [FastCheck.anyFrame({ maxColumns: 8, nested: true }, { maxRows: 12, strings: { unicode: true }, numbers: { nan: true, infinity: true } })],
      async (f) => {
        await db.load("t", f, IDX)
        const cols = f.columns.map(ident).join(", ")
        const expected = await orderedRows(`SELECT ${cols} FROM t ORDER BY ${IDX}`)
        const d = diffRows(frameRows(f), expected, { ordered: true, columns: f.columns, rtol: 0, atol: 0 })
        return d === undefined ? undefined : `${f.schema.map((x) => `${x.name}: ${DT.format(x.dtype)}`).join(", ")}\n${d}`
      }
    )
  })

  it("detects a wrong row", async () => {
    const f = await Effect.runPromise(Frame.make({ a: [1, 2, null] }, { dtypes: { a: DT.Int32 } }))
    await db.load("t", f, IDX)
    const expected = await orderedRows(`SELECT a + (a = 2)::INTEGER AS a FROM t ORDER BY ${IDX}`)
    const d = diffRows(frameRows(f), expected, { ordered: true })
    if (d === undefined || !d.includes("row 1")) throw new Error(`the diff missed a wrong row: ${d}`)
    if (diffRows([[1], [null]], [[null], [1]]) !== undefined) throw new Error("multiset comparison is order-sensitive")
    if (diffRows([[0.1 + 0.2]], [[0.3]]) !== undefined) throw new Error("no float tolerance")
    if (diffRows([[Number.NaN]], [[Number.NaN]]) !== undefined) throw new Error("NaN should equal NaN")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// filter
// ---------------------------------------------------------------------------------------------------------------

const FILTER_FIELDS: ReadonlyArray<Field> = [
  { name: "i32", dtype: DT.Int32 },
  { name: "i64", dtype: DT.Int64 },
  { name: "u8", dtype: DT.UInt8 },
  { name: "i16", dtype: DT.Int16 },
  { name: "f64", dtype: DT.Float64 },
  { name: "f32", dtype: DT.Float32 },
  { name: "s1", dtype: DT.Utf8 },
  { name: "s2", dtype: DT.Categorical },
  { name: "b", dtype: DT.Boolean },
  { name: "d1", dtype: DT.Date },
  { name: "d2", dtype: DT.Date },
  { name: "t1", dtype: DT.Timestamp("us") },
  { name: "t2", dtype: DT.Timestamp("us") }
]

const filterOptions = (nan: boolean): FrameOptions => ({
  maxRows: 40,
  nullRate: 0.15,
  numbers: { min: -60, max: 60, decimals: 1, nan },
  strings: { alphabet: "abcA", unicode: true, maxLength: 2 },
  distinct: { d1: 4, d2: 4, t1: 4, t2: 4, s1: 6, s2: 6 }
})

const filterCase = async ({ f }: { readonly f: Frame.Frame }, s: number): Promise<string | undefined> => {
  const p = Cases.predicate(new Cases.Rng(s), FILTER_FIELDS)
  const out = await run(Frame.filter(f, p.expr))
  const where = `SELECT * EXCLUDE (${IDX}) FROM t WHERE ${p.sql} ORDER BY ${IDX}`
  const context = `predicate: ${p.expr.toString()}\nSQL: ${where}`
  if (!out.ok) return `${context}\npolaroid failed: ${out.error}`
  await db.load("t", f, IDX)
  const d = diffRows(frameRows(out.value), await orderedRows(where), { ordered: true, columns: f.columns })
  return d === undefined ? undefined : `${context}\n${d}`
}

const FILTER_WIDE: ReadonlyArray<Field> = [
  { name: "i8", dtype: DT.Int8 },
  { name: "u16", dtype: DT.UInt16 },
  { name: "u32", dtype: DT.UInt32 },
  { name: "u64", dtype: DT.UInt64 },
  { name: "i64", dtype: DT.Int64 },
  { name: "dec", dtype: DT.Decimal(9, 2) },
  { name: "f32", dtype: DT.Float32 },
  { name: "c", dtype: DT.Categorical },
  { name: "t1", dtype: DT.Timestamp("ns", "UTC") },
  { name: "t2", dtype: DT.Timestamp("ns", "UTC") }
]

describe("filter", () => {
  it("comparison predicates with and/or/not, isIn, between, null tests", async () => {
    await differential("filter", [frames(FILTER_FIELDS, filterOptions(false)), caseSeed], filterCase)
  })
  it("integers of every width, decimals, categoricals, ns timestamps, literals out of the column's range", async () => {
    await differential(
      "filter-wide",
      [
        frames(FILTER_WIDE, {
          maxRows: 30,
          nullRate: 0.15,
          numbers: { min: -70, max: 70, decimals: 1, infinity: true },
          strings: { alphabet: "abA", maxLength: 2 },
          distinct: { t1: 3, t2: 3, c: 5 }
        }),
        caseSeed
      ],
      async ({ f }, s) => {
        const p = Cases.predicate(new Cases.Rng(s), FILTER_WIDE)
        const out = await run(Frame.filter(f, p.expr))
        const where = `SELECT * EXCLUDE (${IDX}) FROM t WHERE ${p.sql} ORDER BY ${IDX}`
        const context = `predicate: ${p.expr.toString()}\nSQL: ${where}`
        if (!out.ok) return `${context}\npolaroid failed: ${out.error}`
        await db.load("t", f, IDX)
        const d = diffRows(frameRows(out.value), await orderedRows(where), { ordered: true, columns: f.columns })
        return d === undefined ? undefined : `${context}\n${d}`
      },
      200
    )
  })
  it("with NaN in float columns (NaN is a value: equal to itself, above every number)", async () => {
    await differential("filter-nan", [frames(FILTER_FIELDS, filterOptions(true)), caseSeed], filterCase)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// withColumns arithmetic
// ---------------------------------------------------------------------------------------------------------------

const ARITH_FIELDS: ReadonlyArray<Field> = [
  { name: "i32", dtype: DT.Int32 },
  { name: "i64", dtype: DT.Int64 },
  { name: "i16", dtype: DT.Int16 },
  { name: "u8", dtype: DT.UInt8 },
  { name: "f64", dtype: DT.Float64 },
  { name: "f32", dtype: DT.Float32 }
]

const ARITH_WIDE: ReadonlyArray<Field> = [
  { name: "i8", dtype: DT.Int8 },
  { name: "u16", dtype: DT.UInt16 },
  { name: "u32", dtype: DT.UInt32 },
  { name: "u64", dtype: DT.UInt64 },
  { name: "i64", dtype: DT.Int64 },
  { name: "f32", dtype: DT.Float32 },
  { name: "f64", dtype: DT.Float64 }
]

const arithmeticCase =
  (fields: ReadonlyArray<Field>) =>
  async ({ f }: { readonly f: Frame.Frame }, s: number): Promise<string | undefined> => {
    const a = Cases.arithmetic(new Cases.Rng(s), fields, 100)
    const expr = a.expr.alias("out")
    const sql = `SELECT * EXCLUDE (${IDX}), ${a.sql} AS out FROM t ORDER BY ${IDX}`
    const context = `expression: ${expr.toString()} (Polars dtype ${DT.format(a.dtype)})\nSQL: ${sql}`
    const out = await run(Frame.withColumns(f, expr))
    if (!out.ok) return `${context}\npolaroid failed: ${out.error}`
    const got = out.value.schema.find((x) => x.name === "out")
    if (got === undefined || !DT.equals(got.dtype, a.dtype))
      return `${context}\nresult dtype ${got === undefined ? "<missing>" : DT.format(got.dtype)}, Polars gives ${DT.format(a.dtype)}`
    await db.load("t", f, IDX)
    const columns = [...f.columns, "out"]
    const f32 = a.dtype._tag === "Float32"
    const d = diffRows(frameRows(out.value, columns), await orderedRows(sql), {
      ordered: true,
      columns,
      rtol: f32 ? 1e-6 : 1e-12,
      atol: f32 ? 1e-6 : 1e-12
    })
    return d === undefined ? undefined : `${context}\n${d}`
  }

describe("withColumns", () => {
  it("arithmetic (+ - * /) with nulls and numeric promotion", async () => {
    await differential(
      "withColumns",
      [frames(ARITH_FIELDS, { maxRows: 30, nullRate: 0.15, numbers: { min: -100, max: 100, decimals: 2 }, distinct: { i16: 5 } }), caseSeed],
      arithmeticCase(ARITH_FIELDS)
    )
  })
  it("arithmetic over Int8, UInt16/32/64, Int64 and floats with NaN and ±Infinity", async () => {
    await differential(
      "withColumns-wide",
      [frames(ARITH_WIDE, { maxRows: 30, nullRate: 0.15, numbers: { min: -100, max: 100, decimals: 2, nan: true, infinity: true } }), caseSeed],
      arithmeticCase(ARITH_WIDE),
      200
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// groupBy + agg
// ---------------------------------------------------------------------------------------------------------------

const GROUP_FIELDS: ReadonlyArray<Field> = [
  { name: "ks", dtype: DT.Utf8 },
  { name: "ki", dtype: DT.Int32 },
  { name: "kb", dtype: DT.Boolean },
  { name: "kd", dtype: DT.Date },
  { name: "v", dtype: DT.Int32 },
  { name: "x", dtype: DT.Float64 },
  { name: "s", dtype: DT.Utf8 }
]
const GROUP_KEYS = ["ks", "ki", "kb", "kd"]

const groupCase =
  (fields: ReadonlyArray<Field>, keyNames: ReadonlyArray<string>) =>
  async ({ f }: { readonly f: Frame.Frame }, s: number): Promise<string | undefined> => {
    const values = fields.filter((x) => !keyNames.includes(x.name))
    const rng = new Cases.Rng(s)
    const keys = keyNames.filter(() => rng.chance(0.4))
    if (keys.length === 0) keys.push(rng.pick(keyNames))
    const aggs = Array.from({ length: rng.int(1, 5) }, (_, i) => Cases.aggregation(rng, rng.pick(values), `a${i}`, IDX))
    const keyList = keys.map(ident).join(", ")
    const sql = `SELECT ${keyList}, ${aggs.map((a) => a.sql).join(", ")} FROM t GROUP BY ${keyList} ORDER BY min(${IDX})`
    const context = `groupBy(${keys.join(", ")}).agg(${aggs.map((a) => a.expr.toString()).join(", ")})\nSQL: ${sql}`
    const out = await run(Frame.groupBy(f, keys).agg(...aggs.map((a) => a.expr)))
    if (!out.ok) return `${context}\npolaroid failed: ${out.error}`
    const columns = [...keys, ...aggs.map((a) => a.name)]
    if (out.value.columns.join() !== columns.join()) return `${context}\ncolumns [${out.value.columns.join(", ")}], expected [${columns.join(", ")}]`
    await db.load("t", f, IDX)
    const d = diffRows(frameRows(out.value), await orderedRows(sql), { ordered: true, columns, rtol: 1e-6, atol: 1e-9 })
    return d === undefined ? undefined : `${context}\n${d}`
  }

const GROUP_WIDE: ReadonlyArray<Field> = [
  { name: "kf", dtype: DT.Float64 },
  { name: "kc", dtype: DT.Categorical },
  { name: "ku", dtype: DT.UInt64 },
  { name: "kt", dtype: DT.Timestamp("ns", "UTC") },
  { name: "f32", dtype: DT.Float32 },
  { name: "i64", dtype: DT.Int64 },
  { name: "u8", dtype: DT.UInt8 },
  { name: "dec", dtype: DT.Decimal(10, 2) },
  { name: "b", dtype: DT.Boolean },
  { name: "d", dtype: DT.Date }
]

describe("groupBy", () => {
  it("agg: sum, mean, min, max, count, len, nUnique, first, last, std, var, median, quantile (linear)", async () => {
    await differential(
      "groupBy",
      [
        frames(GROUP_FIELDS, {
          maxRows: 40,
          nullRate: 0.15,
          numbers: { min: -100, max: 100, decimals: 2 },
          strings: { alphabet: "abc", unicode: true, maxLength: 2 },
          distinct: { ks: 4, ki: 3, kd: 3, s: 5 }
        }),
        caseSeed
      ],
      groupCase(GROUP_FIELDS, GROUP_KEYS)
    )
  })
  it("float, categorical, UInt64 and timestamp keys; Float32, Int64, UInt8, Decimal, Boolean, Date values", async () => {
    await differential(
      "groupBy-wide",
      [
        frames(GROUP_WIDE, {
          maxRows: 40,
          nullRate: 0.15,
          numbers: { min: -100, max: 100, decimals: 1 },
          strings: { alphabet: "ab", maxLength: 2 },
          distinct: { kf: 4, kc: 3, ku: 3, kt: 3, d: 5 }
        }),
        caseSeed
      ],
      groupCase(GROUP_WIDE, ["kf", "kc", "ku", "kt"]),
      200
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// join
// ---------------------------------------------------------------------------------------------------------------

const JOIN_LEFT: ReadonlyArray<Field> = [
  { name: "k", dtype: DT.Int32 },
  { name: "k2", dtype: DT.Utf8 },
  { name: "a", dtype: DT.Int32 },
  { name: "x", dtype: DT.Utf8 }
]
const joinRight = (sameNames: boolean): ReadonlyArray<Field> => [
  { name: sameNames ? "k" : "rk", dtype: DT.Int32 },
  { name: sameNames ? "k2" : "rk2", dtype: DT.Utf8 },
  { name: "b", dtype: DT.Float64 },
  { name: "x", dtype: DT.Utf8 }
]
const JOIN_OPTIONS: FrameOptions = {
  maxRows: 14,
  nullRate: 0.15,
  numbers: { min: -3, max: 3, decimals: 1 },
  strings: { alphabet: "ab", maxLength: 1 },
  distinct: { x: 3 }
}
const HOWS: ReadonlyArray<Frame.JoinHow> = ["inner", "left", "right", "full", "semi", "anti", "cross"]

interface JoinPlan {
  /** Output columns: name and SQL expression. */
  readonly columns: ReadonlyArray<readonly [string, string]>
  readonly sql: string
  readonly ordered: boolean
}

/** The SQL of a Polars join, with Polars' output columns (suffix "_right" on collisions). */
const joinPlan = (
  how: Frame.JoinHow,
  L: ReadonlyArray<string>,
  R: ReadonlyArray<string>,
  leftKeys: ReadonlyArray<string>,
  rightKeys: ReadonlyArray<string>,
  nullsEqual: boolean,
  coalesce: boolean
): JoinPlan => {
  const cols: Array<readonly [string, string]> = []
  const taken = (n: string) => cols.some(([m]) => m === n)
  const addRight = (n: string, sql: string) => cols.push([taken(n) ? `${n}_right` : n, sql])
  const onSql = leftKeys
    .map((k, i) => (nullsEqual ? `l.${ident(k)} IS NOT DISTINCT FROM r.${ident(rightKeys[i]!)}` : `l.${ident(k)} = r.${ident(rightKeys[i]!)}`))
    .join(" AND ")
  switch (how) {
    case "inner":
    case "left":
      for (const n of L) cols.push([n, `l.${ident(n)}`])
      for (const n of R) if (!rightKeys.includes(n)) addRight(n, `r.${ident(n)}`)
      break
    case "right":
      for (const n of L) if (!leftKeys.includes(n)) cols.push([n, `l.${ident(n)}`])
      for (const n of R) addRight(n, `r.${ident(n)}`)
      break
    case "full":
      for (const n of L) {
        const i = leftKeys.indexOf(n)
        cols.push([n, coalesce && i >= 0 ? `coalesce(l.${ident(n)}, r.${ident(rightKeys[i]!)})` : `l.${ident(n)}`])
      }
      for (const n of R) if (!coalesce || !rightKeys.includes(n)) addRight(n, `r.${ident(n)}`)
      break
    case "cross":
      for (const n of L) cols.push([n, `l.${ident(n)}`])
      for (const n of R) addRight(n, `r.${ident(n)}`)
      break
    default:
      for (const n of L) cols.push([n, `l.${ident(n)}`])
  }
  const select = `SELECT ${cols.map(([n, e]) => `${e} AS ${ident(n)}`).join(", ")}`
  switch (how) {
    case "inner":
      return { columns: cols, sql: `${select} FROM l JOIN r ON ${onSql} ORDER BY l.${IDX}, r.${IDX}`, ordered: true }
    case "left":
      return { columns: cols, sql: `${select} FROM l LEFT JOIN r ON ${onSql} ORDER BY l.${IDX}, r.${IDX}`, ordered: true }
    case "right":
      return { columns: cols, sql: `${select} FROM l RIGHT JOIN r ON ${onSql} ORDER BY r.${IDX}, l.${IDX}`, ordered: true }
    case "full":
      return { columns: cols, sql: `${select} FROM l FULL JOIN r ON ${onSql}`, ordered: false }
    case "cross":
      return { columns: cols, sql: `${select} FROM l CROSS JOIN r ORDER BY l.${IDX}, r.${IDX}`, ordered: true }
    case "semi":
      return { columns: cols, sql: `${select} FROM l WHERE EXISTS (SELECT 1 FROM r WHERE ${onSql}) ORDER BY l.${IDX}`, ordered: true }
    case "anti":
      return { columns: cols, sql: `${select} FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE ${onSql}) ORDER BY l.${IDX}`, ordered: true }
  }
}

const joinCase = async (
  left: Frame.Frame,
  right: Frame.Frame,
  s: number,
  leftKeysAll: ReadonlyArray<string>,
  rightKeysAll: ReadonlyArray<string>,
  useOn: boolean
): Promise<string | undefined> => {
  const rng = new Cases.Rng(s)
  const how = rng.pick(HOWS)
  const two = rng.chance(0.4)
  const leftKeys = two ? leftKeysAll : leftKeysAll.slice(0, 1)
  const rightKeys = two ? rightKeysAll : rightKeysAll.slice(0, 1)
  const nullsEqual = how !== "cross" && rng.chance(0.2)
  const coalesce = how === "full" && rng.chance(0.5)
  const options: Frame.JoinOptions = {
    how,
    ...(how === "cross" ? {} : useOn ? { on: leftKeys } : { leftOn: leftKeys, rightOn: rightKeys }),
    ...(nullsEqual ? { nullsEqual } : {}),
    ...(coalesce ? { coalesce } : {})
  }
  const plan = joinPlan(how, left.columns, right.columns, leftKeys, rightKeys, nullsEqual, coalesce)
  const context = `join(${JSON.stringify(options)})\nSQL: ${plan.sql}\nright frame:\n${right.toString()}`
  const out = await run(Frame.join(left, right, options))
  if (!out.ok) return `${context}\npolaroid failed: ${out.error}`
  const names = plan.columns.map(([n]) => n)
  const got = out.value.columns
  if ([...got].sort().join() !== [...names].sort().join()) return `${context}\ncolumns [${got.join(", ")}], Polars gives [${names.join(", ")}]`
  await db.load("l", left, IDX)
  await db.load("r", right, IDX)
  const d = diffRows(frameRows(out.value, names), await orderedRows(plan.sql), { ordered: plan.ordered, columns: names })
  return d === undefined ? undefined : `${context}\n${d}`
}

const JOIN_RIGHT_PROMOTED: ReadonlyArray<Field> = [
  { name: "rk", dtype: DT.Int64 },
  { name: "rk2", dtype: DT.Categorical },
  { name: "b", dtype: DT.Float64 },
  { name: "x", dtype: DT.Utf8 }
]

describe("join", () => {
  it("inner, left, right, full, semi, anti, cross; one or two keys; null keys do not match (unless nullsEqual)", async () => {
    await differential(
      "join",
      [fc.boolean(), frames(JOIN_LEFT, JOIN_OPTIONS), frames(joinRight(true), JOIN_OPTIONS), caseSeed],
      async (sameNames, { f: left }, { f: right0 }, s) => {
        const right = sameNames
          ? right0
          : await Effect.runPromise(Frame.rename(right0, { k: "rk", k2: "rk2" }) as Effect.Effect<Frame.Frame>)
        return joinCase(left, right, s, ["k", "k2"], sameNames ? ["k", "k2"] : ["rk", "rk2"], sameNames)
      }
    )
  })
  it("keys of different dtypes: Int32 with Int64, Utf8 with Categorical", async () => {
    await differential(
      "join-promote",
      [frames(JOIN_LEFT, JOIN_OPTIONS), frames(JOIN_RIGHT_PROMOTED, JOIN_OPTIONS), caseSeed],
      ({ f: left }, { f: right }, s) => joinCase(left, right, s, ["k", "k2"], ["rk", "rk2"], false),
      150
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// sort
// ---------------------------------------------------------------------------------------------------------------

const SORT_FIELDS: ReadonlyArray<Field> = [
  { name: "i", dtype: DT.Int32 },
  { name: "s", dtype: DT.Utf8 },
  { name: "f", dtype: DT.Float64 },
  { name: "b", dtype: DT.Boolean },
  { name: "d", dtype: DT.Date },
  { name: "t", dtype: DT.Timestamp("ms", "UTC") },
  { name: "u", dtype: DT.UInt64 },
  { name: "p", dtype: DT.Int64 }
]
const SORT_KEYS = SORT_FIELDS.filter((f) => f.name !== "p").map((f) => f.name)

const sortCase =
  (fields: ReadonlyArray<Field>, keyNames: ReadonlyArray<string>) =>
  async ({ f }: { readonly f: Frame.Frame }, s: number): Promise<string | undefined> => {
    const rng = new Cases.Rng(s)
    const n = rng.int(1, Math.min(3, keyNames.length))
    const keys: Array<string> = []
    while (keys.length < n) {
      const k = rng.pick(keyNames)
      if (!keys.includes(k)) keys.push(k)
    }
    const desc = keys.map(() => rng.chance(0.5))
    const nullsLast = keys.map(() => rng.chance(0.5))
    const scalar = rng.chance(0.3)
    const options: Frame.SortOptions = scalar ? { descending: desc[0]!, nullsLast: nullsLast[0]! } : { descending: desc, nullsLast }
    const d0 = scalar ? keys.map(() => desc[0]!) : desc
    const n0 = scalar ? keys.map(() => nullsLast[0]!) : nullsLast
    const by = rng.chance(0.5) ? keys : keys.map((k) => col(k))
    const order = keys.map((k, i) => `${ident(k)} ${d0[i] ? "DESC" : "ASC"} ${n0[i] ? "NULLS LAST" : "NULLS FIRST"}`).join(", ")
    const sql = `SELECT * EXCLUDE (${IDX}) FROM t ORDER BY ${order}, ${IDX}`
    const context = `sort([${keys.join(", ")}], ${JSON.stringify(options)})\nSQL: ${sql}`
    const out = await run(Frame.sort(f, by.length === 1 ? by[0]! : by, options))
    if (!out.ok) return `${context}\npolaroid failed: ${out.error}`
    await db.load("t", f, IDX)
    const d = diffRows(frameRows(out.value), await orderedRows(sql), { ordered: true, columns: fields.map((x) => x.name), rtol: 0, atol: 0 })
    return d === undefined ? undefined : `${context}\n${d}`
  }

const SORT_WIDE: ReadonlyArray<Field> = [
  { name: "f32", dtype: DT.Float32 },
  { name: "i8", dtype: DT.Int8 },
  { name: "u32", dtype: DT.UInt32 },
  { name: "dur", dtype: DT.Duration("ms") },
  { name: "dec", dtype: DT.Decimal(8, 3) },
  { name: "ts", dtype: DT.Timestamp("s") },
  { name: "s", dtype: DT.Utf8 },
  { name: "p", dtype: DT.Int32 }
]

describe("sort", () => {
  it("multi-key, descending and nulls first/last per key, stable", async () => {
    await differential(
      "sort",
      [
        frames(SORT_FIELDS, {
          maxRows: 40,
          nullRate: 0.15,
          numbers: { min: -50, max: 50, decimals: 1, nan: true, infinity: true },
          strings: { alphabet: "abB", unicode: true, maxLength: 3 },
          distinct: { i: 5, s: 5, f: 6, d: 4, t: 4, u: 4 }
        }),
        caseSeed
      ],
      sortCase(SORT_FIELDS, SORT_KEYS)
    )
  })
  it("Float32, Int8, UInt32, Duration, Decimal, Timestamp(s) and long Unicode string keys", async () => {
    await differential(
      "sort-wide",
      [
        frames(SORT_WIDE, {
          maxRows: 40,
          nullRate: 0.2,
          numbers: { min: -30, max: 30, decimals: 2, nan: true },
          strings: { unicode: true, maxLength: 12 },
          distinct: { f32: 5, i8: 4, u32: 4, dur: 4, dec: 4, ts: 4, s: 6 }
        }),
        caseSeed
      ],
      sortCase(SORT_WIDE, ["f32", "i8", "u32", "dur", "dec", "ts", "s"]),
      200
    )
  })
})
