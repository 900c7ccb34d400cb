import { NodeServices } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Exit, FileSystem, pipe } from "effect"
import * as fc from "fast-check"
import * as fsSync from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { col, lit } from "../src/Expr/Expr.ts"
import * as DT from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as LazyFrame from "../src/Frame/LazyFrame.ts"
import { explain } from "../src/internal/plan/explain.ts"
import { type ScanEvent, ScanObserver } from "../src/internal/plan/execute.ts"
import type { Plan } from "../src/internal/plan/logical.ts"
import * as Opt from "../src/internal/plan/optimizer/index.ts"
import { sameSchema, schemaOf } from "../src/internal/plan/resolve.ts"
import { writeCsv } from "../src/Source/Csv.ts"
import { readParquet, writeParquet } from "../src/Source/Parquet.ts"
import { scanCsv, scanParquet } from "../src/Source/Scan.ts"
import * as FastCheck from "../src/Testing/FastCheck.ts"
import { groupByDynamic } from "../src/TimeSeries/GroupByDynamic.ts"
import { joinAsof } from "../src/TimeSeries/JoinAsof.ts"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const shared = path.resolve(repoRoot, "../shared/data")
const flights = path.join(shared, "parquet/vega-datasets/flights-3m.parquet")
const haveShared = fsSync.existsSync(flights)

const base = Frame.make({
  a: Int32Array.of(1, 2, 3, 4),
  b: [1.5, 2.5, 3.5, 4.5],
  k: ["x", "y", "x", "z"]
}).pipe(Effect.runSync)
const other = Frame.make({ k: ["x", "y"], v: [10, 20] }).pipe(Effect.runSync)
const lf = LazyFrame.fromFrame(base)

/** Applies one rule to its fixed point and checks that the output schema did not change. */
const applyRule = (rule: Opt.Rule, plan: Plan): string => {
  const out = Opt.toFixedPoint(rule, plan) ?? plan
  assert.isTrue(sameSchema(schemaOf(plan).fields, schemaOf(out).fields), `${rule.name} changed the schema`)
  return explain(out)
}

describe("optimizer rules (plan text, schema unchanged)", () => {
  it("filterFusion merges stacked filters", () => {
    const p = lf.pipe(LazyFrame.filter(col("a").gt(1)), LazyFrame.filter(col("b").lt(4))).plan
    assert.strictEqual(applyRule(Opt.filterFusion, p), 'Filter ((col("a") > 1) & (col("b") < 4))\n  Scan memory 4x3')
  })

  it("predicatePushdown moves a filter through a projection into the scan, renaming through aliases", () => {
    const p = lf.pipe(LazyFrame.select(col("a").alias("x"), "b"), LazyFrame.filter(col("x").gt(1))).plan
    assert.strictEqual(applyRule(Opt.predicatePushdown, p), 'Select [col("a").alias("x"), col("b")]\n  Scan memory 4x3 predicate=(col("a") > 1)')
  })

  it("predicatePushdown moves key predicates below a group-by, keeps aggregate predicates above", () => {
    const p = lf.pipe(
      LazyFrame.groupBy("k").agg(col("a").sum().alias("s")),
      LazyFrame.filter(col("k").eq("x").and(col("s").gt(2)))
    ).plan
    assert.strictEqual(
      applyRule(Opt.predicatePushdown, p),
      'Filter (col("s") > 2)\n  GroupBy keys=[col("k")] aggs=[col("a").sum().alias("s")]\n    Scan memory 4x3 predicate=(col("k") == "x")'
    )
  })

  it("predicatePushdown splits join predicates to each side (right-only columns and equal-typed `on` keys)", () => {
    const p = lf.pipe(
      LazyFrame.join(LazyFrame.fromFrame(other), { on: "k" }),
      LazyFrame.filter(col("a").gt(1).and(col("v").lt(15)).and(col("k").eq("x")).and(col("a").lt(col("v"))))
    ).plan
    assert.strictEqual(
      applyRule(Opt.predicatePushdown, p),
      [
        'Filter (col("a") < col("v"))',
        "  Join how=inner on=[k]",
        '    Scan memory 4x3 predicate=((col("a") > 1) & (col("k") == "x"))',
        '    Scan memory 2x2 predicate=((col("v") < 15) & (col("k") == "x"))'
      ].join("\n")
    )
  })

  it("predicatePushdown does not cross a slice or a window", () => {
    const p1 = lf.pipe(LazyFrame.head(2), LazyFrame.filter(col("a").gt(1))).plan
    assert.strictEqual(applyRule(Opt.predicatePushdown, p1), 'Filter (col("a") > 1)\n  Slice offset=0 length=2\n    Scan memory 4x3')
    const p2 = lf.pipe(LazyFrame.withColumns(col("a").sum().over("k").alias("t")), LazyFrame.filter(col("a").gt(1))).plan
    assert.isUndefined(Opt.predicatePushdown.apply(p2))
  })

  it("projectionPushdown gives scans only the needed columns", () => {
    const p = lf.pipe(LazyFrame.filter(col("b").gt(2)), LazyFrame.select(col("a").mul(2))).plan
    assert.strictEqual(applyRule(Opt.projectionPushdown, p), 'Select [(col("a") * 2)]\n  Filter (col("b") > 2)\n    Scan memory 4x3 projection=[a, b]')
    // an unused withColumns expression is dropped
    const q = lf.pipe(LazyFrame.withColumns(col("b").add(1).alias("c")), LazyFrame.select("a")).plan
    assert.strictEqual(applyRule(Opt.projectionPushdown, q), 'Select [col("a")]\n  Scan memory 4x3 projection=[a]')
  })

  it("slicePushdown moves head through projections into the scan", () => {
    const p = lf.pipe(LazyFrame.select("a", col("b").add(1)), LazyFrame.head(2)).plan
    assert.strictEqual(applyRule(Opt.slicePushdown, p), 'Select [col("a"), (col("b") + 1)]\n  Scan memory 4x3 limit=2')
    const q = lf.pipe(LazyFrame.slice(1, 2), LazyFrame.head(1)).plan
    assert.strictEqual(applyRule(Opt.slicePushdown, q), "Slice offset=1 length=1\n  Scan memory 4x3 limit=2")
  })

  it("simplifyExpr folds constants and drops trivial filters", () => {
    const p = lf.pipe(LazyFrame.filter(lit(1).lt(2).and(col("a").gt(1)).or(lit(false)))).plan
    assert.strictEqual(applyRule(Opt.simplifyExpr, p), 'Filter (col("a") > 1)\n  Scan memory 4x3')
    const q = lf.pipe(LazyFrame.filter(lit(2).lt(1))).plan
    assert.strictEqual(applyRule(Opt.simplifyExpr, q), "Slice offset=0 length=0\n  Scan memory 4x3")
    const r = lf.pipe(LazyFrame.filter(lit(true).or(col("a").gt(1)))).plan
    assert.strictEqual(applyRule(Opt.simplifyExpr, r), "Scan memory 4x3")
  })

  it("commonSubplan runs structurally equal subplans once (a Cache per repeated subplan), not look-alike frames", () => {
    const side = (q: LazyFrame.LazyFrame) => q.pipe(LazyFrame.filter(col("a").gt(1)), LazyFrame.select("k", "a"))
    const p = LazyFrame.join(side(lf), side(lf), { on: "k" }).plan
    const sub = ['Select [col("k"), col("a")]', '  Filter (col("a") > 1)', "    Scan memory 4x3"]
    assert.strictEqual(
      applyRule(Opt.commonSubplan, p),
      ["Join how=inner on=[k]", "  Cache id=0", ...sub.map((l) => `    ${l}`), "  Cache id=0", ...sub.map((l) => `    ${l}`)].join("\n")
    )
    // a different frame object with the same shape and text is not merged, and neither are different arguments
    const twin = LazyFrame.fromFrame(Frame.make({ a: Int32Array.of(9, 9, 9, 9), b: [0, 0, 0, 0], k: ["q", "q", "q", "q"] }).pipe(Effect.runSync))
    assert.isUndefined(Opt.commonSubplan.apply(LazyFrame.join(side(lf), side(twin), { on: "k" }).plan))
    assert.isUndefined(
      Opt.commonSubplan.apply(LazyFrame.join(side(lf), lf.pipe(LazyFrame.filter(col("a").gt(2)), LazyFrame.select("k", "a")), { on: "k" }).plan)
    )
  })

  it.effect("explain shows the logical and the optimized plan", () =>
    Effect.gen(function* () {
      const q = lf.pipe(LazyFrame.select("a", "b"), LazyFrame.filter(col("a").gt(1)), LazyFrame.head(1))
      assert.strictEqual(
        yield* LazyFrame.explain(q, { optimized: false }),
        'Slice offset=0 length=1\n  Filter (col("a") > 1)\n    Select [col("a"), col("b")]\n      Scan memory 4x3'
      )
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        'Select [col("a"), col("b")]\n  Scan memory 4x3 projection=[a, b] predicate=(col("a") > 1) limit=1'
      )
    })
  )
})

