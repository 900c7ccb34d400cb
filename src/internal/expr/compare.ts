/**
 * Comparison kernels: `== != < <= > >=` on columns (or broadcast length-1 scalars) of one dtype, giving a
 * bit-packed Boolean column. Nulls propagate (null in → null out, as Polars and SQL). Floats use a total order
 * where NaN equals NaN and is greater than every other value (as Polars and DuckDB). Strings compare by their
 * UTF-8 bytes (= code point order). Categorical compares by the string values (against a scalar, through the
 * dictionary without decoding the rows).
 * @internal
 */
import type { BinaryOp } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { BigArray, Column, NumericArray } from "../column.ts"
import { binaryValidity, bmask } from "./arith.ts"
import { toUtf8 } from "./cast.ts"

export type CompareOp = "eq" | "neq" | "lt" | "ltEq" | "gt" | "gtEq"

const FLIP: Record<CompareOp, CompareOp> = { eq: "eq", neq: "neq", lt: "gt", ltEq: "gtEq", gt: "lt", gtEq: "ltEq" }

/** Maps a three-way comparison result (-1, 0, 1) to the op's truth. */
const fromCmp = (op: CompareOp, c: number): number => {
  switch (op) {
    case "eq":
      return c === 0 ? 1 : 0
    case "neq":
      return c !== 0 ? 1 : 0
    case "lt":
      return c < 0 ? 1 : 0
    case "ltEq":
      return c <= 0 ? 1 : 0
    case "gt":
      return c > 0 ? 1 : 0
    case "gtEq":
      return c >= 0 ? 1 : 0
  }
}

