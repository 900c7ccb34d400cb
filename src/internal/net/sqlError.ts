/**
 * The typed error of the SQL source and sink, and how the source is named in it.
 * @internal
 */
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { SqlClient } from "effect/sql/SqlClient"
import { SqlError } from "effect/sql/SqlError"

/**
 * A failure of `Source.sql` or `Source.writeSql`, naming the database (`source`, without credentials), the
 * statement (`query`: the user's query for reads, the table for writes), the step that failed (`operation`) and,
 * when the database or the driver reported it, effect's `SqlError` as `cause` (its `reason` tells a syntax error
 * from a constraint violation or a lost connection).
 *
 * Operations: `"dialect"` (not a PostgreSQL client), `"options"` (bad options), `"describe"` (the query's columns
 * could not be described: a syntax error, an unknown table, a non-SELECT statement), `"type"` (a column with no
 * dtype: e.g. numeric precision above 38), `"declare"`/`"fetch"` (running the cursor), `"decode"` (a value that
 * does not fit the column's dtype; `column` and `row` are set), `"create"`/`"insert"` (writing), `"commit"`,
 * `"input"` (the stream given to `writeSql` failed: that failure is in `message`; the transaction rolled back).
 * @since 0.2.0
 * @category errors
 */
export class SqlSourceError extends Schema.TaggedError<SqlSourceError>()("SqlSourceError", {
  source: Schema.String,
  query: Schema.String,
  operation: Schema.String,
  message: Schema.String,
  column: Schema.optionalKey(Schema.String),
  row: Schema.optionalKey(Schema.Int),
  cause: Schema.optionalKey(SqlError)
}) {}

/** A short text of a SqlError: the database's message when there is one. */
export const sqlErrorText = (e: SqlError): string => {
  const reason = e.reason as { readonly message?: unknown; readonly cause?: unknown }
  const cause = reason.cause as { readonly message?: unknown } | undefined
  const inner = typeof cause?.message === "string" ? cause.message : undefined
  const outer = typeof reason.message === "string" ? reason.message : e.message
  return inner !== undefined && inner !== outer ? `${outer}: ${inner}` : outer
}

/**
 * `postgres://host:port/database` of a client, without user or password, read structurally from the driver's
 * `config` (as `@effect/sql-pg` exposes it); `"sql"` when the client does not say.
 */
export const describeClient = (sql: SqlClient): string => {
  const config = (sql as unknown as { readonly config?: unknown }).config
  if (typeof config !== "object" || config === null) return "sql"
  const c = config as {
    readonly url?: unknown
    readonly host?: unknown
    readonly port?: unknown
    readonly database?: unknown
  }
  let host = typeof c.host === "string" ? c.host : undefined
  let port = typeof c.port === "number" ? String(c.port) : undefined
  let database = typeof c.database === "string" ? c.database : undefined
  if (c.url !== undefined) {
    try {
      const raw = Redacted.isRedacted(c.url) ? Redacted.value(c.url) : c.url
      if (typeof raw === "string") {
        const u = new URL(raw)
        host ??= u.hostname
        port ??= u.port || undefined
        database ??= u.pathname.replace(/^\//, "") || undefined
      }
    } catch {
      // an unparsable URL: keep what the fields say
    }
  }
  return `postgres://${host ?? "localhost"}:${port ?? "5432"}/${database ?? ""}`
}

/**
 * Error builders bound to one source and query: `fail(operation, message, extra)` and `sqlFail(operation)`, which
 * wraps effect's `SqlError` as the cause. Shared by the reader and the writer.
 */
export const failures = (source: string, query: string) => {
  const fail = (
    operation: string,
    message: string,
    extra: { column?: string; row?: number; cause?: SqlError } = {}
  ): SqlSourceError => new SqlSourceError({ source, query, operation, message, ...extra })
  const sqlFail = (operation: string) => (cause: SqlError) => fail(operation, sqlErrorText(cause), { cause })
  return { fail, sqlFail }
}

/** Whether the client speaks PostgreSQL (the only dialect the SQL sources support). */
export const isPg = (sql: SqlClient): boolean => sql.onDialectOrElse({ pg: () => true, orElse: () => false })
