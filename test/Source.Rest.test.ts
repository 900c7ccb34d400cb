/**
 * `Source.rest` against a real HTTP server on 127.0.0.1 (node:http, port 0) serving the 406 rows of vega-datasets'
 * `cars.json` in pages, with injected faults: 429s with Retry-After, 500s, slow pages, malformed pages and cursor
 * loops. The expected rows are the file's rows (read independently with JSON.parse), never our own output.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Schedule, Schema, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { HttpClientError } from "effect/http/HttpClientError"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, beforeEach } from "vitest"
import * as DataType from "../src/Frame/DataType.ts"
import * as Frame from "../src/Frame/Frame.ts"
import * as Source from "../src/Source/index.ts"
import * as Rest from "../src/Source/Rest.ts"
import { findLink, parseLinkHeader, retryAfterMillis } from "../src/internal/net/restPaging.ts"

const HERE = path.dirname(fileURLToPath(import.meta.url))
const CARS_FILE = path.resolve(HERE, "../node_modules/vega-datasets/data/cars.json")
type Car = Record<string, string | number | null>
const CARS: Array<Car> = JSON.parse(fs.readFileSync(CARS_FILE, "utf8"))

const CarSchema = Schema.Struct({
  Name: Schema.String,
  Miles_per_Gallon: Schema.NullOr(Schema.Finite),
  Cylinders: Schema.Finite,
  Displacement: Schema.Finite,
  Horsepower: Schema.NullOr(Schema.Finite),
  Weight_in_lbs: Schema.Finite,
  Acceleration: Schema.Finite,
  Year: Schema.String,
  Origin: Schema.Literals(["USA", "Europe", "Japan"])
})

// ---------------------------------------------------------------------------------------------------------------
// the server
// ---------------------------------------------------------------------------------------------------------------

interface Hit {
  readonly path: string
  readonly query: URLSearchParams
  readonly t: number
  /** Set when the response was finished; `aborted` when the client went away first. */
  finished: boolean
  aborted: boolean
}

/** A fault hook: returns true when it answered the request itself. */
type Hook = (hit: Hit, req: http.IncomingMessage, res: http.ServerResponse, n: number) => boolean

const state = {
  hits: [] as Array<Hit>,
  inflight: 0,
  maxInflight: 0,
  /** Extra latency per request (ms), by request. */
  delay: (_hit: Hit): number => 0,
  hook: undefined as Hook | undefined,
  /** Requests seen per `path?query` key (for "fail the first n times"). */
  seen: new Map<string, number>()
}

const reset = () => {
  state.hits = []
  state.inflight = 0
  state.maxInflight = 0
  state.delay = () => 0
  state.hook = undefined
  state.seen = new Map()
}

