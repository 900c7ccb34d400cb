/**
 * DuckDB (`@duckdb/node-api`, in-memory, `SET threads = 2`): the reference. Loading follows the benchmark's
 * solution: tables created from the files, then id1/id2 (groupby) and id4/id5 (join) turned into ENUM types.
 * Each answer is `CREATE TEMP TABLE ans AS <sql>` plus `SELECT count(*) FROM ans`, as the benchmark times it.
 * Deviation: v3 is DOUBLE (the benchmark's DuckDB script declares FLOAT) so that every engine sums the same values.
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import type { Engine, Files } from "./engine.ts"
import type { Question, Task } from "./questions.ts"

const lit = (path: string) => `'${path.replaceAll("'", "''")}'`

export const make = async (): Promise<Engine<string>> => {
  const instance = await DuckDBInstance.create(":memory:")
  const con: DuckDBConnection = await instance.connect()
  await con.run("SET threads = 2")
  await con.run("SET enable_progress_bar = false")
  let counter = 0

  const scalar = async (sql: string): Promise<unknown> => (await con.runAndReadAll(sql)).getRows()[0]?.[0]

  const loadGroupby = async (f: Files) => {
    await con.run(`CREATE TABLE y AS SELECT * FROM read_parquet(${lit(f.x)})`)
    await con.run("CREATE TYPE id1ENUM AS ENUM (SELECT DISTINCT id1 FROM y WHERE id1 IS NOT NULL ORDER BY id1)")
    await con.run("CREATE TYPE id2ENUM AS ENUM (SELECT DISTINCT id2 FROM y WHERE id2 IS NOT NULL ORDER BY id2)")
    await con.run(
      "CREATE TABLE x(id1 id1ENUM, id2 id2ENUM, id3 VARCHAR, id4 INTEGER, id5 INTEGER, id6 INTEGER, v1 INTEGER, v2 INTEGER, v3 DOUBLE)"
    )
    await con.run("INSERT INTO x (SELECT * FROM y)")
    await con.run("DROP TABLE y")
  }

  const loadJoin = async (f: Files) => {
    for (const t of ["x", "small", "medium", "big"] as const)
      await con.run(`CREATE TABLE ${t}_pq AS SELECT * FROM read_parquet(${lit(f[t]!)})`)
    await con.run(
      `CREATE TYPE id4ENUM AS ENUM (SELECT DISTINCT id4 FROM (SELECT id4 FROM x_pq UNION ALL SELECT id4 FROM small_pq
       UNION ALL SELECT id4 FROM medium_pq UNION ALL SELECT id4 FROM big_pq) WHERE id4 IS NOT NULL ORDER BY id4)`
    )
    await con.run(
      `CREATE TYPE id5ENUM AS ENUM (SELECT DISTINCT id5 FROM (SELECT id5 FROM x_pq UNION ALL SELECT id5 FROM medium_pq
       UNION ALL SELECT id5 FROM big_pq) WHERE id5 IS NOT NULL ORDER BY id5)`
    )
    await con.run("CREATE TABLE small(id1 INTEGER, id4 id4ENUM, v2 DOUBLE)")
    await con.run("INSERT INTO small (SELECT * FROM small_pq)")
    await con.run("CREATE TABLE medium(id1 INTEGER, id2 INTEGER, id4 id4ENUM, id5 id5ENUM, v2 DOUBLE)")
    await con.run("INSERT INTO medium (SELECT * FROM medium_pq)")
    await con.run(
      "CREATE TABLE big(id1 INTEGER, id2 INTEGER, id3 INTEGER, id4 id4ENUM, id5 id5ENUM, id6 VARCHAR, v2 DOUBLE)"
    )
    await con.run("INSERT INTO big (SELECT * FROM big_pq)")
    await con.run(
      "CREATE TABLE x(id1 INTEGER, id2 INTEGER, id3 INTEGER, id4 id4ENUM, id5 id5ENUM, id6 VARCHAR, v1 DOUBLE)"
    )
    await con.run("INSERT INTO x (SELECT * FROM x_pq)")
    for (const t of ["x", "small", "medium", "big"]) await con.run(`DROP TABLE ${t}_pq`)
  }

  return {
    name: "duckdb",
    version: async () => {
      const require = createRequire(import.meta.url)
      const pkg = JSON.parse(readFileSync(require.resolve("@duckdb/node-api/package.json"), "utf8")) as {
        version: string
      }
      return `@duckdb/node-api ${pkg.version} (DuckDB ${String(await scalar("SELECT version()"))}, 2 threads)`
    },
    load: async (task: Task, files: Files) => (task === "groupby" ? loadGroupby(files) : loadJoin(files)),
    run: async (q: Question) => {
      const table = `ans${counter++}`
      await con.run(`CREATE TEMP TABLE ${table} AS ${q.sql}`)
      await con.run(`SELECT count(*) FROM ${table}`)
      return table
    },
    check: async (q: Question, table: string) => {
      const sums = q.chk.map((c) => `sum(${c})::DOUBLE`).join(", ")
      const row = (await con.runAndReadAll(`SELECT count(*), ${sums} FROM ${table}`)).getRows()[0]!
      const cols = (await con.runAndReadAll(`DESCRIBE ${table}`)).getRows().length
      return { rows: Number(row[0]), cols, chk: row.slice(1).map((v) => Number(v)) }
    },
    release: async (table: string) => {
      await con.run(`DROP TABLE IF EXISTS ${table}`)
    }
  }
}
