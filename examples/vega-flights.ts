/**
 * A real pipeline on data shipped in the `vega-datasets` npm package (a devDependency, so `npm ci` is enough):
 * 3 million US domestic flights (Parquet, written by Polars) joined with the airports table (CSV).
 *
 *   npm run example
 *
 * Reads flights-3m.parquet (only the columns it needs), keeps delayed flights, aggregates delays per origin
 * airport, joins the airport names and states from airports.csv, ranks the busiest airports, writes the result
 * to Parquet in a temporary directory, reads it back, and prints it.
 */
import * as path from "node:path"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, FileSystem, pipe } from "effect"
import { col, len } from "polaroid/Expr"
import * as Frame from "polaroid/Frame"
import * as Source from "polaroid/Source"

const data = path.resolve(import.meta.dirname, "../node_modules/vega-datasets/data")

const program = Effect.gen(function* () {
  const started = performance.now()

  // 1. Per-origin delay statistics over the 3M flights (a typed error union flows through the whole pipe).
  const delays = yield* pipe(
    Source.readParquet(path.join(data, "flights-3m.parquet"), { columns: ["origin", "delay", "distance"] }),
    Frame.filter(col("delay").gt(0)),
    Frame.groupBy("origin").agg(
      len().alias("delayed_flights"),
      col("delay").mean().alias("mean_delay_min"),
      col("delay").quantile(0.9, "linear").alias("p90_delay_min"),
      col("distance").mean().alias("mean_distance_mi")
    )
  )

  // 2. Airport names and states, from CSV.
  const airports = yield* Source.readCsv(path.join(data, "airports.csv"))

  // 3. Join, rank, keep the 15 busiest.
  const top = yield* pipe(
    delays,
    Frame.join(airports, { leftOn: "origin", rightOn: "iata", how: "inner" }),
    Frame.select("origin", "name", "state", "delayed_flights", col("mean_delay_min").round(1), col("p90_delay_min"), col("mean_distance_mi").round(0)),
    Frame.sort("delayed_flights", { descending: true }),
    Frame.head(15)
  )

  // 4. Write Parquet (atomically: temp file + rename), read it back, print.
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped()
  const out = path.join(dir, "top-delays.parquet")
  yield* Source.writeParquet(top, out, { compression: "zstd" })
  const back = yield* Source.readParquet(out)
  yield* Console.log(`Busiest origins by delayed departures (flights-3m.parquet, ${delays.height} origins with delays):`)
  yield* Frame.print(back, { maxRows: 15 })
  yield* Console.log(`done in ${Math.round(performance.now() - started)} ms`)
})

// Any typed error (ColumnNotFound, TypeMismatch, SourceError, PlatformError…) is reported by runMain with its
// tag and message, and the process exits non-zero.
NodeRuntime.runMain(program.pipe(Effect.scoped, Effect.provide(NodeServices.layer)))
