/**
 * `Source.writeSql`: bulk insert of a Frame or a stream of Frames into a PostgreSQL table, in one transaction.
 *
 * Each chunk of `chunkRows` rows is ONE statement:
 *   INSERT INTO t (a, b) SELECT u.c0, u.c1 FROM unnest($1::int8[], $2::text[]) AS u(c0, c1)
 * with one text parameter per column holding a PostgreSQL array literal. COPY FROM STDIN is not used because
 * `@effect/sql-pg` 4.0.5 has no COPY sub-protocol (a CopyInResponse is treated as a protocol desync and closes the
 * connection), and effect's generic `SqlClient` has no COPY either.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { SqlClient } from "effect/sql/SqlClient"
import { isSqlError, type SqlError } from "effect/sql/SqlError"
import * as DT from "../../Frame/DataType.ts"
import type { Field } from "../../Frame/DataType.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { describeClient, failures, isPg, type SqlSourceError, sqlErrorText } from "./sqlError.ts"
import { arrayLiteral, pgTypeOf, quoteIdent, writeExpr } from "./sqlTypes.ts"

/** Options of `Source.writeSql`. @internal */
export interface SqlWriteOptions {
  readonly ifTableExists?: "fail" | "replace" | "append" | undefined
  readonly schema?: string | undefined
  readonly chunkRows?: number | undefined
}

/** What `Source.writeSql` reports. @internal */
export interface SqlWriteResult {
  /** Rows inserted. */
  readonly rows: number
  /** Whether the table was created (or re-created by `"replace"`). */
  readonly created: boolean
}

/** Rows per INSERT statement when `chunkRows` is not given. */
export const DEFAULT_SQL_CHUNK_ROWS = 50_000

const sameSchema = (a: ReadonlyArray<Field>, b: ReadonlyArray<Field>): boolean =>
  a.length === b.length && a.every((f, i) => f.name === b[i]!.name && DT.equals(f.dtype, b[i]!.dtype))

const formatSchema = (s: ReadonlyArray<Field>): string => s.map((f) => `${f.name}: ${DT.format(f.dtype)}`).join(", ")

/** Writes frames into a table. @internal */
export const write = <E, R>(
  input: Frame | Stream.Stream<Frame, E, R>,
  table: string,
  options: SqlWriteOptions = {}
): Effect.Effect<SqlWriteResult, SqlSourceError | E, R | SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const source = describeClient(sql)
    const qualified = options.schema === undefined ? quoteIdent(table) : `${quoteIdent(options.schema)}.${quoteIdent(table)}`
    const query = `INSERT INTO ${qualified}`
    const { fail, sqlFail } = failures(source, query)

    if (!isPg(sql))
      return yield* fail("dialect", "Source.writeSql needs a PostgreSQL client (@effect/sql-pg); SQLite is not supported yet")
    const chunkRows = options.chunkRows ?? DEFAULT_SQL_CHUNK_ROWS
    if (!Number.isInteger(chunkRows) || chunkRows < 1)
      return yield* fail("options", `invalid chunkRows: ${chunkRows} (expected a positive integer)`)
    const mode = options.ifTableExists ?? "fail"
    if (mode !== "fail" && mode !== "replace" && mode !== "append")
      return yield* fail("options", `invalid ifTableExists: ${String(mode)} (expected "fail", "replace" or "append")`)

    let schema: ReadonlyArray<Field> | undefined
    let insert = ""
    let rows = 0
    let created = false

    const setup = (first: ReadonlyArray<Field>) =>
      Effect.gen(function* () {
        const names = new Set<string>()
        const parts: Array<string> = []
        const exprs: Array<string> = []
        const params: Array<string> = []
        for (let j = 0; j < first.length; j++) {
          const f = first[j]!
          if (names.has(f.name)) return yield* fail("options", `duplicate column ${f.name}`, { column: f.name })
          names.add(f.name)
          const pg = pgTypeOf(f.dtype)
          const w = writeExpr(f.dtype, `polaroid_u.c${j}`)
          if (pg === undefined || w === undefined)
            return yield* fail("type", `column ${f.name}: dtype ${DT.format(f.dtype)} has no PostgreSQL type`, { column: f.name })
          parts.push(`${quoteIdent(f.name)} ${pg}`)
          exprs.push(w.expr)
          params.push(`$${j + 1}::${w.paramType}`)
        }
        const exists = yield* Effect.mapError(
          sql.unsafe("SELECT to_regclass($1) IS NOT NULL AS e", [qualified]).values,
          sqlFail("create")
        )
        const present = exists[0]?.[0] === true
        if (present && mode === "fail")
          return yield* fail("create", `table ${qualified} already exists (ifTableExists: "fail"; use "append" or "replace")`)
        if (present && mode === "replace")
          yield* Effect.mapError(sql.unsafe(`DROP TABLE ${qualified}`), sqlFail("create"))
        if (!present || mode === "replace") {
          yield* Effect.mapError(sql.unsafe(`CREATE TABLE ${qualified} (${parts.join(", ")})`), sqlFail("create"))
          created = true
        }
        const columnList = first.map((f) => quoteIdent(f.name)).join(", ")
        const aliases = first.map((_, j) => `c${j}`).join(", ")
        insert = `INSERT INTO ${qualified} (${columnList}) SELECT ${exprs.join(", ")} FROM unnest(${params.join(", ")}) AS polaroid_u(${aliases})`
        schema = first
      })

    const writeFrame = (frame: Frame) =>
      Effect.gen(function* () {
        if (schema === undefined) yield* setup(frame.schema)
        else if (!sameSchema(schema, frame.schema))
          return yield* fail(
            "input",
            `a frame's schema differs from the first frame's: [${formatSchema(frame.schema)}] vs [${formatSchema(schema)}]`
          )
        if (frame.width === 0) return
        for (const batch of frame.batches) {
          const cols: ReadonlyArray<Column> = batch.columns
          for (let start = 0; start < batch.length; start += chunkRows) {
            const end = Math.min(batch.length, start + chunkRows)
            const params = cols.map((c) => arrayLiteral(c, start, end))
            yield* Effect.mapError(sql.unsafe(insert, params), (cause) =>
              fail("insert", `rows ${rows + 1}–${rows + end - start} of the input: ${sqlErrorText(cause)}`, {
                row: rows,
                cause
              })
            )
            rows += end - start
          }
        }
      })

    const body: Effect.Effect<void, SqlSourceError | E, R> = F.isFrame(input)
      ? writeFrame(input)
      : Stream.runForEach(input as Stream.Stream<Frame, E, R>, writeFrame)
    yield* sql.withTransaction(body).pipe(
      Effect.catchIf(
        (e): e is SqlError => isSqlError(e),
        (cause) => Effect.fail(fail("commit", `transaction: ${sqlErrorText(cause)}`, { cause }))
      )
    )
    return { rows, created }
  })
