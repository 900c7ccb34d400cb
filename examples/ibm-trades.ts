/**
 * A real pipeline on QuantConnect Lean's sample TAQ data (in the workplace's shared data, ../shared/data):
 * IBM trade ticks of 2013-10-07 aggregated into one-minute OHLCV bars with VWAP, joined with IBM's daily bars.
 *
 *   npm run example:ibm
 *
 * The Lean files are headerless CSV; prices are integer deci-cents (÷ 10,000) and times are milliseconds since
 * midnight in New York. The pipeline turns those into a Timestamp(ms, "America/New_York") column, keeps
 * regular-hours trades not flagged suspicious, aggregates per minute, joins the day's open from the daily file,
 * writes Parquet and prints the result.
 */
import * as path from "node:path"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, FileSystem, pipe } from "effect"
import { col, len, lit } from "polaroid/Expr"
import * as Frame from "polaroid/Frame"
import { DataType } from "polaroid/Frame"
import * as Source from "polaroid/Source"

const lean = path.resolve(import.meta.dirname, "../../shared/data/market/lean/equity/usa")
const day = Date.UTC(2013, 9, 7) // the session date, from the file name

const program = Effect.gen(function* () {
  const trades = yield* pipe(
    Source.readCsv(path.join(lean, "tick/ibm/20131007_ibm_Trade_Tick.csv"), {
      hasHeader: false,
      columns: ["time_ms", "price", "size", "exchange", "sale_condition", "suspicious"]
    }),
    Frame.withColumns(
      // wall-clock New York time → the instant it denotes (DST-aware, from Intl's time-zone rules)
      lit(day).add(col("time_ms")).cast(DataType.Timestamp("ms")).dt.replaceTimeZone("America/New_York").alias("ts"),
      col("price").div(10_000).alias("price")
    ),
    Frame.filter(col("suspicious").eq(0).and(col("time_ms").between(9.5 * 3_600_000, 16 * 3_600_000, "left")))
  )

  const bars = yield* pipe(
    trades,
    Frame.groupBy(col("ts").dt.truncate("1m").alias("minute")).agg(
      col("price").first().alias("open"),
      col("price").max().alias("high"),
      col("price").min().alias("low"),
      col("price").last().alias("close"),
      col("size").sum().alias("volume"),
      col("price").mul(col("size")).sum().div(col("size").sum()).round(4).alias("vwap"),
      len().alias("trades")
    ),
    Frame.sort("minute")
  )

  const daily = yield* pipe(
    Source.readCsv(path.join(lean, "daily/ibm.csv"), {
      hasHeader: false,
      columns: ["date_text", "open", "high", "low", "close", "volume"]
    }),
    Frame.select(
      col("date_text").str.strptime(DataType.Date, "%Y%m%d %H:%M").alias("date"),
      col("open").div(10_000).alias("day_open"),
      col("close").div(10_000).alias("day_close")
    )
  )

  const result = yield* pipe(
    bars,
    Frame.withColumns(col("minute").dt.date().alias("date")),
    Frame.join(daily, { on: "date", how: "left" }),
    Frame.withColumns(col("close").div(col("day_open")).sub(1).mul(10_000).round(1).alias("bps_from_open")),
    Frame.drop("date")
  )

  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped()
  yield* Source.writeParquet(result, path.join(dir, "ibm-minute-bars.parquet"), { compression: "snappy" })
  yield* Console.log(`IBM 2013-10-07: ${trades.height} regular-hours trades → ${result.height} one-minute bars`)
  yield* Frame.print(result)
})

NodeRuntime.runMain(program.pipe(Effect.scoped, Effect.provide(NodeServices.layer)))
