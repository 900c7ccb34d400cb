/**
 * Group ids of Utf8 `by` keys for the time-series kernels (as-of joins, OHLCV): one open-addressing table that
 * several columns can share, so the left and right sides of an as-of join get the same id for the same string
 * without hashing group representatives a second time.
 *
 * Strings of at most 8 bytes (tickers, venue codes) are read as two 32-bit words (overlapping reads through a
 * DataView: the first and the last four bytes, which with the length identify the string) and compared as words;
 * longer ones are hashed byte by byte and compared against a copy kept in an arena. Same grouping as `groupIds`
 * (strings compare by bytes); ids are numbered in order of first appearance.
 * @internal
 */
import type { Column } from "../column.ts"

/** lowbias32 finalizer. */
const mix = (x: number): number => {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return x ^ (x >>> 16)
}

/**
 * A growable table of distinct strings. Slots are 4 words `[group, w0, w1, length]` (group -1: empty), so a probe
 * reads one cache line; w0/w1 are the key's words (strings of ≤ 8 bytes) or its hash and 0 (longer strings, whose
 * bytes are kept in `arena` at `start[group]`). Load ≤ 1/4 while the table is small, ≤ 1/2 beyond 2^16 slots.
 */
interface Table {
  slots: Int32Array
  /** Slot count − 1. */
  mask: number
  count: number
  start: Int32Array
  arena: Uint8Array
  used: number
  /** The null group's id (with `nullId` = NULL_GROUP), -1 until the first null. */
  nullGroup: number
}

/** `nullId` asking for nulls to form a group of their own, numbered at their first row. */
const NULL_GROUP = -3

const newTable = (): Table => ({
  slots: new Int32Array(4 * 1024).fill(-1),
  mask: 1023,
  count: 0,
  start: new Int32Array(64),
  arena: new Uint8Array(256),
  used: 0,
  nullGroup: -1
})

const slotHash = (w0: number, w1: number, len: number): number => mix(Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1 + len, 0x85ebca77))

const needsGrowth = (t: Table): boolean => {
  const cap = t.mask + 1
  return cap < 1 << 16 ? 4 * t.count > cap : 2 * t.count > cap
}

const rehash = (t: Table): void => {
  const old = t.slots
  const cap = (t.mask + 1) * 2
  const mask = cap - 1
  const slots = new Int32Array(4 * cap).fill(-1)
  for (let q = 0; q < old.length; q += 4) {
    if (old[q]! < 0) continue
    let p = (slotHash(old[q + 1]!, old[q + 2]!, old[q + 3]!) & mask) << 2
    while (slots[p]! !== -1) p = (p + 4) & (4 * mask + 3)
    slots[p] = old[q]!
    slots[p + 1] = old[q + 1]!
    slots[p + 2] = old[q + 2]!
    slots[p + 3] = old[q + 3]!
  }
  t.slots = slots
  t.mask = mask
}

/** Inserts a new group at slot position `p` (empty); returns its id. */
const insertAt = (t: Table, p: number, w0: number, w1: number, len: number): number => {
  const g = t.count++
  const slots = t.slots
  slots[p] = g
  slots[p + 1] = w0
  slots[p + 2] = w1
  slots[p + 3] = len
  return g
}

/**
 * Ids of the rows of Utf8 column `col` in table `t` (inserting new strings when `insert`, else -1 for a string not
 * in the table); null rows get `nullId`, or with NULL_GROUP a group of their own. Writes `out[i]` for i < `n`;
 * `firstRow` (when given) receives the first row of each new group.
 */
