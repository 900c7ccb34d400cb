/**
 * Micro-benchmark (not a test): the grouped aggregation kernels one by one (`aggregate`, one pass each) against the
 * fused single pass (`aggregateMany`) on the db-benchmark groupby data, in one run, and a bit-identity check.
 *
 * Run: ./node_modules/.bin/node --conditions=source bench/profile-aggfuse.ts [--size 1e7] [--reps 3]
 */
import { NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import * as Frame from "../src/Frame/index.ts"
import { aggregate, type AggSpec, aggregateMany } from "../src/internal/kernels/agg.ts"
import { groupIds } from "../src/internal/kernels/hash.ts"
import * as Source from "../src/Source/index.ts"
import { groupbyFile } from "./dbb-data.ts"
import type { Column } from "../src/internal/column.ts"

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const N = Number(arg("size") ?? 1e7)
const REPS = Number(arg("reps") ?? 3)
const x = await Effect.runPromise(Effect.provide(Source.readParquet(await groupbyFile(N)), NodeServices.layer))
const c = (name: string): Column => Effect.runSync(Frame.getColumn(x, name))
const cases: Array<[string, Array<string>, Array<[AggSpec["fn"], string]>]> = [
  ["q4 mean v1,v2,v3 by id4", ["id4"], [["mean", "v1"], ["mean", "v2"], ["mean", "v3"]]],
  ["q5 sum v1,v2,v3 by id6", ["id6"], [["sum", "v1"], ["sum", "v2"], ["sum", "v3"]]],
  ["q6 std v3 + len by id4,id5", ["id4", "id5"], [["std", "v3"], ["len", "v3"]]],
  ["q7 max v1, min v2 by id6", ["id6"], [["max", "v1"], ["min", "v2"]]],
  ["q10 sum v3, len by id4,id5,id6", ["id4", "id5", "id6"], [["sum", "v3"], ["len", "v3"]]]
]
const same = (a: Column, b: Column): boolean => {
  if (a.length !== b.length || a.dtype._tag !== b.dtype._tag || a.nullCount !== b.nullCount) return false
  const u = new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.byteLength)
  const v = new Uint8Array(b.values.buffer, b.values.byteOffset, b.values.byteLength)
  if (u.length !== v.length) return false
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false
  return true
}
for (const [label, keys, aggs] of cases) {
  const groups = groupIds(keys.map(c), x.height)
  const specs: Array<AggSpec> = aggs.map(([fn, name]) => ({ fn, column: c(name), options: {} }))
  let tSep = Infinity
  let tFused = Infinity
  let sep: Array<Column> = []
  let fused: Array<Column> = []
  for (let r = 0; r < REPS; r++) {
    let t0 = performance.now()
    sep = specs.map((s) => aggregate(s.fn, s.column, groups, s.options))
    tSep = Math.min(tSep, performance.now() - t0)
    t0 = performance.now()
    fused = aggregateMany(specs, groups)
    tFused = Math.min(tFused, performance.now() - t0)
  }
  const ok = sep.every((s, k) => same(s, fused[k]!))
  console.log(`${label.padEnd(34)} groups ${String(groups.count).padStart(8)}  separate ${tSep.toFixed(0).padStart(5)} ms  fused ${tFused.toFixed(0).padStart(5)} ms  ratio ${(tFused / tSep).toFixed(2)}  ${ok ? "identical" : "DIFFERENT"}`)
}
