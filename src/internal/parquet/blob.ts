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

/**
 * `read` with a way to free the buffers it returned at once: `release()` detaches them (`transfer(0)`), so their
 * memory goes back to the allocator now rather than at V8's next collection. parquet-wasm copies each range into
 * wasm memory as it arrives, so once a decode has resolved and no other read is in flight its ranges are garbage;
 * left to the collector, the ~1 MB range of every row group was new memory from the OS (a page fault per 4 KiB
 * page) and their external bytes started a full collection every few dozen row groups (bench/streaming.ts, 1 GB:
 * the whole run 1.69 → 1.52 s, median of 7). Call `release` only when no read is in flight and every range read so
 * far has been consumed.
 */
export const releasable = (
  read: (start: number, end: number) => Promise<ArrayBuffer>
): { readonly read: (start: number, end: number) => Promise<ArrayBuffer>; readonly release: () => void } => {
  const handedOut: Array<ArrayBuffer> = []
  return {
    read: async (s, e) => {
      const b = await read(s, e)
      handedOut.push(b)
      return b
    },
    release: () => {
      for (const b of handedOut) (b as unknown as { readonly transfer: (length: number) => ArrayBuffer }).transfer(0)
      handedOut.length = 0
    }
  }
}
