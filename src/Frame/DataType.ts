/**
 * Data types of polaroid columns, named after Arrow's types.
 *
 * Every column has one `DataType`. The physical layout of each type (see `internal/column.ts`) is Arrow's:
 *
 * | dtype | values | extra |
 * | --- | --- | --- |
 * | Int8…Int32, UInt8…UInt32, Float32, Float64 | the matching typed array | |
 * | Int64, UInt64 | `BigInt64Array` / `BigUint64Array` (full 64-bit precision) | |
 * | Boolean | bit-packed `Uint8Array` (LSB first) | |
 * | Utf8 | UTF-8 bytes in a `Uint8Array` | `offsets: Int32Array` (length + 1) |
 * | Categorical | `Int32Array` codes | `dictionary`: a Utf8 column |
 * | Date | `Int32Array` days since 1970-01-01 | |
 * | Timestamp(unit, tz) | `BigInt64Array` counts of `unit` since the Unix epoch (UTC) | |
 * | Duration(unit) | `BigInt64Array` counts of `unit` | |
 * | Decimal(p, s) | `BigInt64Array` of 2 × length (Arrow Decimal128, little-endian lo/hi words) | |
 * | List(inner) | unused | `offsets: Int32Array`, `children: [inner]` |
 * | Struct(fields) | unused | `children`, one per field |
 *
 * Nulls live in a validity bitmap (Arrow's, LSB first; `null` when every value is valid).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 @category models */
export type TimeUnit = "s" | "ms" | "us" | "ns"

/** @since 0.1.0 @category models */
export interface Field {
  readonly name: string
  readonly dtype: DataType
}

/** @since 0.1.0 @category models */
export type IntegerTag = "Int8" | "Int16" | "Int32" | "Int64" | "UInt8" | "UInt16" | "UInt32" | "UInt64"
/** @since 0.1.0 @category models */
export type FloatTag = "Float32" | "Float64"

/** @since 0.1.0 @category models */
export type DataType =
  | { readonly _tag: "Null" }
  | { readonly _tag: IntegerTag }
  | { readonly _tag: FloatTag }
  | { readonly _tag: "Boolean" }
  | { readonly _tag: "Utf8" }
  | { readonly _tag: "Categorical" }
  | { readonly _tag: "Date" }
  | { readonly _tag: "Timestamp"; readonly unit: TimeUnit; readonly timeZone: string | null }
  | { readonly _tag: "Duration"; readonly unit: TimeUnit }
  | { readonly _tag: "Decimal"; readonly precision: number; readonly scale: number }
  | { readonly _tag: "List"; readonly inner: DataType }
  | { readonly _tag: "Struct"; readonly fields: ReadonlyArray<Field> }

/** @since 0.1.0 @category models */
export type DataTypeTag = DataType["_tag"]

const simple = <T extends DataTypeTag>(_tag: T) => Object.freeze({ _tag }) as Extract<DataType, { _tag: T }>

/** @since 0.1.0 @category constructors */
export const Null = simple("Null")
/** @since 0.1.0 @category constructors */
export const Int8 = simple("Int8")
/** @since 0.1.0 @category constructors */
export const Int16 = simple("Int16")
/** @since 0.1.0 @category constructors */
export const Int32 = simple("Int32")
/** @since 0.1.0 @category constructors */
export const Int64 = simple("Int64")
/** @since 0.1.0 @category constructors */
export const UInt8 = simple("UInt8")
/** @since 0.1.0 @category constructors */
export const UInt16 = simple("UInt16")
/** @since 0.1.0 @category constructors */
export const UInt32 = simple("UInt32")
/** @since 0.1.0 @category constructors */
export const UInt64 = simple("UInt64")
/** @since 0.1.0 @category constructors */
export const Float32 = simple("Float32")
/** @since 0.1.0 @category constructors */
export const Float64 = simple("Float64")
/** @since 0.1.0 @category constructors */
export const Boolean = simple("Boolean")
/** @since 0.1.0 @category constructors */
export const Utf8 = simple("Utf8")
/** @since 0.1.0 @category constructors */
export const Categorical = simple("Categorical")
/** Days since 1970-01-01, stored as Int32. @since 0.1.0 @category constructors */
export const Date = simple("Date")

/**
 * A point in time: a 64-bit count of `unit` since the Unix epoch, in UTC. `timeZone` (an IANA name such as
 * "America/New_York", or null for naive timestamps) only changes how the value is shown and how calendar fields
 * are computed, as in Arrow and Polars.
 * @since 0.1.0 @category constructors
 */
