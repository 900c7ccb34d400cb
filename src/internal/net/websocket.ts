/**
 * The WebSocket source: a producer fiber runs the connection loop (connect through effect's `Socket`, send the
 * subscribe messages, read socket chunks, decode them, buffer the rows; reconnect by the `Schedule` when the
 * connection breaks; heartbeats to notice dead connections), and the stream's pull turns buffered rows into
 * Frames by count (`maxRows`) and time (`maxDelay`).
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Pull from "effect/Pull"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Socket from "effect/socket/Socket"
import { fromDecoded, type RowOf } from "../../Frame/Rows.ts"
import type * as F from "../frame.ts"
import { RowBuffer } from "./websocketBuffer.ts"
import { makeDecoder, type SequenceState } from "./websocketDecode.ts"
import {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_MAX_ROWS,
  type MutableStats,
  metrics,
  type RowSchema,
  reconnectPolicy,
  type SequenceGap,
  statsOf,
  WebSocketError,
  type WebSocketOptions
} from "./websocketModel.ts"

/** The subset of the `ws` package's client used for protocol pings (absent on Node's global WebSocket). */
interface Pingable {
  ping(): void
  terminate?(): void
  on(event: "pong", listener: () => void): unknown
  off(event: "pong", listener: () => void): unknown
}

const isPingable = (ws: unknown): ws is Pingable =>
  typeof ws === "object" &&
  ws !== null &&
  typeof (ws as Partial<Pingable>).ping === "function" &&
  typeof (ws as Partial<Pingable>).on === "function" &&
  typeof (ws as Partial<Pingable>).off === "function"

/** A WebSocket whose reads can be paused (the `ws` package). */
interface Pausable {
  pause(): void
  resume(): void
}

const isPausable = (ws: unknown): ws is Socket.WebSocketLike & Pausable =>
  typeof ws === "object" &&
  ws !== null &&
  typeof (ws as Partial<Pausable>).pause === "function" &&
  typeof (ws as Partial<Pausable>).resume === "function"

/** Messages received but not yet read by the source above which the socket is paused, and below which it resumes. */
const RAW_HIGH_WATER = 4096
const RAW_LOW_WATER = 1024

/**
 * Flow control of one pausable connection (the `ws` package). effect's socket would measure every text message (a
 * UTF-8 encode per message) to pause at 64 KiB; instead it is handed the WebSocket without `pause`, and this
 * controller pauses the socket itself, counting messages (one increment each): when `RAW_HIGH_WATER` messages
 * wait unread (the decoder is slower than the network), or while the row buffer is full (`backpressure`).
 */
interface Flow {
  /** The WebSocket given to effect's socket. */
  readonly socket: Socket.WebSocketLike
  /** The producer read `n` messages. */
  read(n: number): void
  /** The row buffer is full (true) / has room again (false). */
  bufferFull(full: boolean): void
  /** The connection is closing: read again (a paused socket cannot complete its close handshake). */
  release(): void
}

const makeFlow = (ws: Socket.WebSocketLike & Pausable): Flow => {
  let unread = 0
  let rawPaused = false
  let bufferPaused = false
  let paused = false
  const apply = () => {
    const want = rawPaused || bufferPaused
    if (want === paused) return
    paused = want
    try {
      if (want) ws.pause()
      else ws.resume()
    } catch {
      // a socket being torn down: the read side reports it
    }
  }
  const wrapped = new Map<(event: Socket.WebSocketEvent) => void, (event: Socket.WebSocketEvent) => void>()
  const socket: Socket.WebSocketLike = {
    get readyState() {
      return ws.readyState
    },
    addEventListener: (type, listener, opts) => {
      if (type !== "message") return ws.addEventListener(type, listener, opts)
      const counted = (event: Socket.WebSocketEvent) => {
        if (++unread >= RAW_HIGH_WATER && !rawPaused) {
          rawPaused = true
          apply()
        }
        listener(event)
      }
      wrapped.set(listener, counted)
      ws.addEventListener(type, counted, opts)
    },
    removeEventListener: (type, listener) => {
      const counted = type === "message" ? wrapped.get(listener) : undefined
      if (counted !== undefined) wrapped.delete(listener)
      ws.removeEventListener(type, counted ?? listener)
    },
    close: (code, reason) => ws.close(code, reason),
    send: (data) => ws.send(data)
  }
  return {
    socket,
    read: (n) => {
      unread -= n
      if (rawPaused && unread <= RAW_LOW_WATER) {
        rawPaused = false
        apply()
      }
    },
    bufferFull: (full) => {
      bufferPaused = full
      apply()
    },
    release: () => {
      rawPaused = false
      bufferPaused = false
      apply()
    }
  }
}

