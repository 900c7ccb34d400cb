/**
 * Streaming `groupBy(keys).agg(...)` with partial aggregates merged as the input flows, as Polars' streaming
 * group-by. Each batch is grouped with the hash kernel (`groupIds`) and reduced to one partial state row per
 * group (`aggregate` kernels). Partial states wait in a list; when they hold as many rows as the merged state (and
 * at least `MERGE_ROWS`), they are merged into it: the key columns of the merged state followed by the pending
 * ones are grouped again (the merged groups keep their ids, new groups are appended in order of first appearance)
 * and each state is merged with its merge kernel. Memory is the number of groups plus at most as many pending
 * state rows, whatever the input size.
 *
 * | aggregation | partial state | merge |
 * | --- | --- | --- |
 * | `sum` | sum | sum |
 * | `count`, `len()`, `len` | count (Int64) | sum |
 * | `min`, `max` | min, max | min, max |
 * | `first`, `last` | first, last (batches merge in input order) | first, last |
 * | `mean` | count n, sum (non-Decimal inputs) | sums; mean = sum / n at the end (integer sums below 2^53 merge exactly, so batch boundaries do not change the mean) |
 * | `std`, `var` (and `mean` of Decimal) | count n, mean m, M2 = Σ(x − m)² | Chan et al.'s pairwise update: δ = m_b − m_a, n = n_a + n_b, m = m_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n |
 * | `nUnique` | the distinct (keys, value) pairs | distinct pairs again; counted per group at the end (exact) |
 *
 * Utf8 keys are grouped and merged as per-stream dictionary codes (`keyDict.ts`), decoded once at the end. When keys
 * are Utf8 or ≤ 32-bit integers and every aggregation is `sum`/`count`/`len`/`mean` of numbers, the direct path
 * (`directAgg.ts`: one persistent group table, row-wise accumulators) replaces partial states and merges. A filter
 * right below (a `Filter` node or a scan's predicate) is fused when keys and inputs are plain columns (`fusable`):
 * the group-by reads the selected rows in place instead of a filtered copy of the batch; a predicate of comparisons
 * with numbers selects rows without a mask (`select.ts`). Over a Parquet scan with decode workers, the direct path's
 * filtering and grouping run on the workers (`workerAggSpec`, `partialAgg.ts`) and this operator merges their
 * tables (carried through the stream, `carrier.ts`).
 *
 * Streamable aggregations are `agg(input)` (optionally aliased) of an elementwise input, and `len()`; anything else
 * (expressions combining aggregations, `median`, `quantile`, windows) is reported by `unsupportedAgg`. Output
 * dtypes are those of the in-memory verb (results are cast to them).
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Expr, type ExprNode, outputName } from "../../../Expr/Expr.ts"
import * as DT from "../../../Frame/DataType.ts"
import type { DataType, Field } from "../../../Frame/DataType.ts"
import * as Build from "../../build.ts"
import * as C from "../../column.ts"
import type { Column } from "../../column.ts"
import { cast, isCastFailure } from "../../expr/cast.ts"
import * as Engine from "../../expr/engine.ts"
import { resolveAll } from "../../expr/resolve.ts"
import * as F from "../../frame.ts"
import type { Frame } from "../../frame.ts"
import { aggOutputType, aggregate, toFloat64 } from "../../kernels/agg.ts"
import { type Groups, groupIds } from "../../kernels/hash.ts"
import { isElementwise } from "../../plan/logical.ts"
import * as Carrier from "./carrier.ts"
import * as Direct from "./directAgg.ts"
import * as KeyDict from "./keyDict.ts"
import type { AggSpec } from "./scan.ts"
import * as Select from "./select.ts"
import { type Batches, StreamObserver } from "./types.ts"

/** Pending partial state rows below this are never merged (amortizes the merge). */
export const MERGE_ROWS = 65_536

type Kind = "sum" | "count" | "len" | "min" | "max" | "first" | "last" | "moments" | "nUnique"

