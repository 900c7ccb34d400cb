/**
 * Fused OHLCV over fixed, disjoint windows (the `ohlcv` verb's fast path): window assignment and the
 * open/high/low/close/volume/VWAP/count aggregation in one pass over the rows in their original order, with
 * per-group state, no row permutation and no per-row window-id array.
 *
 * Same windows as `fastWindows` (k = floor((t − start) / every) from each group's first start, checked exactly
 * against the window's bounds, `emptyWindows: "skip"`) and the same aggregates as `ohlcvKernel` (sums in row order).
 * Windows get slots in order of first appearance; as rows ascend in time within a group, a group's slots ascend in
 * k, so one counting sort by group rank gives the output order (by group rank, then time).
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { Column } from "../column.ts"
import * as C from "../column.ts"
import { groupIds } from "../kernels/hash.ts"
import { sortIndices } from "../kernels/sort.ts"
import { utf8GroupIds } from "./byKeys.ts"
import { type Axis, firstStart, fixedUnits, type WindowSpec, type Windows } from "./windows.ts"

const TWO32 = 4294967296
const LIMIT = 2 ** 51

export interface FastOhlcv {
  readonly windows: Windows
  /** open, high, low, close, volume, vwap, trades. */
  readonly columns: ReadonlyArray<{ readonly name: string; readonly column: Column }>
}

/** Group ids of the `by` keys (one Utf8 key through the string table), ranked by key with nulls last. */
const rankedGroups = (
  keys: ReadonlyArray<Column>,
  n: number
): { readonly gid: Int32Array | null; readonly G: number; readonly firstRows: Int32Array; readonly rank: Int32Array } => {
  if (keys.length === 0) return { gid: null, G: 1, firstRows: Int32Array.of(0), rank: Int32Array.of(0) }
  const groups = keys.length === 1 && keys[0]!.dtype._tag === "Utf8" ? utf8GroupIds(keys[0]!, n) : groupIds(keys, n)
  const order = sortIndices(
    keys.map((k) => C.take(k, groups.firstRow)),
    keys.map(() => false),
    keys.map(() => true)
  )
  const rank = new Int32Array(groups.count)
  for (let r = 0; r < groups.count; r++) rank[order[r]!] = r
  return { gid: groups.ids, G: groups.count, firstRows: groups.firstRow, rank }
}

const growF64 = (a: Float64Array, cap: number): Float64Array<ArrayBuffer> => {
  const b = new Float64Array(cap)
  b.set(a)
  return b
}
const growI32 = (a: Int32Array, cap: number): Int32Array<ArrayBuffer> => {
  const b = new Int32Array(cap)
  b.set(a)
  return b
}

/**
 * Writes `base + off` (base given by its words, `off` an exact integer-valued double) into `out[k]` through its
 * words; false when the result leaves the 64-bit range.
 */
const writeOffset = (w: Int32Array, k: number, bh: number, bl: number, off: number): boolean => {
  const offHi = Math.floor(off / TWO32)
  let lo = bl + (off - offHi * TWO32)
  let hi = bh + offHi
  if (lo >= TWO32) {
    lo -= TWO32
    hi += 1
  }
  if (hi > 2147483647 || hi < -2147483648) return false
  w[2 * k] = lo | 0
  w[2 * k + 1] = hi
  return true
}

/** Per-window state in slot (appearance) order, as left by `ohlcvPass`. */
interface Slots {
  readonly W: number
  /** Group and first row of each slot. */
  readonly sG: Int32Array
  readonly sFirst: Int32Array
  /** 8 doubles per slot: open, high, low, close, volume, Σ price·size, count, k. */
  readonly acc: Float64Array
}

/** Stride of `Slots.acc`: one slot is one 64-byte cache line. */
const S = 8

/**
 * The row pass, in a function of its own so that V8 optimizes it as a whole after the first call (instead of
 * entering it through on-stack replacement on every call, as it would inside the larger caller). A window's
 * running aggregates share one cache line (array of structs), so a row updates one line, and the current windows of
 * a hundred symbols stay in L1.
 */
