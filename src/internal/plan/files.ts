/**
 * The files of a file scan: one path, a glob, or a list of paths, with hive-style partition values taken from
 * `key=value` directory names (as Polars `hive_partitioning`): each key becomes a column after the file's columns,
 * typed by inference over all files (every value an integer → Int64, else Utf8; `__HIVE_DEFAULT_PARTITION__` is
 * null) or by an explicit `hiveSchema` (as Polars `hive_schema`), and values are percent-decoded. Lists are parsed without I/O; globs are expanded with `FileSystem.glob`
 * when the scan's metadata is read.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as DT from "../../Frame/DataType.ts"
import type { Field } from "../../Frame/DataType.ts"
import { SourceError } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { cast, isCastFailure } from "../expr/cast.ts"

/** Explicit partition dtypes by key (as Polars `hive_schema`). */
export type HiveSchema = { readonly [key: string]: DT.DataType }

/** One file of a scan, with its partition values (raw text, aligned with the set's `hiveKeys`; null for missing). */
export interface ScanFile {
  readonly path: string
  readonly partition: ReadonlyArray<string | null>
}

/** What a file scan reads. */
export interface FileSet {
  /** The input as given: one path or glob, or a list of paths. */
  readonly input: string | ReadonlyArray<string>
  /** Whether `input` is a glob (expanded when the metadata is read). */
  readonly glob: boolean
  /** Whether `key=value` directories become columns. */
  readonly hive: boolean
  /** How many files are read at once. */
  readonly concurrency: number
  /** The files in path order, once known (a glob before expansion: undefined). */
  readonly files: ReadonlyArray<ScanFile> | undefined
  /** The partition columns (name and dtype), once the files are known; `[]` without hive partitioning. */
  readonly hiveFields: ReadonlyArray<Field> | undefined
  /** Explicit partition dtypes (keys not in it are inferred). */
  readonly hiveSchema: HiveSchema | undefined
}

const GLOB_CHARS = /[*?[{]/
const DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
const INT = /^[+-]?\d+$/
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

/** Whether a path is a glob pattern. */
export const isGlob = (path: string): boolean => GLOB_CHARS.test(path)

/** The literal directory prefix of a glob (the segments before the first one with a wildcard), with a trailing `/`. */
const globBase = (pattern: string): string => {
  const segs = pattern.split("/")
  const i = segs.findIndex((s) => GLOB_CHARS.test(s))
  return i <= 0 ? (pattern.startsWith("/") ? "/" : "") : `${segs.slice(0, i).join("/")}/`
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** The `key=value` directory segments of a path below `base`, in path order. */
const partitionsOf = (path: string, base: string): Array<readonly [string, string | null]> => {
  const rel = base !== "" && path.startsWith(base) ? path.slice(base.length) : path
  const segs = rel.split("/")
  segs.pop()
  const out: Array<readonly [string, string | null]> = []
  for (const s of segs) {
    const eq = s.indexOf("=")
    if (eq <= 0) continue
    const v = decode(s.slice(eq + 1))
    out.push([decode(s.slice(0, eq)), v === DEFAULT_PARTITION || v === "" ? null : v])
  }
  return out
}

const inferDtype = (values: ReadonlyArray<string | null>): DT.DataType => {
  let any = false
  for (const v of values) {
    if (v === null) continue
    any = true
    if (!INT.test(v)) return DT.Utf8
    const b = BigInt(v)
    if (b < I64_MIN || b > I64_MAX) return DT.Utf8
  }
  return any ? DT.Int64 : DT.Utf8
}

/**
 * The files with their partition values, and the partition columns: the keys in first-seen order, then the keys
 * of `hiveSchema` that no path has (all null). A key's dtype is its `hiveSchema` entry, else inferred.
 */
const withPartitions = (
  paths: ReadonlyArray<string>,
  base: string,
  hive: boolean,
  hiveSchema: HiveSchema | undefined
): Pick<FileSet, "files" | "hiveFields"> => {
  if (!hive) return { files: paths.map((path) => ({ path, partition: [] })), hiveFields: [] }
  const parsed = paths.map((p) => partitionsOf(p, base))
  const keys: Array<string> = []
  for (const ps of parsed) for (const [k] of ps) if (!keys.includes(k)) keys.push(k)
  for (const k of Object.keys(hiveSchema ?? {})) if (!keys.includes(k)) keys.push(k)
  const files = paths.map((path, i) => {
    const m = new Map(parsed[i])
    return { path, partition: keys.map((k) => m.get(k) ?? null) }
  })
  const hiveFields = keys.map((name, j) => ({ name, dtype: hiveSchema?.[name] ?? inferDtype(files.map((f) => f.partition[j]!)) }))
  return { files, hiveFields }
}

/**
 * A file set, built without I/O: a single path or a list has its files (and partitions) right away; a glob is
 * expanded later by {@link listFiles}. Hive partitioning defaults to on for globs and lists, off for one path.
 */
export const make = (
  input: string | ReadonlyArray<string>,
  options: { readonly hive?: boolean | undefined; readonly concurrency?: number | undefined; readonly hiveSchema?: HiveSchema | undefined }
): FileSet => {
  const glob = typeof input === "string" && isGlob(input)
  const hiveSchema = options.hiveSchema
  const hive = options.hive ?? (glob || typeof input !== "string" || hiveSchema !== undefined)
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4))
  if (glob) return { input, glob, hive, concurrency, files: undefined, hiveFields: hive ? undefined : [], hiveSchema }
  const paths = typeof input === "string" ? [input] : [...input]
  return { input, glob, hive, concurrency, hiveSchema, ...withPartitions(paths, "", hive, hiveSchema) }
}

/** Expands a glob (files only, sorted by path); a set whose files are known is returned as is. */
export const listFiles = (set: FileSet, format: "parquet" | "csv"): Effect.Effect<FileSet, unknown, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    if (set.files !== undefined) return set
    const pattern = set.input as string
    const fs = yield* FileSystem.FileSystem
    const found = yield* fs.glob(pattern)
    const kinds = yield* Effect.forEach(found, (p) => Effect.map(fs.stat(p), (s) => s.type), { concurrency: 16 })
    const paths = found.filter((_, i) => kinds[i] === "File").sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    if (paths.length === 0) return yield* new SourceError({ path: pattern, format, message: `no files match the glob ${JSON.stringify(pattern)}` })
    return { ...set, ...withPartitions(paths, globBase(pattern), set.hive, set.hiveSchema) }
  })

