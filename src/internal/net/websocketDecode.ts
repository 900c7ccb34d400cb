/**
 * Decoding of a WebSocket source's messages, one socket read (a chunk of messages) at a time: parse (JSON by
 * default), skip `ignore`d messages, decode the whole chunk with the row Schema in one call (falling back to one
 * decode per message only when the chunk has a bad message, to tell which), then sequence tracking (duplicates
 * dropped, gaps recorded). Synchronous: no Effect per message.
 * @internal
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import type { DeadLetter, MutableStats, RowSchema, SequenceGap } from "./websocketModel.ts"

/** The outcome of decoding one chunk. */
export interface ChunkOutcome<A> {
  /** Decoded rows to buffer, in arrival order (duplicates removed). */
  readonly rows: Array<A>
  readonly deadLetters: Array<DeadLetter>
  readonly gaps: Array<SequenceGap>
  /** Set when processing stopped early (`deadLetters: "fail"` / `gaps: "fail"`): the rows before it are kept. */
  readonly stop: "deadLetter" | "gap" | undefined
}

export interface DecoderOptions<S extends RowSchema> {
  readonly url: string
  readonly schema: S
  readonly decode: ((data: string | Uint8Array) => unknown) | undefined
  readonly ignore: ((message: unknown) => boolean) | undefined
  readonly sequence: ((row: S["Type"]) => number | bigint) | undefined
  readonly stopOnDeadLetter: boolean
  readonly stopOnGap: boolean
}

/** Sequence state carried across connections. */
export interface SequenceState {
  last: number | bigint | undefined
  /** Set by the connection loop on each new connection; cleared after its first row. */
  freshConnection: boolean
}

const utf8 = new TextDecoder()

const defaultDecode = (data: string | Uint8Array): unknown =>
  JSON.parse(typeof data === "string" ? data : utf8.decode(data))

const formatIssue = SchemaIssue.makeFormatterDefault()

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** `a - b - 1` for sequence numbers (number or bigint), as a number. */
const missingBetween = (after: number | bigint, next: number | bigint): number =>
  typeof after === "number" && typeof next === "number" ? next - after - 1 : Number(BigInt(next) - BigInt(after) - 1n)

/** -1 / 0 / 1 comparing `s` with `last + 1`. */
const compareNext = (s: number | bigint, last: number | bigint): number => {
  if (typeof s === "number" && typeof last === "number") {
    const d = s - (last + 1)
    return d < 0 ? -1 : d > 0 ? 1 : 0
  }
  const d = BigInt(s) - (BigInt(last) + 1n)
  return d < 0n ? -1 : d > 0n ? 1 : 0
}

export const makeDecoder = <S extends RowSchema>(options: DecoderOptions<S>) => {
  type A = S["Type"]
  const parse = options.decode ?? defaultDecode
  const ignore = options.ignore
  const seqOf = options.sequence
  const codec = options.schema as Schema.Top as Schema.Codec<unknown>
  const decodeAll = Schema.decodeUnknownResult(Schema.Array(codec))
  const decodeOne = Schema.decodeUnknownResult(codec)
  const parseOptions = { errors: "first" } as const

  return (
    chunk: ReadonlyArray<string | Uint8Array>,
    connection: number,
    seq: SequenceState,
    stats: MutableStats
  ): ChunkOutcome<A> => {
    const deadLetters: Array<DeadLetter> = []
    const gaps: Array<SequenceGap> = []
    const now = Date.now()
    const letter = (data: string | Uint8Array, stage: DeadLetter["stage"], error: string): DeadLetter => ({
      url: options.url,
      data,
      stage,
      error,
      connection,
      receivedAt: now
    })
    stats.messages += chunk.length

    // 1. parse
    const parsed: Array<unknown> = []
    const raw: Array<string | Uint8Array> = []
    let stoppedAt = -1
    for (let i = 0; i < chunk.length; i++) {
      const data = chunk[i]!
      let value: unknown
      try {
        value = parse(data)
      } catch (e) {
        deadLetters.push(letter(data, "parse", errorText(e)))
        if (options.stopOnDeadLetter) {
          stoppedAt = i
          break
        }
        continue
      }
      let skip = false
      if (ignore !== undefined) {
        try {
          skip = ignore(value)
        } catch (e) {
          deadLetters.push(letter(data, "parse", `ignore threw: ${errorText(e)}`))
          if (options.stopOnDeadLetter) {
            stoppedAt = i
            break
          }
          continue
        }
      }
      if (skip) {
        stats.ignored++
        continue
      }
      parsed.push(value)
      raw.push(data)
    }

    // 2. decode (the whole chunk at once; per message only when something failed)
    let decoded: Array<A>
    const all = decodeAll(parsed, parseOptions)
    if (Result.isSuccess(all)) decoded = all.success as Array<A>
    else {
      decoded = []
      for (let i = 0; i < parsed.length; i++) {
        const one = decodeOne(parsed[i], parseOptions)
        if (Result.isSuccess(one)) decoded.push(one.success as A)
        else {
          deadLetters.push(letter(raw[i]!, "decode", formatIssue(one.failure.issue).replace(/\s*\n\s*/g, " ")))
          if (options.stopOnDeadLetter) {
            stoppedAt = i
            break
          }
        }
      }
    }
    stats.deadLetters += deadLetters.length
    let stop: ChunkOutcome<A>["stop"] = stoppedAt >= 0 ? "deadLetter" : undefined

    // 3. sequence numbers
    if (seqOf === undefined) {
      if (decoded.length > 0) seq.freshConnection = false
      return { rows: decoded, deadLetters, gaps, stop }
    }
    const rows: Array<A> = []
    for (let i = 0; i < decoded.length; i++) {
      const row = decoded[i]!
      let s: number | bigint
      try {
        s = seqOf(row)
        if (typeof s !== "bigint" && (typeof s !== "number" || !Number.isFinite(s)))
          throw new Error(`sequence returned ${String(s)}, not a finite number or bigint`)
      } catch (e) {
        deadLetters.push(letter(JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? String(v) : v)), "sequence", errorText(e)))
        stats.deadLetters++
        if (options.stopOnDeadLetter) {
          stop = "deadLetter"
          break
        }
        continue
      }
      const last = seq.last
      if (last !== undefined) {
        const c = compareNext(s, last)
        if (c < 0) {
          stats.duplicates++
          continue
        }
        if (c > 0) {
          const missing = missingBetween(last, s)
          gaps.push({ url: options.url, after: last, next: s, missing, connection, afterReconnect: seq.freshConnection })
          stats.gaps++
          stats.missing += missing
          if (options.stopOnGap) {
            seq.last = s
            stop = "gap"
            break
          }
        }
      }
      seq.last = s
      seq.freshConnection = false
      rows.push(row)
    }
    stats.lastSequence = seq.last
    return { rows, deadLetters, gaps, stop }
  }
}