const sendJson = (res: http.ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(200, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

const int = (q: URLSearchParams, name: string, dflt: number) => {
  const v = q.get(name)
  return v === null ? dflt : Number(v)
}

/** The routes: one per pagination strategy, all serving CARS. */
const route = (hit: Hit, res: http.ServerResponse) => {
  const q = hit.query
  switch (hit.path) {
    case "/offset": {
      const offset = int(q, "offset", 0)
      const limit = int(q, "limit", 10)
      const body: Record<string, unknown> = { data: { items: CARS.slice(offset, offset + limit) } }
      if (q.get("withTotal") === "1") body.meta = { total: CARS.length }
      return sendJson(res, body)
    }
    case "/page": {
      const page = int(q, "page", 1)
      const size = int(q, "per_page", 30)
      return sendJson(res, {
        items: CARS.slice((page - 1) * size, page * size),
        pages: Math.ceil(CARS.length / size)
      })
    }
    case "/cursor": {
      // opaque cursors: base64 of the offset
      const c = q.get("cursor")
      const offset = c === null ? 0 : Number(Buffer.from(c, "base64url").toString())
      const limit = int(q, "limit", 25)
      const end = Math.min(CARS.length, offset + limit)
      const next = end < CARS.length ? Buffer.from(String(end)).toString("base64url") : null
      return sendJson(res, { results: CARS.slice(offset, end), paging: { next } })
    }
    case "/link": {
      const page = int(q, "page", 1)
      const size = int(q, "per_page", 30)
      const last = Math.ceil(CARS.length / size)
      const links = [`</link?page=1&per_page=${size}>; rel="first"`]
      if (page > 1) links.push(`<http://${host}/link?page=${page - 1}&per_page=${size}>; rel="prev"`)
      // relative reference, a quoted rel with two types, and a param with a comma in quotes before it
      if (page < last) links.push(`</link?page=${page + 1}&per_page=${size}>; title="a, b"; rel="next last-ish"`)
      links.push(`</link?page=${last}&per_page=${size}>; rel=last`)
      return sendJson(res, CARS.slice((page - 1) * size, page * size), { link: links.join(", ") })
    }
    default:
      res.writeHead(404, { "content-type": "text/plain" })
      res.end("no such route")
  }
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x")
  const hit: Hit = {
    path: url.pathname,
    query: url.searchParams,
    t: performance.now(),
    finished: false,
    aborted: false
  }
  state.hits.push(hit)
  const key = `${url.pathname}?${url.searchParams}`
  const n = (state.seen.get(key) ?? 0) + 1
  state.seen.set(key, n)
  state.inflight++
  state.maxInflight = Math.max(state.maxInflight, state.inflight)
  let done = false
  const settle = () => {
    if (done) return
    done = true
    state.inflight--
  }
  res.on("finish", () => {
    hit.finished = true
    settle()
  })
  res.on("close", () => {
    if (!hit.finished) hit.aborted = true
    settle()
  })
  const answer = () => {
    if (res.destroyed) return
    if (state.hook?.(hit, req, res, n)) return
    route(hit, res)
  }
  const d = state.delay(hit)
  if (d > 0) setTimeout(answer, d)
  else answer()
})

let host = ""
let base = ""
/** The cars served by offset/limit pages of `limit` rows, records at `data.items`. */
const offsetPages = (limit: number) => ({
  url: `${base}/offset`,
  schema: CarSchema,
  records: "data.items",
  pagination: Rest.Pagination.offset({ limit })
})

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  base = `http://${host}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})
beforeEach(reset)

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const provide = <A, E>(effect: Effect.Effect<A, E, import("effect/http/HttpClient").HttpClient>) =>
  Effect.provide(effect, NodeHttpClient.layerUndici)

const rowsOf = (frames: ReadonlyArray<Frame.Frame>) => frames.flatMap((f) => Frame.toRows(f))

const run = <S extends Rest.RestRecordSchema>(options: Rest.RestOptions<S>) =>
  provide(Stream.runCollect(Rest.rest(options)))

/** The failure of a run, which must be a RestError. */
const failure = <S extends Rest.RestRecordSchema>(options: Rest.RestOptions<S>) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(run(options))
    assert.isTrue(Exit.isFailure(exit), "the stream should fail")
    if (Exit.isSuccess(exit)) throw new Error("unreachable")
    const e = exit.cause.reasons.find((r) => r._tag === "Fail")
    assert.isDefined(e, `expected a typed failure, got ${String(exit.cause)}`)
    const err = (e as { readonly error: unknown }).error
    assert.instanceOf(err, Rest.RestError)
    return err as Rest.RestError
  })

const sleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))
const hitsOf = (p: string) => state.hits.filter((h) => h.path === p)
const fastRetry = Schedule.max([Schedule.spaced("10 millis"), Schedule.recurs(3)])
const offsetOf = (h: Hit) => Number(h.query.get("offset"))

// ---------------------------------------------------------------------------------------------------------------
// tests
// ---------------------------------------------------------------------------------------------------------------

describe("Source.rest: pagination reassembles the served rows", () => {
  it.live("offset/limit without a total: stops at the short last page", () =>
    Effect.gen(function* () {
      const frames = yield* run({
        ...offsetPages(50)
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      assert.strictEqual(frames.length, 9) // 8 × 50 + 6
      assert.deepStrictEqual(hitsOf("/offset").map(offsetOf), [0, 50, 100, 150, 200, 250, 300, 350, 400])
      assert.deepStrictEqual(frames[0]!.schema.map((f) => `${f.name}:${f.dtype._tag}`).slice(0, 2), [
        "Name:Utf8",
        "Miles_per_Gallon:Float64"
      ])
    }))

  it.live("offset/limit: a page size dividing the rows stops at the empty page", () =>
    Effect.gen(function* () {
      const frames = yield* run({
        ...offsetPages(203)
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      assert.deepStrictEqual(hitsOf("/offset").map(offsetOf), [0, 203, 406])
    }))

  it.live("page numbers with a page count from the body, 4 in flight: exactly the announced pages, in order", () =>
    Effect.gen(function* () {
      // later pages answer sooner, so completion order differs from page order
      state.delay = (h) => 80 - 5 * Number(h.query.get("page"))
      const frames = yield* run({
        url: `${base}/page`,
        schema: CarSchema,
        records: "items",
        pagination: Rest.Pagination.page({ pageSize: 30, totalPages: "pages" }),
        concurrency: 4
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      const pages = hitsOf("/page").map((h) => Number(h.query.get("page")))
      assert.deepStrictEqual(
        [...pages].sort((a, b) => a - b),
        Array.from({ length: 14 }, (_, i) => i + 1)
      )
      assert.isTrue(state.maxInflight <= 4 && state.maxInflight >= 2, `max in flight ${state.maxInflight}`)
    }))

  it.live("cursor from a JSON path: opaque cursors followed to the end", () =>
    Effect.gen(function* () {
      const frames = yield* run({
        url: `${base}/cursor`,
        schema: CarSchema,
        records: "results",
        pagination: Rest.Pagination.cursor({ next: "paging.next", limit: 40 })
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      assert.strictEqual(hitsOf("/cursor").length, 11)
      assert.isNull(hitsOf("/cursor")[0]!.query.get("cursor"))
    }))

  it.live("RFC 8288 Link headers (relative targets, multiple rel types): followed to the end", () =>
    Effect.gen(function* () {
      const frames = yield* run({
        url: `${base}/link`,
        schema: CarSchema,
        pagination: Rest.Pagination.link({ limit: 45 })
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      assert.deepStrictEqual(
        hitsOf("/link").map((h) => h.query.get("page")),
        [null, "2", "3", "4", "5", "6", "7", "8", "9", "10"] // ⌈406 / 45⌉ = 10 pages
      )
    }))

  it.live("page numbers without a size or total: stops at the empty page", () =>
    Effect.gen(function* () {
      const frames = yield* run({
        url: `${base}/page`,
        schema: CarSchema,
        records: "items",
        pagination: Rest.Pagination.page()
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      // the server's default page size is 30: 14 pages with rows, then page 15 is empty
      assert.deepStrictEqual(
        hitsOf("/page").map((h) => Number(h.query.get("page"))),
        Array.from({ length: 15 }, (_, i) => i + 1)
      )
      assert.isTrue(hitsOf("/page").every((h) => h.query.get("per_page") === null))
    }))

  it.live("through the Source barrel and effect's FetchHttpClient layer", () =>
    Effect.gen(function* () {
      const frames = yield* Source.rest({
        url: `${base}/offset`,
        schema: CarSchema,
        records: "data.items",
        pagination: Source.Pagination.offset({ limit: 100 })
      }).pipe(Stream.runCollect, Effect.provide(FetchHttpClient.layer))
      assert.deepStrictEqual(rowsOf(frames), CARS)
    }))

  it.live("maxPages bounds the requests", () =>
    Effect.gen(function* () {
      const frames = yield* run({
        ...offsetPages(10),
        maxPages: 3
      })
      assert.deepStrictEqual(rowsOf(frames), CARS.slice(0, 30))
      assert.strictEqual(hitsOf("/offset").length, 3)
    }))
})

describe("Source.rest: concurrency", () => {
  it.live("known total: at most `concurrency` requests in flight, output in page order", () =>
    Effect.gen(function* () {
      state.delay = (h) => 20 + ((offsetOf(h) / 25) * 37) % 60
      const frames = yield* run({
        url: `${base}/offset`,
        params: { withTotal: 1 },
        schema: CarSchema,
        records: "data.items",
        pagination: Rest.Pagination.offset({ limit: 25, total: "meta.total" }),
        concurrency: 3
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      assert.strictEqual(hitsOf("/offset").length, 17) // no request past the total
      assert.strictEqual(state.maxInflight, 3)
    }))

  it.live("unknown total: speculative pages past the end are bounded and discarded", () =>
    Effect.gen(function* () {
      state.delay = (h) => 20 + ((offsetOf(h) / 25) * 37) % 60
      const frames = yield* run({
        ...offsetPages(25),
        concurrency: 3
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      const n = hitsOf("/offset").length
      assert.isTrue(n >= 17 && n <= 17 + 2, `requests: ${n}`)
      assert.strictEqual(state.maxInflight, 3)
    }))
  it.live("unknown total: a failing speculative page past the end is never seen", () =>
    Effect.gen(function* () {
      state.hook = (hit, _req, res) => {
        if (offsetOf(hit) >= 425) {
          res.writeHead(400)
          res.end("offset out of range")
          return true
        }
        return false
      }
      state.delay = (h) => (offsetOf(h) === 400 ? 60 : 0) // the last page answers after the ones past the end
      const frames = yield* run({
        ...offsetPages(25),
        concurrency: 3
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      assert.isTrue(hitsOf("/offset").some((h) => offsetOf(h) >= 425), "a page past the end was requested")
    }))
})

describe("Source.rest: rate limits", () => {
  it.live("429 with Retry-After in seconds: the page is re-requested after the delay", () =>
    Effect.gen(function* () {
      let t429 = 0
      state.hook = (hit, _req, res, n) => {
        if (offsetOf(hit) === 100 && n === 1) {
          t429 = performance.now()
          res.writeHead(429, { "retry-after": "1" })
          res.end("slow down")
          return true
        }
        return false
      }
      const frames = yield* run({
        ...offsetPages(50),
        retryAfter: { defaultDelay: "10 millis" }
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      const again = hitsOf("/offset").filter((h) => offsetOf(h) === 100)
      assert.strictEqual(again.length, 2)
      const waited = again[1]!.t - t429
      assert.isTrue(waited >= 995 && waited < 1800, `waited ${waited} ms`)
    }))

  it.live("429 with Retry-After as an HTTP-date: waits until that date", () =>
    Effect.gen(function* () {
      let expected = 0
      state.hook = (hit, _req, res, n) => {
        if (offsetOf(hit) === 50 && n === 1) {
          // HTTP-dates have whole seconds: ask for the second boundary 2 s ahead (1 to 2 s from now)
          const wall = Date.now()
          const until = (Math.floor(wall / 1000) + 2) * 1000
          expected = performance.now() + (until - wall) // `until` on the performance clock
          res.writeHead(429, { "retry-after": new Date(until).toUTCString() })
          res.end()
          return true
        }
        return false
      }
      const frames = yield* run({
        ...offsetPages(50),
        retryAfter: { defaultDelay: "10 millis" }
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      const again = hitsOf("/offset").filter((h) => offsetOf(h) === 50)
      assert.strictEqual(again.length, 2)
      // the retry comes no earlier than the date (not after the 10 ms default delay), and not much later
      const late = again[1]!.t - expected
      assert.isTrue(late >= -15 && late < 1000, `retried ${late} ms after the date`)
    }))

  it.live("429s beyond retryAfter.maxRetries: RestRetriesExhausted with the 429", () =>
    Effect.gen(function* () {
      state.hook = (hit, _req, res) => {
        if (offsetOf(hit) === 20) {
          res.writeHead(429, { "retry-after": "0" })
          res.end()
          return true
        }
        return false
      }
      const e = yield* failure({
        ...offsetPages(10),
        retryAfter: { maxRetries: 2 }
      })
      assert.strictEqual(e.page, 2)
      assert.include(e.url, "offset=20")
      assert.strictEqual(e.reason._tag, "RestRetriesExhausted")
      const r = e.reason as Rest.RestRetriesExhausted
      assert.strictEqual(r.attempts, 3)
      assert.strictEqual((r.last as Rest.RestHttpStatus).status, 429)
      assert.strictEqual(hitsOf("/offset").filter((h) => offsetOf(h) === 20).length, 3)
    }))

  it.live("requests per interval: no window of `interval` holds more than `limit` request starts", () =>
    Effect.gen(function* () {
      const frames = yield* run({
        ...offsetPages(40),
        concurrency: 3,
        rateLimit: { limit: 4, interval: "300 millis" }
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      const ts = hitsOf("/offset").map((h) => h.t)
      assert.isTrue(ts.length >= 11)
      for (let i = 0; i + 4 < ts.length; i++) {
        const gap = ts[i + 4]! - ts[i]!
        assert.isTrue(gap >= 250, `requests ${i}..${i + 4} within ${gap} ms`)
      }
    }))
})

describe("Source.rest: retries and failures", () => {
  it.live("500s are retried with the schedule, then the page succeeds", () =>
    Effect.gen(function* () {
      state.hook = (hit, _req, res, n) => {
        if (offsetOf(hit) === 60 && n <= 2) {
          res.writeHead(500)
          res.end("boom")
          return true
        }
        return false
      }
      const frames = yield* run({
        ...offsetPages(30),
        retry: fastRetry
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      assert.strictEqual(hitsOf("/offset").filter((h) => offsetOf(h) === 60).length, 3)
    }))

  it.live("503 with Retry-After: the retry waits at least that long", () =>
    Effect.gen(function* () {
      let t503 = 0
      state.hook = (hit, _req, res, n) => {
        if (offsetOf(hit) === 30 && n === 1) {
          t503 = performance.now()
          res.writeHead(503, { "retry-after": "1" })
          res.end()
          return true
        }
        return false
      }
      const frames = yield* run({
        ...offsetPages(30),
        retry: fastRetry
      })
      assert.deepStrictEqual(rowsOf(frames), CARS)
      const again = hitsOf("/offset").filter((h) => offsetOf(h) === 30)
      assert.strictEqual(again.length, 2)
      assert.isTrue(again[1]!.t - t503 >= 995, `waited ${again[1]!.t - t503} ms`)
    }))

  it.live("persistent 500: RestRetriesExhausted naming the URL and page, with effect's HttpClientError", () =>
    Effect.gen(function* () {
      state.hook = (hit, _req, res) => {
        if (offsetOf(hit) === 90) {
          res.writeHead(500, { "content-type": "text/plain" })
          res.end("database on fire")
          return true
        }
        return false
      }
      const e = yield* failure({
        ...offsetPages(30),
        retry: fastRetry
      })
      assert.strictEqual(e.page, 3)
      assert.strictEqual(e.url, `${base}/offset?offset=90&limit=30`)
      assert.strictEqual(e.reason._tag, "RestRetriesExhausted")
      const r = e.reason as Rest.RestRetriesExhausted
      assert.strictEqual(r.attempts, 4)
      assert.strictEqual(r.last._tag, "RestHttpStatus")
      const last = r.last as Rest.RestHttpStatus
      assert.strictEqual(last.status, 500)
      assert.strictEqual(last.body, "database on fire")
      assert.instanceOf(last.cause, HttpClientError)
      assert.strictEqual(last.cause.reason._tag, "StatusCodeError")
      assert.strictEqual(last.cause.response?.status, 500)
      assert.include(e.message, "page 3")
      assert.strictEqual(hitsOf("/offset").filter((h) => offsetOf(h) === 90).length, 4)
    }))

  it.live("a 404 is not retried: RestHttpStatus at once", () =>
    Effect.gen(function* () {
      const e = yield* failure({ url: `${base}/nowhere`, schema: CarSchema, retry: fastRetry })
      assert.strictEqual(e.reason._tag, "RestHttpStatus")
      assert.strictEqual((e.reason as Rest.RestHttpStatus).status, 404)
      assert.strictEqual(e.page, 0)
      assert.strictEqual(hitsOf("/nowhere").length, 1)
    }))

  it.live("connection refused: transport failures retried, then RestTransport inside RestRetriesExhausted", () =>
    Effect.gen(function* () {
      // a port that was just free: listen and close
      const closed = http.createServer()
      yield* Effect.promise(() => new Promise<void>((r) => closed.listen(0, "127.0.0.1", r)))
      const port = (closed.address() as AddressInfo).port
      yield* Effect.promise(() => new Promise<void>((r) => closed.close(() => r())))
      const e = yield* failure({
        url: `http://127.0.0.1:${port}/offset`,
        schema: CarSchema,
        retry: Schedule.max([Schedule.spaced("5 millis"), Schedule.recurs(2)])
      })
      assert.strictEqual(e.reason._tag, "RestRetriesExhausted")
      const r = e.reason as Rest.RestRetriesExhausted
      assert.strictEqual(r.attempts, 3)
      assert.strictEqual(r.last._tag, "RestTransport")
      assert.instanceOf((r.last as Rest.RestTransport).cause, HttpClientError)
    }))

  it.live("a slow page: RestTimeout naming the page, and the request is aborted", () =>
    Effect.gen(function* () {
      state.delay = (h) => (offsetOf(h) === 50 ? 3000 : 0)
      const t0 = performance.now()
      const e = yield* failure({
        ...offsetPages(50),
        timeout: "200 millis",
        retry: false
      })
      const elapsed = performance.now() - t0
      assert.isTrue(elapsed < 1500, `took ${elapsed} ms`)
      assert.strictEqual(e.page, 1)
      assert.include(e.url, "offset=50")
      assert.strictEqual(e.reason._tag, "RestTimeout")
      assert.strictEqual((e.reason as Rest.RestTimeout).timeoutMillis, 200)
      yield* sleep(100)
      const slow = hitsOf("/offset").find((h) => offsetOf(h) === 50)!
      assert.isTrue(slow.aborted, "the timed-out request was aborted")
    }))

  it.live("timeouts are retried too: RestRetriesExhausted with RestTimeout as the last failure", () =>
    Effect.gen(function* () {
      state.delay = (h) => (offsetOf(h) === 0 ? 2000 : 0)
      const e = yield* failure({
        ...offsetPages(50),
        timeout: "100 millis",
        retry: Schedule.max([Schedule.spaced("5 millis"), Schedule.recurs(1)])
      })
      assert.strictEqual(e.reason._tag, "RestRetriesExhausted")
      assert.strictEqual((e.reason as Rest.RestRetriesExhausted).last._tag, "RestTimeout")
      assert.strictEqual(hitsOf("/offset").length, 2)
    }))
})

