/**
 * Sorting kernels: stable sort permutations over one or more key columns, as Polars `sort` (NaN above every
 * number, -0 equal to 0, strings by UTF-8 bytes, Categorical by its strings, nulls first or last independently of
 * the direction).
 *
 * Every orderable column is turned into unsigned order keys (`orderKeys`): one or two 32-bit words per row whose
 * unsigned lexicographic order is the value order (sign-flipped integers, IEEE-754 bits made monotone for floats,
 * dense ranks for strings, categoricals and decimals). A least-significant-digit radix sort (11-bit digits, digits
 * that are constant skipped) then sorts row indices by those words in O(n) per digit; LSD radix sorting is stable.
 * Several keys are sorted from the last key to the first, each pass stable, as a multi-pass LSD sort.
 * @internal
 */
import type { Column } from "../column.ts"
import * as C from "../column.ts"
import { keyIds } from "./hash.ts"

/**
 * Order keys of `n` rows: `(hi[i], lo[i])` compared as unsigned 32-bit words (hi first; `hi` null means one word)
 * order the valid values ascending; equal values have equal keys. Null rows have unspecified keys.
 * Undefined for List and Struct (every key 0).
 */
export interface OrderKeys {
  readonly hi: Uint32Array | null
  readonly lo: Uint32Array
}

const SIGN = 0x80000000

const f64 = new Float64Array(1)
const f64w = new Uint32Array(f64.buffer)

