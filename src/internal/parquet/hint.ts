/**
 * The `ARROW:schema` hint of the streaming scan's decode workers (see `worker.ts`): arrow-rs (parquet-wasm) decodes
 * a Utf8 column as an Arrow `Dictionary<Int32, Utf8>` (the row group's dictionary page and its indices) only when
 * the file's `ARROW:schema` metadata asks for it. The hint is that metadata's value: the schema arrow-rs infers
 * for the file (parquet-wasm's `readSchema`), with the named Utf8 columns changed to dictionaries, as an
 * Arrow IPC schema message in base64 (as arrow-rs writes it). It is built here, on the calling thread, without any
 * Arrow library (`arrowIpc.ts`): the workers import none (a tenth of a second of their start-up), and this thread
 * loads apache-arrow only where Arrow objects are asked for.
 * @internal
 */
import * as Ipc from "../arrowIpc.ts"
import { readTail } from "./ranged.ts"
import * as W from "./wasm.ts"

/**
 * The hint for the file's inferred Arrow schema (an IPC stream holding the schema message), or undefined when no
 * named column is Utf8 (nothing to ask for). The schema message is edited in place (`arrowIpc.ts`
 * `withDictionaries`): apache-arrow is not needed at the start of a scan.
 */
export const fromSchemaIpc = (schemaIpc: Uint8Array, dictionary: ReadonlyArray<string>): string | undefined => {
  const message = Ipc.withDictionaries(schemaIpc, dictionary)
  return message === undefined ? undefined : Buffer.from(message).toString("base64")
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
