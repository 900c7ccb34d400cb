/**
 * Runs an (optimized) plan with the eager verbs, and reads the scans' metadata (Parquet footer, CSV header and
 * inference rows) when their schema is not known. Parquet scans apply their pushed-down work: only the projected
 * and predicate columns are decoded, row groups whose statistics rule the predicate out are skipped, and with a
 * `limit` row groups are decoded one at a time until enough rows passed the predicate.
 * File scans read their files (a glob's expansion or a list) `concurrency` at a time, after skipping the files
 * whose hive partition values rule the predicate out. A subplan object that occurs twice (a self-join of one lazy
 * frame) runs once, and so do `Cache` nodes of one id (structurally equal subplans, see `commonSubplan`).
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { parquetMetadata, parquetSchema } from "hyparquet"
import { Expr, type ExprNode } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { Field } from "../../Frame/DataType.ts"
import { SourceError } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import type { ReadCsvOptions } from "../csv/options.ts"
import { parseBytes } from "../csv/read.ts"
import * as Engine from "../expr/engine.ts"
import { resolveAll } from "../expr/resolve.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { toSourceError } from "../parquet/failure.ts"
import * as Meta from "../parquet/meta.ts"
import * as Read from "../parquet/read.ts"
import { columnsOf, fieldsOf } from "../parquet/schema.ts"
import { groupByDynamic } from "../../TimeSeries/GroupByDynamic.ts"
import { joinAsof } from "../../TimeSeries/JoinAsof.ts"
import * as Verbs from "../verbs/index.ts"
import { label } from "./explain.ts"
import * as Files from "./files.ts"
import type { FileSet, ScanFile } from "./files.ts"
import { children, conjuncts, type Plan, refs, type Scan, transformUp } from "./logical.ts"
import { keptFiles } from "./partitions.ts"
import { mayMatch } from "./prune.ts"
import { emptyOf } from "./resolve.ts"

/** What a file scan read: reported to the `ScanObserver` (tests count decoded row groups and columns with it). */
export interface ScanEvent {
  readonly path: string
  readonly format: "parquet" | "csv"
  /** Row groups decoded (Parquet), of `rowGroupsTotal`. */
  readonly rowGroups: ReadonlyArray<number>
  readonly rowGroupsTotal: number
  /** Columns decoded / converted; all of the file's when `undefined`. */
  readonly columns: ReadonlyArray<string> | undefined
}

/** An optional callback told about every file scan (an instrumentation hook). */
export const ScanObserver = Context.Reference<((e: ScanEvent) => void) | undefined>("polaroid/plan/ScanObserver", {
  defaultValue: () => undefined
})

/** One node's run, for `profile`. */
export interface NodeProfile {
  readonly node: string
  readonly depth: number
  readonly rows: number
  /** Wall time of the node including its inputs, ms. */
  readonly totalMs: number
  /** Wall time of the node alone, ms. */
  readonly selfMs: number
}

type AnyEffect<A> = Effect.Effect<A, unknown, unknown>

const guard = <A>(path: string, f: () => A | Promise<A>): Effect.Effect<A, SourceError> =>
  Effect.tryPromise({ try: async () => f(), catch: (e) => toSourceError(path, e) })

// ---------------------------------------------------------------------------------------------------------------
// metadata
// ---------------------------------------------------------------------------------------------------------------

