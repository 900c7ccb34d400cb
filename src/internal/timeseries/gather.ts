/**
 * Gathers for as-of join outputs. Utf8 columns skip the general `take`'s per-row source-start array (output offsets
 * in one pass, then the bytes copied reading each source start again from the offsets, which an as-of join's
 * near-monotone indices keep in cache); other dtypes go through `C.takeInt32`. Index -1 gives null.
 * @internal
 */
import type { Column } from "../column.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"

const takeUtf8 = (col: Column, idx: Int32Array, hasNeg: boolean, negValidity: Uint8Array | undefined): Column => {
  const n = idx.length
  const o = col.offsets!
  const b = col.values as Uint8Array
  const offsets = new Int32Array(n + 1)
  let total = 0
  if (hasNeg)
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      if (j >= 0) total += o[j + 1]! - o[j]!
      offsets[k + 1] = total
    }
  else
    for (let k = 0; k < n; k++) {
      const j = idx[k]!
      total += o[j + 1]! - o[j]!
      offsets[k + 1] = total
    }
  // short strings are copied 8 bytes at a time, overshooting into the next string's place (written next) or the 8
  // bytes of padding; sources too near the end of `b` go byte by byte
  const buf = new Uint8Array(total + 8)
  const dv = new DataView(buf.buffer)
  const sv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const lim = b.length - 8
  let dst = 0
  for (let k = 0; k < n; k++) {
    const end = offsets[k + 1]!
    const len = end - dst
    if (len === 0) continue
    const s = o[idx[k]!]!
    if (len >= 32) buf.set(b.subarray(s, s + len), dst)
    else if (s <= lim - len)
      for (let q = 0; q < len; q += 8) {
        dv.setUint32(dst + q, sv.getUint32(s + q, true), true)
        dv.setUint32(dst + q + 4, sv.getUint32(s + q + 4, true), true)
      }
    else for (let q = 0; q < len; q++) buf[dst + q] = b[s + q]!
    dst = end
  }
  const src = col.nullCount === 0 ? null : col.validity
  const validity = src !== null ? C.takeValidity(src, idx) : hasNeg ? (negValidity ?? C.takeValidity(null, idx)) : null
  return C.make(col.dtype, n, buf.subarray(0, total), validity, { offsets })
}

/**
 * `take` for as-of join outputs: `out[k] = col[idx[k]]`, null where `idx[k] < 0`. `hasNeg` says whether any index
 * is negative; `negValidity`, when given, is `takeValidity(null, idx)`, shared by the columns without nulls.
 */
export const gather = (col: Column, idx: Int32Array, hasNeg: boolean, negValidity: Uint8Array | undefined): Column =>
  col.dtype._tag === "Utf8" && col.offsets !== undefined ? takeUtf8(col, idx, hasNeg, negValidity) : C.takeInt32(col, idx, hasNeg, negValidity)

// ---------------------------------------------------------------------------------------------------------------
// Block gathers: output columns filled a block of left rows at a time while the merge runs (no index array)
// ---------------------------------------------------------------------------------------------------------------

/**
 * An output column being filled block by block: `block(i0, idx, cnt)` writes rows `[i0, i0 + cnt)` from source rows
 * `idx[0 .. cnt)` (-1: null); `finish(negValidity)` returns the column, `negValidity` being the validity of the
 * unmatched rows (null: every row matched), shared by the columns whose source has no nulls.
 */
export interface BlockGather {
  readonly block: (i0: number, idx: Int32Array, cnt: number) => void
  readonly finish: (negValidity: Uint8Array | null) => Column
}

