/**
 * A live pipeline on a WebSocket feed: Binance BTCUSDT trades (recorded on 2024-08-08, from the shared data in
 * ../shared/data/market/hftbacktest) replayed by a local WebSocket server 60× faster than they happened, ingested
 * with `Source.webSocket` as typed micro-batches, resampled to 1-second OHLCV bars as they arrive, and written to
 * Parquet by a streaming sink, with progress printed along the way.
 *
 *   npm run example:live          (node --conditions=source examples/binance-live.ts [outDir])
 *
 * The server (examples/support/replayServer.ts) speaks a Binance-like protocol: the client subscribes (from the
 * last trade id it saw, so a reconnect resumes without loss) and receives one JSON trade event per message. Each
 * micro-batch becomes partial bars with `TimeSeries.ohlcv`; a bar is complete once a later second has started, so
 * the last bar of a batch is held back and merged with the next batch's first one. At the end the streamed bars
 * are checked against `ohlcv` over all trades at once.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeRuntime, NodeServices, NodeWS } from "@effect/platform-node"
import { Console, Effect, Layer, Option, Schema, Stream } from "effect"
import * as Frame from "polaroid/Frame"
import { DataType } from "polaroid/Frame"
import * as Source from "polaroid/Source"
import * as S from "polaroid/Stream"
import * as TimeSeries from "polaroid/TimeSeries"
import { loadTrades, startReplayServer } from "./support/replayServer.ts"

const TRADES = path.resolve(import.meta.dirname, "../../shared/data/market/hftbacktest/derived/btcusdt_20240808.trades.ndjson")
const outDir = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), "polaroid-live-"))
fs.mkdirSync(outDir, { recursive: true })
const OUT = path.join(outDir, "btcusdt-1s-ohlcv.parquet")

/** A Binance `@trade` event: t trade id, p price and q quantity as decimal strings, T trade time (epoch ms). */
const Trade = Schema.Struct({
  t: Schema.Int,
  p: Schema.FiniteFromString,
  q: Schema.FiniteFromString,
  T: Schema.Number,
  m: Schema.Boolean
})

/** One 1-second bar, as `TimeSeries.ohlcv` gives it (the label `T` is the second's start). */
const Bar = Schema.Struct({
  T: Schema.Date,
  open: Schema.Number,
  high: Schema.Number,
  low: Schema.Number,
  close: Schema.Number,
  volume: Schema.Number,
  vwap: Schema.Number,
  trades: Schema.Number
})
type Bar = typeof Bar.Type

const toBars = (frame: Frame.Frame) =>
  TimeSeries.ohlcv(frame, { index: "T", price: "p", size: "q", every: "1s" }).pipe(
    Effect.map((bars) => Frame.toRows(bars) as unknown as Array<Bar>)
  )

/** Two partial bars of the same second → one. */
const merge = (a: Bar, b: Bar): Bar => ({
  T: a.T,
  open: a.open,
  high: Math.max(a.high, b.high),
  low: Math.min(a.low, b.low),
  close: b.close,
  volume: a.volume + b.volume,
  vwap: (a.vwap * a.volume + b.vwap * b.volume) / (a.volume + b.volume),
  trades: a.trades + b.trades
})

