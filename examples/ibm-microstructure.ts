/**
 * Time series on real TAQ data (QuantConnect Lean's IBM trades and quotes of 2013-10-07, from ../shared/data):
 *
 *   npm run example:ts
 *
 * 1. Parse the headerless Lean files: prices are integer deci-cents (÷ 10,000) and times are milliseconds since
 *    midnight in New York; build a Timestamp(ms, "America/New_York") column.
 * 2. Quotes are one-sided (a bid row has zero ask fields and vice versa): forward-fill bid and ask separately.
 * 3. As-of join each trade to the prevailing quote (backward), and compute the effective spread in basis points:
 *    2 × |price − mid| / mid × 10,000.
 * 4. One-minute OHLCV bars with VWAP, the mean effective spread per minute, and the 30-minute rolling volatility of
 *    one-minute log returns.
 * 5. An augmented Dickey-Fuller test on the log mid-price sampled every second.
 * Prints the tables and writes them to Parquet in a temporary directory.
 */
import * as path from "node:path"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, FileSystem, pipe } from "effect"
import { col, lit, when } from "polaroid/Expr"
import * as Frame from "polaroid/Frame"
import { DataType } from "polaroid/Frame"
import * as Source from "polaroid/Source"
import * as TimeSeries from "polaroid/TimeSeries"

const lean = path.resolve(import.meta.dirname, "../../shared/data/market/lean/equity/usa/tick/ibm")
const day = Date.UTC(2013, 9, 7) // the session date, from the file names

/** New York wall-clock milliseconds since midnight → the instant, as Timestamp(ms, "America/New_York"). */
const nyTime = lit(day).add(col("time_ms")).cast(DataType.Timestamp("ms")).dt.replaceTimeZone("America/New_York")
/** Regular trading hours, 09:30–16:00. */
const regularHours = col("time_ms").between(9.5 * 3_600_000, 16 * 3_600_000, "left")
/** A one-sided price: null when the side is absent (0), else in dollars. */
const side = (name: string) => when(col(name).gt(0)).then(col(name).div(10_000)).otherwise(null)

const program = Effect.gen(function* () {
  const trades = yield* pipe(
    Source.readCsv(path.join(lean, "20131007_ibm_Trade_Tick.csv"), {
      hasHeader: false,
      columns: ["time_ms", "price", "size", "exchange", "sale_condition", "suspicious"]
    }),
    Frame.filter(col("suspicious").eq(0).and(regularHours)),
    Frame.select(nyTime.alias("ts"), col("price").div(10_000).alias("price"), col("size"))
  )

  const quotes = yield* pipe(
    Source.readCsv(path.join(lean, "20131007_ibm_Quote_Tick.csv"), {
      hasHeader: false,
      columns: ["time_ms", "bid_price", "bid_size", "ask_price", "ask_size", "exchange", "condition", "suspicious"]
    }),
    Frame.filter(col("suspicious").eq(0)),
    Frame.select(col("time_ms"), nyTime.alias("ts"), side("bid_price").forwardFill().alias("bid"), side("ask_price").forwardFill().alias("ask")),
    Frame.filter(col("bid").isNotNull().and(col("ask").isNotNull()).and(regularHours)),
    Frame.withColumns(col("bid").add(col("ask")).div(2).alias("mid")),
    Frame.drop("time_ms")
  )

  // Each trade with the quote in force when it printed.
  const executions = yield* pipe(
    trades,
    TimeSeries.joinAsof(quotes, { on: "ts", strategy: "backward" }),
    Frame.withColumns(col("price").sub(col("mid")).abs().mul(2).div(col("mid")).mul(10_000).alias("eff_spread_bps"))
  )

  const bars = yield* pipe(
    executions,
    TimeSeries.ohlcv({ index: "ts", price: "price", size: "size", every: "1m" })
  )
  const spreads = yield* pipe(
    executions,
    TimeSeries.groupByDynamic({ index: "ts", every: "1m" }, [col("eff_spread_bps").mean().round(3).alias("mean_eff_spread_bps")])
  )
  const minutes = yield* pipe(
    bars,
    Frame.join(spreads, { on: "ts", how: "left" }),
    Frame.withColumns(
      col("vwap").round(4),
      // 30-minute rolling volatility of one-minute log returns, in basis points
      col("close").log().diff().rollingStd(30, { minSamples: 30 }).mul(10_000).round(2).alias("vol_30m_bps")
    )
  )

  const summary = yield* pipe(
    executions,
    Frame.select(
      col("eff_spread_bps").count().alias("trades_matched"),
      col("eff_spread_bps").mean().round(3).alias("mean_eff_spread_bps"),
      col("eff_spread_bps").median().round(3).alias("median_eff_spread_bps"),
      col("eff_spread_bps").quantile(0.95, "linear").round(3).alias("p95_eff_spread_bps")
    )
  )

  // Stationarity of the log mid-price, sampled at one-second closes.
  const seconds = yield* pipe(
    quotes,
    TimeSeries.groupByDynamic({ index: "ts", every: "1s" }, [col("mid").last().log().alias("log_mid")])
  )
  const adf = yield* TimeSeries.adfuller(seconds, "log_mid", { regression: "c", autolag: "AIC" })

  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped()
  yield* Source.writeParquet(executions, path.join(dir, "ibm-executions.parquet"), { compression: "zstd" })
  yield* Source.writeParquet(minutes, path.join(dir, "ibm-minutes.parquet"), { compression: "zstd" })

  yield* Console.log(`IBM 2013-10-07: ${trades.height} regular-hours trades, ${quotes.height} two-sided quotes`)
  yield* Console.log("\nEffective spread of the trades against the prevailing quote:")
  yield* Frame.print(summary)
  yield* Console.log("\nOne-minute bars with VWAP, mean effective spread and 30-minute volatility:")
  yield* Frame.print(minutes, { maxColumns: 12 })
  yield* Console.log(
    `\nADF on the log mid-price (${adf.nobs} one-second observations, ${adf.usedLag} lags by AIC, constant):` +
      `\n  statistic ${adf.statistic.toFixed(4)}, p-value ${adf.pValue.toFixed(4)}, critical values ` +
      `1% ${adf.criticalValues["1%"].toFixed(3)}, 5% ${adf.criticalValues["5%"].toFixed(3)}, 10% ${adf.criticalValues["10%"].toFixed(3)}` +
      `\n  ${adf.pValue < 0.05 ? "→ a unit root is rejected at 5%" : "→ a unit root is not rejected at 5% (the mid-price behaves like a random walk)"}`
  )
  yield* Console.log(`\nwrote ${path.join(dir, "ibm-executions.parquet")} and ibm-minutes.parquet (removed on exit)`)
})

NodeRuntime.runMain(program.pipe(Effect.scoped, Effect.provide(NodeServices.layer)))
