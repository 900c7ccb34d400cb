/**
 * WebSocket feeds as typed streams of record batches: `webSocket(url, { schema })` connects through effect's
 * `Socket` (the user provides the `Socket.WebSocketConstructor` layer: `NodeWS.layerWebSocketConstructor` from
 * `@effect/platform-node`, backed by the `ws` package, or `NodeSocket.layerWebSocketConstructor`, Node's global
 * WebSocket), decodes each message with an Effect `Schema` struct and delivers `Frame`s micro-batched by count
 * (`maxRows`) and time (`maxDelay`). It reconnects by a `Schedule`, re-subscribes from the last sequence number
 * seen, detects dead connections with heartbeats, applies a chosen overflow strategy, hands undecodable messages to
 * a dead-letter callback (or fails), reports sequence gaps, and counts everything in effect `Metric`s and a stats
 * handle. See `docs/sources.md` (WebSocket).
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import type * as Schedule from "effect/Schedule"
import type * as Stream from "effect/Stream"
import type * as Socket from "effect/socket/Socket"
import type { RowOf } from "../Frame/Rows.ts"
import type { Frame } from "../internal/frame.ts"
import * as Internal from "../internal/net/websocket.ts"
import * as Model from "../internal/net/websocketModel.ts"

/**
 * The typed error of {@link webSocket}: `url` names the source, `reason` says what failed (`"Open"`, `"Closed"`
 * with `closeCode`, `"Read"`, `"Write"`, `"HeartbeatTimeout"` — retried by the reconnect schedule, and surfaced
 * with `retries` when it gives up — or, never retried, `"BufferOverflow"`, `"Decode"`, `"SequenceGap"`,
 * `"Schema"`, `"Subscribe"`, `"Callback"`, `"InvalidOptions"`), `detail` explains, `cause` keeps effect's `SocketError`.
 * Recover with `Effect.catchTag("WebSocketError", …)` / `Stream.catchTag`.
 * @since 0.2.0 @category errors
 */
export const WebSocketError: typeof Model.WebSocketError = Model.WebSocketError
/** @since 0.2.0 @category errors */
export type WebSocketError = Model.WebSocketError
/** The `reason` of a {@link WebSocketError}. @since 0.2.0 @category errors */
export type WebSocketErrorReason = Model.WebSocketErrorReason

/** The options of {@link webSocket} (each documented on its field). @since 0.2.0 @category models */
export type WebSocketOptions<S extends WebSocketRowSchema> = Model.WebSocketOptions<S>
/** A `Schema.Struct` whose decoding needs no services: the row schema of {@link webSocket}. @since 0.2.0 @category models */
export type WebSocketRowSchema = Model.RowSchema
/** The overflow strategies of {@link webSocket} (`overflow` option). @since 0.2.0 @category models */
export type WebSocketOverflow = Model.Overflow
/** What `subscribe` receives on each (re)connection: `lastSequence` and the 1-based `connection` number. @since 0.2.0 @category models */
export type WebSocketSubscribeContext = Model.SubscribeContext
/** Heartbeat settings (`interval`, `timeout`, optional app-level ping `message`). @since 0.2.0 @category models */
export type WebSocketHeartbeat = Model.HeartbeatOptions
/**
 * A message that did not become a row: `data` as received, `stage` (`"parse"`, `"decode"`, `"sequence"`),
 * `error` (the Schema issue or the thrown message), `connection`, `receivedAt` (epoch ms).
 * @since 0.2.0 @category models
 */
export type WebSocketDeadLetter = Model.DeadLetter
/**
 * Missing messages: after sequence `after` the next one seen was `next`; `missing = next - after - 1`;
 * `afterReconnect` tells whether it was the first row of a new connection (the server could not replay).
 * @since 0.2.0 @category models
 */
export type WebSocketSequenceGap = Model.SequenceGap
/** The counters of a WebSocket source (see {@link webSocketStats}). @since 0.2.0 @category models */
export type WebSocketStats = Model.WebSocketStats
/** A live view of a source's counters: `snapshot()` (sync) or `get` (Effect). @since 0.2.0 @category models */
export type WebSocketStatsRef = Model.WebSocketStatsRef
/** Options of {@link webSocketReconnect}. @since 0.2.0 @category models */
export type WebSocketReconnectOptions = Model.ReconnectPolicyOptions

/** Default `maxRows` (4096). @since 0.2.0 @category constants */
export const DEFAULT_WEBSOCKET_MAX_ROWS: number = Model.DEFAULT_MAX_ROWS
/** Default `maxDelay` in milliseconds (1). @since 0.2.0 @category constants */
export const DEFAULT_WEBSOCKET_MAX_DELAY_MS: number = Model.DEFAULT_MAX_DELAY_MS
/** Default `bufferSize` in rows (65,536). @since 0.2.0 @category constants */
export const DEFAULT_WEBSOCKET_BUFFER_SIZE: number = Model.DEFAULT_BUFFER_SIZE

