/**
 * Hash grouping of one or more key columns of any dtype, as the first step of Polars' `group_by`, `unique` and
 * `over`.
 *
 * Each key column is first reduced to dense per-row ids (`keyIds`): direct indexing for Boolean, Categorical and
 * small-range integers; an open-addressing hash table on typed arrays (Int32Array slots, Uint32Array hashes,
 * linear probing, doubling) for wide integers, floats, 64/128-bit values and byte strings; recursion for List and
 * Struct. Several keys are then combined pairwise (`combineIds`): a direct table over `countA × countB` when it is
 * small, a hash table over the id pairs otherwise. Every path numbers groups in order of first appearance.
 * @internal
 */
import * as C from "../column.ts"
import type { Column, NumericArray } from "../column.ts"

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

/** 32-bit finalizer (lowbias32): a good avalanche for integer keys. */
const mix = (x: number): number => {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}

const EMPTY = new Int32Array(0)

const trimmed = (ids: Int32Array, count: number, first: Int32Array): Groups => ({
  ids,
  count,
  firstRow: first.length === count ? first : first.slice(0, count)
})

const grow = (a: Int32Array, need: number): Int32Array => {
  if (need <= a.length) return a
  const b = new Int32Array(Math.max(need, a.length * 2, 16))
  b.set(a)
  return b
}

const INITIAL_CAP = 1 << 10

/**
 * Ids by direct indexing: `vals[i] - min` in `[0, range)` (valid rows), nulls in their own group.
 * Callers check the range first.
 */
const directIds = (vals: NumericArray, validity: Uint8Array | null, n: number, min: number, range: number): Groups => {
  const table = new Int32Array(range).fill(-1)
  const ids = new Int32Array(n)
  const first = new Int32Array(Math.min(range + 1, n))
  let count = 0
  if (validity === null) {
    for (let i = 0; i < n; i++) {
      const k = vals[i]! - min
      let g = table[k]!
      if (g < 0) {
        g = count++
        table[k] = g
        first[g] = i
      }
      ids[i] = g
    }
  } else {
    let nullGroup = -1
    for (let i = 0; i < n; i++) {
      let g: number
      if ((validity[i >> 3]! & (1 << (i & 7))) === 0) {
        g = nullGroup
        if (g < 0) {
          g = nullGroup = count++
          first[g] = i
        }
      } else {
        const k = vals[i]! - min
        g = table[k]!
        if (g < 0) {
          g = count++
          table[k] = g
          first[g] = i
        }
      }
      ids[i] = g
    }
  }
  return trimmed(ids, count, first)
}

/**
 * The open-addressing table shared by the hashed paths: one Int32Array of 2-word slots `[group, hash]` (group -1 =
 * empty), linear probing, load ≤ 1/2, doubling. The hash sits next to the group id, so a probe touches one cache line
 * and reads the group's key (kept per group, contiguous in group order) only when the hashes agree.
 */
interface Slots {
  slots: Int32Array
  mask: number
}

const newSlots = (cap: number): Slots => ({ slots: new Int32Array(2 * cap).fill(-1), mask: cap - 1 })

/**
 * Grows the table once `count` groups fill half of it, after `seen` of `n` rows: doubles it, or, when most rows of
 * a sizeable sample started new groups (nearly unique keys), jumps to the size the extrapolated count needs instead
 * of doubling several more times. Slots are re-inserted by their stored hash (no key is read).
 */
const growSlots = (t: Slots, count: number, seen: number, n: number): void => {
  const old = t.slots
  // Extrapolate only from a sizeable sample in which most rows were new groups (nearly unique keys).
  const expected = seen >= n / 32 && 2 * count > seen ? Math.min(n, Math.ceil((count / seen) * n)) : 0
  let cap = (t.mask + 1) * 2
  while (cap < 2 * expected && cap < 1 << 30) cap *= 2
  const mask = cap - 1
  const slots = new Int32Array(2 * cap).fill(-1)
  for (let s = 0; s < old.length; s += 2) {
    const g = old[s]!
    if (g < 0) continue
    const h = old[s + 1]!
    let p = h & mask
    while (slots[2 * p]! !== -1) p = (p + 1) & mask
    slots[2 * p] = g
    slots[2 * p + 1] = h
  }
  t.slots = slots
  t.mask = mask
}

