/**
 * A per-stream dictionary of a Utf8 group-by key: byte strings → dense Int32 codes numbered in order of first
 * appearance, kept for the whole stream. The streaming group-by encodes each batch's Utf8 keys to codes once, so
 * its per-batch grouping, the partial states' key columns and every merge work on Int32 codes (direct indexing)
 * instead of hashing and copying strings again at each step; the strings are decoded once, for the result.
 * Open addressing on typed arrays (Int32Array slots, linear probing, load ≤ 1/2, doubling); the distinct strings
 * are kept contiguous in a byte arena with Arrow offsets, so the dictionary is an Arrow Utf8 column.
 * @internal
 */
import * as DT from "../../../Frame/DataType.ts"
import * as C from "../../column.ts"
import type { Column } from "../../column.ts"

export interface KeyDict {
  /**
   * Codes of `col`'s `n` rows (or of the rows `sel` lists): an Int32 column with `col`'s nulls. `col` is Utf8, or
   * Categorical (a dictionary-decoded Utf8 column: its dictionary is encoded once, then each row's code is looked up).
   */
  readonly encode: (col: Column, sel?: Int32Array) => Column
  /** Codes + 1 of `col`'s rows (or of the rows `sel` lists) into `out`, 0 for a null (no allocation). */
  readonly encodeInto: (col: Column, sel: Int32Array | undefined, out: Int32Array) => void
  /** Decodes a codes column back to Utf8 (nulls stay null). */
  readonly decode: (codes: Column) => Column
  readonly size: () => number
}

