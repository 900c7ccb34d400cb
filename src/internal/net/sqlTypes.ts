/**
 * PostgreSQL ↔ polaroid type mapping for the SQL source and sink.
 *
 * Reading: a query's columns are described from the catalog (type OID, typmod, element type), each column gets a
 * dtype (the default mapping, or the user's override) and a SELECT expression that makes the driver return values
 * losslessly in a plain JS form (timestamps as int8 microseconds, dates as int4 days, json as text, ...), and the
 * fetched values are turned into columns with `build.fromValues`.
 *
 * Writing: each column is sent as ONE text parameter holding a PostgreSQL array literal (`{1,2,NULL}`), cast in
 * SQL to the column's array type and unnested, so every dtype goes through PostgreSQL's own text input.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { DataType, TimeUnit } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import { type BuildResult, fromValues } from "../build.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { civilFromDays } from "../kernels/temporal.ts"

/** One result column as described by the catalog. */
export interface PgColumn {
  readonly name: string
  readonly oid: number
  readonly typmod: number
  /** Element type OID for arrays, 0 otherwise. */
  readonly elemOid: number
  /** `format_type(oid, typmod)`, e.g. `numeric(10,2)` or `integer[]`. */
  readonly typeName: string
}

/** PostgreSQL type OIDs used by the default mapping. */
export const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  name: 19,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  jsonb: 3802
} as const

/** Largest precision of polaroid's Decimal (Arrow Decimal128). */
export const MAX_DECIMAL_PRECISION = 38

/** How a column is read: its dtype, and whether a Decimal's scale still has to be inferred from the data. */
export interface ReadPlan {
  readonly name: string
  readonly pg: PgColumn
  /** The dtype of the output column (for an unconstrained numeric: precision 38, scale fixed by the first batch). */
  dtype: DataType
  /** Unconstrained `numeric` (no typmod, no override): the scale is the largest one seen in the first batch. */
  inferScale: boolean
  /** The SELECT expression over the wrapped query's column. */
  readonly expr: string
}

/** Double-quotes an SQL identifier. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** Single-quotes an SQL string literal. */
export const quoteLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** Precision and scale of a `numeric(p, s)` typmod, or undefined for an unconstrained numeric. */
export const numericTypmod = (typmod: number): { precision: number; scale: number } | undefined =>
  typmod < 4 ? undefined : { precision: ((typmod - 4) >> 16) & 0xffff, scale: (typmod - 4) & 0xffff }

/** The default dtype of a scalar PostgreSQL type, or a message when it has none without an override. */
const scalarDtype = (oid: number, typmod: number): DataType | "inferDecimal" | string => {
  switch (oid) {
    case OID.bool:
      return DT.Boolean
    case OID.int2:
      return DT.Int16
    case OID.int4:
      return DT.Int32
    case OID.int8:
    case OID.oid:
      return DT.Int64
    case OID.float4:
      return DT.Float32
    case OID.float8:
      return DT.Float64
    case OID.numeric: {
      const ps = numericTypmod(typmod)
      if (ps === undefined) return "inferDecimal"
      if (ps.precision > MAX_DECIMAL_PRECISION)
        return `numeric(${ps.precision},${ps.scale}) has more than ${MAX_DECIMAL_PRECISION} digits; pass a dtype (Float64 or Utf8) in options.dtypes`
      return DT.Decimal(ps.precision, ps.scale)
    }
    case OID.date:
      return DT.Date
    case OID.timestamp:
      return DT.Timestamp("us")
    case OID.timestamptz:
      return DT.Timestamp("us", "UTC")
    case OID.interval:
      return DT.Duration("us")
    default:
      // text, varchar, bpchar, name, json, jsonb, and every other type through its text output.
      return DT.Utf8
  }
}

/**
 * The PostgreSQL type a dtype is stored as (CREATE TABLE, and the cast applied when the user overrides a column's
 * dtype), or undefined when there is none (Struct, List of List).
 */
