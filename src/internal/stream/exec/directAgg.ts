/**
 * The streaming group-by's direct path, for the common shape "keys of strings or small integers, aggregations
 * `sum`/`count`/`len`/`mean` of numbers": one persistent hash table for the whole stream maps each row's key tuple
 * (per-stream key codes: `KeyDict` for Utf8, `IntCodes` for ≤ 32-bit integers) to a group id numbered in order of
 * first appearance, and each aggregation is accumulated row by row into per-group states (one Float64Array, a
 * group's states side by side); a batch whose keys are dictionary codes or small integers, with no nulls, goes
 * through one generated loop (`addWhere`: predicate, key codes, group lookup, aggregations). No per-batch
 * grouping, partial-state columns, merges or copies of the input: a fused filter's selected rows are read in
 * place (`sel`). Results equal the partial/merge path's (integer sums are exact: they are carried in two Float64
 * words, `hi · 2^32 + lo`; float sums and means add in row order, as the in-memory verb).
 *
 * A table can hand its state over (`partial`) and take another's (`merge`): the streaming scan's decode workers
 * each fill their own table (`partialAgg.ts`) and the calling thread merges them. Every group remembers the input
 * position of its first row (`add`'s `base`), so after merges `finish` puts the groups back in order of first
 * appearance; merged float sums add per table, then across tables.
 * @internal
 */
import * as DT from "../../../Frame/DataType.ts"
import type { DataType } from "../../../Frame/DataType.ts"
import * as C from "../../column.ts"
import type { Column } from "../../column.ts"
import * as Select from "./select.ts"
import * as KD from "./keyDict.ts"

/** What the direct path computes for one aggregation. */
export type DirectKind = "sum" | "count" | "len" | "mean"

const SMALL_INT = new Set(["Int8", "Int16", "Int32", "UInt8", "UInt16"])
const SUMMABLE = new Set(["Int8", "Int16", "Int32", "UInt8", "UInt16", "UInt32", "Float32", "Float64"])

/** Whether the direct path applies to keys and inputs of these dtypes (inputs undefined for `len`). */
export const applies = (
  keyTypes: ReadonlyArray<DataType>,
  aggs: ReadonlyArray<{ readonly kind: DirectKind; readonly input: DataType | undefined }>
): boolean =>
  keyTypes.length > 0 &&
  keyTypes.every((t) => t._tag === "Utf8" || SMALL_INT.has(t._tag)) &&
  aggs.every((a) => a.kind === "len" || a.kind === "count" || (a.input !== undefined && SUMMABLE.has(a.input._tag)))

/** Per-stream codes of a ≤ 32-bit integer key: value → code in order of first appearance (open addressing). */
interface IntCodes {
  readonly encode: (col: Column, sel: Int32Array | undefined, out: Int32Array) => void
  readonly values: () => Int32Array
  /** The direct table (value − base → code, −1 unseen) while values span a small range, else undefined. */
  readonly table: () => { readonly table: Int32Array; readonly base: number } | undefined
}

