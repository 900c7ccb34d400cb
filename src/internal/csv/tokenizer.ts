/**
 * The CSV tokenizer: a state machine over UTF-8 bytes that records, for every field of every record, the byte span
 * of its content in per-column `Int32Array`s (no strings are created). Conversion to typed columns happens later,
 * column by column (see `convert.ts`).
 *
 * **Grammar** (RFC 4180 plus the usual extensions): records end at LF, CRLF or a lone CR; a field that starts with
 * the quote byte runs to the next quote that is not doubled, may contain delimiters and line breaks, and must be
 * followed by a delimiter, a line break or the end of input; a quote inside an unquoted field is a literal byte.
 *
 * **Chunked use.** `tokenize` consumes only whole records: when the input ends inside a record and `isLast` is
 * false it stops at that record's first byte and returns that position, so a caller that streams chunks keeps the
 * unconsumed tail and prepends it to the next chunk. A quoted field is therefore never split wrongly, whatever the
 * chunk boundaries. (A CR at the very end of a non-final chunk also waits, since an LF may follow.)
 * @internal
 */

/** Field flags (per column, per row). */
export const QUOTED = 1
/** The quoted content contains doubled quotes that must be collapsed. */
export const ESCAPED = 2
/** The record had fewer fields than columns (only with `truncateRaggedLines`): the value is null. */
export const MISSING = 4

const LF = 10
const CR = 13

/**
 * Spans of the fields tokenized so far, one `Int32Array` triple per column (start and end of the content, i.e.
 * inside the quotes for quoted fields; flags). `slot[k]` maps the k-th field of a record to its output column, or
 * -1 to skip it (projection).
 */
export interface FieldSpans {
  readonly ncols: number
  readonly slot: Int32Array
  starts: Array<Int32Array>
  ends: Array<Int32Array>
  flags: Array<Uint8Array>
  rows: number
  capacity: number
}

export const makeSpans = (ncols: number, slot: Int32Array, capacity: number): FieldSpans => {
  const nout = slot.reduce((m, s) => Math.max(m, s + 1), 0)
  capacity = Math.max(16, capacity)
  const starts: Array<Int32Array> = []
  const ends: Array<Int32Array> = []
  const flags: Array<Uint8Array> = []
  for (let j = 0; j < nout; j++) {
    starts.push(new Int32Array(capacity))
    ends.push(new Int32Array(capacity))
    flags.push(new Uint8Array(capacity))
  }
  return { ncols, slot, starts, ends, flags, rows: 0, capacity }
}

const grow = (sp: FieldSpans, min: number): void => {
  const cap = Math.max(min, Math.ceil(sp.capacity * 1.5) + 16)
  for (let j = 0; j < sp.starts.length; j++) {
    const s = new Int32Array(cap)
    s.set(sp.starts[j]!)
    sp.starts[j] = s
    const e = new Int32Array(cap)
    e.set(sp.ends[j]!)
    sp.ends[j] = e
    const f = new Uint8Array(cap)
    f.set(sp.flags[j]!)
    sp.flags[j] = f
  }
  sp.capacity = cap
}

export interface TokenizeOptions {
  /** The delimiter byte. */
  readonly delimiter: number
  /** The quote byte, or -1 for no quoting. */
  readonly quote: number
  /** Pad short records with nulls and drop the extra fields of long ones, instead of failing. */
  readonly truncateRaggedLines: boolean
  /** Stop after this many records (in total in `spans`). */
  readonly maxRows: number
}

/** Why tokenizing stopped early. */
export type TokenizeProblem =
  | { readonly _tag: "Ragged"; readonly recordStart: number; readonly found: number; readonly at: number }
  | { readonly _tag: "Unterminated"; readonly quoteStart: number }
  | { readonly _tag: "AfterQuote"; readonly at: number; readonly fieldStart: number }

export interface TokenizeResult {
  /** Position after the last whole record consumed (where the next call should start). */
  readonly next: number
  readonly problem: TokenizeProblem | undefined
}

/**
 * Tokenizes the records in `b[from, to)` into `spans` (appending). See the module comment for the chunk contract.
 * Lines with no bytes at all are skipped when there is more than one column (with one column they are null values).
 */
