/**
 * The streaming as-of merge (`streamAsof`) over 64-bit keys read in place: each key is the double
 * `hi · 2^32 + lo` of its two 32-bit words, exact because callers first check (`sortedWords`) that every valid key
 * lies within ±2^52, so keys and their differences are exact doubles. This spares converting both key columns to
 * Float64Array offsets (two allocations and passes of 8 bytes per row) when both sides are sorted, the usual layout
 * of trades and quotes. Same results as `streamAsof` on the converted keys.
 * @internal
 */
import type { MergeOptions } from "./asof.ts"

const TWO32 = 4294967296

/** The key at row i of a little-endian 64-bit column viewed as 32-bit words. */
const kv = (w: Int32Array, i: number): number => w[2 * i + 1]! * TWO32 + (w[2 * i]! >>> 0)

/** Words beyond ±2^20 in the high word: keys of 2^52 or more in magnitude. */
const HI = 1 << 20

/**
 * Whether the valid keys (viewed as words, `n` rows) ascend and all lie within ±2^52 (the high word in
 * [-2^20, 2^20)); one sequential pass without allocation.
 */
export const sortedWords = (w: Int32Array, n: number, valid: Uint8Array | null): boolean => {
  let prev = -Infinity
  if (valid === null) {
    // no validity test in the loop (V8 compiles the test-free loop several times faster)
    for (let i = 0; i < n; i++) {
      const hi = w[2 * i + 1]!
      if (hi >= HI || hi < -HI) return false
      const v = hi * TWO32 + (w[2 * i]! >>> 0)
      if (v < prev) return false
      prev = v
    }
    return true
  }
  for (let i = 0; i < n; i++) {
    if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) continue
    const hi = w[2 * i + 1]!
    if (hi >= HI || hi < -HI) return false
    const v = hi * TWO32 + (w[2 * i]! >>> 0)
    if (v < prev) return false
    prev = v
  }
  return true
}

/** Little-endian platforms only (the word order of BigInt64Array elements). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/**
 * As `streamAsof`, on keys given as 32-bit word views of Int64 / Timestamp / Duration columns (`lw.length = 2n`).
 * The tolerance is a number in key units.
 */
