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
  /**
   * Set by `groupKeys` when every key has a small domain (see `DirectKeys`): aggregation kernels may then compute
   * each row's slot from the key values and never read `ids` (which is built on first access).
   */
  readonly direct?: DirectKeys | undefined
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

/**
 * Grows a per-group array of the hashed paths (`per` entries per group) to hold `count` groups, after `seen` of `n`
 * rows: doubling, or, when most rows of a sizeable sample started new groups (nearly unique keys), straight to the
 * extrapolated group count (instead of ~10 more doublings, each copying the array).
 */
const growGroups = (a: Int32Array, count: number, per: number, seen: number, n: number): Int32Array => {
  const expected = seen >= n / 32 && 2 * count > seen ? Math.min(n, Math.ceil((count / seen) * n * 1.05)) : 0
  const b = new Int32Array(Math.max(count * per, a.length * 2, 16, expected * per))
  b.set(a)
  return b
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
        first = growGroups(first, count, 1, i + 1, n)
        keys = growGroups(keys, count, 1, i + 1, n)
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
  if (validity === null && n >= PARTITION_MIN_ROWS && mostlyDistinct2(words, n)) return hashWords2Partitioned(words, n)
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
        first = growGroups(first, count, 1, i + 1, n)
        keys = growGroups(keys, count, 2, i + 1, n)
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

/** Rows from which `hashWords2` partitions by hash when most of a sample's rows are distinct. */
const PARTITION_MIN_ROWS = 1 << 21
const SAMPLE_ROWS = 1 << 17

/** Whether most of the first `SAMPLE_ROWS` rows of 2-word keys are distinct (a table of them would not fit in cache). */
const mostlyDistinct2 = (words: Int32Array, n: number): boolean => {
  const m = Math.min(n, SAMPLE_ROWS)
  const mask = 2 * m - 1 // capacity: the power of two ≥ 2m (m is a power of two here)
  const slots = new Int32Array(2 * (mask + 1)).fill(-1)
  let count = 0
  for (let i = 0; i < m; i++) {
    const a = words[2 * i]!
    const b = words[2 * i + 1]!
    let s = mix(mix(a) ^ b) & mask
    while (true) {
      const r = slots[2 * s]!
      if (r === -1) {
        slots[2 * s] = i
        count++
        break
      }
      if (words[2 * r] === a && words[2 * r + 1] === b) break
      s = (s + 1) & mask
    }
  }
  return 2 * count > m
}

/**
 * `hashWords2` for many groups (no nulls), radix-partitioned so that every probe stays in cache: rows are scattered
 * by the top bits of their hash into P partitions (row and key words copied, in row order), each partition is
 * grouped with its own small table (local ids, first rows), and the partitions' groups are then renumbered in
 * order of first appearance (a rank over a bitmap of first rows). Same result as `hashWords2`.
 */
const hashWords2Partitioned = (words: Int32Array, n: number): Groups => {
  let pb = 4
  while (pb < 10 && n >> (pb + 15) > 0) pb++
  const P = 1 << pb
  const shift = 32 - pb
  const start = new Int32Array(P + 1)
  for (let i = 0; i < n; i++) start[(mix(mix(words[2 * i]!) ^ words[2 * i + 1]!) >>> shift) + 1]!++
  let maxPart = 0
  for (let p = 0; p < P; p++) {
    if (start[p + 1]! > maxPart) maxPart = start[p + 1]!
    start[p + 1]! += start[p]!
  }
  // Records in partition order: [row, a, b].
  const rec = new Int32Array(3 * n)
  const fill = start.slice(0, P)
  for (let i = 0; i < n; i++) {
    const a = words[2 * i]!
    const b = words[2 * i + 1]!
    const q = 3 * fill[mix(mix(a) ^ b) >>> shift]!++
    rec[q] = i
    rec[q + 1] = a
    rec[q + 2] = b
  }
  // Provisional ids: partition-major (base of the partition + local id in the partition's row order).
  const prov = new Int32Array(n)
  const firstProv = new Int32Array(n)
  let cap = 16
  while (cap < 2 * maxPart) cap *= 2
  const slots = new Int32Array(2 * cap)
  const keys = new Int32Array(2 * maxPart)
  let total = 0
  for (let p = 0; p < P; p++) {
    const lo = start[p]!
    const hi = start[p + 1]!
    let c = 16
    while (c < 2 * (hi - lo)) c *= 2
    const mask = c - 1
    slots.fill(-1, 0, 2 * c)
    let count = 0
    for (let k = lo; k < hi; k++) {
      const a = rec[3 * k + 1]!
      const b = rec[3 * k + 2]!
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
        keys[2 * g] = a
        keys[2 * g + 1] = b
        slots[2 * s] = g
        slots[2 * s + 1] = h
        firstProv[total + g] = rec[3 * k]!
      }
      prov[k] = total + g
    }
    total += count
  }
  // Rank of each provisional group's first row among all first rows = its id in order of first appearance.
  const words32 = (n + 31) >>> 5
  const marks = new Int32Array(words32)
  for (let q = 0; q < total; q++) {
    const r = firstProv[q]!
    marks[r >>> 5]! |= 1 << (r & 31)
  }
  const before = new Int32Array(words32)
  let acc = 0
  for (let w = 0; w < words32; w++) {
    before[w] = acc
    acc += popcount(marks[w]!)
  }
  const rank = new Int32Array(total)
  const first = new Int32Array(total)
  for (let q = 0; q < total; q++) {
    const r = firstProv[q]!
    const g = before[r >>> 5]! + popcount(marks[r >>> 5]! & ((1 << (r & 31)) - 1))
    rank[q] = g
    first[g] = r
  }
  const ids = new Int32Array(n)
  for (let k = 0; k < n; k++) ids[rec[3 * k]!] = rank[prov[k]!]!
  return { ids, count: total, firstRow: first }
}

