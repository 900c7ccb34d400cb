/**
 * Shared types of the streaming executor: a plan node runs as a `Stream` of record batches (`Frame`s of at most
 * `batchSize` rows), pulled by its consumer; every operator does its work once per batch with the synchronous
 * kernels (never one Effect per row).
 * @internal
 */
import * as Context from "effect/Context"
import type * as Stream from "effect/Stream"
import type { Frame } from "../../frame.ts"

/** A node's output: a pull-based stream of batches (errors and services are the plan's). */
export type Batches = Stream.Stream<Frame, unknown, unknown>

/** Options of a streaming run. */
export interface StreamOptions {
  /** Rows per batch emitted by scans (default 65 536). */
  readonly batchSize: number
  /** Rows per sorted run before it is spilled to disk by `sort` (default 1 048 576). */
  readonly sortRunRows: number
  /** Run the nodes that cannot stream in memory instead of failing (default false). */
  readonly allowFallback: boolean
  /**
   * Row groups a Parquet scan decodes ahead of its consumer (default 1), so reading the next row group's bytes
   * overlaps the downstream work on the current one. Internal: `slice`/`head` compile their input with 0, so a
   * `head` decodes only the row groups it needs.
   */
  readonly readAhead?: number
}

export const defaultOptions: StreamOptions = { batchSize: 65_536, sortRunRows: 1_048_576, allowFallback: false }

/** Instrumentation events of a streaming run (tests count batches and what operators retain). */
export type StreamEvent =
  | { readonly _tag: "ScanBatch"; readonly rows: number }
  | { readonly _tag: "RowGroup"; readonly path: string; readonly rowGroup: number }
  /** A row group decoded on the scan's decode worker (see `decoder.ts`) rather than on the calling thread. */
  | { readonly _tag: "WorkerDecode"; readonly path: string; readonly rowGroup: number }
  /** A row group a decode worker also filtered and aggregated for the group-by above (see `partialAgg.ts`). */
  | { readonly _tag: "WorkerAggregate"; readonly path: string; readonly rowGroup: number; readonly rows: number }
  /** An operator's retained state: partial-aggregate batches pending a merge, or sort rows buffered in a run. */
  | { readonly _tag: "Retained"; readonly node: string; readonly batches: number; readonly rows: number }
  | { readonly _tag: "Spill"; readonly path: string; readonly rows: number }

/** An optional callback told about streaming events (an instrumentation hook, like `ScanObserver`). */
export const StreamObserver = Context.Reference<((e: StreamEvent) => void) | undefined>("polaroid/stream/StreamObserver", {
  defaultValue: () => undefined
})