export const streamAsofWords = (
  lw: Int32Array,
  rw: Int32Array,
  lValid: Uint8Array | null,
  lg: Int32Array | null,
  rg: Int32Array | null,
  groups: number,
  options: MergeOptions
): Int32Array => {
  const n = lw.length >> 1
  const m = rw.length >> 1
  const tol = options.tolerance as number
  const checkTol = tol !== Infinity
  const exact = options.allowExactMatches
  const G = Math.max(groups, 1)
  const strategy = options.strategy
  const out = new Int32Array(n)
  if (strategy === "backward" && lValid === null && !checkTol) {
    // the common case (every left key valid, no tolerance): loops without per-row tests beyond the merge itself
    // (callers checked sortedness: these cannot fail)
    if (lg === null && rg === null) return backwardPlain(lw, rw, n, m, exact, out) ?? out
    if (lg !== null && rg !== null) return backwardBy(lw, rw, lg, rg, n, m, G, exact, out) ?? out
  }
  if (strategy === "backward" && lg === null && rg === null) {
    // no `by`: one merge, the match is the row before the first right key above x (at or above, strict)
    let j = 0
    for (let i = 0; i < n; i++) {
      if (lValid !== null && (lValid[i >> 3]! & (1 << (i & 7))) === 0) {
        out[i] = -1
        continue
      }
      const x = kv(lw, i)
      if (exact) while (j < m && kv(rw, j) <= x) j++
      else while (j < m && kv(rw, j) < x) j++
      const b = j - 1
      out[i] = b >= 0 && (!checkTol || x - kv(rw, b) <= tol) ? b : -1
    }
    return out
  }
  let back: Int32Array | null = null
  let fwd: Int32Array | null = null
  let fwdLast: Int32Array | null = null
  if (strategy !== "forward") {
    // backward writes its answer straight into `out` (the tolerance is applied below)
    back = strategy === "backward" ? out : new Int32Array(n)
    const last = new Int32Array(G).fill(-1)
    let j = 0
    for (let i = 0; i < n; i++) {
      const g = lg === null ? 0 : lg[i]!
      if (g < 0 || (lValid !== null && (lValid[i >> 3]! & (1 << (i & 7))) === 0)) {
        back[i] = -1
        continue
      }
      const x = kv(lw, i)
      if (exact) {
        while (j < m && kv(rw, j) <= x) {
          const h = rg === null ? 0 : rg[j]!
          if (h >= 0) last[h] = j
          j++
        }
      } else {
        while (j < m && kv(rw, j) < x) {
          const h = rg === null ? 0 : rg[j]!
          if (h >= 0) last[h] = j
          j++
        }
      }
      back[i] = last[g]!
    }
  }
  if (strategy !== "backward") {
    fwd = new Int32Array(n)
    const next = new Int32Array(G).fill(-1)
    const nextLast = strategy === "nearest" && options.tieBreak === "greater" ? new Int32Array(G).fill(-1) : null
    if (nextLast !== null) fwdLast = new Int32Array(n)
    // nearest with exact matches: an equal key is already the backward candidate, so forward looks strictly above
    const strict = !exact || strategy === "nearest"
    let j = m - 1
    for (let i = n - 1; i >= 0; i--) {
      const g = lg === null ? 0 : lg[i]!
      if (g < 0 || (lValid !== null && (lValid[i >> 3]! & (1 << (i & 7))) === 0)) {
        fwd[i] = -1
        continue
      }
      const x = kv(lw, i)
      while (j >= 0 && (strict ? kv(rw, j) > x : kv(rw, j) >= x)) {
        const h = rg === null ? 0 : rg[j]!
        if (h >= 0) {
          if (nextLast !== null) {
            const prev = next[h]!
            if (prev < 0 || kv(rw, prev) !== kv(rw, j)) nextLast[h] = j
          }
          next[h] = j
        }
        j--
      }
      fwd[i] = next[g]!
      if (fwdLast !== null) fwdLast[i] = nextLast![g]!
    }
  }
  if (strategy === "backward") {
    if (checkTol) {
      for (let i = 0; i < n; i++) {
        const b = out[i]!
        if (b >= 0 && kv(lw, i) - kv(rw, b) > tol) out[i] = -1
      }
    }
  } else if (strategy === "forward") {
    for (let i = 0; i < n; i++) {
      const f = fwd![i]!
      out[i] = f >= 0 && (!checkTol || kv(rw, f) - kv(lw, i) <= tol) ? f : -1
    }
  } else {
    const greater = options.tieBreak === "greater"
    for (let i = 0; i < n; i++) {
      const b = back![i]!
      const f = fwd![i]!
      const x = kv(lw, i)
      let pick: number
      let d: number
      if (b < 0 && f < 0) {
        out[i] = -1
        continue
      }
      if (b < 0) {
        pick = greater ? fwdLast![i]! : f
        d = kv(rw, f) - x
      } else if (f < 0) {
        pick = b
        d = x - kv(rw, b)
      } else {
        const db = x - kv(rw, b)
        const df = kv(rw, f) - x
        if (df < db || (df === db && greater)) {
          pick = greater ? fwdLast![i]! : f
          d = df
        } else {
          pick = b
          d = db
        }
      }
      out[i] = !checkTol || d <= tol ? pick : -1
    }
  }
  return out
}

/** Block length of the merges below: keys are converted to doubles a block at a time into small buffers. */
const B = 2048

/** Smallest and (exclusive) largest key the block-wise merges accept: keys and their differences are exact doubles. */
const MIN_KEY = -(2 ** 52)
const MAX_KEY = 2 ** 52

/** The unsigned low words of a 64-bit column's word view. */
const lowWords = (w: Int32Array): Uint32Array => new Uint32Array(w.buffer, w.byteOffset, w.length)

/**
 * Keys `[from, from + count)` of a word view (`w` signed, `wu` the same words unsigned) into `buf` as doubles, then
 * an Infinity sentinel at `buf[count]`, checking that they ascend from `prev` (MIN_KEY for the first block) and stay
 * below MAX_KEY: returns the last key, or NaN when they do not. One test per key: a key outside ±2^52 is computed
 * inexactly but monotonically (rounding preserves order), so a descent among such keys can only be missed where the
 * block's last key, at or above 2^52, or its first, below −2^52, fails anyway; keys between them are exact.
 * (The low words are read unsigned from `wu`: `>>> 0` on a word ≥ 2^31 deoptimized code compiled on small words.
 * `NaN`, not `Number.NaN`: with the property load V8 boxed the merge's doubles, ~8 bytes of garbage per row.)
 */
