/**
 * Resolution: type-checks `ExprNode` trees against a schema and produces the typed IR (`ir.ts`), before anything
 * runs. Every missing column and every type error is collected (a sub-expression that fails does not cascade into
 * its parents), as Polars' `dsl_to_ir` conversion with type coercion.
 * @internal
 */
import type { AggFn, BinaryOp, ExprNode } from "../../Expr/Expr.ts"
import { show } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { DataType, Field } from "../../Frame/DataType.ts"
import { ColumnNotFound, ResolveErrors, TypeMismatch } from "../../Frame/Errors.ts"
import * as Build from "../build.ts"
import * as C from "../column.ts"
import { aggOutputType } from "../kernels/agg.ts"
import { canCast, cast, isCastFailure } from "./cast.ts"
import "./fn/index.ts"
import type { IR } from "./ir.ts"
import { isExpected, registry } from "./registry.ts"
import { commonType, type Dynamic, finerUnit, floatOf, type Operand, supertype } from "./types.ts"

export type Problem = ColumnNotFound | TypeMismatch

/** Where an expression is evaluated: per row (select/withColumns/filter), or per group (groupBy().agg()). */
export type Mode = "row" | "agg"

interface Ctx {
  readonly schema: ReadonlyArray<Field>
  readonly mode: Mode
  readonly inAgg: boolean
  readonly inWindow: boolean
  readonly root: ExprNode
  readonly problems: Array<Problem>
}

/** Resolves several expressions; all problems of all of them are collected. */
export const resolveAll = (
  schema: ReadonlyArray<Field>,
  nodes: ReadonlyArray<ExprNode>,
  mode: Mode
): { readonly irs: ReadonlyArray<IR> } | { readonly error: Problem | ResolveErrors } => {
  const problems: Array<Problem> = []
  const irs: Array<IR> = []
  for (const node of nodes) {
    const ir = resolveNode(node, { schema, mode, inAgg: false, inWindow: false, root: node, problems })
    if (ir !== undefined) irs.push(ir)
  }
  if (problems.length === 1) return { error: problems[0]! }
  if (problems.length > 1) return { error: new ResolveErrors({ problems }) }
  return { irs }
}

const mismatch = (ctx: Ctx, node: ExprNode, expected: string, actual: string): undefined => {
  ctx.problems.push(new TypeMismatch({ expr: show(node), expected, actual }))
  return undefined
}

const fmt = DT.format

const literalColumn = (value: unknown): { column: C.Column; dynamic: Dynamic } => {
  if (value === null || value === undefined) return { column: C.nulls(DT.Null, 1), dynamic: "null" }
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= -2147483648 && value <= 2147483647)
      return { column: C.make(DT.Int32, 1, Int32Array.of(value), null), dynamic: "int" }
    if (Number.isSafeInteger(value)) return { column: C.make(DT.Int64, 1, BigInt64Array.of(BigInt(value)), null), dynamic: "int" }
    return { column: C.make(DT.Float64, 1, Float64Array.of(value), null), dynamic: "float" }
  }
  if (typeof value === "bigint") {
    const r = Build.fromValues([value], value >= 1n << 63n ? DT.UInt64 : DT.Int64)
    return { column: r._tag === "Ok" ? r.column : C.nulls(DT.Int64, 1), dynamic: null }
  }
  if (typeof value === "boolean") return { column: C.make(DT.Boolean, 1, Uint8Array.of(value ? 1 : 0), null), dynamic: null }
  if (typeof value === "string") return { column: C.fromStrings([value]), dynamic: null }
  if (value instanceof Date) {
    const r = Build.fromValues([value], DT.Timestamp("ms", null))
    return { column: r._tag === "Ok" ? r.column : C.nulls(DT.Timestamp("ms", null), 1), dynamic: "date" }
  }
  return { column: C.nulls(DT.Null, 1), dynamic: "null" }
}

const operand = (ir: IR): Operand => {
  const lit = ir._tag === "Literal" ? ir : undefined
  return lit !== undefined ? { dtype: ir.dtype, dynamic: lit.dynamic, value: lit.value } : { dtype: ir.dtype, dynamic: null }
}