export const tokenize = (
  b: Uint8Array,
  from: number,
  to: number,
  isLast: boolean,
  opts: TokenizeOptions,
  sp: FieldSpans
): TokenizeResult => {
  const delim = opts.delimiter
  const quote = opts.quote
  const ncols = sp.ncols
  const slot = sp.slot
  const truncate = opts.truncateRaggedLines
  const maxRows = opts.maxRows
  let starts = sp.starts
  let ends = sp.ends
  let flags = sp.flags
  let row = sp.rows
  let i = from
  while (i < to && row < maxRows) {
    const recStart = i
    // Empty line.
    const c0 = b[i]!
    if ((c0 === LF || c0 === CR) && ncols > 1) {
      if (c0 === CR) {
        if (i + 1 >= to && !isLast) break
        i += b[i + 1] === LF ? 2 : 1
      } else i++
      continue
    }
    if (row >= sp.capacity) {
      grow(sp, row + 1)
      starts = sp.starts
      ends = sp.ends
      flags = sp.flags
    }
    let k = 0
    let incomplete = false
    // One record.
    for (;;) {
      let s: number
      let e: number
      let f = 0
      let c = -1
      if (i < to && b[i] === quote) {
        const q = i
        i++
        for (;;) {
          const at = b.indexOf(quote, i)
          if (at < 0 || at >= to) {
            i = to
            break
          }
          if (at + 1 < to && b[at + 1] === quote) {
            f = ESCAPED
            i = at + 2
            continue
          }
          i = at
          break
        }
        if (i >= to) {
          if (!isLast) {
            incomplete = true
            break
          }
          sp.rows = row
          return { next: recStart, problem: { _tag: "Unterminated", quoteStart: q } }
        }
        if (i + 1 >= to && !isLast) {
          // The closing quote is the last byte: a doubled quote may follow in the next chunk.
          incomplete = true
          break
        }
        s = q + 1
        e = i
        f |= QUOTED
        i++
        if (i < to) {
          c = b[i]!
          if (c !== delim && c !== LF && c !== CR) {
            sp.rows = row
            return { next: recStart, problem: { _tag: "AfterQuote", at: i, fieldStart: q } }
          }
        }
      } else {
        s = i
        while (i < to) {
          const x = b[i]!
          if (x === delim || x === LF || x === CR) {
            c = x
            break
          }
          i++
        }
        e = i
      }
      if (k < ncols) {
        const j = slot[k]!
        if (j >= 0) {
          starts[j]![row] = s
          ends[j]![row] = e
          flags[j]![row] = f
        }
      } else if (!truncate) {
        sp.rows = row
        return { next: recStart, problem: { _tag: "Ragged", recordStart: recStart, found: k + 1, at: s } }
      }
      k++
      if (c === delim) {
        i++
        if (i >= to && !isLast) {
          incomplete = true
          break
        }
        continue
      }
      // End of record: line break or end of input.
      if (c === CR) {
        if (i + 1 >= to && !isLast) {
          incomplete = true
          break
        }
        i += b[i + 1] === LF ? 2 : 1
      } else if (c === LF) i++
      else if (!isLast) {
        incomplete = true
        break
      }
      break
    }
    if (incomplete) {
      i = recStart
      break
    }
    if (k < ncols) {
      if (!truncate) {
        sp.rows = row
        return { next: recStart, problem: { _tag: "Ragged", recordStart: recStart, found: k, at: i } }
      }
      for (; k < ncols; k++) {
        const j = slot[k]!
        if (j >= 0) {
          starts[j]![row] = 0
          ends[j]![row] = 0
          flags[j]![row] = MISSING
        }
      }
    }
    row++
  }
  sp.rows = row
  return { next: i, problem: undefined }
}

/**
 * Reads one record from `b[i..]` generically (used for the header, `skipRows` and finding the column count): its
 * field spans and flags, and where the next record starts. Does not skip empty lines.
 */
export const readRecord = (
  b: Uint8Array,
  i: number,
  delim: number,
  quote: number
):
  | { readonly fields: Array<readonly [number, number, number]>; readonly next: number }
  | { readonly problem: TokenizeProblem } => {
  const to = b.length
  const fields: Array<readonly [number, number, number]> = []
  for (;;) {
    let c = -1
    if (i < to && b[i] === quote) {
      const q = i
      let f = QUOTED
      i++
      for (;;) {
        const at = b.indexOf(quote, i)
        if (at < 0) return { problem: { _tag: "Unterminated", quoteStart: q } }
        if (b[at + 1] === quote) {
          f |= ESCAPED
          i = at + 2
          continue
        }
        i = at
        break
      }
      fields.push([q + 1, i, f])
      i++
      if (i < to) {
        c = b[i]!
        if (c !== delim && c !== LF && c !== CR) return { problem: { _tag: "AfterQuote", at: i, fieldStart: q } }
      }
    } else {
      const s = i
      while (i < to) {
        const x = b[i]!
        if (x === delim || x === LF || x === CR) {
          c = x
          break
        }
        i++
      }
      fields.push([s, i, 0])
    }
    if (c === delim) {
      i++
      continue
    }
    if (c === CR) i += b[i + 1] === LF ? 2 : 1
    else if (c === LF) i++
    return { fields, next: i }
  }
}

/** The 1-based line number of byte `offset` (counting LF, CRLF and lone CR as one line break each). */
export const lineOf = (b: Uint8Array, offset: number): number => {
  let line = 1
  const end = Math.min(offset, b.length)
  for (let i = 0; i < end; i++) {
    const c = b[i]!
    if (c === LF) line++
    else if (c === CR && b[i + 1] !== LF) line++
  }
  return line
}