/** Flow control for WebSockets that cannot pause (Node's global WebSocket): nothing to do. */
const noFlow = (ws: Socket.WebSocketLike): Flow => ({ socket: ws, read: () => {}, bufferFull: () => {}, release: () => {} })

const causeText = (cause: unknown): string => {
  if (cause instanceof Error) return cause.message
  if (typeof cause === "object" && cause !== null) {
    const c = cause as { message?: unknown; error?: unknown }
    if (typeof c.message === "string" && c.message !== "") return c.message
    if (c.error instanceof Error) return c.error.message
  }
  return String(cause)
}

const millisOf = (input: Duration.Input | undefined, fallback: number): number | undefined => {
  if (input === undefined) return fallback
  const d = Duration.fromInput(input)
  return Option.isSome(d) ? Duration.toMillis(d.value) : undefined
}

type CounterKey = "messages" | "rows" | "batches" | "dropped" | "deadLetters" | "duplicates" | "gaps" | "missing" | "reconnects" | "heartbeatTimeouts"
const counterKeys: ReadonlyArray<CounterKey> = [
  "messages",
  "rows",
  "batches",
  "dropped",
  "deadLetters",
  "duplicates",
  "gaps",
  "missing",
  "reconnects",
  "heartbeatTimeouts"
]

/** Metric updates for what changed since the last flush (one Effect per changed counter, once per batch). */
const metricFlusher = (stats: MutableStats, url: string, overflow: string) => {
  const attrs = { url }
  const counters = {
    messages: Metric.withAttributes(metrics.messages, attrs),
    rows: Metric.withAttributes(metrics.rows, attrs),
    batches: Metric.withAttributes(metrics.batches, attrs),
    dropped: Metric.withAttributes(metrics.dropped, { url, strategy: overflow }),
    deadLetters: Metric.withAttributes(metrics.deadLetters, attrs),
    duplicates: Metric.withAttributes(metrics.duplicates, attrs),
    gaps: Metric.withAttributes(metrics.gaps, attrs),
    missing: Metric.withAttributes(metrics.missing, attrs),
    reconnects: Metric.withAttributes(metrics.reconnects, attrs),
    heartbeatTimeouts: Metric.withAttributes(metrics.heartbeatTimeouts, attrs)
  }
  const buffered = Metric.withAttributes(metrics.bufferedRows, attrs)
  const reported: Record<CounterKey, number> = {
    messages: 0,
    rows: 0,
    batches: 0,
    dropped: 0,
    deadLetters: 0,
    duplicates: 0,
    gaps: 0,
    missing: 0,
    reconnects: 0,
    heartbeatTimeouts: 0
  }
  return Effect.suspend(() => {
    const updates: Array<Effect.Effect<void>> = [Metric.update(buffered, stats.bufferedRows)]
    for (const key of counterKeys) {
      const delta = stats[key] - reported[key]
      if (delta > 0) {
        updates.push(Metric.update(counters[key], delta))
        reported[key] = stats[key]
      }
    }
    return Effect.all(updates, { discard: true })
  })
}

const invalid = (url: string, detail: string) => new WebSocketError({ url, reason: "InvalidOptions", detail })