const lookup = (t: Table, col: Column, n: number, out: Int32Array, insert: boolean, nullId: number, firstRow: Array<number> | null): void => {
  const off = col.offsets!
  const bytes = col.values as Uint8Array
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const valid = col.nullCount === 0 ? null : col.validity
  let slots = t.slots
  let mask = t.mask
  let wrap = 4 * mask + 3
  for (let i = 0; i < n; i++) {
    let w0: number
    let w1: number
    let len: number
    if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) {
      if (nullId !== NULL_GROUP) {
        out[i] = nullId
        continue
      }
      if (t.nullGroup >= 0) {
        out[i] = t.nullGroup
        continue
      }
      // the null group: a key no string has (length -1)
      w0 = 0
      w1 = 0
      len = -1
    } else {
      const s = off[i]!
      const e = off[i + 1]!
      len = e - s
      if (len >= 4) {
        if (len <= 8) {
          w0 = dv.getInt32(s, true)
          w1 = dv.getInt32(e - 4, true)
        } else {
          // long key: FNV-1a over the bytes; compared through the arena
          let h = 0x811c9dc5 ^ len
          for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193)
          w0 = h
          w1 = 0
        }
      } else if (len > 0) {
        w0 = bytes[s]! | (bytes[s + (len >> 1)]! << 8) | (bytes[e - 1]! << 16)
        w1 = 0
      } else {
        w0 = 0
        w1 = 0
      }
    }
    let p = (slotHash(w0, w1, len) & mask) << 2
    let g = slots[p]!
    // the usual case, a hit at the first slot, without a loop
    if (g < 0 || slots[p + 1] !== w0 || slots[p + 2] !== w1 || slots[p + 3] !== len || len > 8) {
      while (true) {
        g = slots[p]!
        if (g === -1) break
        if (slots[p + 1] === w0 && slots[p + 2] === w1 && slots[p + 3] === len) {
          if (len <= 8) break
          const s = off[i]!
          const e = s + len
          const a = t.start[g]! - s
          const arena = t.arena
          let k = s
          while (k < e && arena[a + k] === bytes[k]) k++
          if (k === e) break
        }
        p = (p + 4) & wrap
      }
      if (g === -1) {
        if (!insert && len >= 0) {
          out[i] = -1
          continue
        }
        g = insertAt(t, p, w0, w1, len)
        if (len < 0) t.nullGroup = g
        if (len > 8) {
          if (g >= t.start.length) {
            const b = new Int32Array(Math.max(2 * t.start.length, g + 1))
            b.set(t.start)
            t.start = b
          }
          if (t.used + len > t.arena.length) {
            const b = new Uint8Array(Math.max(2 * t.arena.length, t.used + len))
            b.set(t.arena.subarray(0, t.used))
            t.arena = b
          }
          const s = off[i]!
          t.arena.set(bytes.subarray(s, s + len), t.used)
          t.start[g] = t.used
          t.used += len
        }
        if (firstRow !== null) firstRow.push(i)
        if (needsGrowth(t)) {
          rehash(t)
          slots = t.slots
          mask = t.mask
          wrap = 4 * mask + 3
        }
      }
    }
    out[i] = g
  }
}

/**
 * Shared ids of two Utf8 columns (same string ⇒ same id on both sides), -1 for a null. Right strings that no left
 * row has also get -1 (they can match nothing). `count` is the number of left groups.
 */
export const sharedUtf8Ids = (
  l: Column,
  r: Column,
  n: number,
  m: number
): { readonly lg: Int32Array; readonly rg: Int32Array; readonly count: number } => {
  const t = newTable()
  const lg = new Int32Array(n)
  const rg = new Int32Array(m)
  lookup(t, l, n, lg, true, -1, null)
  lookup(t, r, m, rg, false, -1, null)
  return { lg, rg, count: t.count }
}

/**
 * Group ids of a Utf8 column in order of first appearance, nulls forming one group, as `groupIds([col], n)`, with
 * each group's first row.
 */
export const utf8GroupIds = (col: Column, n: number): { readonly ids: Int32Array; readonly count: number; readonly firstRow: Int32Array } => {
  const t = newTable()
  const ids = new Int32Array(n)
  const first: Array<number> = []
  lookup(t, col, n, ids, true, NULL_GROUP, first)
  return { ids, count: t.count, firstRow: Int32Array.from(first) }
}