const blockF64 = (src: Float64Array, idx: Int32Array, cnt: number, out: Float64Array, i0: number): void => {
  for (let k = 0; k < cnt; k++) {
    const j = idx[k]!
    out[i0 + k] = j >= 0 ? src[j]! : 0
  }
}
const blockB64 = (src: BigInt64Array, idx: Int32Array, cnt: number, out: BigInt64Array, i0: number): void => {
  for (let k = 0; k < cnt; k++) {
    const j = idx[k]!
    if (j >= 0) out[i0 + k] = src[j]!
  }
}
const block32 = (src: Int32Array, idx: Int32Array, cnt: number, out: Int32Array, i0: number): void => {
  for (let k = 0; k < cnt; k++) {
    const j = idx[k]!
    out[i0 + k] = j >= 0 ? src[j]! : 0
  }
}
const block16 = (src: Uint16Array, idx: Int32Array, cnt: number, out: Uint16Array, i0: number): void => {
  for (let k = 0; k < cnt; k++) {
    const j = idx[k]!
    out[i0 + k] = j >= 0 ? src[j]! : 0
  }
}
const block8 = (src: Uint8Array, idx: Int32Array, cnt: number, out: Uint8Array, i0: number): void => {
  for (let k = 0; k < cnt; k++) {
    const j = idx[k]!
    out[i0 + k] = j >= 0 ? src[j]! : 0
  }
}

/** Validity bits of rows `[i0, i0 + cnt)`: set where the source row is matched and valid in `src`. */
const blockValidity = (src: Uint8Array, idx: Int32Array, cnt: number, out: Uint8Array, i0: number): void => {
  for (let k = 0; k < cnt; k++) {
    const j = idx[k]!
    if (j >= 0 && (src[j >> 3]! & (1 << (j & 7))) !== 0) out[(i0 + k) >> 3]! |= 1 << ((i0 + k) & 7)
  }
}

/**
 * Utf8 rows of a block in one pass: each matched string is copied (short ones 8 bytes at a time, overshooting into
 * the next string's place or the 8 bytes of slack, as `takeUtf8` above) and its end offset written. The byte
 * buffer grows before a block that could overflow it (`cnt` × the longest source string); it starts at the expected
 * size (the source's mean length times the output rows, plus a margin), and pages never written are never touched.
 * When every source string has one length (symbols, codes), sources are found by arithmetic, not offsets.
 */
const utf8Gather = (col: Column, n: number, validBits: Uint8Array | null): BlockGather => {
  const o = col.offsets!
  const b = col.values as Uint8Array
  const m = col.length
  const offsets = new Int32Array(n + 1)
  const o0 = m === 0 ? 0 : o[0]!
  let maxLen = 0
  let minLen = m === 0 ? 0 : 2147483647
  for (let j = 0; j < m; j++) {
    const len = o[j + 1]! - o[j]!
    if (len > maxLen) maxLen = len
    if (len < minLen) minLen = len
  }
  const fixed = maxLen === minLen && maxLen <= 8 ? maxLen : -1
  const mean = m === 0 ? 0 : (o[m]! - o0) / m
  let buf = new Uint8Array(Math.ceil(mean * n * 1.0625) + 64)
  let dv = new DataView(buf.buffer)
  const sv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const lim = b.length - 8
  let total = 0
  return {
    block: (i0, idx, cnt) => {
      const need = total + cnt * maxLen + 8
      if (need > buf.length) {
        const bigger = new Uint8Array(Math.max(2 * buf.length, need + (need >> 2)))
        bigger.set(buf.subarray(0, total))
        buf = bigger
        dv = new DataView(buf.buffer)
      }
      let dst = total
      if (fixed > 0) {
        for (let k = 0; k < cnt; k++) {
          const j = idx[k]!
          if (j >= 0) {
            const src = o0 + j * fixed
            if (src <= lim) {
              dv.setUint32(dst, sv.getUint32(src, true), true)
              dv.setUint32(dst + 4, sv.getUint32(src + 4, true), true)
            } else for (let q = 0; q < fixed; q++) buf[dst + q] = b[src + q]!
            dst += fixed
          }
          offsets[i0 + k + 1] = dst
        }
      } else {
        for (let k = 0; k < cnt; k++) {
          const j = idx[k]!
          if (j >= 0) {
            const src = o[j]!
            const len = o[j + 1]! - src
            if (len >= 32) buf.set(b.subarray(src, src + len), dst)
            else if (src <= lim - len)
              for (let q = 0; q < len; q += 8) {
                dv.setUint32(dst + q, sv.getUint32(src + q, true), true)
                dv.setUint32(dst + q + 4, sv.getUint32(src + q + 4, true), true)
              }
            else for (let q = 0; q < len; q++) buf[dst + q] = b[src + q]!
            dst += len
          }
          offsets[i0 + k + 1] = dst
        }
      }
      total = dst
      if (validBits !== null) blockValidity(col.validity!, idx, cnt, validBits, i0)
    },
    finish: (negValidity) => C.make(col.dtype, n, buf.subarray(0, total), validBits ?? negValidity, { offsets })
  }
}

