/**
 * Element-wise kernels of the expression engine: arithmetic, Kleene logic, unary math, null/NaN tests, rounding
 * and the "choose" gather used by `when` and `fillNull`. Operands are columns of the output length `n` or of
 * length 1 (a scalar, broadcast without being materialized: index `i & m` with `m = 0` for a scalar, `-1` else).
 * Operands already have the operation's dtype (resolution inserted the casts).
 *
 * Integer arithmetic wraps around on overflow (two's complement, as Polars' release builds); integer `//` and `%`
 * by zero give null; float `/` by zero gives ±inf or NaN (IEEE).
 * @internal
 */
import type { BinaryOp, UnaryOp } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { BigArray, Column, NumericArray } from "../column.ts"

/** Broadcast mask of an operand of the output length `n`. */
export const bmask = (c: Column, n: number): number => (c.length === n ? -1 : 0)

/** Whether `c` is a broadcast scalar that is null. */
const nullScalar = (c: Column, n: number): boolean => c.length !== n && c.nullCount > 0

/** The validity of a binary result (AND of the operands'), or "null" when a scalar operand is null. */
export const binaryValidity = (a: Column, b: Column, n: number): Uint8Array | null | "null" => {
  if (nullScalar(a, n) || nullScalar(b, n) || a.dtype._tag === "Null" || b.dtype._tag === "Null") return "null"
  const va = a.length === n ? a.validity : null
  const vb = b.length === n ? b.validity : null
  return Bits.and(va, vb, n)
}

const isBigValues = (v: C.Values): v is BigArray => v instanceof BigInt64Array || v instanceof BigUint64Array

/** `a op b` for arithmetic ops, result dtype `out`. */
export const arith = (op: BinaryOp, a: Column, b: Column, out: DataType, n: number): Column => {
  const validity = binaryValidity(a, b, n)
  if (validity === "null" || out._tag === "Null") return C.nulls(out, n)
  if (out._tag === "Utf8") return concatStrings(a, b, n, validity)
  const ma = bmask(a, n)
  const mb = bmask(b, n)
  const res = C.allocValues(out, n)
  let zeroDiv: Uint8Array | null = null
  const markNull = (i: number) => {
    if (zeroDiv === null) zeroDiv = validity === null ? Bits.allSet(n) : validity.slice()
    Bits.clearBit(zeroDiv, i)
  }
  if (isBigValues(res)) {
    const av = a.values as BigArray
    const isUnsigned = res instanceof BigUint64Array
    if (op === "pow") {
      for (let i = 0; i < n; i++) {
        const e = Number(b.values[i & mb]!)
        if (e < 0) markNull(i)
        else res[i] = powBig(av[i & ma]!, e, isUnsigned)
      }
    } else {
      const bv = b.values as BigArray
      switch (op) {
        case "add":
          for (let i = 0; i < n; i++) res[i] = av[i & ma]! + bv[i & mb]!
          break
        case "sub":
          for (let i = 0; i < n; i++) res[i] = av[i & ma]! - bv[i & mb]!
          break
        case "mul":
          for (let i = 0; i < n; i++) res[i] = av[i & ma]! * bv[i & mb]!
          break
        case "floorDiv":
          for (let i = 0; i < n; i++) {
            const x = av[i & ma]!
            const y = bv[i & mb]!
            if (y === 0n) {
              markNull(i)
              continue
            }
            const q = x / y
            res[i] = x % y !== 0n && (x < 0n) !== (y < 0n) ? q - 1n : q
          }
          break
        case "mod":
          for (let i = 0; i < n; i++) {
            const x = av[i & ma]!
            const y = bv[i & mb]!
            if (y === 0n) {
              markNull(i)
              continue
            }
            const r = x % y
            res[i] = r !== 0n && (r < 0n) !== (y < 0n) ? r + y : r
          }
          break
        default: {
          // div on 64-bit operands does not occur (resolution casts to float)
          for (let i = 0; i < n; i++) res[i] = bv[i & mb]! === 0n ? 0n : av[i & ma]! / bv[i & mb]!
        }
      }
    }
    return C.make(out, n, res, zeroDiv ?? validity)
  }
  const r = res as NumericArray
  const av = a.values as NumericArray
  const isInt = DT.isInteger(out) || out._tag === "Date"
  if (op === "pow") {
    if (!isInt) {
      const bv = b.values as NumericArray
      for (let i = 0; i < n; i++) r[i] = av[i & ma]! ** bv[i & mb]!
    } else {
      for (let i = 0; i < n; i++) {
        const e = Number(b.values[i & mb]!)
        if (e < 0) markNull(i)
        else r[i] = powInt32(av[i & ma]!, e)
      }
    }
    return C.make(out, n, r, zeroDiv ?? validity)
  }
  const bv = b.values as NumericArray
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) r[i] = av[i & ma]! + bv[i & mb]!
      break
    case "sub":
      for (let i = 0; i < n; i++) r[i] = av[i & ma]! - bv[i & mb]!
      break
    case "mul":
      if (out._tag === "Int32" || out._tag === "UInt32") for (let i = 0; i < n; i++) r[i] = Math.imul(av[i & ma]!, bv[i & mb]!)
      else for (let i = 0; i < n; i++) r[i] = av[i & ma]! * bv[i & mb]!
      break
    case "div":
      for (let i = 0; i < n; i++) r[i] = av[i & ma]! / bv[i & mb]!
      break
    case "floorDiv":
      if (isInt) {
        for (let i = 0; i < n; i++) {
          const y = bv[i & mb]!
          if (y === 0) markNull(i)
          else r[i] = Math.floor(av[i & ma]! / y)
        }
      } else for (let i = 0; i < n; i++) r[i] = Math.floor(av[i & ma]! / bv[i & mb]!)
      break
    case "mod":
      for (let i = 0; i < n; i++) {
        const y = bv[i & mb]!
        if (isInt && y === 0) {
          markNull(i)
          continue
        }
        const x = av[i & ma]!
        let m = x % y
        if (m !== 0 && m < 0 !== y < 0) m += y
        r[i] = m
      }
      break
  }
  return C.make(out, n, r, zeroDiv ?? validity)
}

