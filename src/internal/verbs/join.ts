/**
 * Hash joins, as Polars `join`, and the typed-array hash table they share with `pivot`.
 *
 * Key columns are first encoded into a form where equal values have equal bits: fixed-width words (Int32Array views
 * or normalized copies: ints of mixed widths as 64-bit two's complement words, floats as normalized Float64 bits with
 * -0 → 0 and one NaN). Utf8 and Categorical keys become dense Int32 codes of one byte-hash interner shared by both
 * sides (a Categorical's dictionary is interned once and its rows mapped by code), so categoricals with different
 * dictionaries compare by string. A single one-word key (the common case) is matched without hashing rows when its
 * build range is small (a direct `head[key - min]` array) and through an open-addressing table of `[key, head]`
 * pairs otherwise; other keys hash whole rows (murmur3-style mixing) into a table whose slots hold the first row of
 * each distinct key. Build rows with equal keys are chained in row order (`next`); with distinct build keys (the
 * usual case) the chains are skipped and every output size is known before the index arrays are filled. Output
 * columns are gathered with `C.takeInt32` (no scan for -1 indices; the left side is reused as is when a left join
 * keeps every row once). No per-row objects.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import { ColumnNotFound, DuplicateColumn, InvalidArgument, TypeMismatch } from "../../Frame/Errors.ts"
import type { JoinOptions } from "../../Frame/Frame.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"

// ---------------------------------------------------------------------------------------------------------------
// key encoding
// ---------------------------------------------------------------------------------------------------------------

/**
 * One key column in comparable form: `words`, `width` Int32 words per row (width 0 for Null columns). `validity` is
 * the column's (null = all valid).
 */
export interface EncodedKey {
  readonly width: number
  readonly words: Int32Array
  readonly validity: Uint8Array | null
  /** Rows that can never match (e.g. UInt64 values ≥ 2^63 against a signed key), or null. */
  readonly never: Uint8Array | null
}

const wordsKey = (width: number, words: Int32Array, validity: Uint8Array | null, never: Uint8Array | null = null): EncodedKey => ({
  width,
  words,
  validity,
  never
})

const EMPTY_I32 = new Int32Array(0)
const EMPTY_U8 = new Uint8Array(0)

/** An Int32 view over the buffer of a 4- or 8-byte typed array (zero-copy). */
const view32 = (values: C.Values, n: number, width: number): Int32Array =>
  new Int32Array(values.buffer, values.byteOffset, n * width)

/**
 * The values of a numeric (or Boolean, Decimal) column as Float64 (nulls keep their slot, validity unchanged). A
 * Float64 column gives its own buffer (not a copy); every other dtype a new array.
 */
export const toFloat64 = (col: Column): Float64Array => {
  const n = col.length
  const t = col.dtype
  if (t._tag === "Float64") return col.values as Float64Array
  const out = new Float64Array(n)
  if (t._tag === "Boolean") {
    const v = col.values as Uint8Array
    for (let i = 0; i < n; i++) out[i] = (v[i >> 3]! >> (i & 7)) & 1
  } else if (t._tag === "Decimal") {
    const v = col.values as BigInt64Array
    const scale = 10 ** t.scale
    for (let i = 0; i < n; i++) out[i] = Number(C.decimalAt(v, i)) / scale
  } else if (DT.isBigInt(t)) {
    const v = col.values as BigInt64Array | BigUint64Array
    for (let i = 0; i < n; i++) out[i] = Number(v[i]!)
  } else if (t._tag !== "Null") out.set(col.values as C.NumericArray)
  return out
}

/**
 * Normalized Float64 bits (2 words per row) of a numeric column, in a new buffer: -0 → 0, every NaN → the canonical
 * NaN (only floats can hold them).
 */
const f64Words = (col: Column): Int32Array => {
  if (!DT.isFloat(col.dtype)) return new Int32Array(toFloat64(col).buffer)
  const n = col.length
  const out = new Float64Array(n)
  const v = col.values as C.NumericArray
  for (let i = 0; i < n; i++) {
    const x = v[i]!
    out[i] = x === 0 ? 0 : Number.isNaN(x) ? Number.NaN : x
  }
  return new Int32Array(out.buffer)
}

/** Integers of any width as 64-bit two's complement words (lo, hi). */
const i64Words = (col: Column): Int32Array => {
  const n = col.length
  const t = col.dtype
  if (t._tag === "Int64" || t._tag === "UInt64") return view32(col.values, n, 2)
  const out = new Int32Array(2 * n)
  const v = col.values as C.NumericArray
  const unsigned = !DT.isSigned(t)
  for (let i = 0; i < n; i++) {
    const x = v[i]!
    out[2 * i] = x | 0
    out[2 * i + 1] = unsigned || x >= 0 ? 0 : -1
  }
  return out
}

/** Rows of a UInt64 column whose value is ≥ 2^63 (they cannot equal a value of a signed or narrower type). */
const bigUnsigned = (col: Column): Uint8Array | null => {
  const v = col.values as BigUint64Array
  let out: Uint8Array | null = null
  const top = 1n << 63n
  for (let i = 0; i < col.length; i++) {
    if (v[i]! >= top) {
      if (out === null) out = new Uint8Array(col.length)
      out[i] = 1
    }
  }
  return out
}

/**
 * Interning of UTF-8 byte strings into dense codes (0, 1, … in order of first insertion): an open-addressing table
 * of `[code, hash]` slot pairs, each distinct string copied once into a compact arena so that comparisons read
 * memory that stays in cache. Shared by both sides of a join, so equal strings get equal codes on both sides.
 */
