/**
 * Polars-style table rendering: shape, names, dtypes, head and tail rows, "…" for elided rows and columns.
 * @internal
 */
import * as DT from "../Frame/DataType.ts"
import type { Field } from "../Frame/DataType.ts"
import * as C from "./column.ts"
import type { Column } from "./column.ts"
import { zone } from "./kernels/temporal.ts"

export interface DisplayOptions {
  /** Rows shown in all (half from the head, half from the tail). Default 10, as Polars. */
  readonly maxRows?: number
  /** Columns shown in all (half from the left, half from the right). Default 8. */
  readonly maxColumns?: number
  /** Longest cell text before it is cut with "…". Default 32. */
  readonly maxWidth?: number
}

const pad2 = (n: number) => String(n).padStart(2, "0")

const formatTimestamp = (v: bigint, t: Extract<DT.DataType, { _tag: "Timestamp" }>): string => {
  const perSec = t.unit === "s" ? 1n : t.unit === "ms" ? 1000n : t.unit === "us" ? 1_000_000n : 1_000_000_000n
  let secs = v / perSec
  let frac = v % perSec
  if (frac < 0n) {
    frac += perSec
    secs -= 1n
  }
  let ms = Number(secs) * 1000
  let suffix = ""
  if (t.timeZone !== null && t.timeZone !== "UTC") {
    // The offset is shown (and applied) rounded to whole minutes; zones `Intl` does not know print as +0000.
    const z = zone(t.timeZone)
    const offsetMin = z === null ? 0 : Math.round(z.offsetMs(ms) / 60_000)
    ms += offsetMin * 60_000
    const sign = offsetMin < 0 ? "-" : "+"
    const a = Math.abs(offsetMin)
    suffix = ` ${sign}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`
  } else if (t.timeZone === "UTC") suffix = " UTC"
  const d = new Date(ms)
  const digits = t.unit === "s" ? 0 : t.unit === "ms" ? 3 : t.unit === "us" ? 6 : 9
  const fracText = digits === 0 || frac === 0n ? "" : `.${frac.toString().padStart(digits, "0")}`
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${fracText}${suffix}`
}

/** Text of one cell. */
export const formatCell = (col: Column, i: number): string => {
  if (!C.isValid(col, i)) return "null"
  const t = col.dtype
  switch (t._tag) {
    case "Utf8":
    case "Categorical":
      return JSON.stringify(C.getValue(col, i))
    case "Float32":
    case "Float64": {
      const v = col.values[i] as number
      if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toFixed(1)
      if (Math.abs(v) >= 1e15 || (Math.abs(v) < 1e-4 && v !== 0)) return v.toExponential(5)
      return String(Number(v.toPrecision(t._tag === "Float32" ? 7 : 12)))
    }
    case "Date": {
      const d = new Date((col.values as Int32Array)[i]! * 86_400_000)
      return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`
    }
    case "Timestamp":
      return formatTimestamp((col.values as BigInt64Array)[i]!, t)
    case "Duration":
      return `${(col.values as BigInt64Array)[i]}${t.unit === "us" ? "µs" : t.unit}`
    case "List": {
      const o = col.offsets!
      const child = col.children![0]!
      const parts: Array<string> = []
      for (let k = o[i]!; k < o[i + 1]! && parts.length < 6; k++) parts.push(formatCell(child, k))
      if (o[i + 1]! - o[i]! > 6) parts.push("…")
      return `[${parts.join(", ")}]`
    }
    case "Struct":
      return `{${t.fields.map((_f, k) => formatCell(col.children![k]!, i)).join(",")}}`
    default:
      return String(C.getValue(col, i))
  }
}

const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s)

/** Renders a frame as a Polars-style box table. */
export const formatFrame = (
  schema: ReadonlyArray<Field>,
  cols: ReadonlyArray<Column>,
  height: number,
  options: DisplayOptions = {},
  locate: (row: number) => number = (row) => row
): string => {
  const maxRows = options.maxRows ?? 10
  const maxCols = options.maxColumns ?? 8
  const maxWidth = options.maxWidth ?? 32
  const rows: Array<number> = []
  if (height <= maxRows) for (let i = 0; i < height; i++) rows.push(i)
  else {
    const headN = Math.ceil(maxRows / 2)
    for (let i = 0; i < headN; i++) rows.push(i)
    rows.push(-1)
    for (let i = height - (maxRows - headN); i < height; i++) rows.push(i)
  }
  const colIdx: Array<number> = []
  if (schema.length <= maxCols) for (let j = 0; j < schema.length; j++) colIdx.push(j)
  else {
    const left = Math.ceil(maxCols / 2)
    for (let j = 0; j < left; j++) colIdx.push(j)
    colIdx.push(-1)
    for (let j = schema.length - (maxCols - left); j < schema.length; j++) colIdx.push(j)
  }
  const table = colIdx.map((j) => {
    if (j < 0) return { header: ["…", "---", ""], cells: rows.map(() => "…") }
    const f = schema[j]!
    const cells = rows.map((i) => (i < 0 ? "…" : cut(formatCell(cols[j]!, locate(i)), maxWidth)))
    return { header: [cut(f.name, maxWidth), "---", DT.format(f.dtype)], cells }
  })
  const widths = table.map((c) => Math.max(...c.header.map((s) => s.length), ...c.cells.map((s) => s.length), 1))
  const line = (l: string, m: string, r: string, fill: string) =>
    l + widths.map((w) => fill.repeat(w + 2)).join(m) + r
  const row = (cells: ReadonlyArray<string>) => `│${cells.map((s, k) => ` ${s.padEnd(widths[k]!)} `).join("┆")}│`
  const out = [`shape: (${height}, ${schema.length})`]
  if (schema.length === 0) return out.join("\n")
  out.push(line("┌", "┬", "┐", "─"))
  for (let h = 0; h < 3; h++) out.push(row(table.map((c) => c.header[h]!)))
  out.push(line("╞", "╪", "╡", "═"))
  for (let r = 0; r < rows.length; r++) out.push(row(table.map((c) => c.cells[r]!)))
  out.push(line("└", "┴", "┘", "─"))
  return out.join("\n")
}

/** Number of head and tail rows shown for a frame of `height` rows. */
export const previewCounts = (height: number, options: DisplayOptions = {}): { head: number; tail: number } => {
  const maxRows = options.maxRows ?? 10
  if (height <= maxRows) return { head: height, tail: 0 }
  const head = Math.ceil(maxRows / 2)
  return { head, tail: maxRows - head }
}
