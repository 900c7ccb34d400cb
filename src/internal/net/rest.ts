/**
 * The REST source's stream: pages requested by the pagination strategy, decoded into frames, in page order.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import * as HttpClient from "effect/http/HttpClient"
import { HttpClientError, InvalidUrlError } from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { InvalidArgument } from "../../Frame/Errors.ts"
import { fromRows, type RowOf } from "../../Frame/Rows.ts"
import type { AnyRow, Frame } from "../frame.ts"
import { RestCursorLoop, RestDecode, RestError, RestTransport } from "./restErrors.ts"
import { type Fetcher, makeFetcher, type PageResponse } from "./restFetch.ts"
import type { CursorPagination, LinkPagination, RestRecordSchema, RestOptions } from "./restOptions.ts"
import { countAt, cursorAt, findLink, getPath, parsePath, withParams } from "./restPaging.ts"

/** A decoded page: its frame (absent when the page has no records), record count and response. */
interface Decoded<A extends AnyRow> {
  readonly frames: ReadonlyArray<Frame<A>>
  readonly count: number
  readonly response: PageResponse
}

const isPositiveInt = (n: unknown): boolean => typeof n === "number" && Number.isInteger(n) && n >= 1
const isNonNegativeInt = (n: unknown): boolean => typeof n === "number" && Number.isInteger(n) && n >= 0

/** Options that are out of their domain, as an `InvalidArgument` (or undefined when all are fine). */
const checkOptions = <S extends RestRecordSchema>(o: RestOptions<S>): InvalidArgument | undefined => {
  const bad = (argument: string, message: string) => new InvalidArgument({ argument, message })
  if (o.schema.ast._tag !== "Objects") return bad("schema", "Source.rest needs a Schema.Struct for the records")
  if (o.maxPages !== undefined && !isPositiveInt(o.maxPages)) return bad("maxPages", "must be an integer ≥ 1")
  if (o.concurrency !== undefined && !isPositiveInt(o.concurrency))
    return bad("concurrency", "must be an integer ≥ 1")
  if (o.rateLimit !== undefined && !isPositiveInt(o.rateLimit.limit))
    return bad("rateLimit.limit", "must be an integer ≥ 1")
  if (o.retryAfter?.maxRetries !== undefined && !isNonNegativeInt(o.retryAfter.maxRetries))
    return bad("retryAfter.maxRetries", "must be an integer ≥ 0")
  const p = o.pagination
  if (p === undefined) return undefined
  switch (p._tag) {
    case "Offset":
      if (!isPositiveInt(p.limit)) return bad("pagination.limit", "must be an integer ≥ 1")
      if (!isNonNegativeInt(p.start)) return bad("pagination.start", "must be an integer ≥ 0")
      return undefined
    case "Page":
      if (p.pageSize !== undefined && !isPositiveInt(p.pageSize))
        return bad("pagination.pageSize", "must be an integer ≥ 1")
      if (!Number.isInteger(p.first)) return bad("pagination.first", "must be an integer")
      if (p.total !== undefined && p.pageSize === undefined)
        return bad("pagination.total", "a total record count needs pageSize")
      return undefined
    case "Cursor":
    case "Link":
      if (p.limit !== undefined && !isPositiveInt(p.limit)) return bad("pagination.limit", "must be an integer ≥ 1")
      return undefined
    case "Single":
      return undefined
  }
}