export const pgTypeOf = (dtype: DataType): string | undefined => {
  switch (dtype._tag) {
    case "Null":
    case "Utf8":
    case "Categorical":
      return "text"
    case "Boolean":
      return "boolean"
    case "Int8":
    case "Int16":
    case "UInt8":
      return "smallint"
    case "Int32":
    case "UInt16":
      return "integer"
    case "Int64":
    case "UInt32":
      return "bigint"
    case "UInt64":
      return "numeric(20,0)"
    case "Float32":
      return "real"
    case "Float64":
      return "double precision"
    case "Decimal":
      return `numeric(${dtype.precision},${dtype.scale})`
    case "Date":
      return "date"
    case "Timestamp":
      return dtype.timeZone === null ? "timestamp" : "timestamptz"
    case "Duration":
      return "interval"
    case "List": {
      if (dtype.inner._tag === "List") return undefined
      const inner = pgTypeOf(dtype.inner)
      return inner === undefined ? undefined : `${inner}[]`
    }
    case "Struct":
      return undefined
  }
}

/** The SELECT expression that makes the driver return `ref` (of `dtype`'s PostgreSQL type) in a lossless JS form. */
const scalarExpr = (dtype: DataType, ref: string): string => {
  switch (dtype._tag) {
    case "Date":
      return `(${ref} - DATE '1970-01-01')`
    case "Timestamp":
    case "Duration":
      // numeric on PostgreSQL ≥ 14, so exact; float8 on older servers.
      return `(EXTRACT(EPOCH FROM ${ref}) * 1000000)::int8`
    case "Utf8":
    case "Categorical":
    case "Null":
    case "UInt64":
      return `${ref}::text`
    default:
      return ref
  }
}

const needsElementExpr = (dtype: DataType): boolean => scalarExpr(dtype, "x") !== "x"

/**
 * The read plan of a column: dtype (override or default) and SELECT expression over `ref` (the quoted column of
 * the wrapped query). A string result is the reason the column cannot be read.
 */
export const planColumn = (col: PgColumn, ref: string, override: DataType | undefined): ReadPlan | string => {
  let dtype: DataType
  let inferScale = false
  let source = ref
  if (override !== undefined) {
    const pg = pgTypeOf(override)
    if (pg === undefined) return `dtype ${DT.format(override)} cannot be read from PostgreSQL`
    dtype = override
    source = `(${ref})::${pg}`
  } else if (col.elemOid !== 0) {
    const inner = scalarDtype(col.elemOid, col.typmod)
    if (inner === "inferDecimal") return `${col.typeName}: unconstrained numeric arrays need a dtype in options.dtypes`
    if (typeof inner === "string") return inner
    dtype = DT.List(inner)
  } else {
    const t = scalarDtype(col.oid, col.typmod)
    if (t === "inferDecimal") {
      dtype = DT.Decimal(MAX_DECIMAL_PRECISION, 0)
      inferScale = true
    } else if (typeof t === "string") return t
    else dtype = t
  }
  const isText = (oid: number) => oid === OID.text || oid === OID.varchar || oid === OID.bpchar || oid === OID.name
  let expr: string
  if (dtype._tag === "List") {
    const inner = dtype.inner
    if (inner._tag === "List" || inner._tag === "Struct") return `dtype ${DT.format(dtype)} cannot be read from PostgreSQL`
    const convert = needsElementExpr(inner) && !(override === undefined && inner._tag === "Utf8" && isText(col.elemOid))
    const body = convert
      ? `ARRAY(SELECT ${scalarExpr(inner, "polaroid_u.e")} FROM unnest(${source}) WITH ORDINALITY AS polaroid_u(e, o) ORDER BY polaroid_u.o)`
      : source
    const bodyType = convert
      ? inner._tag === "Date"
        ? "int4[]"
        : inner._tag === "Timestamp" || inner._tag === "Duration"
          ? "int8[]"
          : "text[]"
      : (pgTypeOf(dtype) ?? "text[]")
    // A multi-dimensional array fails with a message naming the column: a cast of a non-constant text (so the
    // planner cannot fold it and fail the whole query) to the body's type.
    const guard = `concat('polaroid: multi-dimensional array in column ', ${quoteLiteral(col.name)}, ': ', ${source}::text)::${bodyType}`
    // NULL first: unnest(NULL) would give an empty array.
    expr = `CASE WHEN ${source} IS NULL THEN NULL WHEN array_ndims(${source}) > 1 THEN ${guard} ELSE ${body} END`
  } else {
    expr = override === undefined && dtype._tag === "Utf8" && isText(col.oid) ? ref : scalarExpr(dtype, source)
  }
  return { name: col.name, pg: col, dtype, inferScale, expr }
}

