/**
 * Paginated REST APIs as typed streams of record batches, through effect's `HttpClient`.
 *
 * `rest` requests the pages of a JSON resource (offset/limit, page number, cursor or RFC 8288 `Link` pagination),
 * finds the records array in each body by a JSON path, decodes the records with an Effect `Schema` struct and
 * emits one `Frame` per non-empty page, in page order. Requests are rate limited (effect's `RateLimiter`), time
 * limited, retried with a `Schedule` (5xx, transport failures, timeouts), re-sent after `429` as `Retry-After` asks,
 * and independent pages can be in flight `concurrency` at a time. Every failure is a `RestError` naming the page
 * and URL, keeping effect's `HttpClientError` as cause. The HttpClient itself comes from the user's layer
 * (`NodeHttpClient.layerUndici`, `FetchHttpClient.layer`, or a client wrapped with auth headers, tracing…).
 *
 * See `docs/sources.md` (REST) for the options, the failure modes and a runnable example.
 *
 * @since 0.2.0
 */
import type * as Schedule from "effect/Schedule"
import type * as Stream from "effect/Stream"
import type * as HttpClient from "effect/http/HttpClient"
import type { InvalidArgument } from "../Frame/Errors.ts"
import type { RowOf } from "../Frame/Rows.ts"
import * as internal from "../internal/net/rest.ts"
import { defaultRetry } from "../internal/net/restFetch.ts"
import type { Frame } from "../internal/frame.ts"
import type {
  CursorPagination,
  LinkPagination,
  OffsetPagination,
  PagePagination,
  Pagination as PaginationStrategy,
  RestRecordSchema,
  RestOptions,
  SinglePagePagination
} from "../internal/net/restOptions.ts"
import type { RestError, RestRetryable } from "../internal/net/restErrors.ts"

export {
  RestCursorLoop,
  RestDecode,
  RestError,
  RestErrorReason,
  RestHttpStatus,
  RestRateLimiter,
  RestRetriesExhausted,
  RestRetryable,
  RestTimeout,
  RestTransport
} from "../internal/net/restErrors.ts"
export type {
  CursorPagination,
  LinkPagination,
  OffsetPagination,
  PagePagination,
  RestRateLimitOptions,
  RestRecordSchema,
  RestOptions,
  RestRetryAfterOptions,
  SinglePagePagination
} from "../internal/net/restOptions.ts"
export type { RestParamValue } from "../internal/net/restPaging.ts"

