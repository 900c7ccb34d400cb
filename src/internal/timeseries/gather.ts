/**
 * Gathers for as-of join outputs. Utf8 columns skip the general `take`'s per-row source-start array (output offsets
 * in one pass, then the bytes copied reading each source start again from the offsets, which an as-of join's
 * near-monotone indices keep in cache); other dtypes go through `C.takeInt32`. Index -1 gives null.
 * @internal
 */
import type { Column } from "../column.ts"
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