export const Timestamp = (unit: TimeUnit = "us", timeZone: string | null = null): DataType => ({
  _tag: "Timestamp",
  unit,
  timeZone
})
/** A 64-bit count of `unit`. @since 0.1.0 @category constructors */
export const Duration = (unit: TimeUnit = "us"): DataType => ({ _tag: "Duration", unit })
/** Fixed-point decimal (Arrow Decimal128): `precision` ≤ 38 digits, `scale` digits after the point. @since 0.1.0 @category constructors */
export const Decimal = (precision: number, scale: number): DataType => ({ _tag: "Decimal", precision, scale })
/** @since 0.1.0 @category constructors */
export const List = (inner: DataType): DataType => ({ _tag: "List", inner })
/** @since 0.1.0 @category constructors */
export const Struct = (fields: ReadonlyArray<Field>): DataType => ({ _tag: "Struct", fields })

const INTEGER_TAGS: ReadonlySet<string> = new Set([
  "Int8",
  "Int16",
  "Int32",
  "Int64",
  "UInt8",
  "UInt16",
  "UInt32",
  "UInt64"
])

/** @since 0.1.0 @category guards */
export const isInteger = (t: DataType): boolean => INTEGER_TAGS.has(t._tag)
/** @since 0.1.0 @category guards */
export const isSigned = (t: DataType): boolean => t._tag.startsWith("Int")
/** @since 0.1.0 @category guards */
export const isFloat = (t: DataType): boolean => t._tag === "Float32" || t._tag === "Float64"
/** Integers, floats and decimals. @since 0.1.0 @category guards */
export const isNumeric = (t: DataType): boolean => isInteger(t) || isFloat(t) || t._tag === "Decimal"
/** Date and Timestamp. @since 0.1.0 @category guards */
export const isTemporal = (t: DataType): boolean => t._tag === "Date" || t._tag === "Timestamp"
/** Utf8 and Categorical. @since 0.1.0 @category guards */
export const isString = (t: DataType): boolean => t._tag === "Utf8" || t._tag === "Categorical"
/** Stored in a BigInt64Array / BigUint64Array. @since 0.1.0 @category guards */
export const isBigInt = (t: DataType): boolean =>
  t._tag === "Int64" || t._tag === "UInt64" || t._tag === "Timestamp" || t._tag === "Duration"

/** Width in bits of an integer type. @since 0.1.0 @category getters */
export const bitWidth = (t: DataType): number => {
  switch (t._tag) {
    case "Int8":
    case "UInt8":
      return 8
    case "Int16":
    case "UInt16":
      return 16
    case "Int32":
    case "UInt32":
    case "Float32":
    case "Date":
      return 32
    default:
      return 64
  }
}

/** Structural equality of data types. @since 0.1.0 @category equivalence */
export const equals = (a: DataType, b: DataType): boolean => {
  if (a._tag !== b._tag) return false
  switch (a._tag) {
    case "Timestamp":
      return a.unit === (b as typeof a).unit && a.timeZone === (b as typeof a).timeZone
    case "Duration":
      return a.unit === (b as typeof a).unit
    case "Decimal":
      return a.precision === (b as typeof a).precision && a.scale === (b as typeof a).scale
    case "List":
      return equals(a.inner, (b as typeof a).inner)
    case "Struct": {
      const bf = (b as typeof a).fields
      return (
        a.fields.length === bf.length &&
        a.fields.every((f, i) => f.name === bf[i]!.name && equals(f.dtype, bf[i]!.dtype))
      )
    }
    default:
      return true
  }
}

/**
 * Polars-style short name: `i64`, `f64`, `str`, `cat`, `bool`, `date`, `datetime[ms, UTC]`, `duration[us]`,
 * `decimal[10,2]`, `list[i64]`, `struct[2]`.
 * @since 0.1.0 @category formatting
 */
export const format = (t: DataType): string => {
  switch (t._tag) {
    case "Null":
      return "null"
    case "Int8":
      return "i8"
    case "Int16":
      return "i16"
    case "Int32":
      return "i32"
    case "Int64":
      return "i64"
    case "UInt8":
      return "u8"
    case "UInt16":
      return "u16"
    case "UInt32":
      return "u32"
    case "UInt64":
      return "u64"
    case "Float32":
      return "f32"
    case "Float64":
      return "f64"
    case "Boolean":
      return "bool"
    case "Utf8":
      return "str"
    case "Categorical":
      return "cat"
    case "Date":
      return "date"
    case "Timestamp":
      return t.timeZone === null ? `datetime[${t.unit}]` : `datetime[${t.unit}, ${t.timeZone}]`
    case "Duration":
      return `duration[${t.unit}]`
    case "Decimal":
      return `decimal[${t.precision},${t.scale}]`
    case "List":
      return `list[${format(t.inner)}]`
    case "Struct":
      return `struct[${t.fields.length}]`
  }
}

/** Multiplier from `unit` to nanoseconds. @since 0.1.0 @category getters */
export const nanosPerUnit = (unit: TimeUnit): bigint =>
  unit === "s" ? 1_000_000_000n : unit === "ms" ? 1_000_000n : unit === "us" ? 1_000n : 1n
