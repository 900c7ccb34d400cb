/**
 * `sample`: n rows or a fraction of them, with or without replacement, deterministic for a seed (splitmix32).
 * @internal
 */
import * as Effect from "effect/Effect"
import { InvalidArgument } from "../../Frame/Errors.ts"
import type { SampleOptions } from "../../Frame/Frame.ts"
import * as C from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"

/** splitmix32: a small, fast, well-mixed 32-bit generator; returns uniform floats in [0, 1). */
export const splitmix32 = (seed: number): (() => number) => {
  let state = seed | 0
  return () => {
    state = (state + 0x9e3779b9) | 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    z ^= z >>> 16
    return (z >>> 0) / 4294967296
  }
}

/** Uniform integer in [0, k) from two draws (53 bits, so no visible bias for any frame height). */
const below = (rand: () => number, k: number): number => Math.floor((rand() + rand() / 4294967296) * k)

const fail = (argument: string, message: string) => Effect.fail(new InvalidArgument({ argument, message }))

/** Row indices of a sample (sorted unless `shuffle`). */
export const sampleIndices = (
  height: number,
  n: number,
  withReplacement: boolean,
  shuffle: boolean,
  rand: () => number
): Int32Array => {
  let out: Int32Array
  if (withReplacement) {
    out = new Int32Array(n)
    for (let k = 0; k < n; k++) out[k] = below(rand, height)
  } else if (n * 4 < height) {
    // Floyd's algorithm: n distinct indices without an O(height) permutation.
    const chosen = new Set<number>()
    out = new Int32Array(n)
    let k = 0
    for (let j = height - n; j < height; j++) {
      const t = below(rand, j + 1)
      const pick = chosen.has(t) ? j : t
      chosen.add(pick)
      out[k++] = pick
    }
  } else {
    // Partial Fisher–Yates over the identity permutation.
    const perm = new Int32Array(height)
    for (let i = 0; i < height; i++) perm[i] = i
    for (let k = 0; k < n; k++) {
      const j = k + below(rand, height - k)
      const t = perm[k]!
      perm[k] = perm[j]!
      perm[j] = t
    }
    out = perm.subarray(0, n)
  }
  if (shuffle) {
    for (let k = out.length - 1; k > 0; k--) {
      const j = below(rand, k + 1)
      const t = out[k]!
      out[k] = out[j]!
      out[j] = t
    }
  } else out.sort()
  return out
}

/** See `Frame.sample`. */
export const sample = (self: Frame, options: SampleOptions): Effect.Effect<Frame, InvalidArgument> =>
  Effect.suspend(() => {
    const h = self.height
    const withReplacement = options.withReplacement ?? false
    let n: number
    if (options.fraction !== undefined) {
      const f = options.fraction
      if (!Number.isFinite(f) || f < 0 || (!withReplacement && f > 1))
        return fail("fraction", `fraction must be in [0, 1]${withReplacement ? " (or above 1 with replacement)" : ""}, got ${f}`)
      n = Math.floor(f * h)
    } else {
      n = options.n!
      if (!Number.isSafeInteger(n) || n < 0) return fail("n", `n must be a non-negative integer, got ${n}`)
    }
    if (!withReplacement && n > h)
      return fail("n", `cannot take ${n} rows from a frame of ${h} rows without replacement`)
    if (withReplacement && h === 0 && n > 0) return fail("n", `cannot sample ${n} rows from an empty frame`)
    const seed = options.seed ?? Math.floor(Math.random() * 4294967296)
    if (!Number.isFinite(seed)) return fail("seed", `seed must be a finite number, got ${seed}`)
    const idx = sampleIndices(h, n, withReplacement, options.shuffle ?? false, splitmix32(seed))
    const cols = F.contiguous(self)
    return Effect.succeed(F.fromColumnsUnsafe(self.columns, cols.map((c) => C.take(c, idx))))
  })
