/**
 * nodejs-polars (eager API; the Rust engine uses both cores): the benchmark's `polars/groupby-polars.py` and
 * `join-polars.py` translated. As there, the string id columns are cast to Categorical at load.
 * q8: nodejs-polars has no `top_k` expression, so "largest two" is `sort(descending).head(2)` within the group
 * (the benchmark's earlier polars solution), then `explode`.
 */
import pl from "nodejs-polars"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import type { Engine, Files } from "./engine.ts"
import type { Question, Task } from "./questions.ts"

type DF = pl.DataFrame

export const make = async (): Promise<Engine<DF>> => {
  const t: { x?: DF; small?: DF; medium?: DF; big?: DF } = {}
  const c = pl.col
  const cat = (df: DF, names: ReadonlyArray<string>) => df.withColumns(...names.map((n) => c(n).cast(pl.Categorical)))

  const groupby: Record<number, (x: DF) => DF> = {
    1: (x) => x.groupBy("id1").agg(c("v1").sum().alias("v1")),
    2: (x) => x.groupBy(["id1", "id2"]).agg(c("v1").sum().alias("v1")),
    3: (x) => x.groupBy("id3").agg(c("v1").sum().alias("v1"), c("v3").mean().alias("v3")),
    4: (x) => x.groupBy("id4").agg(c("v1").mean().alias("v1"), c("v2").mean().alias("v2"), c("v3").mean().alias("v3")),
    5: (x) => x.groupBy("id6").agg(c("v1").sum().alias("v1"), c("v2").sum().alias("v2"), c("v3").sum().alias("v3")),
    6: (x) => x.groupBy(["id4", "id5"]).agg(c("v3").median().alias("median_v3"), c("v3").std().alias("sd_v3")),
    7: (x) => x.groupBy("id3").agg(c("v1").max().minus(c("v2").min()).alias("range_v1_v2")),
    8: (x) =>
      x
        .filter(c("v3").isNotNull())
        .groupBy("id6")
        .agg(c("v3").sort({ descending: true }).head(2).alias("largest2_v3"))
        .explode("largest2_v3"),
    9: (x) => x.groupBy(["id2", "id4"]).agg(pl.pearsonCorr("v1", "v2").pow(2).alias("r2")),
    10: (x) =>
      x
        .groupBy(["id1", "id2", "id3", "id4", "id5", "id6"])
        .agg(c("v3").sum().alias("v3"), c("v1").count().alias("count"))
  }
  const join: Record<number, () => DF> = {
    1: () => t.x!.join(t.small!, { on: "id1" }),
    2: () => t.x!.join(t.medium!, { on: "id2" }),
    3: () => t.x!.join(t.medium!, { on: "id2", how: "left" }),
    4: () => t.x!.join(t.medium!, { on: "id5" }),
    5: () => t.x!.join(t.big!, { on: "id3" })
  }

  return {
    name: "polars",
    version: async () => {
      const require = createRequire(import.meta.url)
      const pkg = JSON.parse(readFileSync(require.resolve("nodejs-polars/package.json"), "utf8")) as { version: string }
      return `nodejs-polars ${pkg.version}`
    },
    load: async (task: Task, files: Files) => {
      if (task === "groupby") {
        t.x = cat(pl.readParquet(files.x), ["id1", "id2", "id3"])
        t.x.height
      } else {
        t.x = cat(pl.readParquet(files.x), ["id4", "id5", "id6"])
        t.small = cat(pl.readParquet(files.small!), ["id4"])
        t.medium = cat(pl.readParquet(files.medium!), ["id4", "id5"])
        t.big = cat(pl.readParquet(files.big!), ["id4", "id5", "id6"])
      }
    },
    run: async (q: Question) => (q.task === "groupby" ? groupby[q.q]!(t.x!) : join[q.q]!()),
    check: async (q: Question, df: DF) => ({
      rows: df.height,
      cols: df.width,
      chk: q.chk.map((name) => Number(df.getColumn(name).sum()))
    }),
    release: async () => {}
  }
}