interface AggPlan {
  readonly name: string
  readonly kind: Kind
  /** What the moments give: mean, std or var. */
  readonly fn: string
  readonly input: ExprNode | undefined
  readonly ddof: number
  /** `mean` of a non-Decimal input: the state is (n, sum) instead of the moments (see `momentsOf`). */
  readonly sums?: boolean
  /** The input's dtype (undefined for `len()`). */
  readonly inputType?: DataType
}

const MERGE: Partial<Record<Kind, "sum" | "min" | "max" | "first" | "last">> = {
  sum: "sum",
  count: "sum",
  len: "sum",
  min: "min",
  max: "max",
  first: "first",
  last: "last"
}

const strip = (e: ExprNode): ExprNode => (e._tag === "Alias" ? strip(e.input) : e)

/** The plan of each aggregation, or why one cannot stream. */
export const analyzeAggs = (schema: ReadonlyArray<Field>, aggs: ReadonlyArray<ExprNode>): ReadonlyArray<AggPlan> | string => {
  const out: Array<AggPlan> = []
  for (const a of aggs) {
    const name = outputName(a)
    const e = strip(a)
    if (e._tag === "Len") {
      out.push({ name, kind: "len", fn: "len", input: undefined, ddof: 0 })
      continue
    }
    if (e._tag !== "Agg" || !isElementwise(e.input)) return `aggregation ${name} is not agg(elementwise input)`
    const r = resolveAll(schema, [e.input], "row")
    if ("error" in r) return `aggregation ${name} does not resolve`
    const t = r.irs[0]!.dtype
    switch (e.fn) {
      case "sum":
      case "min":
      case "max":
      case "first":
      case "last":
      case "count":
      case "nUnique":
        out.push({ name, kind: e.fn, fn: e.fn, input: e.input, ddof: 0, inputType: t })
        break
      case "len":
        out.push({ name, kind: "count", fn: "len", input: e.input, ddof: 0, inputType: t })
        break
      case "mean":
      case "std":
      case "var":
        if (!(DT.isNumeric(t) || t._tag === "Boolean")) return `${e.fn} of ${DT.format(t)} has no mergeable moments`
        out.push({
          name,
          kind: "moments",
          fn: e.fn,
          input: e.input,
          ddof: typeof e.options["ddof"] === "number" ? e.options["ddof"] : 1,
          sums: e.fn === "mean" && t._tag !== "Decimal",
          inputType: t
        })
        break
      default:
        return `${e.fn} has no mergeable partial aggregate`
    }
  }
  return out
}

/**
 * Whether a filter below the group-by may be fused into it (`groupByStream`'s `predicate`): every key and
 * aggregation input is a plain column, so evaluating them on the unfiltered batch cannot fail or differ.
 */
export const fusable = (keys: ReadonlyArray<ExprNode>, plans: ReadonlyArray<AggPlan>): boolean =>
  keys.every((k) => k._tag === "Column") && plans.every((a) => a.input === undefined || a.input._tag === "Column")

/** Partial or merged state of one aggregation: its columns (moments: n, mean, M2 as Float64). */
type State = ReadonlyArray<Column>

interface Part {
  readonly keys: ReadonlyArray<Column>
  readonly states: ReadonlyArray<State>
  /** Per nUnique aggregation: the distinct (keys…, value) rows. */
  readonly pairs: ReadonlyArray<ReadonlyArray<Column> | undefined>
}

const f64 = (xs: Float64Array): Column => C.make(DT.Float64, xs.length, xs, null)
const i64 = (xs: ArrayLike<number>): Column => {
  const out = new BigInt64Array(xs.length)
  for (let i = 0; i < xs.length; i++) out[i] = BigInt(xs[i]!)
  return C.make(DT.Int64, xs.length, out, null)
}

const countsOf = (groups: Groups, n: number): Float64Array => {
  const out = new Float64Array(groups.count)
  for (let i = 0; i < n; i++) out[groups.ids[i]!]!++
  return out
}

