/**
 * Incremental Parquet encoding: parquet-wasm's `transformParquetStream` (arrow-rs `AsyncArrowWriter`) fed one
 * record batch at a time through a pull-driven `ReadableStream` (high-water mark 0: a batch is handed over only
 * when the writer asks for the next one). arrow-rs encodes each batch into the open row group and, when the row
 * group reaches `rowGroupSize` rows, closes it and emits its bytes; those bytes are handed back to the caller at
 * its next call and written to disk. So the encoder holds at most one open row group (encoded, compressed pages)
 * plus the batch being encoded, and the caller at most one row group's bytes: memory does not grow with the
 * output. Same type mapping as `encode` (Arrow schema stored in the file; Timestamp("s") written as ms).
 * @internal
 */
import type { RecordBatch as WasmBatch, Table as WasmTable } from "parquet-wasm/esm"
import type { Field } from "../../Frame/DataType.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import { errorText, ParquetFailure } from "./failure.ts"
import * as W from "./wasm.ts"
import { checkOptions, encode, ipcOf, prepare, type WriteOptions, writerProperties } from "./write.ts"

/** Measurements of one encoder run (tests use them to prove the memory bound). */
export interface EncoderStats {
  /** Rows handed to arrow-rs. */
  rowsIn: number
  /** Output chunks received (one per closed row group, then the footer). */
  chunks: number
  /** Most rows handed to arrow-rs between two of its outputs (its open row group is at most this plus one batch). */
  maxRowsBetweenOutputs: number
  /** Most output bytes held here before the caller took them. */
  maxHeldBytes: number
}

/** Test hook: receives each encoder's stats when it finishes. */
export const statsObserver: { current: ((s: EncoderStats) => void) | undefined } = { current: undefined }

export interface ParquetStreamEncoder {
  /** Encodes a batch; resolves with the output bytes ready so far (possibly none). Throws ParquetFailure. */
  readonly write: (frame: Frame) => Promise<ReadonlyArray<Uint8Array>>
  /** Closes the file (last row group, footer); resolves with the remaining bytes. Throws on an empty stream. */
  readonly finish: () => Promise<ReadonlyArray<Uint8Array>>
  /** Stops the encoder (failure or interruption); idempotent. */
  readonly abort: () => void
  readonly stats: EncoderStats
}


/** A streaming Parquet encoder with the options of `encode`. Throws ParquetFailure for invalid options. */
export const make = (o: WriteOptions): ParquetStreamEncoder => {
  checkOptions(o)
  const stats: EncoderStats = { rowsIn: 0, chunks: 0, maxRowsBetweenOutputs: 0, maxHeldBytes: 0 }
  let schema: ReadonlyArray<Field> | undefined
  let started = false
  let aborted = false
  let failure: unknown
  let finished = false
  let sinceOutput = 0
  let held: Array<Uint8Array> = []
  let heldBytes = 0
  let controller: ReadableStreamDefaultController<WasmBatch> | undefined
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  /** Resolves the writer's pending pull (it asked for a batch). */
  let pullResolve: (() => void) | undefined
  /** Wakes a caller waiting for a pull, the pump's end or a failure. */
  let wake: (() => void) | undefined
  let pump: Promise<void> | undefined
  const notify = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  const take = (): ReadonlyArray<Uint8Array> => {
    const out = held
    held = []
    heldBytes = 0
    return out
  }
  const fail = (e: unknown): never => {
    if (e instanceof ParquetFailure) throw e
    W.discardIfTrapped(e)
    throw new ParquetFailure(`cannot encode Parquet: ${errorText(e)}`, { cause: errorText(e) })
  }
  const start = async () => {
    const pw = await W.instance()
    const input = new ReadableStream<WasmBatch>(
      {
        start: (c) => {
          controller = c
        },
        pull: () =>
          new Promise<void>((resolve) => {
            pullResolve = resolve
            notify()
          })
      },
      { highWaterMark: 0 }
    )
    started = true
    pump = (async () => {
      const out = (await pw.transformParquetStream(input, writerProperties(pw, o))) as ReadableStream<Uint8Array>
      reader = out.getReader()
      if (aborted) await reader.cancel()
      for (;;) {
        const r = await reader.read()
        if (r.done) break
        stats.chunks++
        sinceOutput = 0
        held.push(r.value)
        heldBytes += r.value.byteLength
        stats.maxHeldBytes = Math.max(stats.maxHeldBytes, heldBytes)
      }
    })().then(
      () => {
        finished = true
        notify()
      },
      (e: unknown) => {
        failure ??= e
        finished = true
        notify()
      }
    )
  }
  /** Waits until the writer pulls a batch (or fails). */
  const pulled = async (): Promise<() => void> => {
    for (;;) {
      if (failure !== undefined) fail(failure)
      const r = pullResolve
      if (r !== undefined) {
        pullResolve = undefined
        return r
      }
      if (finished) fail(new Error("the Parquet writer stopped early"))
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  }
  const offer = async (b: WasmBatch, rows: number) => {
    const resolve = await pulled()
    controller!.enqueue(b)
    resolve()
    stats.rowsIn += rows
    sinceOutput += rows
    stats.maxRowsBetweenOutputs = Math.max(stats.maxRowsBetweenOutputs, sinceOutput)
  }
  const abort = () => {
    if (aborted) return
    aborted = true
    failure ??= new Error("aborted")
    try {
      controller?.error(new Error("aborted"))
    } catch {
      // already closed
    }
    reader?.cancel().catch(() => undefined)
    notify()
  }
  return {
    stats,
    abort,
    write: async (frame) => {
      if (aborted) fail(failure)
      if (schema === undefined) {
        if (frame.width === 0) throw new ParquetFailure("cannot write a frame with no columns", { expected: "at least one column" })
        schema = frame.schema
      }
      if (frame.height === 0) return take()
      if (!started) await start()
      const pw = await W.instance()
      let table: WasmTable | undefined
      let k = 0
      try {
        table = pw.Table.fromIPCStream(ipcOf(prepare(frame)))
        const bs = table.recordBatches()
        try {
          for (; k < bs.length; k++) {
            const b = bs[k]!
            if (b.numRows > 0) await offer(b, b.numRows)
            else b.free()
          }
        } finally {
          // batches not handed over (after a failure) are released here
          for (; k < bs.length; k++) bs[k]!.free()
        }
      } catch (e) {
        fail(e)
      } finally {
        table?.free()
      }
      return take()
    },
    finish: async () => {
      if (aborted) fail(failure)
      if (schema === undefined) throw new ParquetFailure("empty stream: no batch, so no schema to write", { expected: "at least one batch" })
      if (!started) {
        // only empty batches: a file with the schema and no rows
        statsObserver.current?.(stats)
        return [encode(await W.instance(), F.unsafeMake(schema, []), o)]
      }
      try {
        await pulled().then((resolve) => {
          controller!.close()
          resolve()
        })
        await pump
      } catch (e) {
        fail(e)
      }
      if (failure !== undefined) fail(failure)
      statsObserver.current?.(stats)
      return take()
    }
  }
}
