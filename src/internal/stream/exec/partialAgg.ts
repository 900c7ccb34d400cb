/**
 * The aggregating half of the streaming scan's decode workers (loaded by `parquet/worker.ts` on a worker thread):
 * for a fused `scan → filter → groupBy` whose shape the direct path takes (`directAgg.ts`; keys and inputs plain
 * columns, the predicate comparisons with numbers, see `select.ts`), a worker decodes a row group and adds it
 * right there to its own group table for the scan, so filtering and grouping run on every decode thread. At the
 * end of the scan each worker hands its table over as a `Partial` (one row per group: decoded keys, the
 * aggregations' accumulators and each group's first input position) and the calling thread merges them
 * (`Direct.merge`), then orders the groups by first appearance, as the in-memory verb. Float sums and means are
 * summed per worker, then across workers (as Polars' and DuckDB's parallel aggregations), so they may differ
 * from the in-memory verb in the last bits.
 * @internal
 */
import type { DataType, Field } from "../../../Frame/DataType.ts"
import type { Column } from "../../column.ts"
import * as Direct from "./directAgg.ts"
import * as Ffi from "./ffi.ts"
import * as Select from "./select.ts"

/** What a worker computes for each row group (structured-clonable). */
export interface AggTask {
  /** The scan's id: row groups of one task accumulate into one table per worker. */
  readonly id: string
  /** The columns decoded, in order, with the dtypes the scan expects. */
  readonly expect: ReadonlyArray<Field>
  /** Utf8 key columns decoded as dictionaries (Categorical). */
  readonly dictionary: ReadonlyArray<string> | undefined
  readonly keys: ReadonlyArray<string>
  readonly keyTypes: ReadonlyArray<DataType>
  readonly aggs: ReadonlyArray<{ readonly kind: Direct.DirectKind; readonly input: DataType | undefined; readonly column: string | undefined }>
  /** The predicate's comparisons (undefined: no predicate). */
  readonly terms: ReadonlyArray<Select.Term> | undefined
}

/**
 * The group table of each task (one per scan, by `AggTask.id`), kept across the row groups this worker gets, until
 * `flush` hands it over: a worker then sends the calling thread one partial per scan (as many rows as groups),
 * not one per row group.
 */
const tables = new Map<string, Direct.Direct>()
let scratch: Int32Array = new Int32Array(0)

/**
 * Accumulates one decoded row group (`numRows` rows, its first row at input position `base`) into the task's table,
 * reading it in place in parquet-wasm's memory through the Arrow C data interface (`Table.intoFFI()`: `arrays` the
 * record batch's `ArrowArray`, `schema` its `ArrowSchema`), so the worker neither serializes it to IPC nor copies
 * it; the views are used synchronously, before the stream is freed. False when its columns do not match the task
 * (the worker then sends the IPC stream and the calling thread takes the row group through the general path).
 */
export const accumulateFfi = (memory: ArrayBuffer, arrays: number, schema: number, numRows: number, base: number, task: AggTask): boolean => {
  const cols = Ffi.columns(memory, arrays, schema, task.expect, task.dictionary, numRows)
  return cols !== undefined && accumulateColumns(cols, numRows, base, task)
}

const accumulateColumns = (cols: ReadonlyMap<string, Column>, numRows: number, base: number, task: AggTask): boolean => {
  let d = tables.get(task.id)
  if (d === undefined) {
    d = Direct.make(task.keyTypes, task.aggs)
    tables.set(task.id, d)
  }
  if (numRows === 0) return true
  // the common case in one generated loop (no nulls, dictionary or small-integer keys, see `Direct.addWhere`)
  const terms = task.terms ?? []
  const termColumns = terms.map((t) => cols.get(t.name))
  const keyColumns = task.keys.map((k) => cols.get(k)!)
  const inputColumns = task.aggs.map((a) => (a.column === undefined ? undefined : cols.get(a.column)))
  if (termColumns.every((c) => c !== undefined) && d.addWhere(keyColumns, inputColumns, terms, termColumns as ReadonlyArray<Column>, numRows, base))
    return true
  let sel: Int32Array | undefined
  if (task.terms !== undefined) {
    const s = Select.selectColumns(task.terms, (name) => cols.get(name), numRows, scratch)
    if (s === undefined) return false
    if (s.buffer !== scratch.buffer) scratch = new Int32Array(s.buffer)
    if (s.length === 0) return true
    sel = s.length === numRows ? undefined : s
  }
  d.add(
    keyColumns,
    inputColumns,
    sel,
    sel === undefined ? numRows : sel.length,
    base
  )
  return true
}

/** The task's table as a partial (undefined when this worker got none of its row groups); the table is dropped. */
export const flush = (id: string): Direct.Partial | undefined => {
  const d = tables.get(id)
  tables.delete(id)
  return d?.partial(0)
}

export { transferables } from "./directAgg.ts"