describe("Source.rest: malformed pages", () => {
  it.live("a record that does not decode: RestDecode naming the page, record index and field", () =>
    Effect.gen(function* () {
      state.hook = (hit, _req, res) => {
        if (offsetOf(hit) === 40) {
          const items = CARS.slice(40, 60).map((c, i) => (i === 7 ? { ...c, Horsepower: "fast" } : c))
          sendJson(res, { data: { items } })
          return true
        }
        return false
      }
      const e = yield* failure({
        ...offsetPages(20)
      })
      assert.strictEqual(e.page, 2)
      assert.include(e.url, "offset=40")
      assert.strictEqual(e.reason._tag, "RestDecode")
      const r = e.reason as Rest.RestDecode
      assert.strictEqual(r.record, 7)
      assert.strictEqual(r.field, "Horsepower")
      assert.strictEqual(hitsOf("/offset").filter((h) => offsetOf(h) === 40).length, 1) // never retried
    }))

  it.live("a body that is not JSON: RestDecode with effect's HttpClientError as cause", () =>
    Effect.gen(function* () {
      state.hook = (hit, _req, res) => {
        if (offsetOf(hit) === 20) {
          res.writeHead(200, { "content-type": "application/json" })
          res.end('{"data": {"items": [')
          return true
        }
        return false
      }
      const e = yield* failure({
        ...offsetPages(20)
      })
      assert.strictEqual(e.page, 1)
      assert.strictEqual(e.reason._tag, "RestDecode")
      assert.instanceOf((e.reason as Rest.RestDecode).cause, HttpClientError)
    }))

  it.live("no array at the records path: RestDecode naming the path", () =>
    Effect.gen(function* () {
      const e = yield* failure({
        url: `${base}/offset`,
        schema: CarSchema,
        records: "data.rows",
        pagination: Rest.Pagination.offset({ limit: 20 })
      })
      assert.strictEqual(e.page, 0)
      assert.strictEqual(e.reason._tag, "RestDecode")
      assert.strictEqual((e.reason as Rest.RestDecode).path, "data.rows")
      assert.include(e.message, "undefined")
    }))
})

