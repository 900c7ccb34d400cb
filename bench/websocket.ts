/**
 * WebSocket source bench (issue 7; never a test): sustained ingest rate (messages/s decoded into record batches) and
 * latency from the server's send to the batch's delivery, on loopback.
 *
 * The server runs in a child process (its own event loop and core): Binance BTCUSDT trades from the shared data
 * (../shared/data/market/hftbacktest/derived/btcusdt_20240808.trades.ndjson, cycled, trade ids renumbered so they
 * stay consecutive) with a send timestamp `ts` (performance.timeOrigin + performance.now(), ms, the same clock in
 * both threads) added to each message, written as pre-framed WebSocket text frames straight to the TCP socket
 * (so the server is not the bottleneck). The client is `Source.webSocket` with the `ws` package's constructor
 * (`NodeWS.layerWebSocketConstructor`) unless noted, decoding every message with a Schema struct of 9 fields
 * (`Schema.FiniteFromString` prices) into Frames.
 *
 * - Ingest: the server sends N messages as fast as TCP takes them; rate = N / (time from subscribe to the last
 *   row delivered). Baselines on the same feed: a bare `ws` client that only counts messages, and one that also
 *   JSON.parses them.
 * - Latency: the server sends at a fixed rate (50,000 msg/s) for a few seconds; each row's latency is the time
 *   its frame reached the consumer minus its `ts`; p50/p99/max over all rows after a 0.5 s warm-up.
 *
 * Run: ./node_modules/.bin/node --conditions=source bench/websocket.ts [--n 1000000] [--seconds 4]
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { spawn } from "node:child_process"
import { NodeSocket, NodeWS } from "@effect/platform-node"
import { type Duration, Effect, type Layer, Schema, Stream } from "effect"
import type * as Socket from "effect/socket/Socket"
import { WebSocket as WsClient, WebSocketServer } from "ws"
import type { Frame } from "../src/internal/frame.ts"
import * as Source from "../src/Source/index.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const TRADES = path.resolve(here, "../../shared/data/market/hftbacktest/derived/btcusdt_20240808.trades.ndjson")
const now = () => performance.timeOrigin + performance.now()

// =====================================================================================================================
// server (child process)
// =====================================================================================================================

interface Subscribe {
  readonly op: "subscribe"
  readonly mode: "burst" | "rate"
  readonly n: number
  readonly perSecond?: number
}

const runServer = () => {
  const lines = fs.readFileSync(TRADES, "utf8").trim().split("\n")
  // message i = prefix[k] + id + middle[k] + ts + "}" with k = i mod lines
  const prefix: Array<string> = []
  const middle: Array<string> = []
  for (const line of lines) {
    const o = JSON.parse(line) as { E: number; p: string; q: string; T: number; m: boolean }
    prefix.push(`{"e":"trade","E":${o.E},"s":"BTCUSDT","t":`)
    middle.push(`,"p":"${o.p}","q":"${o.q}","T":${o.T},"m":${o.m},"M":true,"ts":`)
  }
  const FIRST_ID = 3_735_683_259
  const frameInto = (buf: Buffer, off: number, i: number, ts: number): number => {
    const k = i % lines.length
    const s = `${prefix[k]}${FIRST_ID + i}${middle[k]}${ts}}`
    const n = s.length // ASCII
    buf[off] = 0x81
    if (n < 126) {
      buf[off + 1] = n
      buf.write(s, off + 2, "latin1")
      return off + 2 + n
    }
    buf[off + 1] = 126
    buf.writeUInt16BE(n, off + 2)
    buf.write(s, off + 4, "latin1")
    return off + 4 + n
  }
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
  wss.on("listening", () => console.log(JSON.stringify({ port: (wss.address() as { port: number }).port })))
  wss.on("connection", (ws) => {
    const socket = (ws as unknown as { _socket: import("node:net").Socket })._socket
    ws.once("message", (data) => {
      const sub = JSON.parse(String(data)) as Subscribe
      let sent = 0
      const CHUNK = 256
      const buf = Buffer.allocUnsafe(CHUNK * 300)
      const end = () => ws.close(1000, "done")
      if (sub.mode === "burst") {
        const pump = () => {
          while (sent < sub.n) {
            const k = Math.min(CHUNK, sub.n - sent)
            const ts = now()
            let off = 0
            for (let j = 0; j < k; j++) off = frameInto(buf, off, sent++, ts)
            if (!socket.write(Buffer.from(buf.subarray(0, off)))) return void socket.once("drain", pump)
          }
          end()
        }
        pump()
      } else {
        const rate = sub.perSecond ?? 50_000
        const t0 = performance.now()
        const tick = () => {
          const due = Math.min(sub.n, Math.floor(((performance.now() - t0) * rate) / 1000))
          while (sent < due) {
            const k = Math.min(CHUNK, due - sent)
            const ts = now()
            let off = 0
            for (let j = 0; j < k; j++) off = frameInto(buf, off, sent++, ts)
            socket.write(Buffer.from(buf.subarray(0, off)))
          }
          if (sent >= sub.n) return end()
          setTimeout(tick, 0)
        }
        tick()
      }
    })
  })
}

// =====================================================================================================================
// client (main thread)
// =====================================================================================================================

const BenchTrade = Schema.Struct({
  e: Schema.Literal("trade"),
  E: Schema.Number,
  s: Schema.String,
  t: Schema.Int,
  p: Schema.FiniteFromString,
  q: Schema.FiniteFromString,
  T: Schema.Number,
  m: Schema.Boolean,
  ts: Schema.Number
})

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

/** The Float64 values of column `name` of a one-batch frame. */
const f64 = (frame: Frame, name: string): Float64Array => {
  const i = frame.schema.findIndex((f) => f.name === name)
  return frame.batches[0]!.columns[i]!.values as Float64Array
}

