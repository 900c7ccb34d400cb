/**
 * `Source.webSocket` against a real WebSocket server (the `ws` package) on 127.0.0.1 replaying real Binance
 * BTCUSDT trades from ../shared/data: reconnects with and without replay (compared with the file), dead letters,
 * overflow strategies with a slow consumer, heartbeat timeouts, time-based micro-batches on a quiet feed, and
 * socket release on interruption and failure.
 */
import { NodeSocket, NodeWS } from "@effect/platform-node"
import { assert, describe, it as vit, layer } from "@effect/vitest"
import { Effect, Exit, Metric, Queue, Schema, Stream } from "effect"
import * as Frame from "../src/Frame/Frame.ts"
import { RowBuffer } from "../src/internal/net/websocketBuffer.ts"
import type { Frame as FrameT } from "../src/internal/frame.ts"
import * as Source from "../src/Source/index.ts"
import {
  closedWithin,
  hasTrades,
  isControl,
  replayServer,
  subscribeFrom,
  Trade,
  trades
} from "./support/wsReplay.ts"

const quick = Source.webSocketReconnect({ base: "5 millis", maxDelay: "20 millis", maxRetries: 5 })
const idsOf = (frames: ReadonlyArray<FrameT>): Array<number> =>
  frames.flatMap((f) => (f.height === 0 ? [] : (Frame.toColumns(f) as { t: Array<number> }).t))
const sleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))

/** Trade ids of the file, in order. */
const fileIds = () => trades().map((m) => m.seq)

const base = {
  schema: Trade,
  subscribe: subscribeFrom,
  ignore: isControl,
  sequence: (row: typeof Trade.Type) => row.t,
  onServerClose: "end" as const,
  reconnect: quick
}

