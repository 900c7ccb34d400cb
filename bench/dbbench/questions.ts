/**
 * The db-benchmark questions, as the benchmark defines them (duckdblabs/db-benchmark `duckdb/groupby-duckdb.py`,
 * `duckdb/join-duckdb.py`, `polars/groupby-polars.py`, `polars/join-polars.py`). The SQL is DuckDB's solution text
 * and is the reference every engine is checked against; `chk` lists the result columns whose sums form the
 * checksum (the benchmark's `chk`), in order. Every engine names its result columns as here.
 */

export type Task = "groupby" | "join"

export interface Question {
  /** "groupby q1" … */
  readonly id: string
  readonly task: Task
  readonly q: number
  /** The benchmark's question text. */
  readonly title: string
  /** DuckDB's solution (tables `x`, `small`, `medium`, `big`). */
  readonly sql: string
  readonly chk: ReadonlyArray<string>
}

const g = (q: number, title: string, sql: string, chk: ReadonlyArray<string>): Question => ({
  id: `groupby q${q}`,
  task: "groupby",
  q,
  title,
  sql,
  chk
})
const j = (q: number, title: string, sql: string): Question => ({
  id: `join q${q}`,
  task: "join",
  q,
  title,
  sql,
  chk: ["v1", "v2"]
})

export const groupby: ReadonlyArray<Question> = [
  g(1, "sum v1 by id1", "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1", ["v1"]),
  g(2, "sum v1 by id1:id2", "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2", ["v1"]),
  g(3, "sum v1 mean v3 by id3", "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3", ["v1", "v3"]),
  g(
    4,
    "mean v1:v3 by id4",
    "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
    ["v1", "v2", "v3"]
  ),
  g(
    5,
    "sum v1:v3 by id6",
    "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
    ["v1", "v2", "v3"]
  ),
  g(
    6,
    "median v3 sd v3 by id4 id5",
    "SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5",
    ["median_v3", "sd_v3"]
  ),
  g(
    7,
    "max v1 - min v2 by id3",
    "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
    ["range_v1_v2"]
  ),
  g(
    8,
    "largest two v3 by id6",
    "SELECT id6, unnest(max(v3, 2)) AS largest2_v3 FROM x WHERE v3 IS NOT NULL GROUP BY id6",
    ["largest2_v3"]
  ),
  g(
    9,
    "regression v1 v2 by id2 id4",
    "SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
    ["r2"]
  ),
  g(
    10,
    "sum v3 count by id1:id6",
    "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6",
    ["v3", "count"]
  )
]

export const join: ReadonlyArray<Question> = [
  j(1, "small inner on int", "SELECT x.*, small.id4 AS small_id4, v2 FROM x JOIN small USING (id1)"),
  j(
    2,
    "medium inner on int",
    "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x JOIN medium USING (id2)"
  ),
  j(
    3,
    "medium outer on int",
    "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x LEFT JOIN medium USING (id2)"
  ),
  j(
    4,
    "medium inner on factor",
    "SELECT x.*, medium.id1 AS medium_id1, medium.id2 AS medium_id2, medium.id4 AS medium_id4, v2 FROM x JOIN medium USING (id5)"
  ),
  j(
    5,
    "big inner on int",
    "SELECT x.*, big.id1 AS big_id1, big.id2 AS big_id2, big.id4 AS big_id4, big.id5 AS big_id5, big.id6 AS big_id6, v2 FROM x JOIN big USING (id3)"
  )
]

export const all: ReadonlyArray<Question> = [...groupby, ...join]

export const byTask = (task: Task): ReadonlyArray<Question> => (task === "groupby" ? groupby : join)
