/**
 * Constant folding and expression simplification of predicates (filters and scan predicates), as DataFusion's
 * `simplify_expressions` and Polars' `simplify_expr`:
 * - Boolean subexpressions without columns (`lit(1).lt(2)`, `lit(true).and(lit(null))`) are evaluated once;
 * - `x & true` → `x`, `x & false` → `false`, `x | false` → `x`, `x | true` → `true` (Kleene logic: exact with nulls),
 *   `x.not().not()` → `x`;
 * - `Filter(x, true)` → `x`; `Filter(x, false | null)` → `Slice(x, 0, 0)`; a scan predicate `true` is dropped.
 * Only Boolean results are folded: a folded numeric literal would lose its "dynamic" typing (`col(i8) + (1 + 2)`
 * stays Int8 only while the literal adapts).
 * @internal
 */
import type { ExprNode } from "../../../Expr/Expr.ts"
import * as DT from "../../../Frame/DataType.ts"
import * as C from "../../column.ts"
import { evaluate, isError } from "../../expr/eval.ts"
import { resolveAll } from "../../expr/resolve.ts"
import { type Plan, refs, transformUp } from "../logical.ts"
import type { Rule } from "./rule.ts"

const isBoolLit = (e: ExprNode, v: boolean | null): boolean =>
  e._tag === "Literal" && e.value === v && (e.dtype === null || e.dtype._tag === "Boolean" || (v === null && e.dtype._tag === "Null"))

const boolLit = (v: boolean | null): ExprNode => ({ _tag: "Literal", value: v, dtype: DT.Boolean })

const LOGICAL = new Set(["and", "or", "xor", "eq", "neq", "lt", "ltEq", "gt", "gtEq"])

/** Evaluates a column-free Boolean expression; undefined when it is not one (or fails). */
const fold = (e: ExprNode): ExprNode | undefined => {
  if (e._tag === "Literal") return undefined
  const foldable = (e._tag === "Binary" && LOGICAL.has(e.op)) || (e._tag === "Unary" && (e.op === "not" || e.op === "isNull" || e.op === "isNotNull"))
  if (!foldable || refs(e).size > 0 || !pureLiterals(e)) return undefined
  const r = resolveAll([], [e], "row")
  if ("error" in r || r.irs[0]!.dtype._tag !== "Boolean") return undefined
  const c = evaluate(r.irs[0]!, { columns: [], height: 1, mode: "row" })
  if (isError(c)) return undefined
  const v = C.getValue(c, 0)
  return boolLit(v === null ? null : v === true)
}

const pureLiterals = (e: ExprNode): boolean => {
  switch (e._tag) {
    case "Literal":
      return true
    case "Binary":
      return pureLiterals(e.left) && pureLiterals(e.right)
    case "Unary":
      return pureLiterals(e.input)
    default:
      return false
  }
}

/** Simplifies a Boolean expression bottom-up; undefined when nothing changed. */
export const simplify = (e: ExprNode): ExprNode | undefined => {
  let changed = false
  let node = e
  if (e._tag === "Binary") {
    const l = simplify(e.left)
    const r = simplify(e.right)
    if (l !== undefined || r !== undefined) {
      changed = true
      node = { ...e, left: l ?? e.left, right: r ?? e.right }
    }
  } else if (e._tag === "Unary") {
    const i = simplify(e.input)
    if (i !== undefined) {
      changed = true
      node = { ...e, input: i }
    }
  }
  const folded = fold(node)
  if (folded !== undefined) return folded
  if (node._tag === "Binary" && node.op === "and") {
    if (isBoolLit(node.right, true)) return node.left
    if (isBoolLit(node.left, true)) return node.right
    if (isBoolLit(node.right, false) || isBoolLit(node.left, false)) return boolLit(false)
  }
  if (node._tag === "Binary" && node.op === "or") {
    if (isBoolLit(node.right, false)) return node.left
    if (isBoolLit(node.left, false)) return node.right
    if (isBoolLit(node.right, true) || isBoolLit(node.left, true)) return boolLit(true)
  }
  if (node._tag === "Unary" && node.op === "not" && node.input._tag === "Unary" && node.input.op === "not") return node.input.input
  return changed ? node : undefined
}

export const simplifyExpr: Rule = {
  name: "simplifyExpr",
  apply: (plan) =>
    transformUp(plan, (p): Plan | undefined => {
      if (p._tag === "Filter") {
        const pred = simplify(p.predicate) ?? p.predicate
        if (isBoolLit(pred, true)) return p.input
        if (isBoolLit(pred, false) || isBoolLit(pred, null)) return { _tag: "Slice", input: p.input, offset: 0, length: 0 }
        return pred === p.predicate ? undefined : { ...p, predicate: pred }
      }
      if (p._tag === "Scan" && p.predicate !== undefined) {
        const pred = simplify(p.predicate) ?? p.predicate
        if (isBoolLit(pred, true)) return { ...p, predicate: undefined }
        return pred === p.predicate ? undefined : { ...p, predicate: pred }
      }
      return undefined
    })
}
