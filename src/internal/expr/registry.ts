/**
 * Named expression functions (`ExprNode` of `_tag: "Function"`): each says how it types (resolve) and how it
 * computes (evaluate). The engine looks functions up here by name; families register themselves from their own
 * files (`fn/*.ts`), which `fn/index.ts` imports.
 * @internal
 */
import type { DataType } from "../../Frame/DataType.ts"
import type { Column } from "../column.ts"
import type { Groups } from "../kernels/hash.ts"

export type Options = { readonly [key: string]: unknown }

/** What a function expected, when its operands do not type. */
export interface Expected {
  readonly expected: string
}

/** A value-level failure (e.g. a strict `strptime` that does not match): message and first offending row. */
export interface EvalFailure {
  readonly error: string
  readonly row?: number
}

export interface FunctionImpl {
  /**
   * Output dtype from the input's dtype and the extra operands' dtypes (`args`), or what was expected.
   * Called during resolution, before any data is touched.
   */
  readonly resolve: (input: DataType, args: ReadonlyArray<DataType>, options: Options) => DataType | Expected
  /**
   * Computes the output column. `input` and every `args[k]` have the same length. `groups`, when given, partitions
   * the rows (window `over` context): functions along the column (cumulative ops, rank, shift) restart per group;
   * row-wise functions ignore it.
   */
  readonly evaluate: (
    input: Column,
    args: ReadonlyArray<Column>,
    options: Options,
    groups?: Groups
  ) => Column | EvalFailure
}

export const registry = new Map<string, FunctionImpl>()

export const register = (name: string, impl: FunctionImpl): void => {
  registry.set(name, impl)
}

export const isExpected = (u: DataType | Expected): u is Expected => "expected" in u
export const isFailure = (u: Column | EvalFailure): u is EvalFailure => "error" in u
