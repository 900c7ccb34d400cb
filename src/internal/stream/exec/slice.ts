/**
 * Streaming `slice`/`head`/`tail`. With `offset ≥ 0` the rows `[offset, offset + length)` pass through batch by
 * batch, and the stream ends as soon as the last wanted row has passed: the upstream is not pulled again, so scans
 * stop reading (a `head` after a Parquet scan decodes only the row groups it needs). With a negative offset
 * (`tail`) only the last `-offset` rows are kept while the input flows (bounded by `-offset` rows plus one batch).
 * @internal
 */
import * as Stream from "effect/Stream"
import * as C from "../../column.ts"
import * as F from "../../frame.ts"
import type { Frame } from "../../frame.ts"
import type { Batches } from "./types.ts"

/** Rows `[start, end)` of a frame, zero-copy. */
export const sliceRows = (frame: Frame, start: number, end: number): Frame => {
  const h = frame.height
  if (start <= 0 && end >= h) return frame
  const s = Math.min(Math.max(0, start), h)
  const len = Math.max(0, Math.min(end, h) - s)
  const cols = F.contiguous(frame)
  return F.unsafeMake(frame.schema, [{ length: len, columns: cols.map((c) => C.slice(c, s, len)) }])
}

const concatRows = (frames: ReadonlyArray<Frame>): Frame => {
  if (frames.length === 1) return frames[0]!
  const cols = frames[0]!.schema.map((_, j) => C.concat(frames.map((f) => F.contiguous(f)[j]!)))
  return F.unsafeMake(frames[0]!.schema, [{ length: frames.reduce((n, f) => n + f.height, 0), columns: cols }])
}

export const sliceStream = (input: Batches, offset: number, length: number | undefined): Batches => {
  if (offset >= 0) {
    const end = length === undefined ? Infinity : offset + length
    return input.pipe(
      Stream.mapAccum(
        () => 0,
        (pos, b: Frame) => {
          const next = pos + b.height
          const out = sliceRows(b, offset - pos, end - pos)
          return [next, [{ frame: out, done: next >= end }]] as const
        }
      ),
      Stream.takeUntil((x) => x.done),
      Stream.map((x) => x.frame)
    )
  }
  const keep = -offset
  return input.pipe(
    Stream.mapAccum(
      (): { buf: Array<Frame>; rows: number } => ({ buf: [], rows: 0 }),
      (st, b: Frame) => {
        st.buf.push(b)
        st.rows += b.height
        while (st.buf.length > 1 && st.rows - st.buf[0]!.height >= keep) st.rows -= st.buf.shift()!.height
        return [st, []] as const
      },
      {
        onHalt: (st) => {
          if (st.buf.length === 0) return []
          const all = concatRows(st.buf)
          const start = Math.max(0, all.height - keep)
          const end = length === undefined ? all.height : Math.min(all.height, start + length)
          return [sliceRows(all, start, end)]
        }
      }
    )
  )
}
