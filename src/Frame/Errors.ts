/**
 * The typed errors of polaroid. Every operation fails with one of these in its error channel (never by throwing).
 * Each error says where (column, row, file, byte offset) and what was expected.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A column name that the frame (or the schema an expression was resolved against) does not have.
 * `available` lists the names that do exist.
 * @since 0.1.0 @category errors
 */
export class ColumnNotFound extends Schema.TaggedError<ColumnNotFound>()("ColumnNotFound", {
  column: Schema.String,
  available: Schema.Array(Schema.String),
  expr: Schema.optionalKey(Schema.String)
}) {
  override get message() {
    return `column "${this.column}" not found${this.expr !== undefined ? ` in ${this.expr}` : ""}; available: [${this.available.map((n) => `"${n}"`).join(", ")}]`
  }
}

/**
 * An expression whose operand has the wrong data type. `expr` is the expression's text (as in Polars),
 * `expected` describes what would be accepted and `actual` the dtype found.
 * @since 0.1.0 @category errors
 */
export class TypeMismatch extends Schema.TaggedError<TypeMismatch>()("TypeMismatch", {
  expr: Schema.String,
  expected: Schema.String,
  actual: Schema.String
}) {
  override get message() {
    return `type mismatch in ${this.expr}: expected ${this.expected}, got ${this.actual}`
  }
}

/**
 * Several problems found at once while resolving expressions or a plan against a schema (every missing column and
 * every type error, not just the first). `problems` holds each of them.
 * @since 0.1.0 @category errors
 */
export class ResolveErrors extends Schema.TaggedError<ResolveErrors>()("ResolveErrors", {
  problems: Schema.Array(Schema.Union([ColumnNotFound, TypeMismatch]))
}) {
  override get message() {
    return `${this.problems.length} problems: ${this.problems.map((p) => p.message).join("; ")}`
  }
}

/**
 * Two or more output columns with the same name (e.g. `select(a, a)`, or a join without a suffix).
 * @since 0.1.0 @category errors
 */
export class DuplicateColumn extends Schema.TaggedError<DuplicateColumn>()("DuplicateColumn", {
  column: Schema.String
}) {
  override get message() {
    return `duplicate column "${this.column}"`
  }
}

/**
 * Columns or frames of incompatible lengths or schemas (e.g. a vertical concat of different schemas,
 * or columns of different lengths given to a constructor).
 * @since 0.1.0 @category errors
 */
export class ShapeMismatch extends Schema.TaggedError<ShapeMismatch>()("ShapeMismatch", {
  message: Schema.String
}) {}

/**
 * A row given to `Frame.fromRows` that does not decode with the row Schema. `row` is its 0-based index,
 * `field` the first failing field (or "" when the row itself is not an object), `issue` Effect's description.
 * @since 0.1.0 @category errors
 */
export class RowDecodeError extends Schema.TaggedError<RowDecodeError>()("RowDecodeError", {
  row: Schema.Int,
  field: Schema.String,
  issue: Schema.String
}) {
  override get message() {
    return `row ${this.row}${this.field !== "" ? `, field "${this.field}"` : ""}: ${this.issue}`
  }
}

/**
 * An argument outside its domain (a negative `head` count, a fraction above 1, an unknown duration string…).
 * @since 0.1.0 @category errors
 */
export class InvalidArgument extends Schema.TaggedError<InvalidArgument>()("InvalidArgument", {
  argument: Schema.String,
  message: Schema.String
}) {}

/**
 * A value that cannot be computed at run time: a strict `cast` of a value that does not fit, an integer division
 * by zero in a checked context, a `strptime` that does not match. `expr` is the expression text, `row` the first
 * offending row.
 * @since 0.1.0 @category errors
 */
export class ComputeError extends Schema.TaggedError<ComputeError>()("ComputeError", {
  expr: Schema.String,
  row: Schema.optionalKey(Schema.Int),
  message: Schema.String
}) {}

/**
 * A file that cannot be read or written as the asked format: malformed bytes, an unsupported encoding or type,
 * an encrypted file. `path` is the file, `format` "parquet" | "csv" | …, and where known `row`, `column` and
 * `byteOffset` say where; `expected` says what was expected there. `cause` keeps the underlying error's text.
 * @since 0.1.0 @category errors
 */
export class SourceError extends Schema.TaggedError<SourceError>()("SourceError", {
  path: Schema.String,
  format: Schema.String,
  message: Schema.String,
  row: Schema.optionalKey(Schema.Int),
  column: Schema.optionalKey(Schema.String),
  byteOffset: Schema.optionalKey(Schema.Number),
  expected: Schema.optionalKey(Schema.String),
  cause: Schema.optionalKey(Schema.String)
}) {}

/**
 * A column that must be sorted ascending (within its `by` groups, where given) and is not: `row` is the first row
 * whose value is smaller than the one before it (0-based), as Polars' sortedness checks for `group_by_dynamic`,
 * `rolling` and `join_asof`.
 * @since 0.1.0 @category errors
 */
export class NotSorted extends Schema.TaggedError<NotSorted>()("NotSorted", {
  column: Schema.String,
  row: Schema.Int,
  message: Schema.String
}) {}

/**
 * A duration string that does not parse or is not allowed where it is used (e.g. "1mo" where a fixed duration is
 * required, "0s" for a window step). `duration` is the text given.
 * @since 0.1.0 @category errors
 */
export class InvalidDuration extends Schema.TaggedError<InvalidDuration>()("InvalidDuration", {
  duration: Schema.String,
  message: Schema.String
}) {}

/**
 * A statistic that cannot be computed from the data: a series too short for the asked lags or regression, or a
 * constant series. `required` and `actual` give the sizes where that is the cause.
 * @since 0.1.0 @category errors
 */
export class InsufficientData extends Schema.TaggedError<InsufficientData>()("InsufficientData", {
  message: Schema.String,
  required: Schema.optionalKey(Schema.Int),
  actual: Schema.optionalKey(Schema.Int)
}) {}