/** Integer power with wrap-around in 32 bits (enough for every ≤ 32-bit integer type; the store truncates). */
const powInt32 = (base: number, e: number): number => {
  let result = 1
  let b = base | 0
  while (e > 0) {
    if (e & 1) result = Math.imul(result, b)
    b = Math.imul(b, b)
    e = Math.floor(e / 2)
  }
  return result
}

const powBig = (base: bigint, e: number, unsigned: boolean): bigint => {
  const wrap = unsigned ? (x: bigint) => BigInt.asUintN(64, x) : (x: bigint) => BigInt.asIntN(64, x)
  let result = 1n
  let b = base
  while (e > 0) {
    if (e & 1) result = wrap(result * b)
    b = wrap(b * b)
    e = Math.floor(e / 2)
  }
  return result
}

const concatStrings = (a: Column, b: Column, n: number, validity: Uint8Array | null): Column => {
  const ma = bmask(a, n)
  const mb = bmask(b, n)
  const ao = a.offsets!
  const bo = b.offsets!
  const ab = a.values as Uint8Array
  const bb = b.values as Uint8Array
  const offsets = new Int32Array(n + 1)
  let total = 0
  for (let i = 0; i < n; i++) {
    const ia = i & ma
    const ib = i & mb
    total += ao[ia + 1]! - ao[ia]! + bo[ib + 1]! - bo[ib]!
    offsets[i + 1] = total
  }
  const bytes = new Uint8Array(total)
  for (let i = 0; i < n; i++) {
    const ia = i & ma
    const ib = i & mb
    const p = offsets[i]!
    bytes.set(ab.subarray(ao[ia]!, ao[ia + 1]!), p)
    bytes.set(bb.subarray(bo[ib]!, bo[ib + 1]!), p + ao[ia + 1]! - ao[ia]!)
  }
  return C.make(DT.Utf8, n, bytes, validity, { offsets })
}

/** Kleene and/or/xor on Boolean columns, 8 rows at a time. */
export const logic = (op: "and" | "or" | "xor", a: Column, b: Column, n: number): Column => {
  const nb = Bits.bytesFor(n)
  const out = new Uint8Array(nb)
  const valid = new Uint8Array(nb)
  const scalarByte = (bits: boolean) => (bits ? 0xff : 0)
  const aS = a.length !== n
  const bS = b.length !== n
  const av = a.values as Uint8Array
  const bv = b.values as Uint8Array
  const aScalarVal = aS ? scalarByte(a.nullCount === 0 && a.dtype._tag === "Boolean" && Bits.getBit(av, 0)) : 0
  const bScalarVal = bS ? scalarByte(b.nullCount === 0 && b.dtype._tag === "Boolean" && Bits.getBit(bv, 0)) : 0
  const aScalarValid = aS ? (a.nullCount === 0 && a.dtype._tag !== "Null" ? 0xff : 0) : 0
  const bScalarValid = bS ? (b.nullCount === 0 && b.dtype._tag !== "Null" ? 0xff : 0) : 0
  const aValid = a.dtype._tag === "Null" ? null : a.validity
  const bValid = b.dtype._tag === "Null" ? null : b.validity
  for (let k = 0; k < nb; k++) {
    const x = aS ? aScalarVal : a.dtype._tag === "Null" ? 0 : av[k]!
    const y = bS ? bScalarVal : b.dtype._tag === "Null" ? 0 : bv[k]!
    const vx = aS ? aScalarValid : a.dtype._tag === "Null" ? 0 : aValid === null ? 0xff : aValid[k]!
    const vy = bS ? bScalarValid : b.dtype._tag === "Null" ? 0 : bValid === null ? 0xff : bValid[k]!
    if (op === "and") {
      out[k] = x & y
      valid[k] = (vx & vy) | (vx & ~x) | (vy & ~y)
    } else if (op === "or") {
      out[k] = x | y
      valid[k] = (vx & vy) | (vx & x) | (vy & y)
    } else {
      out[k] = x ^ y
      valid[k] = vx & vy
    }
  }
  return C.make(DT.Boolean, n, out, valid)
}

