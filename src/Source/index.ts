/**
 * `polaroid/Source`: Parquet, CSV, NDJSON and Arrow IPC files through effect's FileSystem; WebSocket feeds, paginated
 * REST APIs and SQL databases through effect's Socket, HttpClient and SqlClient.
 * @since 0.1.0
 */
export * from "./Csv.ts"
export * from "./Parquet.ts"
export * from "./Scan.ts"
export * from "./Read.ts"
export * from "./WebSocket.ts"
export * from "./Rest.ts"
export * from "./Sql.ts"