/** Byte-wise comparison of two Utf8 slices. */
export const compareBytes = (a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number => {
  const la = ae - as
  const lb = be - bs
  const m = Math.min(la, lb)
  for (let k = 0; k < m; k++) {
    const d = a[as + k]! - b[bs + k]!
    if (d !== 0) return d
  }
  return la - lb
}

/** Dense ranks (ascending) of the distinct values of a column, by a comparator of representative rows. */
const rankByDistinct = (col: Column, n: number, cmpRows: (a: number, b: number) => number): Uint32Array => {
  const groups = keyIds(col, n)
  const order = new Int32Array(groups.count)
  for (let g = 0; g < groups.count; g++) order[g] = g
  const first = groups.firstRow
  order.sort((x, y) => cmpRows(first[x]!, first[y]!))
  const rank = new Uint32Array(groups.count)
  let r = 0
  for (let k = 0; k < order.length; k++) {
    if (k > 0 && cmpRows(first[order[k - 1]!]!, first[order[k]!]!) !== 0) r++
    rank[order[k]!] = r
  }
  const lo = new Uint32Array(n)
  const ids = groups.ids
  for (let i = 0; i < n; i++) lo[i] = rank[ids[i]!]!
  return lo
}

/** Dense lexical ranks of a Utf8 column's values (for sorting and min/max of strings). */
const utf8Ranks = (col: Column, n: number): Uint32Array => {
  const b = col.values as Uint8Array
  const o = col.offsets!
  return rankByDistinct(col, n, (x, y) => compareBytes(b, o[x]!, o[x + 1]!, b, o[y]!, o[y + 1]!))
}

/** Order keys of a column (see `OrderKeys`). */
export const orderKeys = (col: Column, n: number = col.length): OrderKeys => {
  const t = col.dtype
  switch (t._tag) {
    case "Boolean": {
      const bits = col.values as Uint8Array
      const lo = new Uint32Array(n)
      for (let i = 0; i < n; i++) lo[i] = (bits[i >> 3]! >> (i & 7)) & 1
      return { hi: null, lo }
    }
    case "Int8":
    case "Int16":
    case "Int32":
    case "Date": {
      const v = col.values as Int8Array | Int16Array | Int32Array
      const lo = new Uint32Array(n)
      for (let i = 0; i < n; i++) lo[i] = (v[i]! ^ SIGN) >>> 0
      return { hi: null, lo }
    }
    case "UInt8":
    case "UInt16":
    case "UInt32": {
      const v = col.values as Uint8Array | Uint16Array | Uint32Array
      const lo = new Uint32Array(n)
      for (let i = 0; i < n; i++) lo[i] = v[i]!
      return { hi: null, lo }
    }
    case "Float32":
    case "Float64": {
      const v = col.values as Float32Array | Float64Array
      const lo = new Uint32Array(n)
      const hi = new Uint32Array(n)
      for (let i = 0; i < n; i++) {
        let x = v[i]!
        if (Number.isNaN(x)) x = Number.NaN
        else if (x === 0) x = 0
        f64[0] = x
        const h = f64w[1]!
        if (h & SIGN) {
          hi[i] = ~h >>> 0
          lo[i] = ~f64w[0]! >>> 0
        } else {
          hi[i] = (h | SIGN) >>> 0
          lo[i] = f64w[0]!
        }
      }
      return { hi, lo }
    }
    case "Int64":
    case "Timestamp":
    case "Duration":
    case "UInt64": {
      const w = new Uint32Array(col.values.buffer, col.values.byteOffset, 2 * n)
      const lo = new Uint32Array(n)
      const hi = new Uint32Array(n)
      const flip = t._tag === "UInt64" ? 0 : SIGN
      for (let i = 0; i < n; i++) {
        lo[i] = w[2 * i]!
        hi[i] = (w[2 * i + 1]! ^ flip) >>> 0
      }
      return { hi, lo }
    }
    case "Utf8":
      return { hi: null, lo: utf8Ranks(col, n) }
    case "Categorical": {
      const dict = col.dictionary!
      const dictRank = utf8Ranks(dict, dict.length)
      const codes = col.values as Int32Array
      const lo = new Uint32Array(n)
      for (let i = 0; i < n; i++) lo[i] = dictRank[codes[i]!] ?? 0
      return { hi: null, lo }
    }
    case "Decimal": {
      const v = col.values as BigInt64Array
      return {
        hi: null,
        lo: rankByDistinct(col, n, (x, y) => {
          const a = C.decimalAt(v, x)
          const b = C.decimalAt(v, y)
          return a < b ? -1 : a > b ? 1 : 0
        })
      }
    }
    default:
      return { hi: null, lo: new Uint32Array(n) }
  }
}

/**
 * Stable LSD radix sort of `perm` by the keys `(hi[j], lo[j])` (aligned with `perm`, not indexed by it). Returns
 * the sorted permutation (may be `perm` itself when already sorted).
 */
const radixSort = (perm: Int32Array, lo: Uint32Array, hi: Uint32Array | null): Int32Array => {
  const n = perm.length
  if (n < 2) return perm
  // Already sorted? (common for time-ordered data)
  let sorted = true
  if (hi === null) {
    for (let j = 1; j < n; j++) {
      if (lo[j]! < lo[j - 1]!) {
        sorted = false
        break
      }
    }
  } else {
    for (let j = 1; j < n; j++) {
      const a = hi[j - 1]!
      const b = hi[j]!
      if (b < a || (b === a && lo[j]! < lo[j - 1]!)) {
        sorted = false
        break
      }
    }
  }
  if (sorted) return perm
  const B = n >= 1 << 14 ? 11 : 8
  const R = 1 << B
  const M = R - 1
  const dpw = Math.ceil(32 / B)
  const nWords = hi === null ? 1 : 2
  const hist = new Int32Array(nWords * dpw * R)
  for (let w = 0; w < nWords; w++) {
    const src = w === 0 ? lo : hi!
    const base = w * dpw * R
    for (let j = 0; j < n; j++) {
      const x = src[j]!
      for (let d = 0; d < dpw; d++) hist[base + d * R + ((x >>> (d * B)) & M)]!++
    }
  }
  let p: Int32Array = perm
  let l: Uint32Array = lo
  let h: Uint32Array | null = hi
  let p2: Int32Array = new Int32Array(n)
  let l2: Uint32Array = new Uint32Array(n)
  let h2: Uint32Array | null = hi === null ? null : new Uint32Array(n)
  const pos = new Int32Array(R)
  for (let w = 0; w < nWords; w++) {
    for (let d = 0; d < dpw; d++) {
      const hb = (w * dpw + d) * R
      let trivial = false
      for (let r = 0; r < R; r++) {
        const c = hist[hb + r]!
        if (c === n) trivial = true
        if (c !== 0) break
      }
      if (trivial) continue
      let sum = 0
      for (let r = 0; r < R; r++) {
        pos[r] = sum
        sum += hist[hb + r]!
      }
      const shift = d * B
      const key = w === 0 ? l : h!
      if (h === null) {
        for (let j = 0; j < n; j++) {
          const x = l[j]!
          const k = pos[(x >>> shift) & M]!++
          p2[k] = p[j]!
          l2[k] = x
        }
      } else {
        const hh = h
        const hh2 = h2!
        for (let j = 0; j < n; j++) {
          const k = pos[(key[j]! >>> shift) & M]!++
          p2[k] = p[j]!
          l2[k] = l[j]!
          hh2[k] = hh[j]!
        }
      }
      const tp = p
      p = p2
      p2 = tp === perm ? new Int32Array(n) : tp
      const tl = l
      l = l2
      l2 = tl === lo ? new Uint32Array(n) : tl
      if (h !== null) {
        const th = h
        h = h2
        h2 = th === hi ? new Uint32Array(n) : th
      }
    }
  }
  return p
}

/**
 * Stably reorders `perm` by one key column: rows compare by `col[perm[j]]`; `descending` reverses the value order
 * (ties keep their relative order); nulls go before or after all values.
 */
export const sortPermByColumn = (
  perm: Int32Array,
  col: Column,
  descending: boolean,
  nullsLast: boolean,
  keys: OrderKeys = orderKeys(col)
): Int32Array => {
  const n = perm.length
  const validity = col.nullCount === 0 ? null : col.validity
  let nValid = n
  if (validity !== null) {
    nValid = 0
    for (let j = 0; j < n; j++) {
      const i = perm[j]!
      if ((validity[i >> 3]! & (1 << (i & 7))) !== 0) nValid++
    }
  }
  const vperm = nValid === n ? new Int32Array(perm) : new Int32Array(nValid)
  const nulls = new Int32Array(n - nValid)
  if (nValid !== n) {
    let a = 0
    let b = 0
    for (let j = 0; j < n; j++) {
      const i = perm[j]!
      if ((validity![i >> 3]! & (1 << (i & 7))) !== 0) vperm[a++] = i
      else nulls[b++] = i
    }
  }
  const flip = descending ? 0xffffffff : 0
  const lo = new Uint32Array(nValid)
  const hi = keys.hi === null ? null : new Uint32Array(nValid)
  const klo = keys.lo
  for (let j = 0; j < nValid; j++) lo[j] = (klo[vperm[j]!]! ^ flip) >>> 0
  if (hi !== null) {
    const khi = keys.hi!
    for (let j = 0; j < nValid; j++) hi[j] = (khi[vperm[j]!]! ^ flip) >>> 0
  }
  const sortedValid = radixSort(vperm, lo, hi)
  if (nulls.length === 0) return sortedValid
  const out = new Int32Array(n)
  if (nullsLast) {
    out.set(sortedValid, 0)
    out.set(nulls, nValid)
  } else {
    out.set(nulls, 0)
    out.set(sortedValid, n - nValid)
  }
  return out
}

/**
 * A stable sort permutation of the rows of `keys` (all the same length): `out[k]` is the row that goes to
 * position k. Keys compare in order (the first decides, later keys break ties); `descending[k]` and `nullsLast[k]`
 * per key (missing entries: ascending, nulls first). Semantics as Polars `sort` with `maintain_order=True`.
 * List and Struct keys are not orderable (callers reject them); they leave the order unchanged.
 */
export const sortIndices = (
  keys: ReadonlyArray<Column>,
  descending: ReadonlyArray<boolean>,
  nullsLast: ReadonlyArray<boolean>
): Int32Array => {
  const n = keys[0]?.length ?? 0
  let perm: Int32Array = new Int32Array(n)
  for (let i = 0; i < n; i++) perm[i] = i
  for (let k = keys.length - 1; k >= 0; k--) {
    const col = keys[k]!
    if (col.dtype._tag === "List" || col.dtype._tag === "Struct" || col.dtype._tag === "Null") continue
    perm = sortPermByColumn(perm, col, descending[k] ?? false, nullsLast[k] ?? false)
  }
  return perm
}