/** The source; see `Source.webSocket` for the contract. */
export const webSocket = <S extends RowSchema>(
  url: string,
  options: WebSocketOptions<S>
): Stream.Stream<F.Frame<RowOf<S["Type"]>>, WebSocketError, Socket.WebSocketConstructor> =>
  Stream.fromChannel(
    Channel.fromTransform((_upstream: Pull.Pull<unknown, unknown, unknown>, scope: Scope.Scope) =>
      make(url, options, scope)
    )
  ) as Stream.Stream<F.Frame<RowOf<S["Type"]>>, WebSocketError, Socket.WebSocketConstructor>

const make = <S extends RowSchema>(url: string, options: WebSocketOptions<S>, scope: Scope.Scope) =>
  Effect.gen(function* () {
    type A = S["Type"]
    // ---- options ------------------------------------------------------------------------------------------
    const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS
    const bufferSize = options.bufferSize ?? Math.max(DEFAULT_BUFFER_SIZE, maxRows)
    const maxDelayMs = millisOf(options.maxDelay, DEFAULT_MAX_DELAY_MS)
    const overflow = options.overflow ?? "backpressure"
    const ast = options.schema.ast
    if (ast === undefined || ast._tag !== "Objects")
      return yield* invalid(url, `schema must be a Schema.Struct, got a schema of kind ${String(ast?._tag)}`)
    if (!Number.isInteger(maxRows) || maxRows < 1) return yield* invalid(url, `maxRows must be an integer ≥ 1, got ${maxRows}`)
    if (!Number.isInteger(bufferSize) || bufferSize < maxRows)
      return yield* invalid(url, `bufferSize must be an integer ≥ maxRows (${maxRows}), got ${bufferSize}`)
    if (maxDelayMs === undefined || !(maxDelayMs >= 0)) return yield* invalid(url, `maxDelay is not a valid duration`)
    if (!["backpressure", "dropOldest", "dropNewest", "fail"].includes(overflow))
      return yield* invalid(url, `overflow must be backpressure, dropOldest, dropNewest or fail, got ${String(overflow)}`)
    const hbOption = options.heartbeat
    const hbInterval = hbOption ? millisOf(hbOption.interval, DEFAULT_HEARTBEAT_INTERVAL_MS) : DEFAULT_HEARTBEAT_INTERVAL_MS
    const hbTimeout = hbOption ? millisOf(hbOption.timeout, DEFAULT_HEARTBEAT_TIMEOUT_MS) : DEFAULT_HEARTBEAT_TIMEOUT_MS
    if (hbInterval === undefined || hbTimeout === undefined || !(hbInterval > 0) || !(hbTimeout > 0))
      return yield* invalid(url, `heartbeat interval and timeout must be positive durations`)
    const reconnect = options.reconnect === undefined ? reconnectPolicy() : options.reconnect
    const onGap =
      options.onGap ??
      ((gap: SequenceGap) =>
        Effect.logWarning(
          `WebSocket ${url}: sequence gap, ${gap.missing} missing after ${String(gap.after)} (next ${String(gap.next)})`
        ))
    const deadLetters = options.deadLetters ?? "fail"
    const dtypes = (options.dtypes ?? {}) as { readonly [name: string]: import("../../Frame/DataType.ts").DataType | undefined }

    // ---- state --------------------------------------------------------------------------------------------
    const makeWs = yield* Socket.WebSocketConstructor
    let current: Socket.WebSocketLike | undefined
    let flow: Flow = noFlow(undefined as never)
    const capturing = (u: string, o?: Socket.WebSocketConstructorOptions): Socket.WebSocketLike => {
      const ws = makeWs(u, o)
      current = ws
      // with an explicit highWaterMark, effect's socket does the pausing (by bytes)
      flow = options.highWaterMark === undefined && isPausable(ws) ? makeFlow(ws) : noFlow(ws)
      return flow.socket
    }
    const socket = yield* Effect.provideService(
      Socket.makeWebSocket(url, {
        openTimeout: options.openTimeout,
        protocols: options.protocols,
        headers: options.headers,
        highWaterMark: options.highWaterMark
      }),
      Socket.WebSocketConstructor,
      capturing
    )
    const stats = statsOf(options.stats, url)
    const buffer = new RowBuffer<A>(bufferSize, overflow, maxRows, maxDelayMs)
    const decodeChunk = makeDecoder({
      url,
      schema: options.schema,
      decode: options.decode,
      ignore: options.ignore,
      sequence: options.sequence,
      stopOnDeadLetter: deadLetters === "fail",
      stopOnGap: options.gaps === "fail"
    })
    const seq: SequenceState = { last: undefined, freshConnection: true }
    let lastActivity = performance.now()
    let connection = 0
    let rowsOnConnection = 0
    const flushMetrics = metricFlusher(stats, url, overflow)

    const fromSocketError = (e: Socket.SocketError): WebSocketError => {
      const r = e.reason
      switch (r._tag) {
        case "SocketOpenError":
          return new WebSocketError({
            url,
            reason: "Open",
            detail: r.kind === "Timeout" ? `no "open" within the open timeout` : `could not connect: ${causeText(r.cause)}`,
            cause: e
          })
        case "SocketCloseError":
          return new WebSocketError({
            url,
            reason: "Closed",
            detail: `connection closed with code ${r.code}${r.closeReason ? ` (${r.closeReason})` : ""}`,
            closeCode: r.code,
            cause: e
          })
        case "SocketWriteError":
          return new WebSocketError({ url, reason: "Write", detail: causeText(r.cause), cause: e })
        case "SocketReadError":
          return new WebSocketError({ url, reason: "Read", detail: causeText(r.cause), cause: e })
        case "SocketUpgradeError":
          return new WebSocketError({ url, reason: "Open", detail: r.message, cause: e })
      }
    }

    // ---- producer: one socket chunk at a time ----------------------------------------------------------------
    const offerFrom = (rows: Array<A>, from: number): Effect.Effect<void, WebSocketError> | undefined => {
      const r = buffer.offer(rows, from, performance.now())
      stats.bufferedRows = buffer.count
      if (r.overflow)
        return Effect.fail(
          new WebSocketError({
            url,
            reason: "BufferOverflow",
            detail: `buffer full (${bufferSize} rows): the consumer is too slow (overflow: "fail")`
          })
        )
      stats.dropped += r.dropped
      const next = from + r.accepted
      if (next < rows.length) {
        // backpressure: stop reading the socket (TCP flow control then slows the server) until there is room
        const f = flow
        f.bufferFull(true)
        return Effect.flatMap(buffer.awaitSpace(), () => {
          lastActivity = performance.now()
          f.bufferFull(false)
          return offerFrom(rows, next) ?? Effect.void
        })
      }
      return undefined
    }

    /** A user callback's Effect; a throw or defect becomes a typed "Callback" error (never a crash). */
    const callback = (name: string, f: () => Effect.Effect<unknown>): Effect.Effect<unknown, WebSocketError> =>
      Effect.catchDefect(Effect.suspend(f), (defect) =>
        Effect.fail(new WebSocketError({ url, reason: "Callback", detail: `${name} failed: ${causeText(defect)}`, cause: defect }))
      )

    const handleChunk = (chunk: ReadonlyArray<string | Uint8Array>): Effect.Effect<void, WebSocketError> => {
      lastActivity = performance.now()
      flow.read(chunk.length)
      const out = decodeChunk(chunk, connection, seq, stats)
      rowsOnConnection += out.rows.length
      const offered = out.rows.length > 0 ? offerFrom(out.rows, 0) : undefined
      if (out.deadLetters.length === 0 && out.gaps.length === 0 && out.stop === undefined)
        return offered ?? Effect.void
      const effects: Array<Effect.Effect<unknown, WebSocketError>> = []
      if (offered !== undefined) effects.push(offered)
      if (out.stop === "deadLetter") {
        const l = out.deadLetters[out.deadLetters.length - 1]!
        const data = typeof l.data === "string" ? l.data : `<${l.data.byteLength} bytes>`
        effects.push(
          Effect.fail(
            new WebSocketError({
              url,
              reason: "Decode",
              detail: `message did not ${l.stage === "parse" ? "parse" : "decode"}: ${l.error}; message: ${data.length > 200 ? `${data.slice(0, 200)}…` : data}`
            })
          )
        )
      } else if (typeof deadLetters === "function")
        for (const l of out.deadLetters) effects.push(callback("deadLetters", () => deadLetters(l)))
      for (const g of out.gaps) effects.push(callback("onGap", () => onGap(g)))
      if (out.stop === "gap") {
        const g = out.gaps[out.gaps.length - 1]!
        effects.push(
          Effect.fail(
            new WebSocketError({
              url,
              reason: "SequenceGap",
              detail: `${g.missing} messages missing after sequence ${String(g.after)} (next ${String(g.next)})`
            })
          )
        )
      }
      return Effect.all(effects, { discard: true })
    }

    const watchdog = (ws: Socket.WebSocketLike | undefined, writer: Socket.Writer) =>
      Effect.gen(function* () {
        const pingable = isPingable(ws) ? ws : undefined
        if (pingable !== undefined) {
          const onPong = () => {
            lastActivity = performance.now()
          }
          pingable.on("pong", onPong)
          yield* Effect.addFinalizer(() => Effect.sync(() => pingable.off("pong", onPong)))
        }
        const hb = hbOption || undefined
        const tick = Math.max(1, Math.min(hbInterval, hbTimeout / 4))
        let nextPing = performance.now() + hbInterval
        for (;;) {
          yield* Effect.sleep(tick)
          const now = performance.now()
          if (buffer.producerBlocked) {
            lastActivity = now
            continue
          }
          if (now - lastActivity > hbTimeout) {
            stats.heartbeatTimeouts++
            try {
              pingable?.terminate?.()
            } catch {
              // already gone
            }
            return yield* new WebSocketError({
              url,
              reason: "HeartbeatTimeout",
              detail: `nothing received for ${Math.round(now - lastActivity)} ms (heartbeat timeout ${hbTimeout} ms)`
            })
          }
          if (now >= nextPing) {
            nextPing = now + hbInterval
            if (hb?.message !== undefined) {
              const message = typeof hb.message === "string" ? hb.message : hb.message()
              yield* Effect.mapError(writer.write(message), fromSocketError)
            } else if (pingable !== undefined) {
              try {
                pingable.ping()
              } catch {
                // a closing socket: the read side reports it
              }
            }
          }
        }
      })

    /** One connection: succeeds only when the server closed normally and `onServerClose` is "end". */
    const connectOnce = Effect.scoped(
      Effect.gen(function* () {
        current = undefined
        const reader = yield* Effect.mapError(socket.reader, fromSocketError)
        const ws = current as Socket.WebSocketLike | undefined
        const writer = yield* socket.writer
        // a connection paused by backpressure must read again to complete its close handshake
        const connectionFlow = flow
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => connectionFlow.release())
        )
        connection++
        stats.connections++
        seq.freshConnection = true
        rowsOnConnection = 0
        lastActivity = performance.now()
        if (options.subscribe !== undefined) {
          let messages: ReturnType<NonNullable<typeof options.subscribe>>
          try {
            messages = options.subscribe({ lastSequence: seq.last, connection })
          } catch (e) {
            return yield* new WebSocketError({ url, reason: "Subscribe", detail: `subscribe threw: ${causeText(e)}`, cause: e })
          }
          if (messages !== undefined) {
            const list: ReadonlyArray<string | Uint8Array> =
              typeof messages === "string" || messages instanceof Uint8Array ? [messages] : messages
            if (list.length > 0)
              yield* Effect.mapError(writer.writeAll(list as [string | Uint8Array, ...Array<string | Uint8Array>]), fromSocketError)
          }
        }
        const read = Effect.forever(
          Effect.flatMap(Effect.mapError(reader.pull, fromSocketError), handleChunk)
        ) as Effect.Effect<never, WebSocketError>
        const heartbeatOn = hbOption !== false && (hbOption !== undefined || isPingable(ws))
        const run = heartbeatOn ? Effect.raceFirst(read, watchdog(ws, writer)) : read
        const exit = yield* Effect.result(run)
        const error = Result.isFailure(exit) ? exit.failure : undefined
        if (error !== undefined && error.reason === "Closed" && error.closeCode === 1000 && options.onServerClose === "end")
          return "end" as const
        return yield* Effect.fail(error!)
      })
    )

    const producer: Effect.Effect<void, WebSocketError> =
      reconnect === false
        ? Effect.asVoid(connectOnce)
        : Effect.gen(function* () {
            let step = yield* Schedule.toStepWithSleep(reconnect)
            let retries = 0
            for (;;) {
              const outcome = yield* Effect.result(connectOnce)
              if (Result.isSuccess(outcome)) return
              const error = outcome.failure
              if (!error.transient) return yield* Effect.fail(error)
              if (rowsOnConnection > 0) {
                // a connection that delivered rows resets the backoff (acks alone do not)
                step = yield* Schedule.toStepWithSleep(reconnect)
                retries = 0
              }
              rowsOnConnection = 0
              yield* Effect.logDebug(`WebSocket ${url}: ${error.detail}; reconnecting`)
              const again = yield* step(error).pipe(
                Effect.as(true),
                Pull.catchDone(() => Effect.succeed(false))
              )
              if (!again)
                return yield* Effect.fail(
                  new WebSocketError({ ...errorFields(error), retries })
                )
              retries++
              stats.reconnects++
            }
          })

    yield* Effect.forkIn(
      producer.pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => {
            if (exit._tag === "Success") buffer.finish(undefined)
            else {
              const failure = Cause.findErrorOption(exit.cause)
              if (Option.isSome(failure)) buffer.finish(failure.value)
              else if (!Cause.hasInterruptsOnly(exit.cause))
                buffer.finish(new WebSocketError({ url, reason: "Read", detail: `unexpected defect: ${Cause.pretty(exit.cause)}` }))
            }
          })
        )
      ),
      scope
    )
    yield* Scope.addFinalizer(scope, flushMetrics)

    // ---- consumer: micro-batches ------------------------------------------------------------------------------
    const emit = (rows: Array<A>): Effect.Effect<readonly [F.Frame<RowOf<A>>], WebSocketError> => {
      stats.bufferedRows = buffer.count
      const built = fromDecoded(ast, rows as ReadonlyArray<Record<PropertyKey, unknown>>, dtypes)
      if (built._tag === "Err") return Effect.fail(new WebSocketError({ url, reason: "Schema", detail: built.message }))
      stats.rows += rows.length
      stats.batches++
      return Effect.as(flushMetrics, [built.frame as F.Frame<RowOf<A>>] as const)
    }
    const loop = (): Effect.Effect<readonly [F.Frame<RowOf<A>>], WebSocketError | Cause.Done> => {
      const count = buffer.count
      if (count >= maxRows) return emit(buffer.take(maxRows))
      if (count > 0) {
        if (buffer.done || buffer.failure !== undefined) return emit(buffer.take(maxRows))
        const wait = maxDelayMs - (performance.now() - buffer.oldestTime())
        if (wait <= 0) return emit(buffer.take(maxRows))
        return Effect.flatMap(Effect.raceFirst(buffer.awaitRows(false), Effect.sleep(Duration.millis(wait))), loop)
      }
      if (buffer.failure !== undefined) return Effect.fail(buffer.failure)
      if (buffer.done) return Cause.done()
      return Effect.flatMap(buffer.awaitRows(true), loop)
    }
    return Effect.suspend(loop)
  })

const errorFields = (e: WebSocketError) => ({
  url: e.url,
  reason: e.reason,
  detail: e.detail,
  ...(e.closeCode === undefined ? {} : { closeCode: e.closeCode }),
  ...(e.cause === undefined ? {} : { cause: e.cause })
})