/** Fixed-width dtypes with one values element per row. */
const FIXED: ReadonlySet<string> = new Set([
  "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64",
  "Date", "Timestamp", "Duration", "Categorical"
])

/**
 * A block gatherer for an output column of `n` rows taken from `col`, or undefined for dtypes without one
 * (Boolean, Decimal, List, Struct, Null, Binary, …): the caller then gathers with an index array.
 */
export const blockGatherer = (col: Column, n: number): BlockGather | undefined => {
  const t = col.dtype
  if (col.children !== undefined && col.children.length > 0) return undefined
  const validBits = col.nullCount === 0 || col.validity === null ? null : new Uint8Array((n + 7) >> 3)
  if (t._tag === "Utf8") return col.offsets === undefined ? undefined : utf8Gather(col, n, validBits)
  if (col.offsets !== undefined) return undefined
  if (!FIXED.has(t._tag)) return undefined
  const v = col.values
  const out = C.allocValues(t, n)
  if (out.length !== n || out.BYTES_PER_ELEMENT !== v.BYTES_PER_ELEMENT) return undefined
  const extra = col.dictionary !== undefined ? { dictionary: col.dictionary } : undefined
  let fill: (i0: number, idx: Int32Array, cnt: number) => void
  if (v instanceof Float64Array && out instanceof Float64Array) fill = (i0, idx, cnt) => blockF64(v, idx, cnt, out, i0)
  else if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const s = new BigInt64Array(v.buffer, v.byteOffset, v.length)
    const d = new BigInt64Array(out.buffer, out.byteOffset, n)
    fill = (i0, idx, cnt) => blockB64(s, idx, cnt, d, i0)
  } else if (v.BYTES_PER_ELEMENT === 4) {
    const s = new Int32Array(v.buffer, v.byteOffset, v.length)
    const d = new Int32Array(out.buffer, out.byteOffset, n)
    fill = (i0, idx, cnt) => block32(s, idx, cnt, d, i0)
  } else if (v.BYTES_PER_ELEMENT === 2) {
    const s = new Uint16Array(v.buffer, v.byteOffset, v.length)
    const d = new Uint16Array(out.buffer, out.byteOffset, n)
    fill = (i0, idx, cnt) => block16(s, idx, cnt, d, i0)
  } else if (v.BYTES_PER_ELEMENT === 1) {
    const s = new Uint8Array(v.buffer, v.byteOffset, v.length)
    const d = new Uint8Array(out.buffer, out.byteOffset, n)
    fill = (i0, idx, cnt) => block8(s, idx, cnt, d, i0)
  } else return undefined
  return {
    block: (i0, idx, cnt) => {
      fill(i0, idx, cnt)
      if (validBits !== null) blockValidity(col.validity!, idx, cnt, validBits, i0)
    },
    finish: (negValidity) => C.make(t, n, out, validBits ?? negValidity, extra)
  }
}

/**
 * The block sink of a fused as-of join: per block, clears the validity bits of unmatched rows in `neg` (allocated at
 * the first one; matches never decrease when the left keys ascend, so a block holds unmatched rows only if its first
 * row is one), then fills every output column. A class, so the merge calls one method identity for every join.
 */
export class GatherSink {
  readonly gs: ReadonlyArray<BlockGather>
  readonly n: number
  neg: Uint8Array | null = null
  constructor(gs: ReadonlyArray<BlockGather>, n: number) {
    this.gs = gs
    this.n = n
  }
  block(i0: number, idx: Int32Array, cnt: number): void {
    if (cnt > 0 && idx[0]! < 0) {
      if (this.neg === null) this.neg = Bits.allSet(this.n)
      const neg = this.neg
      for (let k = 0; k < cnt; k++) if (idx[k]! < 0) neg[(i0 + k) >> 3]! &= ~(1 << ((i0 + k) & 7))
    }
    const gs = this.gs
    for (let c = 0; c < gs.length; c++) gs[c]!.block(i0, idx, cnt)
  }
}
