/**
 * Starting a Parquet decode worker (`worker.ts`), shared by the parallel whole-file decoder (`parallel.ts`) and the
 * streaming scan's decoders (`stream/exec/decoder.ts`). The worker gets parquet-wasm's module compiled by this thread
 * (`wasm.ts` `instance()`) and only instantiates it: in `workerData` when it is compiled already, or (`moduleLater`)
 * as the worker's first message `{ wasmModule }`, so that a worker starts (~0.1 s) while this thread compiles it.
 *
 * V8's initial old-generation size for the workers is raised to {@link WORKER_INITIAL_OLD_SPACE_MB}: with the
 * default (a few MiB above the live heap), the buffers a row group allocates outside the heap (its column chunks
 * and Arrow data, a few MiB) start a full collection every row group or two, which took half of a worker's time in
 * the streaming bench; with it, one every few dozen. V8 reads the flag when an isolate is created, so it is set just
 * before our workers start and set back to V8's default (0, unset) once they are all online: other isolates of the
 * application keep the default. An application that sets the flag itself (command line, NODE_OPTIONS) keeps its value.
 * Changing a V8 flag costs a worker about 25 ms more to start (Node's built-in code cache no longer matches the
 * flags), so workers that allocate little per row group (the streaming scan's aggregating workers, which read the
 * decoded columns in place) start without it (`largeHeap: false`).
 * @internal
 */
import { setFlagsFromString } from "node:v8"
import { Worker } from "node:worker_threads"
import { ownModule } from "../ownModule.ts"
import * as W from "./wasm.ts"

export const WORKER_INITIAL_OLD_SPACE_MB = 256

const workerUrl = (): URL => ownModule(import.meta.url, "./worker.ts", "internal/parquet/worker.js")

let starting = 0

/** The application set the flag itself (command line or NODE_OPTIONS): leave it alone. */
const userSet = [...process.execArgv, process.env["NODE_OPTIONS"] ?? ""].some((a) => a.includes("initial-old-space-size"))

const setInitialOldSpace = (mb: number) => {
  if (userSet) return
  try {
    setFlagsFromString(`--initial-old-space-size=${mb}`)
  } catch {
    // an engine without the flag: the workers run with the default
  }
}

/**
 * A new decode worker (not unref'd; the caller manages its lifetime). `preload`: the URL of a module the worker
 * imports as soon as it starts (the streaming scan's `partialAgg.ts`, so its first row group does not wait for it).
 * `largeHeap` (default true): start it with the larger initial old generation (see the module's comment).
 * `moduleLater`: the caller posts `{ wasmModule: W.compiledModule() }` before any other message (the worker waits
 * for it); otherwise parquet-wasm must be loaded in this thread already.
 */
export const spawnWorker = (options?: {
  readonly preload?: string | undefined
  readonly largeHeap?: boolean | undefined
  readonly moduleLater?: boolean | undefined
}): Worker => {
  const create = () =>
    new Worker(workerUrl(), {
      workerData: {
        wasmUrl: import.meta.resolve("parquet-wasm/esm/parquet_wasm.js"),
        module: options?.moduleLater === true ? undefined : W.compiledModule(),
        preload: options?.preload
      }
    })
  if (options?.largeHeap === false) return create()
  if (starting++ === 0) setInitialOldSpace(WORKER_INITIAL_OLD_SPACE_MB)
  let counted = true
  const started = () => {
    if (counted && --starting === 0) setInitialOldSpace(0)
    counted = false
  }
  try {
    const w = create()
    w.once("online", started)
    w.once("error", started)
    w.once("exit", started)
    return w
  } catch (e) {
    started()
    throw e
  }
}
