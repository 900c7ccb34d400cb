/**
 * Writes the db-benchmark tables as Parquet (snappy) with DuckDB, deterministically (hash-based draws), for the
 * profiling harnesses `profile-groupby.ts` and `profile-join.ts`. Files go to /tmp/dbb/ (reused when present).
 *
 * groupby G1_N_1e2_0_0: id1, id2 "id001".."id100"; id3 "id0000000001".."id{N/K}"; id4, id5 1..100; id6 1..N/K
 * (INTEGER); v1 1..5, v2 1..15 (INTEGER); v3 uniform [0, 100) rounded to 6 decimals (DOUBLE). K = 100.
 * join (as db-benchmark's join-datagen, approximately): x N rows with id1 1..N/1e6, id2 1..N/1e3, id3 1..N
 * (INTEGER, ~10% of the keys drawn outside the other tables' range), id4/id5/id6 "id" || id1/id2/id3, v1 DOUBLE;
 * small N/1e6 rows (id1, id4, v2), medium N/1e3 rows (id1, id2, id4, id5, v2), big N rows (id1..id6, v2).
 * @internal
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { existsSync, mkdirSync } from "node:fs"

export const DIR = "/tmp/dbb"

const u = (i: string, salt: number, m: number): string => `((hash(${i} * 16 + ${salt}) % ${m}) + 1)::INTEGER`

export const groupbyFile = async (n: number): Promise<string> => {
  const file = `${DIR}/G1_${n}.parquet`
  if (existsSync(file)) return file
  mkdirSync(DIR, { recursive: true })
  const db = await (await DuckDBInstance.create(":memory:")).connect()
  const K = 100
  await db.run(`COPY (SELECT
      'id' || lpad(${u("i", 1, K)}::VARCHAR, 3, '0') AS id1,
      'id' || lpad(${u("i", 2, K)}::VARCHAR, 3, '0') AS id2,
      'id' || lpad(${u("i", 3, n / K)}::VARCHAR, 10, '0') AS id3,
      ${u("i", 4, K)} AS id4, ${u("i", 5, K)} AS id5, ${u("i", 6, n / K)} AS id6,
      ${u("i", 7, 5)} AS v1, ${u("i", 8, 15)} AS v2,
      round((hash(i * 16 + 9) % 100000000)::DOUBLE / 1000000, 6) AS v3
    FROM range(${n}) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 1048576)`)
  return file
}

export interface JoinFiles {
  readonly x: string
  readonly small: string
  readonly medium: string
  readonly big: string
}

export const joinFiles = async (n: number): Promise<JoinFiles> => {
  const f = (name: string) => `${DIR}/J1_${n}_${name}.parquet`
  const out = { x: f("x"), small: f("small"), medium: f("medium"), big: f("big") }
  if (existsSync(out.x) && existsSync(out.big)) return out
  mkdirSync(DIR, { recursive: true })
  const db = await (await DuckDBInstance.create(":memory:")).connect()
  const n1 = Math.max(1, n / 1e6)
  const n2 = n / 1e3
  const opts = "(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 1048576)"
  // x draws keys from 1.1x the range, so ~10% of x rows find no match.
  await db.run(`COPY (SELECT id1, id2, id3, 'id' || id1 AS id4, 'id' || id2 AS id5, 'id' || id3 AS id6, v1 FROM (
      SELECT ${u("i", 1, Math.ceil(n1 * 1.1))} AS id1, ${u("i", 2, Math.ceil(n2 * 1.1))} AS id2,
        ${u("i", 3, Math.ceil(n * 1.1))} AS id3, round((hash(i * 16 + 4) % 100000000)::DOUBLE / 1000000, 6) AS v1
      FROM range(${n}) t(i))) TO '${out.x}' ${opts}`)
  await db.run(`COPY (SELECT (i + 1)::INTEGER AS id1, 'id' || (i + 1) AS id4,
      round((hash(i * 16 + 5) % 100000000)::DOUBLE / 1000000, 6) AS v2 FROM range(${n1}) t(i)) TO '${out.small}' ${opts}`)
  await db.run(`COPY (SELECT ${u("i", 6, n1)} AS id1, (i + 1)::INTEGER AS id2, 'id' || ${u("i", 6, n1)} AS id4,
      'id' || (i + 1) AS id5, round((hash(i * 16 + 7) % 100000000)::DOUBLE / 1000000, 6) AS v2
      FROM range(${n2}) t(i)) TO '${out.medium}' ${opts}`)
  await db.run(`COPY (SELECT id1, id2, id3, 'id' || id1 AS id4, 'id' || id2 AS id5, 'id' || id3 AS id6, v2 FROM (
      SELECT ${u("i", 8, n1)} AS id1, ${u("i", 9, n2)} AS id2, (i + 1)::INTEGER AS id3,
        round((hash(i * 16 + 10) % 100000000)::DOUBLE / 1000000, 6) AS v2 FROM range(${n}) t(i)))
      TO '${out.big}' ${opts}`)
  return out
}
