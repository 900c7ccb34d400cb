/**
 * A Blob-shaped view of a byte source, for parquet-wasm's async reader (`ParquetFile.fromFile`), which reads a file
 * by `slice(start, end)` then `arrayBuffer()` of the ranges it needs. Shared by the main thread's ranged reader
 * (`ranged.ts`, positional reads through a `FileHandle`), the in-memory reader (`wasm.ts`) and the decode workers
 * (`worker.ts`, positional `readSync`). No imports: the workers load it without any other module of ours.
 * @internal
 */

/**
 * A Blob-shaped view of `size` bytes that `read(start, end)` returns as a fresh buffer: `slice` with Blob's index
 * rules (negative from the end, clamped), `arrayBuffer`, `bytes`, `size`, `type`.
 */
export const rangeBlob = (size: number, read: (start: number, end: number) => Promise<ArrayBuffer>): Blob => {
  const clamp = (x: number | undefined, len: number, dflt: number) => (x === undefined ? dflt : x < 0 ? Math.max(len + x, 0) : Math.min(x, len))
  const view = (s: number, e: number): unknown => ({
    size: e - s,
    type: "",
    slice: (a?: number, b?: number) => {
      const from = clamp(a, e - s, 0)
      return view(s + from, s + Math.max(from, clamp(b, e - s, e - s)))
    },
    arrayBuffer: () => read(s, e),
    bytes: async () => new Uint8Array(await read(s, e))
  })
  return view(0, size) as Blob
}