layer(NodeWS.layerWebSocketConstructor, { excludeTestServices: true })("Source.webSocket (ws constructor)", (it) => {
  describe("reconnects mid-stream", () => {
    it.effect.skipIf(!hasTrades)("with replay from the last sequence: every trade exactly once, in order, values as in the file", () =>
      Effect.gen(function* () {
        const all = trades()
        const server = yield* replayServer({
          messages: all,
          replay: true,
          pace: { kind: "burst", chunk: 128 },
          killAt: [1500, 4000, 4001, 7777]
        })
        const stats = Source.webSocketStats()
        const gaps: Array<Source.WebSocketSequenceGap> = []
        const frames = yield* Source.webSocket(server.url, {
          ...base,
          stats,
          onGap: (g) => Effect.sync(() => gaps.push(g))
        }).pipe(Stream.runCollect)
        const ids = idsOf(frames)
        // compared with the file: same ids in the same order (no loss, no duplicate)
        assert.strictEqual(ids.length, all.length)
        assert.deepStrictEqual(ids, fileIds())
        // values too: prices and quantities decoded from the file's decimal strings
        const cols = frames.map((f) => Frame.toColumns(f) as { p: Array<number>; q: Array<number>; T: Array<number> })
        const ps = cols.flatMap((c) => c.p)
        const qs = cols.flatMap((c) => c.q)
        for (let i = 0; i < all.length; i += 97) {
          const o = JSON.parse(all[i]!.text) as { p: string; q: string }
          assert.strictEqual(ps[i], Number(o.p))
          assert.strictEqual(qs[i], Number(o.q))
        }
        assert.deepStrictEqual(gaps, [])
        // 4 kills → 5 connections; each reconnect subscribed from the last id seen before the kill
        assert.strictEqual(server.connections.length, 5)
        const s = stats.snapshot()
        assert.strictEqual(s.connections, 5)
        assert.strictEqual(s.reconnects, 4)
        assert.strictEqual(s.rows, all.length)
        assert.strictEqual(s.lastSequence, all[all.length - 1]!.seq)
        const froms = server.connections.map((c) => c.subscribes[0])
        assert.strictEqual(froms[0], null)
        for (const from of froms.slice(1)) assert.isTrue(typeof from === "number" && ids.includes(from))
        // the server replays from the last id seen (inclusive): those duplicates were dropped
        assert.strictEqual(s.duplicates, 4)
      })
    )

    it.effect.skipIf(!hasTrades)("without replay: no duplicate, and every missing trade is reported in a gap", () =>
      Effect.gen(function* () {
        const all = trades()
        const server = yield* replayServer({
          messages: all,
          replay: false,
          pace: { kind: "burst", chunk: 128 },
          killAt: [2000, 5000, 8000],
          skipOnKill: 250
        })
        const stats = Source.webSocketStats()
        const gaps: Array<Source.WebSocketSequenceGap> = []
        const frames = yield* Source.webSocket(server.url, {
          ...base,
          stats,
          onGap: (g) => Effect.sync(() => gaps.push(g))
        }).pipe(Stream.runCollect)
        const ids = idsOf(frames)
        for (let i = 1; i < ids.length; i++) assert.isTrue(ids[i]! > ids[i - 1]!, `ids increase at ${i}`)
        assert.strictEqual(gaps.length, 3)
        const missing = new Set<number>()
        for (const g of gaps) {
          assert.isTrue(g.afterReconnect)
          assert.strictEqual(g.missing, Number(g.next) - Number(g.after) - 1)
          assert.isAtLeast(g.missing, 250)
          for (let id = Number(g.after) + 1; id < Number(g.next); id++) missing.add(id)
        }
        // received ∪ reported-missing = the file, disjoint
        const received = new Set(ids)
        for (const id of missing) assert.isFalse(received.has(id))
        assert.deepStrictEqual([...received, ...missing].sort((a, b) => a - b), fileIds())
        const s = stats.snapshot()
        assert.strictEqual(s.gaps, 3)
        assert.strictEqual(s.missing, missing.size)
        assert.strictEqual(s.duplicates, 0)
        const gapMetric = yield* Metric.value(Metric.withAttributes(Source.webSocketMetrics.missing, { url: server.url }))
        assert.strictEqual(gapMetric.count, missing.size)
      })
    )

    it.effect.skipIf(!hasTrades)("gaps: \"fail\" fails with a SequenceGap error after the rows before the gap", () =>
      Effect.gen(function* () {
        const all = trades()
        const server = yield* replayServer({ messages: all, replay: false, killAt: [999], skipOnKill: 10 })
        const got: Array<number> = []
        const exit = yield* Source.webSocket(server.url, { ...base, gaps: "fail" }).pipe(
          Stream.runForEach((f) => Effect.sync(() => got.push(...idsOf([f])))),
          Effect.exit
        )
        assert.isTrue(Exit.isFailure(exit))
        const err = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
        assert.strictEqual(err?._tag, "Fail")
        const e = (err as { error: Source.WebSocketError }).error
        assert.strictEqual(e._tag, "WebSocketError")
        assert.strictEqual(e.reason, "SequenceGap")
        assert.strictEqual(e.url, server.url)
        assert.deepStrictEqual(got, fileIds().slice(0, got.length))
        assert.isAtMost(got.length, 1000)
      })
    )
  })

  describe("dead letters", () => {
    it.effect.skipIf(!hasTrades)("malformed messages go to the callback, never lost; the feed goes on", () =>
      Effect.gen(function* () {
        const all = trades()
        const server = yield* replayServer({ messages: all, malformedEvery: 700 })
        const letters = yield* Queue.unbounded<Source.WebSocketDeadLetter>()
        const stats = Source.webSocketStats()
        const frames = yield* Source.webSocket(server.url, {
          ...base,
          stats,
          deadLetters: (l) => Queue.offer(letters, l)
        }).pipe(Stream.runCollect)
        assert.deepStrictEqual(idsOf(frames), fileIds())
        const dead = yield* Queue.clear(letters)
        assert.strictEqual(dead.length, server.injected())
        assert.isAtLeast(dead.length, 13)
        assert.deepStrictEqual([...new Set(dead.map((d) => d.stage))].sort(), ["decode", "parse"])
        for (const d of dead) {
          assert.strictEqual(d.url, server.url)
          assert.isString(d.data)
          if (d.stage === "decode") assert.include(d.data as string, "not a price")
        }
        assert.strictEqual(stats.snapshot().deadLetters, dead.length)
      })
    )

    it.effect.skipIf(!hasTrades)("deadLetters: \"fail\" (the default) fails with a Decode error naming the URL", () =>
      Effect.gen(function* () {
        const all = trades()
        const server = yield* replayServer({ messages: all, malformedEvery: 3000 })
        const got: Array<number> = []
        const error = yield* Source.webSocket(server.url, { ...base, deadLetters: undefined }).pipe(
          Stream.runForEach((f) => Effect.sync(() => got.push(...idsOf([f])))),
          Effect.flip
        )
        assert.strictEqual(error.reason, "Decode")
        assert.strictEqual(error.url, server.url)
        assert.include(error.message, server.url)
        // every row before the bad message was delivered, nothing after it
        assert.deepStrictEqual(got, fileIds().slice(0, 3000))
      })
    )
  })

  it.effect.skipIf(!hasTrades)("a dead-letter callback that throws is a typed Callback error, and the socket is closed", () =>
    Effect.gen(function* () {
      const server = yield* replayServer({ messages: trades(), malformedEvery: 500 })
      const error = yield* Source.webSocket(server.url, {
        ...base,
        deadLetters: () => {
          throw new Error("queue unavailable")
        }
      }).pipe(Stream.runDrain, Effect.flip)
      assert.strictEqual(error.reason, "Callback")
      assert.include(error.detail, "queue unavailable")
      assert.strictEqual(yield* closedWithin(server, 0, 2000), 1000)
    })
  )

  describe("overflow with a slow consumer", () => {
    const slowFirst = (ms: number, n: number) => {
      let seen = 0
      return (f: FrameT) => (seen++ < n ? sleep(ms).pipe(Effect.as(f)) : Effect.succeed(f))
    }
    const opts = { ...base, maxRows: 100, bufferSize: 400, maxDelay: "5 millis" } as const

    /** A consumer slow on its first frames that records, while it sleeps, how far the reader got ahead of it. */
    const slowWatching = (stats: Source.WebSocketStatsRef, ahead: Array<number>) => {
      let seen = 0
      let delivered = 0
      return (f: FrameT) =>
        Effect.gen(function* () {
          delivered += f.height
          if (seen++ < 4) {
            yield* sleep(150)
            ahead.push(stats.snapshot().messages - delivered)
          }
          return f
        })
    }

    it.effect.skipIf(!hasTrades)("backpressure: nothing dropped, the socket is not read while the buffer is full", () =>
      Effect.gen(function* () {
        const all = trades()
        const server = yield* replayServer({ messages: all, pace: { kind: "burst", chunk: 512 } })
        const stats = Source.webSocketStats()
        const ahead: Array<number> = []
        const frames = yield* Source.webSocket(server.url, { ...opts, stats, overflow: "backpressure" }).pipe(
          Stream.mapEffect(slowWatching(stats, ahead)),
          Stream.runCollect
        )
        assert.deepStrictEqual(idsOf(frames), fileIds())
        const s = stats.snapshot()
        assert.strictEqual(s.dropped, 0)
        assert.isAtMost(Math.max(...frames.map((f) => f.height)), 100)
        // while the consumer slept, the reader stayed within the row buffer (400) plus the messages it lets wait
        // unread before pausing the socket (4,096) plus one socket read: it stopped reading instead of taking all
        // 9,757 messages (compare dropOldest/dropNewest below, which read everything meanwhile)
        for (const a of ahead) assert.isAtMost(a, 400 + 4096 + 1000)
      })
    )

    for (const strategy of ["dropOldest", "dropNewest"] as const) {
      it.effect.skipIf(!hasTrades)(`${strategy}: rows dropped and counted (stats and metric), the rest in order`, () =>
        Effect.gen(function* () {
          const all = trades()
          const server = yield* replayServer({ messages: all, pace: { kind: "burst", chunk: 512 } })
          const stats = Source.webSocketStats()
          const ahead: Array<number> = []
          const frames = yield* Source.webSocket(server.url, { ...opts, stats, overflow: strategy }).pipe(
            Stream.mapEffect(slowWatching(stats, ahead)),
            Stream.runCollect
          )
          const ids = idsOf(frames)
          // the reader kept reading while the consumer slept (unlike backpressure)
          assert.isAbove(Math.max(...ahead), 2000)
          const s = stats.snapshot()
          assert.isAbove(s.dropped, 0)
          assert.strictEqual(ids.length + s.dropped, all.length)
          for (let i = 1; i < ids.length; i++) assert.isTrue(ids[i]! > ids[i - 1]!)
          const file = new Set(fileIds())
          for (const id of ids) assert.isTrue(file.has(id))
          // dropNewest keeps the first rows; dropOldest keeps the latest
          if (strategy === "dropNewest") assert.strictEqual(ids[0], all[0]!.seq)
          else assert.strictEqual(ids[ids.length - 1], all[all.length - 1]!.seq)
          const metric = yield* Metric.value(
            Metric.withAttributes(Source.webSocketMetrics.dropped, { url: server.url, strategy })
          )
          assert.strictEqual(metric.count, s.dropped)
        })
      )
    }

    it.effect.skipIf(!hasTrades)("fail: a BufferOverflow error", () =>
      Effect.gen(function* () {
        const server = yield* replayServer({ messages: trades(), pace: { kind: "burst", chunk: 512 } })
        const error = yield* Source.webSocket(server.url, { ...opts, overflow: "fail" }).pipe(
          Stream.mapEffect(slowFirst(150, 4)),
          Stream.runDrain,
          Effect.flip
        )
        assert.strictEqual(error.reason, "BufferOverflow")
        assert.strictEqual(error.url, server.url)
        assert.strictEqual(yield* closedWithin(server, 0, 2000), 1000)
      })
    )
  })

  describe("heartbeat", () => {
    it.effect.skipIf(!hasTrades)("a server that stops answering is detected, the socket terminated, the error typed", () =>
      Effect.gen(function* () {
        const server = yield* replayServer({ messages: trades(), pace: { kind: "burst", chunk: 64 }, silentAfter: 500 })
        const got: Array<number> = []
        const started = performance.now()
        const error = yield* Source.webSocket(server.url, {
          ...base,
          reconnect: false,
          heartbeat: { interval: "40 millis", timeout: "200 millis" }
        }).pipe(
          Stream.runForEach((f) => Effect.sync(() => got.push(...idsOf([f])))),
          Effect.flip
        )
        const elapsed = performance.now() - started
        assert.strictEqual(error.reason, "HeartbeatTimeout")
        assert.strictEqual(error.url, server.url)
        assert.deepStrictEqual(got, fileIds().slice(0, 500))
        assert.isAtLeast(server.connections[0]!.pings, 2) // protocol pings were sent, not answered
        assert.isBelow(elapsed, 3000)
        assert.strictEqual(yield* closedWithin(server, 0, 2000), 1006) // terminated, no close handshake
      })
    )

    it.effect.skipIf(!hasTrades)("with reconnect: the dead connection is replaced and the feed resumes from the last trade", () =>
      Effect.gen(function* () {
        const all = trades().slice(0, 3000)
        const server = yield* replayServer({ messages: all, pace: { kind: "burst", chunk: 64 }, silentAfter: 1200 })
        const stats = Source.webSocketStats()
        const ids = yield* Source.webSocket(server.url, {
          ...base,
          stats,
          heartbeat: { interval: "40 millis", timeout: "200 millis" }
        }).pipe(
          Stream.runCollect,
          Effect.map(idsOf)
        )
        // connection 1 goes silent after 1200, connection 2 resumes from there (and goes silent after 1200 more)…
        assert.deepStrictEqual(ids, all.map((m) => m.seq))
        assert.strictEqual(stats.snapshot().heartbeatTimeouts, 2)
        assert.strictEqual(server.connections.length, 3)
      })
    )
  })

  describe("micro-batches", () => {
    it.effect.skipIf(!hasTrades)("a quiet feed still delivers within maxDelay, one small frame at a time", () =>
      Effect.gen(function* () {
        const sent = new Map<number, number>()
        const msgs = trades().slice(0, 40)
        const server = yield* replayServer({
          messages: msgs,
          pace: { kind: "rate", perSecond: 25 },
          onEnd: "idle",
          onSend: (i) => sent.set(msgs[i]!.seq, performance.now())
        })
        const delays: Array<number> = []
        const sizes: Array<number> = []
        yield* Source.webSocket(server.url, { ...base, maxRows: 10_000, maxDelay: "30 millis" }).pipe(
          Stream.take(6),
          Stream.runForEach((f) =>
            Effect.sync(() => {
              const now = performance.now()
              sizes.push(f.height)
              // the frame's oldest row: it waited for maxDelay (the frame was cut by time), not for maxRows
              delays.push(Math.max(...idsOf([f]).map((id) => now - sent.get(id)!)))
            })
          )
        )
        // far below maxRows: every frame was cut by time; every row waited about maxDelay, not until 10,000 rows
        assert.strictEqual(sizes.length, 6)
        assert.isAtMost(Math.max(...sizes), 3)
        assert.isAtMost(Math.max(...delays), 250)
        assert.isAtLeast(Math.min(...delays), 28)
      })
    )

    it.effect.skipIf(!hasTrades)("a fast feed fills frames up to maxRows", () =>
      Effect.gen(function* () {
        const server = yield* replayServer({ messages: trades(), pace: { kind: "burst", chunk: 1024 } })
        const frames = yield* Source.webSocket(server.url, { ...base, maxRows: 1000, maxDelay: "1 second" }).pipe(
          Stream.runCollect
        )
        assert.deepStrictEqual(idsOf(frames), fileIds())
        const heights = frames.map((f) => f.height)
        assert.deepStrictEqual(heights.slice(0, -1), heights.slice(0, -1).map(() => 1000))
        assert.deepStrictEqual(
          frames[0]!.schema.map((fl) => `${fl.name}:${fl.dtype._tag}`),
          ["e:Categorical", "E:Float64", "s:Utf8", "t:Float64", "p:Float64", "q:Float64", "T:Float64", "m:Boolean"]
        )
      })
    )
  })

  describe("binary frames", () => {
    it.effect.skipIf(!hasTrades)("a user decoder reads binary messages; its failures are dead letters", () =>
      Effect.gen(function* () {
        const all = trades().slice(0, 2000)
        // 8-byte trade id + 8-byte price + 8-byte time, big-endian; the 1000th message is truncated
        const server = yield* replayServer({
          messages: all,
          encode: (m) => {
            const o = JSON.parse(m.text) as { p: string }
            const bytes = new Uint8Array(m.seq === all[999]!.seq ? 10 : 24)
            const v = new DataView(bytes.buffer)
            if (bytes.length === 24) {
              v.setFloat64(0, m.seq)
              v.setFloat64(8, Number(o.p))
              v.setFloat64(16, m.time)
            }
            return bytes
          }
        })
        const Binary = Schema.Struct({ t: Schema.Int, p: Schema.Finite, T: Schema.Number })
        const letters: Array<Source.WebSocketDeadLetter> = []
        const frames = yield* Source.webSocket(server.url, {
          schema: Binary,
          subscribe: subscribeFrom,
          ignore: isControl,
          decode: (data) => {
            if (typeof data === "string") return JSON.parse(data) // control messages are text
            if (data.byteLength !== 24) throw new Error(`expected 24 bytes, got ${data.byteLength}`)
            const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
            return { t: v.getFloat64(0), p: v.getFloat64(8), T: v.getFloat64(16) }
          },
          deadLetters: (l) => Effect.sync(() => letters.push(l)),
          onServerClose: "end",
          reconnect: false
        }).pipe(Stream.runCollect)
        const expected = all.filter((_, i) => i !== 999)
        assert.deepStrictEqual(idsOf(frames), expected.map((m) => m.seq))
        const ps = frames.flatMap((f) => (Frame.toColumns(f) as { p: Array<number> }).p)
        assert.deepStrictEqual(ps, expected.map((m) => Number((JSON.parse(m.text) as { p: string }).p)))
        assert.strictEqual(letters.length, 1)
        assert.strictEqual(letters[0]!.stage, "parse")
        assert.include(letters[0]!.error, "expected 24 bytes, got 10")
        assert.instanceOf(letters[0]!.data, Uint8Array)
      })
    )
  })

  describe("resources", () => {
    it.effect.skipIf(!hasTrades)("interruption (Stream.take) closes the socket: the server sees the close", () =>
      Effect.gen(function* () {
        const server = yield* replayServer({ messages: trades(), pace: { kind: "rate", perSecond: 500 }, onEnd: "idle" })
        const frames = yield* Source.webSocket(server.url, { ...base, maxRows: 10, maxDelay: "1 second" }).pipe(
          Stream.take(3),
          Stream.runCollect
        )
        assert.strictEqual(frames.length, 3)
        assert.strictEqual(yield* closedWithin(server, 0, 2000), 1000)
        assert.strictEqual(server.connections.length, 1)
      })
    )

    it.effect.skipIf(!hasTrades)("a failing consumer stops the source and closes the socket", () =>
      Effect.gen(function* () {
        const server = yield* replayServer({ messages: trades(), pace: { kind: "rate", perSecond: 500 }, onEnd: "idle" })
        class Boom extends Schema.TaggedError<Boom>()("Boom", {}) {}
        const error = yield* Source.webSocket(server.url, { ...base, maxRows: 10 }).pipe(
          Stream.mapEffect((f, i) => (i === 2 ? Effect.fail(new Boom()) : Effect.succeed(f))),
          Stream.runDrain,
          Effect.flip
        )
        assert.strictEqual(error._tag, "Boom")
        assert.strictEqual(yield* closedWithin(server, 0, 2000), 1000)
      })
    )

    it.effect("a refused connection fails with an Open error after the reconnect schedule gives up", () =>
      Effect.gen(function* () {
        // a port that was just free: nothing listens there
        const server = yield* replayServer({ messages: [] })
        const url = server.url
        yield* Effect.promise(() => server.close())
        const stats = Source.webSocketStats()
        const error = yield* Source.webSocket(url, {
          ...base,
          stats,
          reconnect: Source.webSocketReconnect({ base: "5 millis", maxRetries: 3 })
        }).pipe(Stream.runDrain, Effect.flip)
        assert.strictEqual(error.reason, "Open")
        assert.strictEqual(error.url, url)
        assert.strictEqual(error.retries, 3)
        assert.strictEqual(stats.snapshot().connections, 0)
        assert.strictEqual(stats.snapshot().reconnects, 3)
      })
    )

    it.effect("invalid options are a typed InvalidOptions error", () =>
      Effect.gen(function* () {
        const error = yield* Source.webSocket("ws://127.0.0.1:9", { schema: Trade, maxRows: 10, bufferSize: 5 }).pipe(
          Stream.runDrain,
          Effect.flip
        )
        assert.strictEqual(error.reason, "InvalidOptions")
        assert.include(error.detail, "bufferSize")
      })
    )
  })
})

