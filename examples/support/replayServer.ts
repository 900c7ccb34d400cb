/**
 * A WebSocket server on loopback that replays recorded market messages (e.g. Binance BTCUSDT trades from
 * `../shared/data/market/hftbacktest/derived/*.trades.ndjson`) the way an exchange feed does, with the faults a
 * real feed has, for examples and tests of `Source.webSocket`.
 *
 * Protocol (JSON text frames):
 * - client → `{"op":"subscribe","from":<sequence>|null}`; server → `{"result":"subscribed","from":…}` then the
 *   messages. With `replay: true` the server starts at the first message whose sequence is ≥ `from` (so the last
 *   one the client saw comes again: clients must drop duplicates); with `replay: false` it ignores `from` and
 *   goes on from its live position (messages sent while the client was away are lost).
 * - client → `{"op":"ping"}`; server → `{"op":"pong"}` (app-level heartbeat), unless silent.
 * - Protocol pings are answered with pongs, unless silent.
 *
 * Faults: `killAt` terminates the connection (no close frame) right after sending the message at those indices;
 * `skipOnKill` moves the live position forward that many messages on each kill (`replay: false`);
 * `malformedEvery` injects a bad message (alternately not JSON, and JSON that fails a trade schema) after every
 * N messages; `silentAfter` stops sending and answering pings after that many messages (a dead peer).
 */
import * as fs from "node:fs"
import type { AddressInfo } from "node:net"
import { type WebSocket, WebSocketServer } from "ws"

/** One recorded message: its text, sequence number (trade id `t`) and event time (ms, `T`). */
export interface ReplayMessage {
  readonly text: string
  readonly seq: number
  readonly time: number
}

/** Reads an NDJSON file of Binance trades (fields `t` trade id, `T` trade time ms): one message per line. */
export const loadTrades = (path: string, limit = Number.POSITIVE_INFINITY): Array<ReplayMessage> => {
  const out: Array<ReplayMessage> = []
  for (const line of fs.readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue
    const o = JSON.parse(line) as { t: number; T: number }
    out.push({ text: line, seq: o.t, time: o.T })
    if (out.length >= limit) break
  }
  return out
}

/** How fast messages go out. */
export type Pace =
  /** As fast as the socket takes them, `chunk` messages per event-loop turn. */
  | { readonly kind: "burst"; readonly chunk?: number }
  /** A fixed rate. */
  | { readonly kind: "rate"; readonly perSecond: number }
  /** Recorded timing (`time`), `factor` times faster. */
  | { readonly kind: "speed"; readonly factor: number }

export interface ReplayServerOptions {
  readonly messages: ReadonlyArray<ReplayMessage>
  /** Replay from the subscribed sequence number (default true). */
  readonly replay?: boolean
  readonly pace?: Pace
  /** Terminate the connection right after sending these message indices (each once). */
  readonly killAt?: ReadonlyArray<number>
  /** With `replay: false`: messages the live position skips on each kill (default 0). */
  readonly skipOnKill?: number
  /** Inject a malformed message after every N messages. */
  readonly malformedEvery?: number
  /** Stop sending and answering pings after this many messages on a connection. */
  readonly silentAfter?: number
  /** After the last message: close with 1000 (default) or stay open and idle. */
  readonly onEnd?: "close" | "idle"
  /** Send each message as a binary frame with these bytes instead of its JSON text. */
  readonly encode?: (message: ReplayMessage) => Uint8Array
  /** Called after each message is sent (index), e.g. for send-time stamps. */
  readonly onSend?: (index: number) => void
}

/** What the server saw of one connection. */
export interface ConnectionRecord {
  readonly id: number
  /** Subscribe requests (`from` values). */
  readonly subscribes: Array<number | null>
  sent: number
  pings: number
  appPings: number
  /** Set when the connection closed: the close code the server saw (1005 none, 1006 abnormal). */
  closedWith: number | undefined
  readonly closed: Promise<number>
}

export interface ReplayServer {
  readonly url: string
  readonly port: number
  readonly connections: Array<ConnectionRecord>
  /** Malformed messages injected so far. */
  readonly injected: () => number
  /** Largest `bufferedAmount` seen on a connection (bytes queued by the server because the client reads slowly). */
  readonly maxBuffered: () => number
  readonly close: () => Promise<void>
}

const MALFORMED = [
  '{"e":"trade","t":', // not JSON
  '{"e":"trade","E":1,"s":"BTCUSDT","t":"x","p":"not a price","q":"0.1","T":1,"m":"yes","M":true}' // fails a trade schema
]