/** The schema in a Parquet file's footer, reading only the footer bytes. */
export const parquetFooterSchema = (path: string): AnyEffect<ReadonlyArray<Field>> =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const file = yield* fs.open(path, { flag: "r" })
      const size = Number((yield* file.stat).size)
      const bad = (message: string) => new SourceError({ path, format: "parquet", message })
      if (size < 12) return yield* bad(`not a Parquet file: ${size} bytes is shorter than the 12-byte minimum`)
      const readAt = (offset: number, n: number) =>
        Effect.gen(function* () {
          yield* file.seek(BigInt(offset), "start")
          const buf = new Uint8Array(n)
          let got = 0
          while (got < n) {
            const k = Number(yield* file.read(buf.subarray(got)))
            if (k === 0) break
            got += k
          }
          return buf
        })
      const tail = yield* readAt(size - 8, 8)
      const view = new DataView(tail.buffer)
      if (view.getUint32(4, true) !== 0x31524150) return yield* bad('not a Parquet file: the last 4 bytes are not the magic "PAR1"')
      const len = view.getUint32(0, true)
      if (len > size - 12) return yield* bad(`corrupt footer: metadata length ${len} exceeds the file size ${size}`)
      const footer = yield* readAt(size - 8 - len, len + 8)
      return yield* guard(path, () => fieldsOf(columnsOf(parquetSchema(parquetMetadata(footer.buffer)))))
    })
  )

/** The schema a CSV scan reads: the header and dtypes inferred from the first `inferSchemaLength` rows. */
const csvSchema = (path: string, options: ReadCsvOptions): AnyEffect<ReadonlyArray<Field>> =>
  Effect.gen(function* () {
    if (options.schema !== undefined && options.columns === undefined) return options.schema
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs.readFile(path)
    const n = options.inferSchemaLength === null ? undefined : (options.inferSchemaLength ?? 100)
    const sample = yield* Effect.fromResult(parseBytes(bytes, { ...options, ...(n !== undefined ? { nRows: Math.min(n, options.nRows ?? n) } : {}) }, path))
    return sample.schema
  })

type FileSource = Exclude<Scan["source"], { _tag: "Memory" }>

/** Expands a file scan's glob and reads the first file's schema, when not known yet (metadata I/O only). */
const loadSource = (src: FileSource): AnyEffect<FileSource> =>
  Effect.gen(function* () {
    const files = yield* Files.listFiles(src.files, src._tag === "Parquet" ? "parquet" : "csv")
    if (src.schema !== undefined) return { ...src, files }
    const first = files.files![0]!.path
    const schema = src._tag === "Parquet" ? yield* parquetFooterSchema(first) : yield* csvSchema(first, src.options)
    return { ...src, files, schema }
  })

/** Fills in the files and the schema of every file scan that lacks them (metadata I/O only: listings, footers, CSV headers). */
export const loadSchemas = (plan: Plan): AnyEffect<Plan> =>
  Effect.gen(function* () {
    const found = new Map<Scan, FileSource>()
    const visit = (p: Plan): Array<Scan> =>
      p._tag === "Scan"
        ? p.source._tag !== "Memory" && (p.source.schema === undefined || p.source.files.files === undefined)
          ? [p]
          : []
        : children(p).flatMap(visit)
    const scans = visit(plan)
    if (scans.length === 0) return plan
    yield* Effect.forEach(
      scans,
      (s) =>
        Effect.map(loadSource(s.source as FileSource), (src) => {
          found.set(s, src)
        }),
      { concurrency: 8 }
    )
    return transformUp(plan, (p) => (p._tag === "Scan" && found.has(p) ? { ...p, source: found.get(p)! } : undefined)) ?? plan
  })

// ---------------------------------------------------------------------------------------------------------------
// execution
// ---------------------------------------------------------------------------------------------------------------

const expr = (n: ExprNode): Expr => new Expr(n)

/** The named columns of a frame, zero-copy; names it lacks are skipped (inputs narrowed by projection pushdown). */
const project = (frame: Frame, names: ReadonlyArray<string>): Frame => {
  const idx = names.map((n) => frame.columns.indexOf(n)).filter((i) => i >= 0)
  if (idx.length === frame.columns.length && idx.every((i, k) => i === k)) return frame
  return F.unsafeMake(
    idx.map((i) => frame.schema[i]!),
    frame.batches.map((b) => ({ length: b.length, columns: idx.map((i) => b.columns[i]!) }))
  )
}