/** Growable per-group arrays of the hashed paths. */
const growTo = (a: Int32Array, need: number): Int32Array => (need <= a.length ? a : grow(a, need))

/** Ids over one 32-bit word per row (`words[i]`), hashed. */
const hashWords1 = (words: Int32Array, validity: Uint8Array | null, n: number): Groups => {
  const ids = new Int32Array(n)
  let first: Int32Array = new Int32Array(16)
  let keys: Int32Array = new Int32Array(16)
  const t = newSlots(INITIAL_CAP)
  let slots = t.slots
  let mask = t.mask
  let count = 0
  let nullGroup = -1
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      if (nullGroup < 0) {
        nullGroup = count++
        first = growTo(first, count)
        keys = growTo(keys, count)
        first[nullGroup] = i
      }
      ids[i] = nullGroup
      continue
    }
    const v = words[i]!
    const h = mix(v) | 0
    let s = h & mask
    let g: number
    while (true) {
      g = slots[2 * s]!
      if (g === -1 || (slots[2 * s + 1] === h && keys[g] === v)) break
      s = (s + 1) & mask
    }
    if (g === -1) {
      g = count++
      if (count > first.length) {
        first = grow(first, count)
        keys = grow(keys, count)
      }
      first[g] = i
      keys[g] = v
      slots[2 * s] = g
      slots[2 * s + 1] = h
      if (2 * count > mask) {
        growSlots(t, count, i + 1, n)
        slots = t.slots
        mask = t.mask
      }
    }
    ids[i] = g
  }
  return trimmed(ids, count, first)
}

/** Ids over two 32-bit words per row (`words[2i]`, `words[2i+1]`), hashed. */
const hashWords2 = (words: Int32Array, validity: Uint8Array | null, n: number): Groups => {
  const ids = new Int32Array(n)
  let first: Int32Array = new Int32Array(16)
  let keys: Int32Array = new Int32Array(32)
  const t = newSlots(INITIAL_CAP)
  let slots = t.slots
  let mask = t.mask
  let count = 0
  let nullGroup = -1
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      if (nullGroup < 0) {
        nullGroup = count++
        first = growTo(first, count)
        keys = growTo(keys, 2 * count)
        first[nullGroup] = i
      }
      ids[i] = nullGroup
      continue
    }
    const a = words[2 * i]!
    const b = words[2 * i + 1]!
    const h = mix(mix(a) ^ b) | 0
    let s = h & mask
    let g: number
    while (true) {
      g = slots[2 * s]!
      if (g === -1 || (slots[2 * s + 1] === h && keys[2 * g] === a && keys[2 * g + 1] === b)) break
      s = (s + 1) & mask
    }
    if (g === -1) {
      g = count++
      if (count > first.length) {
        first = grow(first, count)
        keys = grow(keys, 2 * count)
      }
      first[g] = i
      keys[2 * g] = a
      keys[2 * g + 1] = b
      slots[2 * s] = g
      slots[2 * s + 1] = h
      if (2 * count > mask) {
        growSlots(t, count, i + 1, n)
        slots = t.slots
        mask = t.mask
      }
    }
    ids[i] = g
  }
  return trimmed(ids, count, first)
}

/** Ids over `W` 32-bit words per row (`words[W*i + k]`), hashed. */
const hashWordsN = (words: Int32Array, W: number, validity: Uint8Array | null, n: number): Groups => {
  if (W === 1) return hashWords1(words, validity, n)
  if (W === 2) return hashWords2(words, validity, n)
  const ids = new Int32Array(n)
  let first: Int32Array = new Int32Array(16)
  let keys: Int32Array = new Int32Array(16 * W)
  const t = newSlots(INITIAL_CAP)
  let slots = t.slots
  let mask = t.mask
  let count = 0
  let nullGroup = -1
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      if (nullGroup < 0) {
        nullGroup = count++
        first = growTo(first, count)
        keys = growTo(keys, count * W)
        first[nullGroup] = i
      }
      ids[i] = nullGroup
      continue
    }
    const base = i * W
    let h = 0x9e3779b9
    for (let k = 0; k < W; k++) h = mix(h ^ words[base + k]!)
    h |= 0
    let s = h & mask
    let g: number
    while (true) {
      g = slots[2 * s]!
      if (g === -1) break
      if (slots[2 * s + 1] === h) {
        const gb = g * W
        let eq = true
        for (let k = 0; k < W; k++) {
          if (keys[gb + k] !== words[base + k]) {
            eq = false
            break
          }
        }
        if (eq) break
      }
      s = (s + 1) & mask
    }
    if (g === -1) {
      g = count++
      if (count > first.length) {
        first = grow(first, count)
        keys = grow(keys, count * W)
      }
      first[g] = i
      for (let k = 0; k < W; k++) keys[g * W + k] = words[base + k]!
      slots[2 * s] = g
      slots[2 * s + 1] = h
      if (2 * count > mask) {
        growSlots(t, count, i + 1, n)
        slots = t.slots
        mask = t.mask
      }
    }
    ids[i] = g
  }
  return trimmed(ids, count, first)
}

