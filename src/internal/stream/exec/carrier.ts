/**
 * What travels through a scan's stream of batches besides the rows, for a fused group-by above it: a worker's
 * partial aggregates (`directAgg.ts` `Partial`, from `partialAgg.ts`) carried by an empty frame in place of a
 * batch, and the input position of each batch's first row (the group-by orders its groups by first appearance).
 * Both are looked up by the frame's identity, so every other operator sees ordinary frames.
 * @internal
 */
import * as F from "../../frame.ts"
import type { Frame } from "../../frame.ts"
import type { Partial } from "./directAgg.ts"

const carried = new WeakMap<object, Partial>()

/** An empty frame carrying `p` (a partial with no groups only reports rows a worker aggregated, for progress). */
export const carrier = (p: Partial): Frame => {
  const f = F.unsafeMake([], [])
  carried.set(f, p)
  return f
}

/** An empty frame reporting `rows` input rows a worker aggregated into its own table (an empty partial). */
export const aggregated = (rows: number): Frame => carrier({ rows, groups: 0, keys: [], a: [], b: [], first: new Float64Array(0) })

/** The partial a batch carries, if it is a carrier. */
export const carriedBy = (frame: object): Partial | undefined => carried.get(frame)

const positions = new WeakMap<object, number>()

/** Records the input position of `frame`'s first row (rows of the whole input numbered from 0). */
export const placeAt = (frame: object, at: number): void => {
  positions.set(frame, at)
}

/** The input position of a batch's first row, when its scan recorded one. */
export const positionOf = (frame: object): number | undefined => positions.get(frame)