describe("collect", () => {
  it.effect("gives the eager result (hand-computed)", () =>
    Effect.gen(function* () {
      const out = yield* pipe(
        lf,
        LazyFrame.filter(col("a").gt(1)),
        LazyFrame.groupBy("k").agg(col("b").sum().alias("b")),
        LazyFrame.sort("b", { descending: true }),
        LazyFrame.collect
      )
      assert.deepStrictEqual(Frame.toRows(out), [
        { k: "x", b: 3.5 },
        { k: "z", b: 4.5 },
        { k: "y", b: 2.5 }
      ].sort((x, y) => y.b - x.b))
      const self = LazyFrame.fromFrame(other)
      const joined = yield* LazyFrame.collect(LazyFrame.join(self, self, { on: "k" }))
      assert.deepStrictEqual(Frame.toRows(joined), [
        { k: "x", v: 10, v_right: 10 },
        { k: "y", v: 20, v_right: 20 }
      ])
    })
  )

  it.effect("a lazy frame is an Effect: yield* collects it, with the plan's errors in the error channel", () =>
    Effect.gen(function* () {
      const q = lf.pipe(LazyFrame.filter(col("a").gt(2)), LazyFrame.select("a", "k"))
      const out: Frame.Frame = yield* q
      assert.deepStrictEqual(Frame.toRows(out), [
        { a: 3, k: "x" },
        { a: 4, k: "z" }
      ])
      assert.isTrue(Effect.isEffect(q))
      const e = yield* Effect.flip(lf.pipe(LazyFrame.select("nope")))
      assert.strictEqual(e._tag, "ColumnNotFound")
      // running it twice runs the query twice, from the same pure plan
      assert.deepStrictEqual(Frame.toRows(yield* q), Frame.toRows(out))
    })
  )

  it.effect("profile reports rows per node", () =>
    Effect.gen(function* () {
      const p = yield* LazyFrame.profile(lf.pipe(LazyFrame.filter(col("a").gt(2)), LazyFrame.sort("a")))
      assert.deepStrictEqual(
        p.nodes.map((n) => [n.depth, n.rows]),
        [
          [0, 2],
          [1, 2]
        ]
      )
      assert.strictEqual(p.frame.height, 2)
    })
  )
})

