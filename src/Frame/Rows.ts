/**
 * Frames from rows validated by an Effect `Schema` struct.
 *
 * @since 0.1.0
 */
import * as BigDecimal from "effect/BigDecimal"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import * as Build from "../internal/build.ts"
import type { Column } from "../internal/column.ts"
import * as F from "../internal/frame.ts"
import * as DT from "./DataType.ts"
import type { DataType } from "./DataType.ts"
import { RowDecodeError, ShapeMismatch } from "./Errors.ts"

/**
 * The value a frame column gives back (in `toRows`) for a Schema field of type `V`: `DateTime` values come back
 * as `Date` (Timestamp columns), `undefined` as `null`, and arrays and structs element-wise.
 * @since 0.1.0 @category models
 */
export type Stored<V> = V extends undefined
  ? null
  : V extends string | number | boolean | bigint | null
    ? V
    : V extends DateTime.DateTime
      ? Date
      : V extends BigDecimal.BigDecimal
        ? string
        : V extends Date
          ? Date
          : V extends ReadonlyArray<infer X>
            ? ReadonlyArray<Stored<X>>
            : V extends (...args: ReadonlyArray<never>) => unknown
              ? V
              : V extends object
                ? RowOf<V>
                : V

/**
 * The static row type of a frame built from rows of type `T` (a Schema's `Type`): every key present (an optional
 * field is `null` where missing), values as `Stored`.
 * @since 0.1.0 @category models
 */
export type RowOf<T> = {
  readonly [K in keyof T]-?: Stored<T[K]> | ({} extends Pick<T, K> ? null : never)
}

/** Options of `fromRows`. @since 0.1.0 @category models */
export interface FromRowsOptions<T> {
  /**
   * The dtype of some fields, instead of the one derived from the Schema (e.g. `{ ts: DataType.Timestamp("us",
   * "UTC"), qty: DataType.Int32, px: DataType.Decimal(12, 4) }`). The decoded values must fit it.
   */
  readonly dtypes?: { readonly [K in keyof T]?: DataType }
}

/** A struct schema (its AST is an `Objects` node) that decodes without services. */
type RowSchema = Schema.Top & { readonly DecodingServices: never; readonly ast: SchemaAST.Objects }

/**
 * A frame from row objects, each decoded (validated and transformed) by the Effect Schema struct `schema`; one
 * column per field of the struct, in field order.
 *
 * **Details**
 *
 * dtypes follow the field schemas (nodejs-polars' choices for JS values): `String`/template literals → Utf8,
 * `Number`/`Finite`/`Int` → Float64, `BigInt` → Int64, `Boolean` → Boolean, `Date` → Timestamp(ms),
 * `DateTimeUtc` → Timestamp(ms, "UTC"), a union of string literals (`Literals([...])`, string `Enum`s) →
 * Categorical, `BigDecimal` → Decimal(38, largest scale seen), `NullOr(X)` / `optional(X)` → X with nulls,
 * `Array(X)` → List(X), `Struct({...})` → Struct. Other field schemas (Unknown, unions of unlike types…) get the
 * dtype inferred from the decoded values, as `Frame.make` does. `options.dtypes` overrides any field's dtype.
 * The whole array is decoded in one pass (Schema's parser), so a frame is built from the decoded values only.
 *
 * Shape: `rows.length` rows × one column per struct field.
 * **Errors** `RowDecodeError` for the first row that does not decode: its 0-based `row` index, the failing
 * `field` (`""` when the row itself is not an object) and Effect's description of the issue; `ShapeMismatch`
 * when a decoded value does not fit a dtype given in `options.dtypes` (names the column and row).
 *
 * **Example**
 * ```ts
 * const Trade = Schema.Struct({ sym: Schema.Literals(["IBM", "AAPL"]), px: Schema.Finite, ts: Schema.Date })
 * const frame = yield* Frame.fromRows(Trade, [{ sym: "IBM", px: 140.5, ts: new Date() }])
 * // Frame<{ readonly sym: "IBM" | "AAPL"; readonly px: number; readonly ts: Date }>: cat, f64, datetime[ms]
 * ```
 * @since 0.1.0 @category constructors
 */
export const fromRows = <S extends RowSchema>(
  schema: S,
  rows: ReadonlyArray<unknown>,
  options: FromRowsOptions<S["Type"]> = {}
): Effect.Effect<F.Frame<RowOf<S["Type"]>>, RowDecodeError | ShapeMismatch> =>
  Effect.suspend((): Effect.Effect<F.Frame<RowOf<S["Type"]>>, RowDecodeError | ShapeMismatch> => {
    const ast: SchemaAST.AST = schema.ast
    if (ast._tag !== "Objects")
      return Effect.fail(
        new ShapeMismatch({ message: `fromRows needs a Schema.Struct, got a schema of kind ${ast._tag}` })
      )
    const decoded = Schema.decodeUnknownResult(Schema.Array(schema as Schema.Top as Schema.Codec<unknown>))(rows, {
      errors: "first",
      reportInput: true
    })
    if (Result.isFailure(decoded)) return Effect.fail(toRowDecodeError(decoded.failure.issue))
    const built = fromDecoded(ast, decoded.success as ReadonlyArray<Record<PropertyKey, unknown>>, options.dtypes ?? {})
    return built._tag === "Ok"
      ? Effect.succeed(built.frame as F.Frame<RowOf<S["Type"]>>)
      : Effect.fail(new ShapeMismatch({ message: built.message }))
  })

