/**
 * `polaroid/Frame`: the Frame data type, its constructors, accessors and eager verbs, its data types and errors.
 * @since 0.1.0
 */
export * as Arbitrary from "./Arbitrary.ts"
export * as DataType from "./DataType.ts"
export * from "./Errors.ts"
export * from "./Frame.ts"
export * from "./Rows.ts"
export * as LazyFrame from "./LazyFrame.ts"
