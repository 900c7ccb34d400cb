/**
 * Parquet schema → polaroid dtypes. The mapping follows Apache arrow-rs (the decoder behind parquet-wasm), so that
 * `readParquetMetadata(...).schema` equals the schema `readParquet` returns:
 *
 * | Parquet | polaroid |
 * | --- | --- |
 * | BOOLEAN | Boolean |
 * | INT32 / INT64 (+ INTEGER(bits, signed), INT_n, UINT_n) | Int8…Int64, UInt8…UInt64 |
 * | INT32 DATE | Date |
 * | INT32/INT64 TIME(unit) | Duration(unit) since midnight (TIME_MILLIS → ms, TIME_MICROS → us) |
 * | INT64 TIMESTAMP(unit, isAdjustedToUTC) | Timestamp(unit, "UTC" if adjusted else null) |
 * | INT64 TIMESTAMP_MILLIS / _MICROS (legacy) | Timestamp(ms / us, "UTC") |
 * | INT96 | Timestamp("ns", null) |
 * | FLOAT, DOUBLE | Float32, Float64 |
 * | FIXED_LEN_BYTE_ARRAY FLOAT16 | Float32 |
 * | DECIMAL(p, s) on INT32/INT64/BYTE_ARRAY/FIXED | Decimal(p, s) (p ≤ 38; wider decimals are rejected) |
 * | BYTE_ARRAY STRING/ENUM/JSON | Utf8 |
 * | BYTE_ARRAY without annotation, BSON, geometry; FIXED_LEN_BYTE_ARRAY without annotation | Utf8 holding the raw bytes |
 * | FIXED_LEN_BYTE_ARRAY UUID | Utf8 "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" |
 * | LIST (3-level, 2-level, legacy) and bare repeated fields | List(inner) |
 * | MAP / MAP_KEY_VALUE | List(Struct([key, value])) |
 * | other groups | Struct(fields) |
 * | INTERVAL | rejected (no dtype) |
 * @internal
 */
import type { SchemaElement, SchemaTree } from "hyparquet"
import * as DT from "../../Frame/DataType.ts"
import type { DataType, Field } from "../../Frame/DataType.ts"

/** The dtype of one Parquet schema node plus what the decoders need to know about it. */
export interface PNode {
  readonly name: string
  readonly dtype: DataType
  /** The Parquet schema element (for lists and maps: the annotated group). */
  readonly element: SchemaElement
  /** leaf, list (children: [item]), map (children: [key, value]) or struct (children: fields). */
  readonly kind: "leaf" | "list" | "map" | "struct"
  readonly children: ReadonlyArray<PNode>
  /** A UUID leaf (16 bytes shown as text). */
  readonly uuid: boolean
  /** Why the column cannot be read, if it cannot (an unsupported type somewhere inside it). */
  readonly unsupported: string | undefined
}

const unitOf = (u: string): DT.TimeUnit => (u === "MILLIS" ? "ms" : u === "MICROS" ? "us" : "ns")

interface LeafType {
  readonly dtype: DataType
  readonly uuid?: boolean
  readonly unsupported?: string
}

const intType = (bits: number, signed: boolean): DataType =>
  ({ _tag: `${signed ? "Int" : "UInt"}${bits}` }) as DataType

