/**
 * Typed errors of the REST source (`Source.rest`): one wrapper, `RestError`, naming the page and URL, with a
 * `reason` saying what went wrong. Effect's own `HttpClientError` is kept as `cause` wherever the failure came from
 * the HTTP client (transport failures, status codes, bodies that are not JSON).
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { HttpClientError } from "effect/http/HttpClientError"

const HttpCause = Schema.instanceOf(HttpClientError)

/**
 * The server answered with a status that is not a success: a 4xx other than 429 (never retried), or a 5xx / 429
 * when no retry was left (then wrapped in `RestRetriesExhausted` if retries happened). `body` holds at most the
 * first 512 characters of the response body; `cause` is effect's `HttpClientError` with a `StatusCodeError`
 * reason (request and response).
 * @since 0.2.0 @category errors
 */
export class RestHttpStatus extends Schema.TaggedError<RestHttpStatus>()("RestHttpStatus", {
  status: Schema.Int,
  body: Schema.String,
  cause: HttpCause
}) {
  override get message() {
    return `HTTP ${this.status}${this.body === "" ? "" : `: ${this.body.slice(0, 200)}`}`
  }
}

/**
 * The request did not produce a response: connection refused or reset, DNS failure, invalid URL (effect's
 * `TransportError`, `InvalidUrlError`, `EncodeError`). Retried with the `retry` schedule. `cause` is effect's
 * `HttpClientError`.
 * @since 0.2.0 @category errors
 */
export class RestTransport extends Schema.TaggedError<RestTransport>()("RestTransport", {
  cause: HttpCause
}) {
  override get message() {
    return `request failed: ${this.cause.message}`
  }
}

/**
 * One attempt (sending the request and reading the whole body) took longer than the `timeout` option; the attempt
 * was interrupted, which aborts the request. Retried with the `retry` schedule. `timeoutMillis` in milliseconds.
 * @since 0.2.0 @category errors
 */
export class RestTimeout extends Schema.TaggedError<RestTimeout>()("RestTimeout", {
  timeoutMillis: Schema.Number
}) {
  override get message() {
    return `no complete response within ${this.timeoutMillis} ms`
  }
}

/**
 * A page that does not decode: the body is not JSON (`cause` is effect's `HttpClientError` with a `DecodeError`
 * reason), the JSON path of the records (`path`) does not lead to an array, or a record does not decode with the
 * record Schema (`record` is its 0-based index in the page, `field` the failing field or `""`, `issue` Effect's
 * description), or a decoded value does not fit a dtype given in `dtypes`. Never retried.
 * @since 0.2.0 @category errors
 */
export class RestDecode extends Schema.TaggedError<RestDecode>()("RestDecode", {
  issue: Schema.String,
  path: Schema.optionalKey(Schema.String),
  record: Schema.optionalKey(Schema.Int),
  field: Schema.optionalKey(Schema.String),
  cause: Schema.optionalKey(HttpCause)
}) {
  override get message() {
    const where =
      this.record !== undefined
        ? `record ${this.record}${this.field ? `, field "${this.field}"` : ""}: `
        : this.path !== undefined
          ? `at "${this.path}": `
          : ""
    return `cannot decode the page: ${where}${this.issue}`
  }
}

/**
 * The next cursor (cursor pagination) or the next URL (Link-header pagination) was already requested: following it
 * would loop forever. `cursor` is the repeated value, `firstPage` the 0-based page whose request used it first.
 * @since 0.2.0 @category errors
 */
export class RestCursorLoop extends Schema.TaggedError<RestCursorLoop>()("RestCursorLoop", {
  cursor: Schema.String,
  firstPage: Schema.Int
}) {
  override get message() {
    return `cursor loop: "${this.cursor}" was already requested for page ${this.firstPage}`
  }
}

/**
 * The rate limiter (`rateLimit.limiter`, e.g. one backed by Redis) failed; `cause` is its error.
 * @since 0.2.0 @category errors
 */
export class RestRateLimiter extends Schema.TaggedError<RestRateLimiter>()("RestRateLimiter", {
  cause: Schema.Defect()
}) {
  override get message() {
    return `rate limiter failed: ${String((this.cause as { message?: unknown } | undefined)?.message ?? this.cause)}`
  }
}

/**
 * A failure that is retried (with the `retry` schedule, or after `Retry-After` for 429s).
 * @since 0.2.0 @category errors
 */
export const RestRetryable = Schema.Union([RestHttpStatus, RestTransport, RestTimeout])

/**
 * A failure the `retry` schedule may retry: a 5xx status (`RestHttpStatus`), a transport failure, a timeout.
 * @since 0.2.0 @category models
 */
export type RestRetryable = RestHttpStatus | RestTransport | RestTimeout

/**
 * The page still failed after its retries: `attempts` requests were sent (the first plus the retries, counting the
 * re-requests after 429s), and `last` is the failure of the last one (a 5xx or 429 `RestHttpStatus`, a
 * `RestTransport` or a `RestTimeout`).
 * @since 0.2.0 @category errors
 */
export class RestRetriesExhausted extends Schema.TaggedError<RestRetriesExhausted>()("RestRetriesExhausted", {
  attempts: Schema.Int,
  last: RestRetryable
}) {
  override get message() {
    return `gave up after ${this.attempts} attempts: ${this.last.message}`
  }
}

/** Why a REST page failed: the `reason` of a `RestError`. @since 0.2.0 @category errors */
export const RestErrorReason = Schema.Union([
  RestHttpStatus,
  RestTransport,
  RestTimeout,
  RestDecode,
  RestCursorLoop,
  RestRateLimiter,
  RestRetriesExhausted
])

/** Why a REST page failed. @since 0.2.0 @category errors */
export type RestErrorReason =
  | RestHttpStatus
  | RestTransport
  | RestTimeout
  | RestDecode
  | RestCursorLoop
  | RestRateLimiter
  | RestRetriesExhausted

/**
 * The error of `Source.rest`: the page (`page`, 0-based position in the request sequence: the first request is
 * page 0) and the full `url` of the request that failed (query string included), and the `reason`.
 *
 * **Example** (Recovering from one reason)
 * ```ts
 * stream.pipe(Stream.catchTag("RestError", (e) =>
 *   e.reason._tag === "RestTimeout" ? Stream.empty : Stream.fail(e)))
 * // or, on an Effect: Effect.catchReason("RestError", "RestCursorLoop", (reason, error) => ...)
 * ```
 * @since 0.2.0 @category errors
 */
export class RestError extends Schema.TaggedError<RestError>()("RestError", {
  url: Schema.String,
  page: Schema.Int,
  reason: RestErrorReason
}) {
  override get message() {
    return `REST source, page ${this.page} (${this.url}): ${this.reason.message}`
  }
}

/** Milliseconds of a `Duration.Input`. */
export const millisOf = (d: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(d))