export const startReplayServer = (options: ReplayServerOptions): Promise<ReplayServer> =>
  new Promise((resolve, reject) => {
    const messages = options.messages
    const replay = options.replay ?? true
    const pace: Pace = options.pace ?? { kind: "burst" }
    const kills = new Set(options.killAt ?? [])
    const onEnd = options.onEnd ?? "close"
    const connections: Array<ConnectionRecord> = []
    let live = 0 // next index of the live feed (replay: false)
    let injected = 0
    let maxBuffered = 0
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, autoPong: false })

    wss.on("error", reject)
    wss.on("connection", (ws: WebSocket) => {
      let markClosed: (code: number) => void = () => {}
      const record: ConnectionRecord = {
        id: connections.length + 1,
        subscribes: [],
        sent: 0,
        pings: 0,
        appPings: 0,
        closedWith: undefined,
        closed: new Promise<number>((r) => {
          markClosed = r
        })
      }
      connections.push(record)
      let cursor = 0
      let started = false
      let silent = false
      let timer: NodeJS.Timeout | undefined
      let stopped = false
      const t0Wall = { wall: 0, time: 0 }
      let sinceMalformed = 0

      const stop = () => {
        stopped = true
        if (timer !== undefined) clearTimeout(timer)
      }
      ws.on("close", (code) => {
        stop()
        record.closedWith = code
        markClosed(code)
      })
      ws.on("error", () => stop())
      ws.on("ping", (data) => {
        record.pings++
        if (!silent) ws.pong(data)
      })

      /** Sends message `cursor`; false when the connection was killed or went silent. */
      const sendOne = (): boolean => {
        const i = cursor
        ws.send(options.encode === undefined ? messages[i]!.text : options.encode(messages[i]!))
        record.sent++
        cursor++
        if (!replay) live = cursor
        options.onSend?.(i)
        if (options.malformedEvery !== undefined && ++sinceMalformed >= options.malformedEvery) {
          sinceMalformed = 0
          ws.send(MALFORMED[injected % MALFORMED.length]!)
          injected++
        }
        if (kills.has(i)) {
          kills.delete(i)
          if (!replay) live = cursor + (options.skipOnKill ?? 0)
          ws.terminate()
          stop()
          return false
        }
        if (options.silentAfter !== undefined && record.sent >= options.silentAfter) {
          silent = true
          stop()
          return false
        }
        return true
      }

      const finish = () => {
        stop()
        if (onEnd === "close") ws.close(1000, "end of replay")
      }

      const pump = () => {
        timer = undefined
        if (stopped) return
        if (ws.bufferedAmount > 1 << 20) {
          maxBuffered = Math.max(maxBuffered, ws.bufferedAmount)
          timer = setTimeout(pump, 1)
          return
        }
        const now = performance.now()
        let budget: number
        switch (pace.kind) {
          case "burst":
            budget = pace.chunk ?? 256
            break
          case "rate":
            budget = Math.floor(((now - t0Wall.wall) * pace.perSecond) / 1000) - record.sent + 1
            break
          case "speed": {
            budget = 0
            const due = t0Wall.time + (now - t0Wall.wall) * pace.factor
            for (let j = cursor; j < messages.length && messages[j]!.time <= due; j++) budget++
            break
          }
        }
        for (let k = 0; k < budget && cursor < messages.length; k++) if (!sendOne()) return
        maxBuffered = Math.max(maxBuffered, ws.bufferedAmount)
        if (cursor >= messages.length) return finish()
        timer = pace.kind === "burst" ? (setImmediate(pump) as unknown as NodeJS.Timeout) : setTimeout(pump, 2)
      }

      ws.on("message", (data, isBinary) => {
        if (isBinary) return
        let msg: { op?: unknown; from?: unknown }
        try {
          msg = JSON.parse(String(data)) as { op?: unknown; from?: unknown }
        } catch {
          return
        }
        if (msg.op === "ping") {
          record.appPings++
          if (!silent) ws.send('{"op":"pong"}')
          return
        }
        if (msg.op !== "subscribe" || started) return
        started = true
        const from = typeof msg.from === "number" ? msg.from : null
        record.subscribes.push(from)
        if (replay && from !== null) {
          let lo = 0
          let hi = messages.length
          while (lo < hi) {
            const mid = (lo + hi) >> 1
            if (messages[mid]!.seq < from) lo = mid + 1
            else hi = mid
          }
          cursor = lo
        } else cursor = replay ? 0 : live
        ws.send(JSON.stringify({ result: "subscribed", from }))
        t0Wall.wall = performance.now()
        t0Wall.time = messages[cursor]?.time ?? 0
        if (cursor >= messages.length) finish()
        else pump()
      })
    })

    wss.on("listening", () => {
      const port = (wss.address() as AddressInfo).port
      resolve({
        url: `ws://127.0.0.1:${port}`,
        port,
        connections,
        injected: () => injected,
        maxBuffered: () => maxBuffered,
        close: () =>
          new Promise<void>((done) => {
            for (const c of wss.clients) c.terminate()
            wss.close(() => done())
          })
      })
    })
  })
