/**
 * SQL databases as typed streams of record batches, through effect's `SqlClient` (`effect/sql`).
 *
 * `sql` reads a query through a server-side cursor (`DECLARE … NO SCROLL CURSOR` / `FETCH FORWARD batchRows`) on one
 * connection, one Frame per fetch, with the dtypes taken from the catalog (type OIDs and typmods), so the schema is
 * known before the first row and every batch has it. `writeSql` inserts a Frame or a stream of Frames into a
 * table in one transaction: all rows or none.
 *
 * **Database.** PostgreSQL (≥ 10; exact timestamps and intervals need ≥ 14), through any `SqlClient` whose
 * dialect is `pg` — in practice `@effect/sql-pg` (`PgClient.layer({ url })`), which the user provides. Only the
 * generic `SqlClient`/`Connection` interfaces are used, no driver internals. SQLite is not supported: effect 4 has
 * no released SQLite driver yet (only `@effect/sql-sqlite-node` 4.0.0 betas); a non-pg client fails with
 * `SqlSourceError` (`operation: "dialect"`).
 *
 * **Type mapping (read).**
 * | PostgreSQL | dtype | notes |
 * |---|---|---|
 * | `smallint` / `integer` / `bigint` | Int16 / Int32 / Int64 | `oid` → Int64 |
 * | `real` / `double precision` | Float32 / Float64 | NaN and ±Infinity kept |
 * | `numeric(p, s)` | Decimal(p, s) | from the column's typmod; p > 38 needs a `dtypes` override |
 * | `numeric` (unconstrained) | Decimal(38, s) | `s` = largest scale in the first batch; a later value with more digits fails |
 * | `text`, `varchar`, `char`, `name` | Utf8 | |
 * | `boolean` | Boolean | |
 * | `date` | Date | days since 1970-01-01; ±infinity fails |
 * | `timestamp` | Timestamp("us") | wall-clock, no zone; ±infinity fails |
 * | `timestamptz` | Timestamp("us", "UTC") | the instant, whatever the session TimeZone |
 * | `interval` | Duration("us") | as PostgreSQL's `EXTRACT(EPOCH FROM …)`: 1 month = 30 days, 1 year = 365.25 days |
 * | `json`, `jsonb` | Utf8 | the server's text of the value |
 * | `T[]` (one-dimensional) | List(T's dtype) | a multi-dimensional value fails naming the column |
 * | anything else (uuid, inet, time, bytea, enums, …) | Utf8 | the type's text output |
 *
 * Any column can be given another dtype in `dtypes`: the column is cast in SQL to that dtype's PostgreSQL type
 * (Int8/UInt8 → smallint, UInt16 → integer, UInt32 → bigint, UInt64 → numeric(20,0), Timestamp(u, tz) →
 * timestamp/timestamptz, Duration → interval, Decimal(p, s) → numeric(p, s), List(T) → T[], Categorical → text)
 * and then read as that dtype (out-of-range values fail with `operation: "decode"`).
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import { dual } from "effect/Function"
import type { SqlClient } from "effect/sql/SqlClient"
import type { DataType } from "../Frame/DataType.ts"
import type { Frame } from "../internal/frame.ts"
import type { SqlSourceError } from "../internal/net/sqlError.ts"
import * as Read from "../internal/net/sqlRead.ts"
import * as Write from "../internal/net/sqlWrite.ts"

export { SqlSourceError } from "../internal/net/sqlError.ts"

/**
 * Rows per Frame of {@link sql} when `batchRows` is not given (65,536, as the file sources).
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_SQL_BATCH_ROWS: number = Read.DEFAULT_SQL_BATCH_ROWS

/**
 * Rows per INSERT statement of {@link writeSql} when `chunkRows` is not given (50,000).
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_SQL_CHUNK_ROWS: number = Write.DEFAULT_SQL_CHUNK_ROWS

/**
 * Options of {@link sql}.
 * @since 0.2.0
 * @category models
 */