const sliceFrame = (self: Frame, offset: number, length: number | undefined): Frame => {
  const start = offset < 0 ? Math.max(0, self.height + offset) : Math.min(offset, self.height)
  const end = length === undefined ? self.height : Math.min(self.height, start + length)
  if (start === 0 && end === self.height) return self
  const batches: Array<F.Batch> = []
  let pos = 0
  for (const b of self.batches) {
    const s = Math.max(start, pos)
    const e = Math.min(end, pos + b.length)
    if (s < e) batches.push({ length: e - s, columns: b.columns.map((c) => sliceColumn(c, s - pos, e - s)) })
    pos += b.length
  }
  return F.unsafeMake(self.schema, batches)
}
const sliceColumn = (c: C.Column, offset: number, length: number): C.Column => (offset === 0 && length === c.length ? c : C.slice(c, offset, length))

/** Applies a scan's predicate, projection and limit to what was read. */
const finishScan = (s: Scan, frame: Frame): AnyEffect<Frame> =>
  Effect.gen(function* () {
    let f = frame
    if (s.predicate !== undefined) f = yield* Engine.filter(f, expr(s.predicate))
    if (s.projection !== undefined) f = project(f, s.projection)
    if (s.limit !== undefined) f = sliceFrame(f, 0, s.limit)
    return f
  })

/** The columns a file scan must read: the projection plus the predicate's columns, in schema order. */
export const readColumns = (s: Scan, schema: ReadonlyArray<Field>): ReadonlyArray<string> | undefined => {
  if (s.projection === undefined) return undefined
  const need = new Set(s.projection)
  if (s.predicate !== undefined) refs(s.predicate, need)
  const cols = schema.map((f) => f.name).filter((n) => need.has(n))
  return cols.length === schema.length ? undefined : cols
}

const formatOf = (s: Scan): "parquet" | "csv" => (s.source._tag === "Csv" ? "csv" : "parquet")

/**
 * The files a predicate on partition columns cannot rule out (conjuncts that read partition columns only; see
 * `partitions.ts`). Also checks that every partition value parses as its column's dtype (`hiveSchema`), so that
 * `withPartition` cannot fail afterwards. **Errors** `SourceError` (a partition value that does not parse).
 */
export const pruneFiles = (s: Scan, set: FileSet, hive: ReadonlyArray<Field>): AnyEffect<ReadonlyArray<ScanFile>> =>
  Effect.gen(function* () {
    const format = formatOf(s)
    for (const f of hive) {
      const c = Files.partitionColumn(set, f, format)
      if (c instanceof SourceError) return yield* c
    }
    const kept = keptFiles(s.predicate, set, hive, format)
    if (kept instanceof SourceError) return yield* kept
    return kept
  })

const fileIndexes = new WeakMap<FileSet, Map<ScanFile, number>>()
const fileIndex = (set: FileSet, file: ScanFile): number => {
  let m = fileIndexes.get(set)
  if (m === undefined) {
    m = new Map((set.files ?? []).map((f, i) => [f, i]))
    fileIndexes.set(set, m)
  }
  return m.get(file) ?? -1
}

/**
 * Adds the partition columns (constants) of a file to what was read from it. The values were checked by
 * `pruneFiles` (a value that does not parse gives nulls here).
 */
export const withPartition = (frame: Frame, set: FileSet, hive: ReadonlyArray<Field>, file: ScanFile): Frame => {
  if (hive.length === 0) return frame
  const n = frame.height
  const row = fileIndex(set, file)
  const extra = hive.map((f) => {
    const values = Files.partitionColumn(set, f, "parquet")
    return values instanceof SourceError || row < 0 ? C.nulls(f.dtype, n) : Files.repeatRow(values, row, n)
  })
  return F.fromColumnsUnsafe([...frame.columns, ...hive.map((f) => f.name)], [...F.contiguous(frame), ...extra])
}

