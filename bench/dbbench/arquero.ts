/**
 * arquero 7 (pure JS, one core). Tables come from Parquet through parquet-wasm → Arrow IPC → `aq.fromArrow`
 * (arquero cannot read Parquet itself); string columns stay Utf8 (DuckDB-written Parquet carries no Arrow schema).
 * q8 is `groupby(id6).orderby(desc(v3)).filter(row_number() <= 2)`; q9 uses `op.corr`. Joins use arquero's
 * `join` / `join_left` on the key name (colliding non-key columns get arquero's `_1`/`_2` suffixes).
 */
import * as aq from "arquero"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as pw from "parquet-wasm"
import { type Engine, type Files, sumValues } from "./engine.ts"
import type { Question, Task } from "./questions.ts"

type Table = ReturnType<typeof aq.table>
type Row = Record<string, number>

export const make = async (): Promise<Engine<Table>> => {
  const op = aq.op
  const t: { x?: Table; small?: Table; medium?: Table; big?: Table } = {}
  const read = (file: string): Table => aq.fromArrow(pw.readParquet(readFileSync(file)).intoIPCStream()) as Table

  const groupby: Record<number, (x: Table) => Table> = {
    1: (x) => x.groupby("id1").rollup({ v1: op.sum("v1") }),
    2: (x) => x.groupby("id1", "id2").rollup({ v1: op.sum("v1") }),
    3: (x) => x.groupby("id3").rollup({ v1: op.sum("v1"), v3: op.mean("v3") }),
    4: (x) => x.groupby("id4").rollup({ v1: op.mean("v1"), v2: op.mean("v2"), v3: op.mean("v3") }),
    5: (x) => x.groupby("id6").rollup({ v1: op.sum("v1"), v2: op.sum("v2"), v3: op.sum("v3") }),
    6: (x) => x.groupby("id4", "id5").rollup({ median_v3: op.median("v3"), sd_v3: op.stdev("v3") }),
    7: (x) => x.groupby("id3").rollup({ range_v1_v2: (d: Row) => op.max(d.v1) - op.min(d.v2) }),
    8: (x) =>
      x
        .filter((d: Row) => d.v3 != null)
        .groupby("id6")
        .orderby(aq.desc("v3"))
        .filter(() => op.row_number() <= 2)
        .ungroup()
        .select("id6", { v3: "largest2_v3" }),
    9: (x) => x.groupby("id2", "id4").rollup({ r2: (d: Row) => op.pow(op.corr(d.v1, d.v2), 2) }),
    10: (x) => x.groupby("id1", "id2", "id3", "id4", "id5", "id6").rollup({ v3: op.sum("v3"), count: op.count() })
  }
  const join: Record<number, () => Table> = {
    1: () => t.x!.join(t.small!, "id1"),
    2: () => t.x!.join(t.medium!, "id2"),
    3: () => t.x!.join_left(t.medium!, "id2"),
    4: () => t.x!.join(t.medium!, "id5"),
    5: () => t.x!.join(t.big!, "id3")
  }

  return {
    name: "arquero",
    version: async () => {
      const require = createRequire(import.meta.url)
      const pkg = JSON.parse(readFileSync(require.resolve("arquero/package.json"), "utf8")) as { version: string }
      return `arquero ${pkg.version}`
    },
    load: async (task: Task, files: Files) => {
      t.x = read(files.x)
      if (task === "join") {
        t.small = read(files.small!)
        t.medium = read(files.medium!)
        t.big = read(files.big!)
      }
    },
    run: async (q: Question) => (q.task === "groupby" ? groupby[q.q]!(t.x!) : join[q.q]!()),
    check: async (q: Question, r: Table) => ({
      rows: r.numRows(),
      cols: r.numCols(),
      chk: q.chk.map((name) => sumValues(r.array(name) as ArrayLike<unknown>))
    }),
    release: async () => {}
  }
}
