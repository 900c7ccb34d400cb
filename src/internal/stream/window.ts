/**
 * The unconsumed bytes of a chunked text source: chunks pulled from upstream are appended after the consumed prefix
 * is dropped. Shared by the CSV and NDJSON stream readers.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Pull from "effect/Pull"

export interface ByteWindow {
  /** The buffered bytes. */
  pending: Uint8Array
  /** First unconsumed byte of `pending`. */
  start: number
  /** File byte offset of `pending[0]`. */
  pendingByte: number
  /** Upstream is exhausted. */
  ended: boolean
}

export const make = (): ByteWindow => ({ pending: new Uint8Array(0), start: 0, pendingByte: 0, ended: false })

/** Pulls one array of chunks from upstream into the window (or marks it ended). */
export const more = <E>(w: ByteWindow, upstream: Pull.Pull<ReadonlyArray<Uint8Array>, E>): Effect.Effect<void, E> =>
  Pull.catchDone(
    Effect.map(upstream, (chunks) => {
      let add = 0
      for (const c of chunks) add += c.length
      const out = new Uint8Array(w.pending.length - w.start + add)
      out.set(w.pending.subarray(w.start), 0)
      let at = w.pending.length - w.start
      for (const c of chunks) {
        out.set(c, at)
        at += c.length
      }
      w.pendingByte += w.start
      w.pending = out
      w.start = 0
    }),
    () =>
      Effect.sync(() => {
        w.ended = true
      })
  )
