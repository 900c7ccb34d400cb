/**
 * Pure helpers of the REST source: JSON paths into response bodies, RFC 8288 `Link` headers, `Retry-After`
 * (RFC 9110 §10.2.3) and request URLs.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Result from "effect/Result"
import * as Headers from "effect/http/Headers"

// ---------------------------------------------------------------------------------------------------------------
// JSON paths
// ---------------------------------------------------------------------------------------------------------------

/**
 * The segments of a dotted JSON path: `"data.items"` → `["data", "items"]`, `"results.0.rows"` → `["results", "0",
 * "rows"]`, `"$.a[2].b"` → `["a", "2", "b"]`. `""`, `"$"` and `"."` name the body itself.
 */
export const parsePath = (path: string): ReadonlyArray<string> => {
  let p = path.trim()
  if (p.startsWith("$")) p = p.slice(1)
  return p
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "")
}

/** The value at `segments` in `body`, or `undefined` when some step is missing or not an object/array. */
export const getPath = (body: unknown, segments: ReadonlyArray<string>): unknown => {
  let cur: unknown = body
  for (const key of segments) {
    if (cur === null || typeof cur !== "object") return undefined
    if (Array.isArray(cur)) {
      const i = Number(key)
      if (!Number.isInteger(i) || i < 0) return undefined
      cur = cur[i]
    } else {
      cur = Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined
    }
  }
  return cur
}

/**
 * The next cursor at a path: a non-empty string or a finite number (as its decimal text), else `undefined`
 * (null, missing, `""`, `false` all mean "no next page").
 */
export const cursorAt = (body: unknown, segments: ReadonlyArray<string>): string | undefined => {
  const v = getPath(body, segments)
  if (typeof v === "string") return v === "" ? undefined : v
  if (typeof v === "number" && Number.isFinite(v)) return String(v)
  if (typeof v === "bigint") return String(v)
  return undefined
}

/** A non-negative integer at a path (a total count or a page count), or `undefined`. */
export const countAt = (body: unknown, segments: ReadonlyArray<string>): number | undefined => {
  const v = getPath(body, segments)
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// RFC 8288 Link header
// ---------------------------------------------------------------------------------------------------------------

/** One link-value of a `Link` header: the target (as written) and its parameters (names lower-cased). */
export interface LinkValue {
  readonly target: string
  readonly params: ReadonlyMap<string, string>
}

/**
 * Parses a `Link` header field value (RFC 8288 §3): a comma-separated list of `<URI-Reference> *( ; param )`,
 * params as `name=token`, `name="quoted \"string\""` or a bare `name`. Commas and semicolons inside `<...>` and
 * inside quoted strings are not separators. Malformed link-values are skipped.
 */
export const parseLinkHeader = (value: string): ReadonlyArray<LinkValue> => {
  const out: Array<LinkValue> = []
  const n = value.length
  let i = 0
  const skipWs = () => {
    while (i < n && (value[i] === " " || value[i] === "\t")) i++
  }
  while (i < n) {
    skipWs()
    if (value[i] === ",") {
      i++
      continue
    }
    if (value[i] !== "<") {
      // not a link-value: skip to the next comma outside quotes
      let q = false
      while (i < n && (q || value[i] !== ",")) {
        if (value[i] === '"') q = !q
        else if (value[i] === "\\" && q) i++
        i++
      }
      continue
    }
    const close = value.indexOf(">", i + 1)
    if (close < 0) break
    const target = value.slice(i + 1, close).trim()
    i = close + 1
    const params = new Map<string, string>()
    for (;;) {
      skipWs()
      if (i >= n || value[i] === ",") break
      if (value[i] !== ";") {
        i++
        continue
      }
      i++
      skipWs()
      let name = ""
      while (i < n && /[^\s=;,]/.test(value[i]!)) name += value[i++]
      skipWs()
      let v = ""
      if (value[i] === "=") {
        i++
        skipWs()
        if (value[i] === '"') {
          i++
          while (i < n && value[i] !== '"') {
            if (value[i] === "\\" && i + 1 < n) i++
            v += value[i++]
          }
          i++
        } else {
          while (i < n && /[^\s;,]/.test(value[i]!)) v += value[i++]
        }
      }
      const key = name.toLowerCase().replace(/\*$/, "")
      // RFC 8288 §3.3: only the first occurrence of rel counts
      if (key !== "" && !params.has(key)) params.set(key, v)
    }
    out.push({ target, params })
  }
  return out
}

/**
 * The target of the first link with relation type `rel` (compared case-insensitively among the space-separated
 * relation types of `rel="..."`), resolved against `base` (RFC 3986 reference resolution), or `undefined`.
 */
export const findLink = (header: string | undefined, rel: string, base: string): string | undefined => {
  if (header === undefined) return undefined
  const want = rel.toLowerCase()
  for (const link of parseLinkHeader(header)) {
    const rels = (link.params.get("rel") ?? "").toLowerCase().split(/\s+/)
    if (rels.includes(want)) {
      try {
        return new URL(link.target, base).href
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Retry-After
// ---------------------------------------------------------------------------------------------------------------

/**
 * The delay asked by a `Retry-After` header value: delay-seconds (`"120"`) or an HTTP-date (`"Wed, 21 Oct 2015
 * 07:28:00 GMT"`, measured from `nowMillis`, at least 0). `undefined` when absent or malformed.
 */
export const retryAfterMillis = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const parsed = Headers.parseRetryAfter(value)
  if (Result.isFailure(parsed)) return undefined
  return Math.max(0, Duration.toMillis(Headers.retryAfterDelay(parsed.success, nowMillis)))
}

// ---------------------------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------------------------

/** Query parameter values accepted in `params`. */
export type RestParamValue = string | number | boolean | bigint

/** `base` with `params` set (replacing parameters of the same name already in `base`). */
export const withParams = (base: string, params: Readonly<Record<string, RestParamValue | undefined>>): string => {
  const url = new URL(base)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v))
  return url.href
}
