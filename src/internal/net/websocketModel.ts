/**
 * Models of the WebSocket source: its typed error, dead letters, sequence gaps, statistics, options and the
 * metrics it updates. The public module `src/Source/WebSocket.ts` re-exports and documents them.
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type { DataType } from "../../Frame/DataType.ts"

// ---------------------------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------------------------

/** Why a WebSocket source failed. */
export const WebSocketErrorReason = Schema.Literals([
  "Open",
  "Closed",
  "Read",
  "Write",
  "HeartbeatTimeout",
  "BufferOverflow",
  "Decode",
  "SequenceGap",
  "Schema",
  "Subscribe",
  "Callback",
  "InvalidOptions"
])
export type WebSocketErrorReason = typeof WebSocketErrorReason.Type

/** Reasons that end a connection but may be retried by the reconnect schedule. */
const transientReasons: ReadonlySet<WebSocketErrorReason> = new Set(["Open", "Closed", "Read", "Write", "HeartbeatTimeout"])

/**
 * The typed error of `Source.webSocket`: every failure names the source (`url`) and a `reason`.
 *
 * - Connection failures, retried by the `reconnect` schedule and surfaced when it gives up (`retries` tells how
 *   many reconnect attempts were made): `"Open"` (refused, DNS, handshake rejected, `openTimeout`), `"Closed"`
 *   (the server closed the connection; `closeCode` is the WebSocket close code), `"Read"`, `"Write"`,
 *   `"HeartbeatTimeout"` (nothing received, not even a pong, for `heartbeat.timeout`).
 * - Fatal failures, never retried: `"BufferOverflow"` (`overflow: "fail"` and the buffer is full), `"Decode"`
 *   (`deadLetters: "fail"` and a message did not parse or decode; `detail` has the Schema issue),
 *   `"SequenceGap"` (`gaps: "fail"` and a gap was seen), `"Schema"` (a decoded value does not fit a `dtypes`
 *   override), `"Subscribe"` (the `subscribe` function threw), `"Callback"` (`onGap` or `deadLetters` threw or died),
 *   `"InvalidOptions"`.
 *
 * `cause` keeps effect's `SocketError` (or the thrown value) when there is one.
 */