// ---------------------------------------------------------------------------------------------------------------
// reading: fetched values → columns
// ---------------------------------------------------------------------------------------------------------------

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return (a % b !== 0n && a < 0n) !== b < 0n && a % b !== 0n ? q - 1n : q
}

/** Microseconds (bigint) to the given unit: ns multiplies, ms and s floor-divide (as a cast in Polars). */
const fromMicros = (v: bigint, unit: TimeUnit): bigint =>
  unit === "us" ? v : unit === "ns" ? v * 1000n : unit === "ms" ? floorDiv(v, 1000n) : floorDiv(v, 1_000_000n)

/** Converts driver values in place of a copy to what `fromValues` takes for `dtype`. */
const normalize = (xs: Array<unknown>, dtype: DataType): string | undefined => {
  switch (dtype._tag) {
    case "Timestamp":
    case "Duration": {
      const unit = dtype.unit
      if (unit === "us") return undefined
      for (let i = 0; i < xs.length; i++) {
        const v = xs[i]
        if (typeof v === "bigint") xs[i] = fromMicros(v, unit)
      }
      return undefined
    }
    case "UInt64": {
      for (let i = 0; i < xs.length; i++) {
        const v = xs[i]
        if (typeof v === "string") {
          if (!/^\d+$/.test(v)) return `${v} is not an unsigned integer`
          xs[i] = BigInt(v)
        }
      }
      return undefined
    }
    case "List": {
      const inner = dtype.inner
      if (inner._tag !== "Timestamp" && inner._tag !== "Duration" && inner._tag !== "UInt64") return undefined
      for (let i = 0; i < xs.length; i++) {
        const v = xs[i]
        if (Array.isArray(v)) {
          const copy = v.slice()
          const e = normalize(copy, inner)
          if (e !== undefined) return e
          xs[i] = copy
        }
      }
      return undefined
    }
    default:
      return undefined
  }
}

/** Largest number of fraction digits among numeric texts (for an unconstrained numeric's scale). */
export const maxScale = (rows: ReadonlyArray<ReadonlyArray<unknown>>, j: number): number => {
  let scale = 0
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]![j]
    if (typeof v === "string") {
      const dot = v.indexOf(".")
      if (dot >= 0 && v.length - dot - 1 > scale) scale = v.length - dot - 1
    }
  }
  return Math.min(scale, MAX_DECIMAL_PRECISION)
}

/** Column `j` of the fetched rows as a column of the plan's dtype. */
export const buildColumn = (rows: ReadonlyArray<ReadonlyArray<unknown>>, j: number, dtype: DataType): BuildResult => {
  const n = rows.length
  const xs = new Array<unknown>(n)
  for (let i = 0; i < n; i++) xs[i] = rows[i]![j]
  const problem = normalize(xs, dtype)
  if (problem !== undefined) return { _tag: "Err", row: 0, expected: DT.format(dtype), found: problem }
  return fromValues(xs, dtype)
}

// ---------------------------------------------------------------------------------------------------------------
// writing: columns → PostgreSQL array literals
// ---------------------------------------------------------------------------------------------------------------

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)
const civil = new Int32Array(4)

/** `YYYY-MM-DD` (with ` BC` for years ≤ 0, as PostgreSQL writes them) of a day number since 1970-01-01. */
const dateText = (days: number): { text: string; bc: boolean } => {
  civilFromDays(days, civil)
  const y = civil[0]!
  const bc = y <= 0
  const year = bc ? 1 - y : y
  return { text: `${String(year).padStart(4, "0")}-${pad2(civil[1]!)}-${pad2(civil[2]!)}`, bc }
}

const US_PER_DAY = 86_400_000_000n

/** Timestamp text from microseconds since the epoch: `YYYY-MM-DD HH:MM:SS.ffffff[+00][ BC]`. */
const timestampText = (us: bigint, utc: boolean): string => {
  const days = floorDiv(us, US_PER_DAY)
  let rem = Number(us - days * US_PER_DAY)
  const d = dateText(Number(days))
  const frac = rem % 1_000_000
  rem = (rem - frac) / 1_000_000
  const s = rem % 60
  rem = (rem - s) / 60
  const m = rem % 60
  const h = (rem - m) / 60
  return `${d.text} ${pad2(h)}:${pad2(m)}:${pad2(s)}.${String(frac).padStart(6, "0")}${utc ? "+00" : ""}${d.bc ? " BC" : ""}`
}

