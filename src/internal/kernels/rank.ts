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
  if (groups !== undefined && groups.count > 1) return rankGrouped(col, method, descending, groups)
  const n = col.length
  const keys = orderKeys(col, n)
  const identity = new Int32Array(n)
  for (let i = 0; i < n; i++) identity[i] = i
  const nValid = n - col.nullCount
  const perm = sortPermByColumn(identity, col, descending, true, keys).subarray(0, nValid)
  const lo = keys.lo
  const hi = keys.hi
  const average = method === "average"
  const outF = average ? new Float64Array(n) : null
  const outU = average ? null : new Uint32Array(n)
  let dense = 0
  let s = 0
  while (s < nValid) {
    const r0 = perm[s]!
    let e = s + 1
    while (e < nValid) {
      const r = perm[e]!
      if (lo[r] !== lo[r0] || (hi !== null && hi[r] !== hi[r0])) break
      e++
    }
    dense++
    assign(method, perm, s, e, s + 1, e, dense, 0, outF, outU)
    s = e
  }
  return C.make(rankOutputType(method), n, average ? outF! : outU!, col.nullCount === 0 ? null : col.validity)
}

/** Writes the ranks of the tied rows `rows[s..e)` (1-based positions `first..last` within their segment at `base`). */
const assign = (
  method: RankMethod,
  rows: Int32Array,
  s: number,
  e: number,
  first: number,
  last: number,
  dense: number,
  base: number,
  outF: Float64Array | null,
  outU: Uint32Array | null
): void => {
  switch (method) {
    case "average": {
      const r = (first + last) / 2
      for (let k = s; k < e; k++) outF![rows[k]!] = r
      return
    }
    case "min":
      for (let k = s; k < e; k++) outU![rows[k]!] = first
      return
    case "max":
      for (let k = s; k < e; k++) outU![rows[k]!] = last
      return
    case "dense":
      for (let k = s; k < e; k++) outU![rows[k]!] = dense
      return
    case "ordinal":
      for (let k = s; k < e; k++) outU![rows[k]!] = k - base + 1
      return
  }
}

/** Below this length a run is sorted by insertion; merges start from runs of this length. */
const RUN = 16

/**
 * Stable sort of the entries `[a, b)` of the parallel arrays (hi, lo, rows) by (hi, lo) unsigned, using scratch
 * arrays of at least `b - a` entries: insertion sort of runs of `RUN`, then bottom-up merges.
 */
const sortSegment = (
  hi: Uint32Array,
  lo: Uint32Array,
  rows: Int32Array,
  a: number,
  b: number,
  tHi: Uint32Array,
  tLo: Uint32Array,
  tRows: Int32Array
): void => {
  const m = b - a
  for (let r = a; r < b; r += RUN) {
    const e = Math.min(r + RUN, b)
    for (let i = r + 1; i < e; i++) {
      const h = hi[i]!
      const l = lo[i]!
      const x = rows[i]!
      let j = i - 1
      while (j >= r && (hi[j]! > h || (hi[j] === h && lo[j]! > l))) {
        hi[j + 1] = hi[j]!
        lo[j + 1] = lo[j]!
        rows[j + 1] = rows[j]!
        j--
      }
      hi[j + 1] = h
      lo[j + 1] = l
      rows[j + 1] = x
    }
  }
  if (m <= RUN) return
  // Merge passes alternate between the segment (offset a) and the scratch arrays (offset 0).
  let sHi = hi
  let sLo = lo
  let sRows = rows
  let sOff = a
  let dHi = tHi
  let dLo = tLo
  let dRows = tRows
  let dOff = 0
  for (let width = RUN; width < m; width *= 2) {
    for (let left = 0; left < m; left += 2 * width) {
      const mid = Math.min(left + width, m)
      const right = Math.min(left + 2 * width, m)
      let i = left
      let j = mid
      let k = left
      while (i < mid && j < right) {
        const hi1 = sHi[sOff + i]!
        const hi2 = sHi[sOff + j]!
        // Take from the right run only when strictly smaller (stability).
        if (hi2 < hi1 || (hi2 === hi1 && sLo[sOff + j]! < sLo[sOff + i]!)) {
          dHi[dOff + k] = hi2
          dLo[dOff + k] = sLo[sOff + j]!
          dRows[dOff + k++] = sRows[sOff + j++]!
        } else {
          dHi[dOff + k] = hi1
          dLo[dOff + k] = sLo[sOff + i]!
          dRows[dOff + k++] = sRows[sOff + i++]!
        }
      }
      while (i < mid) {
        dHi[dOff + k] = sHi[sOff + i]!
        dLo[dOff + k] = sLo[sOff + i]!
        dRows[dOff + k++] = sRows[sOff + i++]!
      }
      while (j < right) {
        dHi[dOff + k] = sHi[sOff + j]!
        dLo[dOff + k] = sLo[sOff + j]!
        dRows[dOff + k++] = sRows[sOff + j++]!
      }
    }
    const th = sHi
    const tl = sLo
    const tr = sRows
    const to = sOff
    sHi = dHi
    sLo = dLo
    sRows = dRows
    sOff = dOff
    dHi = th
    dLo = tl
    dRows = tr
    dOff = to
  }
  if (sHi !== hi) {
    hi.set(sHi.subarray(0, m), a)
    lo.set(sLo.subarray(0, m), a)
    rows.set(sRows.subarray(0, m), a)
  }
}

