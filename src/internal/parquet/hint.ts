/**
 * The `ARROW:schema` hint of the streaming scan's decode workers (see `worker.ts`): arrow-rs (parquet-wasm) decodes
 * a Utf8 column as an Arrow `Dictionary<Int32, Utf8>` (the row group's dictionary page and its indices) only when
 * the file's `ARROW:schema` metadata asks for it. The hint is that metadata's value: the schema arrow-rs infers
 * for the file (parquet-wasm's `readSchema`), with the named Utf8 columns changed to dictionaries, as an
 * Arrow IPC schema message in base64 (as arrow-rs writes it). It is built here, on the calling thread (which loads
 * apache-arrow on first use, `arrowLib.ts`): a worker then starts without importing it (a tenth of a second of its
 * start-up).
 * @internal
 */
import { arrow } from "../arrowLib.ts"
import { readTail } from "./ranged.ts"
import * as W from "./wasm.ts"

/**
 * The hint for the file's inferred Arrow schema (an IPC stream holding the schema message), or undefined when no
 * named column is Utf8 (nothing to ask for).
 */
export const fromSchemaIpc = (schemaIpc: Uint8Array, dictionary: ReadonlyArray<string>): string | undefined => {
  const schema = arrow().tableFromIPC(schemaIpc).schema
  let changed = false
  const fields = schema.fields.map((f, i) => {
    if (!dictionary.includes(f.name) || f.type.typeId !== arrow().Type.Utf8) return f
    changed = true
    return new (arrow().Field)(f.name, new (arrow().Dictionary)(new (arrow().Utf8)(), new (arrow().Int32)(), i), f.nullable, f.metadata)
  })
  if (!changed) return undefined
  const ipc = arrow().tableToIPC(new (arrow().Table)(new (arrow().Schema)(fields, schema.metadata)), "stream")
  // the schema message alone: continuation marker, length, flatbuffer
  const length = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength).getInt32(4, true)
  return Buffer.from(ipc.subarray(0, 8 + length)).toString("base64")
}

/**
 * The hint for the Parquet file at `path` (its footer read by positional reads and given to parquet-wasm's
 * `readSchema` as a file of its own: magic, metadata, length, magic; only the metadata is parsed), or undefined
 * when there is none or the file cannot be read (the worker then decodes without it, with the same values).
 */
export const forFile = async (path: string, dictionary: ReadonlyArray<string>): Promise<string | undefined> => {
  try {
    const pw = await W.instance()
    const { tail } = await readTail(path)
    const file = new Uint8Array(4 + tail.byteLength)
    file.set([0x50, 0x41, 0x52, 0x31])
    file.set(tail, 4)
    return fromSchemaIpc(pw.readSchema(file).intoIPCStream(), dictionary)
  } catch {
    return undefined
  }
}