/**
 * A paginated JSON REST resource as a stream of frames: one frame (record batch) per non-empty page, in page
 * order, whose columns are the fields of `options.schema`.
 *
 * **Details**
 *
 * - *Pages.* `options.pagination` (built with `Pagination.offset`, `.page`, `.cursor`, `.link`; default a single
 *   request) says how page `i` is requested and when the stream ends: an empty page, a page shorter than the page
 *   size, no next cursor / no `rel="next"` link, the total announced by the first page, or `maxPages`. Offset and
 *   page-number pages are independent and run `concurrency` at a time (speculatively past the end when no total is
 *   known; the extra pages are discarded and their requests interrupted); cursor and Link pages are sequential.
 * - *Records.* Each page body is parsed as JSON; the records array is at the JSON path `options.records` (dotted,
 *   `"data.items"`, `"results[0].rows"`; default: the body itself) and decoded by the Schema struct as in
 *   `Frame.fromRows` (same dtypes; `options.dtypes` overrides). Shape per frame: the page's records × one column per
 *   struct field.
 * - *Requests.* `GET` with `accept: application/json`, `options.headers` and `options.params` as query parameters
 *   (pagination parameters set over them). Each attempt (request + whole body) has `options.timeout` (30 s).
 *   `options.rateLimit` spaces requests with effect's `RateLimiter` (`limit` requests per `interval`, every
 *   attempt counts). A `429` is re-sent after its `Retry-After` (delay-seconds or HTTP-date; `retryAfter.
 *   defaultDelay` when absent), up to `retryAfter.maxRetries` times. 5xx, transport failures and timeouts are
 *   retried with the `options.retry` Schedule (default: 3 retries, exponential from 200 ms with jitter; a 5xx's
 *   `Retry-After` is waited for first). Other 4xx fail at once. Interrupting the stream interrupts and aborts the
 *   requests in flight.
 * - *Semantics.* Pagination parameter names and defaults follow common API conventions (`offset`/`limit`,
 *   `page`/`per_page` as GitHub, `cursor`), Link-header paging follows RFC 8288 (as GitHub and GitLab), and
 *   `Retry-After` follows RFC 9110 §10.2.3.
 *
 * **Errors** `RestError { url, page, reason }` (`page` 0-based in the request sequence), with `reason` one of
 * `RestHttpStatus` (status, body preview, effect's `HttpClientError`), `RestTransport` (effect's
 * `HttpClientError`), `RestTimeout`, `RestDecode` (body not JSON, no array at the records path, or record `record`
 * failing at `field`), `RestCursorLoop` (a cursor or next URL seen before), `RestRateLimiter`, or
 * `RestRetriesExhausted { attempts, last }`. `InvalidArgument` for options out of their domain (non-struct
 * schema, `limit` < 1, …).
 *
 * **Example** (An offset-paginated API, four pages in flight, five requests per second)
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Schedule, Schema, Stream } from "effect"
 * import * as Source from "polaroid/Source"
 *
 * const Car = Schema.Struct({ Name: Schema.String, Horsepower: Schema.NullOr(Schema.Finite) })
 * const cars = Source.rest({
 *   url: "https://api.example.com/cars",
 *   schema: Car,
 *   records: "data.items",
 *   pagination: Source.Pagination.offset({ limit: 100, total: "meta.total" }),
 *   concurrency: 4,
 *   rateLimit: { limit: 5, interval: "1 second" },
 *   retry: Schedule.exponential("250 millis").pipe(
 *     Schedule.jittered,
 *     Schedule.upTo({ times: 5, duration: "20 seconds" })
 *   )
 * })
 * const frames = await Effect.runPromise(
 *   Stream.runCollect(cars).pipe(Effect.provide(NodeHttpClient.layerUndici))
 * ) // Frame<{ Name: string; Horsepower: number | null }>[]: str, f64
 * ```
 *
 * @see {@link Pagination} for the strategies
 * @category constructors
 * @since 0.2.0
 */
export const rest: <S extends RestRecordSchema>(
  options: RestOptions<S>
) => Stream.Stream<Frame<RowOf<S["Type"]>>, RestError | InvalidArgument, HttpClient.HttpClient> = internal.rest

/**
 * The default `retry` policy of {@link rest}: up to 3 retries of a page after a 5xx, a transport failure or a
 * timeout, waiting 200 ms, 400 ms, 800 ms (exponential), each jittered (×0.8–1.2). Compose with it, e.g.
 * `Schedule.max([restDefaultRetry, Schedule.spaced("1 second")])`.
 * @category retries
 * @since 0.2.0
 */
export const restDefaultRetry: Schedule.Schedule<unknown, RestRetryable> = defaultRetry

/**
 * Offset/limit pagination: page `i` is `?offset=start+i·limit&limit=limit`. Stops at an empty page, a page with
 * fewer than `limit` records, the total count at JSON path `total` (read from the first page) or `maxPages`.
 * Independent pages: `concurrency` at a time.
 *
 * **Example**
 * ```ts
 * Pagination.offset({ limit: 100, total: "meta.total" })                  // ?offset=0&limit=100, ?offset=100…
 * Pagination.offset({ limit: 50, offsetParam: "skip", limitParam: "take" }) // ?skip=0&take=50…
 * ```
 * @category pagination
 * @since 0.2.0
 */
const offset = (options: {
  readonly limit: number
  readonly offsetParam?: string | undefined
  readonly limitParam?: string | undefined
  readonly start?: number | undefined
  readonly total?: string | undefined
}): OffsetPagination => ({
  _tag: "Offset",
  limit: options.limit,
  offsetParam: options.offsetParam ?? "offset",
  limitParam: options.limitParam ?? "limit",
  start: options.start ?? 0,
  total: options.total
})

