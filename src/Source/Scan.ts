/**
 * Lazy scans of Parquet and CSV files: `LazyFrame`s that read nothing until collected, and then only what the
 * query needs (pushed-down projection, predicate and limit), as Polars `scan_parquet` / `scan_csv`.
 * @since 0.1.0
 */
import type { FileSystem } from "effect"
import type { PlatformError } from "effect/PlatformError"
import type { Field } from "../Frame/DataType.ts"
import type { SourceError } from "../Frame/Errors.ts"
import { fromPlan, type LazyFrame } from "../Frame/LazyFrame.ts"
import type { ReadCsvOptions } from "../internal/csv/options.ts"
import * as L from "../internal/plan/logical.ts"

/** Options of {@link scanParquet}. @since 0.1.0 @category models */
export interface ScanParquetOptions {
  /**
   * The file's schema (top-level columns with the dtypes `readParquet` gives), when known. With it, the plan
   * resolves without any I/O; without it, `collect`/`explain` read the footer first (not the data).
   */
  readonly schema?: ReadonlyArray<Field> | undefined
}

/**
 * A lazy scan of a Parquet file, as Polars `scan_parquet`. When collected, only the columns the query reads are
 * decoded, row groups whose min/max/null-count statistics rule out a pushed-down filter are skipped (comparisons,
 * `isIn`, `between`, `isNull`, `&`, `|`), and a pushed-down `head` stops after enough row groups.
 * **Errors** (when collected) `SourceError` (not Parquet, corrupt, unsupported), `PlatformError` (missing file…).
 * @since 0.1.0 @category scanning
 */
export const scanParquet = (
  path: string,
  options: ScanParquetOptions = {}
): LazyFrame<SourceError | PlatformError, FileSystem.FileSystem> =>
  fromPlan(L.scan({ _tag: "Parquet", path, schema: options.schema }))

/**
 * A lazy scan of a CSV file, as Polars `scan_csv`, with `readCsv`'s options. The schema is the header with dtypes
 * inferred from the first `inferSchemaLength` rows (or `options.schema`); when collected, the file is parsed with
 * those dtypes (a later value that does not fit is a `SourceError`, as in Polars, rather than a widened column),
 * only the needed fields are converted (with a header), and a pushed-down `head` stops parsing early.
 * **Errors** (when collected) `SourceError`, `PlatformError`.
 * @since 0.1.0 @category scanning
 */
export const scanCsv = (
  path: string,
  options: ReadCsvOptions = {}
): LazyFrame<SourceError | PlatformError, FileSystem.FileSystem> => fromPlan(L.scan({ _tag: "Csv", path, options, schema: undefined }))