/** Interval text from microseconds: `[-]H:MM:SS.ffffff` (hours unbounded, so no calendar units). */
const durationText = (us: bigint): string => {
  const neg = us < 0n
  let a = neg ? -us : us
  const frac = a % 1_000_000n
  a /= 1_000_000n
  const s = a % 60n
  a /= 60n
  const m = a % 60n
  const h = a / 60n
  return `${neg ? "-" : ""}${h}:${pad2(Number(m))}:${pad2(Number(s))}.${String(frac).padStart(6, "0")}`
}

const toMicros = (v: bigint, unit: TimeUnit): bigint =>
  unit === "us" ? v : unit === "ms" ? v * 1000n : unit === "s" ? v * 1_000_000n : floorDiv(v, 1000n)

/** Quotes an array element: `"..."` with `\` and `"` escaped. */
const quoteElement = (s: string): string => {
  let needs = false
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    if (c === 34 || c === 92) {
      needs = true
      break
    }
  }
  return needs ? `"${s.replace(/[\\"]/g, (ch) => `\\${ch}`)}"` : `"${s}"`
}

/**
 * The array-literal element of row `i` of `col` (`NULL` for a null), or an error message (a value PostgreSQL
 * cannot hold: e.g. a NUL character in text).
 */
const elementText = (col: Column, i: number): string => {
  if (col.validity !== null && !Bits.getBit(col.validity, i)) return "NULL"
  const t = col.dtype
  switch (t._tag) {
    case "Null":
      return "NULL"
    case "Boolean":
      return Bits.getBit(col.values as Uint8Array, i) ? "t" : "f"
    case "Utf8":
      return quoteElement(C.stringAt(col, i))
    case "Categorical":
      return quoteElement(C.stringAt(col.dictionary!, (col.values as Int32Array)[i]!))
    case "Float32":
    case "Float64": {
      const x = col.values[i] as number
      return Number.isNaN(x) ? "NaN" : x === Infinity ? "Infinity" : x === -Infinity ? "-Infinity" : String(x)
    }
    case "Decimal":
      return C.decimalToString(col.values as BigInt64Array, i, t.scale)
    case "Date": {
      const d = dateText((col.values as Int32Array)[i]!)
      return d.bc ? `"${d.text} BC"` : d.text
    }
    case "Timestamp":
      return `"${timestampText(toMicros((col.values as BigInt64Array)[i]!, t.unit), t.timeZone !== null)}"`
    case "Duration":
      return `"${durationText(toMicros((col.values as BigInt64Array)[i]!, t.unit))}"`
    case "List": {
      const o = col.offsets!
      const child = col.children![0]!
      const parts: Array<string> = []
      for (let k = o[i]!; k < o[i + 1]!; k++) parts.push(elementText(child, k))
      // A nested array literal is itself an element: quoted, so the outer array stays one-dimensional.
      return quoteElement(`{${parts.join(",")}}`)
    }
    default:
      return String(col.values[i])
  }
}

/** Rows `[start, end)` of `col` as one PostgreSQL array literal (`{1,NULL,3}`). */
export const arrayLiteral = (col: Column, start: number, end: number): string => {
  const parts = new Array<string>(end - start)
  for (let i = start; i < end; i++) parts[i - start] = elementText(col, i)
  return `{${parts.join(",")}}`
}

/**
 * The parameter type (`$k::<type>`) a column is sent as, and the expression over the unnested element `ref` that
 * gives the value to insert. Lists travel as text[] of inner array literals and are cast per row.
 */
export const writeExpr = (dtype: DataType, ref: string): { readonly paramType: string; readonly expr: string } | undefined => {
  const pg = pgTypeOf(dtype)
  if (pg === undefined) return undefined
  if (dtype._tag === "List") return { paramType: "text[]", expr: `${ref}::${pg}` }
  return { paramType: `${pg}[]`, expr: ref }
}