/**
 * Page-number pagination: page `i` is `?page=first+i` (and `&per_page=pageSize` when given), as GitHub's REST API.
 * Stops at an empty page, a page with fewer than `pageSize` records, the page count at JSON path `totalPages` or
 * the record count at `total` (read from the first page), or `maxPages`. Independent pages: `concurrency` at a time.
 *
 * **Example**
 * ```ts
 * Pagination.page({ pageSize: 100 })                                 // ?page=1&per_page=100, ?page=2…
 * Pagination.page({ first: 0, pageParam: "p", totalPages: "pages" }) // ?p=0, ?p=1… up to `pages`
 * ```
 * @category pagination
 * @since 0.2.0
 */
const page = (
  options: {
    readonly pageSize?: number | undefined
    readonly pageParam?: string | undefined
    readonly sizeParam?: string | undefined
    readonly first?: number | undefined
    readonly totalPages?: string | undefined
    readonly total?: string | undefined
  } = {}
): PagePagination => ({
  _tag: "Page",
  pageSize: options.pageSize,
  pageParam: options.pageParam ?? "page",
  sizeParam: options.sizeParam ?? "per_page",
  first: options.first ?? 1,
  totalPages: options.totalPages,
  total: options.total
})

/**
 * Cursor pagination: the first request has no cursor; the next cursor is read at JSON path `next` of each body
 * (a non-empty string or a number) and sent as `?param=<cursor>`. Stops when there is no next cursor, at an empty
 * page, at a page shorter than `limit` (when given) or at `maxPages`. A cursor that was already sent fails with
 * `RestCursorLoop`. Sequential.
 *
 * **Example**
 * ```ts
 * Pagination.cursor({ next: "meta.next_cursor" })                                  // ?cursor=…
 * Pagination.cursor({ next: "response_metadata.next_cursor", limit: 200 })         // Slack style
 * ```
 * @category pagination
 * @since 0.2.0
 */
const cursor = (options: {
  readonly next: string
  readonly param?: string | undefined
  readonly limit?: number | undefined
  readonly limitParam?: string | undefined
}): CursorPagination => ({
  _tag: "Cursor",
  next: options.next,
  param: options.param ?? "cursor",
  limit: options.limit,
  limitParam: options.limitParam ?? "limit"
})

/**
 * RFC 8288 `Link` header pagination: the next request is the target of the response's `Link` with relation
 * `rel` (default `"next"`), resolved against the request URL, as GitHub and GitLab paginate. Stops when there is no
 * such link, at an empty page, at a page shorter than `limit` (when given, sent as `limitParam` on the first
 * request) or at `maxPages`. A next URL already requested fails with `RestCursorLoop`. Sequential.
 *
 * **Example**
 * ```ts
 * Pagination.link({ limit: 100 }) // GitHub: ?per_page=100, then Link: <…&page=2>; rel="next"
 * ```
 * @category pagination
 * @since 0.2.0
 */
const link = (
  options: {
    readonly rel?: string | undefined
    readonly limit?: number | undefined
    readonly limitParam?: string | undefined
  } = {}
): LinkPagination => ({
  _tag: "Link",
  rel: options.rel ?? "next",
  limit: options.limit,
  limitParam: options.limitParam ?? "per_page"
})

/** One request: the body holds every record (the default). @category pagination @since 0.2.0 */
const single: SinglePagePagination = { _tag: "Single" }

/**
 * How the pages of a REST resource are addressed: `OffsetPagination`, `PagePagination`, `CursorPagination`,
 * `LinkPagination` or `SinglePagePagination`; built with the functions of the `Pagination` value.
 * @category models
 * @since 0.2.0
 */
export type Pagination = PaginationStrategy

/**
 * The pagination strategies of {@link rest}: `offset`, `page`, `cursor`, `link` and `single`.
 * @category pagination
 * @since 0.2.0
 */
export const Pagination: {
  readonly offset: typeof offset
  readonly page: typeof page
  readonly cursor: typeof cursor
  readonly link: typeof link
  readonly single: SinglePagePagination
} = { offset, page, cursor, link, single }
