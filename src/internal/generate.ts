/**
 * Deterministic random frames and schemas, shared by the Effect `Arbitrary` generators (`Frame/Arbitrary.ts`) and
 * the fast-check ones (`Testing/FastCheck.ts`).
 *
 * A frame is a pure function of a seed and a list of row ids: the value of each cell depends only on
 * `(seed, column, rowId)` (plus a per-column pool of values, itself a function of `(seed, column)`). Removing row
 * ids therefore removes rows and leaves every other row unchanged, which is how both front ends shrink: towards
 * fewer rows, keeping the failing ones.
 * @internal
 */
import * as DT from "../Frame/DataType.ts"
import type { DataType, Field, TimeUnit } from "../Frame/DataType.ts"
import * as Build from "./build.ts"
import { type Column, decimalText } from "./column.ts"
import * as F from "./frame.ts"
import type { Frame } from "./frame.ts"
import { unitsPerDay } from "./kernels/temporal.ts"

// ---------------------------------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------------------------------

/** Options of the frame generators (see `Frame/Arbitrary.ts` for the documented public form). */
export interface FrameOptions {
  readonly minRows?: number
  readonly maxRows?: number
  readonly nullRate?: number | { readonly [column: string]: number }
  readonly distinct?: number | { readonly [column: string]: number }
  readonly numbers?: {
    readonly min?: number | bigint
    readonly max?: number | bigint
    readonly nan?: boolean
    readonly infinity?: boolean
    readonly decimals?: number
  }
  readonly strings?: {
    readonly alphabet?: string
    readonly unicode?: boolean
    /** Length bounds in characters; with `unicode`, a character may be a combining pair of 2 code points. */
    readonly minLength?: number
    readonly maxLength?: number
  }
  readonly lists?: { readonly minLength?: number; readonly maxLength?: number }
  readonly dates?: { readonly min?: string; readonly max?: string }
  readonly edgeCases?: boolean
}

/** Options of the schema generators. */
export interface FieldsOptions {
  readonly minColumns?: number
  readonly maxColumns?: number
  readonly dtypes?: ReadonlyArray<DataType>
  readonly nested?: boolean
  readonly prefix?: string
}

export interface Resolved {
  readonly minRows: number
  readonly maxRows: number
  readonly nullRate: (column: string) => number
  readonly distinct: (column: string) => number | undefined
  readonly numMin: number | bigint
  readonly numMax: number | bigint
  readonly nan: boolean
  readonly infinity: boolean
  readonly decimals: number | undefined
  readonly alphabet: ReadonlyArray<string>
  readonly unicode: boolean
  readonly strMin: number
  readonly strMax: number
  readonly listMin: number
  readonly listMax: number
  readonly dayMin: number
  readonly dayMax: number
  readonly edgeRate: number
}

const DEFAULT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-"
/** Non-ASCII characters mixed in when `strings.unicode` is set: 2-, 3- and 4-byte UTF-8, combining marks. */
export const UNICODE_CHARS: ReadonlyArray<string> = ["é", "ß", "ü", "Ω", "ж", "中", "文", "€", "\u00a0", "e\u0301", "😀", "🦆"]

const natural = (name: string, v: number | undefined, dflt: number): number => {
  const x = v ?? dflt
  if (!Number.isInteger(x) || x < 0) throw new RangeError(`${name} must be a non-negative integer, got ${x}`)
  return x
}

