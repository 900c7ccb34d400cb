/**
 * Arrow validity / boolean bitmaps: bit i is `bytes[i >> 3] & (1 << (i & 7))` (LSB first).
 * Plain functions on typed arrays; no Effect here.
 * @internal
 */

export const bytesFor = (n: number): number => (n + 7) >> 3

export const getBit = (bits: Uint8Array, i: number): boolean => (bits[i >> 3]! & (1 << (i & 7))) !== 0

export const setBit = (bits: Uint8Array, i: number): void => {
  bits[i >> 3]! |= 1 << (i & 7)
}

export const clearBit = (bits: Uint8Array, i: number): void => {
  bits[i >> 3]! &= ~(1 << (i & 7))
}

/** A bitmap of `n` bits all set. */
export const allSet = (n: number): Uint8Array => {
  const out = new Uint8Array(bytesFor(n))
  out.fill(0xff)
  return out
}

const POP = new Uint8Array(256)
for (let i = 0; i < 256; i++) POP[i] = (i & 1) + POP[i >> 1]!

/** Number of set bits among the first `n` bits. */
export const countSet = (bits: Uint8Array, n: number): number => {
  const full = n >> 3
  let c = 0
  for (let i = 0; i < full; i++) c += POP[bits[i]!]!
  const rem = n & 7
  if (rem !== 0) c += POP[bits[full]! & ((1 << rem) - 1)]!
  return c
}

/** Packs a byte-per-value mask (non-zero = set) into a bitmap. */
export const pack = (mask: Uint8Array, n: number = mask.length): Uint8Array => {
  const out = new Uint8Array(bytesFor(n))
  const full = n >> 3
  for (let b = 0; b < full; b++) {
    const o = b << 3
    out[b] =
      (mask[o] ? 1 : 0) |
      (mask[o + 1] ? 2 : 0) |
      (mask[o + 2] ? 4 : 0) |
      (mask[o + 3] ? 8 : 0) |
      (mask[o + 4] ? 16 : 0) |
      (mask[o + 5] ? 32 : 0) |
      (mask[o + 6] ? 64 : 0) |
      (mask[o + 7] ? 128 : 0)
  }
  for (let i = full << 3; i < n; i++) if (mask[i]) out[i >> 3]! |= 1 << (i & 7)
  return out
}

/** Unpacks the first `n` bits into a byte-per-value mask (1 = set). */
export const unpack = (bits: Uint8Array, n: number): Uint8Array => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (bits[i >> 3]! >> (i & 7)) & 1
  return out
}

/** Copies `n` bits starting at bit `offset` into a new bitmap starting at bit 0. */
export const sliceBits = (bits: Uint8Array, offset: number, n: number): Uint8Array => {
  if ((offset & 7) === 0) return bits.slice(offset >> 3, (offset >> 3) + bytesFor(n))
  const out = new Uint8Array(bytesFor(n))
  for (let i = 0; i < n; i++) {
    const j = i + offset
    if (bits[j >> 3]! & (1 << (j & 7))) out[i >> 3]! |= 1 << (i & 7)
  }
  return out
}

/** Bitwise AND of two validity bitmaps, either of which may be null (all valid). */
export const and = (a: Uint8Array | null, b: Uint8Array | null, n: number): Uint8Array | null => {
  if (a === null) return b
  if (b === null) return a
  const len = bytesFor(n)
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i++) out[i] = a[i]! & b[i]!
  return out
}
