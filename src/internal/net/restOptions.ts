/**
 * Options and pagination strategies of the REST source (`Source.rest`).
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import type * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as RateLimiter from "effect/persistence/RateLimiter"
import type { DataType } from "../../Frame/DataType.ts"
import type { RestRetryable } from "./restErrors.ts"
import type { RestParamValue } from "./restPaging.ts"

/** A struct schema (its AST is an `Objects` node) that decodes without services: one record of a page. */
export type RestRecordSchema = Schema.Top & { readonly DecodingServices: never; readonly ast: SchemaAST.Objects }

/**
 * Offset/limit pagination: page `i` is requested with `offsetParam = start + i·limit` and `limitParam = limit`.
 * Stops at an empty page, at a page with fewer than `limit` records, after `total` records when `total` (a JSON
 * path to the total record count, e.g. `"meta.total"`) is given and found in the first page, or at `maxPages`.
 * Pages are independent: fetched `concurrency` at a time (see `RestOptions.concurrency`).
 * @since 0.2.0 @category models
 */
export interface OffsetPagination {
  readonly _tag: "Offset"
  /** Records per page (≥ 1), sent as `limitParam`. */
  readonly limit: number
  /** Default `"offset"`. */
  readonly offsetParam: string
  /** Default `"limit"`. */
  readonly limitParam: string
  /** Offset of the first page. Default 0. */
  readonly start: number
  /** JSON path of the total record count in a page body, if the API gives it. */
  readonly total: string | undefined
}

/**
 * Page-number pagination: page `i` is requested with `pageParam = first + i` (and `sizeParam = pageSize` when
 * `pageSize` is given). Stops at an empty page, at a page with fewer than `pageSize` records (when given), after
 * `totalPages` pages or `total` records when those JSON paths are given and found in the first page, or at
 * `maxPages`. Pages are independent: fetched `concurrency` at a time.
 * @since 0.2.0 @category models
 */
export interface PagePagination {
  readonly _tag: "Page"
  /** Records per page, sent as `sizeParam` when given. */
  readonly pageSize: number | undefined
  /** Default `"page"`. */
  readonly pageParam: string
  /** Default `"per_page"`. */
  readonly sizeParam: string
  /** Number of the first page. Default 1. */
  readonly first: number
  /** JSON path of the number of pages in a page body. */
  readonly totalPages: string | undefined
  /** JSON path of the total record count in a page body (needs `pageSize`). */
  readonly total: string | undefined
}

/**
 * Cursor pagination: the first request carries no cursor; each response gives the next cursor at the JSON path
 * `next` (a non-empty string or a number; null, missing or `""` ends the stream), sent back as `param`. Sequential.
 * A cursor that was already sent fails with `RestCursorLoop`.
 * @since 0.2.0 @category models
 */
export interface CursorPagination {
  readonly _tag: "Cursor"
  /** JSON path of the next cursor in a page body, e.g. `"meta.next_cursor"`. */
  readonly next: string
  /** Default `"cursor"`. */
  readonly param: string
  /** Records per page, sent as `limitParam` when given (also: a shorter page ends the stream). */
  readonly limit: number | undefined
  /** Default `"limit"`. */
  readonly limitParam: string
}

/**
 * RFC 8288 `Link` header pagination (GitHub, GitLab…): each response's `Link: <url>; rel="next"` is the next
 * request (relative references resolved against the request URL); no such link ends the stream. Sequential. A
 * next URL that was already requested fails with `RestCursorLoop`.
 * @since 0.2.0 @category models
 */
export interface LinkPagination {
  readonly _tag: "Link"
  /** The relation type to follow. Default `"next"`. */
  readonly rel: string
  /** Records per page, sent as `limitParam` on the first request when given. */
  readonly limit: number | undefined
  /** Default `"per_page"`. */
  readonly limitParam: string
}

/** A single request: the body holds every record. @since 0.2.0 @category models */
export interface SinglePagePagination {
  readonly _tag: "Single"
}