layer(NodeServices.layer)("resolution before I/O", (it) => {
  it.effect("reports every problem of the plan at once and reads no file", () =>
    Effect.gen(function* () {
      const events: Array<ScanEvent> = []
      const q = pipe(
        scanParquet("/nonexistent/missing.parquet", { schema: [{ name: "a", dtype: DT.Int64 }, { name: "s", dtype: DT.Utf8 }] }),
        LazyFrame.filter(col("nope").gt(1)),
        LazyFrame.withColumns(col("s").add(1).alias("t")),
        LazyFrame.select("a", "t", "missing2")
      )
      const exit = yield* Effect.exit(LazyFrame.collect(q).pipe(Effect.provideService(ScanObserver, (e) => events.push(e))))
      assert.isTrue(Exit.isFailure(exit))
      const err = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      const e = err !== undefined && err._tag === "Fail" ? (err.error as { _tag: string; problems?: ReadonlyArray<{ _tag: string; message: string }> }) : undefined
      assert.strictEqual(e?._tag, "ResolveErrors")
      assert.deepStrictEqual(
        e?.problems?.map((p) => p._tag),
        ["ColumnNotFound", "TypeMismatch", "ColumnNotFound"]
      )
      assert.isTrue(e?.problems?.[2]?.message.includes("missing2"))
      assert.strictEqual(events.length, 0)
    })
  )

  it.effect("without a schema, a missing file is the metadata read's PlatformError", () =>
    Effect.gen(function* () {
      const r = yield* Effect.flip(LazyFrame.collect(LazyFrame.select(scanParquet("/nonexistent/missing.parquet"), "a")))
      assert.strictEqual(r._tag, "PlatformError")
    })
  )

  it.effect("csv scans project while parsing and stop early on head", () =>
    Effect.gen(function* () {
      const dir = fsSync.mkdtempSync(path.join(repoRoot, "node_modules/.lazy-"))
      const file = path.join(dir, "t.csv")
      fsSync.writeFileSync(file, "a,b,c\n1,x,2.5\n2,y,3.5\n3,z,4.5\n")
      const events: Array<ScanEvent> = []
      const out = yield* LazyFrame.collect(
        pipe(scanCsv(file), LazyFrame.filter(col("a").gtEq(2)), LazyFrame.select("c"))
      ).pipe(Effect.provideService(ScanObserver, (e) => events.push(e)))
      fsSync.rmSync(dir, { recursive: true })
      assert.deepStrictEqual(Frame.toRows(out), [{ c: 3.5 }, { c: 4.5 }])
      assert.deepStrictEqual(events[0]?.columns, ["a", "c"])
    })
  )
})

// ---------------------------------------------------------------------------------------------------------------
// property: optimized and unoptimized plans give the same rows
// ---------------------------------------------------------------------------------------------------------------

const fields = [
  { name: "a", dtype: DT.Int32 },
  { name: "b", dtype: DT.Float64 },
  { name: "k", dtype: DT.Utf8 }
]
type Op = (q: LazyFrame.LazyFrame<unknown, never>, f: Frame.Frame) => LazyFrame.LazyFrame<unknown, never>
const num = fc.integer({ min: -5, max: 5 })
const op: fc.Arbitrary<Op> = fc.oneof(
  num.map((c): Op => (q) => LazyFrame.filter(q, col("a").gt(c))),
  num.map((c): Op => (q) => LazyFrame.filter(q, col("b").ltEq(c).or(col("a").isNull()))),
  fc.constant<Op>((q) => LazyFrame.filter(q, col("k").isNotNull().and(lit(1).lt(2)))),
  num.map((c): Op => (q) => LazyFrame.filter(q, col("a").isIn([c, c + 1, 100]).not())),
  fc.constant<Op>((q) => LazyFrame.withColumns(q, col("a").add(1).alias("a"))),
  fc.constant<Op>((q) => LazyFrame.select(LazyFrame.select(q, "k", col("b").alias("bb"), "a"), "a", col("bb").alias("b"), "k")),
  fc.nat(6).map((n): Op => (q) => LazyFrame.head(q, n)),
  fc.tuple(fc.nat(4), fc.nat(6)).map(([o, n]): Op => (q) => LazyFrame.slice(q, o, n)),
  fc.nat(3).map((n): Op => (q) => LazyFrame.tail(q, n)),
  fc.constant<Op>((q) => LazyFrame.sort(q, ["a", "b", "k"], { nullsLast: true })),
  fc.constant<Op>((q) => LazyFrame.unique(q)),
  fc.constant<Op>((q) => LazyFrame.unique(q, { subset: ["k"], keep: "last" })),
  fc.constant<Op>((q) => LazyFrame.concat([q, q])),
  fc.constant<Op>((q) => LazyFrame.drop(LazyFrame.filter(LazyFrame.withRowIndex(q, "i"), col("i").gt(1)), "i")),
  fc.constant<Op>((q) =>
    LazyFrame.select(LazyFrame.unpivot(q, { index: ["k", "b"], on: ["a"], valueName: "a" }), "a", "b", "k")
  ),
  fc.integer({ min: 0, max: 4 }).map((seed): Op => (q) => LazyFrame.sample(q, { fraction: 0.5, seed })),
  fc.constant<Op>((q) =>
    LazyFrame.select(
      LazyFrame.groupBy(q, "k").agg(col("a").max().alias("a"), col("b").sum().alias("b")),
      "a",
      "b",
      "k"
    )
  ),
  fc.constantFrom<"inner" | "left" | "semi" | "anti">("inner", "left", "semi", "anti").map(
    (how): Op =>
      (q, f) =>
        LazyFrame.select(
          LazyFrame.join(q, LazyFrame.fromFrame(f).pipe(LazyFrame.select("k", col("a").alias("x")), LazyFrame.head(3)), { on: "k", how }),
          "a",
          "b",
          "k"
        )
  )
)

