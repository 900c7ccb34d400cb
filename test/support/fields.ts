/** Schemas for the tests: one column of every dtype (flat and nested), and the flat ones. */
import * as DT from "../../src/Frame/DataType.ts"
import type { Field } from "../../src/Frame/DataType.ts"

/** One column of every dtype, nested ones (List, Struct) and Null included. */
export const ALL: ReadonlyArray<Field> = [
  { name: "i8", dtype: DT.Int8 },
  { name: "i16", dtype: DT.Int16 },
  { name: "i32", dtype: DT.Int32 },
  { name: "i64", dtype: DT.Int64 },
  { name: "u8", dtype: DT.UInt8 },
  { name: "u16", dtype: DT.UInt16 },
  { name: "u32", dtype: DT.UInt32 },
  { name: "u64", dtype: DT.UInt64 },
  { name: "f32", dtype: DT.Float32 },
  { name: "f64", dtype: DT.Float64 },
  { name: "b", dtype: DT.Boolean },
  { name: "s", dtype: DT.Utf8 },
  { name: "cat", dtype: DT.Categorical },
  { name: "d", dtype: DT.Date },
  { name: "ts", dtype: DT.Timestamp("ns", "America/New_York") },
  { name: "tsms", dtype: DT.Timestamp("ms") },
  { name: "dur", dtype: DT.Duration("us") },
  { name: "dec", dtype: DT.Decimal(12, 3) },
  { name: "dec38", dtype: DT.Decimal(38, 0) },
  { name: "l", dtype: DT.List(DT.Int32) },
  { name: "ll", dtype: DT.List(DT.List(DT.Utf8)) },
  { name: "st", dtype: DT.Struct([{ name: "a", dtype: DT.Float64 }, { name: "b", dtype: DT.List(DT.Boolean) }]) },
  { name: "n", dtype: DT.Null }
]

/** The columns of `ALL` whose dtype is flat (not List, Struct or Null). */
export const FLAT: ReadonlyArray<Field> = ALL.filter((f) => !["List", "Struct", "Null"].includes(f.dtype._tag))
