/**
 * DuckDB as a test oracle: load a polaroid Frame into a DuckDB table (typed CREATE TABLE + INSERT of literals),
 * run SQL, and compare rows read back from both sides after normalizing them (see `Cell`), as multisets or as
 * ordered lists, with a float tolerance and a readable diff.
 *
 * One `Oracle` per test file: `const db = await Oracle.make()` in `beforeAll`, `db.close()` in `afterAll`.
 */
import {
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue
} from "@duckdb/node-api"
import * as DT from "../../src/Frame/DataType.ts"
import type { DataType } from "../../src/Frame/DataType.ts"
import * as Bits from "../../src/internal/bitmap.ts"
import * as C from "../../src/internal/column.ts"
import type { Column } from "../../src/internal/column.ts"
import { contiguous, type Frame } from "../../src/internal/frame.ts"

// ---------------------------------------------------------------------------------------------------------------
// normalized cells
// ---------------------------------------------------------------------------------------------------------------

/**
 * A value normalized for comparison: integers as numbers when safe (else bigint), floats and decimals as numbers,
 * Date as days since the epoch, Timestamp as nanoseconds since the epoch, Duration as its count, Utf8 and
 * Categorical as strings, List as arrays, Struct as objects.
 */
export type Cell = null | boolean | number | bigint | string | ReadonlyArray<Cell> | { readonly [k: string]: Cell }
export type Row = ReadonlyArray<Cell>

const SAFE = 2n ** 53n
const normInt = (b: bigint): number | bigint => (b <= SAFE && b >= -SAFE ? Number(b) : b)

const NANOS: Record<DT.TimeUnit, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, ns: 1n }

/** The normalized value of row `i` of a polaroid column. */
export const cellOf = (col: Column, i: number): Cell => {
  if (!C.isValid(col, i)) return null
  const t = col.dtype
  switch (t._tag) {
    case "Null":
      return null
    case "Boolean":
      return Bits.getBit(col.values as Uint8Array, i)
    case "Utf8":
      return C.stringAt(col, i)
    case "Categorical":
      return C.stringAt(col.dictionary!, (col.values as Int32Array)[i]!)
    case "Date":
      return (col.values as Int32Array)[i]!
    case "Timestamp":
      return normInt((col.values as BigInt64Array)[i]! * NANOS[t.unit])
    case "Int64":
    case "UInt64":
    case "Duration":
      return normInt(BigInt(col.values[i]!))
    case "Decimal":
      return Number(C.decimalToString(col.values as BigInt64Array, i, t.scale))
    case "List": {
      const o = col.offsets!
      const out: Array<Cell> = []
      for (let k = o[i]!; k < o[i + 1]!; k++) out.push(cellOf(col.children![0]!, k))
      return out
    }
    case "Struct": {
      const out: Record<string, Cell> = {}
      t.fields.forEach((f, k) => {
        out[f.name] = cellOf(col.children![k]!, i)
      })
      return out
    }
    default:
      return col.values[i] as number
  }
}

/** The rows of a frame, normalized, optionally only the named columns (in that order). */
export const frameRows = (frame: Frame, columns?: ReadonlyArray<string>): Array<Row> => {
  const all = contiguous(frame)
  const idx = (columns ?? frame.columns).map((n) => {
    const j = frame.columns.indexOf(n)
    if (j < 0) throw new Error(`frameRows: no column "${n}" in [${frame.columns.join(", ")}]`)
    return j
  })
  const out: Array<Row> = []
  for (let i = 0; i < frame.height; i++) out.push(idx.map((j) => cellOf(all[j]!, i)))
  return out
}

/** A DuckDB value, normalized like `cellOf`. */
export const cellOfDuck = (v: DuckDBValue): Cell => {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v
  if (typeof v === "bigint") return normInt(v)
  if (v instanceof DuckDBDecimalValue) return v.toDouble()
  if (v instanceof DuckDBDateValue) return v.days
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return normInt(v.micros * 1000n)
  if (v instanceof DuckDBTimestampMillisecondsValue) return normInt(v.millis * 1_000_000n)
  if (v instanceof DuckDBTimestampSecondsValue) return normInt(v.seconds * 1_000_000_000n)
  if (v instanceof DuckDBTimestampNanosecondsValue) return normInt(v.nanos)
  if (v instanceof DuckDBListValue) return v.items.map(cellOfDuck)
  if (v instanceof DuckDBStructValue) {
    const out: Record<string, Cell> = {}
    for (const [k, x] of Object.entries(v.entries)) out[k] = cellOfDuck(x)
    return out
  }
  return String(v)
}