describe("optimizer equivalence", () => {
  it("collect(optimized) equals collect(unoptimized) on random plans over random frames", async () => {
    await fc.assert(
      fc.asyncProperty(FastCheck.frame(fields, { maxRows: 12 }), fc.array(op, { minLength: 1, maxLength: 6 }), async (f, ops) => {
        const q = ops.reduce((acc, o) => o(acc, f), LazyFrame.fromFrame(f) as LazyFrame.LazyFrame<unknown, never>)
        const opt = await Effect.runPromise(Effect.exit(LazyFrame.collect(q)))
        const raw = await Effect.runPromise(Effect.exit(LazyFrame.collect(q, { optimize: false })))
        assert.strictEqual(opt._tag, raw._tag)
        if (Exit.isSuccess(opt) && Exit.isSuccess(raw)) {
          assert.deepStrictEqual(opt.value.schema, raw.value.schema)
          assert.deepStrictEqual(Frame.toRows(opt.value), Frame.toRows(raw.value))
        }
      }),
      { numRuns: 300, seed: 7 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// pushdown on a real file
// ---------------------------------------------------------------------------------------------------------------

const skip = !haveShared && process.env["CI"] === undefined
if (skip) console.warn(`Lazy.test: ${flights} is absent; skipping the flights-3m pushdown tests`)

layer(NodeServices.layer, { timeout: 120_000 })("pushdown on flights-3m.parquet", (it) => {
  it.effect.skipIf(skip)("a selective filter on the sorted date column decodes 1 of 11 row groups and 2 of 5 columns", () =>
    Effect.gen(function* () {
      const events: Array<ScanEvent> = []
      const q = pipe(
        scanParquet(flights),
        LazyFrame.filter(col("date").lt("2001-01-10").and(col("delay").gt(60))),
        LazyFrame.select("delay")
      )
      const t0 = performance.now()
      const lazy = yield* LazyFrame.collect(q).pipe(Effect.provideService(ScanObserver, (e) => events.push(e)))
      const t1 = performance.now()
      const eager = yield* pipe(
        readParquet(flights),
        Frame.filter(col("date").lt("2001-01-10").and(col("delay").gt(60))),
        Frame.select("delay")
      )
      const t2 = performance.now()
      console.log(`flights-3m filter+select: lazy ${(t1 - t0).toFixed(0)} ms, eager ${(t2 - t1).toFixed(0)} ms`)
      assert.strictEqual(events.length, 1)
      assert.strictEqual(events[0]!.rowGroupsTotal, 11)
      assert.deepStrictEqual(events[0]!.rowGroups, [0])
      assert.deepStrictEqual(events[0]!.columns, ["date", "delay"])
      assert.isAbove(lazy.height, 0)
      assert.deepStrictEqual(Frame.toColumns(lazy), Frame.toColumns(eager))
    })
  )

  it.effect.skipIf(skip)("isIn / between prune by statistics; head stops after the first row group", () =>
    Effect.gen(function* () {
      const events: Array<ScanEvent> = []
      const observe = Effect.provideService(ScanObserver, (e: ScanEvent) => events.push(e))
      const between = yield* LazyFrame.collect(
        pipe(scanParquet(flights), LazyFrame.filter(col("date").between("2001-03-01", "2001-03-02")), LazyFrame.select("distance"))
      ).pipe(observe)
      assert.deepStrictEqual(events[0]!.rowGroups, [3])
      assert.isAbove(between.height, 0)
      const none = yield* LazyFrame.collect(pipe(scanParquet(flights), LazyFrame.filter(col("delay").isIn([-5000, 9999])))).pipe(observe)
      assert.deepStrictEqual(events[1]!.rowGroups, [])
      assert.strictEqual(none.height, 0)
      const head = yield* LazyFrame.collect(pipe(scanParquet(flights), LazyFrame.select("origin"), LazyFrame.head(5))).pipe(observe)
      assert.deepStrictEqual(events[2]!.rowGroups, [0])
      assert.deepStrictEqual(events[2]!.columns, ["origin"])
      const eager = yield* pipe(readParquet(flights, { columns: ["origin"], rowGroups: [0] }), Frame.head(5))
      assert.deepStrictEqual(Frame.toRows(head), Frame.toRows(eager))
    })
  )
})

// ---------------------------------------------------------------------------------------------------------------
// multi-file scans: globs, lists, hive partitions, pruning, bounded concurrency
// ---------------------------------------------------------------------------------------------------------------

/** A partitioned dataset written at test time: year=Y/region=R/part-0.parquet, 20 rows each in row groups of 5. */
const PARTS = [
  { year: 2020, region: "eu" },
  { year: 2020, region: "us" },
  { year: 2021, region: "eu" },
  { year: 2021, region: "us" },
  { year: 2022, region: "eu" },
  { year: 2022, region: "us" }
] as const
interface Row {
  readonly id: number
  readonly v: number
  readonly s: string
}
const rowsOf = (k: number): Array<Row> =>
  Array.from({ length: 20 }, (_, i) => ({ id: i, v: k * 100 + i * 0.5, s: `p${k}-${i % 3}` }))

const writeDataset = (format: "parquet" | "csv") =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    for (const [k, p] of PARTS.entries()) {
      const sub = path.join(dir, `year=${p.year}`, `region=${p.region}`)
      yield* fs.makeDirectory(sub, { recursive: true })
      const rows = rowsOf(k)
      const frame = yield* Frame.make({
        id: Int32Array.from(rows, (r) => r.id),
        v: Float64Array.from(rows, (r) => r.v),
        s: rows.map((r) => r.s)
      })
      if (format === "parquet") yield* writeParquet(frame, path.join(sub, "part-0.parquet"), { rowGroupSize: 5 })
      else yield* writeCsv(frame, path.join(sub, "part-0.csv"))
    }
    return dir
  })

/** The expected rows, computed from the written data (files in path order, partition columns appended). */
const expected = (keep: (r: Row & { year: number; region: string }) => boolean = () => true) =>
  PARTS.flatMap((p, k) => rowsOf(k).map((r) => ({ ...r, year: BigInt(p.year), region: p.region }))).filter((r) =>
    keep({ ...r, year: Number(r.year) })
  )

layer(NodeServices.layer)("multi-file scans", (it) => {
  it.effect("a glob reads every file in path order with typed hive partition columns", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("parquet")
      const lf = scanParquet(`${dir}/**/*.parquet`)
      const schema = yield* LazyFrame.schema(lf)
      assert.deepStrictEqual(
        schema.map((f) => [f.name, DT.format(f.dtype)]),
        [
          ["id", "i32"],
          ["v", "f64"],
          ["s", "str"],
          ["year", "i64"],
          ["region", "str"]
        ]
      )
      const out = yield* LazyFrame.collect(lf)
      assert.deepStrictEqual(Frame.toRows(out), expected())
      // "**" alone matches the files (directories are skipped)
      const all = yield* LazyFrame.collect(scanParquet(`${dir}/**`))
      assert.strictEqual(all.height, 120)
    })
  )

  it.effect("a predicate on partition columns skips whole files; row groups are pruned in the files opened", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("parquet")
      const events: Array<ScanEvent> = []
      const q = pipe(
        scanParquet(`${dir}/**/*.parquet`, { concurrency: 2 }),
        LazyFrame.filter(col("year").gtEq(2021).and(col("region").eq("eu")).and(col("id").lt(7))),
        LazyFrame.select("id", "v", "year")
      )
      const text = yield* LazyFrame.explain(q)
      assert.strictEqual(
        text,
        [
          'Select [col("id"), col("v"), col("year")]',
          // files=2/6: partition pruning keeps 2 of the 6 files, known from the paths alone
          `  Scan parquet ${JSON.stringify(`${dir}/**/*.parquet`)} files=2/6 hive=[year, region] projection=[id, v, year] predicate=(((col("year") >= 2021) & (col("region") == "eu")) & (col("id") < 7))`
        ].join("\n")
      )
      const out = yield* LazyFrame.collect(q).pipe(Effect.provideService(ScanObserver, (e) => events.push(e)))
      assert.deepStrictEqual(
        Frame.toRows(out),
        expected((r) => r.year >= 2021 && r.region === "eu" && r.id < 7).map(({ id, v, year }) => ({ id, v, year }))
      )
      const opened = events.map((e) => path.relative(dir, e.path)).sort()
      assert.deepStrictEqual(opened, ["year=2021/region=eu/part-0.parquet", "year=2022/region=eu/part-0.parquet"])
      for (const e of events) {
        assert.strictEqual(e.rowGroupsTotal, 4)
        assert.deepStrictEqual(e.rowGroups, [0, 1]) // ids 0-4 and 5-9 may hold id < 7
        assert.deepStrictEqual(e.columns, ["id", "v"])
      }
    })
  )

  it.effect("a list of paths, hive on by default for lists and off on request; head stops after enough files", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("parquet")
      const files = [PARTS[3], PARTS[0]].map((p) => path.join(dir, `year=${p.year}`, `region=${p.region}`, "part-0.parquet"))
      const listed = yield* LazyFrame.collect(pipe(scanParquet(files), LazyFrame.select("id", "year", "region"), LazyFrame.head(22)))
      const want = [...rowsOf(3).map((r) => ({ id: r.id, year: 2021n, region: "us" })), ...rowsOf(0).map((r) => ({ id: r.id, year: 2020n, region: "eu" }))]
      assert.deepStrictEqual(Frame.toRows(listed), want.slice(0, 22))
      const plain = yield* LazyFrame.collect(scanParquet(files, { hivePartitioning: false }))
      assert.deepStrictEqual(plain.columns, ["id", "v", "s"])
      const events: Array<ScanEvent> = []
      const head = yield* LazyFrame.collect(pipe(scanParquet(`${dir}/*/*/*.parquet`), LazyFrame.head(7))).pipe(
        Effect.provideService(ScanObserver, (e) => events.push(e))
      )
      assert.strictEqual(head.height, 7)
      assert.deepStrictEqual(
        events.map((e) => e.rowGroups),
        [[0, 1]]
      )
    })
  )

  it.effect("files are read with bounded concurrency, and the output keeps path order", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("parquet")
      const fs = yield* FileSystem.FileSystem
      let inFlight = 0
      let peak = 0
      const slow: FileSystem.FileSystem = {
        ...fs,
        readFile: (p) =>
          Effect.gen(function* () {
            inFlight++
            peak = Math.max(peak, inFlight)
            // a real delay (the test clock does not advance `Effect.sleep`); the 2020 files are the slowest
            yield* Effect.promise(() => new Promise((r) => setTimeout(r, p.includes("2020") ? 30 : 5)))
            return yield* Effect.ensuring(
              fs.readFile(p),
              Effect.sync(() => inFlight--)
            )
          })
      }
      for (const concurrency of [1, 3]) {
        peak = 0
        const out = yield* LazyFrame.collect(scanParquet(`${dir}/**/*.parquet`, { concurrency })).pipe(
          Effect.provideService(FileSystem.FileSystem, slow)
        )
        assert.strictEqual(peak, concurrency)
        assert.deepStrictEqual(Frame.toRows(out), expected())
      }
    })
  )

  it.effect("a self-join of a scan built twice reads the file once (common subplan elimination)", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("parquet")
      const file = path.join(dir, "year=2021", "region=eu", "part-0.parquet")
      const side = () => pipe(scanParquet(file), LazyFrame.filter(col("id").lt(8)), LazyFrame.select("id", "s"))
      const q = LazyFrame.join(side(), pipe(side(), LazyFrame.rename({ s: "t" })), { on: "id" })
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        [
          "Join how=inner on=[id]",
          "  Cache id=0",
          `    Select [col("id"), col("s")]`,
          `      Scan parquet ${JSON.stringify(file)} projection=[id, s] predicate=(col("id") < 8)`,
          "  Rename {s: t}",
          "    Cache id=0",
          `      Select [col("id"), col("s")]`,
          `        Scan parquet ${JSON.stringify(file)} projection=[id, s] predicate=(col("id") < 8)`
        ].join("\n")
      )
      const events: Array<ScanEvent> = []
      const out = yield* LazyFrame.collect(q).pipe(Effect.provideService(ScanObserver, (e) => events.push(e)))
      assert.strictEqual(events.length, 1)
      const raw = yield* LazyFrame.collect(q, { optimize: false })
      assert.deepStrictEqual(Frame.toRows(out), Frame.toRows(raw))
      assert.deepStrictEqual(
        Frame.toRows(out),
        rowsOf(2)
          .filter((r) => r.id < 8)
          .map((r) => ({ id: r.id, s: r.s, t: r.s }))
      )
    })
  )

  it.effect("csv globs with partition pruning", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("csv")
      const events: Array<ScanEvent> = []
      const out = yield* LazyFrame.collect(
        pipe(scanCsv(`${dir}/**/*.csv`), LazyFrame.filter(col("year").eq(2020).and(col("v").gt(105))), LazyFrame.select("v", "region"))
      ).pipe(Effect.provideService(ScanObserver, (e) => events.push(e)))
      assert.deepStrictEqual(
        Frame.toRows(out),
        expected((r) => r.year === 2020 && r.v > 105).map(({ v, region }) => ({ v, region }))
      )
      assert.strictEqual(events.length, 2)
      const only = yield* LazyFrame.collect(pipe(scanCsv(`${dir}/**/*.csv`), LazyFrame.select("region")))
      assert.strictEqual(only.height, 120)
    })
  )

  it.effect("property: pruned multi-file scans give the rows of the written data (random predicates, concurrency, head)", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("parquet")
      type R = Row & { year: number; region: string }
      type Pred = { readonly expr: ReturnType<typeof col>; readonly test: (r: R) => boolean }
      const cmp = <K extends "year" | "id">(k: K, lo: number, hi: number): fc.Arbitrary<Pred> =>
        fc.tuple(fc.constantFrom("lt", "gtEq", "eq"), fc.integer({ min: lo, max: hi })).map(([op, c]) => ({
          expr: op === "lt" ? col(k).lt(c) : op === "gtEq" ? col(k).gtEq(c) : col(k).eq(c),
          test: (r: R) => (op === "lt" ? r[k] < c : op === "gtEq" ? r[k] >= c : r[k] === c)
        }))
      const leaf: fc.Arbitrary<Pred> = fc.oneof(
        cmp("year", 2019, 2023),
        cmp("id", -1, 21),
        fc.constantFrom("eu", "us", "xx").map((v) => ({ expr: col("region").eq(v), test: (r: R) => r.region === v }))
      )
      const pred: fc.Arbitrary<Pred> = fc
        .tuple(leaf, leaf, leaf, fc.boolean())
        .map(([a, b, c, or]) => ({
          expr: a.expr.and(or ? b.expr.or(c.expr) : b.expr.and(c.expr)),
          test: (r: R) => a.test(r) && (or ? b.test(r) || c.test(r) : b.test(r) && c.test(r))
        }))
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(pred, fc.integer({ min: 1, max: 6 }), fc.option(fc.nat(40), { nil: undefined }), async (p, concurrency, n) => {
            const q0 = pipe(scanParquet(`${dir}/**/*.parquet`, { concurrency }), LazyFrame.filter(p.expr), LazyFrame.select("year", "id", "v"))
            const q = n === undefined ? q0 : LazyFrame.head(q0, n)
            const out = await Effect.runPromise(LazyFrame.collect(q).pipe(Effect.provide(NodeServices.layer)))
            const want = expected((r) => p.test(r)).map(({ year, id, v }) => ({ year, id, v }))
            assert.deepStrictEqual(Frame.toRows(out), n === undefined ? want : want.slice(0, n))
          }),
          { numRuns: 60, seed: 11 }
        )
      )
    })
  )

  it.effect("a glob that matches no file is a SourceError; files with another schema too", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("parquet")
      const fs = yield* FileSystem.FileSystem
      const none = yield* Effect.flip(LazyFrame.collect(scanParquet(`${dir}/**/*.nope`)))
      assert.strictEqual(none._tag, "SourceError")
      const other = yield* Frame.make({ id: ["a"], v: [1.5], s: ["x"] })
      yield* fs.makeDirectory(path.join(dir, "year=2023"))
      yield* writeParquet(other, path.join(dir, "year=2023", "zz.parquet"))
      const bad = yield* Effect.flip(LazyFrame.collect(scanParquet(`${dir}/**/*.parquet`)))
      assert.strictEqual(bad._tag, "SourceError")
      assert.include(bad.message, "id")
    })
  )
})

