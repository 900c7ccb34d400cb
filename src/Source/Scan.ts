/**
 * Lazy scans of Parquet and CSV files: `LazyFrame`s that read nothing until collected, and then only what the
 * query needs (pushed-down projection, predicate and limit), as Polars `scan_parquet` / `scan_csv`.
 *
 * A scan reads one file, a glob (`"data/*.parquet"`, `"data/**"`, as `FileSystem.glob`: files only, in path
 * order), or a list of paths. With several files, the schema is the first file's, and every file must have it.
 * Hive partitioning (`hivePartitioning`, default on for globs and lists, off for one path, as Polars) turns
 * `key=value` directories into columns after the file columns: typed by `hiveSchema` when given, else Int64 when
 * every value of a key is an integer, else Utf8; `__HIVE_DEFAULT_PARTITION__` and empty values are null. A pushed-down predicate on partition columns
 * skips whole files without opening them; each opened Parquet file prunes its row groups by statistics. Files
 * are read `concurrency` at a time (default 4), and the rows come in path order.
 * @since 0.1.0
 */
import type * as FileSystem from "effect/FileSystem"
import type { PlatformError } from "effect/PlatformError"
import type { DataType, Field } from "../Frame/DataType.ts"
import type { SourceError } from "../Frame/Errors.ts"
import { fromPlan, type LazyFrame } from "../Frame/LazyFrame.ts"
import type { ReadCsvOptions } from "../internal/csv/options.ts"
import * as Files from "../internal/plan/files.ts"
import * as L from "../internal/plan/logical.ts"

/** Options of multi-file scans, shared by {@link scanParquet} and {@link scanCsv}. @since 0.1.0 @category models */
export interface ScanFilesOptions {
  /**
   * Turn `key=value` directory names into columns (as Polars `hive_partitioning`). Default: on for a glob or a
   * list of paths, off for a single path.
   */
  readonly hivePartitioning?: boolean | undefined
  /** How many files are read at once (default 4); the output is in path order whatever the value. */
  readonly concurrency?: number | undefined
  /**
   * Explicit dtypes of partition columns by key, as Polars `hive_schema` (e.g. `{ year: DataType.Int32, day:
   * DataType.Date }`). Each value's path text is parsed as the dtype with a strict cast when the scan runs; a value
   * that does not parse is a `SourceError`. Keys not listed are inferred (Int64 or Utf8); listed keys that no path
   * has are all-null columns. Giving it turns `hivePartitioning` on unless that is `false`.
   */
  readonly hiveSchema?: { readonly [key: string]: DataType } | undefined
}

/** Options of {@link scanParquet}. @since 0.1.0 @category models */
export interface ScanParquetOptions extends ScanFilesOptions {
  /**
   * The files' schema (top-level columns with the dtypes `readParquet` gives, without partition columns), when
   * known. With it, a plan over one path or a list resolves without any I/O; without it, `collect`/`explain` read
   * the first file's footer first (not the data). A glob is always expanded before resolution.
   */
  readonly schema?: ReadonlyArray<Field> | undefined
}

/** Options of {@link scanCsv}: `readCsv`'s options and the multi-file ones. @since 0.1.0 @category models */
export interface ScanCsvOptions extends ReadCsvOptions, ScanFilesOptions {}

/**
 * A lazy scan of Parquet files (a path, a glob or a list), as Polars `scan_parquet`. When collected, only the
 * columns the query reads are decoded, files whose partition values rule out a pushed-down filter are not opened,
 * row groups whose min/max/null-count statistics rule it out are skipped (comparisons, `isIn`, `between`,
 * `isNull`, `&`, `|`), and a pushed-down `head` stops after enough row groups and files.
 * **Errors** (when collected) `SourceError` (not Parquet, corrupt, unsupported, a glob matching no file, files
 * with different schemas), `PlatformError` (missing file…).
 * @since 0.1.0 @category scanning
 */
export const scanParquet = (
  path: string | ReadonlyArray<string>,
  options: ScanParquetOptions = {}
): LazyFrame<SourceError | PlatformError, FileSystem.FileSystem> =>
  fromPlan(
    L.scan({
      _tag: "Parquet",
      files: Files.make(path, { hive: options.hivePartitioning, concurrency: options.concurrency, hiveSchema: options.hiveSchema }),
      schema: options.schema
    })
  )

/**
 * A lazy scan of CSV files (a path, a glob or a list), as Polars `scan_csv`, with `readCsv`'s options. The schema
 * is the first file's header with dtypes inferred from its first `inferSchemaLength` rows (or `options.schema`);
 * when collected, every file is parsed with those dtypes (a later value that does not fit is a `SourceError`, as in
 * Polars, rather than a widened column), only the needed fields are converted (with a header), and a pushed-down
 * `head` stops parsing early. `nRows`, `skipRows` apply to each file. Partition columns and pruning as
 * {@link scanParquet}.
 * **Errors** (when collected) `SourceError`, `PlatformError`.
 * @since 0.1.0 @category scanning
 */
export const scanCsv = (
  path: string | ReadonlyArray<string>,
  options: ScanCsvOptions = {}
): LazyFrame<SourceError | PlatformError, FileSystem.FileSystem> => {
  const { concurrency, hivePartitioning, hiveSchema, ...csv } = options
  return fromPlan(L.scan({ _tag: "Csv", files: Files.make(path, { hive: hivePartitioning, concurrency, hiveSchema }), options: csv, schema: undefined }))
}
