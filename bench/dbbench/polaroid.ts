/**
 * polaroid, through its public API only (`Frame`, `Expr`, `Source`): `Source.readParquet` into frames, then each
 * question as a pipeline run with `Effect.runPromise`. As the benchmark's polars solution does, the string id
 * columns are cast to Categorical at load (set `DBBENCH_POLAROID_STRINGS=utf8` to keep them Utf8).
 *
 * Workarounds for what polaroid lacks (noted in RESULTS.md):
 * - q8 "largest two v3 by id6": `col("v3").topK(2)` per id6 group, then `explode` (as the benchmark's polars
 *   solution does with `top_k`); a group with fewer than two values pads with null, which is filtered out.
 * - q9 "regression v1 v2 by id2 id4" (no `corr`): r² = cov² / (var₁·var₂) from per-group means,
 *   cov = mean(v1·v2) − mean(v1)·mean(v2), var = mean(v²) − mean(v)², in one aggregation expression.
 */
import { NodeServices } from "@effect/platform-node"
import { Effect, pipe } from "effect"
import { col, type Expr, len } from "../../src/Expr/index.ts"
import * as Frame from "../../src/Frame/index.ts"
import * as Source from "../../src/Source/index.ts"
import type { Engine, Files } from "./engine.ts"
import type { Question, Task } from "./questions.ts"

type F = Frame.Frame

const categorical = process.env["DBBENCH_POLAROID_STRINGS"] !== "utf8"

const read = (file: string, strings: ReadonlyArray<string>): Effect.Effect<F, unknown> =>
  pipe(
    Source.readParquet(file),
    Effect.flatMap((f) =>
      categorical ? Frame.withColumns(f, ...strings.map((s) => col(s).cast(Frame.DataType.Categorical))) : Effect.succeed(f)
    ),
    Effect.provide(NodeServices.layer)
  )

const mean = (e: Expr) => e.mean()

export const make = async (): Promise<Engine<F>> => {
  const t: { x?: F; small?: F; medium?: F; big?: F } = {}

  const r2 = (() => {
    const m1 = mean(col("v1"))
    const m2 = mean(col("v2"))
    const cov = mean(col("v1").mul(col("v2"))).sub(m1.mul(m2))
    const var1 = mean(col("v1").mul(col("v1"))).sub(m1.mul(m1))
    const var2 = mean(col("v2").mul(col("v2"))).sub(m2.mul(m2))
    return cov.mul(cov).div(var1.mul(var2)).alias("r2")
  })()

  const groupby: Record<number, (x: F) => Effect.Effect<F, unknown>> = {
    1: (x) => Frame.groupBy(x, "id1").agg(col("v1").sum().alias("v1")),
    2: (x) => Frame.groupBy(x, ["id1", "id2"]).agg(col("v1").sum().alias("v1")),
    3: (x) => Frame.groupBy(x, "id3").agg(col("v1").sum().alias("v1"), col("v3").mean().alias("v3")),
    4: (x) =>
      Frame.groupBy(x, "id4").agg(col("v1").mean().alias("v1"), col("v2").mean().alias("v2"), col("v3").mean().alias("v3")),
    5: (x) =>
      Frame.groupBy(x, "id6").agg(col("v1").sum().alias("v1"), col("v2").sum().alias("v2"), col("v3").sum().alias("v3")),
    6: (x) => Frame.groupBy(x, ["id4", "id5"]).agg(col("v3").median().alias("median_v3"), col("v3").std().alias("sd_v3")),
    7: (x) => Frame.groupBy(x, "id3").agg(col("v1").max().sub(col("v2").min()).alias("range_v1_v2")),
    8: (x) =>
      pipe(
        x,
        Frame.filter(col("v3").isNotNull()),
        Frame.groupBy("id6").agg(col("v3").topK(2).alias("largest2_v3")),
        Frame.explode("largest2_v3"),
        Frame.filter(col("largest2_v3").isNotNull())
      ),
    9: (x) => Frame.groupBy(x, ["id2", "id4"]).agg(r2),
    10: (x) =>
      Frame.groupBy(x, ["id1", "id2", "id3", "id4", "id5", "id6"]).agg(col("v3").sum().alias("v3"), len().alias("count"))
  }
  const join: Record<number, () => Effect.Effect<F, unknown>> = {
    1: () => Frame.join(t.x!, t.small!, { on: "id1", how: "inner" }),
    2: () => Frame.join(t.x!, t.medium!, { on: "id2", how: "inner" }),
    3: () => Frame.join(t.x!, t.medium!, { on: "id2", how: "left" }),
    4: () => Frame.join(t.x!, t.medium!, { on: "id5", how: "inner" }),
    5: () => Frame.join(t.x!, t.big!, { on: "id3", how: "inner" })
  }

  return {
    name: "polaroid",
    version: async () => `polaroid (${categorical ? "string ids as Categorical" : "string ids as Utf8"})`,
    load: async (task: Task, files: Files) => {
      if (task === "groupby") t.x = await Effect.runPromise(read(files.x, ["id1", "id2", "id3"]))
      else {
        t.x = await Effect.runPromise(read(files.x, ["id4", "id5", "id6"]))
        t.small = await Effect.runPromise(read(files.small!, ["id4"]))
        t.medium = await Effect.runPromise(read(files.medium!, ["id4", "id5"]))
        t.big = await Effect.runPromise(read(files.big!, ["id4", "id5", "id6"]))
      }
    },
    run: (q: Question) => Effect.runPromise(q.task === "groupby" ? groupby[q.q]!(t.x!) : join[q.q]!()),
    check: async (q: Question, r: F) => {
      const sums = await Effect.runPromise(Frame.select(r, ...q.chk.map((c) => col(c).sum().alias(c))))
      const row = Frame.toRows(sums)[0]!
      return { rows: r.height, cols: r.width, chk: q.chk.map((c) => Number(row[c])) }
    },
    release: async () => {}
  }
}