const intCodes = (): IntCodes => {
  let mask = 255
  let slots = new Int32Array(mask + 1).fill(-1)
  let vals = new Int32Array(64)
  let count = 0
  const insert = (v: number, slot: number): number => {
    const c = count++
    if (c === vals.length) {
      const b = new Int32Array(vals.length * 2)
      b.set(vals)
      vals = b
    }
    vals[c] = v
    slots[slot] = c
    if (2 * count > mask) {
      mask = mask * 2 + 1
      slots = new Int32Array(mask + 1).fill(-1)
      for (let k = 0; k < count; k++) {
        let q = Math.imul(vals[k]!, 0x9e3779b1) >>> 0
        q = (q ^ (q >>> 15)) & mask
        while (slots[q]! >= 0) q = (q + 1) & mask
        slots[q] = k
      }
    }
    return c
  }
  // values seen so far in [dmin, dmin + dtab.length): code by direct indexing (-1 = not seen yet)
  let dmin = 0
  let dtab: Int32Array | undefined
  const DIRECT_MAX = 1 << 16
  /** Extends the direct table to cover [lo, hi], or drops it when the range gets too wide. */
  const cover = (lo: number, hi: number) => {
    const a = dtab === undefined ? lo : Math.min(lo, dmin)
    const b = dtab === undefined ? hi : Math.max(hi, dmin + dtab.length - 1)
    if (b - a + 1 > DIRECT_MAX) {
      dtab = undefined
      return false
    }
    if (dtab !== undefined && a === dmin && b < dmin + dtab.length) return true
    const t = new Int32Array(b - a + 1).fill(-1)
    for (let c = 0; c < count; c++) t[vals[c]! - a] = c
    dtab = t
    dmin = a
    return true
  }
  let wide = false
  /** Code of a value first seen in the direct table's range: into the hash table too (a later switch keeps codes). */
  const newDirectCode = (x: number): number => {
    let q = Math.imul(x, 0x9e3779b1) >>> 0
    q = (q ^ (q >>> 15)) & mask
    while (slots[q]! >= 0) q = (q + 1) & mask
    const c = insert(x, q)
    dtab![x - dmin] = c
    return c
  }
  return {
    // out[i] = code + 1, 0 for null
    encode: (col, sel, out) => {
      const v = col.values as Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array
      const validity = col.nullCount === 0 ? null : col.validity
      const n = out.length
      if (!wide && dtab !== undefined && validity === null) {
        // one pass while every value falls in the direct table's range (the common case after the first batch)
        const t = dtab
        const base = dmin
        const len = t.length
        let i = 0
        if (sel === undefined)
          for (; i < n; i++) {
            const o = v[i]! - base
            if (o < 0 || o >= len) break
            const c = t[o]!
            out[i] = c >= 0 ? c + 1 : newDirectCode(o + base) + 1
          }
        else
          for (; i < n; i++) {
            const x = v[sel[i]!]!
            const o = x - base
            if (o < 0 || o >= len) break
            const c = t[o]!
            out[i] = c >= 0 ? c + 1 : newDirectCode(x) + 1
          }
        if (i === n) return
      }
      if (!wide) {
        let lo = Infinity
        let hi = -Infinity
        if (validity === null && sel === undefined)
          for (let i = 0; i < n; i++) {
            const x = v[i]!
            if (x < lo) lo = x
            if (x > hi) hi = x
          }
        else if (validity === null)
          for (let i = 0; i < n; i++) {
            const x = v[sel![i]!]!
            if (x < lo) lo = x
            if (x > hi) hi = x
          }
        else
          for (let i = 0; i < n; i++) {
            const r = sel === undefined ? i : sel[i]!
            if ((validity[r >> 3]! & (1 << (r & 7))) === 0) continue
            const x = v[r]!
            if (x < lo) lo = x
            if (x > hi) hi = x
          }
        if (lo > hi || cover(lo, hi)) {
          if (validity === null && lo <= hi) {
            const t = dtab!
            const base = dmin
            if (sel === undefined)
              for (let i = 0; i < n; i++) {
                const x = v[i]!
                const c = t[x - base]!
                out[i] = c >= 0 ? c + 1 : newDirectCode(x) + 1
              }
            else
              for (let i = 0; i < n; i++) {
                const x = v[sel[i]!]!
                const c = t[x - base]!
                out[i] = c >= 0 ? c + 1 : newDirectCode(x) + 1
              }
            return
          }
          for (let i = 0; i < n; i++) {
            const r = sel === undefined ? i : sel[i]!
            if (validity !== null && (validity[r >> 3]! & (1 << (r & 7))) === 0) {
              out[i] = 0
              continue
            }
            const x = v[r]!
            let c = dtab![x - dmin]!
            if (c < 0) {
              // a new value: into the hash table too (so a later switch to hashing keeps the codes)
              let q = Math.imul(x, 0x9e3779b1) >>> 0
              q = (q ^ (q >>> 15)) & mask
              while (slots[q]! >= 0) q = (q + 1) & mask
              c = insert(x, q)
              dtab![x - dmin] = c
            }
            out[i] = c + 1
          }
          return
        }
        wide = true
      }
      for (let i = 0; i < n; i++) {
        const r = sel === undefined ? i : sel[i]!
        if (validity !== null && (validity[r >> 3]! & (1 << (r & 7))) === 0) {
          out[i] = 0
          continue
        }
        const x = v[r]!
        let q = Math.imul(x, 0x9e3779b1) >>> 0
        q = (q ^ (q >>> 15)) & mask
        let c = -1
        for (;;) {
          const s = slots[q]!
          if (s < 0) break
          if (vals[s] === x) {
            c = s
            break
          }
          q = (q + 1) & mask
        }
        if (c < 0) c = insert(x, q)
        out[i] = c + 1
      }
    },
    values: () => vals.subarray(0, count),
    table: () => (wide || dtab === undefined ? undefined : { table: dtab, base: dmin })
  }
}

const TWO32 = 2 ** 32
/** Rows of a first batch whose integer key values `addWhere` codes before its loop. */
const FIRST_CODED = 4096
const EMPTY = new Float64Array(0)