const ohlcvPass = (
  values: BigInt64Array,
  n: number,
  gid: Int32Array | null,
  G: number,
  s0: Float64Array,
  eN: number,
  pN: number,
  closed: string,
  px: Float64Array,
  qty: Float64Array
): Slots | { readonly unsorted: number } | undefined => {
  const w32 = new Int32Array(values.buffer, values.byteOffset, 2 * n)
  const u32 = new Uint32Array(values.buffer, values.byteOffset, 2 * n)
  const bh = w32[1]!
  const bl = u32[0]!
  const leftIn = closed === "left" || closed === "both"
  const rightIn = closed === "right" || closed === "both"
  // per group: last time (sortedness), the current window's slot offset in `acc` and its end (offset from base)
  const last = new Float64Array(G).fill(-Infinity)
  const cur = new Int32Array(G).fill(-1)
  const curEnd = new Float64Array(G).fill(-Infinity)
  let cap = 1024
  let sG = new Int32Array(cap)
  let sFirst = new Int32Array(cap)
  let acc = new Float64Array(S * cap)
  let W = 0
  for (let i = 0; i < n; i++) {
    const g = gid === null ? 0 : gid[i]!
    const t = (w32[2 * i + 1]! - bh) * TWO32 + (u32[2 * i]! - bl)
    if (t >= LIMIT || t <= -LIMIT) return undefined
    if (t < last[g]!) return { unsorted: i }
    last[g] = t
    const price = px[i]!
    if (Number.isNaN(price)) return undefined
    const q = qty[i]!
    let b: number
    // Rows ascend within their group, so a row before the end of its group's current window lies in that window
    // (it is not before the window's start, which an earlier row of the group reached): no division.
    if (rightIn ? t <= curEnd[g]! : t < curEnd[g]!) {
      b = cur[g]!
      if (price > acc[b + 1]!) acc[b + 1] = price
      if (price < acc[b + 2]!) acc[b + 2] = price
    } else {
      const rel = t - s0[g]!
      let k = Math.floor(rel / eN)
      let lo = k * eN
      if (!leftIn && rel === lo) {
        k -= 1
        lo -= eN
      }
      const d = rel - lo
      // windows start at the group's first start (k ≥ 0): with startBy "datapoint" and a left-open window, the
      // first row sits on window 0's open lower bound and belongs to no window (as the general engine)
      if (k < 0 || (rightIn ? d > pN : d >= pN)) continue
      if (W === cap) {
        cap *= 2
        sG = growI32(sG, cap)
        sFirst = growI32(sFirst, cap)
        acc = growF64(acc, S * cap)
      }
      const w = W++
      b = S * w
      cur[g] = b
      curEnd[g] = s0[g]! + lo + pN
      sG[w] = g
      sFirst[w] = i
      acc[b] = price
      acc[b + 1] = price
      acc[b + 2] = price
      acc[b + 7] = k
    }
    acc[b + 3] = price
    acc[b + 4]! += q
    acc[b + 5]! += price * q
    acc[b + 6]! += 1
  }
  return { W, sG, sFirst, acc }
}

/**
 * The OHLCV bars, `{ unsorted }` with the first row out of time order within its group, or undefined when the case
 * does not apply (calendar or overlapping windows, `emit`, a span beyond 2^51 units, a NaN price): callers then
 * take the general path. `px`/`qty` are Float64 without nulls.
 */