/** Casts a state column to the dtype its merge gives, so partial and merged states concatenate. */
const toMerged = (col: Column, merge: "sum" | "min" | "max" | "first" | "last"): Column => {
  const t = aggOutputType(merge, col.dtype, {})
  if ("expected" in t || DT.equals(t, col.dtype)) return col
  const r = cast(col, t, false)
  return isCastFailure(r) ? col : r
}

/**
 * The moments of `x` per group. For `mean` only `n` and the sum (in the mean's slot; M2 unused): merging sums is
 * exact whenever the sums are (integers below 2^53), so the mean — sum / n at the end, as Polars' and the in-memory
 * verb's — does not depend on how the input was cut into batches, and it costs two passes instead of three.
 */
const momentsOf = (x: Column, groups: Groups, meanOnly: boolean): State => {
  const n = toFloat64(aggregate("count", x, groups, {}))
  if (meanOnly) {
    const sum = toFloat64(aggregate("sum", x, groups, {}))
    const G = groups.count
    const nn = new Float64Array(G)
    const ss = new Float64Array(G)
    for (let g = 0; g < G; g++) {
      nn[g] = n[g]!
      ss[g] = n[g]! > 0 ? sum[g]! : 0
    }
    return [f64(nn), f64(ss), f64(new Float64Array(G))]
  }
  const m = aggregate("mean", x, groups, {})
  const v = aggregate("var", x, groups, { ddof: 0 })
  const G = groups.count
  const nn = new Float64Array(G)
  const mm = new Float64Array(G)
  const m2 = new Float64Array(G)
  const mv = toFloat64(m)
  const vv = toFloat64(v)
  for (let g = 0; g < G; g++) {
    const k = n[g]!
    nn[g] = k
    if (k > 0) {
      mm[g] = mv[g]!
      m2[g] = C.isValid(v, g) ? vv[g]! * k : 0
    }
  }
  return [f64(nn), f64(mm), f64(m2)]
}

/** Merges (n, sum) rows (`momentsOf` with `meanOnly`) into `G` groups. */
const mergeSums = (rows: State, groups: Groups): State => {
  const n = rows[0]!.values as Float64Array
  const m = rows[1]!.values as Float64Array
  const G = groups.count
  const N = new Float64Array(G)
  const S = new Float64Array(G)
  const ids = groups.ids
  for (let i = 0; i < ids.length; i++) {
    const g = ids[i]!
    N[g] = N[g]! + n[i]!
    S[g] = S[g]! + m[i]!
  }
  return [f64(N), f64(S), f64(new Float64Array(G))]
}

/** Chan et al.'s merge of moment rows in order into `G` groups. */
const mergeMoments = (rows: State, groups: Groups): State => {
  const n = rows[0]!.values as Float64Array
  const m = rows[1]!.values as Float64Array
  const q = rows[2]!.values as Float64Array
  const G = groups.count
  const N = new Float64Array(G)
  const M = new Float64Array(G)
  const Q = new Float64Array(G)
  const ids = groups.ids
  for (let i = 0; i < ids.length; i++) {
    const nb = n[i]!
    if (nb === 0) continue
    const g = ids[i]!
    const na = N[g]!
    if (na === 0) {
      N[g] = nb
      M[g] = m[i]!
      Q[g] = q[i]!
      continue
    }
    const tot = na + nb
    const d = m[i]! - M[g]!
    M[g] = M[g]! + (d * nb) / tot
    Q[g] = Q[g]! + q[i]! + (d * d * na * nb) / tot
    N[g] = tot
  }
  return [f64(N), f64(M), f64(Q)]
}

const concatCols = (parts: ReadonlyArray<ReadonlyArray<Column>>, j: number): Column =>
  parts.length === 1 ? parts[0]![j]! : C.concat(parts.map((p) => p[j]!))

const distinctRows = (cols: ReadonlyArray<Column>): ReadonlyArray<Column> => {
  const n = cols[0]?.length ?? 0
  const g = groupIds(cols, n)
  return g.count === n ? cols : cols.map((c) => C.take(c, g.firstRow))
}

