/**
 * Window-join kernels (kdb+ `wj` / `wj1`): per left row, the slice of right rows (in bucket order) whose keys lie
 * in `[t + lo, t + hi]`, found with two forward-only pointers per `by` bucket, then turned into groups for the
 * aggregation engine.
 * @internal
 */
import type { Groups } from "../kernels/hash.ts"
import type { Buckets, KeyArray } from "./asof.ts"

export interface Windows {
  /** Per left row (original order): the first right row of its window, as a position in `rRows`. */
  readonly start: Int32Array
  /** Per left row: the window length (0 for an empty window or a null key). */
  readonly len: Int32Array
  /** The right rows in bucket order (positions → original rows). */
  readonly rRows: Int32Array
}

/**
 * Window slices. `lk`/`rk` are the keys in bucket order (ascending within each bucket), `lo`/`hi` the offsets in
 * key units (bigints for BigInt keys: the loop only adds and compares keys with them, which JS defines for both).
 * With `prevailing`, a window whose start has no right key equal to t + lo also takes the last right row before it.
 */
export const windowBounds = (
  n: number,
  lkIn: KeyArray,
  rkIn: KeyArray,
  buckets: Buckets,
  loIn: number | bigint,
  hiIn: number | bigint,
  prevailing: boolean
): Windows => {
  const lk = lkIn as unknown as ArrayLike<number>
  const rk = rkIn as unknown as ArrayLike<number>
  const lo = loIn as number
  const hi = hiIn as number
  const start = new Int32Array(n)
  const len = new Int32Array(n)
  const { lStart, rStart, lRows, count, identity } = buckets
  for (let g = 0; g < count; g++) {
    const ls = lStart[g]!
    const le = lStart[g + 1]!
    const rs = rStart[g]!
    const re = rStart[g + 1]!
    let s = rs
    let e = rs
    for (let a = ls; a < le; a++) {
      const x = lk[a]!
      const wlo = x + lo
      const whi = x + hi
      while (s < re && rk[s]! < wlo) s++
      if (e < s) e = s
      while (e < re && rk[e]! <= whi) e++
      let first = s
      if (prevailing && first > rs && (first === re || rk[first]! !== wlo)) first--
      const row = identity ? a : lRows[a]!
      start[row] = first
      len[row] = e - first
    }
  }
  return { start, len, rRows: buckets.rRows }
}

/**
 * The gather list and groups for aggregating the windows with the expression engine: `take[k]` is a right row,
 * `groups.ids[k]` the left row whose window it belongs to (left rows in order; empty windows are empty groups).
 */
export const windowGroups = (w: Windows): { readonly take: Int32Array; readonly groups: Groups } => {
  const n = w.start.length
  let total = 0
  for (let i = 0; i < n; i++) total += w.len[i]!
  const take = new Int32Array(total)
  const ids = new Int32Array(total)
  const firstRow = new Int32Array(n)
  let k = 0
  const rRows = w.rRows
  for (let i = 0; i < n; i++) {
    const s = w.start[i]!
    const e = s + w.len[i]!
    firstRow[i] = k
    for (let p = s; p < e; p++) {
      take[k] = rRows[p]!
      ids[k++] = i
    }
  }
  return { take, groups: { ids, count: n, firstRow } }
}