/** Converts `ir` to `to`: literals are converted now, other nodes get an implicit (non-strict) Cast node. */
export const coerce = (ir: IR, to: DataType): IR => {
  if (DT.equals(ir.dtype, to)) return ir
  if (ir._tag === "Literal") {
    const r = cast(ir.column, to, false)
    const column = isCastFailure(r) ? C.nulls(to, 1) : r
    return { _tag: "Literal", column, dtype: to, dynamic: null, value: ir.value, text: ir.text }
  }
  return { _tag: "Cast", input: ir, dtype: to, strict: false, text: ir.text }
}

const COMPARE: ReadonlySet<BinaryOp> = new Set(["eq", "neq", "lt", "ltEq", "gt", "gtEq"])

const isComparable = (t: DataType): boolean =>
  DT.isNumeric(t) || t._tag === "Boolean" || DT.isString(t) || DT.isTemporal(t) || t._tag === "Duration" || t._tag === "Null"

/** Types a binary operation over resolved operands (used for Binary nodes and desugared `between`). */
const binary = (ctx: Ctx, node: ExprNode, op: BinaryOp, l: IR, r: IR): IR | undefined => {
  const text = show(node)
  const pair = `${fmt(l.dtype)}, ${fmt(r.dtype)}`
  const lt = l.dtype
  const rt = r.dtype
  if (op === "and" || op === "or" || op === "xor") {
    const okL = lt._tag === "Boolean" || lt._tag === "Null"
    const okR = rt._tag === "Boolean" || rt._tag === "Null"
    if (!okL || !okR) return mismatch(ctx, node, "bool operands", pair)
    return { _tag: "Binary", op, left: coerce(l, DT.Boolean), right: coerce(r, DT.Boolean), dtype: DT.Boolean, text }
  }
  if (COMPARE.has(op)) {
    if (!isComparable(lt) || !isComparable(rt)) return mismatch(ctx, node, "comparable operands", pair)
    // Categorical against Utf8 / Categorical compares by value without decoding the column (see compare.ts).
    if (DT.isString(lt) && DT.isString(rt) && (lt._tag === "Categorical" || rt._tag === "Categorical"))
      return { _tag: "Binary", op, left: l, right: r, dtype: DT.Boolean, text }
    // a string literal against a temporal column is parsed as a date / date-time (ISO 8601) at resolution
    const strLit = (x: IR, other: IR) =>
      x._tag === "Literal" && typeof x.value === "string" && (DT.isTemporal(other.dtype) || other.dtype._tag === "Duration")
    if (strLit(l, r) || strLit(r, l)) {
      const [lit, other] = strLit(l, r) ? [l as Extract<IR, { _tag: "Literal" }>, r] : [r as Extract<IR, { _tag: "Literal" }>, l]
      const parsed = cast(lit.column, other.dtype, true)
      if (isCastFailure(parsed)) return mismatch(ctx, node, `a ${fmt(other.dtype)} string (ISO 8601)`, JSON.stringify(lit.value))
      const typed: IR = { ...lit, column: parsed, dtype: other.dtype, dynamic: null }
      return strLit(l, r)
        ? { _tag: "Binary", op, left: typed, right: r, dtype: DT.Boolean, text }
        : { _tag: "Binary", op, left: l, right: typed, dtype: DT.Boolean, text }
    }
    const t = commonType(operand(l), operand(r))
    if (t === undefined) return mismatch(ctx, node, "operands of one comparable supertype", pair)
    return { _tag: "Binary", op, left: coerce(l, t), right: coerce(r, t), dtype: DT.Boolean, text }
  }
  // arithmetic
  if (lt._tag === "Null" && rt._tag === "Null") return { _tag: "Binary", op, left: l, right: r, dtype: DT.Null, text }
  if (op === "add" && DT.isString(lt) && DT.isString(rt))
    return { _tag: "Binary", op, left: coerce(l, DT.Utf8), right: coerce(r, DT.Utf8), dtype: DT.Utf8, text }
  const temporal = temporalArith(op, l, r)
  if (temporal !== undefined) return { _tag: "Binary", op, ...temporal, text }
  if (DT.isTemporal(lt) || DT.isTemporal(rt) || lt._tag === "Duration" || rt._tag === "Duration")
    return mismatch(ctx, node, "timestamp - timestamp, timestamp ± duration, duration ± duration or duration * integer", pair)
  const numOk = (t: DataType) => DT.isNumeric(t) || t._tag === "Boolean" || t._tag === "Null"
  if (!numOk(lt) || !numOk(rt) || (lt._tag === "Boolean" && rt._tag === "Boolean"))
    return mismatch(ctx, node, "numeric operands", pair)
  if (op === "pow" && (DT.isInteger(rt) || rt._tag === "Null") && !DT.isFloat(lt)) {
    // integer exponent: the base's dtype (Polars)
    const base = l._tag === "Literal" && l.dynamic === "int" ? (DT.isInteger(rt) ? DT.Int64 : DT.Int32) : lt._tag === "Null" ? DT.Int64 : lt
    const bt = base._tag === "Boolean" || base._tag === "Decimal" ? DT.Float64 : base
    return { _tag: "Binary", op, left: coerce(l, bt), right: coerce(r, DT.isInteger(rt) ? rt : DT.Int32), dtype: bt, text }
  }
  const t0 = commonType(operand(l), operand(r))
  if (t0 === undefined || !DT.isNumeric(t0)) return mismatch(ctx, node, "numeric operands", pair)
  const t = t0._tag === "Decimal" ? DT.Float64 : t0
  const operandType = op === "div" || op === "pow" ? floatOf(t) : t
  return { _tag: "Binary", op, left: coerce(l, operandType), right: coerce(r, operandType), dtype: operandType, text }
}