interface Interner {
  slots: Int32Array
  mask: number
  arena: Uint8Array
  used: number
  starts: Int32Array
  lens: Int32Array
  count: number
}

const newInterner = (expected: number): Interner => {
  let cap = 1024
  while (cap < 2 * expected) cap *= 2
  return {
    slots: new Int32Array(2 * cap).fill(-1),
    mask: cap - 1,
    arena: new Uint8Array(1024),
    used: 0,
    starts: new Int32Array(256),
    lens: new Int32Array(256),
    count: 0
  }
}

const growInterner = (t: Interner): void => {
  const cap = 2 * (t.mask + 1)
  const mask = cap - 1
  const slots = new Int32Array(2 * cap).fill(-1)
  const old = t.slots
  for (let s = 0; s < old.length; s += 2) {
    const g = old[s]!
    if (g < 0) continue
    const h = old[s + 1]!
    let q = h & mask
    while (slots[2 * q] !== -1) q = (q + 1) & mask
    slots[2 * q] = g
    slots[2 * q + 1] = h
  }
  t.slots = slots
  t.mask = mask
}

/**
 * Codes of the strings `bytes[starts[i], ends[i])` for `i < n` (rows invalid in `validity` get 0 and stay null
 * through the validity), interning strings not seen yet.
 */
const internRows = (
  t: Interner,
  bytes: Uint8Array,
  starts: Int32Array,
  ends: Int32Array,
  validity: Uint8Array | null,
  n: number
): Int32Array => {
  const out = new Int32Array(n)
  let slots = t.slots
  let mask = t.mask
  let arena = t.arena
  let used = t.used
  let gStarts = t.starts
  let gLens = t.lens
  let count = t.count
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
    const start = starts[i]!
    const end = ends[i]!
    const len = end - start
    let h = 0x811c9dc5 ^ len
    for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193)
    h = fmix(h)
    let s = h & mask
    let g: number
    for (;;) {
      g = slots[2 * s]!
      if (g === -1) break
      if (slots[2 * s + 1] === h && gLens[g] === len) {
        const d = gStarts[g]! - start
        let k = start
        while (k < end && arena[d + k] === bytes[k]) k++
        if (k === end) break
      }
      s = (s + 1) & mask
    }
    if (g === -1) {
      g = count++
      if (count > gStarts.length) {
        const a = new Int32Array(2 * gStarts.length)
        a.set(gStarts)
        gStarts = a
        const b = new Int32Array(2 * gLens.length)
        b.set(gLens)
        gLens = b
      }
      if (used + len > arena.length) {
        const bigger = new Uint8Array(Math.max(2 * arena.length, used + len))
        bigger.set(arena.subarray(0, used))
        arena = bigger
      }
      for (let k = 0; k < len; k++) arena[used + k] = bytes[start + k]!
      gStarts[g] = used
      gLens[g] = len
      used += len
      slots[2 * s] = g
      slots[2 * s + 1] = h
      if (2 * count > mask) {
        t.slots = slots
        t.mask = mask
        growInterner(t)
        slots = t.slots
        mask = t.mask
      }
    }
    out[i] = g
  }
  t.slots = slots
  t.mask = mask
  t.arena = arena
  t.used = used
  t.starts = gStarts
  t.lens = gLens
  t.count = count
  return out
}

const EMPTY_STRING_OFFSETS = new Int32Array(2)

/**
 * A Utf8 or Categorical column as Int32 codes of the interner (equal strings, equal codes). A Categorical column's
 * dictionary is interned once and its rows mapped by code (a code outside the dictionary reads as "").
 */
const stringCodes = (t: Interner, col: Column): Int32Array => {
  const n = col.length
  if (col.dtype._tag === "Utf8") {
    const o = col.offsets!
    return internRows(t, col.values as Uint8Array, o, o.subarray(1), col.validity, n)
  }
  const dict = col.dictionary!
  const dOff = dict.offsets!
  const dn = dict.length
  const map = internRows(t, dict.values as Uint8Array, dOff, dOff.subarray(1), null, dn)
  const codes = col.values as Int32Array
  const out = new Int32Array(n)
  let empty = -1
  for (let i = 0; i < n; i++) {
    const c = codes[i]!
    if (c >= 0 && c < dn) out[i] = map[c]!
    else {
      if (empty < 0) empty = internRows(t, EMPTY_U8, EMPTY_STRING_OFFSETS, EMPTY_STRING_OFFSETS.subarray(1), null, 1)[0]!
      out[i] = empty
    }
  }
  return out
}

/** Utf8/Categorical keys of both sides as codes of one interner (one width-1 word per row). */
const stringPair = (l: Column, r: Column): readonly [EncodedKey, EncodedKey] => {
  const t = newInterner(Math.min(l.length + r.length, 1 << 16))
  const lc = stringCodes(t, l)
  const rc = l === r ? lc : stringCodes(t, r)
  return [wordsKey(1, lc, l.validity), wordsKey(1, rc, r.validity)]
}

const boolWords = (col: Column): Int32Array => {
  const out = new Int32Array(col.length)
  const v = col.values as Uint8Array
  for (let i = 0; i < col.length; i++) out[i] = (v[i >> 3]! >> (i & 7)) & 1
  return out
}

/** A column encoded against itself (for grouping): every dtype except List and Struct. */
export const encodeSelf = (col: Column): EncodedKey | undefined => {
  const pair = encodePair(col, col)
  return typeof pair === "string" ? undefined : pair[0]
}

/**
 * Encodes a left and a right key column into a common comparable form, or returns what the right column's dtype
 * should have been. Numeric keys of different dtypes compare by value (ints of any width exactly, floats through
 * Float64); Utf8 and Categorical compare by string; Date, Timestamp, Duration and Decimal need equal dtypes
 * (Decimal: equal scale).
 */
