/**
 * Test support for the WebSocket source: the shared Binance BTCUSDT trades (read in place from ../shared/data,
 * skipped with a message when absent, required in CI), the replay server from examples/support, and the trade
 * row Schema.
 */
import * as fsSync from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Schema } from "effect"
import {
  loadTrades,
  type ReplayMessage,
  type ReplayServer,
  type ReplayServerOptions,
  startReplayServer
} from "../../examples/support/replayServer.ts"

export type { ReplayMessage, ReplayServer, ReplayServerOptions }

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const DATA = path.resolve(HERE, "../../../shared/data")
export const TRADES_FILE = path.join(DATA, "market/hftbacktest/derived/btcusdt_20240808.trades.ndjson")
export const hasTrades = fsSync.existsSync(TRADES_FILE)
if (!hasTrades) {
  if (process.env.CI) throw new Error(`shared test data missing at ${TRADES_FILE} (required in CI)`)
  console.warn(`[Source.WebSocket.test] skipping: ${TRADES_FILE} is absent`)
}

let cached: Array<ReplayMessage> | undefined
/** All trades of the file, in order (empty when the data is absent). */
export const trades = (): ReadonlyArray<ReplayMessage> => {
  if (cached === undefined) cached = hasTrades ? loadTrades(TRADES_FILE) : []
  return cached
}

/** A Binance trade event, as the `@trade` stream sends it; prices and quantities are decimal strings (finite). */
export const Trade = Schema.Struct({
  e: Schema.Literal("trade"),
  E: Schema.Number,
  s: Schema.String,
  t: Schema.Int,
  p: Schema.FiniteFromString,
  q: Schema.FiniteFromString,
  T: Schema.Number,
  m: Schema.Boolean
})

/** The subscribe message of the replay server's protocol. */
export const subscribeFrom = ({ lastSequence }: { readonly lastSequence: number | bigint | undefined }): string =>
  JSON.stringify({ op: "subscribe", from: lastSequence === undefined ? null : Number(lastSequence) })

/** Skips the server's control messages (subscription acks, app-level pongs). */
export const isControl = (m: unknown): boolean =>
  typeof m === "object" && m !== null && ("result" in m || "op" in m)

/** A replay server for the duration of the enclosing scope. */
export const replayServer = (options: ReplayServerOptions) =>
  Effect.acquireRelease(
    Effect.promise(() => startReplayServer(options)),
    (server) => Effect.promise(() => server.close())
  )

/** Waits until the server has seen connection `i` (0-based) close; its close code, or "open" after `ms`. */
export const closedWithin = (server: ReplayServer, i: number, ms: number): Effect.Effect<number | "open"> =>
  Effect.promise(() => {
    const c = server.connections[i]
    if (c === undefined) return Promise.resolve<number | "open">("open")
    return Promise.race([c.closed, new Promise<"open">((r) => setTimeout(() => r("open"), ms))])
  })