/** Timestamp/Date/Duration arithmetic: operand and result dtypes, or undefined when not temporal. */
const temporalArith = (op: BinaryOp, l: IR, r: IR): { left: IR; right: IR; dtype: DataType } | undefined => {
  const lt = l.dtype
  const rt = r.dtype
  if (op === "sub" && lt._tag === "Date" && rt._tag === "Date") {
    const ts = DT.Timestamp("ms", null)
    return { left: coerce(l, ts), right: coerce(r, ts), dtype: DT.Duration("ms") }
  }
  if (op === "sub" && (lt._tag === "Timestamp" || lt._tag === "Date") && (rt._tag === "Timestamp" || rt._tag === "Date")) {
    const t = supertype(lt, rt)
    if (t === undefined || t._tag !== "Timestamp") return undefined
    return { left: coerce(l, t), right: coerce(r, t), dtype: DT.Duration(t.unit) }
  }
  if ((op === "add" || op === "sub") && lt._tag === "Timestamp" && rt._tag === "Duration") {
    const unit = finerUnit(lt.unit, rt.unit)
    const t = DT.Timestamp(unit, lt.timeZone)
    return { left: coerce(l, t), right: coerce(r, DT.Duration(unit)), dtype: t }
  }
  if (op === "add" && lt._tag === "Duration" && rt._tag === "Timestamp") {
    const x = temporalArith(op, r, l)
    return x === undefined ? undefined : { left: x.right, right: x.left, dtype: x.dtype }
  }
  if ((op === "add" || op === "sub") && lt._tag === "Duration" && rt._tag === "Duration") {
    const t = supertype(lt, rt)!
    return { left: coerce(l, t), right: coerce(r, t), dtype: t }
  }
  if (op === "mul" && lt._tag === "Duration" && DT.isInteger(rt))
    return { left: coerce(l, DT.Int64), right: coerce(r, DT.Int64), dtype: lt }
  if (op === "mul" && DT.isInteger(lt) && rt._tag === "Duration")
    return { left: coerce(l, DT.Int64), right: coerce(r, DT.Int64), dtype: rt }
  return undefined
}

/** The supertype of several operands (dynamic literals adapt to the static ones). */
const unify = (irs: ReadonlyArray<IR>): DataType | undefined => {
  const statics = irs.filter((ir) => operand(ir).dynamic === null)
  let t: DataType | undefined
  for (const s of statics) {
    t = t === undefined ? s.dtype : supertype(t, s.dtype)
    if (t === undefined) return undefined
  }
  for (const ir of irs) {
    if (operand(ir).dynamic === null) continue
    t = t === undefined ? ir.dtype : commonType({ dtype: t, dynamic: null }, operand(ir))
    if (t === undefined) return undefined
  }
  return t
}

const child = (ctx: Ctx, patch: Partial<Pick<Ctx, "inAgg" | "inWindow">>): Ctx => ({ ...ctx, ...patch })