describe("Source.rest: loops", () => {
  it.live("a cursor seen before: RestCursorLoop", () =>
    Effect.gen(function* () {
      // cursors: (none) → a → b → a
      const next: Record<string, string> = { "": "a", a: "b", b: "a" }
      state.hook = (hit, _req, res) => {
        if (hit.path !== "/loop") return false
        const c = hit.query.get("cursor") ?? ""
        sendJson(res, { items: CARS.slice(0, 5), next: next[c] })
        return true
      }
      const e = yield* failure({
        url: `${base}/loop`,
        schema: CarSchema,
        records: "items",
        pagination: Rest.Pagination.cursor({ next: "next" })
      })
      assert.strictEqual(e.reason._tag, "RestCursorLoop")
      const r = e.reason as Rest.RestCursorLoop
      assert.strictEqual(r.cursor, "a")
      assert.strictEqual(r.firstPage, 1)
      assert.strictEqual(e.page, 2)
      assert.include(e.url, "cursor=b")
      assert.strictEqual(hitsOf("/loop").length, 3)
    }))

  it.live("a Link rel=next back to an earlier page: RestCursorLoop", () =>
    Effect.gen(function* () {
      state.hook = (hit, _req, res) => {
        if (hit.path !== "/linkloop") return false
        const page = Number(hit.query.get("page") ?? "1")
        const next = page === 3 ? 2 : page + 1
        sendJson(res, CARS.slice(0, 3), { link: `</linkloop?page=${next}>; rel="next"` })
        return true
      }
      const e = yield* failure({ url: `${base}/linkloop`, schema: CarSchema, pagination: Rest.Pagination.link() })
      assert.strictEqual(e.reason._tag, "RestCursorLoop")
      assert.strictEqual((e.reason as Rest.RestCursorLoop).cursor, `${base}/linkloop?page=2`)
      assert.strictEqual(e.page, 2)
    }))
})