export const encodePair = (l: Column, r: Column): readonly [EncodedKey, EncodedKey] | string => {
  const tl = l.dtype
  const tr = r.dtype
  const nl = l.length
  const nr = r.length
  if (tl._tag === "Null" || tr._tag === "Null") {
    if (tl._tag === "List" || tl._tag === "Struct" || tr._tag === "List" || tr._tag === "Struct") return "a hashable dtype"
    // A Null column is null in every row (whatever its bitmap says: Arrow's Null arrays have none).
    const lv = tl._tag === "Null" ? new Uint8Array((nl + 7) >> 3) : l.validity
    const rv = tr._tag === "Null" ? new Uint8Array((nr + 7) >> 3) : r.validity
    return [wordsKey(0, EMPTY_I32, lv), wordsKey(0, EMPTY_I32, rv)]
  }
  if (DT.isString(tl) || DT.isString(tr)) {
    if (!DT.isString(tl) || !DT.isString(tr)) return "str or cat"
    if (tl._tag === "Categorical" && tr._tag === "Categorical" && l.dictionary === r.dictionary)
      return [wordsKey(1, view32(l.values, nl, 1), l.validity), wordsKey(1, view32(r.values, nr, 1), r.validity)]
    return stringPair(l, r)
  }
  if (tl._tag === "Boolean" || tr._tag === "Boolean") {
    if (tl._tag !== tr._tag) return "bool"
    return [wordsKey(1, boolWords(l), l.validity), wordsKey(1, boolWords(r), r.validity)]
  }
  if (tl._tag === "Decimal" || tr._tag === "Decimal") {
    if (tl._tag !== "Decimal" || tr._tag !== "Decimal" || tl.scale !== tr.scale) return DT.format(tl)
    return [wordsKey(4, view32(l.values, nl, 4), l.validity), wordsKey(4, view32(r.values, nr, 4), r.validity)]
  }
  if (DT.isInteger(tl) && DT.isInteger(tr)) {
    if (tl._tag === tr._tag && DT.bitWidth(tl) <= 32) {
      const w = (c: Column) => (DT.bitWidth(tl) === 32 ? view32(c.values, c.length, 1) : Int32Array.from(c.values as C.NumericArray))
      return [wordsKey(1, w(l), l.validity), wordsKey(1, w(r), r.validity)]
    }
    const lu = tl._tag === "UInt64" && tr._tag !== "UInt64" ? bigUnsigned(l) : null
    const ru = tr._tag === "UInt64" && tl._tag !== "UInt64" ? bigUnsigned(r) : null
    return [wordsKey(2, i64Words(l), l.validity, lu), wordsKey(2, i64Words(r), r.validity, ru)]
  }
  if ((DT.isInteger(tl) || DT.isFloat(tl)) && (DT.isInteger(tr) || DT.isFloat(tr)))
    return [wordsKey(2, f64Words(l), l.validity), wordsKey(2, f64Words(r), r.validity)]
  if (tl._tag === "Date" || tl._tag === "Timestamp" || tl._tag === "Duration") {
    if (!DT.equals(tl, tr)) return DT.format(tl)
    const w = tl._tag === "Date" ? 1 : 2
    return [wordsKey(w, view32(l.values, nl, w), l.validity), wordsKey(w, view32(r.values, nr, w), r.validity)]
  }
  return "a hashable dtype (not list or struct)"
}

// ---------------------------------------------------------------------------------------------------------------
// hashing and equality
// ---------------------------------------------------------------------------------------------------------------

const NULL_WORD = 0x5bd1e995 | 0