// ---------------------------------------------------------------------------------------------------------------
// every eager verb lazily: the same result as the eager verb, and the node in the plan
// ---------------------------------------------------------------------------------------------------------------

/** Collects a lazy frame (optimized and not) and checks both against the eager result. */
const sameAsEager = (lazy: LazyFrame.LazyFrame<unknown, never>, eager: Effect.Effect<Frame.Frame, unknown>) =>
  Effect.gen(function* () {
    const want = yield* eager
    const got = yield* LazyFrame.collect(lazy)
    const raw = yield* LazyFrame.collect(lazy, { optimize: false })
    assert.deepStrictEqual(got.schema, want.schema)
    assert.deepStrictEqual(Frame.toRows(got), Frame.toRows(want))
    assert.deepStrictEqual(Frame.toRows(raw), Frame.toRows(want))
  })

const long = Frame.make({
  id: Int32Array.of(1, 1, 2, 2, 3),
  key: ["a", "b", "a", "b", "a"],
  val: [1.5, 2.5, 3.5, 4.5, 5.5]
}).pipe(Effect.runSync)

describe("lazy verbs: the eager verb's result, and the node in the plan", () => {
  it.effect("pivot is a MapFrame barrier with a data-dependent schema", () =>
    Effect.gen(function* () {
      const opts = { on: "key", index: "id", values: "val" } as const
      const q = LazyFrame.fromFrame(long).pipe(LazyFrame.filter(col("val").gt(2)), LazyFrame.pivot(opts), LazyFrame.filter(col("id").gtEq(2)))
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        [
          'Filter (col("id") >= 2)',
          "  MapFrame pivot on=key index=[id] values=val aggregate=first",
          '    Scan memory 5x3 predicate=(col("val") > 2)'
        ].join("\n")
      )
      yield* sameAsEager(q, pipe(long, Frame.filter(col("val").gt(2)), Frame.pivot(opts), Frame.filter(col("id").gtEq(2))))
      // the pivoted columns are known only when it runs: schema fails, and a bad reference above fails at run time
      assert.strictEqual((yield* Effect.flip(LazyFrame.schema(q)))._tag, "InvalidArgument")
      assert.strictEqual((yield* Effect.flip(LazyFrame.collect(LazyFrame.select(q, "zz"))))._tag, "ColumnNotFound")
      // the input side is checked before running
      const bad = yield* Effect.flip(LazyFrame.collect(LazyFrame.pivot(LazyFrame.fromFrame(long), { on: "nope", index: "id", values: "val" })))
      assert.strictEqual(bad._tag, "ColumnNotFound")
    })
  )

  it.effect("unpivot: filters on index columns move below it; the input is narrowed to index and on", () =>
    Effect.gen(function* () {
      const opts = { index: ["k"], on: ["a", "b"] }
      const q = lf.pipe(LazyFrame.unpivot(opts), LazyFrame.filter(col("k").eq("x").and(col("value").gt(2))))
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        ['Filter (col("value") > 2)', "  Unpivot on=[a, b] index=[k]", '    Scan memory 4x3 predicate=(col("k") == "x")'].join("\n")
      )
      yield* sameAsEager(q, pipe(base, Frame.unpivot(opts), Frame.filter(col("k").eq("x").and(col("value").gt(2)))))
      const narrow = lf.pipe(LazyFrame.unpivot({ index: ["k"], on: ["a"] }))
      assert.strictEqual(yield* LazyFrame.explain(narrow), "Unpivot on=[a] index=[k]\n  Scan memory 4x3 projection=[a, k]")
      yield* sameAsEager(narrow, Frame.unpivot(base, { index: ["k"], on: ["a"] }))
    })
  )

  it.effect("explode: filters on other columns move below it, filters on the exploded column stay", () =>
    Effect.gen(function* () {
      const f = yield* Frame.make({ id: [1, 2, 3, 4], l: [[1, 2], [], null, [3, 4]], s: ["p", "q", "r", "s"] })
      const pred = col("id").gtEq(2).and(col("l").isNull().or(col("l").gt(3)))
      const q = LazyFrame.fromFrame(f).pipe(LazyFrame.explode("l"), LazyFrame.filter(pred), LazyFrame.select("id", "l"))
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        [
          'Select [col("id"), col("l")]',
          '  Filter (col("l").isNull() | (col("l") > 3))',
          "    Explode [l]",
          '      Scan memory 4x3 projection=[id, l] predicate=(col("id") >= 2)'
        ].join("\n")
      )
      yield* sameAsEager(q, pipe(f, Frame.explode("l"), Frame.filter(pred), Frame.select("id", "l")))
    })
  )

  it.effect("describe and nullCount are MapFrame barriers with a schema known before running", () =>
    Effect.gen(function* () {
      const q = lf.pipe(LazyFrame.filter(col("a").gt(1)), LazyFrame.describe, LazyFrame.filter(col("statistic").eq("mean")))
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        ['Filter (col("statistic") == "mean")', "  MapFrame describe", '    Scan memory 4x3 predicate=(col("a") > 1)'].join("\n")
      )
      yield* sameAsEager(q, pipe(base, Frame.filter(col("a").gt(1)), Frame.describe, Frame.filter(col("statistic").eq("mean"))))
      assert.deepStrictEqual(
        (yield* LazyFrame.schema(q)).map((f) => f.name),
        ["statistic", "a", "b", "k"]
      )
      const n = LazyFrame.nullCount(lf.pipe(LazyFrame.select("a", "k")))
      assert.strictEqual(yield* LazyFrame.explain(n), 'MapFrame nullCount\n  Select [col("a"), col("k")]\n    Scan memory 4x3 projection=[a, k]')
      yield* sameAsEager(n, pipe(base, Frame.select("a", "k"), Frame.nullCount))
    })
  )

  it.effect("sample is a MapFrame barrier: deterministic with a seed; unseeded samples are not merged", () =>
    Effect.gen(function* () {
      const q = lf.pipe(LazyFrame.sample({ n: 2, seed: 3 }), LazyFrame.filter(col("a").gt(1)), LazyFrame.head(1))
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        ["Slice offset=0 length=1", '  Filter (col("a") > 1)', "    MapFrame sample n=2 seed=3", "      Scan memory 4x3"].join("\n")
      )
      yield* sameAsEager(q, pipe(base, Frame.sample({ n: 2, seed: 3 }), Frame.filter(col("a").gt(1)), Frame.head(1)))
      const seeded = LazyFrame.join(lf.pipe(LazyFrame.sample({ n: 3, seed: 1 })), lf.pipe(LazyFrame.sample({ n: 3, seed: 1 })), { on: "a" })
      assert.include(yield* LazyFrame.explain(seeded), "Cache id=0")
      const unseeded = LazyFrame.join(lf.pipe(LazyFrame.sample({ n: 3 })), lf.pipe(LazyFrame.sample({ n: 3 })), { on: "a" })
      assert.notInclude(yield* LazyFrame.explain(unseeded), "Cache")
      assert.strictEqual((yield* Effect.flip(LazyFrame.collect(lf.pipe(LazyFrame.sample({ n: 9 })))))._tag, "InvalidArgument")
    })
  )

  it.effect("withRowIndex: head moves below it, filters stay above it", () =>
    Effect.gen(function* () {
      const q = lf.pipe(LazyFrame.withRowIndex("i", 10), LazyFrame.filter(col("a").gt(1)), LazyFrame.select("i", "k"))
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        ['Select [col("i"), col("k")]', '  Filter (col("a") > 1)', "    WithRowIndex name=i offset=10", "      Scan memory 4x3 projection=[a, k]"].join("\n")
      )
      yield* sameAsEager(q, pipe(base, Frame.withRowIndex("i", 10), Frame.filter(col("a").gt(1)), Frame.select("i", "k")))
      const h = lf.pipe(LazyFrame.withRowIndex(), LazyFrame.head(2))
      assert.strictEqual(yield* LazyFrame.explain(h), "WithRowIndex name=index offset=0\n  Scan memory 4x3 limit=2")
      yield* sameAsEager(h, pipe(base, Frame.withRowIndex(), Frame.head(2)))
      assert.strictEqual((yield* Effect.flip(LazyFrame.collect(lf.pipe(LazyFrame.withRowIndex("a")))))._tag, "DuplicateColumn")
    })
  )

  const trades = Frame.make({
    t: BigInt64Array.of(1n, 2n, 5n, 6n, 10n, 11n),
    s: ["a", "b", "a", "b", "a", "b"],
    px: [10, 20, 11, 21, 12, 22],
    junk: [0, 0, 0, 0, 0, 0]
  }).pipe(Effect.runSync)
  const quotes = Frame.make({
    t: BigInt64Array.of(0n, 0n, 4n, 5n, 9n),
    s: ["a", "b", "a", "b", "b"],
    bid: [9.5, 19.5, 10.5, 20.5, 21.5],
    junk: [1, 1, 1, 1, 1]
  }).pipe(Effect.runSync)

  it.effect("joinAsof: filters on left `by` columns move into the left input only; inputs are narrowed", () =>
    Effect.gen(function* () {
      const opts = { on: "t", by: "s" } as const
      const pred = col("s").eq("a").and(col("bid").gt(10))
      const q = LazyFrame.fromFrame(trades).pipe(
        LazyFrame.joinAsof(LazyFrame.fromFrame(quotes), opts),
        LazyFrame.filter(pred),
        LazyFrame.select("t", "px", "bid")
      )
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        [
          'Select [col("t"), col("px"), col("bid")]',
          '  Filter (col("bid") > 10)',
          "    JoinAsof on=t by=[s] strategy=backward",
          // `junk` is on both sides: both keep it, so that the suffixed name does not change
          '      Scan memory 6x4 predicate=(col("s") == "a")',
          "      Scan memory 5x4"
        ].join("\n")
      )
      yield* sameAsEager(q, pipe(trades, joinAsof(quotes, opts), Frame.filter(pred), Frame.select("t", "px", "bid")))
      // hand-computed: a@1 → no quote ≤ 1 for a except t=0 (9.5), a@5 → t=4 (10.5), a@10 → t=4 (10.5)
      assert.deepStrictEqual(Frame.toRows(yield* LazyFrame.collect(q)), [
        { t: 5n, px: 11, bid: 10.5 },
        { t: 10n, px: 12, bid: 10.5 }
      ])
      // a column that neither side needs (and that does not collide) is not read
      const narrow = LazyFrame.fromFrame(trades).pipe(
        LazyFrame.drop("junk"),
        LazyFrame.joinAsof(LazyFrame.fromFrame(quotes).pipe(LazyFrame.drop("junk")), opts),
        LazyFrame.select("px", "bid")
      )
      assert.include(yield* LazyFrame.explain(narrow), "Scan memory 6x4 projection=[t, s, px]")
      yield* sameAsEager(narrow, pipe(trades, Frame.drop("junk"), joinAsof(Frame.drop(quotes, "junk"), opts), Frame.select("px", "bid")))
      const bad = yield* Effect.flip(LazyFrame.collect(LazyFrame.joinAsof(lf, lf, { on: "nope" })))
      assert.strictEqual(bad._tag, "ColumnNotFound")
    })
  )

  it.effect("groupByDynamic: a barrier for filters; its input is narrowed to index, by and aggregated columns", () =>
    Effect.gen(function* () {
      const opts = { index: "t", every: "5i", by: "s" } as const
      const aggs = [col("px").sum().alias("px")]
      const q = LazyFrame.fromFrame(trades).pipe(LazyFrame.groupByDynamic(opts, aggs), LazyFrame.filter(col("s").eq("b")))
      assert.strictEqual(
        yield* LazyFrame.explain(q),
        [
          'Filter (col("s") == "b")',
          '  GroupByDynamic index=t every=5i by=[s] aggs=[col("px").sum().alias("px")]',
          "    Scan memory 6x4 projection=[t, s, px]"
        ].join("\n")
      )
      yield* sameAsEager(q, pipe(trades, groupByDynamic(opts, aggs), Frame.filter(col("s").eq("b"))))
      // hand-computed: b at t = 2, 6, 11 → windows [0,5): 20, [5,10): 21, [10,15): 22
      assert.deepStrictEqual(Frame.toRows(yield* LazyFrame.collect(q)), [
        { s: "b", t: 0n, px: 20 },
        { s: "b", t: 5n, px: 21 },
        { s: "b", t: 10n, px: 22 }
      ])
      const bad = yield* Effect.flip(LazyFrame.collect(LazyFrame.groupByDynamic(LazyFrame.fromFrame(trades), opts, [col("zz").sum()])))
      assert.strictEqual(bad._tag, "ColumnNotFound")
    })
  )
})

