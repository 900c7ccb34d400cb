/**
 * Arrow IPC stream messages written without apache-arrow, for the paths that only hand Arrow data to parquet-wasm:
 * the Parquet writers (`parquet/write.ts`, `parquet/writeStream.ts`: a frame of flat columns as an IPC stream) and
 * the streaming scan's dictionary hint (`parquet/hint.ts`: arrow-rs's own schema message with some Utf8 fields made
 * dictionary-encoded). apache-arrow's ~150 modules then load only where Arrow objects are asked for (`Frame.toArrow`,
 * nested columns, the IPC sinks): about 0.05 s of a short streaming query's start-up, on the thread that also starts
 * the decode workers (bench/streaming.ts).
 *
 * The format (Arrow's Message.fbs and Schema.fbs, IPC streaming format): each message is the continuation marker
 * 0xFFFFFFFF, the flatbuffer's length (padded so the body starts 8-byte aligned), a `Message` flatbuffer (metadata
 * version V5; header Schema, DictionaryBatch or RecordBatch) and the body (the buffers, each padded to 8 bytes);
 * the stream ends with 0xFFFFFFFF 0x00000000. Flatbuffers are laid out front to back here: a table's vtable just
 * before it, every offset pointing forward (to a later object), every scalar aligned to its size.
 * @internal
 */
import type { DataType, Field } from "../Frame/DataType.ts"
import type { Column } from "./column.ts"

// ---------------------------------------------------------------------------------------------------------------
// flatbuffer building
// ---------------------------------------------------------------------------------------------------------------

type Scalar = "bool" | "u8" | "i16" | "i32" | "i64"
/** A table field: a scalar, or an offset to an object (patched once the object is placed). */
type Slot = { readonly kind: Scalar; readonly value: number | bigint } | { readonly kind: "offset" }

const SIZE: Record<Scalar | "offset", number> = { bool: 1, u8: 1, i16: 2, i32: 4, i64: 8, offset: 4 }

class Builder {
  bytes = new Uint8Array(256)
  view = new DataView(this.bytes.buffer)
  pos = 0
  /** Offsets to patch: (position of the offset field, position of its target, resolved at `finish`). */
  readonly patches: Array<{ readonly at: number; readonly target: () => number }> = []

  reserve(n: number, align: number): number {
    while (this.pos % align !== 0) this.pos++
    const at = this.pos
    this.pos += n
    if (this.pos > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + 64))
      b.set(this.bytes)
      this.bytes = b
      this.view = new DataView(b.buffer)
    }
    return at
  }

  /** A table with the given slots (undefined: absent); returns its position and each slot's field position. */
  table(slots: ReadonlyArray<Slot | undefined>): { readonly at: number; readonly field: ReadonlyArray<number> } {
    const present = slots.flatMap((s, i) => (s === undefined ? [] : [{ s, i }]))
    const wide = present.some((p) => p.s.kind === "i64")
    // fields by size, largest first, after the 4-byte vtable offset: each aligned when the table starts at 4 mod 8
    const order = [...present].sort((a, b) => SIZE[b.s.kind] - SIZE[a.s.kind])
    const field: Array<number> = slots.map(() => 0)
    // the table starts at 4 mod 8 when it has an int64 (so that field can sit at 0 mod 8), else at 0 mod 4
    const phase = wide ? 4 : 0
    let inline = 4
    for (const p of order) {
      const size = SIZE[p.s.kind]
      while ((phase + inline) % size !== 0) inline++
      field[p.i] = inline
      inline += size
    }
    while (inline % 4 !== 0) inline++
    const vt = this.reserve(4 + 2 * slots.length, 2)
    this.view.setUint16(vt, 4 + 2 * slots.length, true)
    this.view.setUint16(vt + 2, inline, true)
    slots.forEach((s, i) => {
      this.view.setUint16(vt + 4 + 2 * i, s === undefined ? 0 : field[i]!, true)
    })
    while (this.pos % 4 !== 0 || (wide && this.pos % 8 !== 4)) this.pos++
    const at = this.reserve(inline, 4)
    this.view.setInt32(at, at - vt, true)
    for (const p of present) {
      const f = at + field[p.i]!
      field[p.i] = f
      const v = "value" in p.s ? p.s.value : 0
      switch (p.s.kind) {
        case "bool":
        case "u8":
          this.view.setUint8(f, Number(v))
          break
        case "i16":
          this.view.setInt16(f, Number(v), true)
          break
        case "i32":
          this.view.setInt32(f, Number(v), true)
          break
        case "i64":
          this.view.setBigInt64(f, BigInt(v), true)
          break
        case "offset":
          break
      }
    }
    return { at, field }
  }

  /** Points the offset field at `at` to the object at `target()` (a later position). */
  link(at: number, target: () => number): void {
    this.patches.push({ at, target })
  }

  string(s: string): number {
    const b = new TextEncoder().encode(s)
    const at = this.reserve(4 + b.length + 1, 4)
    this.view.setUint32(at, b.length, true)
    this.bytes.set(b, at + 4)
    return at
  }

  /** A vector of `n` offsets; returns its position (element i's offset field at position + 4 + 4i). */
  offsets(n: number): number {
    const at = this.reserve(4 + 4 * n, 4)
    this.view.setUint32(at, n, true)
    return at
  }

  /** A vector of structs of two int64 each (FieldNode, Buffer), 8-byte aligned. */
  pairs(xs: ReadonlyArray<readonly [number, number]>): number {
    while (this.pos % 8 !== 4) this.pos++
    const at = this.reserve(4 + 16 * xs.length, 4)
    this.view.setUint32(at, xs.length, true)
    xs.forEach(([a, b], i) => {
      this.view.setBigInt64(at + 4 + 16 * i, BigInt(a), true)
      this.view.setBigInt64(at + 12 + 16 * i, BigInt(b), true)
    })
    return at
  }

  /** The buffer, offsets patched, padded to a multiple of 8 bytes. */
  finish(): Uint8Array {
    const end = this.reserve(0, 8)
    for (const p of this.patches) this.view.setUint32(p.at, p.target() - p.at, true)
    return this.bytes.subarray(0, end)
  }
}

