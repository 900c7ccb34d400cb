/**
 * Function family "str": string functions on Utf8 and Categorical expressions, as in Polars' `str` namespace.
 * Registers into `../registry.ts`:
 *
 * | name | options | output | as Polars |
 * | --- | --- | --- | --- |
 * | `str.len` | | UInt32 (code points) | `str.len_chars` |
 * | `str.lenBytes` | | UInt32 (UTF-8 bytes) | `str.len_bytes` |
 * | `str.contains` | `pattern`, `literal` | Boolean | `str.contains` |
 * | `str.startsWith` / `str.endsWith` | `prefix` / `suffix` | Boolean | `str.starts_with` / `str.ends_with` |
 * | `str.toUppercase` / `str.toLowercase` | | Utf8 | `str.to_uppercase` / `str.to_lowercase` (full Unicode case mapping: "ß" → "SS") |
 * | `str.replace` | `pattern`, `value`, `literal`, `all` | Utf8 | `str.replace` (first match) / `str.replace_all` |
 * | `str.slice` | `offset`, `length` (null = to the end) | Utf8 | `str.slice` (in code points; negative offset from the end) |
 * | `str.split` | `by` | List(Utf8) | `str.split` (literal separator; "" splits into code points) |
 * | `str.strptime` | `dtype` (Date or Timestamp), `format`, `strict` | Date / Timestamp | `str.strptime` |
 *
 * Nulls give nulls. Regular expressions are JavaScript's (`u` flag when the pattern allows it), with a leading
 * inline flag group such as `(?i)` (Rust regex syntax) turned into flags and `\w` `\d` (`\W` `\D`) made
 * Unicode-aware as in Rust (`\b` stays ASCII-based); a pattern with no regex metacharacters
 * runs as a literal byte search. In `str.replace`, the value may refer to groups as Rust's regex does: `$1`,
 * `${1}`, `$name`, `${name}`, and `$$` for a dollar sign (with `literal`, the value is taken as is).
 *
 * Work is done on the UTF-8 bytes (lengths, literal search, prefixes, slicing, splitting, ASCII case mapping); rows
 * are decoded to JS strings only for regular expressions and non-ASCII case mapping. On a Categorical input each
 * function runs once per dictionary entry and is gathered through the codes.
 *
 * `str.strptime` parses with the directives of `kernels/temporalFormat.ts`. With a Timestamp(unit, tz) output, a
 * parsed `%z` offset gives the instant directly; a `%Z` zone name or else the dtype's time zone interprets the wall
 * time in that zone (ambiguous → earliest, non-existent → shifted forward by the gap); a naive dtype stores the wall
 * time (or, with `%z`, the UTC instant). A Date output keeps the parsed calendar date (time and offset ignored).
 * Fractions finer than the unit are truncated. A value that does not match fails the expression (strict, the
 * default) with the first failing row, or becomes null (`strict: false`).
 * @internal
 */
import * as DT from "../../../Frame/DataType.ts"
import type { DataType } from "../../../Frame/DataType.ts"
import * as Bits from "../../bitmap.ts"
import * as C from "../../column.ts"
import type { Column } from "../../column.ts"
import * as S from "../../kernels/str.ts"
import { isValidTimeZone, writeMs, zone } from "../../kernels/temporal.ts"
import { type CompiledFormat, compileFormat, localMsOf, makeState, parseRow } from "../../kernels/temporalFormat.ts"
import { type EvalFailure, type Expected, type FunctionImpl, type Options, register } from "../registry.ts"

const isStr = (t: DataType): boolean => t._tag === "Utf8" || t._tag === "Categorical"
const STRING = { expected: "Utf8 or Categorical" }

const stringOpt = (options: Options, key: string): string | undefined => {
  const v = options[key]
  return typeof v === "string" ? v : undefined
}

/**
 * Registers a row-wise string function: `kernel` runs on a Utf8 column; a Categorical input runs it on the
 * dictionary and gathers through the codes.
 */