/** Merges parts (the merged state first, then pending ones in input order) into one. */
const mergeParts = (plans: ReadonlyArray<AggPlan>, parts: ReadonlyArray<Part>): Part => {
  if (parts.length === 1) return parts[0]!
  const nk = parts[0]!.keys.length
  const keys = Array.from({ length: nk }, (_, j) => concatCols(parts.map((p) => p.keys), j))
  const total = keys[0]!.length
  const groups = groupIds(keys, total)
  const states = plans.map((a, k): State => {
    if (a.kind === "nUnique") return []
    const cols = parts.map((p) => p.states[k]!)
    if (a.kind === "moments") return (a.sums === true ? mergeSums : mergeMoments)([0, 1, 2].map((j) => concatCols(cols, j)), groups)
    return [aggregate(MERGE[a.kind]!, concatCols(cols, 0), groups, {})]
  })
  const pairs = plans.map((a, k) => {
    if (a.kind !== "nUnique") return undefined
    const ps = parts.map((p) => p.pairs[k]!)
    return distinctRows(Array.from({ length: nk + 1 }, (_, j) => concatCols(ps, j)))
  })
  return { keys: keys.map((c) => C.take(c, groups.firstRow)), states, pairs }
}

/** The direct path's kind of an aggregation (see `directAgg.ts`), or undefined when it has none. */
const directKind = (a: AggPlan): Direct.DirectKind | undefined => {
  switch (a.kind) {
    case "sum":
      return "sum"
    case "len":
      return "len"
    case "count":
      return a.fn === "len" ? "len" : "count"
    case "moments":
      return a.sums === true ? "mean" : undefined
    default:
      return undefined
  }
}

/**
 * The direct path's key dtypes and aggregations (`directAgg.ts`) when keys and aggregations allow it: `out` is
 * the group-by's output schema (its first `nKeys` fields are the keys).
 */
const directSpec = (
  nKeys: number,
  plans: ReadonlyArray<AggPlan>,
  out: ReadonlyArray<Field>
): { readonly keyTypes: ReadonlyArray<DataType>; readonly aggs: ReadonlyArray<{ readonly kind: Direct.DirectKind; readonly input: DataType | undefined }> } | undefined => {
  const keyTypes = out.slice(0, nKeys).map((f) => f.dtype)
  const kinds = plans.map(directKind)
  if (!kinds.every((k) => k !== undefined)) return undefined
  const aggs = plans.map((a, k) => ({ kind: kinds[k]!, input: a.inputType }))
  return Direct.applies(keyTypes, aggs) ? { keyTypes, aggs } : undefined
}

/**
 * The decode workers' share of a fused `scan → groupBy` (`scan.ts` `AggSpec`): the direct path applies, keys and
 * inputs are columns and the predicate is comparisons with numbers (`select.ts`); undefined otherwise.
 */
export const workerAggSpec = (
  keys: ReadonlyArray<ExprNode>,
  plans: ReadonlyArray<AggPlan>,
  out: ReadonlyArray<Field>,
  predicate: ExprNode
): AggSpec | undefined => {
  const spec = directSpec(keys.length, plans, out)
  const terms = Select.plan(predicate)
  if (spec === undefined || terms === undefined || !fusable(keys, plans)) return undefined
  const name = (e: ExprNode | undefined) => (e?._tag === "Column" ? e.name : undefined)
  const keyNames = keys.map((k) => name(k)!)
  const aggs = spec.aggs.map((a, k) => ({ ...a, column: name(plans[k]!.input) }))
  const columns = [...new Set([...keyNames, ...aggs.flatMap((a) => (a.column === undefined ? [] : [a.column])), ...terms.map((t) => t.name)])]
  return { spec: { keys: keyNames, keyTypes: spec.keyTypes, aggs, terms }, columns }
}