export interface SqlOptions {
  /** Values of the query's `$1`, `$2`, … placeholders (bound by the driver; never spliced into the SQL text). */
  readonly params?: ReadonlyArray<unknown> | undefined
  /** Rows per fetch, hence per Frame (default {@link DEFAULT_SQL_BATCH_ROWS}); the last Frame may be shorter. */
  readonly batchRows?: number | undefined
  /** Dtypes by column name overriding the default mapping (see the module table); unknown names fail. */
  readonly dtypes?: Readonly<Record<string, DataType>> | undefined
  /** Fetches run ahead of a slow consumer (default 1; 0 fetches only on pull). */
  readonly readAhead?: number | undefined
}

/**
 * Options of {@link writeSql}.
 * @since 0.2.0
 * @category models
 */
export interface WriteSqlOptions {
  /**
   * When the table exists, as Polars' `write_database(if_table_exists=…)`: `"fail"` (default, a typed error),
   * `"replace"` (drop and re-create it from the frame's schema) or `"append"` (insert into it; columns are matched
   * by name and PostgreSQL's assignment casts apply). A missing table is created from the frame's schema in every
   * mode.
   */
  readonly ifTableExists?: "fail" | "replace" | "append" | undefined
  /** The PostgreSQL schema of the table (default: the connection's `search_path`). */
  readonly schema?: string | undefined
  /** Rows per INSERT statement (default {@link DEFAULT_SQL_CHUNK_ROWS}). */
  readonly chunkRows?: number | undefined
}

/**
 * What {@link writeSql} did.
 * @since 0.2.0
 * @category models
 */
export interface WriteSqlResult {
  /** Rows inserted. */
  readonly rows: number
  /** Whether the table was created (or re-created by `"replace"`). */
  readonly created: boolean
}

/**
 * A query's rows as a stream of Frames of `batchRows` rows, read with a server-side cursor.
 *
 * **Details**
 *
 * Output: one Frame per `FETCH FORWARD batchRows` (the last may be shorter; an empty result gives one empty Frame,
 * so the schema is never lost), columns in the query's order with the dtypes of the module's type table (or
 * `dtypes`). The query must be something a cursor can run: `SELECT`, `VALUES`, `TABLE t`, `WITH … SELECT` (not
 * `INSERT … RETURNING`); column names must be distinct. Before declaring the cursor, the query is described with
 * `CREATE TEMP TABLE … AS <query> WITH NO DATA` (plans it without running it) and `pg_attribute`, which is where
 * the OIDs and typmods come from. In a read-only transaction (a hot standby, `default_transaction_read_only`)
 * no table can be created: the OIDs then come from the driver's row description of the query with `LIMIT 0`, read
 * structurally as `@effect/sql-pg` returns it, and without typmods a `numeric(p, s)` column is read as an
 * unconstrained numeric (scale from the first batch; give a `dtypes` entry to fix it). The cursor then runs `SELECT <conversions> FROM (<query>)`, where the conversions
 * make the driver hand over exact values (timestamps as int8 microseconds, dates as day numbers, json as text).
 *
 * Transactions: the stream reserves one connection from the client's pool and runs in its own transaction
 * (`BEGIN` … `COMMIT` after the last fetch), so all batches come from one snapshot. Inside
 * `sql.withTransaction`, it runs in that transaction instead (it sees its uncommitted rows) and closes its cursor
 * at the end. Interrupting the stream (e.g. `Stream.take`, a failing consumer, fiber interruption) stops fetching,
 * rolls back (or closes the cursor), and returns the connection to the pool.
 *
 * Memory: at most `readAhead + 2` batches are held (the driver's rows of one fetch, the batch being built, the
 * buffered ones).
 *
 * **Errors** `SqlSourceError` naming the database (`source`) and `query`, with `operation` and effect's `SqlError`
 * as `cause` when the database reported it: `"describe"` (syntax error, unknown table or column, duplicate column
 * names, a statement a cursor cannot run), `"type"` (no dtype for a column, e.g. numeric(50, 2)),
 * `"declare"`/`"fetch"` (errors while running: division by zero, an infinite date, a lost connection),
 * `"decode"` (a value outside its dtype; with `column` and `row`), `"options"`, `"dialect"`, `"connect"`.
 *
 * **Example** (Streaming a table into batches)
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import * as Source from "polaroid/Source"
 *
 * const program = Source.sql("SELECT id, price, ts FROM trades WHERE day = $1", {
 *   params: ["2024-01-02"],
 *   batchRows: 10_000
 * }).pipe(
 *   Stream.runForEach((batch) => Effect.log(batch.height)),
 *   Effect.provide(PgClient.layer({ url: Redacted.make("postgres://user:pw@127.0.0.1:5432/market") }))
 * )
 * ```
 *
 * @see {@link writeSql} to write frames back
 * @since 0.2.0
 * @category sources
 */