const fill = (w: Int32Array, wu: Uint32Array, from: number, count: number, buf: Float64Array, prev: number): number => {
  let p = prev
  for (let k = 0; k < count; k++) {
    const v = w[2 * (from + k) + 1]! * TWO32 + wu[2 * (from + k)]!
    if (v < p) return NaN
    buf[k] = v
    p = v
  }
  buf[count] = Infinity
  return p >= MAX_KEY ? NaN : p
}

/**
 * Backward matches (no left nulls, no tolerance) of two 64-bit key columns viewed as words, checking on the way
 * that each side ascends and fits ±2^52 (so no separate sortedness pass is needed): the matched right row per left
 * row (-1: none), or undefined when a check fails (callers then take the general path, which reports `NotSorted`).
 * `lg`/`rg`: shared by-group ids (-1: null by-key or a right group absent on the left), or null without `by`.
 */
export const backwardSorted = (
  lw: Int32Array,
  rw: Int32Array,
  lg: Int32Array | null,
  rg: Int32Array | null,
  groups: number,
  exact: boolean
): Int32Array | undefined => {
  const n = lw.length >> 1
  const m = rw.length >> 1
  const out = new Int32Array(n)
  if (lg === null || rg === null) return backwardPlain(lw, rw, n, m, exact, out)
  return backwardBy(lw, rw, lg, rg, n, m, Math.max(groups, 1), exact, out)
}

/** Whether keys `[from, m)` ascend from `prev` within ±2^52 (the right keys a merge did not need to read). */
const restAscends = (w: Int32Array, from: number, m: number, prev: number): boolean => {
  let p = prev
  for (let i = from; i < m; i++) {
    const hi = w[2 * i + 1]!
    const v = hi * TWO32 + (w[2 * i]! >>> 0)
    if (v < p || hi >= HI || hi < -HI) return false
    p = v
  }
  return true
}

/**
 * Backward, no `by`, every left key valid, no tolerance: the last right row with key ≤ x (< x when strict).
 * Both sides are converted a block at a time into cache-resident Float64 buffers (the right block ends with an
 * Infinity sentinel, so the inner loop has one test), which runs as fast as a merge over whole converted columns
 * without allocating them.
 */
const backwardPlain = (lw: Int32Array, rw: Int32Array, n: number, m: number, exact: boolean, out: Int32Array): Int32Array | undefined => {
  const lb = new Float64Array(B + 1)
  const rb = new Float64Array(B + 1)
  const lu = lowWords(lw)
  const ru = lowWords(rw)
  let r0 = 0
  let rN = Math.min(B, m)
  let rLast = fill(rw, ru, 0, rN, rb, MIN_KEY)
  let lLast = MIN_KEY
  if (Number.isNaN(rLast)) return undefined
  let jj = 0
  for (let i0 = 0; i0 < n; i0 += B) {
    const cnt = Math.min(B, n - i0)
    lLast = fill(lw, lu, i0, cnt, lb, lLast)
    if (Number.isNaN(lLast)) return undefined
    for (let a = 0; a < cnt; a++) {
      const x = lb[a]!
      while (true) {
        if (exact) while (rb[jj]! <= x) jj++
        else while (rb[jj]! < x) jj++
        // stopped inside the block, or at the sentinel after the last right key
        if (jj < rN || r0 + rN >= m) break
        r0 += rN
        rN = Math.min(B, m - r0)
        rLast = fill(rw, ru, r0, rN, rb, rLast)
        if (Number.isNaN(rLast)) return undefined
        jj = 0
      }
      out[i0 + a] = r0 + jj - 1
    }
  }
  return restAscends(rw, r0 + rN, m, rLast) ? out : undefined
}

/**
 * Backward by group, every left key valid, no tolerance: walking both sides in key order (blocks as in
 * `backwardPlain`), `last[g]` holds the latest right row of group g at or below (below, strict) the current left key.
 */