export const make = (): KeyDict => {
  let mask = 1023
  let slots = new Int32Array(mask + 1).fill(-1)
  let hashes = new Int32Array(256)
  // per code: its length and two 32-bit words (the first 4 and the last 4 bytes), which identify a string of ≤ 8 bytes
  let lens = new Int32Array(256)
  let w0s = new Int32Array(256)
  let w1s = new Int32Array(256)
  let starts = new Int32Array(257)
  let arena = new Uint8Array(4096)
  let count = 0

  const grown = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
    const b = new Int32Array(a.length * 2)
    b.set(a)
    return b
  }

  const insert = (bytes: Uint8Array, s: number, e: number, h: number, slot: number, w0: number, w1: number): number => {
    const len = e - s
    const code = count++
    if (code + 2 > starts.length) starts = grown(starts)
    if (code >= hashes.length) {
      hashes = grown(hashes)
      lens = grown(lens)
      w0s = grown(w0s)
      w1s = grown(w1s)
    }
    lens[code] = len
    w0s[code] = w0
    w1s[code] = w1
    const at = starts[code]!
    if (at + len > arena.length) {
      const a = new Uint8Array(Math.max(arena.length * 2, at + len))
      a.set(arena.subarray(0, at))
      arena = a
    }
    for (let k = 0; k < len; k++) arena[at + k] = bytes[s + k]!
    starts[code + 1] = at + len
    hashes[code] = h
    slots[slot] = code
    if (2 * count > mask) {
      mask = mask * 2 + 1
      slots = new Int32Array(mask + 1).fill(-1)
      for (let c = 0; c < count; c++) {
        let q = hashes[c]! & mask
        while (slots[q]! >= 0) q = (q + 1) & mask
        slots[q] = c
      }
    }
    return code
  }

  /**
   * Codes of the rows (or of the rows `sel` lists) into `codes`, skipping rows whose validity bit is unset. A string
   * of ≤ 8 bytes is identified by its length and first and last 4 bytes (compared as integers, no byte loop); longer
   * ones are also compared byte by byte. The table's arrays are read into locals; an insert (rare: once per distinct
   * string) refreshes them.
   */
  const run = (
    bytes: Uint8Array,
    o: Int32Array,
    validity: Uint8Array | null,
    sel: Int32Array | undefined,
    codes: Int32Array,
    base: number
  ): void => {
    let sl = slots
    let m = mask
    let hs = hashes
    let ln = lens
    let v0 = w0s
    let v1 = w1s
    let st = starts
    let ar = arena
    const n = codes.length
    for (let i = 0; i < n; i++) {
      const r = sel === undefined ? i : sel[i]!
      if (validity !== null && (validity[r >> 3]! & (1 << (r & 7))) === 0) {
        codes[i] = base - 1
        continue
      }
      const s = o[r]!
      const e = o[r + 1]!
      const len = e - s
      // the first and the last 4 bytes (overlapping for 4–7 bytes; zero-padded below 4)
      let w0 = 0
      let w1 = 0
      if (len >= 4) {
        w0 = bytes[s]! | (bytes[s + 1]! << 8) | (bytes[s + 2]! << 16) | (bytes[s + 3]! << 24)
        w1 = bytes[e - 4]! | (bytes[e - 3]! << 8) | (bytes[e - 2]! << 16) | (bytes[e - 1]! << 24)
      } else for (let k = 0; k < len; k++) w0 |= bytes[s + k]! << (8 * k)
      let h = Math.imul(w0 ^ Math.imul(len, 0x27d4eb2f), 0x9e3779b1) ^ Math.imul(w1, 0x85ebca6b)
      if (len > 8) {
        // longer strings: FNV-1a over the middle bytes as well
        for (let q = s + 4; q < e - 4; q++) h = Math.imul(h ^ bytes[q]!, 0x01000193)
      }
      h ^= h >>> 15
      h = Math.imul(h, 0x2c1b3c6d)
      h ^= h >>> 12
      let slot = h & m
      let code = -1
      for (;;) {
        const c = sl[slot]!
        if (c < 0) break
        if (hs[c] === h && ln[c] === len && v0[c] === w0 && v1[c] === w1) {
          if (len <= 8) {
            code = c
            break
          }
          const a = st[c]!
          let k = 0
          while (k < len && ar[a + k] === bytes[s + k]) k++
          if (k === len) {
            code = c
            break
          }
        }
        slot = (slot + 1) & m
      }
      if (code < 0) {
        code = insert(bytes, s, e, h, slot, w0, w1)
        sl = slots
        m = mask
        hs = hashes
        ln = lens
        v0 = w0s
        v1 = w1s
        st = starts
        ar = arena
      }
      codes[i] = code + base
    }
  }

  /** Codes (+ base) of a Categorical column's rows: its dictionary's codes, then one lookup per row (null: base - 1). */
  const lookup = (col: Column, validity: Uint8Array | null, sel: Int32Array | undefined, codes: Int32Array, base: number): void => {
    const dict = col.dictionary!
    const map = new Int32Array(dict.length)
    run(dict.values as Uint8Array, dict.offsets!, dict.nullCount === 0 ? null : dict.validity, undefined, map, base)
    const idx = col.values as Int32Array
    const n = codes.length
    if (validity === null) {
      if (sel === undefined) for (let i = 0; i < n; i++) codes[i] = map[idx[i]!]!
      else for (let i = 0; i < n; i++) codes[i] = map[idx[sel[i]!]!]!
      return
    }
    for (let i = 0; i < n; i++) {
      const r = sel === undefined ? i : sel[i]!
      codes[i] = (validity[r >> 3]! & (1 << (r & 7))) !== 0 ? map[idx[r]!]! : base - 1
    }
  }

  /** Codes + base of a Utf8 or Categorical column's rows into `codes` (a null gets base − 1). */
  const codesOf = (col: Column, sel: Int32Array | undefined, codes: Int32Array, base: number): Uint8Array | null => {
    const validity = col.nullCount === 0 ? null : col.validity
    if (col.dtype._tag === "Categorical") lookup(col, validity, sel, codes, base)
    else run(col.values as Uint8Array, col.offsets!, validity, sel, codes, base)
    return validity
  }

  const encodeInto = (col: Column, sel: Int32Array | undefined, out: Int32Array): void => {
    codesOf(col, sel, out, 1)
  }

  const encode = (col: Column, sel?: Int32Array): Column => {
    const n = sel === undefined ? col.length : sel.length
    const codes = new Int32Array(n)
    const validity = codesOf(col, sel, codes, 0)
    if (validity === null) return C.make(DT.Int32, n, codes, null)
    const out = new Uint8Array((n + 7) >> 3)
    for (let i = 0; i < n; i++) {
      const r = sel === undefined ? i : sel[i]!
      if ((validity[r >> 3]! & (1 << (r & 7))) !== 0) out[i >> 3]! |= 1 << (i & 7)
    }
    return C.make(DT.Int32, n, codes, out)
  }

  const decode = (codes: Column): Column => {
    const dict = C.make(DT.Utf8, count, arena.subarray(0, starts[count]!), null, { offsets: starts.subarray(0, count + 1) })
    const v = codes.values as Int32Array
    const idx = new Int32Array(codes.length)
    for (let i = 0; i < codes.length; i++) idx[i] = C.isValid(codes, i) ? v[i]! : -1
    return C.take(dict, idx)
  }

  return { encode, encodeInto, decode, size: () => count }
}
