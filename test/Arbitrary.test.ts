/**
 * The frame generators: Effect `Arbitrary` (polaroid/Frame `Arbitrary`) and fast-check (polaroid/Testing).
 * Checks the schema, row counts, null rates, value bounds, distinct caps, determinism and shrinking.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as EffectArbitrary from "effect/Arbitrary"
import * as fc from "fast-check"
import { Arbitrary, DataType as DT, type Frame } from "../src/Frame/index.ts"
import type { DataType, Field } from "../src/Frame/DataType.ts"
import * as C from "../src/internal/column.ts"
import type { Column } from "../src/internal/column.ts"
import { contiguous } from "../src/internal/frame.ts"
import { FastCheck } from "../src/Testing/index.ts"
import { ALL } from "./support/fields.ts"


const sameSchema = (f: Frame, fields: ReadonlyArray<Field>): boolean =>
  f.schema.length === fields.length &&
  f.schema.every((g, i) => g.name === fields[i]!.name && DT.equals(g.dtype, fields[i]!.dtype))

interface Bounds {
  readonly min: number
  readonly max: number
  readonly strMin: number
  readonly strMax: number
  readonly listMin: number
  readonly listMax: number
  readonly specials: boolean
}

const DEFAULT_BOUNDS: Bounds = { min: -1e6, max: 1e6, strMin: 0, strMax: 8, listMin: 0, listMax: 4, specials: false }
const DAY_MIN = -25567 // 1900-01-01
const DAY_MAX = 47846 // 2100-12-31
const PER_DAY: Record<string, bigint> = { s: 86400n, ms: 86_400_000n, us: 86_400_000_000n, ns: 86_400_000_000_000n }

/** First problem with a value of the column, or undefined. Checks every valid cell (recursively). */
const checkColumn = (col: Column, b: Bounds): string | undefined => {
  const t: DataType = col.dtype
  for (let i = 0; i < col.length; i++) {
    if (!C.isValid(col, i)) continue
    const where = `${DT.format(t)} row ${i}`
    switch (t._tag) {
      case "Int8":
      case "Int16":
      case "Int32":
      case "UInt8":
      case "UInt16":
      case "UInt32":
      case "Int64":
      case "UInt64":
      case "Duration": {
        const v = Number(col.values[i]!)
        const lo = t._tag.startsWith("U") ? Math.max(0, b.min) : b.min
        if (!(v >= lo && v <= b.max && Number.isInteger(v))) return `${where}: ${v} outside [${lo}, ${b.max}]`
        break
      }
      case "Float32":
      case "Float64": {
        const v = col.values[i] as number
        if (Number.isNaN(v) || !Number.isFinite(v)) {
          if (!b.specials) return `${where}: unexpected ${v}`
        } else if (!(v >= b.min && v <= b.max)) return `${where}: ${v} outside bounds`
        if (Object.is(v, -0)) return `${where}: -0`
        break
      }
      case "Utf8":
      case "Categorical": {
        const n = [...C.stringAt(t._tag === "Utf8" ? col : col.dictionary!, t._tag === "Utf8" ? i : (col.values as Int32Array)[i]!)].length
        if (n < b.strMin || n > 2 * b.strMax) return `${where}: string of ${n} code points` // a combining pair (e + U+0301) is one character of 2 code points
        break
      }
      case "Date": {
        const v = (col.values as Int32Array)[i]!
        if (v < DAY_MIN || v > DAY_MAX) return `${where}: day ${v}`
        break
      }
      case "Timestamp": {
        const v = (col.values as BigInt64Array)[i]!
        const per = PER_DAY[t.unit]!
        if (v < BigInt(DAY_MIN) * per || v >= BigInt(DAY_MAX + 1) * per) return `${where}: ${v}`
        break
      }
      case "Decimal": {
        const v = C.decimalAt(col.values as BigInt64Array, i)
        const abs = v < 0n ? -v : v
        if (abs >= 10n ** BigInt(t.precision)) return `${where}: ${v} exceeds precision`
        if (abs > BigInt(Math.max(-b.min, b.max)) * 10n ** BigInt(t.scale)) return `${where}: ${v} outside bounds`
        break
      }
      case "List": {
        const n = col.offsets![i + 1]! - col.offsets![i]!
        if (n < b.listMin || n > b.listMax) return `${where}: list of length ${n}`
        break
      }
      case "Null":
        return `${where}: a valid cell in a Null column`
      default:
        break
    }
  }
  for (const child of col.children ?? []) {
    const p = checkColumn(child, b)
    if (p !== undefined) return p
  }
  return undefined
}