interface IngestResult {
  readonly label: string
  readonly messages: number
  readonly seconds: number
  readonly batches: number
  /** Client process CPU seconds (user + system). */
  readonly cpu: number
}

const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1e6
}

const ingest = (
  url: string,
  n: number,
  label: string,
  layer: Layer.Layer<Socket.WebSocketConstructor>,
  options: { readonly maxRows?: number; readonly maxDelay?: Duration.Input } = {}
): Promise<IngestResult> => {
  let rows = 0
  let batches = 0
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const program = Source.webSocket(url, {
    schema: BenchTrade,
    subscribe: () => JSON.stringify({ op: "subscribe", mode: "burst", n }),
    sequence: (r) => r.t,
    onServerClose: "end",
    reconnect: false,
    ...options
  }).pipe(
    Stream.runForEach((frame) =>
      Effect.sync(() => {
        rows += frame.height
        batches++
      })
    ),
    Effect.provide(layer)
  )
  return Effect.runPromise(program).then(() => ({
    label,
    messages: rows,
    seconds: (performance.now() - t0) / 1000,
    batches,
    cpu: cpuSeconds(c0)
  }))
}

/** A bare `ws` client on the same feed: counts (and optionally JSON.parses) messages. */
const bare = (url: string, n: number, parse: boolean, label: string): Promise<IngestResult> =>
  new Promise((resolve) => {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    let count = 0
    const ws = new WsClient(url)
    ws.on("open", () => ws.send(JSON.stringify({ op: "subscribe", mode: "burst", n })))
    ws.on("message", (data) => {
      if (parse) JSON.parse(String(data))
      else String(data)
      count++
    })
    ws.on("close", () =>
      resolve({ label, messages: count, seconds: (performance.now() - t0) / 1000, batches: 0, cpu: cpuSeconds(c0) })
    )
  })

interface LatencyResult {
  readonly label: string
  readonly rate: number
  readonly rows: number
  readonly batches: number
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  readonly meanRows: number
}

