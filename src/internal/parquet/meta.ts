/**
 * The Parquet footer, parsed with hyparquet: checks (magic, encryption, schema paths), the schema as polaroid
 * dtypes, row groups and per-column statistics.
 * @internal
 */
import type { FileMetaData, SchemaTree } from "hyparquet"
import { parquetMetadata, parquetSchema } from "hyparquet"
import type { Field } from "../../Frame/DataType.ts"
import { cleanMessage, errorText, ParquetFailure } from "./failure.ts"
import { columnsOf, fieldsOf, type PNode } from "./schema.ts"

/** Min/max and counts of one column chunk, as written by the file's writer (absent when not written). */
export interface ColumnStatistics {
  /** Minimum value: number, bigint, boolean, string, Date (dates/timestamps) or Uint8Array, as hyparquet decodes it. */
  readonly min?: unknown
  readonly max?: unknown
  readonly nullCount?: number
  readonly distinctCount?: number
}

export interface ColumnChunkInfo {
  /** Path of the leaf in the Parquet schema (e.g. ["person", "address", "city"]). */
  readonly path: ReadonlyArray<string>
  /** Physical type: BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY. */
  readonly physicalType: string
  /** Codec: UNCOMPRESSED, SNAPPY, GZIP, BROTLI, LZ4, ZSTD, LZ4_RAW. */
  readonly codec: string
  readonly encodings: ReadonlyArray<string>
  readonly numValues: number
  /** Bytes on disk (compressed pages with headers). */
  readonly compressedSize: number
  /** Bytes after decompression (still encoded). */
  readonly uncompressedSize: number
  readonly statistics: ColumnStatistics | undefined
}

export interface RowGroupInfo {
  readonly numRows: number
  /** Total uncompressed bytes of the row group's column chunks. */
  readonly totalByteSize: number
  readonly columns: ReadonlyArray<ColumnChunkInfo>
}

export interface ParquetMetadata {
  readonly numRows: number
  /** The writer (`created_by`), e.g. "parquet-cpp-arrow version 14.0.2". */
  readonly createdBy: string | undefined
  /** Parquet format version (1 or 2). */
  readonly version: number
  /** Top-level columns with the dtypes `readParquet` gives them. */
  readonly schema: ReadonlyArray<Field>
  readonly rowGroups: ReadonlyArray<RowGroupInfo>
  readonly keyValueMetadata: Readonly<Record<string, string>>
}

/** Parsed footer plus our view of its schema. */
export interface Footer {
  readonly raw: FileMetaData
  readonly tree: SchemaTree
  readonly nodes: ReadonlyArray<PNode>
}

const MAGIC = 0x31524150 // "PAR1" little-endian
const MAGIC_ENCRYPTED = 0x45524150 // "PARE"

/**
 * Checks the magic bytes of a file of `size` bytes from its first 4 bytes (`head`) and its last 8 (`last8`: the
 * footer length and the tail magic); throws a ParquetFailure for non-Parquet and encrypted-footer files.
 */
export const checkMagicParts = (head: Uint8Array, last8: Uint8Array, size: number): void => {
  const n = size
  if (n < 12)
    throw new ParquetFailure(`not a Parquet file: ${n} bytes is shorter than the 12-byte minimum`, {
      byteOffset: 0,
      expected: 'a file starting and ending with "PAR1"'
    })
  const first = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true)
  const end = new DataView(last8.buffer, last8.byteOffset, 8)
  const tail = end.getUint32(4, true)
  if (tail === MAGIC_ENCRYPTED || first === MAGIC_ENCRYPTED)
    throw new ParquetFailure("encrypted Parquet file (footer magic PARE): decryption is not supported", {
      byteOffset: n - 4,
      expected: "an unencrypted Parquet file"
    })
  if (tail !== MAGIC)
    throw new ParquetFailure("not a Parquet file: the last 4 bytes are not the magic \"PAR1\"", {
      byteOffset: n - 4,
      expected: '"PAR1"'
    })
  if (first !== MAGIC)
    throw new ParquetFailure("not a Parquet file: the first 4 bytes are not the magic \"PAR1\"", {
      byteOffset: 0,
      expected: '"PAR1"'
    })
  const metaLen = end.getUint32(0, true)
  if (metaLen > n - 12)
    throw new ParquetFailure(`corrupt footer: metadata length ${metaLen} exceeds the file size ${n}`, {
      byteOffset: n - 8,
      expected: `a footer length of at most ${n - 12}`
    })
}

/** Checks the magic bytes; throws a ParquetFailure for non-Parquet and encrypted-footer files. */
export const checkMagic = (bytes: Uint8Array): void => {
  const n = bytes.byteLength
  if (n < 12) checkMagicParts(bytes, bytes, n)
  else checkMagicParts(bytes.subarray(0, 4), bytes.subarray(n - 8), n)
}

/** The footer length recorded in a file's last 8 bytes (meaningful after {@link checkMagicParts}). */
export const footerLength = (last8: Uint8Array): number => new DataView(last8.buffer, last8.byteOffset, 8).getUint32(0, true)

