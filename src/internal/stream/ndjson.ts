/**
 * Chunked NDJSON: bytes → lines → JSON values → columns, one Frame per at most `batchRows` lines. Integers are
 * parsed exactly (a JSON integer literal becomes a bigint through `JSON.parse`'s source-text reviver, so 19-digit
 * nanosecond timestamps are not rounded) and columns of integers are Int64. The schema (field order of first
 * appearance, dtypes) comes from the first batch or from the `schema` option, and is then fixed: a later value
 * that does not fit, or an unknown field, is a `SourceError` naming its line.
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Pull from "effect/Pull"
import * as Stream from "effect/Stream"
import * as DT from "../../Frame/DataType.ts"
import type { DataType, Field } from "../../Frame/DataType.ts"
import { SourceError } from "../../Frame/Errors.ts"
import { fromValues, inferDtype } from "../build.ts"
import type { Column } from "../column.ts"
import * as F from "../frame.ts"
import type { Frame } from "../frame.ts"
import * as Window from "./window.ts"

const decoder = new TextDecoder("utf-8", { fatal: true })

const reviver = function (this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === "number" && context?.source !== undefined && /^-?\d+$/.test(context.source))
    return BigInt(context.source)
  return value
}

/** bigint+number mixes become numbers (Float64), as Polars reads such a column. */
const columnDtype = (xs: Array<unknown>): DataType => {
  let big = false
  let num = false
  for (const v of xs) {
    if (typeof v === "bigint") big = true
    else if (typeof v === "number") num = true
  }
  if (big && num) {
    for (let i = 0; i < xs.length; i++) if (typeof xs[i] === "bigint") xs[i] = Number(xs[i])
    return DT.Float64
  }
  return inferDtype(xs)
}

export const frames = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  path: string,
  schema: ReadonlyArray<Field> | undefined,
  batchRows: number
): Stream.Stream<Frame, E | SourceError, R> =>
  Stream.transformPull(input, (upstream) =>
    Effect.sync(() => {
      const w = Window.make()
      let line = 1 // 1-based line of w.pending[w.start]
      let fields: ReadonlyArray<Field> | undefined = schema
      const err = (message: string, extra: { row?: number; column?: string; byteOffset?: number; expected?: string }) =>
        new SourceError({ path, format: "ndjson", message, ...extra })

      const more: Effect.Effect<void, E> = Window.more(w, upstream)

      const pull: Pull.Pull<readonly [Frame], E | SourceError> = Effect.gen(function* () {
        const rows: Array<Record<string, unknown>> = []
        const rowLines: Array<number> = []
        while (rows.length < batchRows) {
          const nl = w.pending.indexOf(10, w.start)
          if (nl < 0) {
            if (!w.ended) {
              yield* more
              continue
            }
            if (w.start >= w.pending.length) break
          }
          const end = nl < 0 ? w.pending.length : nl
          const stop = end > w.start && w.pending[end - 1] === 13 ? end - 1 : end
          let s = w.start
          if (w.pendingByte + s === 0 && w.pending[0] === 0xef && w.pending[1] === 0xbb && w.pending[2] === 0xbf) s = 3
          const lineNo = line
          const byte = w.pendingByte + w.start
          w.start = nl < 0 ? w.pending.length : nl + 1
          line++
          if (stop <= s) continue
          let text: string
          try {
            text = decoder.decode(w.pending.subarray(s, stop))
          } catch {
            return yield* err(`line ${lineNo} (byte ${byte}): invalid UTF-8`, { row: lineNo, byteOffset: byte, expected: "UTF-8 text" })
          }
          if (text.trim() === "") continue
          let v: unknown
          try {
            v = JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown)
          } catch (e) {
            return yield* err(`line ${lineNo} (byte ${byte}): invalid JSON: ${e instanceof Error ? e.message : String(e)}`, {
              row: lineNo,
              byteOffset: byte,
              expected: "one JSON object per line"
            })
          }
          if (typeof v !== "object" || v === null || Array.isArray(v))
            return yield* err(`line ${lineNo} (byte ${byte}): expected a JSON object`, {
              row: lineNo,
              byteOffset: byte,
              expected: "one JSON object per line"
            })
          rows.push(v as Record<string, unknown>)
          rowLines.push(lineNo)
        }
        if (rows.length === 0) return yield* Cause.done()
        if (fields === undefined) {
          const names: Array<string> = []
          const seen = new Set<string>()
          for (const r of rows)
            for (const k of Object.keys(r))
              if (!seen.has(k)) {
                seen.add(k)
                names.push(k)
              }
          fields = names.map((name) => {
            const xs = rows.map((r) => r[name] ?? null)
            return { name, dtype: columnDtype(xs) }
          })
        } else {
          const known = new Set(fields.map((f) => f.name))
          for (let i = 0; i < rows.length; i++)
            for (const k of Object.keys(rows[i]!))
              if (!known.has(k))
                return yield* err(`line ${rowLines[i]}: field "${k}" is not in the schema fixed by the first batch`, {
                  row: rowLines[i]!,
                  column: k,
                  expected: `fields among ${[...known].join(", ")}`
                })
        }
        const cols: Array<Column> = []
        for (const f of fields) {
          const xs = rows.map((r) => {
            const x = r[f.name]
            return f.dtype._tag === "Float64" && typeof x === "bigint" ? Number(x) : (x ?? null)
          })
          const b = fromValues(xs, f.dtype)
          if (b._tag === "Err")
            return yield* err(
              `line ${rowLines[b.row]}, field "${f.name}": expected ${b.expected}, found ${b.found}`,
              { row: rowLines[b.row]!, column: f.name, expected: b.expected }
            )
          cols.push(b.column)
        }
        return [F.fromColumnsUnsafe(fields.map((f) => f.name), cols)] as const
      })
      return pull
    })
  )
