/**
 * The `unique` verb: drops duplicate rows, as Polars `DataFrame.unique`.
 * @internal
 */
import * as Effect from "effect/Effect"
import type { ColumnNotFound } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import type { Frame } from "../frame.ts"
import * as F from "../frame.ts"
import { groupIds } from "../kernels/hash.ts"

/**
 * Keeps one row per distinct value of the `subset` columns (default: all columns); nulls equal nulls and NaN
 * equals NaN. `keep`: "first" (default) or "any" keep the first row of each set of duplicates, "last" the last,
 * "none" drops every row that has a duplicate. Rows come out in input order (`maintainOrder` is accepted; the input
 * order is kept either way). Schema unchanged.
 * Errors: `ColumnNotFound` (a subset column).
 */
export const unique = (
  self: Frame,
  options: { readonly subset?: ReadonlyArray<string>; readonly keep?: "first" | "last" | "any" | "none"; readonly maintainOrder?: boolean }
): Effect.Effect<Frame, ColumnNotFound> =>
  Effect.gen(function* () {
    const cols = F.contiguous(self)
    const subset = options.subset ?? self.columns
    const keys = yield* Effect.forEach(subset, (name) => Effect.map(F.columnIndex(self, name), (i) => cols[i]!))
    const n = self.height
    const groups = groupIds(keys, n)
    if (groups.count === n) return self
    const keep = options.keep ?? "first"
    let rows: Int32Array
    if (keep === "first" || keep === "any") {
      rows = groups.firstRow
    } else if (keep === "last") {
      const last = new Int32Array(groups.count)
      for (let i = 0; i < n; i++) last[groups.ids[i]!] = i
      rows = last.sort()
    } else {
      const size = new Int32Array(groups.count)
      for (let i = 0; i < n; i++) size[groups.ids[i]!]!++
      let m = 0
      for (let g = 0; g < groups.count; g++) if (size[g] === 1) m++
      rows = new Int32Array(m)
      let k = 0
      for (let i = 0; i < n; i++) if (size[groups.ids[i]!] === 1) rows[k++] = i
    }
    return F.fromColumnsUnsafe(
      self.columns,
      cols.map((c) => C.take(c, rows))
    )
  })