const latency = (
  url: string,
  rate: number,
  seconds: number,
  label: string,
  options: { readonly maxRows?: number; readonly maxDelay?: Duration.Input }
): Promise<LatencyResult> => {
  const n = Math.round(rate * seconds)
  const samples = new Float64Array(n)
  let rows = 0
  let batches = 0
  let warm = 0
  const warmRows = Math.round(rate * 0.5)
  const program = Source.webSocket(url, {
    schema: BenchTrade,
    subscribe: () => JSON.stringify({ op: "subscribe", mode: "rate", n, perSecond: rate }),
    sequence: (r) => r.t,
    onServerClose: "end",
    reconnect: false,
    ...options
  }).pipe(
    Stream.runForEach((frame) =>
      Effect.sync(() => {
        const t = now()
        const ts = f64(frame, "ts")
        batches++
        for (let i = 0; i < ts.length; i++) {
          if (warm < warmRows) warm++
          else samples[rows++] = t - ts[i]!
        }
      })
    ),
    Effect.provide(NodeWS.layerWebSocketConstructor)
  )
  return Effect.runPromise(program).then(() => {
    const xs = samples.subarray(0, rows).sort()
    const q = (p: number) => xs[Math.min(rows - 1, Math.floor(p * rows))] ?? Number.NaN
    return {
      label,
      rate,
      rows,
      batches,
      p50: q(0.5),
      p99: q(0.99),
      p999: q(0.999),
      max: xs[rows - 1] ?? Number.NaN,
      meanRows: (rows + warm) / batches
    }
  })
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US")

const main = async () => {
  if (!fs.existsSync(TRADES)) {
    console.log(`bench/websocket: ${TRADES} is absent; nothing to run`)
    return
  }
  const N = arg("--n", 1_000_000)
  const SECONDS = arg("--seconds", 4)
  const server = spawn(process.execPath, ["--conditions=source", fileURLToPath(import.meta.url), "--server"], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const { port } = await new Promise<{ port: number }>((r) =>
    server.stdout.once("data", (d: Buffer) => r(JSON.parse(String(d)) as { port: number }))
  )
  const worker = { terminate: async () => void server.kill() }
  const url = `ws://127.0.0.1:${port}`

  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined
  if (only === "ingest") {
    await ingest(url, 100_000, "warm-up", NodeWS.layerWebSocketConstructor)
    for (let i = 0; i < 2; i++) {
      for (const maxDelay of [0, 1, 10] as const) {
        const r = await ingest(url, N, "ingest", NodeWS.layerWebSocketConstructor, { maxDelay })
        console.log(`maxDelay ${maxDelay}: ${fmt(r.messages / r.seconds)} msg/s wall, ${((r.cpu * 1e6) / r.messages).toFixed(2)} CPU µs/msg, ${r.batches} frames`)
      }
    }
    await worker.terminate()
    return
  }
  const ingestRuns: Array<IngestResult> = []
  if (only !== "latency") {
  await ingest(url, 100_000, "warm-up", NodeWS.layerWebSocketConstructor)
  ingestRuns.push(await bare(url, N, false, "bare `ws` client, count only (baseline)"))
  ingestRuns.push(await bare(url, N, true, "bare `ws` client + JSON.parse (baseline)"))
  for (let rep = 0; rep < 2; rep++) {
    ingestRuns.push(await ingest(url, N, `Source.webSocket, ws constructor, defaults (run ${rep + 1})`, NodeWS.layerWebSocketConstructor))
  }
  ingestRuns.push(
    await ingest(url, N, "Source.webSocket, ws constructor, maxRows 16384", NodeWS.layerWebSocketConstructor, { maxRows: 16_384 })
  )
  ingestRuns.push(
    await ingest(url, N, "Source.webSocket, Node global WebSocket, defaults", NodeSocket.layerWebSocketConstructor)
  )

  }
  const latencyRuns: Array<LatencyResult> = []
  for (const [label, options] of [
    ["defaults (maxDelay 1 ms)", {}],
    ["maxDelay 0 (deliver on pull)", { maxDelay: "0 millis" }],
    ["maxDelay 10 ms", { maxDelay: "10 millis" }]
  ] as const) {
    latencyRuns.push(await latency(url, 50_000, SECONDS, label, options))
  }
  latencyRuns.push(await latency(url, 200_000, SECONDS, "maxDelay 1 ms", { maxDelay: "1 millis" }))
  await worker.terminate()

  const out: Array<string> = []
  out.push("## WebSocket source (`bench/websocket.ts`)")
  out.push("")
  out.push(
    `Loopback, server in a child process writing pre-framed Binance BTCUSDT trade messages (~190 B, 9 fields incl. a send timestamp); ` +
      `client decodes every message with a Schema struct into Frames. Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} cores shared with other jobs (load average ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")} at the end).`
  )
  out.push("")
  out.push(`### Ingest (${fmt(N)} messages, as fast as TCP takes them)`)
  out.push("")
  out.push("| client | messages | seconds | messages/s | frames | client CPU µs/message | messages per client CPU-second |")
  out.push("|---|---:|---:|---:|---:|---:|---:|")
  for (const r of ingestRuns)
    out.push(
      `| ${r.label} | ${fmt(r.messages)} | ${r.seconds.toFixed(2)} | ${fmt(r.messages / r.seconds)} | ${r.batches || "–"} | ${((r.cpu * 1e6) / r.messages).toFixed(2)} | ${fmt(r.messages / r.cpu)} |`
    )
  out.push("")
  out.push(`### Latency, send → frame delivered (${SECONDS} s at a fixed rate, 0.5 s warm-up excluded)`)
  out.push("")
  out.push("| rate (msg/s) | setting | rows | frames | rows/frame | p50 ms | p99 ms | p99.9 ms | max ms |")
  out.push("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
  for (const r of latencyRuns)
    out.push(
      `| ${fmt(r.rate)} | ${r.label} | ${fmt(r.rows)} | ${fmt(r.batches)} | ${r.meanRows.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.p999.toFixed(2)} | ${r.max.toFixed(2)} |`
    )
  out.push("")
  console.log(out.join("\n"))
}

if (process.argv.includes("--server")) runServer()
else await main()