/** How the pages of a REST resource are addressed. @since 0.2.0 @category models */
export type Pagination = OffsetPagination | PagePagination | CursorPagination | LinkPagination | SinglePagePagination

/** Rate limiting of a REST source's requests. @since 0.2.0 @category models */
export interface RestRateLimitOptions {
  /** Requests allowed per `interval` (≥ 1). */
  readonly limit: number
  /** The interval, e.g. `"1 second"`. */
  readonly interval: Duration.Input
  /**
   * `"fixed-window"` (default: at most `limit` requests start in any window of `interval`, in bursts) or
   * `"token-bucket"` (requests spread evenly, one every `interval / limit`, with bursts up to `limit`).
   */
  readonly algorithm?: "fixed-window" | "token-bucket" | undefined
  /**
   * An effect `RateLimiter` to share the budget with other work (e.g. one backed by Redis, across processes).
   * Default: a new in-memory limiter for each run of the stream.
   */
  readonly limiter?: RateLimiter.RateLimiter | undefined
  /** The limiter key. Default: the URL's origin. */
  readonly key?: string | undefined
}

/** How `429 Too Many Requests` (and `Retry-After` on 503) are handled. @since 0.2.0 @category models */
export interface RestRetryAfterOptions {
  /** Re-requests after 429s for one page before failing with `RestRetriesExhausted`. Default 5. */
  readonly maxRetries?: number | undefined
  /** Wait when a 429 has no (valid) `Retry-After`. Default `"1 second"`. */
  readonly defaultDelay?: Duration.Input | undefined
  /**
   * A `Retry-After` longer than this fails at once with `RestHttpStatus` 429 instead of waiting (and is not waited
   * for on a 5xx). Default `"5 minutes"`.
   */
  readonly maxDelay?: Duration.Input | undefined
}

/** Options of `Source.rest`. @since 0.2.0 @category models */
export interface RestOptions<S extends RestRecordSchema> {
  /** The resource URL (absolute); its query string is kept, pagination parameters are set on it. */
  readonly url: string | URL
  /** The Schema of one record (a `Schema.Struct`); one frame column per field, dtypes as in `Frame.fromRows`. */
  readonly schema: S
  /** JSON path of the records array in a page body, e.g. `"data.items"`. Default `""`: the body is the array. */
  readonly records?: string | undefined
  /** How pages are addressed. Default: a single request. */
  readonly pagination?: Pagination | undefined
  /** Extra query parameters for every request (pagination parameters override them). */
  readonly params?: Readonly<Record<string, RestParamValue | undefined>> | undefined
  /** Extra request headers (e.g. `authorization`). `accept: application/json` is sent unless given. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** dtypes of some fields instead of the ones derived from the Schema (as in `Frame.fromRows`). */
  readonly dtypes?: { readonly [K in keyof S["Type"]]?: DataType } | undefined
  /** At most this many pages are requested (≥ 1). Default: unbounded. */
  readonly maxPages?: number | undefined
  /**
   * Pages in flight at once for offset and page-number pagination (≥ 1, default 1). When the first page gives the
   * total, exactly the remaining pages are requested; otherwise up to `concurrency − 1` pages past the last one may
   * be requested speculatively (their results are discarded). Output stays in page order.
   */
  readonly concurrency?: number | undefined
  /** Time limit of one attempt (request and whole body). Default `"30 seconds"`. */
  readonly timeout?: Duration.Input | undefined
  /**
   * Retry policy for 5xx statuses, transport failures and timeouts (4xx other than 429 are never retried; 429s
   * follow `retryAfter`). Its input is the failure. Default: up to 3 retries, exponential from 200 ms, jittered.
   * `false`: no retries.
   */
  readonly retry?: Schedule.Schedule<unknown, RestRetryable> | false | undefined
  /** Requests per interval. Default: no limit. */
  readonly rateLimit?: RestRateLimitOptions | undefined
  /** Handling of 429 responses and `Retry-After`. */
  readonly retryAfter?: RestRetryAfterOptions | undefined
}