const popcount = (x: number): number => {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0
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
        first = growGroups(first, count, 1, i + 1, n)
        keys = growGroups(keys, count, W, i + 1, n)
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
        first = growGroups(first, count, 1, i + 1, n)
        starts = growGroups(starts, count, 1, i + 1, n)
        lens = growGroups(lens, count, 1, i + 1, n)
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

/** Known value ranges of integer key columns (by key position), so a fallback does not scan them again. */
type Ranges = ReadonlyArray<{ readonly min: number; readonly max: number } | undefined>

/** `rangeOf` for Int32 values without nulls: one monomorphic loop (the generic one sees every array type). */
const rangeOfInt32 = (vals: Int32Array, n: number): { min: number; max: number } => {
  if (n === 0) return { min: Infinity, max: -Infinity }
  let min = vals[0]!
  let max = min
  for (let i = 1; i < n; i++) {
    const v = vals[i]!
    if (v < min) min = v
    if (v > max) max = v
  }
  return { min, max }
}

/** Range of the valid values of a ≤32-bit integer column. */
const rangeOf = (vals: NumericArray, validity: Uint8Array | null, n: number): { min: number; max: number } => {
  if (validity === null && vals instanceof Int32Array) return rangeOfInt32(vals, n)
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

/** Dense ids of one key column (see `Groups`); `range`: the valid values' range when already known (integers). */
export const keyIds = (col: Column, n: number, known?: { readonly min: number; readonly max: number }): Groups => {
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
      const { min, max } = known ?? rangeOf(vals, validity, n)
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
export const groupIds = (keys: ReadonlyArray<Column>, n: number, ranges?: Ranges): Groups => {
  if (keys.length === 0) return allOne(n)
  if (keys.length === 1) return keyIds(keys[0]!, n, ranges?.[0])
  const parts: Array<Groups> = []
  for (let j = 0; j < keys.length; j++) {
    const g = keyIds(keys[j]!, n, ranges?.[j])
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


// ---------------------------------------------------------------------------------------------------------------
// small key domains: slots straight from the key values
// ---------------------------------------------------------------------------------------------------------------

/**
 * One key of a small domain, read per row as an index in `[0, card)`: Categorical codes (through `lut` when the
 * dictionary repeats a string) or integers minus `min`; the last index `card - 1` is the null key when the column
 * has nulls. A row's slot is `Σ index_k · mult_k` (mixed radix over the keys).
 */
export interface DirectKey {
  readonly values: NumericArray
  readonly validity: Uint8Array | null
  readonly lut: Int32Array | null
  readonly min: number
  readonly card: number
  readonly mult: number
}

/**
 * Groups over a small product of key domains (`size` slots). `groupOf[slot]` is the slot's group (-1 when no row
 * has it), `slotOf[g]` the group's slot. Kernels that know this layout (`aggregateMany`) aggregate into per-slot
 * state in one pass over the keys and values, without a per-row group-id array.
 */
export interface DirectKeys {
  readonly keys: ReadonlyArray<DirectKey>
  readonly size: number
  readonly groupOf: Int32Array
  readonly slotOf: Int32Array
}

/** Signature of the slot expression (the generated code depends on it, not on the constants). */
export const slotSignature = (keys: ReadonlyArray<DirectKey>): string =>
  keys.map((k) => `${k.values.constructor.name}${k.lut === null ? "" : "L"}${k.validity === null ? "" : "?"}`).join(",")

/**
 * Source of the slot computation for generated row loops: `head` declares the key arrays and constants from a
 * parameter `keys` (a `ReadonlyArray<DirectKey>`), `expr` is row i's slot.
 */
export const slotSource = (keys: ReadonlyArray<DirectKey>): { readonly head: string; readonly expr: string } => {
  const head: Array<string> = []
  const terms: Array<string> = []
  keys.forEach((k, j) => {
    head.push(`const kv${j} = keys[${j}].values, kx${j} = keys[${j}].mult;`)
    let e: string
    if (k.lut !== null) {
      head.push(`const kl${j} = keys[${j}].lut;`)
      e = `kl${j}[kv${j}[i]]`
    } else {
      head.push(`const kn${j} = keys[${j}].min;`)
      e = `(kv${j}[i] - kn${j})`
    }
    if (k.validity !== null) {
      head.push(`const km${j} = keys[${j}].validity, kc${j} = keys[${j}].card - 1;`)
      e = `(((km${j}[i >> 3] >> (i & 7)) & 1) !== 0 ? ${e} : kc${j})`
    }
    terms.push(keys.length === 1 ? e : `${e} * kx${j}`)
  })
  return { head: head.join(" "), expr: terms.join(" + ") }
}

type ScanFn = (keys: ReadonlyArray<DirectKey>, n: number, groupOf: Int32Array, first: Int32Array) => number
type IdsFn = (keys: ReadonlyArray<DirectKey>, n: number, groupOf: Int32Array, ids: Int32Array) => void

const SCANS = new Map<string, ScanFn | null>()
const IDS = new Map<string, IdsFn | null>()

const compile = <F>(cache: Map<string, F | null>, sig: string, params: ReadonlyArray<string>, body: string): F | null => {
  const hit = cache.get(sig)
  if (hit !== undefined) return hit
  let f: F | null = null
  try {
    f = new Function(...params, `"use strict"; ${body}`) as F
  } catch {
    f = null
  }
  if (cache.size >= 256) cache.clear()
  cache.set(sig, f)
  return f
}

/** First-appearance numbering of the slots; stops once every slot has a group. Returns the group count. */
const scanFn = (keys: ReadonlyArray<DirectKey>): ScanFn | null => {
  const { head, expr } = slotSource(keys)
  return compile<ScanFn>(
    SCANS,
    slotSignature(keys),
    ["keys", "n", "groupOf", "first"],
    `${head}\nconst D = groupOf.length; let count = 0;\nfor (let i = 0; i < n; i++) {\nconst s = ${expr};\n` +
      `if (groupOf[s] < 0) { groupOf[s] = count; first[count++] = i; if (count === D) break; }\n}\nreturn count;`
  )
}

const idsFn = (keys: ReadonlyArray<DirectKey>): IdsFn | null => {
  const { head, expr } = slotSource(keys)
  return compile<IdsFn>(
    IDS,
    slotSignature(keys),
    ["keys", "n", "groupOf", "ids"],
    `${head}\nfor (let i = 0; i < n; i++) ids[i] = groupOf[${expr}];`
  )
}

/** Largest product of key domains grouped by slots: always up to 2^16 (and 4n); up to 2^20 when ≤ n / 16. */
const SLOTS_SMALL = 1 << 16
const SLOTS_LARGE = 1 << 20

const slotsOk = (size: number, n: number): boolean =>
  (size <= SLOTS_SMALL && size <= 4 * n) || (size <= SLOTS_LARGE && 16 * size <= n)

type Domain = Omit<DirectKey, "mult">

/**
 * `rangeOf` of a key column's first `n` values, remembered per Column (columns are immutable), so that grouping the
 * same frame again by an integer key (another aggregation over the same keys) skips the min/max pass: a value
 * statistic as DuckDB keeps per row group and Polars in a Series' metadata.
 */
const RANGES = new WeakMap<Column, { readonly n: number; readonly min: number; readonly max: number }>()
const columnRange = (col: Column, validity: Uint8Array | null, n: number): { min: number; max: number } => {
  const hit = RANGES.get(col)
  if (hit !== undefined && hit.n === n) return { min: hit.min, max: hit.max }
  const r = rangeOf(col.values as NumericArray, validity, n)
  RANGES.set(col, { n, min: r.min, max: r.max })
  return r
}

/**
 * Every key's domain when each is Categorical or a ≤32-bit integer (or Date) column (else undefined). `ranges`
 * receives the integer keys' ranges computed on the way (for the fallback).
 */
const keyDomains = (
  cols: ReadonlyArray<Column>,
  n: number,
  ranges: Array<{ min: number; max: number } | undefined>
): Array<Domain> | undefined => {
  const parts: Array<Domain | undefined> = new Array(cols.length).fill(undefined)
  for (const col of cols) {
    const t = col.dtype._tag
    if (
      t !== "Categorical" &&
      t !== "Int8" &&
      t !== "UInt8" &&
      t !== "Int16" &&
      t !== "UInt16" &&
      t !== "Int32" &&
      t !== "UInt32" &&
      t !== "Date"
    )
      return undefined
  }
  for (let j = 0; j < cols.length; j++) {
    const col = cols[j]!
    const validity = col.nullCount === 0 ? null : col.validity
    const extra = validity === null ? 0 : 1
    if (col.dtype._tag === "Categorical") {
      const dict = col.dictionary!
      const canon = keyIds(dict, dict.length)
      const lut = canon.count === dict.length ? null : canon.ids
      parts[j] = { values: col.values as Int32Array, validity, lut, min: 0, card: Math.max(canon.count + extra, 1) }
    } else {
      const r = columnRange(col, validity, n)
      ranges[j] = r
      const card = r.min > r.max ? 1 : r.max - r.min + 1 + extra
      parts[j] = { values: col.values as NumericArray, validity, lut: null, min: r.min > r.max ? 0 : r.min, card }
    }
  }
  return parts as Array<Domain>
}

/** Mixed-radix layout of some domains (the last key varies fastest). */
const withMults = (parts: ReadonlyArray<Domain>): Array<DirectKey> => {
  const keys: Array<DirectKey> = []
  let mult = 1
  for (let j = parts.length - 1; j >= 0; j--) {
    keys.unshift({ ...parts[j]!, mult })
    mult *= parts[j]!.card
  }
  return keys
}

type PackFn = (keys: ReadonlyArray<DirectKey>, n: number, words: Int32Array, W: number, w: number) => void
const PACKS = new Map<string, PackFn | null>()

/** Writes the slot of `keys` (one word's keys) into `words[W*i + w]`. */
const packFn = (keys: ReadonlyArray<DirectKey>): PackFn | null => {
  const { head, expr } = slotSource(keys)
  return compile<PackFn>(
    PACKS,
    slotSignature(keys),
    ["keys", "n", "words", "W", "w"],
    `${head}\nfor (let i = 0, q = w; i < n; i++, q += W) words[q] = ${expr};`
  )
}

/**
 * Many groups over keys with known domains (Categorical codes, integer ranges) whose product is large: the domain
 * indices are packed in mixed radix into at most two 32-bit words per row in one generated pass per word (no
 * per-key id arrays), then numbered by direct indexing or one hash pass. Undefined when more words would be needed.
 */
const packDomains = (parts: ReadonlyArray<Domain>, n: number): Groups | undefined => {
  const words: Array<Array<Domain>> = [[]]
  let range = 1
  for (const p of parts) {
    if (p.card >= WORD_RANGE) return undefined
    if (range * p.card >= WORD_RANGE) {
      words.push([])
      range = 1
    }
    range *= p.card
    words[words.length - 1]!.push(p)
  }
  const W = words.length
  if (W > 2) return undefined
  const out = new Int32Array(n * W)
  for (let w = 0; w < W; w++) {
    const f = packFn(withMults(words[w]!))
    if (f === null) return undefined
    f(withMults(words[w]!), n, out, W, w)
  }
  if (W === 1) {
    if (range <= DIRECT_LIMIT * 16 || range <= 2 * n) return directIds(out, null, n, 0, range)
    return hashWords1(out, null, n)
  }
  return hashWords2(out, null, n)
}

/**
 * Groups for aggregation (`groupBy().agg()`): as `groupIds`, and when every key has a small domain (Categorical
 * codes, small-range integers; product of domains ≤ 2^16, or ≤ 2^20 when that is ≤ n / 16) the groups are found by
 * one scan of the keys that stops once every slot has appeared, carry the slot layout in `direct`, and build `ids`
 * only when something reads them. With known but larger domains (several such keys), the domain indices are packed
 * into one or two words per row directly (`packDomains`). Same groups, numbering and first rows as `groupIds`.
 */
export const groupKeys = (cols: ReadonlyArray<Column>, n: number): Groups => {
  const ranges: Array<{ min: number; max: number } | undefined> = new Array(cols.length).fill(undefined)
  if (n === 0 || cols.length === 0) return groupIds(cols, n)
  // One Categorical key with a large dictionary: grouped by `keyIds` (which hashes the dictionary once).
  const only = cols.length === 1 ? cols[0]! : undefined
  if (only !== undefined && only.dtype._tag === "Categorical" && !slotsOk(only.dictionary!.length, n)) return groupIds(cols, n)
  const parts = keyDomains(cols, n, ranges)
  if (parts === undefined) return groupIds(cols, n, ranges)
  const size = parts.reduce((a, k) => a * k.card, 1)
  if (!slotsOk(size, n)) return (cols.length > 1 ? packDomains(parts, n) : undefined) ?? groupIds(cols, n, ranges)
  const keys = withMults(parts)
  const scan = scanFn(keys)
  const toIds = idsFn(keys)
  if (scan === null || toIds === null) return groupIds(cols, n, ranges)
  const groupOf = new Int32Array(size).fill(-1)
  const first = new Int32Array(Math.min(size, n))
  const count = scan(keys, n, groupOf, first)
  const slotOf = new Int32Array(count)
  for (let s = 0; s < size; s++) {
    const g = groupOf[s]!
    if (g >= 0) slotOf[g] = s
  }
  const direct: DirectKeys = { keys, size, groupOf, slotOf }
  let ids: Int32Array | undefined
  return {
    count,
    firstRow: first.length === count ? first : first.slice(0, count),
    direct,
    get ids(): Int32Array {
      if (ids === undefined) {
        ids = new Int32Array(n)
        toIds(keys, n, groupOf, ids)
      }
      return ids
    }
  }
}
