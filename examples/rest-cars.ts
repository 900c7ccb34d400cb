/**
 * Reads a paginated REST API into frames: a loopback server serves vega-datasets' cars.json in pages of 100 and
 * answers one request with 429 Retry-After; `Source.rest` waits, goes on and yields one frame per page.
 * Run: npm run example:rest
 */
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Schedule, Schema, Stream } from "effect"
import * as Frame from "polaroid/Frame"
import * as Source from "polaroid/Source"

// /cars?offset=&limit= → { data: { items }, meta: { total } }
const cars = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, "../node_modules/vega-datasets/data/cars.json"), "utf8")
)
let throttled = false
const server = http.createServer((req, res) => {
  const q = new URL(req.url ?? "/", "http://x").searchParams
  const offset = Number(q.get("offset") ?? 0)
  const limit = Number(q.get("limit") ?? 50)
  if (offset === 100 && !throttled) {
    throttled = true
    res.writeHead(429, { "retry-after": "1" }).end()
    return
  }
  res.writeHead(200, { "content-type": "application/json" })
  res.end(JSON.stringify({ data: { items: cars.slice(offset, offset + limit) }, meta: { total: cars.length } }))
})

const Car = Schema.Struct({
  Name: Schema.String,
  Miles_per_Gallon: Schema.NullOr(Schema.Finite),
  Horsepower: Schema.NullOr(Schema.Finite),
  Origin: Schema.Literals(["USA", "Europe", "Japan"])
})

const program = Effect.gen(function* () {
  yield* Effect.promise(() => new Promise<void>((r) => server.listen(0, "127.0.0.1", r)))
  const { port } = server.address() as AddressInfo
  const frames = yield* Source.rest({
    url: `http://127.0.0.1:${port}/cars`,
    schema: Car,
    records: "data.items",
    pagination: Source.Pagination.offset({ limit: 50, total: "meta.total" }),
    concurrency: 4,
    rateLimit: { limit: 10, interval: "1 second" },
    retry: Schedule.exponential("100 millis").pipe(Schedule.jittered, Schedule.upTo({ times: 5, duration: "10 seconds" })),
    timeout: "5 seconds"
  }).pipe(
    Stream.tap((f) => Console.log(`page: ${Frame.toRows(f).length} rows`)),
    Stream.runCollect
  )
  yield* Console.log(Frame.toString(yield* Frame.concat(frames))) // shape: (406, 4): str, f64, f64, cat
}).pipe(
  Effect.catchTag("RestError", (e) => Console.error(e.message)), // e.g. "REST source, page 3 (http://…): HTTP 500…"
  Effect.ensuring(Effect.sync(() => server.close())),
  Effect.provide(NodeHttpClient.layerUndici)
)

NodeRuntime.runMain(program)