const backwardBy = (
  lw: Int32Array,
  rw: Int32Array,
  lg: Int32Array,
  rg: Int32Array,
  n: number,
  m: number,
  G: number,
  exact: boolean,
  out: Int32Array
): Int32Array | undefined => {
  // slot G absorbs right rows of groups absent on the left (rg = -1)
  const last = new Int32Array(G + 1).fill(-1)
  const lb = new Float64Array(B + 1)
  const rb = new Float64Array(B + 1)
  const lu = lowWords(lw)
  const ru = lowWords(rw)
  let r0 = 0
  let rN = Math.min(B, m)
  let rLast = fill(rw, ru, 0, rN, rb, MIN_KEY)
  let lLast = MIN_KEY
  if (Number.isNaN(rLast)) return undefined
  let jj = 0
  for (let i0 = 0; i0 < n; i0 += B) {
    const cnt = Math.min(B, n - i0)
    lLast = fill(lw, lu, i0, cnt, lb, lLast)
    if (Number.isNaN(lLast)) return undefined
    for (let a = 0; a < cnt; a++) {
      const x = lb[a]!
      while (true) {
        if (exact)
          while (rb[jj]! <= x) {
            const h = rg[r0 + jj]!
            last[h < 0 ? G : h] = r0 + jj
            jj++
          }
        else
          while (rb[jj]! < x) {
            const h = rg[r0 + jj]!
            last[h < 0 ? G : h] = r0 + jj
            jj++
          }
        if (jj < rN || r0 + rN >= m) break
        r0 += rN
        rN = Math.min(B, m - r0)
        rLast = fill(rw, ru, r0, rN, rb, rLast)
        if (Number.isNaN(rLast)) return undefined
        jj = 0
      }
      const g = lg[i0 + a]!
      out[i0 + a] = g < 0 ? -1 : last[g]!
    }
  }
  return restAscends(rw, r0 + rN, m, rLast) ? out : undefined
}

/** What `backwardPlainBlocks` hands each block to (a class: one method for every join, so V8 keeps its code). */
export interface BlockSink {
  block(i0: number, idx: Int32Array, cnt: number): void
}

/**
 * `backwardPlain` handing its matches to `sink.block` a block of left rows at a time (`block(i0, idx, cnt)`: rows
 * `[i0, i0 + cnt)` match right rows `idx[0 .. cnt)`, -1: none; `idx` is reused between blocks), so callers gather
 * output columns while the merge runs, without an index array of every row. Returns whether both sides ascended
 * and fit ±2^52 (when false, what was handed over is meaningless: callers take the general path). One function
 * with the whole merge, no closures and no module state: V8 compiles it without boxing any double (a per-block
 * helper with module-level state allocated ~8 bytes per row).
 */
export const backwardPlainBlocks = (lw: Int32Array, rw: Int32Array, exact: boolean, sink: BlockSink): boolean => {
  const n = lw.length >> 1
  const m = rw.length >> 1
  const lb = new Float64Array(B + 1)
  const rb = new Float64Array(B + 1)
  const lu = lowWords(lw)
  const ru = lowWords(rw)
  const idx = new Int32Array(B)
  let r0 = 0
  let rN = Math.min(B, m)
  let rLast = fill(rw, ru, 0, rN, rb, MIN_KEY)
  let lLast = MIN_KEY
  if (Number.isNaN(rLast)) return false
  let jj = 0
  for (let i0 = 0; i0 < n; i0 += B) {
    const cnt = Math.min(B, n - i0)
    lLast = fill(lw, lu, i0, cnt, lb, lLast)
    if (Number.isNaN(lLast)) return false
    for (let a = 0; a < cnt; a++) {
      const x = lb[a]!
      while (true) {
        if (exact) while (rb[jj]! <= x) jj++
        else while (rb[jj]! < x) jj++
        // stopped inside the block, or at the sentinel after the last right key
        if (jj < rN || r0 + rN >= m) break
        r0 += rN
        rN = Math.min(B, m - r0)
        rLast = fill(rw, ru, r0, rN, rb, rLast)
        if (Number.isNaN(rLast)) return false
        jj = 0
      }
      idx[a] = r0 + jj - 1
    }
    sink.block(i0, idx, cnt)
  }
  return restAscends(rw, r0 + rN, m, rLast)
}
