/**
 * Implementations of the eager verbs (one file per verb family).
 * @internal
 */
export { sort } from "./sort.ts"
export { unique } from "./unique.ts"
export { groupByAgg } from "./groupBy.ts"
export { join } from "./join.ts"
export { concat } from "./concat.ts"
export { explode, pivot, unpivot } from "./reshape.ts"
export { describe, nullCount } from "./summary.ts"
export { sample } from "./sample.ts"
export { withRowIndex } from "./rowIndex.ts"
