/**
 * Common subplan elimination, as Polars' `comm_subplan_elim`: subplans that are structurally equal (same scan,
 * same operations with the same arguments) and occur more than once, such as both sides of a self-join, are
 * wrapped in a `Cache` node with a shared id, so that the subplan runs once and its result is reused.
 *
 * Equality is a structural key of each node: its tag and arguments (expressions, options) plus its inputs' keys.
 * In-memory frames and functions inside expressions (user callbacks) are compared by identity, so two different
 * frames that print alike are never merged. Only maximal repeated subplans are wrapped (their repeated inner
 * nodes run once anyway), and a bare in-memory scan, which does no work, is not. It runs after the other rules,
 * on the plan they produced, so the subplans it merges have their pushed-down work already.
 * @internal
 */
import { children, type Plan, withChildren } from "../logical.ts"
import type { Rule } from "./rule.ts"

const identities = new WeakMap<object, number>()
let nextIdentity = 0
const identity = (o: object): number => {
  let id = identities.get(o)
  if (id === undefined) {
    id = nextIdentity++
    identities.set(o, id)
  }
  return id
}

const isFrame = (v: object): boolean => "batches" in v && "schema" in v
const CHILD_KEYS = new Set(["input", "left", "right", "inputs"])

/** A node's own arguments as text (inputs excluded): frames and functions by identity. */
const ownKey = (p: Plan): string =>
  JSON.stringify(p, function (this: unknown, k: string, v: unknown): unknown {
    if (this === p && CHILD_KEYS.has(k)) return undefined
    if (typeof v === "bigint") return `${v}n`
    if (typeof v === "function") return `<fn#${identity(v)}>`
    // a frame's own `toJSON` would run before this replacer sees it: replace it from its holder
    if (typeof v === "object" && v !== null && "frame" in v && typeof v.frame === "object" && v.frame !== null && isFrame(v.frame))
      return { ...v, frame: `<frame#${identity(v.frame)}>` }
    if (ArrayBuffer.isView(v)) return `<${v.constructor.name}:${Array.from(v as unknown as ArrayLike<number | bigint>, String).join(",")}>`
    return v
  })

/** The structural key of every node of a plan (memoized per node object). */
const keyer = () => {
  const keys = new Map<Plan, string>()
  const key = (p: Plan): string => {
    let k = keys.get(p)
    if (k === undefined) {
      k = `${ownKey(p)}(${children(p).map(key).join(",")})`
      keys.set(p, k)
    }
    return k
  }
  return key
}

const worthCaching = (p: Plan): boolean =>
  p._tag !== "Cache" && !(p._tag === "Scan" && p.source._tag === "Memory" && p.projection === undefined && p.predicate === undefined && p.limit === undefined)

const maxCacheId = (p: Plan): number => Math.max(p._tag === "Cache" ? p.id : -1, ...children(p).map(maxCacheId))

export const commonSubplan: Rule = {
  name: "commonSubplan",
  apply: (plan) => {
    const key = keyer()
    const count = new Map<string, number>()
    const visit = (p: Plan): void => {
      if (p._tag === "Cache") return
      const k = key(p)
      count.set(k, (count.get(k) ?? 0) + 1)
      for (const c of children(p)) visit(c)
    }
    visit(plan)
    if (![...count.values()].some((n) => n > 1)) return undefined
    let next = maxCacheId(plan) + 1
    const caches = new Map<string, Plan>()
    let changed = false
    const rewrite = (p: Plan): Plan => {
      if (p._tag === "Cache") return p
      const k = key(p)
      if ((count.get(k) ?? 0) > 1 && worthCaching(p)) {
        let c = caches.get(k)
        if (c === undefined) {
          c = { _tag: "Cache", input: p, id: next++ }
          caches.set(k, c)
        }
        changed = true
        return c
      }
      return withChildren(p, children(p).map(rewrite))
    }
    const out = rewrite(plan)
    return changed ? out : undefined
  }
}