describe("Source.rest: interruption", () => {
  it.live("interrupting the stream aborts the requests in flight and sends no more", () =>
    Effect.gen(function* () {
      state.delay = (h) => (offsetOf(h) === 0 ? 0 : 600)
      const fiber = yield* Effect.forkChild(
        run({
          ...offsetPages(10),
          concurrency: 3
        })
      )
      // the first page answers at once; then three speculative pages are in flight
      for (let i = 0; i < 200 && state.inflight < 3; i++) yield* sleep(5)
      assert.strictEqual(state.inflight, 3, "three requests in flight")
      const before = state.hits.length
      assert.strictEqual(before, 4)
      yield* Fiber.interrupt(fiber)
      for (let i = 0; i < 100 && state.inflight > 0; i++) yield* sleep(10)
      assert.strictEqual(state.inflight, 0, "every request closed")
      assert.deepStrictEqual(
        state.hits.map((h) => [offsetOf(h), h.aborted]),
        [
          [0, false],
          [10, true],
          [20, true],
          [30, true]
        ]
      )
      yield* sleep(700)
      assert.strictEqual(state.hits.length, before, "no request after the interruption")
    }))

  it.live("a consumer that stops early (take) interrupts the speculative requests", () =>
    Effect.gen(function* () {
      state.delay = (h) => (offsetOf(h) === 0 ? 0 : 300)
      const t0 = performance.now()
      const frames = yield* provide(
        Rest.rest({
          ...offsetPages(10),
          concurrency: 3
        }).pipe(Stream.take(1), Stream.runCollect)
      )
      assert.isTrue(performance.now() - t0 < 290, "did not wait for the slow pages")
      assert.deepStrictEqual(rowsOf(frames), CARS.slice(0, 10))
      for (let i = 0; i < 100 && state.inflight > 0; i++) yield* sleep(10)
      assert.strictEqual(state.inflight, 0)
      assert.isTrue(
        state.hits.filter((h) => offsetOf(h) > 0).every((h) => h.aborted),
        "the speculative requests were aborted"
      )
    }))
})

