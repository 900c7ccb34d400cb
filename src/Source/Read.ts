/**
 * Reading a file of any supported format into one frame, the format detected from its bytes.
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as PlatformError from "effect/PlatformError"
import * as E from "effect/Effect"
import * as Option from "effect/Option"
import type { Frame } from "../Frame/Frame.ts"
import { SourceError } from "../Frame/Errors.ts"
import * as Stream from "../Stream/Stream.ts"

/**
 * Reads a Parquet, Arrow IPC (file or stream), CSV/TSV or NDJSON file (plain, `.gz`, `.zst` or `.br`) into one
 * frame. The format comes from the magic bytes (PAR1, ARROW1 or an IPC stream marker, gzip, zstd) and the extension,
 * as `Stream.read`, whose batches are concatenated. Shape: every row of the file; dtypes as each format's reader
 * gives them.
 *
 * **Errors** `SourceError` (an unknown format, a name that contradicts the bytes, a malformed file: with the
 * file, row, column and byte offset where known, and what was expected), `PlatformError` (the file system).
 * @since 0.1.0 @category reading
 */
export const read = (
  path: string,
  options: Stream.SourceOptions = {}
): Effect.Effect<Frame, SourceError | PlatformError.PlatformError, FileSystem.FileSystem> =>
  E.flatMap(Stream.collect(Stream.read(path, options)), (frame) =>
    Option.isSome(frame)
      ? E.succeed(frame.value)
      : E.fail(new SourceError({ path, format: "unknown", message: "the file holds no record batch" }))
  )