const absent = undefined
const i16 = (value: number): Slot => ({ kind: "i16", value })
const i32 = (value: number): Slot => ({ kind: "i32", value })
const i64 = (value: number): Slot => ({ kind: "i64", value })
const u8 = (value: number): Slot => ({ kind: "u8", value })
const bool = (value: boolean): Slot => ({ kind: "bool", value: value ? 1 : 0 })
const offset: Slot = { kind: "offset" }

/** Schema.fbs `Type` union members. */
const TYPE = { Null: 1, Int: 2, FloatingPoint: 3, Utf8: 5, Bool: 6, Decimal: 7, Date: 8, Timestamp: 10, Duration: 18 } as const
/** Message.fbs `MessageHeader` union members. */
const HEADER = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const
const V5 = 4
const UNIT = { s: 0, ms: 1, us: 2, ns: 3 } as const

/** The `Message` root table (its `header` linked by the caller); returns the header field's position. */
const message = (b: Builder, headerType: number, bodyLength: number): number => {
  const root = b.reserve(4, 4)
  const m = b.table([i16(V5), u8(headerType), offset, i64(bodyLength)])
  b.view.setUint32(root, m.at - root, true)
  return m.field[2]!
}

/** An `Int` type table (bit width, signedness). */
const intTable = (b: Builder, bits: number, signed: boolean): number => b.table([i32(bits), bool(signed)]).at

// ---------------------------------------------------------------------------------------------------------------
// writing frames
// ---------------------------------------------------------------------------------------------------------------

const INTS: Partial<Record<DataType["_tag"], readonly [number, boolean]>> = {
  Int8: [8, true],
  Int16: [16, true],
  Int32: [32, true],
  Int64: [64, true],
  UInt8: [8, false],
  UInt16: [16, false],
  UInt32: [32, false],
  UInt64: [64, false]
}


/** The type table of a flat dtype; returns [union member, table position]. */
const typeTable = (b: Builder, t: DataType): readonly [number, number] => {
  const int = INTS[t._tag]
  if (int !== undefined) return [TYPE.Int, intTable(b, int[0], int[1])]
  switch (t._tag) {
    case "Float32":
      return [TYPE.FloatingPoint, b.table([i16(1)]).at]
    case "Float64":
      return [TYPE.FloatingPoint, b.table([i16(2)]).at]
    case "Boolean":
      return [TYPE.Bool, b.table([]).at]
    case "Utf8":
    case "Categorical":
      return [TYPE.Utf8, b.table([]).at]
    case "Date":
      return [TYPE.Date, b.table([i16(0)]).at] // DAY
    case "Timestamp": {
      const tt = b.table([i16(UNIT[t.unit]), t.timeZone === null ? absent : offset])
      if (t.timeZone !== null) {
        const tz = b.string(t.timeZone)
        b.link(tt.field[1]!, () => tz)
      }
      return [TYPE.Timestamp, tt.at]
    }
    case "Duration":
      return [TYPE.Duration, b.table([i16(UNIT[t.unit])]).at]
    case "Decimal":
      return [TYPE.Decimal, b.table([i32(t.precision), i32(t.scale), i32(128)]).at]
    default:
      throw new Error(`no IPC type for ${t._tag}`)
  }
}

