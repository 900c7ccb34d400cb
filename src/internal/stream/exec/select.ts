/**
 * Row selection for a fused filter (see `groupBy.ts`) without a mask column: a predicate that is a conjunction of
 * `column op number` comparisons (`op` one of `eq neq lt ltEq gt gtEq`, either side literal) over Float64 or
 * ≤ 32-bit integer columns is evaluated straight into the list of selected row indexes, one pass per comparison
 * (the first over all rows, the next ones over the rows still selected); a null compares to null, which a filter
 * drops, so rows with a null in a compared column are not selected. The
 * result equals the general path's (`evaluateColumns` then the mask's set bits): a JavaScript number compares
 * exactly with these dtypes, and NaN follows the engine's total order (NaN equals NaN and is greater than every
 * other value; a NaN literal is left to the general path). Each pass is a loop generated once per operator and
 * element type (`testSource` gives the comparison, also used by the direct group-by's generated loop).
 * @internal
 */
import type { BinaryOp, ExprNode } from "../../../Expr/Expr.ts"
import type { Column } from "../../column.ts"
import type { Frame } from "../../frame.ts"

export type Op = "eq" | "neq" | "lt" | "ltEq" | "gt" | "gtEq"

const FLIP: Record<Op, Op> = { eq: "eq", neq: "neq", lt: "gt", ltEq: "gtEq", gt: "lt", gtEq: "ltEq" }
const OPS = new Set<BinaryOp>(["eq", "neq", "lt", "ltEq", "gt", "gtEq"])
const EXACT = new Set(["Int8", "Int16", "Int32", "UInt8", "UInt16", "UInt32", "Float64"])

export interface Term {
  readonly name: string
  readonly op: Op
  readonly value: number
}

const terms = (e: ExprNode, out: Array<Term>): boolean => {
  if (e._tag !== "Binary") return false
  if (e.op === "and") return terms(e.left, out) && terms(e.right, out)
  if (!OPS.has(e.op)) return false
  const lit = (x: ExprNode) => x._tag === "Literal" && typeof x.value === "number" && !Number.isNaN(x.value) && (x.dtype === null || EXACT.has(x.dtype._tag))
  if (e.left._tag === "Column" && lit(e.right)) {
    out.push({ name: e.left.name, op: e.op as Op, value: (e.right as { value: number }).value })
    return true
  }
  if (e.right._tag === "Column" && lit(e.left)) {
    out.push({ name: e.right.name, op: FLIP[e.op as Op], value: (e.left as { value: number }).value })
    return true
  }
  return false
}

/** The comparisons of a predicate this kernel evaluates, or undefined when it does not apply to its shape. */
export const plan = (predicate: ExprNode): ReadonlyArray<Term> | undefined => {
  const out: Array<Term> = []
  return terms(predicate, out) ? out : undefined
}

/**
 * The rows of a one-batch frame where every term holds (ascending), or undefined when a column is missing or has
 * another dtype (the caller then evaluates the predicate in general). `scratch` is reused when long enough.
 */
export const select = (ts: ReadonlyArray<Term>, batch: Frame, scratch: Int32Array): Int32Array | undefined => {
  if (batch.batches.length !== 1) return undefined
  const b = batch.batches[0]!
  return selectColumns(ts, (name) => b.columns[batch.columns.indexOf(name)], b.length, scratch)
}

/** As `select`, over `n` rows of the columns `columnOf` gives by name (undefined: missing). */
export const selectColumns = (
  ts: ReadonlyArray<Term>,
  columnOf: (name: string) => Column | undefined,
  n: number,
  scratch: Int32Array
): Int32Array | undefined => {
  const sel = scratch.length >= n ? scratch : new Int32Array(n)
  let m = -1 // -1: all rows (no pass yet)
  for (const t of ts) {
    const c = columnOf(t.name)
    if (c === undefined) return undefined
    if (!EXACT.has(c.dtype._tag)) return undefined
    const v = c.values as Float64Array | Int32Array
    m = passFor(t.op, c.dtype._tag === "Float64")(v, t.value, sel, m, n)
    if (c.nullCount !== 0) m = dropNulls(c.validity!, sel, m)
  }
  return sel.subarray(0, m < 0 ? n : m)
}

/** Keeps the first m selected rows whose validity bit is set; the new count. */
const dropNulls = (validity: Uint8Array, sel: Int32Array, m: number): number => {
  let j = 0
  for (let k = 0; k < m; k++) {
    const i = sel[k]!
    if ((validity[i >> 3]! & (1 << (i & 7))) !== 0) sel[j++] = i
  }
  return j
}

/**
 * `x op c` as JavaScript source, in the engine's total order (NaN equals NaN and is above every other value; `c` is
 * never NaN). Shared by the passes below and the direct group-by's generated loop (`directAgg.ts` `addWhere`).
 */
export const testSource = (op: Op, x: string, c: string): string => {
  switch (op) {
    // NaN fails every comparison, so `!(x <= c)` is `x > c || x is NaN`, with one comparison and no branch
    case "gt":
      return `(!(${x} <= ${c}))`
    case "gtEq":
      return `(!(${x} < ${c}))`
    case "lt":
      return `(${x} < ${c})`
    case "ltEq":
      return `(${x} <= ${c})`
    case "eq":
      return `(${x} === ${c})`
    case "neq":
      return `(${x} !== ${c})`
  }
}

const tests = new Map<Op, (x: number, c: number) => boolean>()

/** `x op c` for one value: {@link testSource} as a function (one definition of the comparisons). */
export const test = (op: Op, x: number, c: number): boolean => {
  let f = tests.get(op)
  if (f === undefined) {
    f = new Function("x", "c", `"use strict"; return ${testSource(op, "x", "c")}`) as (x: number, c: number) => boolean
    tests.set(op, f)
  }
  return f(x, c)
}

/** One comparison over all rows (m < 0) or over the first m selected rows, compacting `sel`; the new count. */
type Pass = (v: ArrayLike<number>, c: number, sel: Int32Array, m: number, n: number) => number

/** The generated pass of each operator and element type (so every loop sees one array type). */
const passes = new Map<string, Pass>()

const passFor = (op: Op, float: boolean): Pass => {
  const key = `${op}${float ? "f" : "i"}`
  let f = passes.get(key)
  if (f === undefined) {
    const test = testSource(op, "x", "c")
    f = new Function(
      "v",
      "c",
      "sel",
      "m",
      "n",
      `"use strict"; let j = 0;
       if (m < 0) { for (let i = 0; i < n; i++) { const x = v[i]; if ${test} sel[j++] = i } return j }
       for (let k = 0; k < m; k++) { const i = sel[k]; const x = v[i]; if ${test} sel[j++] = i } return j`
    ) as Pass
    passes.set(key, f)
  }
  return f
}
