/**
 * Byte-level kernels for Utf8 columns (UTF-8 bytes + Int32 offsets): substring search, character counting, a
 * growable Utf8 builder and fast bulk decoding of rows to JS strings. Synchronous, no Effect.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** UTF-8 bytes of a JS string. */
export const utf8 = (s: string): Uint8Array => encoder.encode(s)

/** Index of the first occurrence of `needle` in `hay[from, to)`, or -1. An empty needle matches at `from`. */
export const findBytes = (hay: Uint8Array, from: number, to: number, needle: Uint8Array): number => {
  const m = needle.length
  if (m === 0) return from
  const first = needle[0]!
  const last = to - m
  outer: for (let i = from; i <= last; i++) {
    if (hay[i] !== first) continue
    for (let j = 1; j < m; j++) if (hay[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

/** Whether `hay[at, at + needle.length)` equals `needle` (bounds checked against `to`). */
export const bytesAt = (hay: Uint8Array, at: number, to: number, needle: Uint8Array): boolean => {
  const m = needle.length
  if (at < 0 || at + m > to) return false
  for (let j = 0; j < m; j++) if (hay[at + j] !== needle[j]) return false
  return true
}

/** Number of Unicode code points in `b[s, e)` (valid UTF-8): bytes that are not continuation bytes. */
export const charCount = (b: Uint8Array, s: number, e: number): number => {
  let c = 0
  for (let i = s; i < e; i++) if ((b[i]! & 0xc0) !== 0x80) c++
  return c
}

/** Whether every byte of `b[s, e)` is ASCII. */
export const isAscii = (b: Uint8Array, s: number, e: number): boolean => {
  for (let i = s; i < e; i++) if (b[i]! > 127) return false
  return true
}

/** Byte position of the `k`-th code point at or after byte `s` (clamped to `e`). */
export const advanceChars = (b: Uint8Array, s: number, e: number, k: number): number => {
  let i = s
  while (k > 0 && i < e) {
    i++
    while (i < e && (b[i]! & 0xc0) === 0x80) i++
    k--
  }
  return i
}

/** A growable Utf8 column under construction (one `push*` per row, in order). */
export class Utf8Builder {
  bytes: Uint8Array
  offsets: Int32Array
  pos = 0
  row = 0
  constructor(rows: number, estimatedBytes: number) {
    this.bytes = new Uint8Array(Math.max(16, estimatedBytes))
    this.offsets = new Int32Array(Math.max(rows, 1) + 1)
  }
  private reserve(extra: number): void {
    const need = this.pos + extra
    if (need <= this.bytes.length) return
    let cap = this.bytes.length * 2
    while (cap < need) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.bytes.subarray(0, this.pos))
    this.bytes = next
  }
  /** Appends bytes `src[s, e)` to the current row (does not end it). */
  append(src: Uint8Array, s: number, e: number): void {
    const len = e - s
    this.reserve(len)
    const out = this.bytes
    if (len < 32) for (let k = 0; k < len; k++) out[this.pos + k] = src[s + k]!
    else out.set(src.subarray(s, e), this.pos)
    this.pos += len
  }
  /** Appends a JS string (UTF-8 encoded) to the current row. */
  appendString(str: string): void {
    this.reserve(str.length * 3)
    this.pos += encoder.encodeInto(str, this.bytes.subarray(this.pos)).written
  }
  /** Ends the current row (the row count may exceed the initial estimate: offsets grow). */
  end(): void {
    if (this.row + 1 >= this.offsets.length) {
      const next = new Int32Array(this.offsets.length * 2)
      next.set(this.offsets)
      this.offsets = next
    }
    this.offsets[++this.row] = this.pos
  }
  /** The Utf8 column (with the given validity). */
  finish(validity: Uint8Array | null): Column {
    return C.make(DT.Utf8, this.row, this.bytes.subarray(0, this.pos), validity, { offsets: this.offsets.subarray(0, this.row + 1) })
  }
}

const CHUNK_BYTES = 1 << 26

/**
 * Decodes every row of a Utf8 column to a JS string (null rows give ""), fast: the bytes are decoded in large
 * chunks with one `TextDecoder` call, and rows are cut out as substrings at UTF-16 positions computed from the
 * bytes (a lead byte of a 4-byte sequence counts two UTF-16 units).
 */
export const decodeRows = (col: Column): Array<string> => {
  const n = col.length
  const out = new Array<string>(n)
  const o = col.offsets!
  const b = col.values as Uint8Array
  let r0 = 0
  while (r0 < n) {
    let r1 = r0
    const base = o[r0]!
    while (r1 < n && o[r1 + 1]! - base <= CHUNK_BYTES) r1++
    if (r1 === r0) r1 = r0 + 1
    const text = decoder.decode(b.subarray(base, o[r1]!))
    if (text.length === o[r1]! - base) {
      // Pure ASCII chunk: byte positions are string positions.
      for (let i = r0; i < r1; i++) out[i] = text.substring(o[i]! - base, o[i + 1]! - base)
    } else {
      let unit = 0
      let p = base
      for (let i = r0; i < r1; i++) {
        const start = unit
        const e = o[i + 1]!
        for (; p < e; p++) {
          const c = b[p]!
          if ((c & 0xc0) !== 0x80) unit += c >= 0xf0 ? 2 : 1
        }
        out[i] = text.substring(start, unit)
      }
    }
    r0 = r1
  }
  return out
}

/**
 * Applies a row-wise string function to a Categorical column: computes it once per dictionary entry (`f` on the
 * Utf8 dictionary) and gathers the results through the codes (null codes → null).
 */
export const viaDictionary = (col: Column, f: (dictionary: Column) => Column): Column => {
  const res = f(col.dictionary!)
  const codes = col.values as Int32Array
  if (col.validity === null) return C.take(res, codes)
  const idx = new Int32Array(col.length)
  for (let i = 0; i < col.length; i++) idx[i] = C.isValid(col, i) ? codes[i]! : -1
  return C.take(res, idx)
}
