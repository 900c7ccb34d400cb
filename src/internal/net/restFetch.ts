/**
 * One page request of the REST source, with everything that can happen to it: rate limiting, a per-attempt
 * timeout, 429 / `Retry-After` handling, retries of 5xx / transport failures / timeouts with the user's schedule,
 * and typed errors naming the page and URL.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import type * as Headers from "effect/http/Headers"
import type * as HttpClient from "effect/http/HttpClient"
import { HttpClientError, StatusCodeError } from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as RateLimiter from "effect/persistence/RateLimiter"
import {
  millisOf,
  RestDecode,
  RestError,
  type RestErrorReason,
  RestHttpStatus,
  RestRateLimiter,
  RestRetriesExhausted,
  type RestRetryable,
  RestTimeout,
  RestTransport
} from "./restErrors.ts"
import type { RestRateLimitOptions, RestOptions, RestRecordSchema } from "./restOptions.ts"
import { retryAfterMillis } from "./restPaging.ts"

/** A successful page response: the request URL, the parsed JSON body and the response headers. */
export interface PageResponse {
  readonly url: string
  readonly body: unknown
  readonly headers: Headers.Headers
}

/** Requests one page: `url` is the full request URL, `page` its 0-based position (for errors). */
export type Fetcher = (url: string, page: number) => Effect.Effect<PageResponse, RestError>

/** The default retry policy: up to 3 retries, exponential from 200 ms, jittered. */
export const defaultRetry: Schedule.Schedule<unknown, RestRetryable> = Schedule.max([
  Schedule.exponential("200 millis").pipe(Schedule.jittered),
  Schedule.recurs(3)
])

const BODY_PREVIEW = 512

/** What one attempt gave: a body, or a non-success status (its error and headers). */
type Outcome =
  | { readonly _tag: "Ok"; readonly body: unknown; readonly headers: Headers.Headers }
  | { readonly _tag: "Status"; readonly error: RestHttpStatus; readonly headers: Headers.Headers }

/** A failure that ends the page at once (not retried by the schedule). */
type Fatal = RestDecode | RestRateLimiter | RestHttpStatus | RestRetriesExhausted

/**
 * Builds the page fetcher of one run of the stream: creates the in-memory rate limiter when `rateLimit` is given
 * without a `limiter`.
 */
export const makeFetcher = <S extends RestRecordSchema>(
  client: HttpClient.HttpClient,
  options: RestOptions<S>,
  origin: string
): Effect.Effect<Fetcher> =>
  Effect.gen(function* () {
    const timeoutMillis = millisOf(options.timeout ?? "30 seconds")
    const schedule = options.retry === false ? undefined : (options.retry ?? defaultRetry)
    const max429 = options.retryAfter?.maxRetries ?? 5
    const default429 = millisOf(options.retryAfter?.defaultDelay ?? "1 second")
    const maxDelay = millisOf(options.retryAfter?.maxDelay ?? "5 minutes")
    const headers: Record<string, string> = { accept: "application/json", ...options.headers }
    const throttle = yield* makeThrottle(options.rateLimit, origin)

    /** One request: status, headers and (for a 2xx) the parsed body, within the timeout. */
    const send = (url: string): Effect.Effect<Outcome, RestTransport | RestTimeout | RestDecode> => {
      const request = HttpClientRequest.get(url, { headers })
      return Effect.gen(function* () {
        const response = yield* Effect.mapError(client.execute(request), (cause) => new RestTransport({ cause }))
        if (response.status >= 200 && response.status < 300) {
          const body = yield* Effect.mapError(
            response.json,
            (cause) => new RestDecode({ issue: `the body is not JSON (${cause.message})`, cause })
          )
          return { _tag: "Ok", body, headers: response.headers } as const
        }
        const text = yield* Effect.orElseSucceed(response.text, () => "")
        const error = new RestHttpStatus({
          status: response.status,
          body: text.length > BODY_PREVIEW ? text.slice(0, BODY_PREVIEW) : text,
          cause: new HttpClientError({ reason: new StatusCodeError({ request, response }) })
        })
        return { _tag: "Status", error, headers: response.headers } as const
      }).pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(timeoutMillis),
          orElse: () => Effect.fail(new RestTimeout({ timeoutMillis }))
        })
      )
    }

    return (url: string, page: number): Effect.Effect<PageResponse, RestError> => {
      let attempts = 0
      /**
       * One attempt as the retry schedule sees it: fails only with retryable failures; fatal ones are returned as
       * a `Result` failure so that the schedule never sees them. 429s are re-requested here (after `Retry-After`),
       * without consuming the schedule.
       */
      const attempt: Effect.Effect<Result.Result<PageResponse, Fatal>, RestRetryable> = Effect.gen(function* () {
        let n429 = 0
        for (;;) {
          const limited = yield* Effect.result(throttle)
          if (Result.isFailure(limited)) return Result.fail(limited.failure)
          attempts++
          const sent = yield* Effect.result(send(url))
          if (Result.isFailure(sent)) {
            const e = sent.failure
            if (e._tag === "RestDecode") return Result.fail(e)
            return yield* Effect.fail(e)
          }
          const out = sent.success
          if (out._tag === "Ok") return Result.succeed({ url, body: out.body, headers: out.headers })
          const status = out.error.status
          const now = yield* Clock.currentTimeMillis
          const asked = retryAfterMillis(out.headers["retry-after"], now)
          if (status === 429) {
            if (asked !== undefined && asked > maxDelay) return Result.fail(out.error)
            if (n429 >= max429) {
              return Result.fail(
                attempts > 1 ? new RestRetriesExhausted({ attempts, last: out.error }) : out.error
              )
            }
            n429++
            yield* Effect.sleep(Duration.millis(asked ?? default429))
            continue
          }
          if (status >= 500) {
            // 503 (or any 5xx) with Retry-After: wait at least that long before the schedule's own delay
            if (asked !== undefined && asked <= maxDelay && schedule !== undefined)
              yield* Effect.sleep(Duration.millis(asked))
            return yield* Effect.fail(out.error)
          }
          return Result.fail(out.error)
        }
      })
      const retried = schedule === undefined ? attempt : Effect.retry(attempt, schedule)
      return retried.pipe(
        Effect.mapError(
          (e): RestErrorReason => (attempts > 1 ? new RestRetriesExhausted({ attempts, last: e }) : e)
        ),
        Effect.flatMap((r) => Effect.fromResult(r)),
        Effect.mapError((reason) => new RestError({ url, page, reason }))
      )
    }
  })

/** Waits for the rate limiter's permission (effect's `RateLimiter`, in memory unless one is given). */
const makeThrottle = (
  options: RestRateLimitOptions | undefined,
  origin: string
): Effect.Effect<Effect.Effect<void, RestRateLimiter>> =>
  Effect.gen(function* () {
    if (options === undefined) return Effect.void
    const limiter =
      options.limiter ?? (yield* RateLimiter.make.pipe(Effect.provide(RateLimiter.layerStoreMemory)))
    const consume = {
      algorithm: options.algorithm ?? "fixed-window",
      onExceeded: "delay",
      window: options.interval,
      limit: options.limit,
      key: options.key ?? `polaroid/rest:${origin}`
    } as const
    return limiter.consume(consume).pipe(
      Effect.mapError((cause) => new RestRateLimiter({ cause })),
      Effect.flatMap(({ delay }) => (Duration.isZero(delay) ? Effect.void : Effect.sleep(delay)))
    )
  })