const compareBytes = (a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number => {
  const la = ae - as
  const lb = be - bs
  const l = Math.min(la, lb)
  for (let k = 0; k < l; k++) {
    const d = a[as + k]! - b[bs + k]!
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return la === lb ? 0 : la < lb ? -1 : 1
}

/** `a op b` → Boolean column of length n. */
export const compare = (op: BinaryOp, a: Column, b: Column, n: number): Column => {
  const cop = op as CompareOp
  const validity = binaryValidity(a, b, n)
  if (validity === "null") return C.nulls(DT.Boolean, n)
  // categorical: by value
  if (a.dtype._tag === "Categorical" || b.dtype._tag === "Categorical") {
    if (b.dtype._tag === "Categorical" && a.dtype._tag !== "Categorical") return compare(FLIP[cop], b, a, n)
    if (b.length !== n || (b.dtype._tag === "Categorical" && b.dictionary === a.dictionary && (cop === "eq" || cop === "neq")))
      return categoricalVs(cop, a, b, n, validity)
    return compare(op, toUtf8(a), toUtf8(b), n)
  }
  const mask = new Uint8Array(n)
  const ma = bmask(a, n)
  const mb = bmask(b, n)
  const t = a.dtype
  if (t._tag === "Utf8") {
    const ao = a.offsets!
    const bo = b.offsets!
    const av = a.values as Uint8Array
    const bv = b.values as Uint8Array
    for (let i = 0; i < n; i++) {
      const ia = i & ma
      const ib = i & mb
      mask[i] = fromCmp(cop, compareBytes(av, ao[ia]!, ao[ia + 1]!, bv, bo[ib]!, bo[ib + 1]!))
    }
  } else if (t._tag === "Boolean") {
    const av = a.values as Uint8Array
    const bv = b.values as Uint8Array
    for (let i = 0; i < n; i++) {
      const ia = i & ma
      const ib = i & mb
      mask[i] = fromCmp(cop, ((av[ia >> 3]! >> (ia & 7)) & 1) - ((bv[ib >> 3]! >> (ib & 7)) & 1))
    }
  } else if (t._tag === "Decimal") {
    const av = a.values as BigInt64Array
    const bv = b.values as BigInt64Array
    for (let i = 0; i < n; i++) {
      const x = C.decimalAt(av, i & ma)
      const y = C.decimalAt(bv, i & mb)
      mask[i] = fromCmp(cop, x < y ? -1 : x > y ? 1 : 0)
    }
  } else if (a.values instanceof BigInt64Array || a.values instanceof BigUint64Array) {
    const av = a.values as BigArray
    const bv = b.values as BigArray
    switch (cop) {
      case "eq":
        for (let i = 0; i < n; i++) mask[i] = av[i & ma]! === bv[i & mb]! ? 1 : 0
        break
      case "neq":
        for (let i = 0; i < n; i++) mask[i] = av[i & ma]! !== bv[i & mb]! ? 1 : 0
        break
      case "lt":
        for (let i = 0; i < n; i++) mask[i] = av[i & ma]! < bv[i & mb]! ? 1 : 0
        break
      case "ltEq":
        for (let i = 0; i < n; i++) mask[i] = av[i & ma]! <= bv[i & mb]! ? 1 : 0
        break
      case "gt":
        for (let i = 0; i < n; i++) mask[i] = av[i & ma]! > bv[i & mb]! ? 1 : 0
        break
      case "gtEq":
        for (let i = 0; i < n; i++) mask[i] = av[i & ma]! >= bv[i & mb]! ? 1 : 0
        break
    }
  } else {
    const av = a.values as NumericArray
    const bv = b.values as NumericArray
    // total order: NaN == NaN, NaN > everything else
    switch (cop) {
      case "eq":
        for (let i = 0; i < n; i++) {
          const x = av[i & ma]!
          const y = bv[i & mb]!
          mask[i] = x === y || (Number.isNaN(x) && Number.isNaN(y)) ? 1 : 0
        }
        break
      case "neq":
        for (let i = 0; i < n; i++) {
          const x = av[i & ma]!
          const y = bv[i & mb]!
          mask[i] = x === y || (Number.isNaN(x) && Number.isNaN(y)) ? 0 : 1
        }
        break
      case "lt":
        for (let i = 0; i < n; i++) {
          const x = av[i & ma]!
          const y = bv[i & mb]!
          mask[i] = x < y || (Number.isNaN(y) && !Number.isNaN(x)) ? 1 : 0
        }
        break
      case "ltEq":
        for (let i = 0; i < n; i++) {
          const x = av[i & ma]!
          const y = bv[i & mb]!
          mask[i] = x <= y || Number.isNaN(y) ? 1 : 0
        }
        break
      case "gt":
        for (let i = 0; i < n; i++) {
          const x = av[i & ma]!
          const y = bv[i & mb]!
          mask[i] = x > y || (Number.isNaN(x) && !Number.isNaN(y)) ? 1 : 0
        }
        break
      case "gtEq":
        for (let i = 0; i < n; i++) {
          const x = av[i & ma]!
          const y = bv[i & mb]!
          mask[i] = x >= y || Number.isNaN(x) ? 1 : 0
        }
        break
    }
  }
  return C.make(DT.Boolean, n, Bits.pack(mask, n), validity)
}

/** Categorical column `a` against a scalar (Utf8 or Categorical) or a column sharing its dictionary. */
const categoricalVs = (op: CompareOp, a: Column, b: Column, n: number, validity: Uint8Array | null): Column => {
  const dict = a.dictionary!
  const codes = a.values as Int32Array
  const mask = new Uint8Array(n)
  if (b.length !== n) {
    const bs = b.dtype._tag === "Categorical" ? toUtf8(b) : b
    const target = bs.values as Uint8Array
    const te = bs.offsets![1]!
    const ts = bs.offsets![0]!
    const table = new Uint8Array(dict.length)
    const dv = dict.values as Uint8Array
    const dof = dict.offsets!
    for (let k = 0; k < dict.length; k++) table[k] = fromCmp(op, compareBytes(dv, dof[k]!, dof[k + 1]!, target, ts, te))
    for (let i = 0; i < n; i++) mask[i] = table[codes[i]!]!
  } else {
    const bc = b.values as Int32Array
    const eq = op === "eq" ? 1 : 0
    for (let i = 0; i < n; i++) mask[i] = codes[i] === bc[i] ? eq : 1 - eq
  }
  return C.make(DT.Boolean, n, Bits.pack(mask, n), validity)
}

/**
 * Membership: true where the row's value is among `values` (a column from resolution: Utf8 for strings, Int64 or
 * Float64 for numbers, Boolean, Timestamp(ns) for dates). Null rows stay null.
 */
export const isIn = (a: Column, values: Column): Column => {
  const n = a.length
  const mask = new Uint8Array(n)
  const t = a.dtype
  if (t._tag === "Null") return C.nulls(DT.Boolean, n)
  if (t._tag === "Utf8" || t._tag === "Categorical") {
    const set = new Set(C.toStrings(values))
    if (t._tag === "Categorical") {
      const dict = C.toStrings(a.dictionary!)
      const table = Uint8Array.from(dict, (s) => (set.has(s) ? 1 : 0))
      const codes = a.values as Int32Array
      for (let i = 0; i < n; i++) mask[i] = table[codes[i]!]!
    } else for (let i = 0; i < n; i++) mask[i] = C.isValid(a, i) && set.has(C.stringAt(a, i)) ? 1 : 0
  } else if (t._tag === "Boolean") {
    const vs = new Set(C.toArray(values))
    const bits = a.values as Uint8Array
    for (let i = 0; i < n; i++) mask[i] = vs.has(Bits.getBit(bits, i)) ? 1 : 0
  } else if (t._tag === "Date" || t._tag === "Timestamp") {
    // values are Timestamp(ns); compare in ns
    const vs = new Set(values.values as BigInt64Array)
    if (t._tag === "Date") {
      const v = a.values as Int32Array
      for (let i = 0; i < n; i++) mask[i] = vs.has(BigInt(v[i]!) * 86_400_000_000_000n) ? 1 : 0
    } else {
      const f = DT.nanosPerUnit(t.unit)
      const v = a.values as BigInt64Array
      for (let i = 0; i < n; i++) mask[i] = vs.has(v[i]! * f) ? 1 : 0
    }
  } else if (t._tag === "Decimal") {
    const scale = 10 ** t.scale
    const nums = new Set<number>(Array.from(values.values as ArrayLike<number | bigint>, Number))
    const v = a.values as BigInt64Array
    for (let i = 0; i < n; i++) mask[i] = nums.has(Number(C.decimalAt(v, i)) / scale) ? 1 : 0
  } else if (a.values instanceof BigInt64Array || a.values instanceof BigUint64Array) {
    const vs = new Set<bigint>()
    if (values.dtype._tag === "Int64") for (const x of values.values as BigInt64Array) vs.add(x)
    else for (const x of values.values as Float64Array) if (Number.isInteger(x)) vs.add(BigInt(x))
    const v = a.values as BigArray
    for (let i = 0; i < n; i++) mask[i] = vs.has(v[i]!) ? 1 : 0
  } else {
    const vs = new Set<number>()
    if (values.dtype._tag === "Int64") for (const x of values.values as BigInt64Array) vs.add(Number(x))
    else for (const x of values.values as Float64Array) vs.add(t._tag === "Float32" ? Math.fround(x) : x)
    const v = a.values as NumericArray
    // Set uses SameValueZero: NaN matches NaN, -0 matches 0
    for (let i = 0; i < n; i++) mask[i] = vs.has(v[i]!) ? 1 : 0
  }
  return C.make(DT.Boolean, n, Bits.pack(mask, n), a.validity)
}
