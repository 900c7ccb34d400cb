/**
 * Byte-level plumbing of the stream sources: format detection by magic bytes and extension, the raw byte stream of a
 * file (a scoped file handle read in fixed-size chunks on demand) and transparent decompression through node:zlib.
 * @internal
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Stream from "effect/Stream"
import type { PlatformError } from "effect/PlatformError"
import * as zlib from "node:zlib"
import { SourceError } from "../../Frame/Errors.ts"

export type Format = "parquet" | "csv" | "ndjson" | "ipc"
export type Compression = "gzip" | "zstd" | "brotli" | "none"

/** Read chunk of the raw file, in bytes (also the granularity of byte progress). */
export const READ_CHUNK_BYTES = 1 << 20

const startsWith = (b: Uint8Array, sig: ReadonlyArray<number>): boolean =>
  b.length >= sig.length && sig.every((x, i) => b[i] === x)

const PAR1 = [0x50, 0x41, 0x52, 0x31]
const ARROW1 = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]
const GZIP = [0x1f, 0x8b]
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd]
/** IPC stream format: a message starts with the continuation marker 0xFFFFFFFF. */
const IPC_STREAM = [0xff, 0xff, 0xff, 0xff]

export interface Detected {
  readonly format: Format
  readonly compression: Compression
}

const lower = (path: string): string => path.slice(path.lastIndexOf("/") + 1).toLowerCase()

/** Compression implied by the extension (`.gz`, `.zst`, `.br`), and the name without it. */
export const compressionOfName = (path: string): { readonly compression: Compression; readonly stem: string } => {
  const n = lower(path)
  if (n.endsWith(".gz")) return { compression: "gzip", stem: n.slice(0, -3) }
  if (n.endsWith(".zst")) return { compression: "zstd", stem: n.slice(0, -4) }
  if (n.endsWith(".br")) return { compression: "brotli", stem: n.slice(0, -3) }
  return { compression: "none", stem: n }
}

const formatOfName = (stem: string): Format | undefined => {
  if (stem.endsWith(".parquet") || stem.endsWith(".pq")) return "parquet"
  if (stem.endsWith(".csv") || stem.endsWith(".tsv") || stem.endsWith(".txt")) return "csv"
  if (stem.endsWith(".ndjson") || stem.endsWith(".jsonl") || stem.endsWith(".json")) return "ndjson"
  if (stem.endsWith(".arrow") || stem.endsWith(".arrows") || stem.endsWith(".ipc") || stem.endsWith(".feather") || stem.endsWith(".arrow_file") || stem.endsWith(".stream"))
    return "ipc"
  return undefined
}

/**
 * Decides the format of a file from its first bytes (`head`, at least 8 when the file has them) and its name.
 * Magic bytes win: PAR1 → parquet, ARROW1 or an IPC continuation marker → ipc, gzip/zstd → a compressed text
 * format named by the extension before `.gz`/`.zst`. Brotli has no magic, so `.br` is trusted. Text formats are
 * recognised by extension only. A name that claims one binary format while the bytes show another, or a
 * compression whose magic is absent, is a `SourceError`.
 */
export const detect = (path: string, head: Uint8Array): Detected | SourceError => {
  const { compression: byName, stem } = compressionOfName(path)
  const named = formatOfName(stem)
  const fail = (message: string, expected: string) =>
    new SourceError({ path, format: named ?? "unknown", message, byteOffset: 0, expected })
  let magic: Format | "gzip" | "zstd" | undefined
  if (startsWith(head, PAR1)) magic = "parquet"
  else if (startsWith(head, ARROW1) || startsWith(head, IPC_STREAM)) magic = "ipc"
  else if (startsWith(head, GZIP)) magic = "gzip"
  else if (startsWith(head, ZSTD)) magic = "zstd"
  if (magic === "gzip" || magic === "zstd") {
    if (named !== "csv" && named !== "ndjson")
      return fail(
        `${magic}-compressed file whose name does not say what it holds (expected e.g. ".csv.gz" or ".ndjson.zst")`,
        "a .csv or .ndjson name before the compression extension"
      )
    return { format: named, compression: magic }
  }
  if (byName === "gzip" || byName === "zstd")
    return fail(`the name says ${byName} but the file does not start with the ${byName} magic bytes`, `${byName} magic bytes`)
  if (magic === "parquet" || magic === "ipc") {
    if (named !== undefined && named !== magic)
      return fail(`the name says ${named} but the magic bytes say ${magic}`, `a ${named} file`)
    if (byName !== "none") return fail(`${magic} files are not read through ${byName} decompression`, "an uncompressed file")
    return { format: magic, compression: "none" }
  }
  if (named === "parquet" || named === "ipc")
    return fail(`the name says ${named} but the file does not start with its magic bytes`, `${named} magic bytes`)
  if (named === undefined)
    return fail(
      "unknown format: no known magic bytes (PAR1, ARROW1, gzip, zstd) and no known extension",
      "a .parquet, .arrow, .csv or .ndjson file (optionally .gz, .zst, .br)"
    )
  return { format: named, compression: byName }
}

/** The first `n` bytes of a file (fewer when it is shorter), through a scoped handle. */
export const readHead = (path: string, n = 16): Effect.Effect<Uint8Array, PlatformError, FileSystem.FileSystem> =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const file = yield* fs.open(path, { flag: "r" })
      const buf = new Uint8Array(n)
      const got = yield* file.read(buf)
      return buf.subarray(0, Number(got))
    })
  )

const decompressor = (c: Exclude<Compression, "none">) =>
  c === "gzip" ? zlib.createGunzip() : c === "brotli" ? zlib.createBrotliDecompress() : zlib.createZstdDecompress()

/**
 * The decompressed bytes of a file, read on demand in `chunkSize` chunks from a handle that is closed when the
 * stream ends, fails or is interrupted. `onRaw` sees the size of each raw (compressed) chunk read.
 */
export const bytes = (
  path: string,
  compression: Compression,
  format: string,
  onRaw?: (n: number) => void,
  chunkSize = READ_CHUNK_BYTES
): Stream.Stream<Uint8Array, SourceError | PlatformError, FileSystem.FileSystem> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      let raw = fs.stream(path, { chunkSize })
      if (onRaw !== undefined) raw = Stream.tap(raw, (b) => Effect.sync(() => onRaw(b.length)))
      if (compression === "none") return raw
      return NodeStream.pipeThroughDuplex(raw, {
        evaluate: () => decompressor(compression),
        onError: (e) =>
          new SourceError({
            path,
            format,
            message: `${compression} decompression failed: ${e instanceof Error ? e.message : String(e)}`,
            expected: `valid ${compression} data`
          })
      })
    })
  )
