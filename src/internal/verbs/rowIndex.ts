/**
 * `withRowIndex`: a UInt32 row number column prepended, as Polars `with_row_index` (batches kept).
 * @internal
 */
import { Effect } from "effect"
import * as DT from "../../Frame/DataType.ts"
import { DuplicateColumn } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"

/**
 * See `Frame.withRowIndex`. The index of row i is `offset + i` as a UInt32: an offset that is not a non-negative
 * integer is truncated and taken modulo 2^32, as the UInt32 arithmetic wraps.
 */
export const withRowIndex = (self: Frame, name: string, offset: number): Effect.Effect<Frame, DuplicateColumn> =>
  Effect.suspend(() => {
    if (self.columns.includes(name)) return Effect.fail(new DuplicateColumn({ column: name }))
    const all = new Uint32Array(self.height)
    const base = Math.trunc(offset) >>> 0
    for (let i = 0; i < all.length; i++) all[i] = base + i
    let start = 0
    const batches = self.batches.map((b) => {
      const col = C.make(DT.UInt32, b.length, all.subarray(start, start + b.length), null)
      start += b.length
      return { length: b.length, columns: [col, ...b.columns] }
    })
    return Effect.succeed(F.unsafeMake([{ name, dtype: DT.UInt32 }, ...self.schema], batches))
  })