/**
 * Ids over variable-length sequences (`elems[offsets[i] .. offsets[i+1])`): UTF-8 bytes of a Utf8 column, or the
 * element ids of a List column. Each group's sequence is copied into a compact arena (`arena[starts[g] ..
 * starts[g] + lens[g])`), so comparing a row with its candidate group reads memory that stays in cache instead of the
 * group's first row somewhere in the column.
 */
const hashSequences = (
  elems: Uint8Array | Int32Array,
  offsets: Int32Array,
  validity: Uint8Array | null,
  n: number
): Groups => {
  const ids = new Int32Array(n)
  let first: Int32Array = new Int32Array(16)
  let starts: Int32Array = new Int32Array(16)
  let lens: Int32Array = new Int32Array(16)
  let arena: Uint8Array | Int32Array = elems instanceof Uint8Array ? new Uint8Array(256) : new Int32Array(64)
  let used = 0
  const t = newSlots(INITIAL_CAP)
  let slots = t.slots
  let mask = t.mask
  let count = 0
  let nullGroup = -1
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      if (nullGroup < 0) {
        nullGroup = count++
        first = growTo(first, count)
        starts = growTo(starts, count)
        lens = growTo(lens, count)
        first[nullGroup] = i
        lens[nullGroup] = -1
      }
      ids[i] = nullGroup
      continue
    }
    const start = offsets[i]!
    const end = offsets[i + 1]!
    const len = end - start
    let h = 0x811c9dc5 ^ len
    for (let k = start; k < end; k++) h = Math.imul(h ^ elems[k]!, 0x01000193)
    h = mix(h) | 0
    let s = h & mask
    let g: number
    while (true) {
      g = slots[2 * s]!
      if (g === -1) break
      if (slots[2 * s + 1] === h && lens[g] === len) {
        const rs = starts[g]! - start
        let k = start
        while (k < end && arena[rs + k] === elems[k]) k++
        if (k === end) break
      }
      s = (s + 1) & mask
    }
    if (g === -1) {
      g = count++
      if (count > first.length) {
        first = grow(first, count)
        starts = grow(starts, count)
        lens = grow(lens, count)
      }
      if (used + len > arena.length) {
        const bigger: Uint8Array | Int32Array =
          arena instanceof Uint8Array ? new Uint8Array(Math.max(2 * arena.length, used + len)) : new Int32Array(Math.max(2 * arena.length, used + len))
        bigger.set(arena as never)
        arena = bigger
      }
      for (let k = 0; k < len; k++) arena[used + k] = elems[start + k]!
      first[g] = i
      starts[g] = used
      lens[g] = len
      used += len
      slots[2 * s] = g
      slots[2 * s + 1] = h
      if (2 * count > mask) {
        growSlots(t, count, i + 1, n)
        slots = t.slots
        mask = t.mask
      }
    }
    ids[i] = g
  }
  return trimmed(ids, count, first)
}

/** Renumbers per-row codes `codes[i]` in `[0, range)` (or -1 for null) in order of first appearance. */
const renumber = (codes: Int32Array, n: number, range: number): Groups => {
  const table = new Int32Array(range + 1).fill(-1)
  const ids = new Int32Array(n)
  const first = new Int32Array(Math.min(range + 1, n))
  let count = 0
  for (let i = 0; i < n; i++) {
    const k = codes[i]! + 1
    let g = table[k]!
    if (g < 0) {
      g = count++
      table[k] = g
      first[g] = i
    }
    ids[i] = g
  }
  return trimmed(ids, count, first)
}