export interface Direct {
  /** Accumulates the rows of one batch (all, or those `sel` lists) given its key and input columns. */
  /**
   * Accumulates the rows of one batch (all, or those `sel` lists) given its key and input columns. `base` is the
   * input position of the batch's first row (rows of the whole input numbered from 0): it orders the groups at the
   * end; undefined continues from the previous batch.
   */
  readonly add: (
    keys: ReadonlyArray<Column>,
    inputs: ReadonlyArray<Column | undefined>,
    sel: Int32Array | undefined,
    n: number,
    base?: number
  ) => void
  /** Number of groups so far. */
  readonly groups: () => number
  /** The key columns (in `keyTypes`) and one column per aggregation (Int64 sums of integers and counts, Float64 otherwise). */
  readonly finish: () => { readonly keys: ReadonlyArray<Column>; readonly aggs: ReadonlyArray<Column> }
  /** The state so far as a `Partial` (for another thread's `merge`). */
  readonly partial: (rows: number) => Partial
  /** Adds another table's state: its groups are looked up (new ones appended in their order), accumulators added. */
  readonly merge: (p: Partial) => void
  /**
   * The rows of a batch where every comparison of `terms` holds (`termColumns` in the same order), in one generated
   * loop (predicate, key codes, group lookup and aggregations per row) while no row brings a new key value or a new
   * group; the rest of the batch from the first such row goes through `add`. False when the batch does not fit that
   * loop (a null in a key, input or compared column, a Utf8 key that is not dictionary-decoded, a table past its
   * direct phase): nothing was added, the caller takes the general path.
   */
  readonly addWhere: (
    keys: ReadonlyArray<Column>,
    inputs: ReadonlyArray<Column | undefined>,
    terms: ReadonlyArray<Select.Term>,
    termColumns: ReadonlyArray<Column>,
    n: number,
    base?: number
  ) => boolean
}

/**
 * The state of a direct group-by over some rows, as plain data (structured-clonable; its buffers transferable):
 * the key columns (decoded: Utf8 or the integer dtype, nulls as nulls), and per aggregation its two accumulators
 * by group (see `make`: sum or lo word or count; hi word or n). `rows` is the number of input rows it covers.
 */
export interface Partial {
  readonly rows: number
  readonly groups: number
  readonly keys: ReadonlyArray<Column>
  readonly a: ReadonlyArray<Float64Array>
  readonly b: ReadonlyArray<Float64Array>
  /** Per group, the input position of its first row (so merged groups can be put in order of first appearance). */
  readonly first: Float64Array
}

/** The buffers a `Partial` can hand over to another thread without a copy. */
export const transferables = (p: Partial): Array<ArrayBuffer> => {
  const out = new Set<ArrayBuffer>()
  const add = (x: { readonly buffer: ArrayBufferLike } | null | undefined) => {
    if (x != null && x.buffer instanceof ArrayBuffer) out.add(x.buffer)
  }
  for (const k of p.keys) {
    add(k.values)
    add(k.validity)
    add(k.offsets)
  }
  for (const x of [...p.a, ...p.b, p.first]) add(x)
  return [...out]
}