interface FileCtx {
  readonly s: Scan
  readonly set: FileSet
  /** The files' schema (without partition columns). */
  readonly schema: ReadonlyArray<Field>
  /** Partition columns that are not file columns. */
  readonly hive: ReadonlyArray<Field>
  /** File columns to decode (`undefined`: all). */
  readonly fileColumns: ReadonlyArray<string> | undefined
}

export const mismatch = (path: string, format: "parquet" | "csv", expected: ReadonlyArray<Field>, got: ReadonlyArray<Field>): SourceError | undefined => {
  for (const f of expected) {
    const g = got.find((x) => x.name === f.name)
    if (g === undefined || !DT.equals(f.dtype, g.dtype))
      return new SourceError({
        path,
        format,
        message: `the schema differs from the scan's: column ${JSON.stringify(f.name)} is ${g === undefined ? "missing" : DT.format(g.dtype)}, expected ${DT.format(f.dtype)}`
      })
  }
  return undefined
}

/**
 * The row groups of a file a scan reads: all, less those whose column statistics rule out the scan's predicate
 * (the conjuncts over the file's columns; `mayMatch`).
 */
export const chosenRowGroups = (s: Scan, meta: ReturnType<typeof Meta.describeFooter>): ReadonlyArray<number> => {
  const all = meta.rowGroups.map((_, g) => g)
  if (s.predicate === undefined) return all
  const names = new Set(meta.schema.map((f) => f.name))
  const cs = conjuncts(s.predicate).filter((c) => [...refs(c)].every((n) => names.has(n)))
  const r = resolveAll(meta.schema, cs, "row")
  return "error" in r ? all : all.filter((g) => r.irs.every((ir) => mayMatch(ir, meta.rowGroups[g]!)))
}

const scanParquetFile = (ctx: FileCtx, file: ScanFile, limit: number | undefined): AnyEffect<Frame> =>
  Effect.gen(function* () {
    const { s, set, hive, fileColumns } = ctx
    const path = file.path
    const fs = yield* FileSystem.FileSystem
    const observer = yield* ScanObserver
    const bytes = yield* fs.readFile(path)
    const footer = yield* guard(path, () => Meta.readFooter(bytes))
    const meta = Meta.describeFooter(footer)
    const readSchema = fileColumns === undefined ? ctx.schema : ctx.schema.filter((f) => fileColumns.includes(f.name))
    const bad = mismatch(path, "parquet", readSchema, meta.schema)
    if (bad !== undefined) return yield* bad
    const groups = chosenRowGroups(s, meta)
    const decode = (rowGroups: ReadonlyArray<number>): AnyEffect<Frame> =>
      rowGroups.length === 0
        ? Effect.succeed(emptyOf(readSchema))
        : readSchema.length === 0
          ? Effect.succeed(F.unsafeMake([], [{ length: rowGroups.reduce((n, g) => n + meta.rowGroups[g]!.numRows, 0), columns: [] }]))
          : Effect.map(
              guard(path, () => Read.decode(bytes, { columns: fileColumns, rowGroups })),
              (d) => d.frame
            )
    const finish = (f: Frame) => finishScan({ ...s, limit: undefined }, withPartition(f, set, hive, file))
    const decoded: Array<number> = []
    let out: Frame
    if (limit === undefined) {
      decoded.push(...groups)
      out = yield* finish(yield* decode(groups))
    } else {
      const parts: Array<Frame> = []
      let rows = 0
      for (const g of groups) {
        if (rows >= limit) break
        decoded.push(g)
        const part = yield* finish(yield* decode([g]))
        parts.push(part)
        rows += part.height
      }
      const all = parts.length === 0 ? yield* finish(emptyOf(readSchema)) : parts.length === 1 ? parts[0]! : yield* Verbs.concat(parts, "vertical")
      out = sliceFrame(all, 0, limit)
    }
    observer?.({ path, format: "parquet", rowGroups: decoded, rowGroupsTotal: meta.rowGroups.length, columns: fileColumns })
    return out
  })

