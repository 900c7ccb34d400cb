/**
 * Incremental Arrow IPC writing (file or stream format) with apache-arrow's `RecordBatchFileWriter` /
 * `RecordBatchStreamWriter`: each Frame batch is written as one record batch as it arrives and its bytes are handed
 * back at once, so the writer holds one batch at a time (plus the file format's block index, a few bytes per batch).
 *
 * Categorical columns: the IPC file format forbids replacing a dictionary, and every polaroid batch carries its own
 * dictionary, so top-level Categorical columns are written against one growing dictionary per column: each batch's
 * codes are remapped to it and its new values are written as a delta dictionary batch (as pyarrow's
 * `emit_dictionary_deltas`). Memory: the distinct values seen so far. (Categoricals nested in List/Struct keep their
 * batch's dictionary: one batch, or the stream format, only.)
 * @internal
 */
import type * as A from "apache-arrow"
import { arrow } from "../arrowLib.ts"
import type { Field } from "../../Frame/DataType.ts"
import * as Arrow from "../arrow.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import type { Frame } from "../frame.ts"

/** A byte queue collecting the writer's output chunks instead of queueing them for an async reader. */
interface Chunks extends A.AsyncByteQueue {
  parts: Array<Uint8Array>
}

/** The collecting queue's class, made on first use (apache-arrow is loaded lazily: `arrowLib.ts`). */
let ChunksClass: (new () => Chunks) | undefined
const chunks = (): Chunks => {
  const ar = arrow()
  ChunksClass ??= class extends ar.AsyncByteQueue {
    parts: Array<Uint8Array> = []
    override write(value: A.AsyncByteQueue extends { write(v: infer V): unknown } ? V : never): void {
      const b = value as Uint8Array
      if (b.byteLength > 0) this.parts.push(b)
    }
  }
  return new ChunksClass()
}

/** One top-level Categorical column's dictionary across batches. */
interface SharedDictionary {
  readonly index: Map<string, number>
  readonly chunks: Array<A.Data<A.Utf8>>
  /** The last batch's dictionary and its code mapping (batches of one source often share a dictionary). */
  last: Column | undefined
  mapping: Int32Array
}

export interface IpcEncoder {
  /** Encodes one frame (all its batches); returns the bytes to append. Throws on a writer error. */
  readonly write: (frame: Frame) => ReadonlyArray<Uint8Array>
  /** The end of stream marker and, for the file format, the footer. */
  readonly finish: () => ReadonlyArray<Uint8Array>
}

/** An encoder for frames of `schema` (the caller checks that every frame has it). */
export const make = (schema: ReadonlyArray<Field>, format: "file" | "stream"): IpcEncoder => {
  const ar = arrow()
  const arrowSchema = new ar.Schema(schema.map((f) => Arrow.fieldToArrow(f)))
  const sink = chunks()
  const writer = format === "file" ? new ar.RecordBatchFileWriter() : new ar.RecordBatchStreamWriter()
  writer.reset(sink, arrowSchema)
  const shared = new Map<number, SharedDictionary>()
  schema.forEach((f, j) => {
    if (f.dtype._tag === "Categorical") shared.set(j, { index: new Map(), chunks: [], last: undefined, mapping: new Int32Array(0) })
  })
  const remap = (j: number, col: Column): A.Data => {
    const d = shared.get(j)!
    const dict = col.dictionary!
    if (d.last !== dict) {
      const mapping = new Int32Array(dict.length)
      const added: Array<string> = []
      for (let i = 0; i < dict.length; i++) {
        const s = C.stringAt(dict, i)
        let g = d.index.get(s)
        if (g === undefined) {
          g = d.index.size
          d.index.set(s, g)
          added.push(s)
        }
        mapping[i] = g
      }
      if (added.length > 0 || d.chunks.length === 0) d.chunks.push(Arrow.columnToData(C.fromStrings(added)) as A.Data<A.Utf8>)
      d.last = dict
      d.mapping = mapping
    }
    const m = d.mapping
    const codes = col.values as Int32Array
    const out = new Int32Array(col.length)
    for (let i = 0; i < out.length; i++) {
      const c = codes[i]!
      out[i] = c >= 0 && c < m.length ? m[c]! : 0
    }
    return ar.makeData({
      type: arrowSchema.fields[j]!.type as A.Dictionary<A.Utf8, A.Int32>,
      length: col.length,
      nullCount: col.nullCount,
      nullBitmap: col.validity ?? undefined,
      data: out,
      dictionary: new ar.Vector(d.chunks)
    })
  }
  let wrote = false
  const take = (): ReadonlyArray<Uint8Array> => {
    const out = sink.parts
    sink.parts = []
    return out
  }
  return {
    write: (frame) => {
      for (const b of frame.batches) {
        if (b.length === 0) continue
        const children = b.columns.map((c, j) => (shared.has(j) ? remap(j, c) : Arrow.columnToData(c)))
        const data = ar.makeData({ type: new ar.Struct(arrowSchema.fields), length: b.length, nullCount: 0, children })
        writer.write(new ar.RecordBatch(arrowSchema, data))
        wrote = true
      }
      return take()
    },
    finish: () => {
      // no rows at all: the schema alone (as `tableToIPC` of an empty table)
      if (!wrote) return [ar.tableToIPC(new ar.Table(arrowSchema), format)]
      writer.finish()
      return take()
    }
  }
}