const resolveNode = (node: ExprNode, ctx: Ctx): IR | undefined => {
  const text = show(node)
  switch (node._tag) {
    case "Column": {
      const index = ctx.schema.findIndex((f) => f.name === node.name)
      if (index < 0) {
        ctx.problems.push(
          new ColumnNotFound({ column: node.name, available: ctx.schema.map((f) => f.name), expr: show(ctx.root) })
        )
        return undefined
      }
      const dtype = ctx.schema[index]!.dtype
      if (ctx.mode === "agg" && !ctx.inAgg)
        return mismatch(ctx, ctx.root, `an aggregation of col(${JSON.stringify(node.name)}) (e.g. .sum(), .first())`, fmt(dtype))
      return { _tag: "Column", index, name: node.name, dtype, text }
    }
    case "Literal": {
      if (node.dtype !== null) {
        const r = Build.fromValues([node.value], node.dtype)
        if (r._tag === "Err") return mismatch(ctx, node, `a value of ${fmt(node.dtype)}`, r.found)
        return { _tag: "Literal", column: r.column, dtype: node.dtype, dynamic: null, value: node.value, text }
      }
      const { column, dynamic } = literalColumn(node.value)
      return { _tag: "Literal", column, dtype: column.dtype, dynamic, value: node.value, text }
    }
    case "Len":
      return { _tag: "Len", dtype: DT.UInt32, text }
    case "Alias": {
      const input = resolveNode(node.input, ctx)
      return input === undefined ? undefined : { ...input, text } as IR
    }
    case "Binary": {
      const l = resolveNode(node.left, ctx)
      const r = resolveNode(node.right, ctx)
      if (l === undefined || r === undefined) return undefined
      return binary(ctx, node, node.op, l, r)
    }
    case "Unary": {
      const input = resolveNode(node.input, ctx)
      if (input === undefined) return undefined
      const t = input.dtype
      switch (node.op) {
        case "isNull":
        case "isNotNull":
          return { _tag: "Unary", op: node.op, input, dtype: DT.Boolean, text }
        case "not":
          if (t._tag !== "Boolean" && t._tag !== "Null") return mismatch(ctx, node, "bool", fmt(t))
          return { _tag: "Unary", op: node.op, input: coerce(input, DT.Boolean), dtype: DT.Boolean, text }
        case "isNan":
        case "isNotNan":
          if (!DT.isNumeric(t) && t._tag !== "Null") return mismatch(ctx, node, "a numeric dtype", fmt(t))
          return { _tag: "Unary", op: node.op, input, dtype: DT.Boolean, text }
        case "neg":
        case "abs":
          if (t._tag === "Null") return { _tag: "Unary", op: node.op, input, dtype: t, text }
          if ((DT.isNumeric(t) && (node.op === "abs" || DT.isSigned(t) || DT.isFloat(t))) || t._tag === "Duration") {
            const dt = t._tag === "Decimal" ? DT.Float64 : t
            return { _tag: "Unary", op: node.op, input: coerce(input, dt), dtype: dt, text }
          }
          return mismatch(ctx, node, node.op === "neg" ? "a signed integer, float or duration" : "a numeric dtype", fmt(t))
        case "sqrt":
        case "exp":
        case "log": {
          if (!DT.isNumeric(t) && t._tag !== "Null") return mismatch(ctx, node, "a numeric dtype", fmt(t))
          const ft = floatOf(t)
          return { _tag: "Unary", op: node.op, input: coerce(input, ft), dtype: ft, text }
        }
        case "floor":
        case "ceil":
        case "round": {
          if (!DT.isNumeric(t) && t._tag !== "Null") return mismatch(ctx, node, "a numeric dtype", fmt(t))
          const dt = t._tag === "Decimal" ? DT.Float64 : t
          if (node.op === "round") return { _tag: "Round", input: coerce(input, dt), decimals: 0, dtype: dt, text }
          return { _tag: "Unary", op: node.op, input: coerce(input, dt), dtype: dt, text }
        }
      }
      return undefined
    }
    case "Cast": {
      const input = resolveNode(node.input, ctx)
      if (input === undefined) return undefined
      if (!canCast(input.dtype, node.dtype))
        return mismatch(ctx, node, `a dtype castable to ${fmt(node.dtype)}`, fmt(input.dtype))
      if (input._tag === "Literal" && !node.strict) return { ...coerce(input, node.dtype), text }
      return { _tag: "Cast", input, dtype: node.dtype, strict: node.strict, text }
    }
    case "When": {
      const conds = node.branches.map((b) => resolveNode(b.when, ctx))
      const thens = node.branches.map((b) => resolveNode(b.then, ctx))
      const otherwise = resolveNode(node.otherwise, ctx)
      let bad = otherwise === undefined
      conds.forEach((c, k) => {
        if (c === undefined) bad = true
        else if (c.dtype._tag !== "Boolean" && c.dtype._tag !== "Null") {
          mismatch(ctx, node.branches[k]!.when, "a bool condition", fmt(c.dtype))
          bad = true
        }
      })
      if (bad || thens.some((t) => t === undefined)) return undefined
      const values = [...(thens as Array<IR>), otherwise!]
      const t = unify(values)
      if (t === undefined) return mismatch(ctx, node, "branches of one supertype", values.map((v) => fmt(v.dtype)).join(", "))
      return {
        _tag: "When",
        branches: node.branches.map((_, k) => ({ when: coerce(conds[k]!, DT.Boolean), then: coerce(thens[k]!, t) })),
        otherwise: coerce(otherwise!, t),
        dtype: t,
        text
      }
    }
    case "Function":
      return resolveFunction(node, ctx)
    case "Agg": {
      if (ctx.inAgg) return mismatch(ctx, node, "a non-aggregated input (nested aggregation)", "an aggregation")
      const input = resolveNode(node.input, child(ctx, { inAgg: true }))
      if (input === undefined) return undefined
      const out = aggOutputType(node.fn as AggFn, input.dtype, node.options)
      if ("expected" in out) return mismatch(ctx, node, out.expected, fmt(input.dtype))
      return { _tag: "Agg", fn: node.fn, input, options: node.options, dtype: out, text }
    }
    case "Window": {
      if (ctx.mode === "agg" || ctx.inAgg) return mismatch(ctx, node, "no window (over) inside an aggregation", "over()")
      const parts = node.partitionBy.map((p) => resolveNode(p, child(ctx, { inWindow: false })))
      const input = resolveNode(node.input, child(ctx, { inWindow: true }))
      if (input === undefined || parts.some((p) => p === undefined)) return undefined
      return { _tag: "Window", input, partitionBy: parts as Array<IR>, dtype: input.dtype, text }
    }
  }
}

