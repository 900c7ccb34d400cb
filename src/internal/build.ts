/**
 * Building columns from JS values (arrays of numbers, strings, Dates…, or typed arrays), with dtype inference.
 * @internal
 */
import * as DT from "../Frame/DataType.ts"
import type { DataType } from "../Frame/DataType.ts"
import * as Bits from "./bitmap.ts"
import * as C from "./column.ts"
import type { Column } from "./column.ts"

/** A value that does not fit the column's dtype. */
export interface BuildProblem {
  readonly row: number
  readonly expected: string
  readonly found: string
}

export type BuildResult = { readonly _tag: "Ok"; readonly column: Column } | ({ readonly _tag: "Err" } & BuildProblem)

const ok = (column: Column): BuildResult => ({ _tag: "Ok", column })
const err = (row: number, expected: string, value: unknown): BuildResult => ({
  _tag: "Err",
  row,
  expected,
  found: describe(value)
})

export const describe = (v: unknown): string => {
  if (v === null) return "null"
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? "Invalid" : v.toISOString()})`
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (typeof v === "bigint") return `${v}n`
  if (Array.isArray(v)) return "array"
  if (typeof v === "object") return "object"
  return `${typeof v} ${String(v)}`
}

/** The dtype of a typed array given as a column, or undefined for other inputs. */
export const dtypeOfTypedArray = (xs: unknown): DataType | undefined => {
  if (xs instanceof Float64Array) return DT.Float64
  if (xs instanceof Float32Array) return DT.Float32
  if (xs instanceof Int32Array) return DT.Int32
  if (xs instanceof Int16Array) return DT.Int16
  if (xs instanceof Int8Array) return DT.Int8
  if (xs instanceof Uint32Array) return DT.UInt32
  if (xs instanceof Uint16Array) return DT.UInt16
  if (xs instanceof Uint8Array) return DT.UInt8
  if (xs instanceof BigInt64Array) return DT.Int64
  if (xs instanceof BigUint64Array) return DT.UInt64
  return undefined
}

/**
 * Infers a dtype from JS values, as nodejs-polars does: numbers → Float64, bigint → Int64, boolean → Boolean,
 * string → Utf8, Date → Timestamp(ms), arrays → List, plain objects → Struct, all null → Null.
 */
export const inferDtype = (xs: ReadonlyArray<unknown>): DataType => {
  let t: DataType | undefined
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]
    if (v === null || v === undefined) continue
    const vt = inferOne(v, xs, i)
    if (t === undefined) t = vt
    else if (t._tag !== vt._tag) {
      if (DT.isNumeric(t) && DT.isNumeric(vt)) t = DT.Float64
      else return t
    }
    if (t._tag !== "List" && t._tag !== "Struct") return t
  }
  return t ?? DT.Null
}

const inferOne = (v: unknown, xs: ReadonlyArray<unknown>, i: number): DataType => {
  switch (typeof v) {
    case "number":
      return DT.Float64
    case "bigint":
      return DT.Int64
    case "boolean":
      return DT.Boolean
    case "string":
      return DT.Utf8
    default:
      if (v instanceof Date) return DT.Timestamp("ms")
      if (Array.isArray(v)) {
        const inner: Array<unknown> = []
        for (let k = i; k < xs.length; k++) {
          const a = xs[k]
          if (Array.isArray(a)) for (const x of a) inner.push(x)
        }
        return DT.List(inferDtype(inner))
      }
      if (typeof v === "object" && v !== null) {
        const names = new Set<string>()
        for (let k = i; k < xs.length; k++) {
          const o = xs[k]
          if (o !== null && typeof o === "object") for (const key of Object.keys(o)) names.add(key)
        }
        return DT.Struct(
          [...names].map((name) => ({
            name,
            dtype: inferDtype(xs.map((o) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[name] : null)))
          }))
        )
      }
      return DT.Null
  }
}

const UNIT_PER_MS: Record<DT.TimeUnit, bigint> = { s: 1n, ms: 1n, us: 1000n, ns: 1_000_000n }

const toEpochUnit = (v: unknown, unit: DT.TimeUnit): bigint | undefined => {
  if (typeof v === "bigint") return v
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v)
  if (v instanceof Date) {
    const ms = v.getTime()
    if (Number.isNaN(ms)) return undefined
    return unit === "s" ? BigInt(Math.floor(ms / 1000)) : BigInt(ms) * UNIT_PER_MS[unit]
  }
  if (typeof v === "string") {
    const ms = Date.parse(v)
    if (Number.isNaN(ms)) return undefined
    return unit === "s" ? BigInt(Math.floor(ms / 1000)) : BigInt(ms) * UNIT_PER_MS[unit]
  }
  return undefined
}

const parseDecimal = (v: unknown, scale: number): bigint | undefined => {
  if (typeof v === "bigint") return v * 10n ** BigInt(scale)
  const s = typeof v === "number" ? (Number.isFinite(v) ? v.toFixed(scale) : undefined) : typeof v === "string" ? v.trim() : undefined
  if (s === undefined) return undefined
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s)
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) return undefined
  const frac = (m[3] ?? "").padEnd(scale, "0")
  if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) return undefined
  const digits = BigInt((m[2] || "0") + frac.slice(0, scale))
  return m[1] === "-" ? -digits : digits
}

const INT_RANGE: Record<string, readonly [number, number]> = {
  Int8: [-128, 127],
  Int16: [-32768, 32767],
  Int32: [-2147483648, 2147483647],
  UInt8: [0, 255],
  UInt16: [0, 65535],
  UInt32: [0, 4294967295],
  Date: [-2147483648, 2147483647],
  Categorical: [0, 2147483647]
}

/**
 * Builds a column of `dtype` from JS values (null/undefined → null). Numbers into integer dtypes must be integers
 * in range; Timestamp accepts Date, ISO strings, or integers in the unit; Date accepts Date, "YYYY-MM-DD" strings or
 * day numbers; Decimal accepts strings, numbers or bigints. Fails with the first row that does not fit.
 */
export const fromValues = (xs: ReadonlyArray<unknown>, dtype: DataType = inferDtype(xs)): BuildResult => {
  const n = xs.length
  let validity: Uint8Array | null = null
  const markNull = (i: number) => {
    if (validity === null) validity = Bits.allSet(n)
    Bits.clearBit(validity, i)
  }
  switch (dtype._tag) {
    case "Null": {
      for (let i = 0; i < n; i++) if (xs[i] != null) return err(i, "null", xs[i])
      return ok(C.nulls(DT.Null, n))
    }
    case "Boolean": {
      const bits = new Uint8Array(Bits.bytesFor(n))
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) markNull(i)
        else if (typeof v === "boolean") {
          if (v) Bits.setBit(bits, i)
        } else return err(i, "boolean", v)
      }
      return ok(C.make(dtype, n, bits, validity))
    }
    case "Utf8": {
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v != null && typeof v !== "string") return err(i, "string", v)
      }
      return ok(C.fromStrings(xs as ReadonlyArray<string | null>))
    }
    case "Categorical": {
      const index = new Map<string, number>()
      const dict: Array<string> = []
      const codes = new Int32Array(n)
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) {
          markNull(i)
          continue
        }
        if (typeof v !== "string") return err(i, "string", v)
        let code = index.get(v)
        if (code === undefined) {
          code = dict.length
          dict.push(v)
          index.set(v, code)
        }
        codes[i] = code
      }
      return ok(C.make(dtype, n, codes, validity, { dictionary: C.fromStrings(dict) }))
    }
    case "Int64":
    case "UInt64":
    case "Timestamp":
    case "Duration": {
      const out = C.allocValues(dtype, n) as BigInt64Array | BigUint64Array
      const unit = dtype._tag === "Timestamp" ? dtype.unit : "ms"
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) {
          markNull(i)
          continue
        }
        let b: bigint | undefined
        if (dtype._tag === "Timestamp") b = toEpochUnit(v, unit)
        else if (typeof v === "bigint") b = v
        else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v)
        if (b === undefined) return err(i, dtype._tag === "Timestamp" ? "Date, ISO string or integer" : "integer", v)
        if (dtype._tag === "UInt64" ? b < 0n || b >= 1n << 64n : b < -(1n << 63n) || b >= 1n << 63n)
          return err(i, `${DT.format(dtype)} in range`, v)
        out[i] = b
      }
      return ok(C.make(dtype, n, out, validity))
    }
    case "Decimal": {
      const out = new BigInt64Array(2 * n)
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) {
          markNull(i)
          continue
        }
        const d = parseDecimal(v, dtype.scale)
        if (d === undefined || (d < 0n ? -d : d) >= 10n ** BigInt(dtype.precision))
          return err(i, `decimal(${dtype.precision},${dtype.scale})`, v)
        out[2 * i] = BigInt.asIntN(64, d)
        out[2 * i + 1] = BigInt.asIntN(64, d >> 64n)
      }
      return ok(C.make(dtype, n, out, validity))
    }
    case "Date": {
      const out = new Int32Array(n)
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) {
          markNull(i)
          continue
        }
        let d: number | undefined
        if (typeof v === "number" && Number.isInteger(v)) d = v
        else if (v instanceof Date && !Number.isNaN(v.getTime())) d = Math.floor(v.getTime() / 86_400_000)
        else if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
          const ms = Date.parse(`${v}T00:00:00Z`)
          if (!Number.isNaN(ms)) d = ms / 86_400_000
        }
        if (d === undefined) return err(i, "Date, YYYY-MM-DD string or day number", v)
        out[i] = d
      }
      return ok(C.make(dtype, n, out, validity))
    }
    case "List": {
      const offsets = new Int32Array(n + 1)
      const inner: Array<unknown> = []
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) markNull(i)
        else if (Array.isArray(v)) for (const x of v) inner.push(x)
        else return err(i, "array", v)
        offsets[i + 1] = inner.length
      }
      const child = fromValues(inner, dtype.inner)
      if (child._tag === "Err") return child
      return ok(C.make(dtype, n, new Uint8Array(0), validity, { offsets, children: [child.column] }))
    }
    case "Struct": {
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) markNull(i)
        else if (typeof v !== "object" || Array.isArray(v) || v instanceof Date) return err(i, "object", v)
      }
      const children: Array<Column> = []
      for (const f of dtype.fields) {
        const r = fromValues(
          xs.map((o) => (o == null ? null : (o as Record<string, unknown>)[f.name])),
          f.dtype
        )
        if (r._tag === "Err") return r
        children.push(r.column)
      }
      return ok(C.make(dtype, n, new Uint8Array(0), validity, { children }))
    }
    case "Float32":
    case "Float64": {
      const out = C.allocValues(dtype, n) as Float64Array
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) markNull(i)
        else if (typeof v === "number") out[i] = v
        else if (typeof v === "bigint") out[i] = Number(v)
        else return err(i, "number", v)
      }
      return ok(C.make(dtype, n, out, validity))
    }
    default: {
      const out = C.allocValues(dtype, n) as Int32Array
      const [lo, hi] = INT_RANGE[dtype._tag]!
      for (let i = 0; i < n; i++) {
        const v = xs[i]
        if (v == null) {
          markNull(i)
          continue
        }
        const x = typeof v === "bigint" ? Number(v) : v
        if (typeof x !== "number" || !Number.isInteger(x) || x < lo || x > hi)
          return err(i, `integer in [${lo}, ${hi}] (${DT.format(dtype)})`, v)
        out[i] = x
      }
      return ok(C.make(dtype, n, out, validity))
    }
  }
}

/** A column from a typed array, zero-copy (the array is shared, never written to). */
export const fromTypedArray = (xs: C.Values, dtype: DataType = dtypeOfTypedArray(xs)!): Column =>
  C.make(dtype, xs.length, xs, null)