layer(NodeSocket.layerWebSocketConstructor, { excludeTestServices: true })("Source.webSocket (Node's global WebSocket)", (it) => {
  it.effect.skipIf(!hasTrades)("app-level heartbeat pings keep a quiet connection; pongs are ignored, rows arrive", () =>
    Effect.gen(function* () {
      const msgs = trades().slice(0, 12)
      const server = yield* replayServer({ messages: msgs, pace: { kind: "rate", perSecond: 40 }, onEnd: "idle" })
      const stats = Source.webSocketStats()
      const ids = yield* Source.webSocket(server.url, {
        ...base,
        stats,
        maxDelay: "20 millis",
        heartbeat: { interval: "30 millis", timeout: "150 millis", message: '{"op":"ping"}' }
      }).pipe(
        Stream.flatMap((f) => Stream.fromIterable(idsOf([f]))),
        Stream.take(12),
        Stream.runCollect
      )
      assert.deepStrictEqual(ids, msgs.map((m) => m.seq))
      assert.isAtLeast(server.connections[0]!.appPings, 3)
      assert.strictEqual(stats.snapshot().heartbeatTimeouts, 0)
      assert.strictEqual(server.connections.length, 1)
      assert.isAtLeast(stats.snapshot().ignored, 1)
      assert.strictEqual(yield* closedWithin(server, 0, 2000), 1000)
    })
  )
})

