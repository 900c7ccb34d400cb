/**
 * The streaming executor: compiles an optimized, resolved plan into a `Stream` of record batches, one operator
 * per node (`scan`, `filter`, `project`, `groupBy`, `join`, `slice`, `sort`), pulled by the consumer so memory
 * stays bounded by a few batches plus the operators' state (groups, the join's build side, sort runs).
 *
 * Nodes that cannot stream (`streamability` gives the reason) are marked in `explainStreaming` with
 * `[streaming: no — in memory: <reason>]`. They run in memory (their subplan collected with the eager executor,
 * then cut into batches) only when the caller allows it (`allowFallback`); otherwise the run fails with
 * `InvalidArgument` naming the node.
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { ExprNode } from "../../../Expr/Expr.ts"
import { InvalidArgument } from "../../../Frame/Errors.ts"
import * as F from "../../frame.ts"
import type { Frame } from "../../frame.ts"
import { execute } from "../../plan/execute.ts"
import { label } from "../../plan/explain.ts"
import { children, isElementwise, type Plan, refs } from "../../plan/logical.ts"
import { schemaOf } from "../../plan/resolve.ts"
import * as C from "../../column.ts"
import { filterStream } from "./filter.ts"
import { analyzeAggs, fusable, groupByStream, workerAggSpec } from "./groupBy.ts"
import { joinStream, STREAMING_JOINS } from "./join.ts"
import { dropStream, renameStream, selectStream, withColumnsStream } from "./project.ts"
import { chunks, scanStream } from "./scan.ts"
import { sliceStream } from "./slice.ts"
import { concatFrames, sortStream } from "./sort.ts"
import { type Batches, defaultOptions, type StreamOptions } from "./types.ts"

export { type StreamEvent, StreamObserver, type StreamOptions } from "./types.ts"

/** Why a node cannot stream (its own operator; inputs are checked separately), or undefined when it can. */
export const streamability = (p: Plan): string | undefined => {
  switch (p._tag) {
    case "Scan":
      return p.source._tag === "Csv" ? "CSV scans are read whole" : undefined
    case "Select":
      return p.exprs.every(isElementwise) && p.exprs.some((e) => !(e._tag === "Literal" || (e._tag === "Alias" && e.input._tag === "Literal")))
        ? undefined
        : "non-elementwise expressions"
    case "WithColumns":
      return p.exprs.every(isElementwise) ? undefined : "non-elementwise expressions"
    case "Filter":
      return isElementwise(p.predicate) ? undefined : "non-elementwise predicate"
    case "Drop":
    case "Rename":
    case "Slice":
    case "Sort":
      return undefined
    case "GroupByAgg": {
      if (p.keys.length === 0) return "group-by without keys"
      if (!p.keys.every(isElementwise)) return "non-elementwise keys"
      const r = analyzeAggs(schemaOf(p.input).fields, p.aggs)
      return typeof r === "string" ? r : undefined
    }
    case "Join":
      return STREAMING_JOINS.has(p.options.how ?? "inner") ? undefined : `${p.options.how} join`
    case "Unique":
      return "unique"
    case "Concat":
      return p.how === "vertical" ? undefined : `${p.how} concat`
    case "Cache":
      return "shared subplan (cache)"
  }
}

/** The plan as text, with `[streaming: no — in memory: <reason>]` on every node that cannot stream. */
export const explainStreaming = (p: Plan, indent = 0): string => {
  const why = streamability(p)
  const mark = why === undefined ? "" : `  [streaming: no — in memory: ${why}]`
  return [`${"  ".repeat(indent)}${label(p)}${mark}`, ...children(p).map((c) => explainStreaming(c, indent + 1))].join("\n")
}

/** The first node (top-down) that cannot stream, with its reason. */
export const firstBlocking = (p: Plan): { readonly node: string; readonly reason: string } | undefined => {
  const why = streamability(p)
  if (why !== undefined) return { node: label(p), reason: why }
  for (const c of children(p)) {
    const b = firstBlocking(c)
    if (b !== undefined) return b
  }
  return undefined
}