const checkFrame = (f: Frame, b: Bounds = DEFAULT_BOUNDS): string | undefined => {
  for (const col of contiguous(f)) {
    if (col.length !== f.height) return `column of length ${col.length} in a frame of ${f.height} rows`
    const p = checkColumn(col, b)
    if (p !== undefined) return p
  }
  return undefined
}

const nullFraction = (frames: ReadonlyArray<Frame>): number => {
  let nulls = 0
  let cells = 0
  for (const f of frames)
    for (const col of contiguous(f)) {
      for (let i = 0; i < col.length; i++) if (!C.isValid(col, i)) nulls++
      cells += col.length
    }
  return nulls / cells
}

const sample = <A>(arb: EffectArbitrary.Arbitrary<A>, count: number, seed = 7) =>
  Effect.runSync(EffectArbitrary.sampleEffect(arb, { count, seed }))

describe("Arbitrary.frame (Effect)", () => {
  it.prop(
    "has the schema asked, rows in range, values in bounds",
    { f: Arbitrary.frame(ALL, { minRows: 2, maxRows: 30 }) },
    ({ f }) => {
      assert.isTrue(sameSchema(f, ALL), "schema")
      assert.isTrue(f.height >= 2 && f.height <= 30, `height ${f.height}`)
      assert.strictEqual(checkFrame(f), undefined)
    },
    { arbitrary: { runs: 100, seed: 1 } }
  )

  it.prop(
    "custom bounds, lengths and specials",
    {
      f: Arbitrary.frame(
        [
          { name: "x", dtype: DT.Int64 },
          { name: "y", dtype: DT.Float64 },
          { name: "s", dtype: DT.Utf8 },
          { name: "l", dtype: DT.List(DT.Float32) }
        ],
        {
          minRows: 0,
          maxRows: 10,
          numbers: { min: -5, max: 5, nan: true, infinity: true },
          strings: { minLength: 2, maxLength: 3, unicode: true },
          lists: { minLength: 1, maxLength: 2 }
        }
      )
    },
    ({ f }) =>
      checkFrame(f, { min: -5, max: 5, strMin: 2, strMax: 3, listMin: 1, listMax: 2, specials: true }) === undefined &&
      f.height <= 10
  )

  it("Int64 / UInt64 / Timestamp values are bigints, small ints numbers", () => {
    const [f] = sample(Arbitrary.frame(ALL, { minRows: 5, maxRows: 5, nullRate: 0 }), 1)
    const cols = contiguous(f!)
    assert.instanceOf(cols[3]!.values, BigInt64Array)
    assert.instanceOf(cols[7]!.values, BigUint64Array)
    assert.instanceOf(cols[14]!.values, BigInt64Array)
    assert.instanceOf(cols[2]!.values, Int32Array)
  })

  it("full 64-bit range when asked", () => {
    const frames = sample(
      Arbitrary.frame([{ name: "x", dtype: DT.UInt64 }], { minRows: 50, maxRows: 50, nullRate: 0, numbers: { min: -Infinity, max: Infinity } }),
      5
    )
    const big = frames.flatMap((f) => [...(contiguous(f)[0]!.values as BigUint64Array)]).filter((v) => v > 2n ** 53n)
    assert.isAbove(big.length, 100)
  })

  it("null rates are roughly right, overall and per column", () => {
    const fields = [
      { name: "a", dtype: DT.Int32 },
      { name: "b", dtype: DT.Utf8 },
      { name: "c", dtype: DT.Float64 }
    ]
    const frames = sample(Arbitrary.frame(fields, { minRows: 200, maxRows: 200, nullRate: 0.3 }), 20)
    const r = nullFraction(frames)
    assert.isTrue(r > 0.27 && r < 0.33, `null fraction ${r}`)
    const none = sample(Arbitrary.frame(fields, { minRows: 100, maxRows: 100, nullRate: 0 }), 5)
    assert.strictEqual(nullFraction(none), 0)
    const per = sample(Arbitrary.frame(fields, { minRows: 500, maxRows: 500, nullRate: { a: 0.9, b: 0 } }), 4)
    const pa = per.reduce((s, f) => s + contiguous(f)[0]!.nullCount, 0) / 2000
    const pb = per.reduce((s, f) => s + contiguous(f)[1]!.nullCount, 0) / 2000
    const pc = per.reduce((s, f) => s + contiguous(f)[2]!.nullCount, 0) / 2000
    assert.isTrue(pa > 0.86 && pa < 0.94, `a: ${pa}`)
    assert.strictEqual(pb, 0)
    assert.isTrue(pc > 0.07 && pc < 0.13, `c (default 0.1): ${pc}`)
  })

  it("distinct caps the number of distinct keys", () => {
    const frames = sample(
      Arbitrary.frame(
        [
          { name: "k", dtype: DT.Utf8 },
          { name: "v", dtype: DT.Int64 }
        ],
        { minRows: 100, maxRows: 100, distinct: { k: 3 } }
      ),
      10
    )
    for (const f of frames) {
      const [k, v] = contiguous(f)
      const keys = new Set(C.toStrings(k!).filter((s) => s !== null))
      assert.isAtMost(keys.size, 3)
      assert.isAbove(new Set(C.toArray(v!)).size, 50)
    }
  })

  it("is deterministic for a seed and varies across seeds", () => {
    const arb = Arbitrary.frame(ALL, { minRows: 5, maxRows: 5 })
    const a = sample(arb, 3, 42).map(String)
    const b = sample(arb, 3, 42).map(String)
    const c = sample(arb, 3, 43).map(String)
    assert.deepStrictEqual(a, b)
    assert.notDeepEqual(a, c)
  })

  it("mixes in NaN, Infinity, non-ASCII and edge values when asked", () => {
    const frames = sample(
      Arbitrary.frame(
        [
          { name: "f", dtype: DT.Float64 },
          { name: "s", dtype: DT.Utf8 },
          { name: "i", dtype: DT.Int8 }
        ],
        { minRows: 200, maxRows: 200, numbers: { nan: true, infinity: true, min: -1e9, max: 1e9 }, strings: { unicode: true } }
      ),
      3
    )
    const fs = frames.flatMap((f) => C.toArray(contiguous(f)[0]!))
    const ss = frames.flatMap((f) => C.toStrings(contiguous(f)[1]!))
    const is = frames.flatMap((f) => C.toArray(contiguous(f)[2]!))
    assert.isTrue(fs.some((v) => Number.isNaN(v)))
    assert.isTrue(fs.includes(Infinity) && fs.includes(-Infinity))
    assert.isTrue(ss.some((s) => s !== null && [...s].some((ch) => ch.codePointAt(0)! > 127)))
    assert.isTrue(is.includes(-128) && is.includes(127), "Int8 bounds appear as edge cases")
  })

  it("shrinks to fewer rows, keeping the values of the kept rows", () => {
    const arb = Arbitrary.frame([{ name: "x", dtype: DT.Int32 }], { minRows: 0, maxRows: 60, nullRate: 0 })
    // fails when some value exceeds 900000: the minimal counterexample is that single row
    const result = Effect.runSync(
      EffectArbitrary.checkEffect(arb, (f) => !C.toArray(contiguous(f)[0]!).some((v) => (v as number) > 900000), { runs: 200, seed: 3 })
    )
    assert.strictEqual(result._tag, "Falsified")
    if (result._tag === "Falsified") {
      const before = C.toArray(contiguous(result.initialInput)[0]!)
      const after = C.toArray(contiguous(result.shrunkInput)[0]!)
      assert.strictEqual(after.length, 1)
      assert.isAbove(after[0] as number, 900000)
      assert.include(before, after[0])
    }
    const sized = Effect.runSync(EffectArbitrary.checkEffect(arb, (f) => f.height < 7, { runs: 100, seed: 4 }))
    assert.strictEqual(sized._tag, "Falsified")
    if (sized._tag === "Falsified") assert.strictEqual(sized.shrunkInput.height, 7)
  })

  it("throws a RangeError on invalid options", () => {
    assert.throws(() => Arbitrary.frame([], { minRows: 5, maxRows: 2 }), RangeError)
    assert.throws(() => Arbitrary.frame([], { nullRate: 2 }), RangeError)
    assert.throws(() => Arbitrary.fields({ minColumns: 3, maxColumns: 1 }), RangeError)
  })
})