const registerString = (
  name: string,
  output: (options: Options) => DataType | Expected,
  kernel: (col: Column, options: Options) => Column
): void => {
  const impl: FunctionImpl = {
    resolve: (input, _args, options) => (isStr(input) ? output(options) : STRING),
    evaluate: (input, _args, options) =>
      input.dtype._tag === "Categorical" ? S.viaDictionary(input, (d) => kernel(d, options)) : kernel(input, options)
  }
  register(name, impl)
}

// ---------------------------------------------------------------------------------------------------------------
// Lengths
// ---------------------------------------------------------------------------------------------------------------

registerString(
  "str.len",
  () => DT.UInt32,
  (col) => {
    const n = col.length
    const o = col.offsets!
    const b = col.values as Uint8Array
    const out = new Uint32Array(n)
    for (let i = 0; i < n; i++) out[i] = S.charCount(b, o[i]!, o[i + 1]!)
    return C.make(DT.UInt32, n, out, col.validity)
  }
)

registerString(
  "str.lenBytes",
  () => DT.UInt32,
  (col) => {
    const n = col.length
    const o = col.offsets!
    const out = new Uint32Array(n)
    for (let i = 0; i < n; i++) out[i] = o[i + 1]! - o[i]!
    return C.make(DT.UInt32, n, out, col.validity)
  }
)

// ---------------------------------------------------------------------------------------------------------------
// Regular expressions
// ---------------------------------------------------------------------------------------------------------------

const META = /[\\^$.|?*+()[\]{}]/

const WORD = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}"

/**
 * Rust's regex classes are Unicode-aware: rewrites `\w`, `\W`, `\d`, `\D` (outside brackets; `\w`, `\d` also
 * inside) into Unicode property classes for a `u`-flag JS RegExp. `\b` stays ASCII-based (a known difference).
 */
const unicodeClasses = (src: string): string => {
  let out = ""
  let inClass = false
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!
    if (ch === "\\" && i + 1 < src.length) {
      const nx = src[i + 1]!
      i++
      if (nx === "w") out += inClass ? WORD : `[${WORD}]`
      else if (nx === "d") out += "\\p{Nd}"
      else if (nx === "W" && !inClass) out += `[^${WORD}]`
      else if (nx === "D" && !inClass) out += "\\P{Nd}"
      else out += ch + nx
      continue
    }
    if (ch === "[" && !inClass) inClass = true
    else if (ch === "]" && inClass) inClass = false
    out += ch
  }
  return out
}

/** Compiles a pattern (Rust-style leading `(?flags)` → JS flags); `extraFlags` e.g. "g". */
const compileRegex = (pattern: string, extraFlags: string): RegExp | { readonly error: string } => {
  let src = pattern
  let flags = extraFlags
  const lead = /^\(\?([imsx]+)\)/.exec(src)
  if (lead !== null) {
    if (lead[1]!.includes("x")) return { error: `unsupported regex flag "x" in ${JSON.stringify(pattern)}` }
    flags += lead[1]!
    src = src.slice(lead[0].length)
  }
  try {
    return new RegExp(unicodeClasses(src), `${flags}u`)
  } catch {
    try {
      return new RegExp(src, flags)
    } catch (e) {
      return { error: `invalid regular expression ${JSON.stringify(pattern)}: ${e instanceof Error ? e.message : String(e)}` }
    }
  }
}

const regexResolve = (output: DataType) => (options: Options): DataType | Expected => {
  const pattern = stringOpt(options, "pattern")
  if (pattern === undefined) return { expected: "a string pattern" }
  if (options.literal === true || !META.test(pattern)) return output
  const re = compileRegex(pattern, "")
  return re instanceof RegExp ? output : { expected: `a valid regular expression (${re.error})` }
}

// ---------------------------------------------------------------------------------------------------------------
// contains / startsWith / endsWith
// ---------------------------------------------------------------------------------------------------------------

const booleanColumn = (col: Column, mask: Uint8Array): Column =>
  C.make(DT.Boolean, col.length, Bits.pack(mask, col.length), col.validity)