export const fastOhlcv = (
  axis: Axis,
  keys: ReadonlyArray<Column>,
  n: number,
  spec: WindowSpec,
  px: Float64Array,
  qty: Float64Array
): FastOhlcv | { readonly unsorted: number } | undefined => {
  const e = fixedUnits(spec.every, axis)
  const p = fixedUnits(spec.period, axis)
  if (e === undefined || p === undefined || n === 0 || spec.emit) return undefined
  if (p > e || (p === e && spec.closed === "both")) return undefined
  if (e >= 1n << 50n) return undefined
  const eN = Number(e)
  const pN = Number(p)
  const values = axis.values
  const { gid, G, firstRows, rank } = rankedGroups(keys, n)
  // first window start per group, as offsets from the first row's value
  const base = values[0]!
  const s0 = new Float64Array(G)
  for (let g = 0; g < G; g++) {
    const d = firstStart(values[firstRows[g]!]!, spec, axis) - base
    if (d >= 1n << 51n || d <= -(1n << 51n)) return undefined
    s0[g] = Number(d)
  }
  const pass = ohlcvPass(values, n, gid, G, s0, eN, pN, spec.closed, px, qty)
  if (pass === undefined || "unsorted" in pass) return pass
  const { W, sG, sFirst, acc } = pass
  const w32 = new Int32Array(values.buffer, values.byteOffset, 2)
  const bh = w32[1]!
  const bl = w32[0]! >>> 0
  // output order: by group rank, then slot (= time within the group)
  const perRank = new Int32Array(G + 1)
  for (let w = 0; w < W; w++) perRank[rank[sG[w]!]! + 1]!++
  for (let r = 0; r < G; r++) perRank[r + 1]! += perRank[r]!
  const order = new Int32Array(W)
  for (let w = 0; w < W; w++) order[perRank[rank[sG[w]!]!]!++] = w
  const lower = new BigInt64Array(W)
  const upper = new BigInt64Array(W)
  const lw = new Int32Array(lower.buffer)
  const uw = new Int32Array(upper.buffer)
  const group = new Int32Array(W)
  const len = new Int32Array(W)
  const firstRowOf = new Int32Array(W)
  const cols = [new Float64Array(W), new Float64Array(W), new Float64Array(W), new Float64Array(W), new Float64Array(W), new Float64Array(W)]
  const [o, h, l, c, v, vw] = cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
  const trades = new Uint32Array(W)
  let exactBounds = true
  for (let k = 0; k < W; k++) {
    const w = order[k]!
    const g = sG[w]!
    const b = S * w
    group[k] = rank[g]!
    len[k] = acc[b + 6]!
    firstRowOf[k] = sFirst[w]!
    o[k] = acc[b]!
    h[k] = acc[b + 1]!
    l[k] = acc[b + 2]!
    c[k] = acc[b + 3]!
    v[k] = acc[b + 4]!
    vw[k] = acc[b + 5]! / acc[b + 4]!
    trades[k] = acc[b + 6]!
    const off = s0[g]! + acc[b + 7]! * eN
    if (exactBounds && (Math.abs(off) + pN >= 2 ** 53 || !writeOffset(lw, k, bh, bl, off) || !writeOffset(uw, k, bh, bl, off + pN)))
      exactBounds = false
  }
  if (!exactBounds) {
    // bounds beyond exact doubles: 64-bit integer arithmetic, as fastWindows
    for (let k = 0; k < W; k++) {
      const w = order[k]!
      const lo = base + BigInt(s0[sG[w]!]!) + BigInt(acc[S * w + 7]!) * e
      lower[k] = lo
      upper[k] = lo + p
    }
  }
  const groupFirstRow = new Int32Array(G)
  for (let g = 0; g < G; g++) groupFirstRow[rank[g]!] = firstRows[g]!
  const EMPTY = new Int32Array(0)
  const f = (name: string, x: Float64Array): { readonly name: string; readonly column: Column } => ({ name, column: C.make(DT.Float64, W, x, null) })
  return {
    windows: { count: W, lower, upper, start: EMPTY, len, group, perm: EMPTY, groupFirstRow, overlapping: false, firstRowOf },
    columns: [
      f("open", o),
      f("high", h),
      f("low", l),
      f("close", c),
      f("volume", v),
      f("vwap", vw),
      { name: "trades", column: C.make(DT.UInt32, W, trades, null) }
    ]
  }
}