/** The partition columns that are not also file columns (a file column wins, as its values are the data). */
export const extraHiveFields = (set: FileSet, fileSchema: ReadonlyArray<Field>): ReadonlyArray<Field> =>
  (set.hiveFields ?? []).filter((h) => !fileSchema.some((f) => f.name === h.name))

const partitionCache = new WeakMap<FileSet, Map<string, Column | SourceError>>()

/**
 * The values of one partition column, one row per file of the set (in file order), parsed from the path text as
 * the field's dtype with a strict cast (as `cast(..., strict)`: "2021" → Int64 2021, "2021-03-01" → Date).
 * Memoized per set. **Errors** `SourceError` naming the first file whose value does not parse.
 */
export const partitionColumn = (set: FileSet, field: Field, format: "parquet" | "csv"): Column | SourceError => {
  let bySet = partitionCache.get(set)
  if (bySet === undefined) {
    bySet = new Map()
    partitionCache.set(set, bySet)
  }
  const key = `${field.name}\u0000${DT.format(field.dtype)}`
  const hit = bySet.get(key)
  if (hit !== undefined) return hit
  const files = set.files ?? []
  const j = (set.hiveFields ?? []).findIndex((h) => h.name === field.name)
  const text = C.fromStrings(files.map((f) => (j < 0 ? null : (f.partition[j] ?? null))))
  const out = cast(text, field.dtype, true)
  const result = isCastFailure(out)
    ? new SourceError({
        path: files[out.row]?.path ?? String(set.input),
        format,
        message: `the partition value ${JSON.stringify(out.value)} of ${JSON.stringify(field.name)} is not a ${DT.format(field.dtype)}`
      })
    : out
  bySet.set(key, result)
  return result
}

/** A column of `n` copies of row `row` of a column (a file's partition value). */
export const repeatRow = (column: Column, row: number, n: number): Column => C.take(column, new Int32Array(n).fill(row))

/**
 * How the input prints in `explain`: `files=N` for a glob or a list once the files are known, `files=K/N` when
 * partition pruning keeps `K` of them (`kept`).
 */
export const describe = (set: FileSet, kept?: number): string => {
  const base = typeof set.input === "string" ? JSON.stringify(set.input) : `[${set.input.map((p) => JSON.stringify(p)).join(", ")}]`
  const parts = [base]
  if (set.files !== undefined && kept !== undefined && kept < set.files.length) parts.push(`files=${kept}/${set.files.length}`)
  else if ((set.glob || typeof set.input !== "string") && set.files !== undefined) parts.push(`files=${set.files.length}`)
  if (set.hiveFields !== undefined && set.hiveFields.length > 0) parts.push(`hive=[${set.hiveFields.map((f) => f.name).join(", ")}]`)
  return parts.join(" ")
}