/** A column in the given dtype (cast when a batch gives another one, e.g. an all-null column). */
const castTo = (c: Column, t: DataType): Column => {
  if (DT.equals(c.dtype, t)) return c
  const r = cast(c, t, false)
  return isCastFailure(r) ? C.nulls(t, c.length) : r
}

/**
 * A Utf8 key's values as Utf8 (a key of another dtype in one batch, e.g. all-null, is cast), or Categorical as
 * it comes (a dictionary-decoded Utf8 column: `KeyDict` encodes it through its dictionary).
 */
const asUtf8 = (c: Column): Column => {
  if (c.dtype._tag === "Utf8" || c.dtype._tag === "Categorical") return c
  const r = cast(c, DT.Utf8, false)
  return isCastFailure(r) ? C.nulls(DT.Utf8, c.length) : r
}

/** Rows where a Boolean mask column is true and valid (nulls drop, as `filter`): a byte of the bitmap at a time. */
const maskRows = (mask: Column, n: number): Int32Array => {
  if (mask.dtype._tag !== "Boolean" || mask.length !== n) return new Int32Array(0)
  const bits = mask.values as Uint8Array
  const v = mask.nullCount === 0 ? null : mask.validity
  const nb = n >> 3
  const tail = n & 7
  const byteAt = (k: number): number => {
    let x = v === null ? bits[k]! : bits[k]! & v[k]!
    if (k === nb) x &= (1 << tail) - 1
    return x
  }
  const last = tail === 0 ? nb : nb + 1
  let count = 0
  for (let k = 0; k < last; k++) {
    let x = byteAt(k)
    x = x - ((x >> 1) & 0x55)
    x = (x & 0x33) + ((x >> 2) & 0x33)
    count += (x + (x >> 4)) & 0x0f
  }
  const out = new Int32Array(count)
  let j = 0
  for (let k = 0; k < last; k++) {
    let x = byteAt(k)
    const base = k << 3
    while (x !== 0) {
      out[j++] = base + 31 - Math.clz32(x & -x)
      x &= x - 1
    }
  }
  return out
}

/**
 * One batch reduced to its partial state; Utf8 keys (those with a `dicts` entry) as their per-stream codes. With
 * `predicate` (fused filter: keys and inputs are then plain columns, see `fusable`), only the rows it selects are
 * grouped: the keys are encoded straight from the selected rows and the inputs gathered, so the batch is never
 * copied whole. Undefined when no row is selected.
 */
const partial = (
  plans: ReadonlyArray<AggPlan>,
  keyExprs: ReadonlyArray<Expr>,
  inputs: ReadonlyArray<Expr | undefined>,
  dicts: ReadonlyArray<KeyDict.KeyDict | undefined>,
  predicate: Expr | undefined,
  batch: Frame
) =>
  Effect.gen(function* () {
    let sel: Int32Array | undefined
    if (predicate !== undefined) {
      const [mask] = yield* Engine.evaluateColumns(batch, [predicate])
      sel = maskRows(mask!.column, batch.height)
      if (sel.length === 0) return undefined
      if (sel.length === batch.height) sel = undefined
    }
    const ks = (yield* Engine.evaluateColumns(batch, keyExprs)).map((k, j) => {
      const d = dicts[j]
      if (d !== undefined) return d.encode(asUtf8(k.column), sel)
      return sel === undefined ? k.column : C.take(k.column, sel)
    })
    const used = inputs.filter((x): x is Expr => x !== undefined)
    const xs = used.length === 0 ? [] : (yield* Engine.evaluateColumns(batch, used)).map((x) => (sel === undefined ? x.column : C.take(x.column, sel)))
    const n = sel === undefined ? batch.height : sel.length
    const groups = groupIds(ks, n)
    let u = 0
    const states: Array<State> = []
    const pairs: Array<ReadonlyArray<Column> | undefined> = []
    for (const a of plans) {
      const x = a.input === undefined ? undefined : xs[u++]!
      pairs.push(a.kind === "nUnique" ? distinctRows([...ks, x!]) : undefined)
      switch (a.kind) {
        case "len":
          states.push([i64(countsOf(groups, n))])
          break
        case "count":
          states.push([i64(toFloat64(aggregate(a.fn === "len" ? "len" : "count", x!, groups, {})))])
          break
        case "moments":
          states.push(momentsOf(x!, groups, a.sums === true))
          break
        case "nUnique":
          states.push([])
          break
        default:
          states.push([toMerged(aggregate(a.kind, x!, groups, {}), MERGE[a.kind]!)])
      }
    }
    return { keys: ks.map((c) => C.take(c, groups.firstRow)), states, pairs } satisfies Part
  })

