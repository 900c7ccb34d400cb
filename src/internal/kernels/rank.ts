/**
 * Rank kernel, as Polars `Expr.rank(method, descending)`: ranks start at 1, nulls stay null, NaN ranks above every
 * number, and ranks restart within each group when `groups` is given (window context `over`).
 * @internal
 */
import type { RankMethod } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import type { Groups } from "./hash.ts"
import { orderKeys, sortPermByColumn } from "./sort.ts"

/** Output dtype of `rank`: Float64 for "average", UInt32 otherwise (Polars' index type). */
export const rankOutputType = (method: RankMethod): DataType => (method === "average" ? DT.Float64 : DT.UInt32)

/**
 * Ranks of the values of `col` (ascending, or descending), per group when `groups` is given.
 * Ties: "average" (mean of the tied positions), "min", "max", "dense" (consecutive ranks for distinct values),
 * "ordinal" (distinct ranks in order of appearance). Output: Float64 ("average") or UInt32, null where `col` is null.
 * `col` must be orderable (see `isOrderable`).
 */
export const rank = (col: Column, method: RankMethod, descending: boolean, groups?: Groups): Column => {
  const n = col.length
  const keys = orderKeys(col, n)
  const identity = new Int32Array(n)
  for (let i = 0; i < n; i++) identity[i] = i
  const nValid = n - col.nullCount
  let perm = sortPermByColumn(identity, col, descending, true, keys).subarray(0, nValid)
  let gid: Int32Array | null = null
  if (groups !== undefined && groups.count > 1) {
    // Stable counting sort of the value-sorted rows by group.
    const ids = groups.ids
    const start = new Int32Array(groups.count + 1)
    for (let j = 0; j < nValid; j++) start[ids[perm[j]!]! + 1]!++
    for (let g = 0; g < groups.count; g++) start[g + 1]! += start[g]!
    const out = new Int32Array(nValid)
    for (let j = 0; j < nValid; j++) out[start[ids[perm[j]!]!]!++] = perm[j]!
    perm = out
    gid = ids
  }
  const lo = keys.lo
  const hi = keys.hi
  const average = method === "average"
  const outF = average ? new Float64Array(n) : null
  const outU = average ? null : new Uint32Array(n)
  let j = 0
  while (j < nValid) {
    // One group's segment [j, end).
    const g = gid === null ? 0 : gid[perm[j]!]!
    let end = j + 1
    if (gid !== null) while (end < nValid && gid[perm[end]!] === g) end++
    else end = nValid
    let dense = 0
    let s = j
    while (s < end) {
      const r0 = perm[s]!
      let e = s + 1
      while (e < end) {
        const r = perm[e]!
        if (lo[r] !== lo[r0] || (hi !== null && hi[r] !== hi[r0])) break
        e++
      }
      dense++
      const first = s - j + 1
      const last = e - j
      for (let k = s; k < e; k++) {
        const row = perm[k]!
        switch (method) {
          case "average":
            outF![row] = (first + last) / 2
            break
          case "min":
            outU![row] = first
            break
          case "max":
            outU![row] = last
            break
          case "dense":
            outU![row] = dense
            break
          case "ordinal":
            outU![row] = k - j + 1
            break
        }
      }
      s = e
    }
    j = end
  }
  return C.make(rankOutputType(method), n, average ? outF! : outU!, col.nullCount === 0 ? null : col.validity)
}