describe("RowBuffer (the overflow strategies) against a model", () => {
  const Size = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 50 }))
  const Ops = Schema.Array(Schema.Tuple([Schema.Literals(["offer", "take"]), Size])).check(Schema.isMaxLength(60))
  const Strategy = Schema.Literals(["backpressure", "dropOldest", "dropNewest"])
  vit.prop(
    "offers and takes give the model's rows and drop counts",
    { ops: Ops, capacity: Size, strategy: Strategy },
    ({ ops, capacity, strategy }) => {
      const buffer = new RowBuffer<number>(capacity, strategy, capacity, 1000)
      let model: Array<number> = []
      let next = 0
      for (const [op, n] of ops) {
        if (op === "take") {
          const got = buffer.take(n)
          assert.deepStrictEqual(got, model.slice(0, n))
          model = model.slice(n)
        } else {
          const rows = Array.from({ length: n }, () => next++)
          const r = buffer.offer(rows, 0, 0)
          const free = capacity - model.length
          if (n <= free) {
            model.push(...rows)
            assert.deepStrictEqual([r.accepted, r.dropped], [n, 0])
          } else if (strategy === "backpressure") {
            model.push(...rows.slice(0, free))
            assert.deepStrictEqual([r.accepted, r.dropped], [free, 0])
          } else if (strategy === "dropNewest") {
            model.push(...rows.slice(0, free))
            assert.deepStrictEqual([r.accepted, r.dropped], [n, n - free])
          } else {
            const all = [...model, ...rows]
            model = all.slice(all.length - capacity)
            assert.deepStrictEqual([r.accepted, r.dropped], [n, all.length - capacity])
          }
        }
        assert.strictEqual(buffer.count, model.length)
        assert.isAtMost(buffer.count, capacity)
      }
    },
    { arbitrary: { runs: 300, seed: 7 } }
  )

  vit.prop(
    "fail: a chunk that does not fit is refused whole",
    { sizes: Schema.Array(Size).check(Schema.isMaxLength(20)), capacity: Size },
    ({ sizes, capacity }) => {
      const buffer = new RowBuffer<number>(capacity, "fail", capacity, 1000)
      let count = 0
      for (const n of sizes) {
        const r = buffer.offer(Array.from({ length: n }, (_, i) => i), 0, 0)
        if (count + n <= capacity) {
          count += n
          assert.isFalse(r.overflow)
        } else assert.deepStrictEqual([r.overflow, r.accepted], [true, 0])
        assert.strictEqual(buffer.count, count)
      }
    },
    { arbitrary: { runs: 200, seed: 7 } }
  )
})