/** The dtype of a primitive (leaf) schema element. */
export const leafType = (e: SchemaElement): LeafType => {
  const lt = e.logical_type
  const ct = e.converted_type
  if (lt?.type === "DECIMAL" || ct === "DECIMAL") {
    const precision = lt?.type === "DECIMAL" ? lt.precision : (e.precision ?? 0)
    const scale = lt?.type === "DECIMAL" ? lt.scale : (e.scale ?? 0)
    if (precision > 38)
      return { dtype: DT.Utf8, unsupported: `DECIMAL(${precision}, ${scale}): precision above 38 (Decimal128)` }
    return { dtype: DT.Decimal(precision, scale) }
  }
  switch (e.type) {
    case "BOOLEAN":
      return { dtype: DT.Boolean }
    case "INT32":
    case "INT64": {
      const is64 = e.type === "INT64"
      if (lt?.type === "INTEGER") return { dtype: intType(lt.bitWidth, lt.isSigned) }
      if (lt?.type === "DATE" || ct === "DATE") return { dtype: DT.Date }
      if (lt?.type === "TIME") return { dtype: DT.Duration(unitOf(lt.unit)) }
      if (ct === "TIME_MILLIS") return { dtype: DT.Duration("ms") }
      if (ct === "TIME_MICROS") return { dtype: DT.Duration("us") }
      if (lt?.type === "TIMESTAMP") return { dtype: DT.Timestamp(unitOf(lt.unit), lt.isAdjustedToUTC ? "UTC" : null) }
      if (ct === "TIMESTAMP_MILLIS") return { dtype: DT.Timestamp("ms", "UTC") }
      if (ct === "TIMESTAMP_MICROS") return { dtype: DT.Timestamp("us", "UTC") }
      if (ct !== undefined && /^U?INT_(8|16|32|64)$/.test(ct)) {
        const signed = !ct.startsWith("U")
        return { dtype: intType(Number(ct.slice(signed ? 4 : 5)), signed) }
      }
      return { dtype: is64 ? DT.Int64 : DT.Int32 }
    }
    case "INT96":
      return { dtype: DT.Timestamp("ns", null) }
    case "FLOAT":
      return { dtype: DT.Float32 }
    case "DOUBLE":
      return { dtype: DT.Float64 }
    case "FIXED_LEN_BYTE_ARRAY":
      if (lt?.type === "FLOAT16") return { dtype: DT.Float32 }
      if (lt?.type === "UUID") return { dtype: DT.Utf8, uuid: true }
      if (ct === "INTERVAL" || lt?.type === "INTERVAL")
        return { dtype: DT.Utf8, unsupported: "INTERVAL (no polaroid dtype for month/day/millisecond intervals)" }
      return { dtype: DT.Utf8 }
    default:
      // BYTE_ARRAY: strings, enums, JSON, BSON, geometry and raw binary all become Utf8 (raw bytes kept).
      return { dtype: DT.Utf8 }
  }
}

const leaf = (name: string, e: SchemaElement): PNode => {
  const t = leafType(e)
  return { name, dtype: t.dtype, element: e, kind: "leaf", children: [], uuid: t.uuid === true, unsupported: t.unsupported }
}

const firstUnsupported = (xs: ReadonlyArray<PNode>): string | undefined => xs.find((c) => c.unsupported)?.unsupported

const listOf = (name: string, element: SchemaElement, item: PNode): PNode => ({
  name,
  element,
  dtype: DT.List(item.dtype),
  kind: "list",
  children: [item],
  uuid: false,
  unsupported: item.unsupported
})

const structOf = (name: string, element: SchemaElement, fields: ReadonlyArray<PNode>): PNode => ({
  name,
  element,
  dtype: DT.Struct(fields.map((f): Field => ({ name: f.name, dtype: f.dtype }))),
  kind: "struct",
  children: fields,
  uuid: false,
  unsupported: firstUnsupported(fields)
})

/** A node ignoring its own repetition (the caller wraps repeated nodes into lists). */
const nodeBody = (t: SchemaTree): PNode => {
  const e = t.element
  const name = e.name
  if (e.type !== undefined) return leaf(name, e)
  const ct = e.converted_type
  const lt = e.logical_type?.type
  if ((ct === "LIST" || lt === "LIST") && t.children.length === 1) {
    const rep = t.children[0]!
    // Backward-compatibility rules of the Parquet LogicalTypes spec ("Lists").
    // The repeated group itself is the element when it has several fields or is named "array" / "<name>_tuple".
    const item =
      rep.children.length === 0 ||
      rep.children.length > 1 ||
      rep.element.name === "array" ||
      rep.element.name === `${name}_tuple`
        ? nodeBody(rep)
        : node(rep.children[0]!)
    return listOf(name, e, item)
  }
  if ((ct === "MAP" || ct === "MAP_KEY_VALUE" || lt === "MAP") && t.children.length === 1) {
    const kv = t.children[0]!
    // A map without values (only keys) is a list of keys, as in arrow-rs.
    if (kv.children.length === 1) return listOf(name, e, node(kv.children[0]!))
    if (kv.children.length === 2) {
      const fields = kv.children.map(node)
      const entry = structOf(kv.element.name, kv.element, fields)
      return { name, element: e, dtype: DT.List(entry.dtype), kind: "map", children: fields, uuid: false, unsupported: entry.unsupported }
    }
  }
  return structOf(name, e, t.children.map(node))
}

/** A schema node; a REPEATED node outside a LIST/MAP annotation is a list of its body. */
export const node = (t: SchemaTree): PNode => {
  const body = nodeBody(t)
  return t.element.repetition_type === "REPEATED" ? listOf(t.element.name, t.element, body) : body
}

/** The top-level columns of a Parquet file. */
export const columnsOf = (root: SchemaTree): ReadonlyArray<PNode> => root.children.map(node)

/** The polaroid schema of the top-level columns. */
export const fieldsOf = (nodes: ReadonlyArray<PNode>): ReadonlyArray<Field> =>
  nodes.map((n) => ({ name: n.name, dtype: n.dtype }))