/** The schema message: every field nullable (as `arrow.ts` `fieldToArrow`), Categorical as dictionary `i`. */
const schemaMessage = (schema: ReadonlyArray<Field>): Uint8Array => {
  const b = new Builder()
  const header = message(b, HEADER.Schema, 0)
  const s = b.table([i16(0), offset]) // little-endian, fields
  b.link(header, () => s.at)
  const vec = b.offsets(schema.length)
  b.link(s.field[1]!, () => vec)
  schema.forEach((f, i) => {
    const cat = f.dtype._tag === "Categorical"
    const fld = b.table([offset, bool(true), u8(0), offset, cat ? offset : absent, offset])
    b.link(vec + 4 + 4 * i, () => fld.at)
    const name = b.string(f.name)
    b.link(fld.field[0]!, () => name)
    const [member, type] = typeTable(b, f.dtype)
    b.view.setUint8(fld.field[2]!, member)
    b.link(fld.field[3]!, () => type)
    if (cat) {
      const d = b.table([i64(i), offset]) // id, indexType
      b.link(fld.field[4]!, () => d.at)
      const index = intTable(b, 32, true)
      b.link(d.field[1]!, () => index)
    }
    const children = b.offsets(0)
    b.link(fld.field[5]!, () => children)
  })
  return b.finish()
}

/** One record batch's nodes and buffers (bytes views), in field order. */
interface Body {
  readonly nodes: Array<readonly [number, number]>
  readonly buffers: Array<Uint8Array>
}

const bytesOf = (v: ArrayBufferView, byteLength: number): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, byteLength)

const WIDTH: Partial<Record<DataType["_tag"], number>> = {
  Int8: 1,
  UInt8: 1,
  Int16: 2,
  UInt16: 2,
  Int32: 4,
  UInt32: 4,
  Float32: 4,
  Date: 4,
  Int64: 8,
  UInt64: 8,
  Float64: 8,
  Timestamp: 8,
  Duration: 8,
  Decimal: 16,
  Categorical: 4
}

/** Whether `stream` writes a column of this dtype: a fixed width, Boolean or Utf8 (not Null, List, Struct). */
const writable = (t: DataType): boolean => WIDTH[t._tag] !== undefined || t._tag === "Boolean" || t._tag === "Utf8"

/** Adds a flat column's node and buffers (validity, then values; Utf8: offsets re-based to 0, then bytes). */
const addColumn = (body: Body, c: Column): void => {
  const n = c.length
  body.nodes.push([n, c.nullCount])
  body.buffers.push(c.nullCount === 0 || c.validity === null ? new Uint8Array(0) : c.validity.subarray(0, (n + 7) >> 3))
  if (c.dtype._tag === "Utf8") {
    const o = c.offsets!
    const start = o[0]!
    const offsets = start === 0 ? o.subarray(0, n + 1) : Int32Array.from(o.subarray(0, n + 1), (x) => x - start)
    body.buffers.push(bytesOf(offsets, 4 * (n + 1)))
    body.buffers.push((c.values as Uint8Array).subarray(start, o[n]!))
    return
  }
  if (c.dtype._tag === "Boolean") {
    body.buffers.push((c.values as Uint8Array).subarray(0, (n + 7) >> 3))
    return
  }
  body.buffers.push(bytesOf(c.values, n * WIDTH[c.dtype._tag]!))
}

const pad8 = (n: number) => (n + 7) & ~7

/** One message before framing: its flatbuffer and its body's buffers (each padded to 8 bytes in the stream). */
interface Message {
  readonly meta: Uint8Array
  readonly buffers: ReadonlyArray<Uint8Array>
  readonly bodyLength: number
}