/**
 * A WebSocket feed as a stream of Frames (record batches): one row per message, decoded by `options.schema` (a
 * `Schema.Struct`), as a live trading feed, a telemetry socket or a change stream.
 *
 * **Details**
 *
 * - *Batches.* A frame is delivered when `maxRows` rows (default 4096) are buffered, or when the oldest buffered
 *   row has waited `maxDelay` (default 1 ms), so a quiet feed still delivers promptly and a busy one in full frames. Columns and dtypes as in
 *   `Frame.fromRows` (e.g. `Schema.NumberFromString` → Float64, `Schema.String` → Utf8). Rows keep arrival order.
 * - *Decoding.* `decode` (default `JSON.parse`; a binary frame is read as UTF-8) then the Schema, a socket read
 *   (all the messages of one event-loop turn) at a time: no Effect per message. `ignore` skips acks and pongs.
 * - *Dead letters.* A message that does not parse or decode fails the stream (`deadLetters: "fail"`, default:
 *   `"Decode"`, after the rows before it) or goes to the `deadLetters` callback; counted either way.
 * - *Reconnect.* When a connection breaks, `reconnect` (a `Schedule`, default {@link webSocketReconnect}) gives
 *   the delay; after each (re)connection `subscribe({ lastSequence, connection })` messages are sent, so a server
 *   that can replay from a sequence number resumes right after the last row seen. With `sequence`, replayed
 *   duplicates are dropped (no row delivered twice) and a jump is a {@link WebSocketSequenceGap} for `onGap` (or a
 *   failure, `gaps: "fail"`).
 * - *Heartbeat.* Protocol pings (with the `ws` package) or an app-level `heartbeat.message`; a connection that
 *   stays silent for `heartbeat.timeout` is terminated and reconnected (`"HeartbeatTimeout"`).
 * - *Overflow.* A bounded buffer (`bufferSize` rows) between the socket and the consumer; `overflow` chooses
 *   `"backpressure"` (default: stop reading the socket), `"dropOldest"`, `"dropNewest"` or `"fail"`.
 * - *Metrics.* effect `Metric` counters `polaroid_websocket_{messages,rows,batches,dropped,dead_letters,
 *   duplicates,gaps,missing,reconnects,heartbeat_timeouts}_total` and the gauge `polaroid_websocket_buffered_rows`,
 *   attribute `url` (`dropped` also `strategy`), updated once per batch; `stats` (from {@link webSocketStats})
 *   gives the live counters.
 * - *Resources.* The socket belongs to the stream: when the stream ends, fails or is interrupted (including a
 *   downstream `Stream.take`), the connection is closed (close frame 1000; a dead one is terminated).
 * - The stream ends only when the server closes normally with `onServerClose: "end"`; otherwise it runs until
 *   interrupted or failed.
 *
 * **Errors** {@link WebSocketError} naming the URL (see its reasons).
 * **Requires** `Socket.WebSocketConstructor` (`NodeWS.layerWebSocketConstructor` or
 * `NodeSocket.layerWebSocketConstructor` from `@effect/platform-node`).
 *
 * **Example** (Binance trades, 1-second batches written as they come)
 * ```ts
 * import { NodeWS } from "@effect/platform-node"
 * import { Effect, Schema, Stream } from "effect"
 * import * as Source from "polaroid/Source"
 *
 * const Trade = Schema.Struct({ t: Schema.Number, p: Schema.NumberFromString, q: Schema.NumberFromString, T: Schema.Number, m: Schema.Boolean })
 * const trades = Source.webSocket("wss://stream.binance.com:9443/ws/btcusdt@trade", {
 *   schema: Trade,
 *   sequence: (row) => row.t,
 *   ignore: (m) => typeof m === "object" && m !== null && "result" in m, // subscription acks
 *   maxDelay: "1 second"
 * })
 * const program = trades.pipe(Stream.take(5), Stream.runForEach((frame) => Effect.log(frame.height)))
 * Effect.runPromise(Effect.provide(program, NodeWS.layerWebSocketConstructor))
 * ```
 * @since 0.2.0 @category constructors
 */
export const webSocket: <S extends WebSocketRowSchema>(
  url: string,
  options: WebSocketOptions<S>
) => Stream.Stream<Frame<RowOf<S["Type"]>>, WebSocketError, Socket.WebSocketConstructor> = Internal.webSocket

/**
 * The default reconnect schedule of {@link webSocket}, with its knobs: exponential backoff from `base` (100 ms)
 * by `factor` (2), each delay randomized ×0.8–1.2 (`jitter`, default on) and capped at `maxDelay` (10 s), for at
 * most `maxRetries` (10) consecutive failed attempts (a connection that delivered rows starts the count
 * again). Any effect `Schedule` works as `reconnect`; its input is the {@link WebSocketError} that ended the
 * connection.
 *
 * **Example**
 * ```ts
 * Source.webSocket(url, { schema, reconnect: Source.webSocketReconnect({ base: "50 millis", maxRetries: Infinity }) })
 * ```
 * @since 0.2.0 @category constructors
 */
export const webSocketReconnect: (options?: WebSocketReconnectOptions) => Schedule.Schedule<Duration.Duration> =
  Model.reconnectPolicy

/**
 * A handle on a WebSocket source's counters: pass it as `options.stats`, then read `snapshot()` (or `yield*
 * ref.get`) at any time: connections, reconnects, messages, rows, batches, dropped, deadLetters, duplicates,
 * ignored, gaps, missing, heartbeatTimeouts, bufferedRows, lastSequence. The counters restart when the stream
 * starts.
 * @since 0.2.0 @category constructors
 */
export const webSocketStats: () => WebSocketStatsRef = Model.makeStatsRef

/**
 * The effect `Metric`s every WebSocket source updates (attribute `url`; `dropped` also `strategy`), e.g. for
 * `Metric.value(Source.webSocketMetrics.dropped)` or an exporter.
 * @since 0.2.0 @category metrics
 */
export const webSocketMetrics: typeof Model.metrics = Model.metrics
