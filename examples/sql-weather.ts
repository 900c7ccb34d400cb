/**
 * CSV → PostgreSQL → frames: vega-datasets' seattle-weather.csv written with `Source.writeSql`, then read back
 * through a server-side cursor with `Source.sql` in batches of 100 rows.
 * Needs a server: `eval "$(sudo bash .ci/postgres.sh)"` sets POLAROID_PG_URL. Run: npm run example:sql
 */
import { NodeServices } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted, Stream } from "effect"
import { DataType as DT, Source, Stream as S } from "polaroid"

const program = Effect.gen(function* () {
  // CSV → PostgreSQL in one transaction. The table is created from the frame's schema.
  const weather = yield* Source.readCsv("node_modules/vega-datasets/data/seattle-weather.csv", { tryParseDates: true })
  const written = yield* Source.writeSql(weather, "seattle_weather", { ifTableExists: "replace" })
  yield* Effect.log(`wrote ${written.rows} rows`)

  // PostgreSQL → Frames of 100 rows, read through a server-side cursor
  const all = yield* Source.sql(
    "SELECT date, weather, temp_max, avg(temp_max) OVER (ORDER BY date ROWS 6 PRECEDING)::numeric(6,2) AS week_avg " +
      "FROM seattle_weather WHERE date >= $1 ORDER BY date",
    { params: ["2015-01-01"], batchRows: 100, dtypes: { weather: DT.Categorical } }
  ).pipe(Stream.tap((batch) => Effect.log(`batch of ${batch.height} rows`)), S.collect)
  yield* Effect.log(String(all))   // some(shape: (365, 4) …): date, cat, f64, decimal[6,2]
})

const Database = PgClient.layer({ url: Redacted.make(process.env.POLAROID_PG_URL!) })
Effect.runPromise(program.pipe(Effect.provide(Layer.mergeAll(Database, NodeServices.layer))))
