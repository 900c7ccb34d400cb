/**
 * `Source.sql`: a query read through a server-side cursor (DECLARE … NO SCROLL CURSOR / FETCH FORWARD n) on one
 * reserved connection, inside its own transaction (or the caller's, when run inside `sql.withTransaction`).
 *
 * Steps: (1) describe the query's columns from the catalog: `CREATE TEMP TABLE … AS <query> WITH NO DATA` plans the
 * query without running it, and `pg_attribute` gives each column's type OID and typmod (numeric precision/scale);
 * in a read-only transaction (hot standby, `default_transaction_read_only`), where no table can be created, the
 * driver's row description of `SELECT * FROM (<query>) LIMIT 0` gives the OIDs instead (no typmods);
 * (2) plan each column (dtype and a SELECT expression, see sqlTypes.ts) and declare the cursor over the wrapped
 * query; (3) fetch `batchRows` rows per pull and build one Frame per fetch; (4) COMMIT (or CLOSE the cursor in the
 * caller's transaction) after the last fetch. A finalizer rolls back (or closes the cursor) when the stream is
 * interrupted or fails, and the connection goes back to the pool when the stream's scope closes.
 *
 * Only effect's generic `SqlClient` / `Connection` are used; the SQL is PostgreSQL's.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { SqlClient } from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { describeClient, failures, isPg, type SqlSourceError } from "./sqlError.ts"
import { buildColumn, maxScale, type PgColumn, planColumn, quoteIdent, type ReadPlan } from "./sqlTypes.ts"

/** Options of `Source.sql`. @internal */
export interface SqlReadOptions {
  readonly params?: ReadonlyArray<unknown> | undefined
  readonly batchRows?: number | undefined
  readonly dtypes?: Readonly<Record<string, DataType>> | undefined
  readonly readAhead?: number | undefined
}

/** Rows per fetched batch when `batchRows` is not given. */
export const DEFAULT_SQL_BATCH_ROWS = 65_536

let cursorCounter = 0

const DESCRIBE = (table: string): string =>
  "SELECT a.attname, a.atttypid, a.atttypmod, t.typelem, format_type(a.atttypid, a.atttypmod), t.typcategory " +
  "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid " +
  `WHERE a.attrelid = 'pg_temp.${table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`

/** `fields` of a raw driver result (`@effect/sql-pg`'s `Result`: name and type OID per column), read structurally. */
const fieldsOf = (raw: unknown): ReadonlyArray<{ readonly name: string; readonly dataTypeId: number }> | undefined => {
  const fields = (raw as { readonly fields?: unknown } | null)?.fields
  if (!Array.isArray(fields)) return undefined
  for (const f of fields)
    if (typeof f?.name !== "string" || typeof f?.dataTypeId !== "number") return undefined
  return fields as ReadonlyArray<{ readonly name: string; readonly dataTypeId: number }>
}

/** The query without trailing semicolons, on its own lines so a trailing `--` comment cannot swallow our SQL. */
const trimQuery = (query: string): string => query.replace(/[\s;]+$/, "")