const emptyFrame = (p: Plan): Frame => {
  const fields = schemaOf(p).fields
  return F.fromColumnsUnsafe(
    fields.map((f) => f.name),
    fields.map((f) => C.nulls(f.dtype, 0))
  )
}

/**
 * The Utf8 key columns of a fused group-by that nothing else reads (not the predicate, not an aggregation): the
 * scan may deliver them dictionary-decoded (Categorical), which the group-by's key dictionary encodes per distinct
 * value instead of per row.
 */
const dictionaryKeys = (p: Extract<Plan, { _tag: "GroupByAgg" }>, predicate: ExprNode): ReadonlyArray<string> => {
  const fields = schemaOf(p.input).fields
  const used = new Set([...refs(predicate), ...p.aggs.flatMap((a) => [...refs(a)])])
  return p.keys.flatMap((k) =>
    k._tag === "Column" && !used.has(k.name) && fields.find((f) => f.name === k.name)?.dtype._tag === "Utf8" ? [k.name] : []
  )
}

/** A plan node as a stream of batches (every stream emits at least one batch, so the schema always flows). */
export const compile = (p: Plan, options: StreamOptions = defaultOptions): Batches => {
  const why = streamability(p)
  if (why !== undefined) {
    if (!options.allowFallback)
      return Stream.fail(
        new InvalidArgument({
          argument: "streaming",
          message: `${label(p)} cannot stream (${why}); pass allowFallback: true to run it in memory`
        })
      )
    return Stream.unwrap(Effect.map(execute(p), (f) => Stream.fromIterable(chunks(f, options.batchSize))))
  }
  const input = (c: Plan) => compile(c, options)
  switch (p._tag) {
    case "Scan":
      return scanStream(p, options)
    case "Select":
      return selectStream(input(p.input), p.exprs)
    case "WithColumns":
      return withColumnsStream(input(p.input), p.exprs)
    case "Filter":
      return filterStream(input(p.input), p.predicate)
    case "Drop":
      return dropStream(input(p.input), p.names)
    case "Rename":
      return renameStream(input(p.input), p.mapping)
    case "Slice":
      // no read-ahead below a slice: a `head` must not decode row groups past the one completing it
      return sliceStream(compile(p.input, { ...options, readAhead: 0 }), p.offset, p.length)
    case "Sort":
      return sortStream(input(p.input), p.by, p.options, options)
    case "GroupByAgg": {
      const plans = analyzeAggs(schemaOf(p.input).fields, p.aggs)
      if (typeof plans === "string") return Stream.die(plans)
      // a filter (or a scan's predicate) right below is fused into the group-by when keys and inputs are columns
      const c = p.input
      if (fusable(p.keys, plans)) {
        if (c._tag === "Scan" && c.predicate !== undefined && c.limit === undefined && streamability(c) === undefined)
          return groupByStream(
            scanStream(c, options, true, dictionaryKeys(p, c.predicate), workerAggSpec(p.keys, plans, schemaOf(p).fields, c.predicate)),
            p.keys,
            plans,
            schemaOf(p).fields,
            label(p),
            c.predicate
          )
        if (c._tag === "Filter" && streamability(c) === undefined)
          return groupByStream(input(c.input), p.keys, plans, schemaOf(p).fields, label(p), c.predicate)
      }
      return groupByStream(input(c), p.keys, plans, schemaOf(p).fields, label(p))
    }
    case "Join":
      return joinStream(input(p.left), input(p.right), p.options)
    case "Concat":
      return Stream.unwrap(Effect.sync(() => (p.inputs.length === 0 ? Stream.succeed(emptyFrame(p)) : p.inputs.map(input).reduce((a, b) => Stream.concat(a, b)))))
    default:
      return Stream.succeed(emptyFrame(p))
  }
}

/** Runs a plan in streaming mode and concatenates the batches into one frame. */
export const collectStreaming = (p: Plan, options: StreamOptions = defaultOptions): Effect.Effect<Frame, unknown, unknown> =>
  Effect.map(Stream.runCollect(compile(p, options)), (parts) => {
    const nonEmpty = parts.filter((f) => f.height > 0)
    if (nonEmpty.length === 0) return parts.length > 0 ? parts[0]! : emptyFrame(p)
    return concatFrames(nonEmpty)
  })

