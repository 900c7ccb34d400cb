/**
 * Hash grouping of one or more key columns of any dtype. STUB: to be implemented.
 * @internal
 */
import type { Column } from "../column.ts"

/**
 * Group assignment of `n` rows: `ids[i]` in `[0, count)` is row i's group; groups are numbered in order of first
 * appearance; `firstRow[g]` is the first row of group g. Nulls form their own group (null equals null); NaN equals
 * NaN; -0 equals 0.
 */
export interface Groups {
  readonly ids: Int32Array
  readonly count: number
  readonly firstRow: Int32Array
}

export const groupIds = (_keys: ReadonlyArray<Column>, _n: number): Groups => {
  throw new Error("not implemented")
}