/** Unary math and tests. `out` is the result dtype. */
export const unary = (op: UnaryOp, a: Column, out: DataType): Column => {
  const n = a.length
  switch (op) {
    case "isNull":
    case "isNotNull": {
      const bits = a.dtype._tag === "Null" ? new Uint8Array(Bits.bytesFor(n)) : a.validity === null ? Bits.allSet(n) : a.validity.slice()
      if (op === "isNull") for (let k = 0; k < bits.length; k++) bits[k] = ~bits[k]!
      return C.make(DT.Boolean, n, bits, null)
    }
    case "not": {
      if (a.dtype._tag === "Null") return C.nulls(DT.Boolean, n)
      const v = a.values as Uint8Array
      const bits = new Uint8Array(v.length)
      for (let k = 0; k < v.length; k++) bits[k] = ~v[k]!
      return C.make(DT.Boolean, n, bits, a.validity)
    }
    case "isNan":
    case "isNotNan": {
      if (a.dtype._tag === "Null") return C.nulls(DT.Boolean, n)
      const mask = new Uint8Array(n)
      if (DT.isFloat(a.dtype)) {
        const v = a.values as NumericArray
        if (op === "isNan") for (let i = 0; i < n; i++) mask[i] = Number.isNaN(v[i]!) ? 1 : 0
        else for (let i = 0; i < n; i++) mask[i] = Number.isNaN(v[i]!) ? 0 : 1
      } else if (op === "isNotNan") mask.fill(1)
      return C.make(DT.Boolean, n, Bits.pack(mask, n), a.validity)
    }
  }
  if (a.dtype._tag === "Null") return C.nulls(out, n)
  const res = C.allocValues(out, n)
  if (isBigValues(res)) {
    const v = a.values as BigArray
    if (op === "neg") for (let i = 0; i < n; i++) res[i] = -v[i]!
    else if (op === "abs") for (let i = 0; i < n; i++) res[i] = v[i]! < 0n ? -v[i]! : v[i]!
    else res.set(v as BigInt64Array)
    return C.make(out, n, res, a.validity)
  }
  const v = a.values as NumericArray
  const r = res as NumericArray
  const f =
    op === "neg"
      ? (x: number) => -x
      : op === "abs"
        ? Math.abs
        : op === "sqrt"
          ? Math.sqrt
          : op === "exp"
            ? Math.exp
            : op === "log"
              ? Math.log
              : op === "floor"
                ? Math.floor
                : Math.ceil
  for (let i = 0; i < n; i++) r[i] = f(v[i]!)
  return C.make(out, n, r, a.validity)
}

/** Rounds half away from zero to `decimals` digits (integers are unchanged), as Polars `round`. */
export const round = (a: Column, decimals: number): Column => {
  if (!DT.isFloat(a.dtype)) return a
  const n = a.length
  const v = a.values as NumericArray
  const r = C.allocValues(a.dtype, n) as NumericArray
  const f = 10 ** decimals
  for (let i = 0; i < n; i++) {
    const x = v[i]!
    r[i] = x < 0 ? -Math.round(-x * f) / f : Math.round(x * f) / f
  }
  return C.make(a.dtype, n, r, a.validity)
}

/** Replaces NaN by `value` (a column of length n or 1, same dtype). */
export const fillNan = (a: Column, value: Column): Column => {
  const n = a.length
  const v = a.values as NumericArray
  const choice = new Int32Array(n)
  for (let i = 0; i < n; i++) choice[i] = Number.isNaN(v[i]!) ? 1 : 0
  return choose([a, value], choice, n)
}

/**
 * Gathers row i from `sources[choice[i]]` (each of length n, or 1 for a broadcast scalar; all of one dtype).
 */
export const choose = (sources: ReadonlyArray<Column>, choice: Int32Array, n: number): Column => {
  const base = new Int32Array(sources.length)
  let acc = 0
  sources.forEach((s, k) => {
    base[k] = acc
    acc += s.length
  })
  const all = C.concat(sources)
  const idx = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const k = choice[i]!
    idx[i] = base[k]! + (sources[k]!.length === n ? i : 0)
  }
  return C.take(all, idx)
}

/** Materializes a length-1 column to `n` rows (or returns `c` when it already has `n`). */
export const broadcast = (c: Column, n: number): Column => (c.length === n ? c : C.take(c, new Int32Array(n)))