export const sql = (query: string, options: SqlOptions = {}): Stream.Stream<Frame, SqlSourceError, SqlClient> =>
  Read.read(query, options)

/**
 * Inserts a Frame, or every Frame of a stream, into a PostgreSQL table, in one transaction: either every row is
 * written or none is.
 *
 * **Details**
 *
 * The table is created from the first frame's schema when missing (or re-created with `ifTableExists: "replace"`):
 * Int8/Int16/UInt8 → smallint, Int32/UInt16 → integer, Int64/UInt32 → bigint, UInt64 → numeric(20,0),
 * Float32 → real, Float64 → double precision, Decimal(p, s) → numeric(p, s), Boolean → boolean,
 * Utf8/Categorical/Null → text, Date → date, Timestamp(u) → timestamp, Timestamp(u, tz) → timestamptz (the
 * instant), Duration(u) → interval, List(T) → T[]; Struct and List of List have no type and fail. Every frame of
 * a stream must have the first frame's schema. Timestamp("ns")/Duration("ns") values are floored to microseconds
 * (PostgreSQL's resolution).
 *
 * Rows go in chunks of `chunkRows` as `INSERT INTO t (…) SELECT … FROM unnest($1::int8[], $2::text[], …)`, each
 * column one text parameter holding a PostgreSQL array literal, so every value passes through PostgreSQL's own
 * input functions. COPY FROM STDIN would be faster, but `@effect/sql-pg` 4.0.5 does not implement the COPY
 * sub-protocol (and effect's `SqlClient` has no COPY).
 *
 * Transactions: the whole write runs in `sql.withTransaction`, a savepoint when already inside one. A failure
 * anywhere — a constraint violation in a late chunk, the input stream failing, interruption — rolls back the
 * table creation and every chunk already sent. An empty stream writes nothing and creates nothing.
 *
 * **Errors** `SqlSourceError` (`query` = `INSERT INTO <table>`): `"create"` (the table exists with
 * `ifTableExists: "fail"`, or CREATE/DROP failed), `"type"` (a dtype with no PostgreSQL type), `"insert"` (the
 * database refused a chunk: constraint, type, NUL in text; `row` = the 0-based first row of the chunk),
 * `"input"` (a frame of the stream with another schema), `"commit"`, `"options"`, `"dialect"`; and the input
 * stream's own error `E`, unchanged.
 *
 * **Example** (Round trip)
 * ```ts
 * const copy = Effect.gen(function* () {
 *   const trades = yield* Source.readCsv("trades.csv")
 *   yield* Source.writeSql(trades, "trades", { ifTableExists: "replace" })
 *   return yield* Stream.collect(Source.sql("SELECT * FROM trades"))
 * })
 * ```
 *
 * Dual: `writeSql(input, table, options?)` or, data-last in a `pipe`, `writeSql(table, options?)(input)`.
 *
 * @see {@link sql}
 * @since 0.2.0
 * @category sinks
 */
export const writeSql: {
  (
    table: string,
    options?: WriteSqlOptions
  ): <E = never, R = never>(
    input: Frame | Stream.Stream<Frame, E, R>
  ) => Effect.Effect<WriteSqlResult, SqlSourceError | E, R | SqlClient>
  <E = never, R = never>(
    input: Frame | Stream.Stream<Frame, E, R>,
    table: string,
    options?: WriteSqlOptions
  ): Effect.Effect<WriteSqlResult, SqlSourceError | E, R | SqlClient>
} = dual(
  (args) => typeof args[0] !== "string",
  <E, R>(
    input: Frame | Stream.Stream<Frame, E, R>,
    table: string,
    options: WriteSqlOptions = {}
  ): Effect.Effect<WriteSqlResult, SqlSourceError | E, R | SqlClient> => Write.write(input, table, options)
)