const allOne = (n: number): Groups =>
  n === 0 ? { ids: EMPTY, count: 0, firstRow: EMPTY } : { ids: new Int32Array(n), count: 1, firstRow: new Int32Array(1) }

/** Small-range integer columns are grouped by direct indexing when `max - min` is below this (or below 2n). */
const DIRECT_LIMIT = 1 << 16

/** Range of the valid values of a ≤32-bit integer column. */
const rangeOf = (vals: NumericArray, validity: Uint8Array | null, n: number): { min: number; max: number } => {
  let min = Infinity
  let max = -Infinity
  if (validity === null) {
    for (let i = 0; i < n; i++) {
      const v = vals[i]!
      if (v < min) min = v
      if (v > max) max = v
    }
  } else {
    for (let i = 0; i < n; i++) {
      if ((validity[i >> 3]! & (1 << (i & 7))) === 0) continue
      const v = vals[i]!
      if (v < min) min = v
      if (v > max) max = v
    }
  }
  return { min, max }
}

const int32View = (a: ArrayBufferView, words: number): Int32Array => new Int32Array(a.buffer, a.byteOffset, words)

/** Float values as canonical words: -0 → 0 and every NaN → one NaN, so equal values have equal bits. */
const floatWords = (vals: Float32Array | Float64Array, n: number): { words: Int32Array; W: number } => {
  let needsCopy = false
  for (let i = 0; i < n; i++) {
    const v = vals[i]!
    if (Number.isNaN(v) || (v === 0 && 1 / v < 0)) {
      needsCopy = true
      break
    }
  }
  let src: Float32Array | Float64Array = vals
  if (needsCopy) {
    src = vals instanceof Float32Array ? new Float32Array(n) : new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const v = vals[i]!
      src[i] = Number.isNaN(v) ? Number.NaN : v === 0 ? 0 : v
    }
  }
  const W = src instanceof Float32Array ? 1 : 2
  return { words: int32View(src.subarray(0, n), n * W), W }
}

/** Dense ids of one key column (see `Groups`). */
export const keyIds = (col: Column, n: number): Groups => {
  if (n === 0) return { ids: EMPTY, count: 0, firstRow: EMPTY }
  const t = col.dtype
  const validity = col.nullCount === 0 ? null : col.validity
  switch (t._tag) {
    case "Null":
      return allOne(n)
    case "Boolean": {
      const bits = col.values as Uint8Array
      const codes = new Int32Array(n)
      for (let i = 0; i < n; i++) {
        codes[i] =
          validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0 ? -1 : (bits[i >> 3]! >> (i & 7)) & 1
      }
      return renumber(codes, n, 2)
    }
    case "Int8":
    case "UInt8":
    case "Int16":
    case "UInt16":
    case "Int32":
    case "UInt32":
    case "Date": {
      const vals = col.values as NumericArray
      const { min, max } = rangeOf(vals, validity, n)
      if (min > max) return allOne(n)
      const range = max - min + 1
      if (range <= DIRECT_LIMIT || range <= 2 * n) return directIds(vals, validity, n, min, range)
      return hashWords1(int32View(vals, n), validity, n)
    }
    case "Categorical": {
      // Codes are the candidates; map each code to its dictionary string's group (dictionaries may repeat).
      const dict = col.dictionary!
      const canon = keyIds(dict, dict.length).ids
      const codes = col.values as Int32Array
      const mapped = new Int32Array(n)
      for (let i = 0; i < n; i++) {
        mapped[i] =
          validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0 ? -1 : (canon[codes[i]!] ?? -1)
      }
      return renumber(mapped, n, dict.length)
    }
    case "Float32":
    case "Float64": {
      const { words, W } = floatWords(col.values as Float32Array | Float64Array, n)
      return W === 1 ? hashWords1(words, validity, n) : hashWordsN(words, 2, validity, n)
    }
    case "Int64":
    case "UInt64":
    case "Timestamp":
    case "Duration":
      return hashWordsN(int32View(col.values, 2 * n), 2, validity, n)
    case "Decimal":
      return hashWordsN(int32View(col.values, 4 * n), 4, validity, n)
    case "Utf8":
      return hashSequences(col.values as Uint8Array, col.offsets!, validity, n)
    case "List": {
      const child = col.children![0]!
      const o = col.offsets!
      const base = o[0]!
      const childLen = o[n]! - base
      const elemIds = keyIds(child.length === childLen && base === 0 ? child : C.slice(child, base, childLen), childLen).ids
      const offsets = base === 0 ? o : o.map((x) => x - base)
      return hashSequences(elemIds, offsets, validity, n)
    }
    case "Struct": {
      const inner = groupIds(col.children!, n)
      if (validity === null) return inner
      const codes = new Int32Array(n)
      for (let i = 0; i < n; i++) codes[i] = (validity[i >> 3]! & (1 << (i & 7))) === 0 ? -1 : inner.ids[i]!
      return renumber(codes, n, inner.count)
    }
  }
}


