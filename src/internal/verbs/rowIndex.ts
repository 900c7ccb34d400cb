/**
 * `withRowIndex`: a UInt32 row number column prepended, as Polars `with_row_index` (batches kept).
 * @internal
 */
import * as Effect from "effect/Effect"
import * as DT from "../../Frame/DataType.ts"
import { DuplicateColumn, InvalidArgument } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"

/**
 * See `Frame.withRowIndex`. The index of row i is `offset + i` as a UInt32; `offset + height` must fit in UInt32.
 */
export const withRowIndex = (
  self: Frame,
  name: string,
  offset: number
): Effect.Effect<Frame, DuplicateColumn | InvalidArgument> =>
  Effect.suspend((): Effect.Effect<Frame, DuplicateColumn | InvalidArgument> => {
    if (self.columns.includes(name)) return Effect.fail(new DuplicateColumn({ column: name }))
    if (!Number.isInteger(offset) || offset < 0 || offset + self.height > 2 ** 32)
      return Effect.fail(
        new InvalidArgument({
          argument: "offset",
          message: `offset must be a non-negative integer with offset + height ≤ 2^32, got ${offset}`
        })
      )
    const all = new Uint32Array(self.height)
    const base = offset
    for (let i = 0; i < all.length; i++) all[i] = base + i
    let start = 0
    const batches = self.batches.map((b) => {
      const col = C.make(DT.UInt32, b.length, all.subarray(start, start + b.length), null)
      start += b.length
      return { length: b.length, columns: [col, ...b.columns] }
    })
    return Effect.succeed(F.unsafeMake([{ name, dtype: DT.UInt32 }, ...self.schema], batches))
  })