/**
 * Ranks restarting per group: the valid rows are bucketed by group with their order keys (two stable scatter
 * passes: first into at most 256 ranges of consecutive group ids, then each range, small enough for the cache, by
 * group), and each group's segment is sorted on its own (small segments stay in cache), instead of one sort of the
 * whole column followed by a regrouping.
 */
const rankGrouped = (col: Column, method: RankMethod, descending: boolean, groups: Groups): Column => {
  const n = col.length
  const keys = orderKeys(col, n)
  const G = groups.count
  const ids = groups.ids
  const validity = col.nullCount === 0 ? null : col.validity
  const start = new Int32Array(G + 1)
  for (let i = 0; i < n; i++) if (validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0) start[ids[i]! + 1]!++
  for (let g = 0; g < G; g++) start[g + 1]! += start[g]!
  const nValid = start[G]!
  const flip = descending ? 0xffffffff : 0
  const klo = keys.lo
  const khi = keys.hi ?? new Uint32Array(n)
  // Pass 1: by range of group ids (g >> shift), at most 256 ranges.
  let shift = 0
  while (G - 1 >> shift >= 256) shift++
  const B = ((G - 1) >> shift) + 1
  const bpos = new Int32Array(B)
  for (let b = 0; b < B; b++) bpos[b] = start[b << shift]!
  const pRows = new Int32Array(nValid)
  const pGroups = new Int32Array(nValid)
  const pHi = new Uint32Array(nValid)
  const pLo = new Uint32Array(nValid)
  scatterByRange(ids, validity, n, shift, bpos, khi, klo, flip, pRows, pGroups, pHi, pLo)
  // Pass 2: within each range, by group.
  const rows = new Int32Array(nValid)
  const hi = new Uint32Array(nValid)
  const lo = new Uint32Array(nValid)
  const pos = start.slice(0, G)
  scatterByGroup(pGroups, pRows, pHi, pLo, nValid, pos, rows, hi, lo)
  let longest = 0
  for (let g = 0; g < G; g++) longest = Math.max(longest, start[g + 1]! - start[g]!)
  const tHi = new Uint32Array(longest)
  const tLo = new Uint32Array(longest)
  const tRows = new Int32Array(longest)
  const average = method === "average"
  const outF = average ? new Float64Array(n) : null
  const outU = average ? null : new Uint32Array(n)
  for (let g = 0; g < G; g++) {
    const a = start[g]!
    const b = start[g + 1]!
    if (b - a > 1) sortSegment(hi, lo, rows, a, b, tHi, tLo, tRows)
  }
  if (method === "ordinal") {
    const out = outU!
    for (let g = 0; g < G; g++) {
      const a = start[g]!
      const b = start[g + 1]!
      for (let k = a; k < b; k++) out[rows[k]!] = k - a + 1
    }
  } else {
    for (let g = 0; g < G; g++) {
      const a = start[g]!
      const b = start[g + 1]!
      let dense = 0
      let s = a
      while (s < b) {
        let e = s + 1
        while (e < b && lo[e] === lo[s] && hi[e] === hi[s]) e++
        dense++
        assign(method, rows, s, e, s - a + 1, e - a, dense, a, outF, outU)
        s = e
      }
    }
  }
  return C.make(rankOutputType(method), n, average ? outF! : outU!, validity)
}

const scatterByRange = (
  ids: Int32Array,
  validity: Uint8Array | null,
  n: number,
  shift: number,
  bpos: Int32Array,
  khi: Uint32Array,
  klo: Uint32Array,
  flip: number,
  rows: Int32Array,
  gids: Int32Array,
  hi: Uint32Array,
  lo: Uint32Array
): void => {
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
    const g = ids[i]!
    const k = bpos[g >> shift]!++
    rows[k] = i
    gids[k] = g
    hi[k] = (khi[i]! ^ flip) >>> 0
    lo[k] = (klo[i]! ^ flip) >>> 0
  }
}

const scatterByGroup = (
  gids: Int32Array,
  pRows: Int32Array,
  pHi: Uint32Array,
  pLo: Uint32Array,
  m: number,
  pos: Int32Array,
  rows: Int32Array,
  hi: Uint32Array,
  lo: Uint32Array
): void => {
  for (let j = 0; j < m; j++) {
    const k = pos[gids[j]!]!++
    rows[k] = pRows[j]!
    hi[k] = pHi[j]!
    lo[k] = pLo[j]!
  }
}
