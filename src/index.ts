/**
 * polaroid: a typed, Arrow-backed dataframe engine built on Effect.
 *
 * ```ts
 * import { Frame, Source, Expr } from "polaroid"
 * ```
 * @since 0.1.0
 */
export * as Expr from "./Expr/index.ts"
export { col, len, lit, when } from "./Expr/index.ts"
export * as DataType from "./Frame/DataType.ts"
export * as Frame from "./Frame/index.ts"
export * as Source from "./Source/index.ts"
export * as Stream from "./Stream/index.ts"
export * as TimeSeries from "./TimeSeries/index.ts"
