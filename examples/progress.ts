/**
 * A terminal progress bar over a streaming read: `node --conditions=source examples/progress.ts [file]`
 * (default: the Lean IBM trade ticks CSV of the shared data). Works for CSV (also .gz/.zst/.br), NDJSON, Parquet
 * and Arrow IPC: the format is detected from the magic bytes and the extension.
 */
import { NodeServices } from "@effect/platform-node"
import { Effect, Stream } from "effect"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Stream as PStream } from "polaroid"

const here = path.dirname(fileURLToPath(import.meta.url))
const file =
  process.argv[2] ?? path.resolve(here, "../../shared/data/market/lean/equity/usa/tick/ibm/20131007_ibm_Quote_Tick.csv")

const bar = (p: PStream.Progress): string => {
  const frac = p.totalBytes ? Math.min(1, p.bytes / p.totalBytes) : 0
  const width = 40
  const full = Math.round(frac * width)
  return `[${"#".repeat(full)}${"-".repeat(width - full)}] ${(frac * 100).toFixed(1).padStart(5)}%  ${p.rows.toLocaleString()} rows  ${(p.bytes / 2 ** 20).toFixed(1)} MiB  files ${p.filesDone}/${p.filesTotal}`
}

const program = Effect.gen(function* () {
  let rows = 0
  yield* Stream.runForEach(
    PStream.read(file, { onProgress: (p) => process.stdout.write(`\r${bar(p)}`) }),
    (frame) =>
      Effect.sync(() => {
        rows += frame.height
      })
  )
  process.stdout.write(`\n${rows.toLocaleString()} rows read from ${path.basename(file)}\n`)
})

Effect.runPromise(program.pipe(Effect.provide(NodeServices.layer))).catch((e) => {
  console.error(e)
  process.exit(1)
})