describe("Arbitrary.fields / anyFrame (Effect)", () => {
  it.prop(
    "random schemas: column count in range, unique names",
    { fs: Arbitrary.fields({ minColumns: 2, maxColumns: 5, nested: true }) },
    ({ fs }) => fs.length >= 2 && fs.length <= 5 && new Set(fs.map((f) => f.name)).size === fs.length
  )

  it.prop(
    "random frames have valid columns",
    { f: Arbitrary.anyFrame({ nested: true, maxColumns: 6 }, { maxRows: 15 }) },
    ({ f }) => {
      assert.strictEqual(checkFrame(f), undefined)
      assert.isAtMost(f.height, 15)
    },
    { arbitrary: { runs: 100 } }
  )

  it("dataType draws from the pool", () => {
    const pool = [DT.Int16, DT.Utf8]
    const ts = sample(Arbitrary.dataType({ dtypes: pool }), 30)
    assert.isTrue(ts.every((t) => pool.some((p) => DT.equals(p, t))))
    assert.isTrue(ts.some((t) => t._tag === "Int16") && ts.some((t) => t._tag === "Utf8"))
  })
})

describe("FastCheck (polaroid/Testing)", () => {
  it("frame: schema, rows in range, values in bounds", () => {
    fc.assert(
      fc.property(FastCheck.frame(ALL, { minRows: 1, maxRows: 25 }), (f) => {
        assert.isTrue(sameSchema(f, ALL))
        assert.isTrue(f.height >= 1 && f.height <= 25)
        assert.strictEqual(checkFrame(f), undefined)
      }),
      { numRuns: 100, seed: 11 }
    )
  })

  it("row counts cover the range", () => {
    const hs = fc.sample(FastCheck.frame([{ name: "x", dtype: DT.Int8 }], { minRows: 0, maxRows: 100 }), { numRuns: 200, seed: 5 }).map((f) => f.height)
    assert.isTrue(hs.some((h) => h > 60), "large frames occur")
    assert.isTrue(hs.every((h) => h >= 0 && h <= 100))
  })

  it("null rate is roughly right", () => {
    const frames = fc.sample(FastCheck.frame([{ name: "x", dtype: DT.Utf8 }], { minRows: 200, maxRows: 200, nullRate: 0.5 }), { numRuns: 10, seed: 2 })
    const r = nullFraction(frames)
    assert.isTrue(r > 0.45 && r < 0.55, `null fraction ${r}`)
  })

  it("shrinks to the failing row, removing rows anywhere", () => {
    const arb = FastCheck.frame([{ name: "x", dtype: DT.Int32 }], { maxRows: 60, nullRate: 0 })
    const out = fc.check(fc.property(arb, (f) => !C.toArray(contiguous(f)[0]!).some((v) => (v as number) > 900000)), { seed: 8, numRuns: 200 })
    assert.isTrue(out.failed)
    const shrunk = out.counterexample![0]
    const xs = C.toArray(contiguous(shrunk)[0]!)
    assert.strictEqual(xs.length, 1)
    assert.isAbove(xs[0] as number, 900000)
  })

  it("anyFrame and fields", () => {
    fc.assert(
      fc.property(FastCheck.anyFrame({ maxColumns: 4, nested: true }, { maxRows: 10 }), (f) => checkFrame(f) === undefined && f.width >= 1 && f.width <= 4),
      { numRuns: 100, seed: 3 }
    )
    const ts = fc.sample(FastCheck.dataType({ dtypes: [DT.Date] }), { numRuns: 5, seed: 1 })
    assert.isTrue(ts.every((t) => t._tag === "Date"))
  })
})
