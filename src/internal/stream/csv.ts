/**
 * Chunked CSV: a byte stream becomes a stream of Frames, each parsed from a run of whole records (the tokenizer's
 * chunk contract finds where the last whole record ends, so a quoted field holding line breaks is never split).
 * The first run is parsed with the user's options (header, inference); its dtypes are then fixed for every later
 * run, which is parsed with the header bytes prepended and the dtypes as overrides. Errors of later runs are moved
 * back to file coordinates (1-based line, byte offset in the decompressed data).
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Pull from "effect/Pull"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { DataType } from "../../Frame/DataType.ts"
import { SourceError } from "../../Frame/Errors.ts"
import type { ReadCsvOptions } from "../csv/options.ts"
import { parseBytes } from "../csv/read.ts"
import { lineOf, makeSpans, readRecord, tokenize } from "../csv/tokenizer.ts"
import type { Frame } from "../frame.ts"
import * as Window from "./window.ts"

export interface CsvStreamOptions {
  /** At most this many rows per emitted Frame. */
  readonly batchRows: number
  /** Bytes of input gathered before cutting a run of records (a longer record extends the run). */
  readonly chunkBytes: number
}

const concatBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

const breaks = (b: Uint8Array): number => lineOf(b, b.length) - 1

/** Moves a SourceError of a run parsed as `header + run` back to file coordinates. */
const relocate = (e: SourceError, headerLen: number, headerBreaks: number, runLine: number, runByte: number): SourceError => {
  if (e.row === undefined && e.byteOffset === undefined) return e
  const line = e.row === undefined ? undefined : runLine + (e.row - headerBreaks) - 1
  const byte = e.byteOffset === undefined ? undefined : runByte + (e.byteOffset - headerLen)
  let message = e.message
  if (line !== undefined) message = message.replace(/line \d+/, `line ${line}`)
  if (byte !== undefined) message = message.replace(/byte \d+/, `byte ${byte}`)
  return new SourceError({
    path: e.path,
    format: e.format,
    message,
    ...(line !== undefined ? { row: line } : {}),
    ...(byte !== undefined ? { byteOffset: byte } : {}),
    ...(e.column !== undefined ? { column: e.column } : {}),
    ...(e.expected !== undefined ? { expected: e.expected } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {})
  })
}

export const frames = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  path: string,
  options: ReadCsvOptions,
  so: CsvStreamOptions
): Stream.Stream<Frame, E | SourceError, R> =>
  Stream.transformPull(input, (upstream) =>
    Effect.sync(() => {
      const w = Window.make()
      const delimiter = (options.delimiter ?? ",").charCodeAt(0)
      const q = options.quote === undefined ? '"' : options.quote
      const quote = q === null || q === "" ? -1 : q.charCodeAt(0)
      let runLine = 1 // 1-based line of w.pending[w.start]
      let first = true
      let done = false
      let remaining = options.nRows ?? Infinity
      let header: Uint8Array = new Uint8Array(0)
      let headerBreaks = 0
      let ncols = 0
      let fixed: Record<string, DataType> | undefined
      const fail = (message: string) => Effect.fail(new SourceError({ path, format: "csv", message }))

      const more: Effect.Effect<void, E> = Window.more(w, upstream)

      /** On the first run: skips BOM, `skipRows` and the header; remembers the header bytes and column count. */
      const prologue = (): SourceError | undefined => {
        let pos = w.pending.length >= 3 && w.pending[0] === 0xef && w.pending[1] === 0xbb && w.pending[2] === 0xbf ? 3 : 0
        for (let k = 0; k < (options.skipRows ?? 0) && pos < w.pending.length; k++) {
          const r = readRecord(w.pending, pos, delimiter, quote)
          if ("problem" in r) return undefined // parseBytes reports it
          pos = r.next
        }
        if (pos >= w.pending.length) return undefined
        const r = readRecord(w.pending, pos, delimiter, quote)
        if ("problem" in r) return undefined
        ncols = options.schema?.length ?? r.fields.length
        if (options.hasHeader ?? true) {
          header = w.pending.slice(pos, r.next)
          if (header.length > 0 && header[header.length - 1] !== 10 && header[header.length - 1] !== 13)
            header = concatBytes(header, new Uint8Array([10]))
          headerBreaks = breaks(header)
          pos = r.next
        }
        runLine += breaks(w.pending.subarray(0, pos))
        w.start = pos
        return undefined
      }

      const pull: Pull.Pull<readonly [Frame], E | SourceError> = Effect.gen(function* () {
        for (;;) {
          if (done || remaining <= 0) return yield* Cause.done()
          while (!w.ended && w.pending.length - w.start < so.chunkBytes) yield* more
          if (first && ncols === 0) {
            prologue()
            if (ncols === 0) {
              // Empty file (or only skipped rows): let the reader give its usual answer.
              done = true
              const r = parseBytes(w.pending, options, path)
              if (Result.isFailure(r)) return yield* r.failure
              if (r.success.height === 0 && r.success.width > 0) return [r.success] as const
              return yield* Cause.done()
            }
          }
          const spans = makeSpans(ncols, new Int32Array(ncols).fill(-1), 16)
          const tok = tokenize(
            w.pending,
            w.start,
            w.pending.length,
            w.ended,
            { delimiter, quote, truncateRaggedLines: true, maxRows: Math.min(so.batchRows, remaining) },
            spans
          )
          let cut = tok.next
          if (tok.problem !== undefined) cut = w.pending.length // parse the rest: parseBytes names the problem
          if (cut === w.start) {
            if (w.ended) {
              if (first) {
                first = false
                const r = parseBytes(w.pending.subarray(0, cut), options, path)
                if (Result.isFailure(r)) return yield* r.failure
                done = true
                return [r.success] as const
              }
              return yield* Cause.done()
            }
            const before = w.pending.length - w.start
            yield* more // a record longer than chunkBytes
            if (!w.ended && w.pending.length - w.start === before) return yield* fail("no progress reading CSV")
            continue
          }
          const run = w.pending.subarray(w.start, cut)
          let frame: Frame
          if (first) {
            const r = parseBytes(w.pending.subarray(0, cut), options, path)
            if (Result.isFailure(r)) return yield* r.failure
            frame = r.success
            if (options.schema === undefined) {
              const d: Record<string, DataType> = { ...options.dtypes }
              for (const f of frame.schema) d[f.name] = f.dtype
              fixed = d
            }
            first = false
          } else {
            const opts: ReadCsvOptions = {
              ...options,
              skipRows: 0,
              nRows: undefined,
              ...(fixed !== undefined ? { dtypes: fixed } : {})
            }
            const r = parseBytes(concatBytes(header, run), opts, path)
            if (Result.isFailure(r))
              return yield* relocate(r.failure, header.length, headerBreaks, runLine, w.pendingByte + w.start)
            frame = r.success
          }
          runLine += breaks(run)
          w.start = cut
          remaining -= frame.height
          if (frame.height === 0) continue
          return [frame] as const
        }
      })
      return pull
    })
  )