/** The final columns of a merged state (coded keys decoded through their `dicts`). */
const finish = (
  plans: ReadonlyArray<AggPlan>,
  part: Part,
  out: ReadonlyArray<Field>,
  nKeys: number,
  dicts: ReadonlyArray<KeyDict.KeyDict | undefined>
): Frame => {
  const G = part.keys[0]?.length ?? 0
  const cols: Array<Column> = part.keys.map((k, j) => dicts[j]?.decode(k) ?? k)
  plans.forEach((a, k) => {
    const want: DataType = out[nKeys + k]!.dtype
    let col: Column
    if (a.kind === "moments") {
      const [n, m, q] = part.states[k]!.map((c) => c.values as Float64Array) as [Float64Array, Float64Array, Float64Array]
      const vals: Array<number | null> = new Array(G)
      for (let g = 0; g < G; g++) {
        const N = n[g]!
        if (a.fn === "mean") vals[g] = N > 0 ? (a.sums === true ? m[g]! / N : m[g]!) : null
        else {
          const v = N > a.ddof ? q[g]! / (N - a.ddof) : null
          vals[g] = v === null ? null : a.fn === "std" ? Math.sqrt(Math.max(0, v)) : Math.max(0, v)
        }
      }
      const b = Build.fromValues(vals, DT.Float64)
      col = b._tag === "Err" ? C.nulls(DT.Float64, G) : b.column
    } else if (a.kind === "nUnique") {
      const pairs = part.pairs[k]!
      const keyCols = Array.from({ length: nKeys }, (_, j) => C.concat([part.keys[j]!, pairs[j]!]))
      const g = groupIds(keyCols, keyCols[0]!.length)
      const counts = new Float64Array(G)
      for (let i = G; i < g.ids.length; i++) counts[g.ids[i]!]!++
      col = f64(counts)
    } else col = part.states[k]![0]!
    if (!DT.equals(col.dtype, want)) {
      const r = cast(col, want, false)
      if (!isCastFailure(r)) col = r
    }
    cols.push(col)
  })
  return F.fromColumnsUnsafe(
    out.map((f) => f.name),
    cols
  )
}

/**
 * The grouped aggregation of a stream: partial states per batch, merged as they accumulate, one frame at the
 * end. `out` is the output schema (as the in-memory verb gives it), `plans` from `analyzeAggs`.
 */