/**
 * The frame of rows already decoded by the struct schema whose AST is `ast` (the second half of `fromRows`, for
 * sources that decode row by row themselves, e.g. the WebSocket source): one column per field, dtypes as
 * `fromRows` gives them. A value that does not fit a dtype override is an `Err` naming the column and row.
 * @internal
 */
export const fromDecoded = (
  ast: SchemaAST.Objects,
  values: ReadonlyArray<Record<PropertyKey, unknown>>,
  dtypes: { readonly [name: string]: DataType | undefined }
): { readonly _tag: "Ok"; readonly frame: F.Frame } | { readonly _tag: "Err"; readonly message: string } => {
  const n = values.length
  const names: Array<string> = []
  const cols: Array<Column> = []
  for (const ps of ast.propertySignatures) {
    const key = ps.name
    if (typeof key === "symbol") continue
    const name = String(key)
    const xs = new Array<unknown>(n)
    for (let i = 0; i < n; i++) xs[i] = values[i]![key]
    const plan = planOf(ps.type)
    if (plan.normalize) for (let i = 0; i < n; i++) xs[i] = normalize(xs[i])
    const dtype = dtypes[name] ?? plan.dtype ?? (plan.decimal ? decimalFor(xs) : undefined)
    const r = Build.fromValues(xs, dtype)
    if (r._tag === "Err") return { _tag: "Err", message: `column "${name}", row ${r.row}: expected ${r.expected}, found ${r.found}` }
    names.push(name)
    cols.push(r.column)
  }
  const frame = cols.length === 0 ? F.unsafeMake([], [{ length: n, columns: [] }]) : F.fromColumnsUnsafe(names, cols)
  return { _tag: "Ok", frame }
}

// ---------------------------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------------------------

/**
 * Finds the first failing path in an issue tree (following `Pointer`s through `Composite`s, `Filter`s and
 * `Encoding`s), and the issue at the row's field.
 */
const toRowDecodeError = (issue: SchemaIssue.Issue): RowDecodeError => {
  const path: Array<PropertyKey> = []
  let cur: SchemaIssue.Issue = issue
  for (;;) {
    if (cur._tag === "Pointer") {
      path.push(...cur.path)
      cur = cur.issue
    } else if (cur._tag === "Composite") cur = cur.issues[0]
    else if ((cur._tag === "Filter" || cur._tag === "Encoding") && isBranch(cur.issue)) cur = cur.issue
    else break
  }
  const row = typeof path[0] === "number" ? path[0] : Number(path[0] ?? 0)
  const field = path.length >= 2 ? String(path[1]) : ""
  const rest = path.slice(2)
  const text = formatIssue(rest.length > 0 ? new SchemaIssue.Pointer(rest, cur) : cur)
  return new RowDecodeError({ row, field, issue: text.replace(/\s*\n\s*/g, " ").trim() })
}

const isBranch = (issue: SchemaIssue.Issue): boolean => issue._tag === "Pointer" || issue._tag === "Composite"

const formatIssue = SchemaIssue.makeFormatterDefault()

// ---------------------------------------------------------------------------------------------------------------
// dtypes from the schema AST
// ---------------------------------------------------------------------------------------------------------------

interface Plan {
  /** The dtype, or undefined to infer from the values (or from `decimal`). */
  readonly dtype: DataType | undefined
  /** Values need converting (DateTime → Date, BigDecimal → string) before building the column. */
  readonly normalize: boolean
  /** A BigDecimal field: Decimal(38, largest scale). */
  readonly decimal: boolean
}

const representationId = (ast: SchemaAST.AST): string | undefined => {
  const r = (ast.annotations as { readonly representation?: { readonly id?: unknown } } | undefined)?.representation
  return typeof r?.id === "string" ? r.id : undefined
}

const isNullish = (ast: SchemaAST.AST): boolean =>
  ast._tag === "Null" || ast._tag === "Undefined" || ast._tag === "Void"

const planOf = (ast: SchemaAST.AST): Plan => {
  const dtype = dtypeOf(ast)
  const id = representationId(stripNullish(ast))
  return {
    dtype,
    normalize: dtype === undefined || needsNormalize(ast, 0),
    decimal: id === "effect/schema/BigDecimal"
  }
}

/** The non-null member of `NullOr(X)` / `optional(X)` (or the node itself). */
const stripNullish = (ast: SchemaAST.AST): SchemaAST.AST => {
  if (ast._tag !== "Union") return ast
  const rest = ast.types.filter((t) => !isNullish(t))
  return rest.length === 1 ? stripNullish(rest[0]!) : ast
}