const resolves = (tree: SchemaTree, path: ReadonlyArray<string>): boolean => {
  let t: SchemaTree | undefined = tree
  for (const name of path) {
    t = t.children.find((c) => c.element.name === name)
    if (t === undefined) return false
  }
  return t.children.length === 0
}

/** Parses and validates the footer of an in-memory Parquet file. */
export const readFooter = (bytes: Uint8Array): Footer => {
  checkMagic(bytes)
  return parseFooter(bytes, bytes.byteLength)
}

/**
 * Parses and validates a footer from the file's tail: `tail` holds the last bytes of a file of `size` bytes (at
 * least the Thrift metadata and the final 8 bytes), after {@link checkMagicParts}. Column chunks are checked to
 * lie within `size` bytes. Lets a ranged reader parse the footer without the rest of the file.
 */
export const parseFooter = (tail: Uint8Array, size: number): Footer => {
  const footerOffset = size - 8 - footerLength(tail.subarray(tail.byteLength - 8))
  let raw: FileMetaData
  let tree: SchemaTree
  try {
    raw = parquetMetadata(tail)
    tree = parquetSchema(raw)
  } catch (e) {
    throw new ParquetFailure(`corrupt footer: ${cleanMessage(errorText(e))}`, {
      byteOffset: footerOffset,
      expected: "a valid Thrift FileMetaData",
      cause: errorText(e)
    })
  }
  if (tree === undefined || !Array.isArray(tree.children))
    throw new ParquetFailure("corrupt footer: no schema root", { byteOffset: footerOffset, expected: "a schema" })
  raw.row_groups.forEach((rg, g) => {
    rg.columns.forEach((chunk, c) => {
      const md = chunk.meta_data
      if (chunk.crypto_metadata !== undefined || chunk.encrypted_column_metadata !== undefined || md === undefined)
        throw new ParquetFailure(
          `row group ${g}, column chunk ${c}: encrypted column (${md === undefined ? "no plaintext metadata" : "crypto metadata present"}); decryption is not supported`,
          { expected: "an unencrypted Parquet file", byteOffset: Number(chunk.file_offset) }
        )
      if (chunk.file_path !== undefined)
        throw new ParquetFailure(
          `row group ${g}: column chunk in another file ("${chunk.file_path}"): external column chunks are not supported`,
          { expected: "column chunks stored in the same file" }
        )
      if (!resolves(tree, md.path_in_schema))
        throw new ParquetFailure(
          `row group ${g}: column chunk path "${md.path_in_schema.join(".")}" is not a leaf of the schema`,
          {
            column: md.path_in_schema[0] ?? "",
            byteOffset: Number(md.data_page_offset),
            expected: "a column path present in the schema"
          }
        )
      const data = Number(md.data_page_offset)
      const dict = md.dictionary_page_offset === undefined ? 0 : Number(md.dictionary_page_offset)
      const start = dict > 0 && dict < data ? dict : data
      if (start < 0 || start + Number(md.total_compressed_size) > size)
        throw new ParquetFailure(
          `row group ${g}: column "${md.path_in_schema.join(".")}" spans bytes beyond the end of the file`,
          { column: md.path_in_schema[0] ?? "", byteOffset: Number(md.data_page_offset), expected: `data within ${size} bytes` }
        )
    })
  })
  return { raw, tree, nodes: columnsOf(tree) }
}

const num = (x: bigint | number | undefined): number | undefined => (x === undefined ? undefined : Number(x))

/** The public metadata view of a footer. */
export const describeFooter = (f: Footer): ParquetMetadata => {
  const kv: Record<string, string> = {}
  for (const e of f.raw.key_value_metadata ?? []) kv[e.key] = e.value ?? ""
  return {
    numRows: Number(f.raw.num_rows),
    createdBy: f.raw.created_by,
    version: f.raw.version,
    schema: fieldsOf(f.nodes),
    keyValueMetadata: kv,
    rowGroups: f.raw.row_groups.map((rg) => ({
      numRows: Number(rg.num_rows),
      totalByteSize: Number(rg.total_byte_size),
      columns: rg.columns.map((c): ColumnChunkInfo => {
        const md = c.meta_data!
        const s = md.statistics
        let statistics: ColumnStatistics | undefined
        if (s !== undefined) {
          const st: { -readonly [K in keyof ColumnStatistics]: ColumnStatistics[K] } = {}
          const min = s.min_value ?? s.min
          const max = s.max_value ?? s.max
          if (min !== undefined) st.min = min
          if (max !== undefined) st.max = max
          const nc = num(s.null_count)
          if (nc !== undefined) st.nullCount = nc
          const dc = num(s.distinct_count)
          if (dc !== undefined) st.distinctCount = dc
          statistics = st
        }
        return {
          path: md.path_in_schema,
          physicalType: md.type,
          codec: md.codec,
          encodings: md.encodings ?? [],
          numValues: Number(md.num_values),
          compressedSize: Number(md.total_compressed_size),
          uncompressedSize: Number(md.total_uncompressed_size),
          statistics
        }
      })
    }))
  }
}