/** The REST source; see `Source.rest` for the documentation. */
export const rest = <S extends RestRecordSchema>(
  options: RestOptions<S>
): Stream.Stream<Frame<RowOf<S["Type"]>>, RestError | InvalidArgument, HttpClient.HttpClient> =>
  Stream.unwrap(
    Effect.gen(function* () {
      type A = RowOf<S["Type"]>
      const invalid = checkOptions(options)
      if (invalid !== undefined) return yield* invalid
      const href = String(options.url)
      let base: URL
      try {
        base = new URL(href)
      } catch (cause) {
        const request = HttpClientRequest.get(href)
        return yield* new RestError({
          url: href,
          page: 0,
          reason: new RestTransport({ cause: new HttpClientError({ reason: new InvalidUrlError({ request, cause }) }) })
        })
      }
      const client = yield* HttpClient.HttpClient
      const fetch: Fetcher = yield* makeFetcher(client, options, base.origin)
      const recordsPath = options.records ?? ""
      const recordSegments = parsePath(recordsPath)
      const params = options.params ?? {}
      const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY
      const concurrency = options.concurrency ?? 1
      const fromRowsOptions = options.dtypes === undefined ? {} : { dtypes: options.dtypes }

      /** Decodes a page body into a frame (none for an empty page). */
      const decode = (response: PageResponse, page: number): Effect.Effect<Decoded<A>, RestError> => {
        const fail = (reason: RestDecode) => Effect.fail(new RestError({ url: response.url, page, reason }))
        const records = getPath(response.body, recordSegments)
        if (!Array.isArray(records)) {
          const found = records === null ? "null" : Array.isArray(records) ? "array" : typeof records
          return fail(
            new RestDecode({
              path: recordsPath,
              issue: `expected an array of records at "${recordsPath}", found ${found}`
            })
          )
        }
        if (records.length === 0) return Effect.succeed({ frames: [], count: 0, response })
        return fromRows(options.schema, records, fromRowsOptions).pipe(
          Effect.map((frame) => ({ frames: [frame as Frame<A>], count: records.length, response })),
          Effect.catchTag("RowDecodeError", (e) =>
            fail(new RestDecode({ path: recordsPath, record: e.row, field: e.field, issue: e.issue }))
          ),
          Effect.catchTag("ShapeMismatch", (e) => fail(new RestDecode({ path: recordsPath, issue: e.message })))
        )
      }
      const load = (url: string, page: number) => Effect.flatMap(fetch(url, page), (r) => decode(r, page))

      const p = options.pagination ?? { _tag: "Single" as const }
      switch (p._tag) {
        case "Single":
          return Stream.fromEffect(load(withParams(href, params), 0)).pipe(
            Stream.flatMap((d) => Stream.fromIterable(d.frames))
          )
        case "Offset":
        case "Page": {
          const limit = p._tag === "Offset" ? p.limit : p.pageSize
          const urlOf = (i: number) =>
            p._tag === "Offset"
              ? withParams(href, { ...params, [p.offsetParam]: p.start + i * p.limit, [p.limitParam]: p.limit })
              : withParams(href, {
                  ...params,
                  [p.pageParam]: p.first + i,
                  ...(p.pageSize === undefined ? {} : { [p.sizeParam]: p.pageSize })
                })
          const isLast = (d: Decoded<A>) => d.count === 0 || (limit !== undefined && d.count < limit)
          /** Pages in all, from the first page's body (total records or total pages), if the API gives it. */
          const knownPages = (body: unknown): number | undefined => {
            if (p._tag === "Offset") {
              const total = p.total === undefined ? undefined : countAt(body, parsePath(p.total))
              return total === undefined ? undefined : Math.ceil(Math.max(0, total - p.start) / p.limit)
            }
            const pages = p.totalPages === undefined ? undefined : countAt(body, parsePath(p.totalPages))
            if (pages !== undefined) return pages
            const total = p.total === undefined ? undefined : countAt(body, parsePath(p.total))
            return total === undefined || p.pageSize === undefined ? undefined : Math.ceil(total / p.pageSize)
          }
          return Stream.unwrap(
            Effect.map(load(urlOf(0), 0), (first) => {
              const head = Stream.fromIterable(first.frames)
              const known = knownPages(first.response.body)
              const pages = Math.min(maxPages, known ?? Number.POSITIVE_INFINITY)
              if (isLast(first) || pages <= 1) return head
              // the pages after the first: exactly the known ones, or an open-ended run cut at the last page
              const indices =
                pages === Number.POSITIVE_INFINITY
                  ? Stream.iterate(1, (i) => i + 1)
                  : Stream.range(1, pages - 1, Math.max(1, concurrency))
              const tail = indices.pipe(
                // failures become values so that a failure of a speculative page past the end is never seen
                Stream.mapEffect((i) => Effect.result(load(urlOf(i), i)), { concurrency }),
                Stream.takeUntil((r) => Result.isFailure(r) || isLast(r.success)),
                Stream.mapEffect((r) => Effect.fromResult(r)),
                Stream.flatMap((d) => Stream.fromIterable(d.frames))
              )
              return Stream.concat(head, tail)
            })
          )
        }
        case "Cursor":
        case "Link":
          return sequential(p, href, params, maxPages, load)
      }
    })
  )

/**
 * Cursor and Link-header pagination: each page names the next one, so pages are requested one after the other.
 * A cursor (or next URL) that was already requested fails with `RestCursorLoop`.
 */
const sequential = <A extends AnyRow>(
  p: CursorPagination | LinkPagination,
  href: string,
  params: Readonly<Record<string, string | number | boolean | bigint | undefined>>,
  maxPages: number,
  load: (url: string, page: number) => Effect.Effect<Decoded<A>, RestError>
): Stream.Stream<Frame<A>, RestError> => {
  const limitParams = p.limit === undefined ? {} : { [p.limitParam]: p.limit }
  const urlOf = (cursor: string | undefined) =>
    p._tag === "Cursor"
      ? withParams(href, { ...params, ...limitParams, [p.param]: cursor })
      : (cursor ?? withParams(href, { ...params, ...limitParams }))
  const nextSegments = p._tag === "Cursor" ? parsePath(p.next) : []
  interface State {
    readonly cursor: string | undefined
    readonly page: number
  }
  return Stream.suspend(() => {
    // the cursors (or URLs) requested in this run, with the page that requested each first
    const seen = new Map<string, number>()
    const firstUrl = urlOf(undefined)
    if (p._tag === "Link") seen.set(firstUrl, 0)
    return Stream.paginate<State, Frame<A>, RestError>({ cursor: undefined, page: 0 }, (s) => {
      const url = urlOf(s.cursor)
      return Effect.flatMap(load(url, s.page), (d) => {
        const next =
          p._tag === "Cursor"
            ? cursorAt(d.response.body, nextSegments)
            : findLink(d.response.headers.link, p.rel, d.response.url)
        const done =
          next === undefined || d.count === 0 || (p.limit !== undefined && d.count < p.limit) || s.page + 1 >= maxPages
        if (done) return Effect.succeed([d.frames, Option.none()] as const)
        const firstPage = seen.get(next)
        if (firstPage !== undefined)
          return Effect.fail(
            new RestError({ url, page: s.page, reason: new RestCursorLoop({ cursor: next, firstPage }) })
          )
        seen.set(next, s.page + 1)
        return Effect.succeed([d.frames, Option.some({ cursor: next, page: s.page + 1 })] as const)
      })
    })
  })
}
