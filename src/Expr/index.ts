/**
 * `polaroid/Expr`: Polars-style expressions (`col`, `lit`, `when`, `len`) as pure data.
 * @since 0.1.0
 */
export * from "./Expr.ts"
