/**
 * The typed IR of an expression: every node carries its output dtype, decided by resolution (`resolve.ts`) before
 * any data is touched. Implicit conversions (numeric promotion, literal adaptation) are explicit `Cast` nodes.
 * @internal
 */
import type { AggFn, BinaryOp, UnaryOp } from "../../Expr/Expr.ts"
import type { DataType } from "../../Frame/DataType.ts"
import type { Column } from "../column.ts"
import type { FunctionImpl, Options } from "./registry.ts"
import type { Dynamic } from "./types.ts"

interface Base {
  readonly dtype: DataType
  /** The expression text (for runtime errors). */
  readonly text: string
}

export type IR =
  | (Base & { readonly _tag: "Column"; readonly index: number; readonly name: string })
  | (Base & { readonly _tag: "Literal"; readonly column: Column; readonly dynamic: Dynamic; readonly value: unknown })
  | (Base & { readonly _tag: "Binary"; readonly op: BinaryOp; readonly left: IR; readonly right: IR })
  | (Base & { readonly _tag: "Unary"; readonly op: UnaryOp; readonly input: IR })
  | (Base & { readonly _tag: "Cast"; readonly input: IR; readonly strict: boolean })
  | (Base & {
      readonly _tag: "When"
      readonly branches: ReadonlyArray<{ readonly when: IR; readonly then: IR }>
      readonly otherwise: IR
    })
  | (Base & {
      readonly _tag: "Function"
      readonly fn: string
      readonly impl: FunctionImpl
      readonly input: IR
      readonly args: ReadonlyArray<IR>
      readonly options: Options
    })
  | (Base & { readonly _tag: "IsIn"; readonly input: IR; readonly values: Column })
  | (Base & { readonly _tag: "Round"; readonly input: IR; readonly decimals: number })
  | (Base & {
      readonly _tag: "FillNullStrategy"
      readonly input: IR
      readonly strategy: "forward" | "backward" | "min" | "max" | "mean"
    })
  | (Base & { readonly _tag: "FillNan"; readonly input: IR; readonly value: IR })
  | (Base & { readonly _tag: "Agg"; readonly fn: AggFn; readonly input: IR; readonly options: Options })
  | (Base & { readonly _tag: "Window"; readonly input: IR; readonly partitionBy: ReadonlyArray<IR> })
  | (Base & { readonly _tag: "Len" })

/** Whether an IR tree contains an aggregation (outside of windows). */
export const hasAgg = (ir: IR): boolean => {
  switch (ir._tag) {
    case "Agg":
    case "Len":
      return true
    case "Column":
    case "Literal":
    case "Window":
      return false
    case "Binary":
      return hasAgg(ir.left) || hasAgg(ir.right)
    case "When":
      return ir.branches.some((b) => hasAgg(b.when) || hasAgg(b.then)) || hasAgg(ir.otherwise)
    case "Function":
      return hasAgg(ir.input) || ir.args.some(hasAgg)
    case "FillNan":
      return hasAgg(ir.input) || hasAgg(ir.value)
    default:
      return hasAgg(ir.input)
  }
}

/** Whether an IR tree reads a column outside of aggregations (so its result has the frame's height). */
export const hasRowColumn = (ir: IR): boolean => {
  switch (ir._tag) {
    case "Column":
    case "Window":
      return true
    case "Agg":
    case "Len":
    case "Literal":
      return false
    case "Binary":
      return hasRowColumn(ir.left) || hasRowColumn(ir.right)
    case "When":
      return ir.branches.some((b) => hasRowColumn(b.when) || hasRowColumn(b.then)) || hasRowColumn(ir.otherwise)
    case "Function":
      return hasRowColumn(ir.input) || ir.args.some(hasRowColumn)
    case "FillNan":
      return hasRowColumn(ir.input) || hasRowColumn(ir.value)
    default:
      return hasRowColumn(ir.input)
  }
}