registerString("str.contains", regexResolve(DT.Boolean), (col, options) => {
  const pattern = stringOpt(options, "pattern") ?? ""
  const n = col.length
  const o = col.offsets!
  const b = col.values as Uint8Array
  const mask = new Uint8Array(n)
  if (options.literal === true || !META.test(pattern)) {
    const needle = S.utf8(pattern)
    for (let i = 0; i < n; i++) mask[i] = S.findBytes(b, o[i]!, o[i + 1]!, needle) >= 0 ? 1 : 0
    return booleanColumn(col, mask)
  }
  const re = compileRegex(pattern, "") as RegExp
  const strings = S.decodeRows(col)
  for (let i = 0; i < n; i++) mask[i] = re.test(strings[i]!) ? 1 : 0
  return booleanColumn(col, mask)
})

const affix = (key: "prefix" | "suffix") => (col: Column, options: Options): Column => {
  const needle = S.utf8(stringOpt(options, key) ?? "")
  const n = col.length
  const o = col.offsets!
  const b = col.values as Uint8Array
  const mask = new Uint8Array(n)
  const m = needle.length
  if (key === "prefix") for (let i = 0; i < n; i++) mask[i] = S.bytesAt(b, o[i]!, o[i + 1]!, needle) ? 1 : 0
  else for (let i = 0; i < n; i++) mask[i] = o[i + 1]! - o[i]! >= m && S.bytesAt(b, o[i + 1]! - m, o[i + 1]!, needle) ? 1 : 0
  return booleanColumn(col, mask)
}

const affixResolve = (key: string) => (options: Options): DataType | Expected =>
  stringOpt(options, key) === undefined ? { expected: `a string ${key}` } : DT.Boolean

registerString("str.startsWith", affixResolve("prefix"), affix("prefix"))
registerString("str.endsWith", affixResolve("suffix"), affix("suffix"))

// ---------------------------------------------------------------------------------------------------------------
// Case mapping
// ---------------------------------------------------------------------------------------------------------------

const caseMap = (upper: boolean) => (col: Column): Column => {
  const n = col.length
  const o = col.offsets!
  const b = col.values as Uint8Array
  const out = new S.Utf8Builder(n, o[n]! - o[0]! + 16)
  const lo = upper ? 97 : 65
  const hi = upper ? 122 : 90
  const delta = upper ? -32 : 32
  // Non-ASCII rows go through JS strings, decoded in bulk the first time one is met.
  let strings: Array<string> | null = null
  for (let i = 0; i < n; i++) {
    const s = o[i]!
    const e = o[i + 1]!
    if (S.isAscii(b, s, e)) {
      const start = out.pos
      out.append(b, s, e)
      const dst = out.bytes
      for (let k = start; k < out.pos; k++) {
        const c = dst[k]!
        if (c >= lo && c <= hi) dst[k] = c + delta
      }
    } else {
      if (strings === null) strings = S.decodeRows(col)
      const str = strings[i]!
      out.appendString(upper ? str.toUpperCase() : str.toLowerCase())
    }
    out.end()
  }
  return out.finish(col.validity)
}

registerString("str.toUppercase", () => DT.Utf8, caseMap(true))
registerString("str.toLowercase", () => DT.Utf8, caseMap(false))

// ---------------------------------------------------------------------------------------------------------------
// replace
// ---------------------------------------------------------------------------------------------------------------

type TemplatePart = string | number | { readonly name: string }