const program = Effect.gen(function* () {
  if (!fs.existsSync(TRADES)) return yield* Console.log(`${TRADES} is absent: nothing to replay`)
  const messages = loadTrades(TRADES)
  const server = yield* Effect.acquireRelease(
    Effect.promise(() => startReplayServer({ messages, pace: { kind: "speed", factor: 60 } })),
    (s) => Effect.promise(() => s.close())
  )
  const span = (messages[messages.length - 1]!.time - messages[0]!.time) / 1000
  yield* Console.log(`replaying ${messages.length} BTCUSDT trades (${span.toFixed(0)} s of trading, 60× faster) at ${server.url}`)

  const stats = Source.webSocketStats()
  const started = Date.now()
  let pending: Bar | undefined
  let barsOut = 0
  let lastPrint = 0

  const trades = Source.webSocket(server.url, {
    schema: Trade,
    dtypes: { T: DataType.Timestamp("ms") },
    subscribe: ({ lastSequence }) =>
      JSON.stringify({ op: "subscribe", from: lastSequence === undefined ? null : Number(lastSequence) }),
    ignore: (m) => typeof m === "object" && m !== null && "result" in m, // the subscription ack
    sequence: (trade) => trade.t,
    onGap: (gap) => Console.log(`  gap: ${gap.missing} trades missing after ${gap.after}`),
    maxDelay: "200 millis",
    onServerClose: "end",
    stats
  })

  const allTrades: Array<Frame.Frame> = []
  const bars = trades.pipe(
    Stream.tap((frame) => Effect.sync(() => allTrades.push(frame))),
    Stream.mapEffect(toBars),
    // complete bars: all but the last second of each batch (it may go on in the next batch)
    Stream.map((partial) => {
      const done: Array<Bar> = []
      for (const bar of partial) {
        if (pending !== undefined && pending.T.getTime() === bar.T.getTime()) pending = merge(pending, bar)
        else {
          if (pending !== undefined) done.push(pending)
          pending = bar
        }
      }
      return done
    }),
    Stream.concat(Stream.suspend(() => Stream.succeed(pending === undefined ? [] : [pending]))),
    Stream.filter((done) => done.length > 0),
    Stream.mapEffect((done) => Frame.fromRows(Bar, done, { dtypes: { trades: DataType.UInt32 } })),
    Stream.tap((frame) =>
      Effect.gen(function* () {
        barsOut += frame.height
        const s = stats.snapshot()
        if (Date.now() - lastPrint < 1000) return
        lastPrint = Date.now()
        const last = Frame.toRows(frame).at(-1)!
        yield* Console.log(
          `  ${((Date.now() - started) / 1000).toFixed(1)} s: ${s.rows} trades in ${s.batches} batches → ${barsOut} bars; ` +
            `last ${last.T.toISOString().slice(11, 19)} close ${last.close.toFixed(2)}`
        )
      })
    )
  )
  const written = yield* Stream.run(bars, S.sinkParquet(OUT))
  const s = stats.snapshot()
  yield* Console.log(
    `done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${s.rows} trades (${s.messages} messages, ${s.deadLetters} dead letters, ` +
      `${s.gaps} gaps, ${s.reconnects} reconnects) → ${written.rows} one-second bars in ${OUT} (${written.bytes} bytes)`
  )

  // check: the streamed bars equal OHLCV over all the trades at once
  const batch = yield* TimeSeries.ohlcv(Frame.concat(allTrades), { index: "T", price: "p", size: "q", every: "1s" })
  const streamed = yield* Source.readParquet(OUT)
  type Row = { readonly T: Date; readonly open: number; readonly high: number; readonly low: number; readonly close: number; readonly volume: number; readonly trades: number }
  const expected = Frame.toRows(batch) as unknown as Array<Row>
  const got = Frame.toRows(streamed) as unknown as Array<Row>
  const same =
    expected.length === got.length &&
    expected.every((b, i) => {
      const r = got[i]!
      return (
        b.T.getTime() === r.T.getTime() &&
        b.open === r.open &&
        b.close === r.close &&
        b.high === r.high &&
        b.low === r.low &&
        Math.abs(b.volume - r.volume) < 1e-9 &&
        b.trades === r.trades
      )
    })
  yield* Console.log(`streamed bars ${same ? "equal" : "DIFFER FROM"} the batch OHLCV (${batch.height} bars)`)
  yield* Console.log(Frame.toString(yield* Frame.head(streamed, 5)))
  if (!same) return yield* Effect.die("streamed bars differ from the batch OHLCV")
  return Option.none()
})

NodeRuntime.runMain(
  program.pipe(Effect.scoped, Effect.provide(Layer.mergeAll(NodeServices.layer, NodeWS.layerWebSocketConstructor)))
)
