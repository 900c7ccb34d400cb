/**
 * Streaming joins: the right side is built in memory (collected once), and the left side streams through, each
 * batch joined with the eager hash join. For `inner`, `left`, `semi`, `anti` and `cross` joins the output of a
 * batch depends only on that batch, and the eager verb keeps the left rows' order, so the concatenated output
 * equals the in-memory join. `right` and `full` joins need every left row before emitting the right side's
 * unmatched rows: they do not stream (see `index.ts`).
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { JoinSpec } from "../../plan/logical.ts"
import * as Verbs from "../../verbs/index.ts"
import { concatFrames } from "./sort.ts"
import type { Batches } from "./types.ts"

export const STREAMING_JOINS: ReadonlySet<string> = new Set(["inner", "left", "semi", "anti", "cross"])

export const joinStream = (left: Batches, right: Batches, options: JoinSpec): Batches =>
  Stream.unwrap(
    Effect.gen(function* () {
      const parts = yield* Stream.runCollect(right)
      const built = concatFrames(parts)
      return left.pipe(Stream.mapEffect((b) => Verbs.join(b, built, options as never)))
    })
  )