/** Parses a Rust-regex replacement template: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
const parseTemplate = (value: string): ReadonlyArray<TemplatePart> => {
  const parts: Array<TemplatePart> = []
  let lit = ""
  let i = 0
  while (i < value.length) {
    const ch = value[i]!
    if (ch !== "$") {
      lit += ch
      i++
      continue
    }
    const next = value[i + 1]
    if (next === "$") {
      lit += "$"
      i += 2
      continue
    }
    let name: string | undefined
    if (next === "{") {
      const close = value.indexOf("}", i + 2)
      if (close > i + 2) {
        name = value.slice(i + 2, close)
        i = close + 1
      }
    } else {
      const m = /^[_0-9A-Za-z]+/.exec(value.slice(i + 1))
      if (m !== null) {
        name = m[0]
        i += 1 + m[0].length
      }
    }
    if (name === undefined) {
      lit += "$"
      i++
      continue
    }
    if (lit !== "") parts.push(lit)
    lit = ""
    parts.push(/^\d+$/.test(name) ? Number(name) : { name })
  }
  if (lit !== "") parts.push(lit)
  return parts
}

/**
 * Turns a parsed template into a JS replacement string (`$$`, `$1`, `$<name>`) with the Rust semantics: a
 * reference to a group that does not exist gives "". Falls back to a function when a numbered reference is followed
 * by a digit (JS would read `$1` + "0" as `$10`).
 */
const jsReplacement = (re: RegExp, parts: ReadonlyArray<TemplatePart>): string | ((...args: Array<unknown>) => string) => {
  const probe = new RegExp(`${re.source}|`, re.flags.replace("g", "")).exec("")!
  const groupCount = probe.length - 1
  const names = new Set(Object.keys(probe.groups ?? {}))
  let js = ""
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!
    if (typeof p === "string") js += p.replaceAll("$", "$$$$")
    else if (typeof p === "number") {
      if (p > groupCount) continue
      const next = parts[k + 1]
      if (p > 99 || (typeof next === "string" && /^\d/.test(next))) return templateFunction(parts, groupCount)
      js += p === 0 ? "$&" : `$${p}`
    } else if (names.has(p.name)) js += `$<${p.name}>`
  }
  return js
}

const templateFunction =
  (parts: ReadonlyArray<TemplatePart>, groupCount: number) =>
  (...args: Array<unknown>): string => {
    const last = args[args.length - 1]
    const groups = typeof last === "object" && last !== null ? (last as Record<string, string | undefined>) : undefined
    let s = ""
    for (const p of parts) {
      if (typeof p === "string") s += p
      else if (typeof p === "number") {
        const g = p <= groupCount ? args[p] : undefined
        if (typeof g === "string") s += g
      } else s += groups?.[p.name] ?? ""
    }
    return s
  }

registerString(
  "str.replace",
  (options) => {
    if (stringOpt(options, "value") === undefined) return { expected: "a string replacement value" }
    return regexResolve(DT.Utf8)(options)
  },
  (col, options) => {
    const pattern = stringOpt(options, "pattern") ?? ""
    const value = stringOpt(options, "value") ?? ""
    const all = options.all === true
    const n = col.length
    const o = col.offsets!
    const b = col.values as Uint8Array
    const literal = options.literal === true || (!META.test(pattern) && !value.includes("$"))
    if (literal) {
      const needle = S.utf8(pattern)
      const rep = S.utf8(value)
      const out = new S.Utf8Builder(n, o[n]! - o[0]! + 16)
      for (let i = 0; i < n; i++) {
        let p = o[i]!
        const e = o[i + 1]!
        if (needle.length === 0) {
          // Empty pattern: matches before every code point (and at the end), as Rust's `str::replace`.
          if (!all) {
            out.append(rep, 0, rep.length)
            out.append(b, p, e)
          } else {
            while (p < e) {
              out.append(rep, 0, rep.length)
              const q = S.advanceChars(b, p, e, 1)
              out.append(b, p, q)
              p = q
            }
            out.append(rep, 0, rep.length)
          }
          out.end()
          continue
        }
        while (p <= e) {
          const at = S.findBytes(b, p, e, needle)
          if (at < 0) break
          out.append(b, p, at)
          out.append(rep, 0, rep.length)
          p = at + needle.length
          if (!all) break
        }
        out.append(b, p, e)
        out.end()
      }
      return out.finish(col.validity)
    }
    const re = compileRegex(pattern, all ? "g" : "") as RegExp
    const replacement = jsReplacement(re, parseTemplate(value))
    const strings = S.decodeRows(col)
    const out = new S.Utf8Builder(n, o[n]! - o[0]! + 16)
    for (let i = 0; i < n; i++) {
      const str = strings[i]!
      re.lastIndex = 0
      const r = typeof replacement === "string" ? str.replace(re, replacement) : str.replace(re, replacement)
      if (r === str) out.append(b, o[i]!, o[i + 1]!)
      else out.appendString(r)
      out.end()
    }
    return out.finish(col.validity)
  }
)