// ---------------------------------------------------------------------------------------------------------------
// SQL
// ---------------------------------------------------------------------------------------------------------------

/** A double-quoted SQL identifier. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`
/** A single-quoted SQL string literal. */
export const str = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** The DuckDB type of a polaroid dtype (timestamps as naive instants in their unit; durations as BIGINT counts). */
export const sqlType = (t: DataType): string => {
  switch (t._tag) {
    case "Null":
      return "INTEGER"
    case "Int8":
      return "TINYINT"
    case "Int16":
      return "SMALLINT"
    case "Int32":
      return "INTEGER"
    case "Int64":
      return "BIGINT"
    case "UInt8":
      return "UTINYINT"
    case "UInt16":
      return "USMALLINT"
    case "UInt32":
      return "UINTEGER"
    case "UInt64":
      return "UBIGINT"
    case "Float32":
      return "FLOAT"
    case "Float64":
      return "DOUBLE"
    case "Boolean":
      return "BOOLEAN"
    case "Utf8":
    case "Categorical":
      return "VARCHAR"
    case "Date":
      return "DATE"
    case "Timestamp":
      return t.unit === "s" ? "TIMESTAMP_S" : t.unit === "ms" ? "TIMESTAMP_MS" : t.unit === "us" ? "TIMESTAMP" : "TIMESTAMP_NS"
    case "Duration":
      return "BIGINT"
    case "Decimal":
      return `DECIMAL(${t.precision},${t.scale})`
    case "List":
      return `${sqlType(t.inner)}[]`
    case "Struct":
      return `STRUCT(${t.fields.map((f) => `${ident(f.name)} ${sqlType(f.dtype)}`).join(", ")})`
  }
}

/** A float as a SQL literal of the given type, exact (shortest round-trip text), NaN and ±Infinity included. */
export const floatLiteral = (v: number, type: "DOUBLE" | "FLOAT" = "DOUBLE"): string =>
  Number.isNaN(v) ? `'nan'::${type}` : v === Infinity ? `'inf'::${type}` : v === -Infinity ? `'-inf'::${type}` : `'${String(v)}'::${type}`

/** Row `i` of a polaroid column as a SQL literal of `sqlType(col.dtype)`. */
export const literalOf = (col: Column, i: number): string => {
  if (!C.isValid(col, i)) return "NULL"
  const t = col.dtype
  switch (t._tag) {
    case "Null":
      return "NULL"
    case "Boolean":
      return Bits.getBit(col.values as Uint8Array, i) ? "true" : "false"
    case "Utf8":
      return str(C.stringAt(col, i))
    case "Categorical":
      return str(C.stringAt(col.dictionary!, (col.values as Int32Array)[i]!))
    case "Float32":
    case "Float64":
      return floatLiteral(col.values[i] as number, t._tag === "Float32" ? "FLOAT" : "DOUBLE")
    case "Date":
      return `(DATE '1970-01-01' + ${(col.values as Int32Array)[i]!})`
    case "Timestamp": {
      const v = (col.values as BigInt64Array)[i]!
      return t.unit === "ns" ? `make_timestamp_ns(${v})` : `make_timestamp(${v * (NANOS[t.unit] / 1000n)})::${sqlType(t)}`
    }
    case "Decimal":
      return `${C.decimalToString(col.values as BigInt64Array, i, t.scale)}::${sqlType(t)}`
    case "List": {
      const o = col.offsets!
      const items: Array<string> = []
      for (let k = o[i]!; k < o[i + 1]!; k++) items.push(literalOf(col.children![0]!, k))
      return `[${items.join(", ")}]::${sqlType(t)}`
    }
    case "Struct":
      return `{${t.fields.map((f, k) => `${str(f.name)}: ${literalOf(col.children![k]!, i)}`).join(", ")}}::${sqlType(t)}`
    default:
      return String(col.values[i])
  }
}