const scanCsvFile = (ctx: FileCtx, options: ReadCsvOptions, file: ScanFile, limit: number | undefined): AnyEffect<Frame> =>
  Effect.gen(function* () {
    const { s, set, hive, schema } = ctx
    const path = file.path
    const fs = yield* FileSystem.FileSystem
    const observer = yield* ScanObserver
    const bytes = yield* fs.readFile(path)
    const canProject = options.hasHeader !== false && options.schema === undefined && options.columns === undefined
    // at least one field, so that the row count survives when only partition columns are read
    const columns = canProject && ctx.fileColumns !== undefined ? (ctx.fileColumns.length > 0 ? ctx.fileColumns : schema.slice(0, 1).map((f) => f.name)) : undefined
    const dtypes: Record<string, Field["dtype"]> = {}
    if (options.schema === undefined) for (const f of schema) dtypes[f.name] = f.dtype
    const opts: ReadCsvOptions = {
      ...options,
      ...(columns !== undefined ? { columns } : {}),
      ...(options.schema === undefined ? { dtypes: { ...dtypes, ...options.dtypes } } : {}),
      ...(limit !== undefined && s.predicate === undefined ? { nRows: Math.min(limit, options.nRows ?? limit) } : {})
    }
    const frame = yield* Effect.fromResult(parseBytes(bytes, opts, path))
    const bad = mismatch(path, "csv", schema.filter((f) => frame.columns.includes(f.name)), frame.schema)
    if (bad !== undefined) return yield* bad
    observer?.({ path, format: "csv", rowGroups: [], rowGroupsTotal: 0, columns })
    return yield* finishScan({ ...s, limit }, withPartition(frame, set, hive, file))
  })

/**
 * A file scan: the files that partition pruning keeps, each read with the scan's pushed-down work, `concurrency`
 * at a time (one after the other with a `limit`, stopping once it is reached), concatenated in path order.
 */
const scanFiles = (s: Scan, src: FileSource): AnyEffect<Frame> =>
  Effect.gen(function* () {
    const set = src.files
    const schema = src.schema!
    const hive = Files.extraHiveFields(set, schema)
    const full = hive.length === 0 ? schema : [...schema, ...hive]
    const needed = readColumns(s, full)
    const fileColumns = needed === undefined ? undefined : needed.filter((n) => schema.some((f) => f.name === n))
    const ctx: FileCtx = { s, set, schema, hive, fileColumns: fileColumns?.length === schema.length ? undefined : fileColumns }
    const files = yield* pruneFiles(s, set, hive)
    const one = (file: ScanFile, limit: number | undefined): AnyEffect<Frame> =>
      src._tag === "Parquet" ? scanParquetFile(ctx, file, limit) : scanCsvFile(ctx, src.options, file, limit)
    let parts: Array<Frame>
    if (s.limit === undefined) parts = yield* Effect.forEach(files, (f) => one(f, undefined), { concurrency: set.concurrency })
    else {
      parts = []
      let rows = 0
      for (const f of files) {
        if (rows >= s.limit) break
        const part = yield* one(f, s.limit - rows)
        parts.push(part)
        rows += part.height
      }
    }
    if (parts.length === 0) return yield* finishScan({ ...s, limit: undefined }, emptyOf(full))
    return parts.length === 1 ? parts[0]! : yield* Verbs.concat(parts, "vertical")
  })

interface RunCtx {
  readonly done: Map<Plan, Frame>
  /** Results of `Cache` nodes by id. */
  readonly cache: Map<number, Frame>
  readonly profile: Array<NodeProfile> | undefined
}