const mix = (h: number, w: number): number => {
  let k = Math.imul(w, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, 0x1b873593)
  h ^= k
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

const fmix = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** One 32-bit hash per row over all key columns (equal keys, including null = null, hash equally). */
export const hashRows = (keys: ReadonlyArray<EncodedKey>, n: number): Int32Array => {
  const h = new Int32Array(n)
  for (const k of keys) {
    const v = k.validity
    const words = k.words
    const w = k.width
    for (let i = 0; i < n; i++) {
      let x = h[i]!
      if (v !== null && (v[i >> 3]! & (1 << (i & 7))) === 0) x = mix(x, NULL_WORD)
      else if (w === 1) x = mix(x, words[i]!)
      else for (let q = i * w, e = q + w; q < e; q++) x = mix(x, words[q]!)
      h[i] = x
    }
  }
  for (let i = 0; i < n; i++) h[i] = fmix(h[i]!)
  return h
}

/** Whether row `i` of keys `a` equals row `j` of keys `b` (null equals null here; callers exclude nulls). */
export const keysEqual = (a: ReadonlyArray<EncodedKey>, i: number, b: ReadonlyArray<EncodedKey>, j: number): boolean => {
  for (let k = 0; k < a.length; k++) {
    const ka = a[k]!
    const kb = b[k]!
    const av = ka.validity
    const bv = kb.validity
    const va = av === null || (av[i >> 3]! & (1 << (i & 7))) !== 0
    const vb = bv === null || (bv[j >> 3]! & (1 << (j & 7))) !== 0
    if (va !== vb) return false
    if (!va) continue
    const wa = ka.words
    const wb = kb.words
    const w = ka.width
    for (let q = 0; q < w; q++) if (wa[i * w + q] !== wb[j * w + q]) return false
  }
  return true
}

/** Rows excluded from matching: a null in any key (unless `nullsEqual`) or a value that can never match. */
const excluded = (keys: ReadonlyArray<EncodedKey>, n: number, nullsEqual: boolean): Uint8Array | null => {
  let out: Uint8Array | null = null
  for (const k of keys) {
    const v = k.validity
    if (v !== null && !nullsEqual) {
      for (let i = 0; i < n; i++)
        if ((v[i >> 3]! & (1 << (i & 7))) === 0) {
          if (out === null) out = new Uint8Array(n)
          out[i] = 1
        }
    }
    const nv = k.never
    if (nv !== null) {
      for (let i = 0; i < n; i++)
        if (nv[i] === 1 && (v === null || (v[i >> 3]! & (1 << (i & 7))) !== 0)) {
          if (out === null) out = new Uint8Array(n)
          out[i] = 1
        }
    }
  }
  return out
}

/**
 * Open-addressing table over the build rows, one interleaved Int32Array of 4-word slots (one cache line holds a
 * slot): [first row of a distinct key (-1 = empty), hash, last row of the chain (or group id), key word]. The key
 * word is the single 32-bit key when `fast` (one key of width 1 whose nulls need no check), which spares a read of
 * the build row. `next[r]` is the next build row with the same key (-1 = end), in row order.
 */
interface Table {
  readonly mask: number
  readonly slots: Int32Array
  readonly next: Int32Array
  readonly keys: ReadonlyArray<EncodedKey>
  readonly fast: boolean
}

const capacityFor = (n: number): number => {
  let cap = 16
  while (cap < n * 2) cap *= 2
  return cap
}

/** Whether keys allow the single-word fast path (one key of width 1; nulls excluded or absent). */
const fastKeys = (keys: ReadonlyArray<EncodedKey>, nullsExcluded: boolean): boolean =>
  keys.length === 1 && keys[0]!.width === 1 && (nullsExcluded || keys[0]!.validity === null)

const buildTable = (
  keys: ReadonlyArray<EncodedKey>,
  hashes: Int32Array,
  n: number,
  skip: Uint8Array | null,
  fast: boolean
): Table => {
  const cap = capacityFor(n)
  const mask = cap - 1
  const slots = new Int32Array(cap * 4).fill(-1)
  const next = new Int32Array(n).fill(-1)
  const words = fast ? keys[0]!.words : EMPTY_I32
  for (let r = 0; r < n; r++) {
    if (skip !== null && skip[r] === 1) continue
    const h = hashes[r]!
    const w = fast ? words[r]! : 0
    let s = h & mask
    for (;;) {
      const b = s << 2
      const f = slots[b]!
      if (f === -1) {
        slots[b] = r
        slots[b + 1] = h
        slots[b + 2] = r
        slots[b + 3] = w
        break
      }
      if (slots[b + 1] === h && (fast ? slots[b + 3] === w : keysEqual(keys, r, keys, f))) {
        next[slots[b + 2]!] = r
        slots[b + 2] = r
        break
      }
      s = (s + 1) & mask
    }
  }
  return { mask, slots, next, keys, fast }
}

/** The first build row whose key equals probe row `i` (hash `h`), or -1. */
const probe = (t: Table, keys: ReadonlyArray<EncodedKey>, h: number, i: number): number => {
  const slots = t.slots
  const mask = t.mask
  const w = t.fast ? keys[0]!.words[i]! : 0
  let s = h & mask
  for (;;) {
    const b = s << 2
    const f = slots[b]!
    if (f === -1) return -1
    if (slots[b + 1] === h && (t.fast ? slots[b + 3] === w : keysEqual(keys, i, t.keys, f))) return f
    s = (s + 1) & mask
  }
}

/**
 * Group ids of `n` rows by the given key columns (nulls form their own group, NaN equals NaN, -0 equals 0), groups
 * numbered in order of first appearance. Returns undefined when a column is not hashable (List, Struct).
 */
export const groupRows = (
  cols: ReadonlyArray<Column>,
  n: number
): { readonly ids: Int32Array; readonly count: number; readonly firstRow: Int32Array } | undefined => {
  const keys: Array<EncodedKey> = []
  for (const c of cols) {
    const k = encodeSelf(c)
    if (k === undefined) return undefined
    keys.push(k)
  }
  const hashes = hashRows(keys, n)
  const fast = fastKeys(keys, false)
  const words = fast ? keys[0]!.words : EMPTY_I32
  const cap = capacityFor(n)
  const mask = cap - 1
  const slots = new Int32Array(cap * 4).fill(-1)
  const ids = new Int32Array(n)
  let firstRow = new Int32Array(16)
  let count = 0
  for (let r = 0; r < n; r++) {
    const h = hashes[r]!
    const w = fast ? words[r]! : 0
    let s = h & mask
    for (;;) {
      const b = s << 2
      const f = slots[b]!
      if (f === -1) {
        slots[b] = r
        slots[b + 1] = h
        slots[b + 2] = count
        slots[b + 3] = w
        if (count === firstRow.length) {
          const grown = new Int32Array(count * 2)
          grown.set(firstRow)
          firstRow = grown
        }
        firstRow[count] = r
        ids[r] = count++
        break
      }
      if (slots[b + 1] === h && (fast ? slots[b + 3] === w : keysEqual(keys, r, keys, f))) {
        ids[r] = slots[b + 2]!
        break
      }
      s = (s + 1) & mask
    }
  }
  return { ids, count, firstRow: firstRow.slice(0, count) }
}

// ---------------------------------------------------------------------------------------------------------------
// matching
// ---------------------------------------------------------------------------------------------------------------

/**
 * Matching row pairs: `a[k]` (probe side, -1 = none) with `b[k]` (build side, -1 = none), `k < length`;
 * `aNeg`/`bNeg` tell whether any -1 occurs, `aIdentity` that `a` is `0, 1, …, length - 1`.
 */
interface Pairs {
  readonly a: Int32Array
  readonly b: Int32Array
  readonly length: number
  readonly aNeg: boolean
  readonly bNeg: boolean
  readonly aIdentity: boolean
}

/**
 * The matches of every probe row: `first[i]` is the first build row (in build order) whose key equals probe row
 * i's, or -1; `next[r]` the next build row with the same key (-1 = end), or null when every build key is distinct;
 * `chain[r]` the number of build rows from r to the end of its chain (valid at chain heads; null with `next`).
 */
interface Matches {
  readonly first: Int32Array
  readonly next: Int32Array | null
  readonly chain: Int32Array | null
  readonly nBuild: number
}

/** Build keys of one Int32 word per row are indexed directly by value when their range is at most this … */
const DIRECT_MIN = 1 << 16
/** … or at most this many times the number of build rows. */
const DIRECT_FACTOR = 4

/** 32-bit finalizer (lowbias32) for single-word keys. */
const mixWord = (x: number): number => {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return x ^ (x >>> 16)
}

/**
 * Matches for one key of one Int32 word per row (ints ≤ 32 bits, dates, booleans, string codes). The build rows
 * are inserted last to first, so each chain comes out in row order with its head the smallest row. A small key
 * range is indexed directly (`head[key - min]`), a wide one through an open-addressing table of `[key, head]`
 * slot pairs. Nulls never match unless `nullsEqual` (then null matches null, through a separate chain).
 */
const singleWordMatches = (
  bw: Int32Array,
  bValid: Uint8Array | null,
  nb: number,
  pw: Int32Array,
  pValid: Uint8Array | null,
  np: number,
  nullsEqual: boolean
): Matches => {
  let min = 0x7fffffff
  let max = -0x80000000
  for (let r = 0; r < nb; r++) {
    if (bValid !== null && (bValid[r >> 3]! & (1 << (r & 7))) === 0) continue
    const w = bw[r]!
    if (w < min) min = w
    if (w > max) max = w
  }
  const next = new Int32Array(nb).fill(-1)
  let unique = true
  let nullHead = -1
  const first = new Int32Array(np)
  const range = max - min + 1
  if (min > max) {
    // No valid build key: only nulls can match (when nullsEqual).
    if (nullsEqual && bValid !== null)
      for (let r = nb - 1; r >= 0; r--) {
        if ((bValid[r >> 3]! & (1 << (r & 7))) !== 0) continue
        next[r] = nullHead
        if (nullHead >= 0) unique = false
        nullHead = r
      }
    for (let i = 0; i < np; i++)
      first[i] = nullsEqual && pValid !== null && (pValid[i >> 3]! & (1 << (i & 7))) === 0 ? nullHead : -1
  } else if (range <= DIRECT_MIN || range <= DIRECT_FACTOR * nb) {
    const head = new Int32Array(range).fill(-1)
    for (let r = nb - 1; r >= 0; r--) {
      let h: number
      if (bValid !== null && (bValid[r >> 3]! & (1 << (r & 7))) === 0) {
        if (!nullsEqual) continue
        h = nullHead
        nullHead = r
      } else {
        const k = bw[r]! - min
        h = head[k]!
        head[k] = r
      }
      next[r] = h
      if (h >= 0) unique = false
    }
    if (pValid === null) {
      for (let i = 0; i < np; i++) {
        const k = pw[i]! - min
        first[i] = k >= 0 && k < range ? head[k]! : -1
      }
    } else {
      for (let i = 0; i < np; i++) {
        if ((pValid[i >> 3]! & (1 << (i & 7))) === 0) first[i] = nullsEqual ? nullHead : -1
        else {
          const k = pw[i]! - min
          first[i] = k >= 0 && k < range ? head[k]! : -1
        }
      }
    }
  } else {
    let cap = 16
    while (cap < 2 * nb) cap *= 2
    const mask = cap - 1
    // [key, head row] pairs; head -1 = empty slot.
    const slots = new Int32Array(2 * cap)
    for (let s = 1; s < slots.length; s += 2) slots[s] = -1
    for (let r = nb - 1; r >= 0; r--) {
      let h: number
      if (bValid !== null && (bValid[r >> 3]! & (1 << (r & 7))) === 0) {
        if (!nullsEqual) continue
        h = nullHead
        nullHead = r
      } else {
        const w = bw[r]!
        let s = mixWord(w) & mask
        while (slots[2 * s + 1] !== -1 && slots[2 * s] !== w) s = (s + 1) & mask
        h = slots[2 * s + 1]!
        slots[2 * s] = w
        slots[2 * s + 1] = r
      }
      next[r] = h
      if (h >= 0) unique = false
    }
    for (let i = 0; i < np; i++) {
      if (pValid !== null && (pValid[i >> 3]! & (1 << (i & 7))) === 0) {
        first[i] = nullsEqual ? nullHead : -1
        continue
      }
      const w = pw[i]!
      let s = mixWord(w) & mask
      let f = slots[2 * s + 1]!
      while (f !== -1 && slots[2 * s] !== w) {
        s = (s + 1) & mask
        f = slots[2 * s + 1]!
      }
      first[i] = f
    }
  }
  if (unique) return { first, next: null, chain: null, nBuild: nb }
  // Chain lengths: a chain's rows increase along `next`, so one backward pass sees each successor first.
  const chain = new Int32Array(nb)
  for (let r = nb - 1; r >= 0; r--) {
    const h = next[r]!
    chain[r] = h < 0 ? 1 : chain[h]! + 1
  }
  return { first, next, chain, nBuild: nb }
}

/** Matches for any keys: the general hash table (`buildTable`, `probe`). */
const generalMatches = (
  pk: ReadonlyArray<EncodedKey>,
  bk: ReadonlyArray<EncodedKey>,
  np: number,
  nb: number,
  nullsEqual: boolean
): Matches => {
  const fast = fastKeys(bk, !nullsEqual) && fastKeys(pk, !nullsEqual)
  const table = buildTable(bk, hashRows(bk, nb), nb, excluded(bk, nb, nullsEqual), fast)
  const hashes = hashRows(pk, np)
  const skip = excluded(pk, np, nullsEqual)
  const first = new Int32Array(np)
  for (let i = 0; i < np; i++) first[i] = skip !== null && skip[i] === 1 ? -1 : probe(table, pk, hashes[i]!, i)
  // Chain lengths, from each chain's last row back to its head (rows of a chain are increasing).
  const next = table.next
  const slots = table.slots
  const chain = new Int32Array(nb)
  let unique = true
  for (let b = 0; b < slots.length; b += 4) {
    const head = slots[b]!
    if (head < 0) continue
    let len = 0
    for (let r = head; r !== -1; r = next[r]!) len++
    if (len > 1) unique = false
    for (let r = head; r !== -1; r = next[r]!) chain[r] = len--
  }
  return unique ? { first, next: null, chain: null, nBuild: nb } : { first, next, chain, nBuild: nb }
}

/** Matches of the probe keys `pk` (np rows) against the build keys `bk` (nb rows). */
const findMatches = (
  pk: ReadonlyArray<EncodedKey>,
  bk: ReadonlyArray<EncodedKey>,
  np: number,
  nb: number,
  nullsEqual: boolean
): Matches => {
  if (pk.length === 1 && pk[0]!.width === 1 && bk[0]!.width === 1)
    return singleWordMatches(bk[0]!.words, bk[0]!.validity, nb, pk[0]!.words, pk[0]!.validity, np, nullsEqual)
  return generalMatches(pk, bk, np, nb, nullsEqual)
}

/**
 * Matching rows: each probe row in order, with its build matches in build order; `keepUnmatched` adds probe rows
 * without a match (build index -1); `appendUnmatchedBuild` then adds build rows never matched (probe index -1).
 */
const matchPairs = (m: Matches, keepUnmatched: boolean, appendUnmatchedBuild: boolean): Pairs => {
  const { first, next, chain } = m
  const np = first.length
  const nb = m.nBuild
  let matchedRows = 0
  let total = 0
  if (next === null) {
    for (let i = 0; i < np; i++) if (first[i]! >= 0) matchedRows++
    total = matchedRows
  } else {
    for (let i = 0; i < np; i++) {
      const f = first[i]!
      if (f >= 0) {
        matchedRows++
        total += chain![f]!
      }
    }
  }
  const bNeg = keepUnmatched && matchedRows < np
  if (keepUnmatched) total += np - matchedRows
  let matched: Uint8Array | null = null
  let unmatchedBuild = 0
  if (appendUnmatchedBuild) {
    matched = new Uint8Array(nb)
    for (let i = 0; i < np; i++) {
      for (let r = first[i]!; r !== -1; r = next === null ? -1 : next[r]!) {
        if (matched[r] === 1) break
        matched[r] = 1
      }
    }
    for (let r = 0; r < nb; r++) if (matched[r] === 0) unmatchedBuild++
  }
  const len = total + unmatchedBuild
  const aIdentity = unmatchedBuild === 0 && total === np && (keepUnmatched || matchedRows === np) && next === null
  const a = new Int32Array(len)
  // Unique build keys, every probe row kept: the build indices are `first` itself.
  const b = aIdentity && matched === null ? first : new Int32Array(len)
  let k = 0
  if (next === null) {
    if (aIdentity) {
      for (let i = 0; i < np; i++) a[i] = i
      if (b !== first) b.set(first)
      k = np
    } else if (keepUnmatched) {
      for (let i = 0; i < np; i++) {
        a[i] = i
        b[i] = first[i]!
      }
      k = np
    } else {
      for (let i = 0; i < np; i++) {
        const f = first[i]!
        if (f >= 0) {
          a[k] = i
          b[k++] = f
        }
      }
    }
  } else {
    for (let i = 0; i < np; i++) {
      let r = first[i]!
      if (r < 0) {
        if (keepUnmatched) {
          a[k] = i
          b[k++] = -1
        }
        continue
      }
      for (; r !== -1; r = next[r]!) {
        a[k] = i
        b[k++] = r
      }
    }
  }
  if (matched !== null)
    for (let r = 0; r < nb; r++)
      if (matched[r] === 0) {
        a[k] = -1
        b[k++] = r
      }
  return { a, b, length: len, aNeg: unmatchedBuild > 0, bNeg, aIdentity }
}

/**
 * The pairs of a left-ordered join (inner, or left when `keepUnmatched`): each `a` row in order with its `b` matches
 * in order. The hash table goes on the smaller side: when `a` is the smaller one, `b` probes a table of `a` rows
 * and a stable counting sort by `a` row restores the order.
 */
const orderedPairs = (
  ak: ReadonlyArray<EncodedKey>,
  bk: ReadonlyArray<EncodedKey>,
  na: number,
  nb: number,
  nullsEqual: boolean,
  keepUnmatched: boolean
): Pairs => {
  if (na >= nb) return matchPairs(findMatches(ak, bk, na, nb, nullsEqual), keepUnmatched, false)
  const raw = matchPairs(findMatches(bk, ak, nb, na, nullsEqual), false, false)
  const start = new Int32Array(na + 1)
  for (let k = 0; k < raw.length; k++) start[raw.b[k]! + 1]!++
  if (keepUnmatched) for (let i = 0; i < na; i++) if (start[i + 1] === 0) start[i + 1] = 1
  for (let i = 0; i < na; i++) start[i + 1]! += start[i]!
  const total = start[na]!
  const a = new Int32Array(total)
  const b = new Int32Array(total)
  const fill = start.slice(0, na)
  for (let k = 0; k < raw.length; k++) {
    const i = raw.b[k]!
    const pos = fill[i]!++
    a[pos] = i
    b[pos] = raw.a[k]!
  }
  let bNeg = false
  if (keepUnmatched)
    for (let i = 0; i < na; i++)
      if (fill[i] === start[i]) {
        a[start[i]!] = i
        b[start[i]!] = -1
        bNeg = true
      }
  return { a, b, length: total, aNeg: false, bNeg, aIdentity: total === na && isIdentity(a, na) }
}

/** Probe rows with (semi) or without (anti) a match. */
const matchMask = (m: Matches, anti: boolean): Int32Array => {
  const first = m.first
  const keep = new Uint8Array(first.length)
  for (let i = 0; i < first.length; i++) keep[i] = first[i]! >= 0 !== anti ? 1 : 0
  return C.maskToIndices(keep)
}

/** Whether `idx` is `0, 1, …, n - 1`. */
const isIdentity = (idx: Int32Array, n: number): boolean => {
  if (idx.length !== n) return false
  for (let i = 0; i < n; i++) if (idx[i] !== i) return false
  return true
}

/**
 * A gatherer of columns by `idx` (`hasNeg`: whether any index is -1): `C.take`, or the column itself when the
 * indices are the identity; the validity of the -1 rows is computed once for all columns.
 */
const gatherer = (idx: Int32Array, hasNeg: boolean, identity: boolean): ((col: Column) => Column) => {
  if (identity) return (col) => col
  let neg: Uint8Array | undefined
  return (col) => {
    if (hasNeg && neg === undefined && col.nullCount === 0) neg = C.takeValidity(null, idx)
    return C.takeInt32(col, idx, hasNeg, neg)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the verb
// ---------------------------------------------------------------------------------------------------------------

const asList = (x: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> | undefined =>
  x === undefined ? undefined : typeof x === "string" ? [x] : x

/** Casts an integer or float column to Float64 or Int64 (for coalescing keys of different numeric dtypes). */
const castNumeric = (col: Column, to: DataType): Column => {
  const n = col.length
  const t = col.dtype
  if (DT.equals(t, to)) return col
  if (to._tag === "Int64") {
    const out = new BigInt64Array(n)
    if (DT.isBigInt(t)) {
      const v = col.values as BigInt64Array | BigUint64Array
      for (let i = 0; i < n; i++) out[i] = BigInt.asIntN(64, v[i]!)
    } else {
      const v = col.values as C.NumericArray
      for (let i = 0; i < n; i++) out[i] = BigInt(v[i]!)
    }
    return C.make(DT.Int64, n, out, col.validity)
  }
  const out = new Float64Array(f64Words(col).buffer)
  return C.make(DT.Float64, n, out, col.validity)
}

/** Key columns of two dtypes as one column (full joins with `coalesce`). */
const coalesceKey = (a: Column, b: Column): Column => {
  if (DT.equals(a.dtype, b.dtype)) return C.concat([a, b])
  if (DT.isString(a.dtype) && DT.isString(b.dtype)) return C.concat([C.fromStrings(C.toStrings(a)), C.fromStrings(C.toStrings(b))])
  if (a.dtype._tag === "Null") return C.concat([C.nulls(b.dtype, a.length), b])
  if (b.dtype._tag === "Null") return C.concat([a, C.nulls(a.dtype, b.length)])
  const anyFloat = DT.isFloat(a.dtype) || DT.isFloat(b.dtype)
  const to = anyFloat || a.dtype._tag === "UInt64" || b.dtype._tag === "UInt64" ? DT.Float64 : DT.Int64
  return C.concat([castNumeric(a, to), castNumeric(b, to)])
}

type JoinError = ColumnNotFound | TypeMismatch | InvalidArgument | DuplicateColumn

/**
 * Hash join of two frames, as Polars `join` (see `Frame.join` for the contract). The build side is the right frame
 * (the left one for right joins, which are mirrored left joins); the probe side keeps its order, each probe row
 * followed by its matches in build order.
 */
export const join = (left: Frame, right: Frame, options: JoinOptions): Effect.Effect<Frame, JoinError> =>
  Effect.suspend((): Effect.Effect<Frame, JoinError> => {
    const how = options.how ?? "inner"
    const suffix = options.suffix ?? "_right"
    const on = asList(options.on)
    let lo = asList(options.leftOn)
    let ro = asList(options.rightOn)
    if (how === "cross") {
      if (on !== undefined || lo !== undefined || ro !== undefined)
        return Effect.fail(new InvalidArgument({ argument: "on", message: "a cross join takes no join keys" }))
      const [names, cols] = cross(left, right, suffix)
      return checkNames(names, cols)
    }
    if (on !== undefined) {
      if (lo !== undefined || ro !== undefined)
        return Effect.fail(new InvalidArgument({ argument: "on", message: "give either `on` or `leftOn`/`rightOn`, not both" }))
      lo = on
      ro = on
    }
    if (lo === undefined || ro === undefined || lo.length === 0)
      return Effect.fail(new InvalidArgument({ argument: "on", message: `a ${how} join needs join keys: \`on\`, or both \`leftOn\` and \`rightOn\`` }))
    if (lo.length !== ro.length)
      return Effect.fail(
        new InvalidArgument({ argument: "rightOn", message: `${lo.length} left keys but ${ro.length} right keys` })
      )
    const li: Array<number> = []
    const ri: Array<number> = []
    for (const k of lo) {
      const i = left.schema.findIndex((f) => f.name === k)
      if (i < 0) return Effect.fail(new ColumnNotFound({ column: k, available: left.columns, expr: "join (left keys)" }))
      li.push(i)
    }
    for (const k of ro) {
      const i = right.schema.findIndex((f) => f.name === k)
      if (i < 0) return Effect.fail(new ColumnNotFound({ column: k, available: right.columns, expr: "join (right keys)" }))
      ri.push(i)
    }
    const lcols = F.contiguous(left)
    const rcols = F.contiguous(right)
    const lkeys: Array<EncodedKey> = []
    const rkeys: Array<EncodedKey> = []
    for (let k = 0; k < li.length; k++) {
      const lc = lcols[li[k]!]!
      const rc = rcols[ri[k]!]!
      const enc = encodePair(lc, rc)
      if (typeof enc === "string")
        return Effect.fail(
          new TypeMismatch({
            expr: `join key "${lo[k]}" = "${ro[k]}"`,
            expected: `a key dtype compatible with ${DT.format(lc.dtype)} (${enc})`,
            actual: DT.format(rc.dtype)
          })
        )
      lkeys.push(enc[0])
      rkeys.push(enc[1])
    }
    const nullsEqual = options.nullsEqual ?? false
    const nl = left.height
    const nr = right.height

    if (how === "semi" || how === "anti") {
      const idx = matchMask(findMatches(lkeys, rkeys, nl, nr, nullsEqual), how === "anti")
      return Effect.succeed(F.fromColumnsUnsafe(left.columns, idx.length === nl ? lcols : lcols.map((c) => C.takeInt32(c, idx, false))))
    }

    const names: Array<string> = []
    const cols: Array<Column> = []
    const lnames = new Set<string>()
    const addLeft = (name: string, col: Column) => {
      names.push(name)
      lnames.add(name)
      cols.push(col)
    }
    const addRight = (name: string, col: Column) => {
      names.push(lnames.has(name) ? name + suffix : name)
      cols.push(col)
    }

    if (how === "right") {
      const coalesce = options.coalesce ?? true
      const p = orderedPairs(rkeys, lkeys, nr, nl, nullsEqual, true)
      const rIdx = p.a.subarray(0, p.length)
      const lIdx = p.b.subarray(0, p.length)
      const gl = gatherer(lIdx, p.bNeg, false)
      const gr = gatherer(rIdx, p.aNeg, p.aIdentity && p.length === nr)
      left.schema.forEach((f, j) => {
        if (!(coalesce && li.includes(j))) addLeft(f.name, gl(lcols[j]!))
      })
      right.schema.forEach((f, j) => {
        addRight(f.name, gr(rcols[j]!))
      })
    } else {
      const full = how === "full"
      const coalesce = options.coalesce ?? !full
      const p = full
        ? matchPairs(findMatches(lkeys, rkeys, nl, nr, nullsEqual), true, true)
        : orderedPairs(lkeys, rkeys, nl, nr, nullsEqual, how === "left")
      const lIdx = p.a.subarray(0, p.length)
      const rIdx = p.b.subarray(0, p.length)
      const gl = gatherer(lIdx, p.aNeg, p.aIdentity && p.length === nl)
      const gr = gatherer(rIdx, p.bNeg, false)
      // In a full join, rows [0, nLeftRows) come from the probe loop (left index ≥ 0), the rest are unmatched right rows.
      let nLeftRows = p.length
      if (full) while (nLeftRows > 0 && lIdx[nLeftRows - 1]! < 0) nLeftRows--
      left.schema.forEach((f, j) => {
        const k = li.indexOf(j)
        if (full && coalesce && k >= 0) {
          const a = C.takeInt32(lcols[j]!, lIdx.subarray(0, nLeftRows), false)
          const b = C.takeInt32(rcols[ri[k]!]!, rIdx.subarray(nLeftRows), false)
          addLeft(f.name, coalesceKey(a, b))
        } else addLeft(f.name, gl(lcols[j]!))
      })
      right.schema.forEach((f, j) => {
        if (!(coalesce && ri.includes(j))) addRight(f.name, gr(rcols[j]!))
      })
    }
    return checkNames(names, cols)
  })

const checkNames = (names: ReadonlyArray<string>, cols: ReadonlyArray<Column>): Effect.Effect<Frame, DuplicateColumn> => {
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) return Effect.fail(new DuplicateColumn({ column: n }))
    seen.add(n)
  }
  return Effect.succeed(F.fromColumnsUnsafe(names, cols))
}

/** Cartesian product, left-major (each left row with every right row in order), as Polars `cross`. */
const cross = (left: Frame, right: Frame, suffix: string): readonly [ReadonlyArray<string>, ReadonlyArray<Column>] => {
  const nl = left.height
  const nr = right.height
  const n = nl * nr
  const lIdx = new Int32Array(n)
  const rIdx = new Int32Array(n)
  for (let i = 0, k = 0; i < nl; i++) {
    for (let j = 0; j < nr; j++, k++) {
      lIdx[k] = i
      rIdx[k] = j
    }
  }
  const lcols = F.contiguous(left)
  const rcols = F.contiguous(right)
  const lnames = new Set(left.columns)
  const names = [...left.columns, ...right.columns.map((c) => (lnames.has(c) ? c + suffix : c))]
  return [names, [...lcols.map((c) => C.takeInt32(c, lIdx, false)), ...rcols.map((c) => C.takeInt32(c, rIdx, false))]]
}
