/**
 * `polaroid/Source`: reading and writing Parquet and CSV through effect's FileSystem.
 * @since 0.1.0
 */
export * from "./Csv.ts"
export * from "./Parquet.ts"
export * from "./Scan.ts"
export * from "./Read.ts"