/** A `RecordBatch` message (header type `RecordBatch`, or inside a `DictionaryBatch` of id `dictionaryId`). */
const batchMessage = (length: number, body: Body, dictionaryId?: number): Message => {
  let bodyLength = 0
  const spans: Array<readonly [number, number]> = body.buffers.map((x) => {
    const at = bodyLength
    bodyLength += pad8(x.byteLength)
    return [at, x.byteLength] as const
  })
  const b = new Builder()
  const header = message(b, dictionaryId === undefined ? HEADER.RecordBatch : HEADER.DictionaryBatch, bodyLength)
  let batchField = header
  if (dictionaryId !== undefined) {
    const d = b.table([i64(dictionaryId), offset, bool(false)]) // id, data, isDelta
    b.link(header, () => d.at)
    batchField = d.field[1]!
  }
  const rb = b.table([i64(length), offset, offset])
  b.link(batchField, () => rb.at)
  const nodes = b.pairs(body.nodes)
  b.link(rb.field[1]!, () => nodes)
  const buffers = b.pairs(spans)
  b.link(rb.field[2]!, () => buffers)
  return { meta: b.finish(), buffers: body.buffers, bodyLength }
}

/** The bytes of framed messages: continuation marker, metadata length, metadata, body (buffers padded to 8 bytes). */
const framed = (messages: ReadonlyArray<Message>, end: boolean): Uint8Array => {
  const out = new Uint8Array(messages.reduce((a, m) => a + 8 + m.meta.byteLength + m.bodyLength, end ? 8 : 0))
  const dv = new DataView(out.buffer)
  let at = 0
  for (const m of messages) {
    dv.setInt32(at, -1, true)
    dv.setInt32(at + 4, m.meta.byteLength, true)
    out.set(m.meta, at + 8)
    at += 8 + m.meta.byteLength
    for (const x of m.buffers) {
      out.set(x, at)
      at += pad8(x.byteLength)
    }
  }
  if (end) dv.setInt32(at, -1, true) // end of stream: 0xFFFFFFFF then a zero length (already zero)
  return out
}

/**
 * The frame as an Arrow IPC stream (schema, then per batch its Categorical columns' dictionaries when they changed,
 * then the record batch), the same stream apache-arrow's `tableToIPC(toTable(frame), "stream")` gives up to
 * dictionary ids; or undefined when a column is not flat (Null, List, Struct: the caller then uses apache-arrow).
 * The column buffers are copied once, into the stream.
 */
export const stream = (frame: {
  readonly schema: ReadonlyArray<Field>
  readonly batches: ReadonlyArray<{ readonly length: number; readonly columns: ReadonlyArray<Column> }>
}): Uint8Array | undefined => {
  if (!frame.schema.every((f) => writable(f.dtype))) return undefined
  const messages: Array<Message> = [{ meta: schemaMessage(frame.schema), buffers: [], bodyLength: 0 }]
  const lastDictionary = new Map<number, Column>()
  for (const batch of frame.batches) {
    batch.columns.forEach((c, i) => {
      if (c.dtype._tag !== "Categorical" || lastDictionary.get(i) === c.dictionary) return
      const d = c.dictionary!
      lastDictionary.set(i, d)
      const body: Body = { nodes: [], buffers: [] }
      addColumn(body, d)
      messages.push(batchMessage(d.length, body, i))
    })
    const body: Body = { nodes: [], buffers: [] }
    for (const c of batch.columns) addColumn(body, c)
    messages.push(batchMessage(batch.length, body))
  }
  return framed(messages, true)
}

// ---------------------------------------------------------------------------------------------------------------
// editing a schema message: Utf8 fields made dictionary-encoded
// ---------------------------------------------------------------------------------------------------------------

/** Reads a flatbuffer's tables: `field(table, slot)` is the field's position, or 0 when absent. */
const reader = (fb: Uint8Array) => {
  const dv = new DataView(fb.buffer, fb.byteOffset, fb.byteLength)
  const field = (table: number, slot: number): number => {
    const vt = table - dv.getInt32(table, true)
    const size = dv.getUint16(vt, true)
    const o = 4 + 2 * slot < size ? dv.getUint16(vt + 4 + 2 * slot, true) : 0
    return o === 0 ? 0 : table + o
  }
  const deref = (at: number): number => at + dv.getUint32(at, true)
  return { dv, field, deref }
}

/**
 * arrow-rs's schema message `ipc` (an IPC stream whose first message is a Schema, as parquet-wasm's
 * `Schema.intoIPCStream()` gives it) with the top-level Utf8 fields named in `names` dictionary-encoded (Int32
 * indices, dictionary id = the field's index, as `new Dictionary(Utf8, Int32, i)`); every other part of the schema
 * kept as it is. Returns the schema message alone (marker, length, flatbuffer), or undefined when no named field is
 * Utf8 or the message is not a schema. The new tables are placed before the old flatbuffer, which is kept whole
 * (its internal offsets are relative), so every offset still points forward.
 */
