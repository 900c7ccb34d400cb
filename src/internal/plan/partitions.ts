/**
 * Partition pruning of file scans: the conjuncts of a scan's pushed-down predicate that read only hive partition
 * columns are evaluated on a small table with one row per file (the files' partition values, typed), and the files
 * they rule out are never opened. It needs no I/O once the files are known, so `explain` shows its result too.
 * @internal
 */
import * as Effect from "effect/Effect"
import { Expr, type ExprNode } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { Field } from "../../Frame/DataType.ts"
import { SourceError } from "../../Frame/Errors.ts"
import * as C from "../column.ts"
import * as Engine from "../expr/engine.ts"
import * as F from "../frame.ts"
import * as Files from "./files.ts"
import type { FileSet, ScanFile } from "./files.ts"
import { conjoin, conjuncts, refs } from "./logical.ts"

const FILE_INDEX = "\u0000file"

/**
 * The files of a set that the partition conjuncts of `predicate` cannot rule out, in path order. `hive` lists the
 * partition columns that are not file columns. A partition value that does not parse as its dtype is a
 * `SourceError`; a predicate that fails to evaluate on the partition table prunes nothing (it is evaluated again
 * on the data, where its error surfaces).
 */
export const keptFiles = (
  predicate: ExprNode | undefined,
  set: FileSet,
  hive: ReadonlyArray<Field>,
  format: "parquet" | "csv"
): ReadonlyArray<ScanFile> | SourceError => {
  const files = set.files ?? []
  if (predicate === undefined || hive.length === 0) return files
  const names = new Set(hive.map((f) => f.name))
  const cs = conjuncts(predicate).filter((c) => {
    const r = refs(c)
    return r.size > 0 && [...r].every((n) => names.has(n))
  })
  if (cs.length === 0) return files
  const cols: Array<C.Column> = []
  for (const f of hive) {
    const c = Files.partitionColumn(set, f, format)
    if (c instanceof SourceError) return c
    cols.push(c)
  }
  const index = C.make(DT.Int32, files.length, Int32Array.from(files, (_, i) => i), null)
  const table = F.fromColumnsUnsafe([...hive.map((f) => f.name), FILE_INDEX], [...cols, index])
  const r = Effect.runSync(Effect.result(Engine.filter(table, new Expr(conjoin(cs)!))))
  if (r._tag === "Failure") return files
  const kept = F.contiguous(r.success)[hive.length]!.values as Int32Array
  return Array.from(kept, (i) => files[i]!)
}