export const make = (
  keyTypes: ReadonlyArray<DataType>,
  aggs: ReadonlyArray<{ readonly kind: DirectKind; readonly input: DataType | undefined }>
): Direct => {
  const K = keyTypes.length
  const enc = keyTypes.map((t) => (t._tag === "Utf8" ? { utf8: KD.make() } : { int: intCodes() }))
  const intSum = aggs.map((a) => a.kind === "sum" && a.input !== undefined && DT.isInteger(a.input))
  // the table: slots of group ids; keys per group (K codes + 1), contiguous
  let mask = 1023
  let slots = new Int32Array(mask + 1).fill(-1)
  let hashes = new Int32Array(256)
  let keyStore = new Int32Array(256 * K)
  let cap = 256
  let G = 0
  // per group: input position of its first row; whether groups may be out of that order (after a merge)
  let first = new Float64Array(cap)
  let unordered = false
  let seen = 0
  // rows (batch indexes) where this batch's new groups first appear: group G0 + k at newAt[k]
  let newAt = new Int32Array(0)
  let G0 = 0
  // accumulators: a (sum, lo, count) and b (hi, n) per aggregation
  // accumulators, row layout (one group's states side by side, as DuckDB's aggregate states): for aggregation k,
  // a = acc[g·W + 2k] (sum, lo word or count), b = acc[g·W + 2k + 1] (hi word or n); a row touches one cache line
  const W = 2 * aggs.length
  // plus one scratch row (index cap) for the rows `addWhere`'s predicate rejects (never read)
  let acc = new Float64Array((cap + 1) * W)
  let codes = Array.from({ length: K }, () => new Int32Array(0))
  let gids = new Int32Array(0)
  let hashed = false

  const grow = () => {
    const c2 = cap * 2
    const h = new Int32Array(c2)
    h.set(hashes)
    hashes = h
    const ks = new Int32Array(c2 * K)
    ks.set(keyStore)
    keyStore = ks
    const a2 = new Float64Array((c2 + 1) * W)
    a2.set(acc.subarray(0, cap * W))
    acc = a2
    const f = new Float64Array(c2)
    f.set(first)
    first = f
    cap = c2
  }

  const rehash = () => {
    mask = mask * 2 + 1
    slots = new Int32Array(mask + 1).fill(-1)
    for (let g = 0; g < G; g++) {
      let q = hashes[g]! & mask
      while (slots[q]! >= 0) q = (q + 1) & mask
      slots[q] = g
    }
  }

  // direct group table over the key codes' ranges (mixed radix, powers of two), while their product is small
  let bits: Array<number> = Array.from({ length: K }, () => 0)
  let direct: Int32Array | undefined = new Int32Array(1).fill(-1)
  const DIRECT_BITS = 22
  /** Widens the direct table so every key's codes fit; false when it would get too large. */
  const fitDirect = (): boolean => {
    if (direct === undefined) return false
    const need = bits.slice()
    for (let j = 0; j < K; j++) {
      // the largest code (+ 1) any row can have: the key's distinct values so far (no pass over the rows)
      const e = enc[j]!
      const m = "utf8" in e ? e.utf8.size() : e.int.values().length
      while (m >= 1 << need[j]!) need[j]!++
    }
    if (need.every((b, j) => b === bits[j])) return true
    const total = need.reduce((a, b) => a + b, 0)
    if (total > DIRECT_BITS) {
      direct = undefined
      return false
    }
    const t = new Int32Array(1 << total).fill(-1)
    for (let g = 0; g < G; g++) {
      let idx = 0
      for (let j = 0; j < K; j++) idx = (idx << need[j]!) | keyStore[g * K + j]!
      t[idx] = g
    }
    direct = t
    bits = need
    return true
  }

  /** A new group for row i's codes at direct-table index idx. */
  const newDirect = (t: Int32Array, idx: number, i: number): number => {
    const g = G++
    if (g === cap) grow()
    for (let j = 0; j < K; j++) keyStore[g * K + j] = codes[j]![i]!
    t[idx] = g
    newAt[g - G0] = i
    return g
  }

  const assign = (n: number) => {
    if (fitDirect()) {
      const t = direct!
      // one and two keys (the common shapes) without the loop over keys
      const out = gids
      if (K === 1) {
        const c0 = codes[0]!
        for (let i = 0; i < n; i++) {
          const idx = c0[i]!
          const g = t[idx]!
          out[i] = g >= 0 ? g : newDirect(t, idx, i)
        }
        return
      }
      if (K === 2) {
        const c0 = codes[0]!
        const c1 = codes[1]!
        const b1 = bits[1]!
        for (let i = 0; i < n; i++) {
          const idx = (c0[i]! << b1) | c1[i]!
          const g = t[idx]!
          out[i] = g >= 0 ? g : newDirect(t, idx, i)
        }
        return
      }
      for (let i = 0; i < n; i++) {
        let idx = 0
        for (let j = 0; j < K; j++) idx = (idx << bits[j]!) | codes[j]![i]!
        const g = t[idx]!
        gids[i] = g >= 0 ? g : newDirect(t, idx, i)
      }
      return
    }
    if (!hashed) {
      // leaving the direct table: index the groups so far in the hash table
      hashed = true
      for (let g = 0; g < G; g++) {
        let h = 0x9747b28c
        for (let j = 0; j < K; j++) h = Math.imul(h ^ keyStore[g * K + j]!, 0x01000193)
        h ^= h >>> 15
        h = Math.imul(h, 0x2c1b3c6d)
        h ^= h >>> 12
        hashes[g] = h
      }
      while (2 * G > mask) mask = mask * 2 + 1
      slots = new Int32Array(mask + 1).fill(-1)
      for (let g = 0; g < G; g++) {
        let q = hashes[g]! & mask
        while (slots[q]! >= 0) q = (q + 1) & mask
        slots[q] = g
      }
    }
    for (let i = 0; i < n; i++) {
      let h = 0x9747b28c
      for (let j = 0; j < K; j++) h = Math.imul(h ^ codes[j]![i]!, 0x01000193)
      h ^= h >>> 15
      h = Math.imul(h, 0x2c1b3c6d)
      h ^= h >>> 12
      let q = h & mask
      let g = -1
      for (;;) {
        const s = slots[q]!
        if (s < 0) break
        if (hashes[s] === h) {
          let j = 0
          while (j < K && keyStore[s * K + j] === codes[j]![i]) j++
          if (j === K) {
            g = s
            break
          }
        }
        q = (q + 1) & mask
      }
      if (g < 0) {
        g = G++
        if (g === cap) grow()
        newAt[g - G0] = i
        hashes[g] = h
        for (let j = 0; j < K; j++) keyStore[g * K + j] = codes[j]![i]!
        slots[q] = g
        if (2 * G > mask) rehash()
      }
      gids[i] = g
    }
  }

  /**
   * One loop over the rows updating every aggregation (inputs without nulls): sum adds into A, mean adds into A and
   * counts into B, len and count count into A. Generated once per table and selection mode, so each input array
   * keeps one element type at its access site.
   */
  type Fused = (gids: Int32Array, sel: Int32Array | undefined, n: number, acc: Float64Array, v: ReadonlyArray<unknown>) => void
  /** The statements updating every aggregation's state of group `g` (at `b = g·W`) with row `r` (no nulls). */
  const updates = (r: string) =>
    aggs
      .map((a, k) => {
        switch (a.kind) {
          case "len":
          case "count":
            return `acc[b + ${2 * k}]++;`
          case "mean":
            return `acc[b + ${2 * k}] += v${k}[${r}]; acc[b + ${2 * k + 1}]++;`
          default:
            return `acc[b + ${2 * k}] += v${k}[${r}];`
        }
      })
      .join(" ")
  const fused = (withSel: boolean): Fused => {
    const head = aggs.map((_, k) => `const v${k} = v[${k}];`).join(" ")
    const row = withSel ? "const r = sel[i];" : "const r = i;"
    return new Function("gids", "sel", "n", "acc", "v", `"use strict"; ${head} for (let i = 0; i < n; i++) { const b = gids[i] * ${W}; ${row} ${updates("r")} }`) as Fused
  }
  let fusedAll: Fused | undefined
  let fusedSel: Fused | undefined

  /**
   * Carry of integer sums: lo (A) back below 2^32 in magnitude, the excess into hi (B, in units of 2^32); between
   * two carries at most 2^20 values of magnitude < 2^32 are added, so lo stays below 2^53 and every addition is exact.
   */
  const carryInto = (k: number) => {
    for (let g = 0, at = 2 * k; g < G; g++, at += W) {
      const lo = acc[at]!
      if (lo >= TWO32 || lo <= -TWO32) {
        const c = Math.trunc(lo / TWO32)
        acc[at + 1] = acc[at + 1]! + c
        acc[at] = lo - c * TWO32
      }
    }
  }

  /** Each key's codes + 1 (0 for null) of the n rows (or of the rows `sel` lists) into `codes` (grown to n). */
  const encodeKeys = (keys: ReadonlyArray<Column>, sel: Int32Array | undefined, n: number) => {
    if (gids.length < n) {
      gids = new Int32Array(n)
      codes = codes.map(() => new Int32Array(n))
      newAt = new Int32Array(n)
    }
    for (let j = 0; j < K; j++) {
      const out = codes[j]!.subarray(0, n)
      const e = enc[j]!
      if ("utf8" in e) e.utf8.encodeInto(keys[j]!, sel, out)
      else e.int.encode(keys[j]!, sel, out)
    }
  }

  const add: Direct["add"] = (keys, inputs, sel, n, base) => {
    encodeKeys(keys, sel, n)
    const at = base ?? seen
    if (at < seen) unordered = true
    G0 = G
    assign(n)
    for (let g = G0; g < G; g++) {
      const i = newAt[g - G0]!
      first[g] = at + (sel === undefined ? i : sel[i]!)
    }
    seen = Math.max(seen, at + (sel === undefined ? n : n === 0 ? 0 : sel[n - 1]! + 1))
    if (n <= 1 << 20 && aggs.every((a, k) => a.kind === "len" || inputs[k]!.nullCount === 0)) {
      // no nulls: every aggregation in one pass over the rows (a loop generated for this table's aggregations)
      const loop = sel === undefined ? (fusedAll ??= fused(false)) : (fusedSel ??= fused(true))
      loop(gids, sel, n, acc, inputs.map((x) => x?.values))
      for (let k = 0; k < aggs.length; k++) if (intSum[k]) carryInto(k)
      return
    }
    // nulls in an input: one loop per aggregation (states at acc[g·W + 2k], acc[g·W + 2k + 1])
    aggs.forEach((a, k) => {
      const ao = 2 * k
      if (a.kind === "len") {
        for (let i = 0; i < n; i++) acc[gids[i]! * W + ao]!++
        return
      }
      const x = inputs[k]!
      const validity = x.nullCount === 0 ? null : x.validity
      const v = x.values as ArrayLike<number>
      const carry = () => carryInto(k)
      for (let i = 0; i < n; i++) {
        const r = sel === undefined ? i : sel[i]!
        if (validity !== null && (validity[r >> 3]! & (1 << (r & 7))) === 0) continue
        const at = gids[i]! * W + ao
        if (a.kind === "count") acc[at]!++
        else {
          acc[at] = acc[at]! + v[r]!
          if (a.kind === "mean") acc[at + 1]!++
          else if (intSum[k] && (i & 0xfffff) === 0xfffff) carry()
        }
      }
      if (intSum[k]) carry()
    })
  }

  /** Aggregation k's a (which 0) or b (which 1) state of every group, as a column of G values. */
  const states = (k: number, which: 0 | 1): Float64Array => {
    const out = new Float64Array(G)
    for (let g = 0, at = 2 * k + which; g < G; g++, at += W) out[g] = acc[at]!
    return out
  }

  const partial: Direct["partial"] = (rows) => ({
    rows,
    groups: G,
    keys: keyColumns(),
    a: aggs.map((_, k) => states(k, 0)),
    b: aggs.map((_, k) => states(k, 1)),
    first: first.slice(0, G)
  })

  const merge: Direct["merge"] = (p) => {
    const n = p.groups
    if (n === 0) return
    encodeKeys(p.keys, undefined, n)
    const G1 = G
    G0 = G
    assign(n)
    unordered = true
    const pf = p.first
    for (let i = 0; i < n; i++) {
      const g = gids[i]!
      if (g >= G1 || pf[i]! < first[g]!) first[g] = pf[i]!
    }
    for (let k = 0; k < aggs.length; k++) {
      const pa = p.a[k]!
      const pb = p.b[k]!
      for (let i = 0; i < n; i++) {
        const at = gids[i]! * W + 2 * k
        acc[at] = acc[at]! + pa[i]!
        acc[at + 1] = acc[at + 1]! + pb[i]!
      }
      if (intSum[k]) carryInto(k)
    }
  }

  const keyColumns = (): Array<Column> =>
    keyTypes.map((t, j) => {
      const v = new Int32Array(G)
      const validity = new Uint8Array((G + 7) >> 3)
      for (let g = 0; g < G; g++) {
        const c = keyStore[g * K + j]!
        if (c > 0) {
          v[g] = c - 1
          validity[g >> 3]! |= 1 << (g & 7)
        }
      }
      const e = enc[j]!
      if ("utf8" in e) return e.utf8.decode(C.make(DT.Int32, G, v, validity))
      const vals = e.int.values()
      const out = C.allocValues(t, G) as Int32Array
      for (let g = 0; g < G; g++) out[g] = keyStore[g * K + j]! > 0 ? vals[v[g]!]! : 0
      return C.make(t, G, out, validity)
    })

  const finish: Direct["finish"] = () => {
    const keyCols = keyColumns()
    const aggCols = aggs.map((a, k) => {
      const A = states(k, 0)
      const B = states(k, 1)
      if (a.kind === "len" || a.kind === "count") {
        const out = new BigInt64Array(G)
        for (let g = 0; g < G; g++) out[g] = BigInt(A[g]!)
        return C.make(DT.Int64, G, out, null)
      }
      if (a.kind === "mean") {
        const out = new Float64Array(G)
        const validity = new Uint8Array((G + 7) >> 3)
        for (let g = 0; g < G; g++) {
          if (B[g]! > 0) {
            out[g] = A[g]! / B[g]!
            validity[g >> 3]! |= 1 << (g & 7)
          }
        }
        return C.make(DT.Float64, G, out, validity)
      }
      if (intSum[k]) {
        const out = new BigInt64Array(G)
        for (let g = 0; g < G; g++) out[g] = BigInt.asIntN(64, BigInt(B[g]!) * 4294967296n + BigInt(A[g]!))
        return C.make(DT.Int64, G, out, null)
      }
      return C.make(DT.Float64, G, A, null)
    })
    if (!unordered) return { keys: keyCols, aggs: aggCols }
    // merged partials: groups in order of first appearance in the input
    const perm = Int32Array.from({ length: G }, (_, g) => g).sort((x, y) => first[x]! - first[y]! || x - y)
    if (perm.every((g, k) => g === k)) return { keys: keyCols, aggs: aggCols }
    return { keys: keyCols.map((c) => C.take(c, perm)), aggs: aggCols.map((c) => C.take(c, perm)) }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // addWhere: one generated loop per batch shape
  // ---------------------------------------------------------------------------------------------------------------

  /** What both generated passes over rows [from, n) take: the key columns' values and codes, the table, the predicate. */
  type Rows = [
    from: number,
    n: number,
    keyValues: ReadonlyArray<ArrayLike<number>>,
    keyMaps: ReadonlyArray<Int32Array>,
    keyBases: ReadonlyArray<number>,
    table: Int32Array,
    shifts: ReadonlyArray<number>,
    termValues: ReadonlyArray<ArrayLike<number>>,
    termConstants: ReadonlyArray<number>
  ]
  /**
   * The first pass over rows [from, n): each row's group into `rowGroups`; returns the first row it cannot take (a
   * key value without a code, or a new group), or n.
   */
  type Scan = (...args: [...Rows, rowGroups: Int32Array, sink: number]) => number
  /** The second pass: rows [from, m) into their groups' accumulators. */
  type Update = (from: number, m: number, acc: Float64Array, v: ReadonlyArray<ArrayLike<number>>, rowGroups: Int32Array) => void
  /**
   * The rows [from, n) the predicate keeps whose group is new (stopping at a key value without a code): each new
   * group's direct-table index and first row into `missIdx`, `missRow` (in row order; the table entry marked -2 so a
   * group is listed once); returns how many.
   */
  type Collect = (...args: [...Rows, missIdx: Int32Array, missRow: Int32Array]) => number
  const loops = new Map<string, { readonly scan: Scan; readonly collect: Collect }>()
  /**
   * The first pass for keys of the given kinds ("cat": dictionary codes through a map; "int": values through a
   * direct table) and comparisons: a row the predicate rejects goes to the scratch group `sink`, without a branch on
   * the predicate. Two passes (groups, then accumulators) took about a fifth less time than one loop with the
   * predicate as a branch (bench/streaming.ts's query, 90 % of the rows kept). A new group ends the loop (`addWhere`
   * makes it and goes on): making it in the loop, even on a path never taken, cost the common path half again (the
   * call keeps the typed arrays' lengths and data pointers from being hoisted out of the loop).
   */
  const scanFor = (kinds: ReadonlyArray<"cat" | "int">, ops: ReadonlyArray<Select.Term["op"]>): { readonly scan: Scan; readonly collect: Collect } => {
    const key = `${kinds.join(",")}|${ops.join(",")}`
    let f = loops.get(key)
    if (f !== undefined) return f
    const head = [
      ...kinds.map((_, j) => `const kv${j} = keyValues[${j}], km${j} = keyMaps[${j}], kb${j} = keyBases[${j}], ks${j} = shifts[${j}], kl${j} = km${j}.length;`),
      ...ops.map((_, t) => `const tv${t} = termValues[${t}], tc${t} = termConstants[${t}];`)
    ].join(" ")
    const keep = ops.length === 0 ? "" : ops.map((op, t) => Select.testSource(op, `tv${t}[i]`, `tc${t}`)).join(" && ")
    const codes = (miss: string) =>
      kinds
        .map((kind, j) =>
          kind === "cat"
            ? `const c${j} = km${j}[kv${j}[i]];`
            : `const o${j} = kv${j}[i] - kb${j}; if (o${j} < 0 || o${j} >= kl${j}) ${miss} const c${j} = km${j}[o${j}] + 1; if (c${j} === 0) ${miss}`
        )
        .join(" ")
    let idx = "c0"
    for (let j = 1; j < kinds.length; j++) idx = `((${idx} << ks${j}) | c${j})`
    const put = ops.length === 0 ? "rowGroups[i] = g;" : `rowGroups[i] = ${keep} ? g : sink;`
    const scan = `"use strict"; ${head} for (let i = from; i < n; i++) { ${codes("return i;")} const g = table[${idx}]; if (g < 0) return i; ${put} } return n;`
    const collect = `"use strict"; ${head} let c = 0; for (let i = from; i < n; i++) { ${ops.length === 0 ? "" : `if (!(${keep})) continue;`} ${codes("break;")} const idx = ${idx}; if (table[idx] === -1) { table[idx] = -2; missIdx[c] = idx; missRow[c] = i; c++; } } return c;`
    const args = ["from", "n", "keyValues", "keyMaps", "keyBases", "table", "shifts", "termValues", "termConstants"]
    f = {
      scan: new Function(...args, "rowGroups", "sink", scan) as Scan,
      collect: new Function(...args, "missIdx", "missRow", collect) as Collect
    }
    loops.set(key, f)
    return f
  }
  let missIdx = new Int32Array(0)
  let missRow = new Int32Array(0)
  let update: Update | undefined
  let rowGroups = new Int32Array(0)
  let encoded = new Int32Array(0)
  /** Whether the predicate rejects row i (a row where the first pass stopped). */
  const rejects = (terms: ReadonlyArray<Select.Term>, termValues: ReadonlyArray<ArrayLike<number>>, i: number): boolean =>
    terms.some((t, k) => !Select.test(t.op, termValues[k]![i]!, t.value))

  const addWhere: Direct["addWhere"] = (keys, inputs, terms, termColumns, n, base) => {
    if (direct === undefined || n > 1 << 20) return false
    if (inputs.some((x, k) => aggs[k]!.kind !== "len" && (x === undefined || x.nullCount !== 0))) return false
    if (termColumns.some((c) => c.nullCount !== 0 || !(c.dtype._tag === "Float64" || SMALL_INT.has(c.dtype._tag) || c.dtype._tag === "UInt32")))
      return false
    if (keys.some((c, j) => c.nullCount !== 0 || ("utf8" in enc[j]! && (c.dtype._tag !== "Categorical" || c.dictionary === undefined)))) return false
    const termValues = termColumns.map((c) => c.values as ArrayLike<number>)
    const termConstants = terms.map((t) => t.value)
    /** The rows of [from, to) the predicate keeps (indexes from `from`; undefined: no predicate). */
    const kept = (from: number, to = n): Int32Array | undefined =>
      terms.length === 0
        ? undefined
        : Select.selectColumns(terms, (name) => {
            const k = terms.findIndex((t) => t.name === name)
            return k < 0 ? undefined : C.slice(termColumns[k]!, from, to - from)
          }, to - from, new Int32Array(to - from))
    /** Codes for the integer keys' values in rows [from, to) the predicate keeps (the loop then meets no new value there). */
    const encodeInts = (from: number, to = n) => {
      const rest = to - from
      const sel = kept(from, to)
      const m = sel === undefined ? rest : sel.length
      if (encoded.length < m) encoded = new Int32Array(m)
      for (let j = 0; j < K; j++) {
        const e = enc[j]!
        if ("int" in e) e.int.encode(C.slice(keys[j]!, from, rest), sel, encoded.subarray(0, m))
      }
    }
    const kinds = enc.map((e) => ("utf8" in e ? ("cat" as const) : ("int" as const)))
    const keyValues = keys.map((c) => c.values as ArrayLike<number>)
    const keyMaps: Array<Int32Array> = []
    const keyBases: Array<number> = []
    /** The loop's view of the key codes and direct table; false when the table cannot stay direct. */
    const codeTables = (): boolean => {
      for (let j = 0; j < K; j++) {
        const e = enc[j]!
        if ("utf8" in e) {
          if (keyMaps[j] !== undefined) continue
          // every dictionary entry coded up front (codes + 1), so the loop never meets a new string
          const d = keys[j]!.dictionary!
          const map = new Int32Array(d.length)
          e.utf8.encodeInto(d, undefined, map)
          keyMaps[j] = map
          keyBases[j] = 0
        } else {
          const t = e.int.table()
          if (t === undefined) return false
          keyMaps[j] = t.table
          keyBases[j] = t.base
        }
      }
      return fitDirect()
    }
    // the first batch (an integer key without codes yet): the values of its first rows are coded before the loop,
    // which codes the rest if it meets a new value (a whole first batch coded up front ran cold, interpreted code
    // over every row: 10–30 ms of a decode worker's first row group)
    if (enc.some((e) => "int" in e && e.int.table() === undefined)) encodeInts(0, Math.min(n, FIRST_CODED))
    if (!codeTables()) return false
    const at = base ?? seen
    if (at < seen) unordered = true
    if (rowGroups.length < n) rowGroups = new Int32Array(n)
    const { scan, collect } = scanFor(
      kinds,
      terms.map((t) => t.op)
    )
    const upd = (update ??= new Function(
      "from",
      "m",
      "acc",
      "v",
      "rowGroups",
      `"use strict"; ${aggs.map((_, k) => `const v${k} = v[${k}];`).join(" ")} for (let i = from; i < m; i++) { const b = rowGroups[i] * ${W}; ${updates("i")} }`
    ) as Update)
    const values = inputs.map((x) => (x?.values ?? EMPTY) as ArrayLike<number>)
    /** Whether every integer key's value in row m has a code (a Categorical key's always has). */
    const coded = (m: number): boolean => {
      for (let j = 0; j < K; j++) {
        if (kinds[j] === "cat") continue
        const map = keyMaps[j]!
        const o = keyValues[j]![m]! - keyBases[j]!
        if (!(o >= 0 && o < map.length && map[o]! >= 0)) return false
      }
      return true
    }
    // rows [start, from) have their groups in `rowGroups` (rows the predicate rejects: the scratch row `cap`)
    let start = 0
    let from = 0
    let general = -1
    let missed = -1
    // (the scratch row is never read: groups are rows below G ≤ cap, and `grow` leaves it behind)
    const flush = (to: number) => {
      upd(start, to, acc, values, rowGroups)
      start = to
    }
    while (from < n) {
      const m = scan(from, n, keyValues, keyMaps, keyBases, direct!, bits, termValues, termConstants, rowGroups, cap)
      from = m
      if (m === n) break
      if (rejects(terms, termValues, m)) {
        rowGroups[m] = cap
        from = m + 1
      } else if (coded(m)) {
        // a new group: every group new in the rest of the batch made at once (in order of first appearance), so
        // the loop stops once per batch rather than once per new group (every row group of a first batch)
        if (missIdx.length < n) {
          missIdx = new Int32Array(n)
          missRow = new Int32Array(n)
        }
        const count = collect(m, n, keyValues, keyMaps, keyBases, direct!, bits, termValues, termConstants, missIdx, missRow)
        for (let k = 0; k < count; k++) {
          if (G === cap) {
            flush(m)
            grow()
          }
          const g = G++
          // the key codes back from the direct-table index (mixed radix, key 0 in the high bits)
          let x = missIdx[k]!
          for (let j = K - 1; j > 0; j--) {
            keyStore[g * K + j] = x & ((1 << bits[j]!) - 1)
            x >>>= bits[j]!
          }
          keyStore[g * K] = x
          direct![missIdx[k]!] = g
          first[g] = at + missRow[k]!
        }
      } else {
        // an integer key value without a code: the rest of the batch's values coded, the direct table widened
        // (once per row: a second stop at the same row would mean the coding did not take, so the general path)
        if (m !== missed) encodeInts(m)
        if (m === missed || !codeTables()) {
          general = m
          break
        }
        missed = m
      }
    }
    flush(general >= 0 ? general : n)
    for (let k = 0; k < aggs.length; k++) if (intSum[k]) carryInto(k)
    if (general >= 0) {
      // the table grew past its direct phase: the rest of the batch through the general path
      const rest = n - general
      const cut = (c: Column) => C.slice(c, general, rest)
      const sel = kept(general)
      if (sel === undefined || sel.length > 0)
        add(keys.map(cut), inputs.map((x) => (x === undefined ? undefined : cut(x))), sel !== undefined && sel.length === rest ? undefined : sel, sel === undefined ? rest : sel.length, at + general)
    }
    seen = Math.max(seen, at + n)
    return true
  }

  return { add, groups: () => G, finish, partial, merge, addWhere }
}