export const withDictionaries = (ipc: Uint8Array, names: ReadonlyArray<string>): Uint8Array | undefined => {
  const head = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength)
  if (head.getInt32(0, true) !== -1) return undefined
  const old = ipc.subarray(8, 8 + head.getInt32(4, true))
  const r = reader(old)
  const msg = r.deref(0)
  const headerType = r.field(msg, 1)
  if (headerType === 0 || r.dv.getUint8(headerType) !== HEADER.Schema) return undefined
  const schema = r.deref(r.field(msg, 2))
  const fieldsAt = r.field(schema, 1)
  if (fieldsAt === 0) return undefined
  const fields = r.deref(fieldsAt)
  const n = r.dv.getUint32(fields, true)
  const decoder = new TextDecoder()
  const nameOf = (f: number): string => {
    const at = r.field(f, 0)
    if (at === 0) return ""
    const s = r.deref(at)
    return decoder.decode(old.subarray(s + 4, s + 4 + r.dv.getUint32(s, true)))
  }
  const oldField = (i: number): number => r.deref(fields + 4 + 4 * i)
  const changed = Array.from({ length: n }, (_, i) => {
    const f = oldField(i)
    const tt = r.field(f, 2)
    return tt !== 0 && r.dv.getUint8(tt) === TYPE.Utf8 && r.field(f, 4) === 0 && names.includes(nameOf(f))
  })
  if (!changed.some((c) => c)) return undefined

  const b = new Builder()
  let base = 0 // where the old flatbuffer starts in the new one (known at the end)
  const toOld = (at: number) => () => base + at
  /** A new table copying the old table's scalar fields and linking its offset fields to the old objects. */
  const copy = (table: number, kinds: ReadonlyArray<Scalar | "offset">, replace: ReadonlyMap<number, Slot> = new Map()) => {
    const slots = kinds.map((k, slot): Slot | undefined => {
      const at = r.field(table, slot)
      if (replace.has(slot)) return replace.get(slot)
      if (at === 0) return undefined
      switch (k) {
        case "offset":
          return offset
        case "bool":
        case "u8":
          return { kind: k, value: r.dv.getUint8(at) }
        case "i16":
          return i16(r.dv.getInt16(at, true))
        case "i32":
          return i32(r.dv.getInt32(at, true))
        case "i64":
          return { kind: "i64", value: r.dv.getBigInt64(at, true) }
      }
      return undefined
    })
    const t = b.table(slots)
    kinds.forEach((k, slot) => {
      const at = r.field(table, slot)
      if (k === "offset" && at !== 0 && !replace.has(slot)) b.link(t.field[slot]!, toOld(r.deref(at)))
    })
    return t
  }
  const root = b.reserve(4, 4)
  // Message { version, header_type, header, bodyLength, custom_metadata }
  const m = copy(msg, ["i16", "u8", "offset", "i64", "offset"], new Map([[2, offset]]))
  b.view.setUint32(root, m.at - root, true)
  // Schema { endianness, fields, custom_metadata, features }
  const s = copy(schema, ["i16", "offset", "offset", "offset"], new Map([[1, offset]]))
  b.link(m.field[2]!, () => s.at)
  const vec = b.offsets(n)
  b.link(s.field[1]!, () => vec)
  for (let i = 0; i < n; i++) {
    if (!changed[i]) {
      b.link(vec + 4 + 4 * i, toOld(oldField(i)))
      continue
    }
    // Field { name, nullable, type_type, type, dictionary, children, custom_metadata }
    const f = copy(oldField(i), ["offset", "bool", "u8", "offset", "offset", "offset", "offset"], new Map([[4, offset]]))
    b.link(vec + 4 + 4 * i, () => f.at)
    const d = b.table([i64(i), offset]) // DictionaryEncoding { id, indexType }
    b.link(f.field[4]!, () => d.at)
    const index = intTable(b, 32, true)
    b.link(d.field[1]!, () => index)
  }
  base = b.reserve(0, 8)
  const fresh = b.finish()
  const meta = new Uint8Array(fresh.byteLength + old.byteLength)
  meta.set(fresh)
  meta.set(old, fresh.byteLength)
  return framed([{ meta, buffers: [], bodyLength: 0 }], false)
}