layer(NodeServices.layer)("hiveSchema", (it) => {
  it.effect("explicit partition dtypes; unlisted keys are inferred; a value that does not parse is a SourceError", () =>
    Effect.gen(function* () {
      const dir = yield* writeDataset("parquet")
      const lf = scanParquet(`${dir}/**/*.parquet`, { hiveSchema: { year: DT.Int16 } })
      const schema = yield* LazyFrame.schema(lf)
      assert.deepStrictEqual(
        schema.slice(3).map((f) => [f.name, DT.format(f.dtype)]),
        [
          ["year", "i16"],
          ["region", "str"]
        ]
      )
      const q = pipe(lf, LazyFrame.filter(col("year").eq(2022)), LazyFrame.select("id", "year", "region"))
      assert.include(yield* LazyFrame.explain(q), "files=2/6")
      const out = yield* LazyFrame.collect(q)
      assert.deepStrictEqual(
        Frame.toRows(out),
        expected((r) => r.year === 2022).map(({ id, year, region }) => ({ id, year: Number(year), region }))
      )
      assert.strictEqual(out.schema[1]!.dtype._tag, "Int16")
      const csv = yield* writeDataset("csv")
      const asUtf8 = yield* LazyFrame.collect(pipe(scanCsv(`${csv}/**/*.csv`, { hiveSchema: { year: DT.Utf8 } }), LazyFrame.select("year"), LazyFrame.head(1)))
      assert.deepStrictEqual(Frame.toRows(asUtf8), [{ year: "2020" }])
      const bad = yield* Effect.flip(LazyFrame.collect(scanParquet(`${dir}/**/*.parquet`, { hiveSchema: { region: DT.Int64 } })))
      assert.strictEqual(bad._tag, "SourceError")
      assert.include(bad.message, "region")
    })
  )
})