// ---------------------------------------------------------------------------------------------------------------
// slice / split
// ---------------------------------------------------------------------------------------------------------------

registerString(
  "str.slice",
  (options) => {
    const offset = options.offset
    const length = options.length ?? null
    if (typeof offset !== "number" || !Number.isInteger(offset)) return { expected: "an integer offset" }
    if (length !== null && (typeof length !== "number" || !Number.isInteger(length) || length < 0))
      return { expected: "a non-negative integer length or null" }
    return DT.Utf8
  },
  (col, options) => {
    const offset = options.offset as number
    const length = (options.length ?? null) as number | null
    const n = col.length
    const o = col.offsets!
    const b = col.values as Uint8Array
    const out = new S.Utf8Builder(n, o[n]! - o[0]! + 16)
    for (let i = 0; i < n; i++) {
      const s = o[i]!
      const e = o[i + 1]!
      const ascii = S.isAscii(b, s, e)
      const len = ascii ? e - s : S.charCount(b, s, e)
      let start = offset >= 0 ? offset : len + offset
      let end = length === null ? len : start + length
      if (start < 0) start = 0
      if (start > len) start = len
      if (end > len) end = len
      if (end > start) {
        if (ascii) out.append(b, s + start, s + end)
        else {
          const bs = S.advanceChars(b, s, e, start)
          out.append(b, bs, S.advanceChars(b, bs, e, end - start))
        }
      }
      out.end()
    }
    return out.finish(col.validity)
  }
)

registerString(
  "str.split",
  (options) => (stringOpt(options, "by") === undefined ? { expected: "a string separator `by`" } : DT.List(DT.Utf8)),
  (col, options) => {
    const by = S.utf8(stringOpt(options, "by") ?? "")
    const n = col.length
    const o = col.offsets!
    const b = col.values as Uint8Array
    const child = new S.Utf8Builder(n, o[n]! - o[0]! + 16)
    const listOffsets = new Int32Array(n + 1)
    const valid = col.validity
    for (let i = 0; i < n; i++) {
      if (valid !== null && !Bits.getBit(valid, i)) {
        listOffsets[i + 1] = child.row
        continue
      }
      let p = o[i]!
      const e = o[i + 1]!
      if (by.length === 0) {
        while (p < e) {
          const q = S.advanceChars(b, p, e, 1)
          child.append(b, p, q)
          child.end()
          p = q
        }
      } else {
        for (;;) {
          const at = S.findBytes(b, p, e, by)
          if (at < 0) break
          child.append(b, p, at)
          child.end()
          p = at + by.length
        }
        child.append(b, p, e)
        child.end()
      }
      listOffsets[i + 1] = child.row
    }
    const inner = child.finish(null)
    return C.make(DT.List(DT.Utf8), n, new Uint8Array(0), valid, { offsets: listOffsets, children: [inner] })
  }
)

// ---------------------------------------------------------------------------------------------------------------
// strptime
// ---------------------------------------------------------------------------------------------------------------

const isDataType = (u: unknown): u is DataType => typeof u === "object" && u !== null && typeof (u as { _tag?: unknown })._tag === "string"

/**
 * Parses every row of a Utf8 column; rows that fail become null. Returns the column and the first failing row
 * (-1 if none) with the count of failures.
 */
