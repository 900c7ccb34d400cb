/**
 * Failures inside the Parquet internals. Internal functions throw `ParquetFailure` (or let a decoder throw
 * anything); the public functions catch at their boundary and turn every failure into a `SourceError`.
 * @internal
 */
import { SourceError } from "../../Frame/Errors.ts"

export interface FailureDetails {
  readonly column?: string
  readonly byteOffset?: number
  readonly expected?: string
  readonly cause?: string
}

/** A failure with a message meant for the user, plus where it happened. Never escapes the Parquet module. */
export class ParquetFailure extends Error {
  readonly details: FailureDetails
  constructor(message: string, details: FailureDetails = {}) {
    super(message)
    this.details = details
  }
}

/** The text of anything thrown (wasm-bindgen may throw strings, hyparquet throws Errors). */
export const errorText = (e: unknown): string => {
  if (e instanceof Error) return e.message
  if (typeof e === "string") return e
  try {
    return String(e)
  } catch {
    return "unknown error"
  }
}

/** Drops the decoders' own prefixes ("Parquet error: Parquet argument error: …") so messages read once. */
export const cleanMessage = (s: string): string =>
  s.replace(/^(Error: )?/, "").replace(/^(Parquet (argument )?error: )+/i, "").replace(/^parquet /, "")

/** Any thrown value as a SourceError for `path`. */
export const toSourceError = (path: string, e: unknown, fallbackMessage = "cannot read Parquet file"): SourceError => {
  if (e instanceof ParquetFailure) {
    const d = e.details
    return new SourceError({
      path,
      format: "parquet",
      message: e.message,
      ...(d.column !== undefined ? { column: d.column } : {}),
      ...(d.byteOffset !== undefined ? { byteOffset: d.byteOffset } : {}),
      ...(d.expected !== undefined ? { expected: d.expected } : {}),
      ...(d.cause !== undefined ? { cause: d.cause } : {})
    })
  }
  const text = errorText(e)
  return new SourceError({ path, format: "parquet", message: `${fallbackMessage}: ${cleanMessage(text)}`, cause: text })
}
