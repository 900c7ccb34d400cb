/**
 * apache-arrow, loaded on first use rather than at import: its ~150 modules took about 50 ms of an application's
 * start-up (bench/streaming.ts's 1 GB run: a twentieth of its time) whether or not it ever touched Arrow data.
 * `arrow()` loads it synchronously (Node's `require` of an ES module, Node ≥ 22.12) from the same URL an `import`
 * of "apache-arrow" resolves to, so it is the one module instance the application's own imports get (its classes,
 * `instanceof` and type ids are shared).
 * @internal
 */
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import type * as Arrow from "apache-arrow"

let lib: typeof Arrow | undefined

/** The apache-arrow module (loaded on the first call). */
export const arrow = (): typeof Arrow =>
  (lib ??= createRequire(import.meta.url)(fileURLToPath(import.meta.resolve("apache-arrow"))) as typeof Arrow)