export const groupByStream = (
  input: Batches,
  keys: ReadonlyArray<ExprNode>,
  plans: ReadonlyArray<AggPlan>,
  out: ReadonlyArray<Field>,
  label: string,
  predicate?: ExprNode
): Batches =>
  Stream.unwrap(
    Effect.gen(function* () {
      const observer = yield* StreamObserver
      const keyExprs = keys.map((k) => new Expr(k))
      const inputs = plans.map((a) => (a.input === undefined ? undefined : new Expr(a.input)))
      const pred = predicate === undefined ? undefined : new Expr(predicate)
      // Utf8 keys are grouped and merged as per-stream dictionary codes (decoded once at the end)
      const dicts = keys.map((_, j) => (out[j]!.dtype._tag === "Utf8" ? KeyDict.make() : undefined))
      // the direct path (persistent group table, row-wise accumulators) when keys and aggregations allow it
      const spec = directSpec(keys.length, plans, out)
      const keyTypes = spec?.keyTypes ?? []
      const direct = spec === undefined ? undefined : Direct.make(spec.keyTypes, spec.aggs)
      if (direct !== undefined) {
        // comparisons with numbers select rows without a mask column (`select.ts`)
        const terms = predicate === undefined ? undefined : Select.plan(predicate)
        let scratch: Int32Array = new Int32Array(0)
        yield* Stream.runForEach(input, (batch) =>
          Effect.gen(function* () {
            // a row group the scan's decode worker aggregated already (see `partialAgg.ts`)
            const carried = Carrier.carriedBy(batch)
            if (carried !== undefined) return direct.merge(carried)
            if (batch.height === 0) return
            const ks = (yield* Engine.evaluateColumns(batch, keyExprs)).map((k, j) =>
              keyTypes[j]!._tag === "Utf8" ? asUtf8(k.column) : castTo(k.column, keyTypes[j]!)
            )
            const used = inputs.filter((x): x is Expr => x !== undefined)
            const xs = used.length === 0 ? [] : (yield* Engine.evaluateColumns(batch, used)).map((x) => x.column)
            let u = 0
            const cols = plans.map((a) => (a.input === undefined ? undefined : castTo(xs[u++]!, a.inputType!)))
            // no predicate, or comparisons with numbers: one generated loop when the batch allows it
            const where = pred === undefined ? [] : terms
            if (where !== undefined && batch.batches.length === 1) {
              const b = batch.batches[0]!
              const tc = where.map((t) => b.columns[batch.columns.indexOf(t.name)])
              if (tc.every((c) => c !== undefined) && direct.addWhere(ks, cols, where, tc, batch.height, Carrier.positionOf(batch))) return
            }
            let sel: Int32Array | undefined
            const fast = terms === undefined ? undefined : Select.select(terms, batch, scratch)
            if (fast !== undefined) {
              if (fast.buffer !== scratch.buffer) scratch = new Int32Array(fast.buffer)
              if (fast.length === 0) return
              sel = fast.length === batch.height ? undefined : fast
            } else if (pred !== undefined) {
              const [mask] = yield* Engine.evaluateColumns(batch, [pred])
              sel = maskRows(mask!.column, batch.height)
              if (sel.length === 0) return
              if (sel.length === batch.height) sel = undefined
            }
            direct.add(ks, cols, sel, sel === undefined ? batch.height : sel.length, Carrier.positionOf(batch))
          })
        )
        const r = direct.finish()
        const cols = [...r.keys, ...r.aggs].map((c, j) => castTo(c, out[j]!.dtype))
        return Stream.succeed(
          F.fromColumnsUnsafe(
            out.map((f) => f.name),
            cols
          )
        )
      }
      let merged: Part | undefined
      let pending: Array<Part> = []
      let pendingRows = 0
      yield* Stream.runForEach(input, (batch) =>
        Effect.gen(function* () {
          if (batch.height === 0) return
          const p = yield* partial(plans, keyExprs, inputs, dicts, pred, batch)
          if (p === undefined) return
          pending.push(p)
          pendingRows += p.keys[0]!.length
          observer?.({ _tag: "Retained", node: label, batches: pending.length, rows: pendingRows })
          const mergedRows = merged === undefined ? 0 : merged.keys[0]!.length
          if (pendingRows >= Math.max(MERGE_ROWS, mergedRows)) {
            merged = mergeParts(plans, merged === undefined ? pending : [merged, ...pending])
            pending = []
            pendingRows = 0
          }
        })
      )
      if (pending.length > 0) merged = mergeParts(plans, merged === undefined ? pending : [merged, ...pending])
      if (merged === undefined) {
        return Stream.succeed(
          F.fromColumnsUnsafe(
            out.map((f) => f.name),
            out.map((f) => C.nulls(f.dtype, 0))
          )
        )
      }
      return Stream.succeed(finish(plans, merged, out, keys.length, dicts))
    })
  )
