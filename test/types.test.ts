/**
 * Type-level tests: the static row type of a frame. The project's type check (`tsc --noEmit -p .`) covers this
 * file, so every `// @ts-expect-error` below must be an error and every `expectTypeOf` must hold; vitest then runs
 * the run-time half (untyped frames report `ColumnNotFound`).
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as A from "apache-arrow"
import { type Brand, Context, Effect, pipe, Schema } from "effect"
import { col, DataType, Frame, lit } from "../src/index.ts"

type RowOfEffect<X> = X extends Effect.Effect<Frame.Frame<infer R>, infer _E, infer _R> ? R : never
type ErrorOf<X> = X extends Effect.Effect<infer _A, infer E, infer _R> ? E : never
type ServicesOf<X> = X extends Effect.Effect<infer _A, infer _E, infer R> ? R : never

const typed = Frame.make({
  sym: ["IBM", "AAPL"],
  px: new Float64Array([140.5, 190.25]),
  qty: new BigInt64Array([100n, 200n]),
  ok: [true, false]
})
type T = { readonly sym: string; readonly px: number; readonly qty: bigint; readonly ok: boolean }

const Trade = Schema.Struct({
  sym: Schema.Literals(["IBM", "AAPL"]),
  px: Schema.Finite,
  at: Schema.Date,
  venue: Schema.optional(Schema.NullOr(Schema.String))
})
type S = { readonly sym: "IBM" | "AAPL"; readonly px: number; readonly at: Date; readonly venue: string | null }

const untyped: Effect.Effect<Frame.Frame, Frame.InvalidArgument> = Frame.fromArrow(
  A.tableFromArrays({ a: new Float64Array([1, 2]), b: new Int32Array([3, 4]) })
)

describe("static row types", () => {
  it("make and fromRows carry the row type", () => {
    expectTypeOf<RowOfEffect<typeof typed>>().toEqualTypeOf<T>()
    const fromRows = Frame.fromRows(Trade, [])
    expectTypeOf<RowOfEffect<typeof fromRows>>().toEqualTypeOf<S>()
    expectTypeOf<ErrorOf<typeof fromRows>>().toEqualTypeOf<Frame.RowDecodeError | Frame.ShapeMismatch>()
    expectTypeOf<RowOfEffect<typeof untyped>>().toEqualTypeOf<Frame.AnyRow>()
    // fromRows needs a struct schema.
    // @ts-expect-error a String schema has no fields
    Frame.fromRows(Schema.String, [])
  })

  it("toRows and toColumns follow the row type", () => {
    const f = Effect.runSync(typed)
    expectTypeOf(Frame.toRows(f)[0]!).toEqualTypeOf<T>()
    expectTypeOf(Frame.toColumns(f).qty).toEqualTypeOf<Array<bigint>>()
    const g = Effect.runSync(Frame.fromRows(Trade, [{ sym: "IBM", px: 1, at: new Date(0) }]))
    expectTypeOf(Frame.toRows(g)[0]!.venue).toEqualTypeOf<string | null>()
    expectTypeOf(Frame.toRows(g)[0]!.sym).toEqualTypeOf<"IBM" | "AAPL">()
    expect(Frame.toRows(g)[0]!.venue).toBeNull()
    // Values come back as toRows gives them: DateTime → Date, BigDecimal → decimal string, nested element-wise.
    const Nested = Schema.Struct({
      utc: Schema.DateTimeUtc,
      amt: Schema.BigDecimal,
      tags: Schema.Array(Schema.Literals(["a", "b"])),
      meta: Schema.Struct({ at: Schema.DateTimeUtc, n: Schema.optionalKey(Schema.Int) }),
      id: Schema.String.pipe(Schema.brand("Id"))
    })
    const h = Frame.fromRows(Nested, [])
    expectTypeOf<RowOfEffect<typeof h>>().toEqualTypeOf<{
      readonly utc: Date
      readonly amt: string
      readonly tags: ReadonlyArray<"a" | "b">
      readonly meta: { readonly at: Date; readonly n: number | null }
      readonly id: string & Brand.Brand<"Id">
    }>()
    // make widens literal types and turns undefined into null.
    const m = Frame.make({ n: [1, 2.5, null], s: ["x", undefined], l: [[1], []], o: [{ k: "v" }] })
    expectTypeOf<RowOfEffect<typeof m>>().toEqualTypeOf<{
      readonly n: number | null
      readonly s: string | null
      readonly l: ReadonlyArray<number>
      readonly o: { readonly k: string }
    }>()
  })

  it("drop updates the row type, data-first and data-last", () => {
    const a = Frame.drop(Effect.runSync(typed), "px", "ok")
    expectTypeOf<RowOfEffect<typeof a>>().toEqualTypeOf<{ readonly sym: string; readonly qty: bigint }>()
    const b = pipe(typed, Frame.drop("sym"))
    expectTypeOf<RowOfEffect<typeof b>>().toEqualTypeOf<{ readonly px: number; readonly qty: bigint; readonly ok: boolean }>()
    const c = Frame.fromRows(Trade, []).pipe(Frame.drop("venue"))
    expectTypeOf<RowOfEffect<typeof c>>().toEqualTypeOf<Omit<S, "venue">>()
    expect(Effect.runSync(a).columns).toEqual(["sym", "qty"])
  })

  it("rename updates the row type, data-first and data-last", () => {
    const a = Frame.rename(Effect.runSync(typed), { px: "price" })
    expectTypeOf<RowOfEffect<typeof a>>().toEqualTypeOf<{
      readonly sym: string
      readonly price: number
      readonly qty: bigint
      readonly ok: boolean
    }>()
    const b = pipe(typed, Frame.rename({ sym: "ticker", qty: "size" }))
    expectTypeOf<RowOfEffect<typeof b>>().toEqualTypeOf<{
      readonly ticker: string
      readonly px: number
      readonly size: bigint
      readonly ok: boolean
    }>()
    expect(Effect.runSync(b).columns).toEqual(["ticker", "px", "size", "ok"])
  })

  it("select updates the row type, data-first and data-last (names and expressions)", () => {
    const a = Frame.select(Effect.runSync(typed), "sym", "px")
    expectTypeOf<RowOfEffect<typeof a>>().toEqualTypeOf<{ readonly sym: string; readonly px: number }>()
    const b = pipe(typed, Frame.select("qty", col("px").mul(2).alias("px2"), col("ok")))
    expectTypeOf<RowOfEffect<typeof b>>().toEqualTypeOf<{ readonly qty: bigint; readonly px2: number; readonly ok: boolean }>()
    const c = Frame.select(typed, col("px").gt(100))
    expectTypeOf<RowOfEffect<typeof c>>().toEqualTypeOf<{ readonly px: boolean }>()
    const d = pipe(typed, Frame.select(lit(1).alias("one")))
    expectTypeOf<RowOfEffect<typeof d>>().toEqualTypeOf<{ readonly one: number }>()
  })

  it("withColumns updates the row type, data-first and data-last", () => {
    const a = Frame.withColumns(typed, col("px").mul(2).alias("px2"))
    expectTypeOf<RowOfEffect<typeof a>>().toEqualTypeOf<{
      readonly sym: string
      readonly px: number
      readonly qty: bigint
      readonly ok: boolean
      readonly px2: number
    }>()
    const b = pipe(typed, Frame.withColumns(col("px").gt(1), col("sym").alias("name")))
    expectTypeOf<RowOfEffect<typeof b>>().toEqualTypeOf<{
      readonly sym: string
      readonly px: boolean
      readonly qty: bigint
      readonly ok: boolean
      readonly name: string
    }>()
  })

  it("a pipeline over an Effect of a frame keeps its errors and services, unioned with each step's", () => {
    class Db extends Context.Service<Db, { readonly url: string }>()("test/Db") {}
    const source = Effect.gen(function* () {
      yield* Db
      return yield* typed
    }).pipe(
      Effect.mapError(() => new Frame.SourceError({ path: "x", format: "csv", message: "boom" }))
    )
    const program = pipe(
      source,
      Frame.drop("ok"),
      Frame.rename({ px: "price" }),
      Frame.select("sym", col("price").mul(2).alias("px2")),
      Frame.head(5)
    )
    expectTypeOf<RowOfEffect<typeof program>>().toEqualTypeOf<{ readonly sym: string; readonly px2: number }>()
    expectTypeOf<ErrorOf<typeof program>>().toEqualTypeOf<
      | Frame.SourceError
      | Frame.ColumnNotFound
      | Frame.DuplicateColumn
      | Frame.TypeMismatch
      | Frame.ResolveErrors
      | Frame.ComputeError
      | Frame.InvalidArgument
    >()
    expectTypeOf<ServicesOf<typeof program>>().toEqualTypeOf<Db>()
    // Data-first on a plain frame: no errors or services beyond the verb's own.
    const first = Frame.drop(Effect.runSync(typed), "ok")
    expectTypeOf<ErrorOf<typeof first>>().toEqualTypeOf<Frame.ColumnNotFound>()
    expectTypeOf<ServicesOf<typeof first>>().toEqualTypeOf<never>()
  })

  it("a wrong column name in a typed frame does not compile", () => {
    const f = Effect.runSync(typed)
    // @ts-expect-error "price" is not a column
    Frame.drop(f, "price")
    // @ts-expect-error "price" is not a column
    pipe(typed, Frame.drop("price"))
    // @ts-expect-error "price" is not a column
    Frame.rename(f, { price: "p" })
    // @ts-expect-error "price" is not a column
    pipe(typed, Frame.rename({ price: "p" }))
    // @ts-expect-error "price" is not a column
    Frame.select(f, "sym", "price")
    // @ts-expect-error "price" is not a column
    pipe(typed, Frame.select("sym", "price"))
    // @ts-expect-error "price" is not a column
    Frame.select(f, col("price"))
    // @ts-expect-error "price" is not a column
    pipe(f, Frame.select(col("price").mul(2)))
    // @ts-expect-error "price" is not a column
    Frame.withColumns(f, col("price").mul(2).alias("p2"))
    // @ts-expect-error "price" is not a column
    pipe(typed, Frame.withColumns(col("price").mul(2)))
    // @ts-expect-error "venu" is not a field of the Schema
    pipe(Frame.fromRows(Trade, []), Frame.drop("venu"))
    // @ts-expect-error "Px" is not a field of the Schema
    pipe(Frame.fromRows(Trade, []), Frame.select("Px"))
    // @ts-expect-error "quantity" is not a column
    Frame.getColumn(f, "qty").pipe(() => Frame.drop(f, "quantity"))
  })

  it("untyped frames accept any name at compile time and fail at run time with ColumnNotFound", async () => {
    const f = await Effect.runPromise(untyped)
    expectTypeOf(f).toEqualTypeOf<Frame.Frame<Frame.AnyRow>>()
    const dropped = Frame.drop(f, "nope")
    const renamed = pipe(untyped, Frame.rename({ nope: "x" }))
    const selected = pipe(untyped, Frame.select("a", "nope"))
    const widened = Frame.withColumns(f, col("nope").mul(2))
    expectTypeOf<RowOfEffect<typeof dropped>>().toEqualTypeOf<Frame.AnyRow>()
    expectTypeOf<RowOfEffect<typeof selected>>().toEqualTypeOf<Frame.AnyRow>()
    expectTypeOf<RowOfEffect<typeof widened>>().toEqualTypeOf<Frame.AnyRow>()
    for (const e of [dropped, renamed, selected, widened]) {
      const err = await Effect.runPromise(Effect.flip(e))
      expect(err._tag).toBe("ColumnNotFound")
      if (err._tag === "ColumnNotFound") {
        expect(err.column).toBe("nope")
        expect(err.available).toEqual(["a", "b"])
      }
    }
    const missing = await Effect.runPromise(Effect.flip(Frame.getColumn(f, "nope")))
    expect(missing.available).toEqual(["a", "b"])
    // The dtype override keys of make are checked too.
    // @ts-expect-error "zz" is not a column given to make
    Frame.make({ a: [1] }, { dtypes: { zz: DataType.Int32 } })
  })
})