const FILL_STRATEGIES = new Set(["forward", "backward", "zero", "min", "max", "mean"])

const resolveFunction = (node: Extract<ExprNode, { _tag: "Function" }>, ctx: Ctx): IR | undefined => {
  const text = show(node)
  const input = resolveNode(node.input, ctx)
  const args = node.args.map((a) => resolveNode(a, ctx))
  if (input === undefined || args.some((a) => a === undefined)) return undefined
  const t = input.dtype
  switch (node.fn) {
    case "fillNull": {
      const strategy = node.options["strategy"]
      if (strategy !== undefined) {
        if (typeof strategy !== "string" || !FILL_STRATEGIES.has(strategy))
          return mismatch(ctx, node, "strategy forward, backward, zero, min, max or mean", String(strategy))
        if (strategy === "zero") {
          const zero: IR = { _tag: "Literal", ...literalColumn(0), dtype: DT.Int32, value: 0, text: "0" }
          return fillWith(ctx, node, input, zero)
        }
        if (strategy === "forward" || strategy === "backward")
          return { _tag: "FillNullStrategy", input, strategy, dtype: t, text }
        if (!DT.isNumeric(t) && t._tag !== "Null") return mismatch(ctx, node, "a numeric dtype", fmt(t))
        const dtype = strategy === "mean" ? floatOf(t) : t
        return { _tag: "FillNullStrategy", input: coerce(input, dtype), strategy: strategy as "min" | "max" | "mean", dtype, text }
      }
      if (args.length !== 1) return mismatch(ctx, node, "one fill value", `${args.length} values`)
      return fillWith(ctx, node, input, args[0]!)
    }
    case "fillNan": {
      if (!DT.isFloat(t) && t._tag !== "Null" && !DT.isNumeric(t)) return mismatch(ctx, node, "a float dtype", fmt(t))
      if (args.length !== 1) return mismatch(ctx, node, "one fill value", `${args.length} values`)
      if (!DT.isFloat(t)) return input
      const value = args[0]!
      const ut = unify([input, value])
      if (ut === undefined) return mismatch(ctx, node, `a fill value of a supertype with ${fmt(t)}`, fmt(value.dtype))
      return { _tag: "FillNan", input: coerce(input, ut), value: coerce(value, ut), dtype: ut, text }
    }
    case "isIn": {
      const values = node.options["values"]
      if (!Array.isArray(values)) return mismatch(ctx, node, "an array of values", typeof values)
      for (const v of values) {
        const ok =
          v === null ||
          (typeof v === "number" || typeof v === "bigint"
            ? DT.isNumeric(t) || t._tag === "Null"
            : typeof v === "string"
              ? DT.isString(t) || t._tag === "Null"
              : typeof v === "boolean"
                ? t._tag === "Boolean" || t._tag === "Null"
                : v instanceof Date && (DT.isTemporal(t) || t._tag === "Null"))
        if (!ok) return mismatch(ctx, node, `values comparable with ${fmt(t)}`, describeJs(v))
      }
      return { _tag: "IsIn", input, values: isInColumn(values, t), dtype: DT.Boolean, text }
    }
    case "between": {
      if (args.length !== 2) return mismatch(ctx, node, "lower and upper bounds", `${args.length} values`)
      const closed = node.options["closed"] ?? "both"
      const lo = binary(ctx, node, closed === "both" || closed === "left" ? "gtEq" : "gt", input, args[0]!)
      const hi = binary(ctx, node, closed === "both" || closed === "right" ? "ltEq" : "lt", input, args[1]!)
      if (lo === undefined || hi === undefined) return undefined
      return { _tag: "Binary", op: "and", left: lo, right: hi, dtype: DT.Boolean, text }
    }
    case "round": {
      if (!DT.isNumeric(t) && t._tag !== "Null") return mismatch(ctx, node, "a numeric dtype", fmt(t))
      const decimals = node.options["decimals"]
      if (typeof decimals !== "number" || !Number.isInteger(decimals) || decimals < 0)
        return mismatch(ctx, node, "decimals, a non-negative integer", String(decimals))
      const dt = t._tag === "Decimal" ? DT.Float64 : t
      return { _tag: "Round", input: coerce(input, dt), decimals, dtype: dt, text }
    }
  }
  const impl = registry.get(node.fn)
  if (impl === undefined) return mismatch(ctx, node, `a known function (no function "${node.fn}")`, fmt(t))
  const out = impl.resolve(t, (args as Array<IR>).map((a) => a.dtype), node.options)
  if (isExpected(out)) return mismatch(ctx, node, out.expected, [t, ...(args as Array<IR>).map((a) => a.dtype)].map(fmt).join(", "))
  return { _tag: "Function", fn: node.fn, impl, input, args: args as Array<IR>, options: node.options, dtype: out, text }
}

