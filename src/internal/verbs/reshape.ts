/**
 * Reshaping verbs, as Polars: `pivot` (long to wide), `unpivot` (wide to long, "melt") and `explode` (one row per
 * list element).
 * @internal
 */
import * as Effect from "effect/Effect"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import { ColumnNotFound, DuplicateColumn, ShapeMismatch, TypeMismatch } from "../../Frame/Errors.ts"
import type { PivotOptions, UnpivotOptions } from "../../Frame/Frame.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { formatCell } from "../display.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { groupRows, toFloat64 } from "./join.ts"

const findColumn = (self: Frame, name: string, expr: string): number | ColumnNotFound => {
  const i = self.schema.findIndex((f) => f.name === name)
  return i >= 0 ? i : new ColumnNotFound({ column: name, available: self.columns, expr })
}

// ---------------------------------------------------------------------------------------------------------------
// shared helpers (`toFloat64` lives in join.ts, next to the key encoding that uses it)
// ---------------------------------------------------------------------------------------------------------------

/** Compares rows `i` and `j` of a column (ignoring validity), or undefined for unorderable dtypes (List, Struct). */
export const comparator = (col: Column): ((i: number, j: number) => number) | undefined => {
  const t = col.dtype
  switch (t._tag) {
    case "List":
    case "Struct":
      return undefined
    case "Null":
      return () => 0
    case "Boolean": {
      const v = col.values as Uint8Array
      return (i, j) => ((v[i >> 3]! >> (i & 7)) & 1) - ((v[j >> 3]! >> (j & 7)) & 1)
    }
    case "Utf8":
    case "Categorical": {
      const str = t._tag === "Utf8" ? col : col.dictionary!
      const codes = t._tag === "Utf8" ? null : (col.values as Int32Array)
      const o = str.offsets!
      const b = str.values as Uint8Array
      return (i, j) => {
        const a = codes === null ? i : codes[i]!
        const c = codes === null ? j : codes[j]!
        const sa = o[a]!
        const sc = o[c]!
        const la = o[a + 1]! - sa
        const lc = o[c + 1]! - sc
        const m = Math.min(la, lc)
        for (let q = 0; q < m; q++) {
          const d = b[sa + q]! - b[sc + q]!
          if (d !== 0) return d
        }
        return la - lc
      }
    }
    case "Decimal": {
      const v = col.values as BigInt64Array
      return (i, j) => {
        const a = C.decimalAt(v, i)
        const c = C.decimalAt(v, j)
        return a < c ? -1 : a > c ? 1 : 0
      }
    }
    default: {
      const v = col.values as ArrayLike<number | bigint>
      return (i, j) => {
        const a = v[i]!
        const c = v[j]!
        return a < c ? -1 : a > c ? 1 : 0
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// pivot
// ---------------------------------------------------------------------------------------------------------------

const isValidAt = (validity: Uint8Array | null, i: number): boolean =>
  validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0

/** The text naming a pivoted column: the string itself, or the value as displayed ("1", "1.5", "2024-01-31"…). */
const valueText = (col: Column, i: number): string => {
  if (!C.isValid(col, i)) return "null"
  return DT.isString(col.dtype) ? (C.getValue(col, i) as string) : formatCell(col, i)
}

const sumDtype = (t: DataType): DataType | undefined => {
  switch (t._tag) {
    case "Int8":
    case "Int16":
    case "UInt8":
    case "UInt16":
    case "Int64":
      return DT.Int64
    case "Int32":
    case "UInt32":
    case "UInt64":
    case "Float32":
    case "Float64":
      return t
    case "Boolean":
      return DT.UInt32
    case "Decimal":
      return DT.Float64
    default:
      return undefined
  }
}

/**
 * Aggregates `values` per cell (`cells[i]` is row i's cell in `[0, nCells)`), giving one column of `nCells` rows;
 * cells without rows are null. Returns the accepted dtypes as a string for a dtype the aggregation cannot take.
 */
const aggregateCells = (
  values: Column,
  cells: Int32Array,
  nCells: number,
  how: NonNullable<PivotOptions["aggregate"]>
): Column | string => {
  const n = values.length
  const valid = values.validity
  const rows = new Uint32Array(nCells)
  const nonNull = new Uint32Array(nCells)
  for (let i = 0; i < n; i++) {
    const c = cells[i]!
    rows[c]!++
    if (isValidAt(valid, i)) nonNull[c]!++
  }
  const present = new Uint8Array((nCells + 7) >> 3)
  for (let c = 0; c < nCells; c++) if (rows[c]! > 0) present[c >> 3]! |= 1 << (c & 7)
  switch (how) {
    case "first":
    case "last":
    case "min":
    case "max": {
      const pick = new Int32Array(nCells).fill(-1)
      if (how === "first") {
        for (let i = 0; i < n; i++) if (pick[cells[i]!] === -1) pick[cells[i]!] = i
      } else if (how === "last") {
        for (let i = 0; i < n; i++) pick[cells[i]!] = i
      } else {
        const cmp = comparator(values)
        if (cmp === undefined) return "an orderable dtype"
        const sign = how === "min" ? 1 : -1
        for (let i = 0; i < n; i++) {
          if (!isValidAt(valid, i)) continue
          const c = cells[i]!
          const p = pick[c]!
          if (p === -1 || sign * cmp(i, p) < 0) pick[c] = i
        }
      }
      return C.take(values, pick)
    }
    case "count":
    case "len":
      return C.make(DT.UInt32, nCells, how === "count" ? nonNull : rows, present)
    case "sum": {
      const t = values.dtype
      const out = sumDtype(t)
      if (out === undefined) return "a numeric or bool dtype"
      if (DT.isBigInt(t)) {
        const v = values.values as BigInt64Array | BigUint64Array
        const acc = t._tag === "UInt64" ? new BigUint64Array(nCells) : new BigInt64Array(nCells)
        for (let i = 0; i < n; i++) if (isValidAt(valid, i)) acc[cells[i]!] = acc[cells[i]!]! + v[i]!
        for (let c = 0; c < nCells; c++) acc[c] = t._tag === "UInt64" ? BigInt.asUintN(64, acc[c]!) : BigInt.asIntN(64, acc[c]!)
        return C.make(out, nCells, acc, present)
      }
      const f = toFloat64(values)
      const acc = new Float64Array(nCells)
      for (let i = 0; i < n; i++) if (isValidAt(valid, i)) acc[cells[i]!]! += f[i]!
      if (out._tag === "Float64") return C.make(out, nCells, acc, present)
      const arr = C.allocValues(out, nCells)
      if (arr instanceof BigInt64Array) for (let c = 0; c < nCells; c++) arr[c] = BigInt(acc[c]!)
      else (arr as C.NumericArray).set(acc)
      return C.make(out, nCells, arr, present)
    }
    case "mean": {
      if (sumDtype(values.dtype) === undefined) return "a numeric or bool dtype"
      const f = toFloat64(values)
      const acc = new Float64Array(nCells)
      for (let i = 0; i < n; i++) if (isValidAt(valid, i)) acc[cells[i]!]! += f[i]!
      const ok = new Uint8Array((nCells + 7) >> 3)
      for (let c = 0; c < nCells; c++) {
        if (nonNull[c]! > 0) {
          acc[c] = acc[c]! / nonNull[c]!
          ok[c >> 3]! |= 1 << (c & 7)
        }
      }
      return C.make(DT.Float64, nCells, acc, ok)
    }
    case "median": {
      if (sumDtype(values.dtype) === undefined) return "a numeric or bool dtype"
      const f = toFloat64(values)
      // Counting sort of the non-null rows by cell, then a sort within each cell.
      const start = new Int32Array(nCells + 1)
      for (let c = 0; c < nCells; c++) start[c + 1] = start[c]! + nonNull[c]!
      const fill = start.slice(0, nCells)
      const sorted = new Float64Array(start[nCells]!)
      for (let i = 0; i < n; i++) if (isValidAt(valid, i)) sorted[fill[cells[i]!]!++] = f[i]!
      const out = new Float64Array(nCells)
      const ok = new Uint8Array((nCells + 7) >> 3)
      for (let c = 0; c < nCells; c++) {
        const k = nonNull[c]!
        if (k === 0) continue
        const seg = sorted.subarray(start[c]!, start[c + 1]!).sort()
        out[c] = k % 2 === 1 ? seg[(k - 1) / 2]! : (seg[k / 2 - 1]! + seg[k / 2]!) / 2
        ok[c >> 3]! |= 1 << (c & 7)
      }
      return C.make(DT.Float64, nCells, out, ok)
    }
  }
}

/** See `Frame.pivot`. */
export const pivot = (
  self: Frame,
  options: PivotOptions
): Effect.Effect<Frame, ColumnNotFound | TypeMismatch | DuplicateColumn> =>
  Effect.suspend((): Effect.Effect<Frame, ColumnNotFound | TypeMismatch | DuplicateColumn> => {
    const index = typeof options.index === "string" ? [options.index] : options.index
    const how = options.aggregate ?? "first"
    const idx: Array<number> = []
    for (const name of index) {
      const i = findColumn(self, name, "pivot (index)")
      if (typeof i !== "number") return Effect.fail(i)
      idx.push(i)
    }
    const onI = findColumn(self, options.on, "pivot (on)")
    if (typeof onI !== "number") return Effect.fail(onI)
    const valI = findColumn(self, options.values, "pivot (values)")
    if (typeof valI !== "number") return Effect.fail(valI)
    const cols = F.contiguous(self)
    const n = self.height
    const expr = `pivot(on="${options.on}", index=[${index.map((s) => `"${s}"`).join(", ")}], values="${options.values}", aggregate="${how}")`
    const rowGroups = groupRows(
      idx.map((i) => cols[i]!),
      n
    )
    if (rowGroups === undefined)
      return Effect.fail(new TypeMismatch({ expr, expected: "hashable index columns (not list or struct)", actual: idx.map((i) => DT.format(cols[i]!.dtype)).join(", ") }))
    const onCol = cols[onI]!
    const colGroups = groupRows([onCol], n)
    if (colGroups === undefined)
      return Effect.fail(new TypeMismatch({ expr, expected: "a hashable `on` column (not list or struct)", actual: DT.format(onCol.dtype) }))
    const G = rowGroups.count
    const O = colGroups.count
    // Cells laid out column-major: cell = o * G + g, so each output column is a contiguous slice.
    const cells = new Int32Array(n)
    for (let i = 0; i < n; i++) cells[i] = colGroups.ids[i]! * G + rowGroups.ids[i]!
    const values = cols[valI]!
    const agg = aggregateCells(values, cells, G * O, how)
    if (typeof agg === "string") return Effect.fail(new TypeMismatch({ expr, expected: agg, actual: DT.format(values.dtype) }))
    const names: Array<string> = [...index]
    const out: Array<Column> = idx.map((i) => C.take(cols[i]!, rowGroups.firstRow))
    for (let o = 0; o < O; o++) {
      names.push(valueText(onCol, colGroups.firstRow[o]!))
      out.push(C.slice(agg, o * G, G))
    }
    const seen = new Set<string>()
    for (const name of names) {
      if (seen.has(name)) return Effect.fail(new DuplicateColumn({ column: name }))
      seen.add(name)
    }
    return Effect.succeed(F.fromColumnsUnsafe(names, out))
  })

// ---------------------------------------------------------------------------------------------------------------
// unpivot
// ---------------------------------------------------------------------------------------------------------------

/** A Utf8 column with each of `names` repeated `times` times, in order. */
const repeatStrings = (names: ReadonlyArray<string>, times: number): Column => {
  const enc = new TextEncoder()
  const encoded = names.map((s) => enc.encode(s))
  const n = names.length * times
  const total = encoded.reduce((s, b) => s + b.length * times, 0)
  const bytes = new Uint8Array(total)
  const offsets = new Int32Array(n + 1)
  let pos = 0
  let row = 0
  for (const b of encoded) {
    for (let k = 0; k < times; k++) {
      bytes.set(b, pos)
      pos += b.length
      offsets[++row] = pos
    }
  }
  return C.make(DT.Utf8, n, bytes, null, { offsets })
}

const castTo = (col: Column, to: DataType): Column => {
  if (DT.equals(col.dtype, to)) return col
  if (col.dtype._tag === "Null") return C.nulls(to, col.length)
  if (to._tag === "Utf8") return C.fromStrings(C.toStrings(col))
  return C.make(DT.Float64, col.length, toFloat64(col), col.validity)
}

/** See `Frame.unpivot`. */
export const unpivot = (self: Frame, options: UnpivotOptions): Effect.Effect<Frame, ColumnNotFound | TypeMismatch> =>
  Effect.suspend((): Effect.Effect<Frame, ColumnNotFound | TypeMismatch> => {
    const index = options.index ?? []
    for (const name of [...index, ...(options.on ?? [])]) {
      const i = findColumn(self, name, "unpivot")
      if (typeof i !== "number") return Effect.fail(i)
    }
    const on = options.on ?? self.columns.filter((c) => !index.includes(c))
    const variableName = options.variableName ?? "variable"
    const valueName = options.valueName ?? "value"
    const cols = F.contiguous(self)
    const byName = new Map(self.schema.map((f, i) => [f.name, i] as const))
    const onCols = on.map((name) => cols[byName.get(name)!]!)
    const dtypes = onCols.map((c) => c.dtype).filter((t) => t._tag !== "Null")
    let target: DataType = DT.Null
    if (dtypes.length > 0) {
      if (dtypes.every((t) => DT.equals(t, dtypes[0]!))) target = dtypes[0]!
      else if (dtypes.every(DT.isNumeric)) target = DT.Float64
      else if (dtypes.every(DT.isString)) target = DT.Utf8
      else
        return Effect.fail(
          new TypeMismatch({
            expr: `unpivot(on=[${on.map((s) => `"${s}"`).join(", ")}])`,
            expected: "`on` columns of one dtype, all numeric (→ f64), or all strings (→ str)",
            actual: onCols.map((c) => DT.format(c.dtype)).join(", ")
          })
        )
    }
    const h = self.height
    const k = on.length
    const rep = new Int32Array(h * k)
    for (let j = 0; j < k; j++) for (let i = 0; i < h; i++) rep[j * h + i] = i
    const names = [...index, variableName, valueName]
    const out: Array<Column> = index.map((name) => C.take(cols[byName.get(name)!]!, rep))
    out.push(repeatStrings(on, h))
    out.push(k === 0 ? C.nulls(target, 0) : C.concat(onCols.map((c) => castTo(c, target))))
    return Effect.succeed(F.fromColumnsUnsafe(names, out))
  })

// ---------------------------------------------------------------------------------------------------------------
// explode
// ---------------------------------------------------------------------------------------------------------------

/** See `Frame.explode`. */
export const explode = (
  self: Frame,
  columns: ReadonlyArray<string>
): Effect.Effect<Frame, ColumnNotFound | TypeMismatch | ShapeMismatch> =>
  Effect.suspend((): Effect.Effect<Frame, ColumnNotFound | TypeMismatch | ShapeMismatch> => {
    if (columns.length === 0) return Effect.succeed(self)
    const cols = F.contiguous(self)
    const which: Array<number> = []
    for (const name of columns) {
      const i = findColumn(self, name, `explode("${name}")`)
      if (typeof i !== "number") return Effect.fail(i)
      const t = cols[i]!.dtype
      if (t._tag !== "List") return Effect.fail(new TypeMismatch({ expr: `explode("${name}")`, expected: "list", actual: DT.format(t) }))
      which.push(i)
    }
    const n = self.height
    const first = cols[which[0]!]!
    const lens = new Int32Array(n)
    for (let i = 0; i < n; i++) lens[i] = C.isValid(first, i) ? first.offsets![i + 1]! - first.offsets![i]! : 0
    for (let w = 1; w < which.length; w++) {
      const c = cols[which[w]!]!
      for (let i = 0; i < n; i++) {
        const len = C.isValid(c, i) ? c.offsets![i + 1]! - c.offsets![i]! : 0
        if (len !== lens[i])
          return Effect.fail(
            new ShapeMismatch({
              message: `explode: row ${i} has ${lens[i]} elements in "${columns[0]}" but ${len} in "${columns[w]}"`
            })
          )
      }
    }
    let total = 0
    for (let i = 0; i < n; i++) total += Math.max(1, lens[i]!)
    const rep = new Int32Array(total)
    const pos = new Int32Array(total) // element index within its list, or -1 for an empty / null list
    for (let i = 0, k = 0; i < n; i++) {
      const len = lens[i]!
      if (len === 0) {
        rep[k] = i
        pos[k++] = -1
      } else
        for (let e = 0; e < len; e++) {
          rep[k] = i
          pos[k++] = e
        }
    }
    const names = self.columns
    const out = cols.map((c, j) => {
      if (!which.includes(j)) return C.take(c, rep)
      const childIdx = new Int32Array(total)
      const o = c.offsets!
      for (let k = 0; k < total; k++) childIdx[k] = pos[k]! < 0 ? -1 : o[rep[k]!]! + pos[k]!
      return C.take(c.children![0]!, childIdx)
    })
    return Effect.succeed(F.fromColumnsUnsafe(names, out))
  })