/**
 * Combines two groupings of the same rows into the grouping by both keys (pairs of ids), numbered in order of
 * first appearance.
 */
export const combineIds = (a: Groups, b: Groups, n: number): Groups => {
  if (a.count <= 1) return a.count === 0 ? a : b
  if (b.count <= 1) return a
  const product = a.count * b.count
  if (product <= DIRECT_LIMIT * 16 || product <= 2 * n) {
    const table = new Int32Array(product).fill(-1)
    const ids = new Int32Array(n)
    const first = new Int32Array(Math.min(product, n))
    const ai = a.ids
    const bi = b.ids
    const cb = b.count
    let count = 0
    for (let i = 0; i < n; i++) {
      const k = ai[i]! * cb + bi[i]!
      let g = table[k]!
      if (g < 0) {
        g = count++
        table[k] = g
        first[g] = i
      }
      ids[i] = g
    }
    return trimmed(ids, count, first)
  }
  const words = new Int32Array(2 * n)
  for (let i = 0; i < n; i++) {
    words[2 * i] = a.ids[i]!
    words[2 * i + 1] = b.ids[i]!
  }
  return hashWordsN(words, 2, null, n)
}

/**
 * Groups `n` rows by the values of `keys` (all of length ≥ `n`), as Polars `group_by`: nulls form a group,
 * NaN equals NaN, -0 equals 0, strings compare by bytes, Categorical by string, List and Struct by value.
 * Groups are numbered in order of first appearance. No keys: one group holding every row (none when `n` is 0).
 */
export const groupIds = (keys: ReadonlyArray<Column>, n: number): Groups => {
  if (keys.length === 0) return allOne(n)
  if (keys.length === 1) return keyIds(keys[0]!, n)
  const parts: Array<Groups> = []
  for (const k of keys) {
    const g = keyIds(k, n)
    if (g.count > 1) parts.push(g)
    else if (g.count === 0) return g
  }
  if (parts.length === 0) return allOne(n)
  if (parts.length === 1) return parts[0]!
  return packIds(parts, n)
}

/** Largest product of group counts packed into one key word (mixed radix, kept below 2^31). */
const WORD_RANGE = 2 ** 31

/**
 * Groups by several groupings at once: their ids are packed in mixed radix into as few 32-bit words per row as fit
 * (`((a * cb) + b) * cc + c`, a new word when the product would reach 2^31), then one pass of direct indexing (all
 * in one word of small range) or hashing (one or more words) numbers the combinations in order of first appearance.
 * One hash pass instead of one per pair of keys.
 */
const packIds = (parts: ReadonlyArray<Groups>, n: number): Groups => {
  const wordOf: Array<number> = []
  let W = 0
  let range = WORD_RANGE
  const ranges: Array<number> = []
  for (const p of parts) {
    if (range * p.count >= WORD_RANGE) {
      W++
      range = 1
      ranges.push(1)
    }
    range *= p.count
    ranges[W - 1] = range
    wordOf.push(W - 1)
  }
  const words = new Int32Array(n * W)
  for (let k = 0; k < parts.length; k++) {
    const ids = parts[k]!.ids
    const c = parts[k]!.count
    const w = wordOf[k]!
    if (W === 1) for (let i = 0; i < n; i++) words[i] = words[i]! * c + ids[i]!
    else for (let i = 0, q = w; i < n; i++, q += W) words[q] = words[q]! * c + ids[i]!
  }
  if (W === 1) {
    const r = ranges[0]!
    if (r <= DIRECT_LIMIT * 16 || r <= 2 * n) return directIds(words, null, n, 0, r)
    return hashWords1(words, null, n)
  }
  return hashWordsN(words, W, null, n)
}