/** The stream of Frames of a query. @internal */
export const read = (
  query: string,
  options: SqlReadOptions = {}
): Stream.Stream<Frame, SqlSourceError, SqlClient> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const sql = yield* SqlClient
      const source = describeClient(sql)
      const { fail, sqlFail } = failures(source, query)

      if (!isPg(sql))
        return yield* fail("dialect", "Source.sql needs a PostgreSQL client (@effect/sql-pg); SQLite is not supported yet")
      const batchRows = options.batchRows ?? DEFAULT_SQL_BATCH_ROWS
      if (!Number.isInteger(batchRows) || batchRows < 1)
        return yield* fail("options", `invalid batchRows: ${batchRows} (expected a positive integer)`)
      const readAhead = options.readAhead ?? 1
      if (!Number.isInteger(readAhead) || readAhead < 0)
        return yield* fail("options", `invalid readAhead: ${readAhead} (expected an integer ≥ 0)`)

      const text = trimQuery(query)
      const params = options.params ?? []
      const id = ++cursorCounter
      const cursor = `polaroid_cursor_${id}`
      const describeTable = `polaroid_describe_${id}`

      // The caller's transaction when there is one (its snapshot, its uncommitted rows); else our own connection.
      const outer = yield* Effect.serviceOption(sql.transactionService)
      const own = Option.isNone(outer)
      const conn: Connection = own ? yield* Effect.mapError(sql.reserve, sqlFail("connect")) : outer.value[0]
      let done = false
      yield* Effect.addFinalizer(() =>
        done ? Effect.void : Effect.ignore(conn.executeRaw(own ? "ROLLBACK" : `CLOSE ${cursor}`, []))
      )
      const exec = (operation: string, statement: string, ps: ReadonlyArray<unknown> = []) =>
        Effect.mapError(conn.executeValuesUnprepared(statement, ps), sqlFail(operation))

      if (own) yield* exec("declare", "BEGIN")
      // A read-only transaction (hot standby, default_transaction_read_only) cannot create the temp table: there
      // the columns come from the driver's RowDescription (OIDs, no typmods) of the query with LIMIT 0.
      const readOnly = (yield* exec("describe", "SHOW transaction_read_only"))[0]?.[0] === "on"
      let columns: Array<PgColumn>
      if (!readOnly) {
        yield* exec("describe", `CREATE TEMP TABLE ${describeTable} ON COMMIT DROP AS\n${text}\nWITH NO DATA`, params)
        const described = yield* exec("describe", DESCRIBE(describeTable))
        yield* exec("describe", `DROP TABLE pg_temp.${describeTable}`)
        columns = described.map((r) => ({
          name: r[0] as string,
          oid: r[1] as number,
          typmod: r[2] as number,
          elemOid: r[5] === "A" ? (r[3] as number) : 0,
          typeName: r[4] as string
        }))
      } else {
        const raw = yield* Effect.mapError(
          conn.executeRaw(`SELECT * FROM (\n${text}\n) AS polaroid_q LIMIT 0`, params),
          sqlFail("describe")
        )
        const fields = fieldsOf(raw)
        if (fields === undefined)
          return yield* fail("describe", "the driver gave no row description (fields) in a read-only transaction")
        const types = yield* exec(
          "describe",
          "SELECT oid::int8, typelem, typcategory, format_type(oid, NULL) FROM pg_type WHERE oid = ANY($1::int8[]::oid[])",
          [`{${fields.map((f) => f.dataTypeId).join(",")}}`]
        )
        const byOid = new Map(types.map((r) => [Number(r[0]), r] as const))
        columns = fields.map((f) => {
          const t = byOid.get(f.dataTypeId)
          return {
            name: f.name,
            oid: f.dataTypeId,
            typmod: -1,
            elemOid: t?.[2] === "A" ? (t[1] as number) : 0,
            typeName: typeof t?.[3] === "string" ? t[3] : String(f.dataTypeId)
          }
        })
      }
      const dtypes = options.dtypes ?? {}
      for (const name of Object.keys(dtypes))
        if (!columns.some((c) => c.name === name))
          return yield* fail("options", `dtypes names a column the query does not return: ${name}`, { column: name })
      const plans: Array<ReadPlan> = []
      for (const c of columns) {
        const plan = planColumn(c, `polaroid_q.${quoteIdent(c.name)}`, dtypes[c.name])
        if (typeof plan === "string") return yield* fail("type", `column ${c.name} (${c.typeName}): ${plan}`, { column: c.name })
        plans.push(plan)
      }
      const wrapped = `SELECT ${plans.map((p) => p.expr).join(", ")} FROM (\n${text}\n) AS polaroid_q`
      yield* exec("declare", `DECLARE ${cursor} NO SCROLL CURSOR FOR ${wrapped}`, params)

      const names = plans.map((p) => p.name)
      const fetch = `FETCH FORWARD ${batchRows} FROM ${cursor}`
      let rowsSoFar = 0
      const finish = Effect.gen(function* () {
        yield* exec("commit", own ? "COMMIT" : `CLOSE ${cursor}`)
        done = true
      })

      const toFrame = (rows: ReadonlyArray<ReadonlyArray<unknown>>): Effect.Effect<Frame, SqlSourceError> => {
        const cols: Array<Column> = []
        for (let j = 0; j < plans.length; j++) {
          const plan = plans[j]!
          if (plan.inferScale) {
            plan.dtype = DT.Decimal(38, maxScale(rows, j))
            plan.inferScale = false
          }
          const built = buildColumn(rows, j, plan.dtype)
          if (built._tag === "Err")
            return Effect.fail(
              fail(
                "decode",
                `column ${plan.name} (${plan.pg.typeName} as ${DT.format(plan.dtype)}), row ${rowsSoFar + built.row}: expected ${built.expected}, found ${built.found}` +
                  (plan.pg.typmod < 0 && plan.dtype._tag === "Decimal"
                    ? " (an unconstrained numeric takes its scale from the first batch; pass a dtype in options.dtypes)"
                    : ""),
                { column: plan.name, row: rowsSoFar + built.row }
              )
            )
          cols.push(built.column)
        }
        rowsSoFar += rows.length
        return Effect.succeed(F.fromColumnsUnsafe(names, cols))
      }

      const frames = Stream.paginate(true, (first: boolean) =>
        Effect.gen(function* () {
          const rows = yield* exec("fetch", fetch)
          const last = rows.length < batchRows
          if (last) yield* finish
          if (rows.length === 0 && !first) return [[], Option.none()] as const
          const frame = yield* toFrame(rows)
          return [[frame], last ? Option.none() : Option.some(false)] as const
        })
      )
      return readAhead > 0 ? Stream.buffer(frames, { capacity: readAhead }) : frames
    })
  )