describe("Source.rest: options and helpers", () => {
  it.live("bad options: InvalidArgument", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        run({ url: `${base}/offset`, schema: CarSchema, pagination: Rest.Pagination.offset({ limit: 0 }) })
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(exit), "InvalidArgument")
      const e = yield* failure({ url: "not a url", schema: CarSchema })
      assert.strictEqual(e.reason._tag, "RestTransport")
    }))

  it.live("a single request, a `$.` path, and a dtype override", () =>
    Effect.gen(function* () {
      const frames = yield* run({
        url: `${base}/offset?limit=500`,
        schema: CarSchema,
        records: "$.data.items",
        dtypes: { Cylinders: DataType.Int32 }
      })
      assert.strictEqual(frames.length, 1)
      assert.deepStrictEqual(rowsOf(frames), CARS)
      const dtypeOf = (name: string) => frames[0]!.schema.find((f) => f.name === name)!.dtype._tag
      assert.strictEqual(dtypeOf("Origin"), "Categorical")
      assert.strictEqual(dtypeOf("Cylinders"), "Int32")
    }))

  it("Link header parsing (RFC 8288 §3)", () => {
    const links = parseLinkHeader(
      '<https://x/a?page=2>; rel="next"; title="a, b; c", <https://x/a?page=9>; REL=last, junk, </rel>;rel="prev  next"'
    )
    assert.deepStrictEqual(
      links.map((l) => [l.target, l.params.get("rel")]),
      [
        ["https://x/a?page=2", "next"],
        ["https://x/a?page=9", "last"],
        ["/rel", "prev  next"]
      ]
    )
    const header = '</b?p=3>; rel="last", </b?p=2>; rel="NEXT"'
    assert.strictEqual(findLink(header, "next", "http://h/b?p=1"), "http://h/b?p=2")
    assert.isUndefined(findLink('</b>; rel="nextish"', "next", "http://h/"))
  })

  it("Retry-After: delay-seconds and HTTP-date (RFC 9110 §10.2.3)", () => {
    const now = Date.UTC(2015, 9, 21, 7, 28, 0)
    assert.strictEqual(retryAfterMillis("120", now), 120_000)
    assert.strictEqual(retryAfterMillis("Wed, 21 Oct 2015 07:28:05 GMT", now), 5000)
    assert.strictEqual(retryAfterMillis("Wed, 21 Oct 2015 07:27:00 GMT", now), 0)
    assert.isUndefined(retryAfterMillis("soon", now))
    assert.isUndefined(retryAfterMillis(undefined, now))
  })
})