export class WebSocketError extends Schema.TaggedError<WebSocketError>()("WebSocketError", {
  url: Schema.String,
  reason: WebSocketErrorReason,
  detail: Schema.String,
  closeCode: Schema.optionalKey(Schema.Int),
  retries: Schema.optionalKey(Schema.Int),
  cause: Schema.optionalKey(Schema.Defect())
}) {
  override get message(): string {
    const retries = this.retries === undefined ? "" : ` (after ${this.retries} reconnect attempts)`
    return `WebSocket ${this.url}: ${this.reason}: ${this.detail}${retries}`
  }
  /** Whether the reconnect schedule may retry this failure. */
  get transient(): boolean {
    return transientReasons.has(this.reason)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// events
// ---------------------------------------------------------------------------------------------------------------

/** A message that could not become a row: handed to `deadLetters` (or failing the stream). */
export interface DeadLetter {
  /** The source URL. */
  readonly url: string
  /** The message as received (text frame → string, binary frame → bytes). */
  readonly data: string | Uint8Array
  /** `"parse"`: the decoder (JSON.parse by default) threw; `"decode"`: the Schema rejected the value; `"sequence"`: the `sequence` function threw or returned a non-number. */
  readonly stage: "parse" | "decode" | "sequence"
  /** What went wrong (the Schema issue, or the thrown error's message). */
  readonly error: string
  /** 1-based number of the connection that received it. */
  readonly connection: number
  /** When it was received (epoch milliseconds). */
  readonly receivedAt: number
}

/**
 * Messages that never arrived: the first message seen after sequence `after` had sequence `next`, so
 * `missing = next - after - 1` messages were lost (the server could not replay them after a reconnect, or it
 * skipped them).
 */
export interface SequenceGap {
  readonly url: string
  /** The last sequence number seen before the gap. */
  readonly after: number | bigint
  /** The first sequence number seen after the gap. */
  readonly next: number | bigint
  /** How many sequence numbers are missing (`next - after - 1`). */
  readonly missing: number
  /** 1-based number of the connection that saw `next`. */
  readonly connection: number
  /** Whether `next` was the first row of a new connection (a reconnect without replay). */
  readonly afterReconnect: boolean
}

// ---------------------------------------------------------------------------------------------------------------
// statistics
// ---------------------------------------------------------------------------------------------------------------

/** Counters of one WebSocket source (since the stream started). */
export interface WebSocketStats {
  readonly url: string
  /** Connections opened (the first one and every reconnect that succeeded). */
  readonly connections: number
  /** Reconnect attempts (successful or not). */
  readonly reconnects: number
  /** WebSocket messages received (data frames, including ignored and dead ones). */
  readonly messages: number
  /** Rows delivered in frames. */
  readonly rows: number
  /** Frames delivered. */
  readonly batches: number
  /** Rows dropped by `overflow: "dropOldest"` / `"dropNewest"`. */
  readonly dropped: number
  /** Messages handed to `deadLetters`. */
  readonly deadLetters: number
  /** Rows dropped because their sequence number was not above the last one seen (replayed twice). */
  readonly duplicates: number
  /** Messages skipped by `ignore` (acks, app-level pongs). */
  readonly ignored: number
  /** Sequence gaps seen, and the sequence numbers they miss in total. */
  readonly gaps: number
  readonly missing: number
  /** Heartbeat timeouts (dead connections detected). */
  readonly heartbeatTimeouts: number
  /** Rows waiting in the buffer right now. */
  readonly bufferedRows: number
  /** The last sequence number seen, when `sequence` is given. */
  readonly lastSequence: number | bigint | undefined
}

/** A live view of a source's counters; pass it as `options.stats` and read it while the stream runs. */
export interface WebSocketStatsRef {
  /** The counters now (a copy). */
  readonly snapshot: () => WebSocketStats
  /** The counters now, as an Effect. */
  readonly get: Effect.Effect<WebSocketStats>
}

/** The mutable counters behind a `WebSocketStatsRef` (internal). */
export interface MutableStats {
  url: string
  connections: number
  reconnects: number
  messages: number
  rows: number
  batches: number
  dropped: number
  deadLetters: number
  duplicates: number
  ignored: number
  gaps: number
  missing: number
  heartbeatTimeouts: number
  bufferedRows: number
  lastSequence: number | bigint | undefined
}

const StatsTypeId = "~polaroid/WebSocketStats"

interface StatsRefImpl extends WebSocketStatsRef {
  readonly [StatsTypeId]: MutableStats
}

export const emptyStats = (url: string): MutableStats => ({
  url,
  connections: 0,
  reconnects: 0,
  messages: 0,
  rows: 0,
  batches: 0,
  dropped: 0,
  deadLetters: 0,
  duplicates: 0,
  ignored: 0,
  gaps: 0,
  missing: 0,
  heartbeatTimeouts: 0,
  bufferedRows: 0,
  lastSequence: undefined
})

export const makeStatsRef = (): WebSocketStatsRef => {
  const state = emptyStats("")
  const snapshot = (): WebSocketStats => ({ ...state })
  const ref: StatsRefImpl = { [StatsTypeId]: state, snapshot, get: Effect.sync(snapshot) }
  return ref
}

/** The mutable counters of a stats ref (or fresh ones). */
export const statsOf = (ref: WebSocketStatsRef | undefined, url: string): MutableStats => {
  const state = ref === undefined ? emptyStats(url) : (ref as StatsRefImpl)[StatsTypeId]
  Object.assign(state, emptyStats(url))
  return state
}

// ---------------------------------------------------------------------------------------------------------------
// metrics
// ---------------------------------------------------------------------------------------------------------------

/** The effect `Metric`s a WebSocket source updates, each with the attribute `url` (and `strategy` for drops). */
export const metrics = {
  messages: Metric.counter("polaroid_websocket_messages_total", {
    description: "WebSocket messages received",
    incremental: true
  }),
  rows: Metric.counter("polaroid_websocket_rows_total", { description: "Rows delivered in frames", incremental: true }),
  batches: Metric.counter("polaroid_websocket_batches_total", {
    description: "Frames (record batches) delivered",
    incremental: true
  }),
  dropped: Metric.counter("polaroid_websocket_dropped_total", {
    description: "Rows dropped by the overflow strategy (dropOldest / dropNewest)",
    incremental: true
  }),
  deadLetters: Metric.counter("polaroid_websocket_dead_letters_total", {
    description: "Messages that did not parse or decode",
    incremental: true
  }),
  duplicates: Metric.counter("polaroid_websocket_duplicates_total", {
    description: "Rows dropped as already seen (sequence number not above the last one)",
    incremental: true
  }),
  gaps: Metric.counter("polaroid_websocket_gaps_total", { description: "Sequence gaps seen", incremental: true }),
  missing: Metric.counter("polaroid_websocket_missing_total", {
    description: "Sequence numbers missing in gaps",
    incremental: true
  }),
  reconnects: Metric.counter("polaroid_websocket_reconnects_total", {
    description: "Reconnect attempts",
    incremental: true
  }),
  heartbeatTimeouts: Metric.counter("polaroid_websocket_heartbeat_timeouts_total", {
    description: "Connections declared dead by the heartbeat",
    incremental: true
  }),
  bufferedRows: Metric.gauge("polaroid_websocket_buffered_rows", { description: "Rows waiting in the buffer" })
} as const

// ---------------------------------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------------------------------

/** A struct schema (its AST is an `Objects` node) that decodes without services. */
export type RowSchema = Schema.Top & { readonly DecodingServices: never; readonly ast: SchemaAST.Objects }

/** What to do when the buffer is full. */
export type Overflow = "backpressure" | "dropOldest" | "dropNewest" | "fail"

/** What `subscribe` is given on each (re)connection. */
export interface SubscribeContext {
  /** The last sequence number seen (undefined before the first row, or without `sequence`). */
  readonly lastSequence: number | bigint | undefined
  /** 1-based number of this connection (1: the first one; 2+: reconnects). */
  readonly connection: number
}

/** Heartbeat settings. */
export interface HeartbeatOptions {
  /** How often a ping is sent (default 10 seconds). */
  readonly interval?: Duration.Input | undefined
  /** The connection is declared dead when nothing (no message, no pong) arrived for this long (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
  /**
   * An application-level ping message, sent every `interval` instead of a protocol ping (e.g. `'{"op":"ping"}'`);
   * use `ignore` to skip the server's replies. Without it, protocol pings are sent when the WebSocket supports
   * them (the `ws` package: `NodeWS.layerWebSocketConstructor`); otherwise no ping is sent and only the
   * silence timeout applies.
   */
  readonly message?: string | (() => string) | undefined
}

/** The options of `Source.webSocket`. */
export interface WebSocketOptions<S extends RowSchema> {
  /** The row Schema (a `Schema.Struct`): each message decodes to one row; one frame column per field, dtypes as in `Frame.fromRows`. */
  readonly schema: S
  /**
   * Turns one WebSocket message into the value the Schema decodes. Default: `JSON.parse` of the text (a binary
   * frame is read as UTF-8 first). Give your own for binary protocols (e.g. a `DataView` reader). A throw makes
   * the message a dead letter (stage `"parse"`).
   */
  readonly decode?: ((data: string | Uint8Array) => unknown) | undefined
  /** Messages to skip before decoding (subscription acks, app-level pongs): counted in `stats.ignored`, not dead letters. */
  readonly ignore?: ((message: unknown) => boolean) | undefined
  /** dtypes of some fields instead of the ones derived from the Schema (as `Frame.fromRows`' `dtypes`). */
  readonly dtypes?: { readonly [K in keyof S["Type"]]?: DataType } | undefined
  /** A frame is delivered as soon as it has this many rows (default 4096). */
  readonly maxRows?: number | undefined
  /**
   * …or when its oldest row has waited this long (default 1 ms; `0`: whatever is buffered whenever the consumer
   * pulls). Bounds the latency a batch adds on a quiet feed.
   */
  readonly maxDelay?: Duration.Input | undefined
  /** Rows the buffer holds between the socket and the consumer (default max(65,536, maxRows); at least maxRows). */
  readonly bufferSize?: number | undefined
  /**
   * What happens when the buffer is full because the consumer is slower than the feed (default
   * `"backpressure"`): `"backpressure"` stops reading the socket until there is room (with the `ws` package's
   * constructor the socket is paused, and TCP flow control slows the server; with Node's global WebSocket, which
   * cannot pause, frames queue in memory — bound them with `highWaterMark`); `"dropOldest"` discards the oldest
   * buffered rows; `"dropNewest"` discards the incoming rows; `"fail"` fails the stream with a `"BufferOverflow"`
   * error. Dropped rows are counted (`stats.dropped`, metric `polaroid_websocket_dropped_total`).
   */
  readonly overflow?: Overflow | undefined
  /**
   * Messages sent after each connection opens (the first and every reconnect), given the last sequence number
   * seen, so a server that can replay resumes right after it (e.g.
   * `({ lastSequence }) => JSON.stringify({ op: "subscribe", from: lastSequence })`).
   */
  readonly subscribe?:
    | ((context: SubscribeContext) => string | Uint8Array | ReadonlyArray<string | Uint8Array> | undefined)
    | undefined
  /**
   * The row's sequence number (consecutive integers, e.g. a trade id). With it, rows whose number is not above
   * the last one seen are dropped as duplicates (a replay that overlaps), and a jump by more than one is a
   * `SequenceGap` (see `gaps`, `onGap`).
   */
  readonly sequence?: ((row: S["Type"]) => number | bigint) | undefined
  /** `"report"` (default): gaps go to `onGap` and the stream goes on; `"fail"`: a gap fails the stream (`"SequenceGap"`). */
  readonly gaps?: "report" | "fail" | undefined
  /** Called with each gap (default: a warning in the log). Counted in `stats.gaps` / `stats.missing` and the metrics either way. */
  readonly onGap?: ((gap: SequenceGap) => Effect.Effect<unknown>) | undefined
  /**
   * Messages that do not parse or decode: `"fail"` (default) fails the stream with a `"Decode"` error after
   * delivering the rows before it; a function receives each `DeadLetter` (e.g. `(l) => Queue.offer(queue, l)`)
   * and the stream goes on. Never dropped silently.
   */
  readonly deadLetters?: "fail" | ((letter: DeadLetter) => Effect.Effect<unknown>) | undefined
  /**
   * When a connection breaks (open failure, close, read error, heartbeat timeout), the delay before the next
   * attempt, stepped with the error as input; when it ends, the stream fails with the last error. A connection
   * that delivered rows resets it. Default `webSocketReconnect()`: exponential from 100 ms ×2 with jitter,
   * capped at 10 s, at most 10 consecutive retries. `false`: never reconnect.
   */
  readonly reconnect?: Schedule.Schedule<unknown, WebSocketError> | false | undefined
  /**
   * Dead-connection detection. Default: when the WebSocket supports protocol pings (the `ws` package), a ping
   * every 10 s and a timeout after 30 s without any message or pong; otherwise off. An object turns it on with
   * its settings (with Node's global WebSocket and no `message`, only the silence timeout applies). `false`: off.
   */
  readonly heartbeat?: HeartbeatOptions | false | undefined
  /** When the server closes the connection normally (code 1000): `"reconnect"` (default) or `"end"` the stream. */
  readonly onServerClose?: "reconnect" | "end" | undefined
  /** How long to wait for the connection to open (default 10 s); then the attempt fails with `"Open"`. */
  readonly openTimeout?: Duration.Input | undefined
  /** WebSocket subprotocols. */
  readonly protocols?: string | Array<string> | undefined
  /** Handshake headers (Node constructors only). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /**
   * Bytes of received-but-unread messages effect's socket holds before pausing (`ws`) or failing the connection
   * (Node's global WebSocket). Default: none; with the `ws` package the source pauses the socket itself at 4,096
   * unread messages (cheaper than measuring each message's bytes).
   */
  readonly highWaterMark?: number | undefined
  /** A `webSocketStats()` handle to read the counters while the stream runs. */
  readonly stats?: WebSocketStatsRef | undefined
}

export const DEFAULT_MAX_ROWS = 4096
export const DEFAULT_MAX_DELAY_MS = 1
export const DEFAULT_BUFFER_SIZE = 65_536
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000

/** Options of `reconnectPolicy`. */
export interface ReconnectPolicyOptions {
  /** The first delay (default 100 ms). */
  readonly base?: Duration.Input | undefined
  /** Growth factor between attempts (default 2). */
  readonly factor?: number | undefined
  /** Cap on any single delay (default 10 seconds). */
  readonly maxDelay?: Duration.Input | undefined
  /** Consecutive failed attempts before giving up (default 10; `Infinity` for never). */
  readonly maxRetries?: number | undefined
  /** Randomize each delay by ×0.8–1.2 (default true). */
  readonly jitter?: boolean | undefined
}

/** Exponential backoff with jitter, a cap per delay and a maximum number of consecutive retries. */
export const reconnectPolicy = (options: ReconnectPolicyOptions = {}): Schedule.Schedule<Duration.Duration> => {
  const maxMs = Duration.toMillis(Duration.fromInputUnsafe(options.maxDelay ?? "10 seconds"))
  let schedule = Schedule.exponential(options.base ?? "100 millis", options.factor ?? 2)
  if (options.jitter ?? true) schedule = Schedule.jittered(schedule)
  schedule = Schedule.modifyDelay(schedule, ({ duration }) =>
    Effect.succeed(Duration.toMillis(duration) > maxMs ? Duration.millis(maxMs) : duration)
  )
  const times = options.maxRetries ?? 10
  return Number.isFinite(times) ? Schedule.upTo(schedule, { times }) : schedule
}
