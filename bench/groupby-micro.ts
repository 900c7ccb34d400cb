/**
 * Micro-benchmark (not a test): hash grouping + sum on 1e7 rows.
 * Run: ./node_modules/.bin/node bench/groupby-micro.ts [rows]
 * Keys: an Int32 column with 100 distinct values, and a Utf8 column "id001".."id100"; values Float64.
 */
import * as DT from "../src/Frame/DataType.ts"
import * as C from "../src/internal/column.ts"
import { aggregate } from "../src/internal/kernels/agg.ts"
import { groupIds } from "../src/internal/kernels/hash.ts"
import { sortIndices } from "../src/internal/kernels/sort.ts"

const n = Number(process.argv[2] ?? 10_000_000)
let seed = 42
const rand = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) | 0
  return (seed >>> 0) / 4294967296
}

const keys = new Int32Array(n)
const xs = new Float64Array(n)
for (let i = 0; i < n; i++) {
  keys[i] = Math.floor(rand() * 100)
  xs[i] = rand() * 1000
}
const intKey = C.make(DT.Int32, n, keys, null)
const values = C.make(DT.Float64, n, xs, null)

// Utf8 key "id001".."id100" (5 bytes each).
const bytes = new Uint8Array(5 * n)
const offsets = new Int32Array(n + 1)
for (let i = 0; i < n; i++) {
  const k = keys[i]! + 1
  const b = 5 * i
  bytes[b] = 105
  bytes[b + 1] = 100
  bytes[b + 2] = 48 + Math.floor(k / 100)
  bytes[b + 3] = 48 + (Math.floor(k / 10) % 10)
  bytes[b + 4] = 48 + (k % 10)
  offsets[i + 1] = b + 5
}
const strKey = C.make(DT.Utf8, n, bytes, null, { offsets })

const time = <A>(label: string, f: () => A, reps = 5): A => {
  let out: A = f() // warm-up
  const ts: Array<number> = []
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now()
    out = f()
    ts.push(performance.now() - t0)
  }
  ts.sort((a, b) => a - b)
  console.log(`${label.padEnd(40)} median ${ts[Math.floor(reps / 2)]!.toFixed(1)} ms  (min ${ts[0]!.toFixed(1)})`)
  return out
}

console.log(`rows: ${n}`)
const gi = time("groupIds(Int32 key, 100 distinct)", () => groupIds([intKey], n))
time("sum(Float64) over those groups", () => aggregate("sum", values, gi, {}))
time("groupIds + sum (Int32 key)", () => aggregate("sum", values, groupIds([intKey], n), {}))
const gs = time("groupIds(Utf8 key, 100 distinct)", () => groupIds([strKey], n))
time("groupIds + sum (Utf8 key)", () => aggregate("sum", values, groupIds([strKey], n), {}))
time("groupIds(Int32, Utf8) two keys", () => groupIds([intKey, strKey], n))
time("mean / std / median (Int32 groups)", () => {
  aggregate("mean", values, gi, {})
  aggregate("std", values, gi, {})
  return aggregate("median", values, gi, {})
})
time("sortIndices(Float64 key)", () => sortIndices([values], [false], [false]), 3)
time("sortIndices(Int32, Float64 desc)", () => sortIndices([intKey, values], [false, true], [false, false]), 3)
console.log(`groups: int ${gi.count}, utf8 ${gs.count}`)