const describeJs = (v: unknown): string =>
  v instanceof Date ? "Date" : typeof v === "string" ? `str ${JSON.stringify(v)}` : `${typeof v} ${String(v)}`

/** `isIn` values as a column in a dtype comparable with `t` (numbers: Float64 or Int64; strings; booleans; timestamps). */
const isInColumn = (values: ReadonlyArray<unknown>, t: DataType): C.Column => {
  const vs = values.filter((v) => v !== null && v !== undefined)
  if (DT.isString(t)) return C.fromStrings(vs as Array<string>)
  if (t._tag === "Boolean") {
    const r = Build.fromValues(vs, DT.Boolean)
    return r._tag === "Ok" ? r.column : C.nulls(DT.Boolean, 0)
  }
  if (DT.isTemporal(t)) {
    const r = Build.fromValues(vs, DT.Timestamp("ns", null))
    return r._tag === "Ok" ? r.column : C.nulls(DT.Timestamp("ns", null), 0)
  }
  if (vs.every((v) => typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v)))) {
    const r = Build.fromValues(vs.map((v) => BigInt(v as number)), DT.Int64)
    if (r._tag === "Ok") return r.column
  }
  const r = Build.fromValues(vs.map((v) => Number(v)), DT.Float64)
  return r._tag === "Ok" ? r.column : C.nulls(DT.Float64, 0)
}

/** `fillNull(value)` as `when(input.isNotNull()).then(input).otherwise(value)`, in the supertype. */
const fillWith = (ctx: Ctx, node: ExprNode, input: IR, value: IR): IR | undefined => {
  const text = show(node)
  const t = unify([input, value])
  if (t === undefined) return mismatch(ctx, node, `a fill value of a supertype with ${fmt(input.dtype)}`, fmt(value.dtype))
  const cond: IR = { _tag: "Unary", op: "isNotNull", input, dtype: DT.Boolean, text }
  return { _tag: "When", branches: [{ when: cond, then: coerce(input, t) }], otherwise: coerce(value, t), dtype: t, text }
}
