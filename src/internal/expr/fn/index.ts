/**
 * Imports every function family so that each registers itself in `registry.ts`.
 * @internal
 */
import "./str.ts"
import "./dt.ts"
import "./along.ts"
import "./rolling.ts"
import "./series.ts"
import "./ewm.ts"