const rate = (name: string, v: number): number => {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${v}`)
  return v
}

const parseDay = (name: string, s: string | undefined, dflt: number): number => {
  if (s === undefined) return dflt
  const ms = Date.parse(`${s}T00:00:00Z`)
  if (Number.isNaN(ms)) throw new RangeError(`${name} must be a YYYY-MM-DD date, got ${s}`)
  return Math.floor(ms / 86_400_000)
}

/** Checks and fills in defaults; throws `RangeError` on invalid options (as effect's `Arbitrary.array` does). */
export const resolveFrameOptions = (o: FrameOptions = {}): Resolved => {
  const minRows = natural("minRows", o.minRows, 0)
  const maxRows = natural("maxRows", o.maxRows, Math.max(minRows, 20))
  if (maxRows < minRows) throw new RangeError(`maxRows (${maxRows}) < minRows (${minRows})`)
  const nr = o.nullRate ?? 0.1
  const nullRate =
    typeof nr === "number"
      ? ((r: number) => () => r)(rate("nullRate", nr))
      : (c: string) => rate(`nullRate.${c}`, nr[c] ?? 0.1)
  const ds = o.distinct
  const distinct =
    ds === undefined
      ? () => undefined
      : typeof ds === "number"
        ? ((d: number) => () => d)(Math.max(1, natural("distinct", ds, 1)))
        : (c: string) => (ds[c] === undefined ? undefined : Math.max(1, natural(`distinct.${c}`, ds[c], 1)))
  const numMin = o.numbers?.min ?? -1e6
  const numMax = o.numbers?.max ?? 1e6
  if (numMin > numMax) throw new RangeError(`numbers.min (${numMin}) > numbers.max (${numMax})`)
  const strMin = natural("strings.minLength", o.strings?.minLength, 0)
  const strMax = natural("strings.maxLength", o.strings?.maxLength, Math.max(strMin, 8))
  if (strMax < strMin) throw new RangeError("strings.maxLength < strings.minLength")
  const listMin = natural("lists.minLength", o.lists?.minLength, 0)
  const listMax = natural("lists.maxLength", o.lists?.maxLength, Math.max(listMin, 4))
  if (listMax < listMin) throw new RangeError("lists.maxLength < lists.minLength")
  const dayMin = parseDay("dates.min", o.dates?.min, -25567) // 1900-01-01
  const dayMax = parseDay("dates.max", o.dates?.max, 47846) // 2100-12-31
  if (dayMax < dayMin) throw new RangeError("dates.max < dates.min")
  const alphabet = [...(o.strings?.alphabet ?? DEFAULT_ALPHABET)]
  if (alphabet.length === 0 && strMax > 0 && !o.strings?.unicode) throw new RangeError("strings.alphabet is empty")
  const decimals = o.numbers?.decimals
  if (decimals !== undefined) natural("numbers.decimals", decimals, 0)
  return {
    minRows,
    maxRows,
    nullRate,
    distinct,
    numMin,
    numMax,
    nan: o.numbers?.nan ?? false,
    infinity: o.numbers?.infinity ?? false,
    decimals,
    alphabet,
    unicode: o.strings?.unicode ?? false,
    strMin,
    strMax,
    listMin,
    listMax,
    dayMin,
    dayMax,
    edgeRate: o.edgeCases === false ? 0 : 0.05
  }
}

// ---------------------------------------------------------------------------------------------------------------
// random numbers
// ---------------------------------------------------------------------------------------------------------------

const fmix = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A 32-bit hash of a few integers (murmur3 finalizer chain). */
export const hash = (...xs: ReadonlyArray<number>): number => {
  let h = 0x9e3779b9
  for (const x of xs) h = fmix((h ^ fmix(x | 0)) + 0x7f4a7c15)
  return h
}

const TWO32 = 4294967296

/** A small deterministic PRNG (sfc32). */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  constructor(seed: number) {
    this.a = hash(seed, 1)
    this.b = hash(seed, 2)
    this.c = hash(seed, 3)
    this.d = 1
    for (let i = 0; i < 8; i++) this.next()
  }
  /** A uniform unsigned 32-bit integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }
  /** Uniform in [0, 1), 53 bits. */
  float(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) / 9007199254740992
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p
  }
  /** Uniform integer in [lo, hi] (both safe integers). */
  int(lo: number, hi: number): number {
    if (hi <= lo) return lo
    const width = hi - lo + 1
    return width <= TWO32 ? lo + (this.next() % width) : lo + Math.floor(this.float() * width)
  }
  /** Uniform bigint in [lo, hi]. */
  bigint(lo: bigint, hi: bigint): bigint {
    if (hi <= lo) return lo
    const width = hi - lo + 1n
    let r = 0n
    for (let bits = 0n; 1n << bits < width << 32n; bits += 32n) r = (r << 32n) | BigInt(this.next())
    return lo + (r % width)
  }
  pick<A>(xs: ReadonlyArray<A>): A {
    return xs[this.int(0, xs.length - 1)]!
  }
}

// ---------------------------------------------------------------------------------------------------------------
// values
// ---------------------------------------------------------------------------------------------------------------

const INT_BOUNDS: Record<string, readonly [bigint, bigint]> = {
  Int8: [-128n, 127n],
  Int16: [-32768n, 32767n],
  Int32: [-2147483648n, 2147483647n],
  Int64: [-(1n << 63n), (1n << 63n) - 1n],
  UInt8: [0n, 255n],
  UInt16: [0n, 65535n],
  UInt32: [0n, 4294967295n],
  UInt64: [0n, (1n << 64n) - 1n]
}

const toBigLower = (v: number | bigint, lo: bigint): bigint =>
  typeof v === "bigint" ? v : v === -Infinity ? lo : v === Infinity ? lo : BigInt(Math.ceil(v))
const toBigUpper = (v: number | bigint, hi: bigint): bigint =>
  typeof v === "bigint" ? v : v === Infinity ? hi : v === -Infinity ? hi : BigInt(Math.floor(v))
const clampBig = (v: bigint, lo: bigint, hi: bigint): bigint => (v < lo ? lo : v > hi ? hi : v)

/** Integer bounds of `dtype` intersected with the `numbers` bounds (clamped into the dtype's range). */
export const intBounds = (dtype: DataType, o: Resolved): readonly [bigint, bigint] => {
  const [dlo, dhi] = INT_BOUNDS[dtype._tag] ?? INT_BOUNDS["Int64"]!
  const lo = clampBig(toBigLower(o.numMin, dlo), dlo, dhi)
  const hi = clampBig(toBigUpper(o.numMax, dhi), dlo, dhi)
  return lo <= hi ? [lo, hi] : [lo, lo]
}

/** Float bounds: the `numbers` bounds, finite, and representable as Float32 for Float32. */
export const floatBounds = (dtype: DataType, o: Resolved): readonly [number, number] => {
  const max = dtype._tag === "Float32" ? 3.4028234663852886e38 : Number.MAX_VALUE
  const lo = Math.max(-max, Number(o.numMin))
  const hi = Math.min(max, Number(o.numMax))
  return [lo, hi]
}

type ValueGen = (rng: Rng) => unknown

const withEdges = <A>(o: Resolved, edges: ReadonlyArray<A>, gen: (rng: Rng) => A): ((rng: Rng) => A) =>
  edges.length === 0 || o.edgeRate === 0 ? gen : (rng) => (rng.chance(o.edgeRate) ? rng.pick(edges) : gen(rng))

const bigEdges = (lo: bigint, hi: bigint): Array<bigint> =>
  [...new Set([lo, hi, 0n, 1n, -1n])].filter((v) => v >= lo && v <= hi)

/** A generator of non-null values of `dtype`, in the form `Build.fromValues` accepts. */
export const valueGen = (dtype: DataType, o: Resolved): ValueGen => {
  switch (dtype._tag) {
    case "Null":
      return () => null
    case "Boolean":
      return (rng) => (rng.next() & 1) === 1
    case "Int8":
    case "Int16":
    case "Int32":
    case "UInt8":
    case "UInt16":
    case "UInt32": {
      const [lo, hi] = intBounds(dtype, o)
      const l = Number(lo)
      const h = Number(hi)
      return withEdges(o, bigEdges(lo, hi).map(Number), (rng) => rng.int(l, h))
    }
    case "Int64":
    case "UInt64": {
      const [lo, hi] = intBounds(dtype, o)
      return withEdges(o, bigEdges(lo, hi), (rng) => rng.bigint(lo, hi))
    }
    case "Float32":
    case "Float64": {
      const [lo, hi] = floatBounds(dtype, o)
      const f32 = dtype._tag === "Float32"
      const scale = o.decimals === undefined ? undefined : 10 ** o.decimals
      const clamp = (v: number) => Math.min(hi, Math.max(lo, v))
      const round = (v: number): number => {
        v = clamp(v)
        if (scale !== undefined) v = clamp(Math.round(v * scale) / scale)
        if (f32) {
          const r = Math.fround(v)
          if (r >= lo && r <= hi) v = r
        }
        return v === 0 ? 0 : v // no -0
      }
      const mid = lo / 2 + hi / 2
      const half = hi / 2 - lo / 2
      const edges = [lo, hi, 0, 1, -1, 0.5, -0.5].filter((v) => v >= lo && v <= hi).map(round)
      const special: Array<number> = []
      if (o.nan) special.push(Number.NaN)
      if (o.infinity) special.push(Infinity, -Infinity)
      const base = withEdges(o, edges, (rng) => round(mid + (2 * rng.float() - 1) * half))
      return special.length === 0 ? base : (rng) => (rng.chance(0.08) ? rng.pick(special) : base(rng))
    }
    case "Utf8":
    case "Categorical": {
      const alphabet = o.alphabet
      const extra = o.unicode ? UNICODE_CHARS : []
      const gen = (rng: Rng): string => {
        const n = rng.int(o.strMin, o.strMax)
        let s = ""
        for (let i = 0; i < n; i++)
          s += extra.length > 0 && (alphabet.length === 0 || rng.chance(0.3)) ? rng.pick(extra) : rng.pick(alphabet)
        return s
      }
      const edges = o.strMin === 0 ? [""] : []
      return withEdges(o, edges, gen)
    }
    case "Date":
      return withEdges(o, [o.dayMin, o.dayMax, 0].filter((d) => d >= o.dayMin && d <= o.dayMax), (rng) =>
        rng.int(o.dayMin, o.dayMax)
      )
    case "Timestamp": {
      const per = unitsPerDay(dtype.unit)
      const lo = BigInt(o.dayMin) * per
      const hi = BigInt(o.dayMax + 1) * per - 1n
      return withEdges(o, bigEdges(lo, hi), (rng) => rng.bigint(lo, hi))
    }
    case "Duration": {
      const [lo, hi] = intBounds(DT.Int64, o)
      return withEdges(o, bigEdges(lo, hi), (rng) => rng.bigint(lo, hi))
    }
    case "Decimal": {
      const { precision, scale } = dtype
      const maxAbs = 10n ** BigInt(precision) - 1n
      const k = 10n ** BigInt(scale)
      const scaled = (v: number | bigint, dflt: bigint): bigint =>
        typeof v === "bigint"
          ? v * k
          : !Number.isFinite(v)
            ? dflt
            : Math.abs(v * Number(k)) < 2 ** 53
              ? BigInt(Math.round(v * Number(k)))
              : BigInt(Math.trunc(v)) * k
      const lo = clampBig(scaled(o.numMin, -maxAbs), -maxAbs, maxAbs)
      const hi = clampBig(scaled(o.numMax, maxAbs), -maxAbs, maxAbs)
      const l = clampBig(lo, -maxAbs, hi)
      return withEdges(o, bigEdges(l, hi).map((v) => decimalText(v, scale)), (rng) =>
        decimalText(rng.bigint(l, hi), scale)
      )
    }
    case "List": {
      const inner = valueGen(dtype.inner, o)
      const nullRate = o.nullRate("")
      return (rng) => {
        const n = rng.int(o.listMin, o.listMax)
        const out = new Array<unknown>(n)
        for (let i = 0; i < n; i++) out[i] = rng.chance(nullRate) ? null : inner(rng)
        return out
      }
    }
    case "Struct": {
      const gens = dtype.fields.map((f) => [f.name, valueGen(f.dtype, o)] as const)
      const nullRate = o.nullRate("")
      return (rng) => {
        const out: Record<string, unknown> = {}
        for (const [name, g] of gens) out[name] = rng.chance(nullRate) ? null : g(rng)
        return out
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// frames and schemas
// ---------------------------------------------------------------------------------------------------------------

/** Thrown when a generated column does not build: a bug in the generator, never a user error. */
const buildOrDie = (values: ReadonlyArray<unknown>, dtype: DataType, name: string): Column => {
  const r = Build.fromValues(values, dtype)
  if (r._tag === "Err")
    throw new Error(
      `polaroid generator bug: column "${name}" (${DT.format(dtype)}), row ${r.row}: expected ${r.expected}, found ${r.found}`
    )
  return r.column
}

/** The values of one column for the given row ids (see the module comment for the determinism contract). */
export const columnValues = (
  field: Field,
  column: number,
  o: Resolved,
  seed: number,
  rowIds: ReadonlyArray<number>
): Array<unknown> => {
  const gen = valueGen(field.dtype, o)
  const nullRate = field.dtype._tag === "Null" ? 1 : o.nullRate(field.name)
  const cap = o.distinct(field.name)
  let pool: Array<unknown> | undefined
  if (cap !== undefined) {
    const rng = new Rng(hash(seed, column, -1, 0x5eed))
    pool = Array.from({ length: cap }, () => gen(rng))
  }
  const out = new Array<unknown>(rowIds.length)
  for (let i = 0; i < rowIds.length; i++) {
    const rng = new Rng(hash(seed, column, rowIds[i]!))
    if (rng.chance(nullRate)) out[i] = null
    else out[i] = pool === undefined ? gen(rng) : rng.pick(pool)
  }
  return out
}

/** A frame of `fields` with one row per id in `rowIds`, determined by `seed`. */
export const buildFrame = (
  fields: ReadonlyArray<Field>,
  o: Resolved,
  seed: number,
  rowIds: ReadonlyArray<number>
): Frame => {
  const cols = fields.map((f, j) => buildOrDie(columnValues(f, j, o, seed, rowIds), f.dtype, f.name))
  if (fields.length === 0) return F.unsafeMake([], [{ length: 0, columns: [] }])
  return F.fromColumnsUnsafe(
    fields.map((f) => f.name),
    cols
  )
}

/** Row ids `start, …, start + rows - 1`. */
export const rowRange = (start: number, rows: number): Array<number> => Array.from({ length: rows }, (_, i) => start + i)

const TIME_UNITS: ReadonlyArray<TimeUnit> = ["s", "ms", "us", "ns"]
const TIME_ZONES: ReadonlyArray<string | null> = [null, null, "UTC", "America/New_York", "Asia/Kolkata"]

/** Flat dtypes the schema generator picks from by default (parameterized ones are filled in at random). */
export const PRIMITIVE_TAGS: ReadonlyArray<DataType["_tag"]> = [
  "Int8",
  "Int16",
  "Int32",
  "Int64",
  "UInt8",
  "UInt16",
  "UInt32",
  "UInt64",
  "Float32",
  "Float64",
  "Boolean",
  "Utf8",
  "Categorical",
  "Date",
  "Timestamp",
  "Duration",
  "Decimal"
]

/** A random dtype: one of `pool` when given, else a primitive (or, with `nested`, sometimes a List or Struct). */
export const randomDtype = (rng: Rng, pool: ReadonlyArray<DataType> | undefined, nested: boolean, depth = 0): DataType => {
  if (pool !== undefined && pool.length > 0) return rng.pick(pool)
  if (nested && depth < 2 && rng.chance(0.2)) {
    if (rng.chance(0.5)) return DT.List(randomDtype(rng, undefined, nested, depth + 1))
    const n = rng.int(1, 3)
    return DT.Struct(Array.from({ length: n }, (_, i) => ({ name: `f${i}`, dtype: randomDtype(rng, undefined, nested, depth + 1) })))
  }
  const tag = rng.pick(PRIMITIVE_TAGS)
  switch (tag) {
    case "Timestamp":
      return DT.Timestamp(rng.pick(TIME_UNITS), rng.pick(TIME_ZONES))
    case "Duration":
      return DT.Duration(rng.pick(TIME_UNITS))
    case "Decimal": {
      const p = rng.int(1, 38)
      return DT.Decimal(p, rng.int(0, Math.min(p, 10)))
    }
    default:
      return (DT as unknown as Record<string, DataType>)[tag]!
  }
}

export interface ResolvedFields {
  readonly minColumns: number
  readonly maxColumns: number
  readonly dtypes: ReadonlyArray<DataType> | undefined
  readonly nested: boolean
  readonly prefix: string
}

export const resolveFieldsOptions = (o: FieldsOptions = {}): ResolvedFields => {
  const minColumns = natural("minColumns", o.minColumns, 1)
  const maxColumns = natural("maxColumns", o.maxColumns, Math.max(minColumns, 6))
  if (maxColumns < minColumns) throw new RangeError(`maxColumns (${maxColumns}) < minColumns (${minColumns})`)
  if (o.dtypes !== undefined && o.dtypes.length === 0) throw new RangeError("dtypes is empty")
  return { minColumns, maxColumns, dtypes: o.dtypes, nested: o.nested ?? false, prefix: o.prefix ?? "c" }
}

/** `count` fields named `<prefix>0…`, the dtype of each determined by `(seed, index)`. */
export const buildFields = (o: ResolvedFields, seed: number, count: number): Array<Field> =>
  Array.from({ length: count }, (_, i) => ({
    name: `${o.prefix}${i}`,
    dtype: randomDtype(new Rng(hash(seed, i, 0xf1e1d)), o.dtypes, o.nested)
  }))
