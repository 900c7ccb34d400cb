/**
 * What every engine runner provides to the worker (`worker.ts`): load the task's tables, answer a question into a
 * materialized result (timed), and give the result's shape and checksum (untimed).
 */
import type { Question, Task } from "./questions.ts"

/** Parquet files of a task: groupby uses `x`; join uses all four. */
export interface Files {
  readonly x: string
  readonly small?: string
  readonly medium?: string
  readonly big?: string
}

/** Shape and checksum of a result: `chk[i]` is the sum of column `question.chk[i]` (nulls skipped). */
export interface Outcome {
  readonly rows: number
  readonly cols: number
  readonly chk: ReadonlyArray<number>
}

export interface Engine<R = unknown> {
  readonly name: string
  /** Library version (and, where the library reports one, its engine's). */
  readonly version: () => Promise<string>
  /** Reads the task's Parquet files into the engine's in-memory tables (timed as "load"). */
  readonly load: (task: Task, files: Files) => Promise<void>
  /** Answers a question into a fully materialized result (timed). */
  readonly run: (q: Question) => Promise<R>
  /** Rows, columns and checksum of a result (untimed). */
  check(q: Question, result: R): Promise<Outcome>
  /** Frees a result (untimed). (Method syntax: results are engine-specific, the worker treats them opaquely.) */
  release(result: R): Promise<void>
}

export const ENGINES = ["duckdb", "polars", "arquero", "polaroid"] as const
export type EngineName = (typeof ENGINES)[number]

/** Sum of the numbers of an array-like, skipping null/undefined; bigint converted. */
export const sumValues = (xs: ArrayLike<unknown> | Iterable<unknown>): number => {
  let s = 0
  if (ArrayBuffer.isView(xs) && !(xs instanceof DataView)) {
    const a = xs as unknown as ArrayLike<number | bigint>
    for (let i = 0; i < a.length; i++) s += Number(a[i])
    return s
  }
  for (const v of xs as Iterable<unknown>) if (v !== null && v !== undefined) s += Number(v)
  return s
}

export const loadEngine = async (name: string): Promise<Engine> => {
  switch (name) {
    case "duckdb":
      return (await import("./duckdb.ts")).make()
    case "polars":
      return (await import("./polars.ts")).make()
    case "arquero":
      return (await import("./arquero.ts")).make()
    case "polaroid":
      return (await import("./polaroid.ts")).make()
    default:
      throw new Error(`unknown engine "${name}" (known: ${ENGINES.join(", ")})`)
  }
}