const needsNormalize = (ast: SchemaAST.AST, depth: number): boolean => {
  if (depth > 16) return true
  switch (ast._tag) {
    case "Declaration": {
      const id = representationId(ast)
      return id !== "effect/schema/Date"
    }
    case "Union":
      return ast.types.some((t) => needsNormalize(t, depth + 1))
    case "Arrays":
      return [...ast.elements, ...ast.rest].some((t) => needsNormalize(t, depth + 1))
    case "Objects":
      return ast.propertySignatures.some((p) => needsNormalize(p.type, depth + 1))
    case "Suspend":
      return true
    default:
      return false
  }
}

/** DateTime → Date and BigDecimal → plain decimal string, recursively through arrays and plain objects. */
const normalize = (v: unknown): unknown => {
  if (v === null || typeof v !== "object") return v
  if (DateTime.isDateTime(v)) return DateTime.toDateUtc(v)
  if (BigDecimal.isBigDecimal(v)) return plainDecimal(v)
  if (v instanceof Date) return v
  if (Array.isArray(v)) return v.map(normalize)
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) out[k] = normalize((v as Record<string, unknown>)[k])
  return out
}

const plainDecimal = (d: BigDecimal.BigDecimal): string => {
  const { value, scale } = BigDecimal.normalize(d)
  if (scale <= 0) return (value * 10n ** BigInt(-scale)).toString()
  const neg = value < 0n
  const digits = (neg ? -value : value).toString().padStart(scale + 1, "0")
  return `${neg ? "-" : ""}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`
}

/** Decimal(38, s) with s the largest number of fraction digits among the (normalized, string) values. */
const decimalFor = (xs: ReadonlyArray<unknown>): DataType => {
  let scale = 0
  for (const x of xs) {
    if (typeof x !== "string") continue
    const dot = x.indexOf(".")
    if (dot >= 0) scale = Math.max(scale, x.length - dot - 1)
  }
  return DT.Decimal(38, Math.min(scale, 38))
}

const literalDtype = (values: ReadonlyArray<unknown>): DataType | undefined => {
  if (values.length === 0) return undefined
  if (values.every((v) => typeof v === "string")) return DT.Categorical
  if (values.every((v) => typeof v === "number")) return DT.Float64
  if (values.every((v) => typeof v === "boolean")) return DT.Boolean
  if (values.every((v) => typeof v === "bigint")) return DT.Int64
  return undefined
}

/** The dtype of a field schema (type side), or undefined when it is not one polaroid maps. */
const dtypeOf = (ast: SchemaAST.AST): DataType | undefined => {
  switch (ast._tag) {
    case "String":
    case "TemplateLiteral":
      return DT.Utf8
    case "Number":
      return DT.Float64
    case "BigInt":
      return DT.Int64
    case "Boolean":
      return DT.Boolean
    case "Null":
      return DT.Null
    case "Literal":
      return literalDtype([ast.literal])
    case "Enum":
      return literalDtype(ast.enums.map(([, v]) => v))
    case "Declaration":
      switch (representationId(ast)) {
        case "effect/schema/Date":
          return DT.Timestamp("ms")
        case "effect/schema/DateTimeUtc":
          return DT.Timestamp("ms", "UTC")
        default:
          return undefined
      }
    case "Union": {
      const members = ast.types.filter((t) => !isNullish(t))
      if (members.length === 0) return DT.Null
      if (members.length === 1) return dtypeOf(members[0]!)
      // Unions of literals (and enums): all strings → Categorical, all numbers → Float64…
      const literals: Array<unknown> = []
      let onlyLiterals = true
      for (const m of members) {
        const inner = stripNullish(m)
        if (inner._tag === "Literal") literals.push(inner.literal)
        else if (inner._tag === "Enum") for (const [, v] of inner.enums) literals.push(v)
        else if (inner._tag === "Union" && inner.types.every((t) => t._tag === "Literal" || isNullish(t)))
          for (const t of inner.types) {
            if (t._tag === "Literal") literals.push(t.literal)
          }
        else onlyLiterals = false
      }
      if (onlyLiterals) return literalDtype(literals)
      // A union of like members (String | "a" | TemplateLiteral, Number | 1 …): their common dtype.
      const dts = members.map(dtypeOf)
      if (dts.some((t) => t === undefined)) return undefined
      const stringy = dts.every((t) => t!._tag === "Utf8" || t!._tag === "Categorical")
      if (stringy) return DT.Utf8
      return dts.every((t) => DT.equals(t!, dts[0]!)) ? dts[0] : undefined
    }
    case "Arrays": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return undefined
      const inner = dtypeOf(ast.rest[0]!)
      return inner === undefined ? undefined : DT.List(inner)
    }
    case "Objects": {
      if (ast.indexSignatures.length > 0) return undefined
      const fields: Array<DT.Field> = []
      for (const ps of ast.propertySignatures) {
        const dtype = dtypeOf(ps.type)
        if (dtype === undefined) return undefined
        fields.push({ name: String(ps.name), dtype })
      }
      return DT.Struct(fields)
    }
    default:
      return undefined
  }
}