/** SQL that (re)creates table `name` with the frame's columns, plus an INTEGER row index column if asked. */
export const loadSql = (name: string, frame: Frame, rowIndex?: string): Array<string> => {
  const cols = contiguous(frame)
  const defs = frame.schema.map((f) => `${ident(f.name)} ${sqlType(f.dtype)}`)
  if (rowIndex !== undefined) defs.push(`${ident(rowIndex)} INTEGER`)
  const out = [`CREATE OR REPLACE TABLE ${ident(name)} (${defs.join(", ")})`]
  if (frame.height > 0) {
    const rows: Array<string> = []
    for (let i = 0; i < frame.height; i++) {
      const vals = cols.map((c) => literalOf(c, i))
      if (rowIndex !== undefined) vals.push(String(i))
      rows.push(`(${vals.join(", ")})`)
    }
    out.push(`INSERT INTO ${ident(name)} VALUES ${rows.join(", ")}`)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// comparison
// ---------------------------------------------------------------------------------------------------------------

export interface Tolerance {
  /** Relative tolerance for numbers (default 1e-9). */
  readonly rtol?: number
  /** Absolute tolerance for numbers (default 1e-9). */
  readonly atol?: number
}

const isNum = (c: Cell): c is number | bigint => typeof c === "number" || typeof c === "bigint"

/** Whether two cells are equal: numbers within tolerance (NaN equals NaN, -0 equals 0), the rest exactly. */
export const cellEquals = (a: Cell, b: Cell, tol: Tolerance = {}): boolean => {
  if (a === null || b === null) return a === b
  if (isNum(a) && isNum(b)) {
    if (typeof a === "bigint" && typeof b === "bigint") return a === b
    const x = Number(a)
    const y = Number(b)
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y)
    if (x === y) return true
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false
    return Math.abs(x - y) <= (tol.atol ?? 1e-9) + (tol.rtol ?? 1e-9) * Math.max(Math.abs(x), Math.abs(y))
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => cellEquals(x, b[i] as Cell, tol))
  }
  if (typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a)
    const kb = Object.keys(b as object)
    const bo = b as { readonly [k: string]: Cell }
    return ka.length === kb.length && ka.every((k) => k in bo && cellEquals((a as { readonly [k: string]: Cell })[k]!, bo[k]!, tol))
  }
  return a === b
}

const rank = (c: Cell): number =>
  c === null ? 0 : typeof c === "boolean" ? 1 : isNum(c) ? 2 : typeof c === "string" ? 3 : Array.isArray(c) ? 4 : 5

/** A total order on cells (null first, NaN above numbers), used to align rows of two multisets. */
export const compareCells = (a: Cell, b: Cell): number => {
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  if (a === null) return 0
  if (typeof a === "boolean") return Number(a) - Number(b as boolean)
  if (isNum(a)) {
    const x = Number(a)
    const y = Number(b as number | bigint)
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y))
    if (x !== y) return x < y ? -1 : 1
    if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0
    return 0
  }
  if (typeof a === "string") return a < (b as string) ? -1 : a > (b as string) ? 1 : 0
  if (Array.isArray(a)) return compareRows(a, b as ReadonlyArray<Cell>)
  return compareRows(Object.values(a as object) as ReadonlyArray<Cell>, Object.values(b as object) as ReadonlyArray<Cell>)
}

export const compareRows = (a: Row, b: Row): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareCells(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return a.length - b.length
}

/** A cell as text: strings quoted, bigints with `n`. */
export const showCell = (c: Cell): string => {
  if (c === null) return "null"
  if (typeof c === "bigint") return `${c}n`
  if (typeof c === "string") return JSON.stringify(c)
  if (typeof c === "number") return Object.is(c, -0) ? "-0" : String(c)
  if (typeof c === "boolean") return String(c)
  if (Array.isArray(c)) return `[${c.map(showCell).join(", ")}]`
  return `{${Object.entries(c as object).map(([k, v]) => `${k}: ${showCell(v as Cell)}`).join(", ")}}`
}

