/**
 * Options of the CSV reader and writer (re-exported by `polaroid/Source`).
 * @internal
 */
import type { DataType, Field } from "../../Frame/DataType.ts"

/**
 * Options of `readCsv` / `parseCsv`. Names and defaults follow Polars' `read_csv`.
 * @since 0.1.0
 * @category models
 */
export interface ReadCsvOptions {
  /** The first record holds the column names. Default `true` (Polars `has_header`). */
  readonly hasHeader?: boolean | undefined
  /**
   * With a header: the columns to read, in this order (a projection; others are skipped without conversion).
   * Without a header: the names of the file's columns, in order (missing names default to `column_<k>`).
   */
  readonly columns?: ReadonlyArray<string> | undefined
  /** One ASCII character. Default `","`. */
  readonly delimiter?: string | undefined
  /** One ASCII character, or `null` to disable quoting. Default `"`. A doubled quote inside a quoted field is a quote. */
  readonly quote?: string | null | undefined
  /**
   * Unquoted field texts that mean null (exact, case-sensitive). Default `[""]`. A quoted field is never null,
   * so `""` reads as the empty string (as in DuckDB).
   */
  readonly nullValues?: ReadonlyArray<string> | undefined
  /**
   * The full schema, one field per file column in order: skips inference, and its names replace the header's
   * (Polars `schema`).
   */
  readonly schema?: ReadonlyArray<Field> | undefined
  /** Dtype overrides by column name; other columns are inferred (Polars `schema_overrides`). */
  readonly dtypes?: Readonly<Record<string, DataType>> | undefined
  /**
   * Rows to infer dtypes from. Default 100 (as Polars); `null` reads all rows. When a later value does not fit the
   * inferred dtype, the column is widened (Int64 → Float64 → Utf8, others → Utf8) instead of failing.
   */
  readonly inferSchemaLength?: number | null | undefined
  /**
   * Infer ISO dates (`2020-01-31`) as Date, ISO datetimes as Timestamp("us"), and datetimes with an offset
   * (`Z`, `+01:00`) as Timestamp("us", "UTC"). Default `false` (they stay Utf8).
   */
  readonly tryParseDates?: boolean | undefined
  /** Records to skip before the header (or before the data, without a header). Quote-aware. Default 0. */
  readonly skipRows?: number | undefined
  /** Read at most this many data rows. */
  readonly nRows?: number | undefined
  /** Only `"utf8"` (a leading BOM is stripped; invalid UTF-8 in text columns is a `SourceError`). */
  readonly encoding?: "utf8" | undefined
  /**
   * Drop the extra fields of records that are too long and fill the missing fields of short ones with nulls.
   * Default `false`: a record with the wrong number of fields is a `SourceError` naming its line and byte offset.
   */
  readonly truncateRaggedLines?: boolean | undefined
}

/**
 * Options of `writeCsv` / `formatCsv`. Names and defaults follow Polars' `write_csv`.
 * @since 0.1.0
 * @category models
 */
export interface WriteCsvOptions {
  /** Write the column names first. Default `true`. */
  readonly includeHeader?: boolean | undefined
  /** One ASCII character. Default `","`. */
  readonly delimiter?: string | undefined
  /** One ASCII character. Default `"`. */
  readonly quote?: string | undefined
  /** Text written for nulls. Default `""`. A string equal to it is quoted so that it reads back as a string. */
  readonly nullValue?: string | undefined
  /** Record separator. Default `"\n"`. */
  readonly lineTerminator?: "\n" | "\r\n" | undefined
}