const runNode = (p: Plan, ctx: RunCtx, depth: number): AnyEffect<Frame> =>
  Effect.suspend(() => {
    const hit = ctx.done.get(p)
    if (hit !== undefined) return Effect.succeed(hit)
    const started = performance.now()
    let childMs = 0
    const child = (c: Plan) =>
      Effect.gen(function* () {
        const t0 = performance.now()
        const f = yield* runNode(c, ctx, depth + 1)
        childMs += performance.now() - t0
        return f
      })
    const slot = ctx.profile?.length ?? 0
    ctx.profile?.push({ node: label(p), depth, rows: 0, totalMs: 0, selfMs: 0 })
    return Effect.map(step(p, child, ctx.cache), (frame) => {
      ctx.done.set(p, frame)
      if (ctx.profile !== undefined) {
        const totalMs = performance.now() - started
        ctx.profile[slot] = { node: label(p), depth, rows: frame.height, totalMs, selfMs: totalMs - childMs }
      }
      return frame
    })
  })

const step = (p: Plan, child: (c: Plan) => AnyEffect<Frame>, cache: Map<number, Frame>): AnyEffect<Frame> =>
  Effect.gen(function* () {
    switch (p._tag) {
      case "Scan": {
        const s = p.source
        if (s._tag === "Memory") return yield* finishScan(p, s.frame)
        return yield* scanFiles(p, s)
      }
      case "Select":
        return yield* Engine.select(yield* child(p.input), p.exprs.map(expr))
      case "WithColumns":
        return yield* Engine.withColumns(yield* child(p.input), p.exprs.map(expr))
      case "Filter":
        return yield* Engine.filter(yield* child(p.input), expr(p.predicate))
      case "Drop": {
        const f = yield* child(p.input)
        return project(
          f,
          f.columns.filter((n) => !p.names.includes(n))
        )
      }
      case "Rename": {
        const f = yield* child(p.input)
        return F.unsafeMake(
          f.schema.map((x) => ({ name: p.mapping[x.name] ?? x.name, dtype: x.dtype })),
          f.batches
        )
      }
      case "GroupByAgg":
        return yield* Verbs.groupByAgg(yield* child(p.input), p.keys.map(expr), p.aggs.map(expr), { maintainOrder: p.maintainOrder })
      case "Join": {
        const l = yield* child(p.left)
        const r = yield* child(p.right)
        return yield* Verbs.join(l, r, p.options)
      }
      case "Sort":
        return yield* Verbs.sort(yield* child(p.input), p.by.map(expr), p.options)
      case "Unique":
        return yield* Verbs.unique(yield* child(p.input), p.options)
      case "Slice":
        return sliceFrame(yield* child(p.input), p.offset, p.length)
      case "Cache": {
        const hit = cache.get(p.id)
        if (hit !== undefined) return hit
        const f = yield* child(p.input)
        cache.set(p.id, f)
        return f
      }
      case "Concat": {
        const fs: Array<Frame> = []
        for (const i of p.inputs) fs.push(yield* child(i))
        return yield* Verbs.concat(fs, p.how)
      }
      case "WithRowIndex":
        return yield* Verbs.withRowIndex(yield* child(p.input), p.name, p.offset)
      case "Explode":
        return yield* Verbs.explode(yield* child(p.input), p.columns)
      case "Unpivot":
        return yield* Verbs.unpivot(yield* child(p.input), p.options)
      case "JoinAsof": {
        const l = yield* child(p.left)
        const r = yield* child(p.right)
        return yield* joinAsof(l, r, p.options)
      }
      case "GroupByDynamic":
        return yield* groupByDynamic(yield* child(p.input), p.options, p.aggs.map(expr))
      case "MapFrame": {
        const f = yield* child(p.input)
        switch (p.op.verb) {
          case "pivot":
            return yield* Verbs.pivot(f, p.op.options)
          case "describe":
            return yield* Verbs.describe(f)
          case "nullCount":
            return yield* Verbs.nullCount(f)
          case "sample":
            return yield* Verbs.sample(f, p.op.options)
        }
      }
    }
  })

/** Runs a plan; with `profile`, records each node's rows and time into it (parents before their inputs). */
export const execute = (plan: Plan, profile?: Array<NodeProfile>): AnyEffect<Frame> =>
  runNode(plan, { done: new Map(), cache: new Map(), profile }, 0)