export const showRow = (r: Row): string => `(${r.map(showCell).join(", ")})`

const showTable = (title: string, rows: ReadonlyArray<Row>, limit = 30): string =>
  `${title} (${rows.length} rows):\n${rows
    .slice(0, limit)
    .map((r, i) => `  ${i}: ${showRow(r)}`)
    .join("\n")}${rows.length > limit ? `\n  … ${rows.length - limit} more` : ""}`

export interface CompareOptions extends Tolerance {
  /** Compare in order (default false: as multisets). */
  readonly ordered?: boolean
  /** Column names, for the diff. */
  readonly columns?: ReadonlyArray<string>
}

/**
 * Compares polaroid rows (`actual`) with DuckDB rows (`expected`). Returns undefined when they agree, else a diff:
 * the first rows that differ (after sorting both, for multisets), rows only on one side, and both tables.
 */
export const diffRows = (actual: ReadonlyArray<Row>, expected: ReadonlyArray<Row>, options: CompareOptions = {}): string | undefined => {
  const a = options.ordered ? actual : [...actual].sort(compareRows)
  const e = options.ordered ? expected : [...expected].sort(compareRows)
  const rowEq = (x: Row, y: Row) => x.length === y.length && x.every((c, i) => cellEquals(c, y[i]!, options))
  const bad: Array<number> = []
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (i >= a.length || i >= e.length || !rowEq(a[i]!, e[i]!)) bad.push(i)
  }
  if (bad.length === 0) return undefined
  const head = options.columns === undefined ? "" : `columns: (${options.columns.join(", ")})\n`
  const lines = bad
    .slice(0, 8)
    .map((i) => `  row ${i}: polaroid ${a[i] === undefined ? "<none>" : showRow(a[i]!)}  duckdb ${e[i] === undefined ? "<none>" : showRow(e[i]!)}`)
  // rows present on one side only (by tolerant matching), for multisets
  let only = ""
  if (!options.ordered) {
    const used = new Array<boolean>(e.length).fill(false)
    const onlyA: Array<Row> = []
    for (const r of a) {
      const j = e.findIndex((x, k) => !used[k] && rowEq(r, x))
      if (j >= 0) used[j] = true
      else onlyA.push(r)
    }
    const onlyE = e.filter((_, k) => !used[k])
    only = `\nonly in polaroid: ${onlyA.slice(0, 8).map(showRow).join(" ")}\nonly in duckdb:   ${onlyE.slice(0, 8).map(showRow).join(" ")}`
  }
  return `${head}${options.ordered ? "ordered" : "multiset"} mismatch: ${a.length} polaroid rows vs ${e.length} duckdb rows, ${bad.length} differing positions\n${lines.join("\n")}${only}\n${showTable("polaroid", a)}\n${showTable("duckdb", e)}`
}

// ---------------------------------------------------------------------------------------------------------------
// the oracle
// ---------------------------------------------------------------------------------------------------------------

export interface QueryResult {
  readonly columns: ReadonlyArray<string>
  readonly rows: Array<Row>
}

/** An in-memory DuckDB database with one connection. */
export class Oracle {
  readonly instance: DuckDBInstance
  readonly connection: DuckDBConnection
  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.instance = instance
    this.connection = connection
  }
  static async make(): Promise<Oracle> {
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" })
    return new Oracle(instance, await instance.connect())
  }
  /** Runs statements for their effect. */
  async run(...sql: ReadonlyArray<string>): Promise<void> {
    for (const s of sql) await this.connection.run(s)
  }
  /** Loads a frame as table `name` (replacing it), with an INTEGER row-index column `rowIndex` if given. */
  async load(name: string, frame: Frame, rowIndex?: string): Promise<void> {
    await this.run(...loadSql(name, frame, rowIndex))
  }
  /** Runs a query and returns its normalized rows. */
  async query(sql: string): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql)
    return { columns: reader.columnNames(), rows: reader.getRows().map((r) => r.map(cellOfDuck)) }
  }
  close(): void {
    this.connection.closeSync()
    this.instance.closeSync()
  }
}

/** Whether a dtype is a float (for choosing tolerances). */
export const isFloatType = (t: DataType): boolean => DT.isFloat(t)