const parseColumn = (
  col: Column,
  fmt: CompiledFormat,
  dtype: DataType
): { readonly column: Column; readonly firstFailure: number; readonly failures: number } => {
  const n = col.length
  const o = col.offsets!
  const b = col.values as Uint8Array
  const valid = col.validity
  const ok = new Uint8Array(n)
  const st = makeState()
  let firstFailure = -1
  let failures = 0
  if (dtype._tag === "Date") {
    const days = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      if (valid !== null && !Bits.getBit(valid, i)) continue
      if (parseRow(fmt, b, o[i]!, o[i + 1]!, st)) {
        days[i] = st.days
        ok[i] = 1
      } else {
        if (firstFailure < 0) firstFailure = i
        failures++
      }
    }
    return { column: C.make(DT.Date, n, days, Bits.pack(ok, n)), firstFailure, failures }
  }
  const t = dtype as Extract<DataType, { _tag: "Timestamp" }>
  const tz = t.timeZone === null ? null : zone(t.timeZone)
  const ms = new Float64Array(n)
  const sub = fmt.hasFraction && (t.unit === "us" || t.unit === "ns") ? new Int32Array(n) : null
  for (let i = 0; i < n; i++) {
    if (valid !== null && !Bits.getBit(valid, i)) continue
    if (!parseRow(fmt, b, o[i]!, o[i + 1]!, st)) {
      if (firstFailure < 0) firstFailure = i
      failures++
      continue
    }
    ok[i] = 1
    const local = localMsOf(st)
    ms[i] =
      !Number.isNaN(st.offsetMs)
        ? local - st.offsetMs
        : st.zone !== null
          ? st.zone.utcFromLocal(local)
          : tz !== null
            ? tz.utcFromLocal(local)
            : local
    if (sub !== null) sub[i] = t.unit === "ns" ? st.subMsNanos : Math.floor(st.subMsNanos / 1000)
  }
  const values = writeMs(ms, t.unit)
  if (sub !== null) for (let i = 0; i < n; i++) if (sub[i] !== 0) values[i] = values[i]! + BigInt(sub[i]!)
  return { column: C.make(dtype, n, values, Bits.pack(ok, n)), firstFailure, failures }
}

const failure = (value: string, dtype: DataType, format: string, failures: number, n: number, row: number): EvalFailure => ({
  error: `conversion from str to ${DT.format(dtype)} failed for ${failures} of ${n} values; first: ${JSON.stringify(value)} does not match format ${JSON.stringify(format)} (use strict: false to get nulls)`,
  row
})

register("str.strptime", {
  resolve: (input, _args, options) => {
    if (!isStr(input)) return STRING
    const dtype = options.dtype
    if (!isDataType(dtype) || (dtype._tag !== "Date" && dtype._tag !== "Timestamp")) return { expected: "a Date or Timestamp target dtype" }
    if (dtype._tag === "Timestamp" && dtype.timeZone !== null && !isValidTimeZone(dtype.timeZone))
      return { expected: `a known time zone (got ${JSON.stringify(dtype.timeZone)})` }
    const format = stringOpt(options, "format")
    if (format === undefined) return { expected: "a format string" }
    const fmt = compileFormat(format)
    if ("error" in fmt) return { expected: `a valid format (${fmt.error})` }
    return dtype
  },
  evaluate: (input, _args, options) => {
    const dtype = options.dtype as DataType
    const format = options.format as string
    const fmt = compileFormat(format) as CompiledFormat
    const strict = options.strict !== false
    if (input.dtype._tag === "Categorical") {
      const dict = input.dictionary!
      const r = parseColumn(dict, fmt, dtype)
      const codes = input.values as Int32Array
      const idx = new Int32Array(input.length)
      let firstRow = -1
      let failures = 0
      for (let i = 0; i < input.length; i++) {
        if (!C.isValid(input, i)) {
          idx[i] = -1
          continue
        }
        const c = codes[i]!
        idx[i] = c
        if (!C.isValid(r.column, c)) {
          failures++
          if (firstRow < 0) firstRow = i
        }
      }
      if (strict && firstRow >= 0) return failure(C.stringAt(dict, codes[firstRow]!), dtype, format, failures, input.length, firstRow)
      return C.take(r.column, idx)
    }
    const r = parseColumn(input, fmt, dtype)
    if (strict && r.firstFailure >= 0) return failure(C.stringAt(input, r.firstFailure), dtype, format, r.failures, input.length, r.firstFailure)
    return r.column
  }
})
