/**
 * Deterministic, seeded generator of the db-benchmark ("database-like ops benchmark", h2oai → duckdblabs) tables,
 * written as snappy Parquet by DuckDB and cached under `bench/data/dbbench/<version>/` keyed by N.
 *
 * groupby table G1_<N>_1e2_0_0 (K = 100, no NAs, random order), as `_data/groupby-datagen.R`:
 *   id1, id2  Utf8  sample(sprintf("id%03d", 1:K), N, TRUE)        "id001".."id100"
 *   id3       Utf8  sample(sprintf("id%010d", 1:(N/K)), N, TRUE)   "id0000000001".."id{N/K, 10 digits}"
 *   id4, id5  Int32 sample(K, N, TRUE)                             1..100
 *   id6       Int32 sample(N/K, N, TRUE)                           1..N/K
 *   v1        Int32 sample(5, N, TRUE)                             1..5
 *   v2        Int32 sample(15, N, TRUE)                            1..15
 *   v3        Float64 round(runif(N, max = 100), 6)               [0, 100), 6 decimals
 *
 * join tables J1_<N>_NA_0_0 (x), J1_<N>_<N/1e6>_0_0 (small), J1_<N>_<N/1e3>_0_0 (medium), J1_<N>_<N>_0_0 (big),
 * as `_data/join-datagen.R`: for each key level n ∈ {N/1e6, N/1e3, N} a random permutation of 1..1.1·n is split
 * into keys common to both sides (0.9·n), left-only (0.1·n) and right-only (0.1·n); every table samples its keys
 * with `sample_all` (each key of its side at least once, the rest drawn with replacement, then shuffled), so the
 * left table x has exactly N/1e6, N/1e3 and N distinct id1, id2, id3 and each right table exactly its row count of
 * distinct join keys. id4/id5/id6 are "id" followed by id1/id2/id3 (sprintf("id%.0f")); v1, v2 = round(runif·100, 6).
 *   x      N rows      id1 id2 id3 (Int32) id4 id5 id6 (Utf8) v1 (Float64)
 *   small  N/1e6 rows  id1 (Int32) id4 (Utf8) v2 (Float64)
 *   medium N/1e3 rows  id1 id2 (Int32) id4 id5 (Utf8) v2 (Float64)
 *   big    N rows      id1 id2 id3 (Int32) id4 id5 id6 (Utf8) v2 (Float64)
 * (R's generator requires N ≥ 1e7; below that small has max(1, N/1e6) rows and key sets are rounded.)
 *
 * Randomness: R's Mersenne Twister cannot be reproduced cheaply, so the values differ from the R files but follow
 * the same distributions. Each column draws from its own sfc32 stream (Chris Doty-Humphrey's small fast counting
 * generator, 32-bit, passes PractRand) seeded through splitmix32 from (108 — the R script's `set.seed(108)` — and
 * a stream number), so any column can be regenerated alone and every run on every machine gives the same bytes.
 * Integers are generated in JS typed arrays, written as integer CSV, and DuckDB formats the id strings and writes
 * the Parquet file (DuckDB's default row groups of 122,880 rows; insertion order preserved).
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs"
import * as path from "node:path"

/** Bump when the generated data changes (invalidates the cache). */
export const GENERATOR_VERSION = "v1"
export const SEED = 108

export const dataDir = (root: string): string => path.join(root, "data", "dbbench", GENERATOR_VERSION)

/** R's pretty_sci: 1e6 → "1e6", 1 → "1e0", 2e6 → "2e6". */
export const prettySci = (x: number): string => {
  const e = Math.floor(Math.log10(x) + 1e-9)
  const m = Math.round(x / 10 ** e)
  return `${m}e${e}`
}

/** Parses "1e6", "1000000", "1_000_000". */
export const parseSize = (s: string): number => {
  const n = Number(s.replaceAll("_", ""))
  if (!Number.isInteger(n) || n < 1000) throw new Error(`--size must be an integer ≥ 1000, got "${s}"`)
  return n
}

// ---------------------------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------------------------

const splitmix32 = (state: { s: number }): number => {
  let z = (state.s = (state.s + 0x9e3779b9) | 0)
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** A seeded sfc32 stream: `next()` gives a uint32, `int(m)` 0..m-1, `unif()` [0, 1) with 53 random bits. */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  constructor(seed: number, stream: number) {
    const st = { s: Math.imul(seed, 0x27d4eb2f) ^ Math.imul(stream + 1, 0x165667b1) }
    this.a = splitmix32(st)
    this.b = splitmix32(st)
    this.c = splitmix32(st)
    this.d = 1
    for (let i = 0; i < 16; i++) this.next()
  }
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }
  /** Uniform integer in 0..m-1 (m ≤ 2^32; multiply-shift, bias < m / 2^32). */
  int(m: number): number {
    return Math.floor((this.next() * m) / 4294967296)
  }
  unif(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) / 9007199254740992
  }
}

/** R's sample(m, n, TRUE): n draws from 1..m. */
const sampleInts = (rng: Rng, m: number, n: number): Int32Array => {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = 1 + rng.int(m)
  return out
}

/** round(runif(n, max = 100), 6). */
const runif100 = (rng: Rng, n: number): Float64Array => {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.round(rng.unif() * 1e8) / 1e6
  return out
}

const shuffle = (rng: Rng, a: Int32Array): Int32Array => {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = a[i]!
    a[i] = a[j]!
    a[j] = t
  }
  return a
}

/** join-datagen's split_xlr(n): a permutation of 1..1.1n split into common (0.9n), left (0.1n), right (0.1n). */
const splitXlr = (rng: Rng, n: number): { x: Int32Array; l: Int32Array; r: Int32Array } => {
  const total = Math.round(n * 1.1)
  const key = new Int32Array(total)
  for (let i = 0; i < total; i++) key[i] = i + 1
  shuffle(rng, key)
  const nx = Math.max(1, Math.round(n * 0.9))
  return { x: key.subarray(0, nx), l: key.subarray(nx, n), r: key.subarray(n, total) }
}

/** join-datagen's sample_all(keys, size): every key once, the rest drawn with replacement, shuffled. */
const sampleAll = (rng: Rng, keys: Int32Array, size: number): Int32Array => {
  if (keys.length > size) throw new Error(`sample_all: ${keys.length} keys > ${size} rows`)
  const out = new Int32Array(size)
  out.set(keys)
  for (let i = keys.length; i < size; i++) out[i] = keys[rng.int(keys.length)]!
  return shuffle(rng, out)
}

const cat = (a: Int32Array, b: Int32Array): Int32Array => {
  const out = new Int32Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// writing
// ---------------------------------------------------------------------------------------------------------------

type NumCol = Int32Array | Float64Array

/** Writes numeric columns as header-less CSV (JS number text round-trips doubles exactly). */
const writeCsv = (file: string, cols: ReadonlyArray<NumCol>): void => {
  const fd = openSync(file, "w")
  try {
    const n = cols[0]!.length
    const chunk = 65536
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk)
      const lines = new Array<string>(e - s)
      for (let i = s; i < e; i++) {
        let line = String(cols[0]![i])
        for (let j = 1; j < cols.length; j++) line += "," + cols[j]![i]
        lines[i - s] = line
      }
      writeSync(fd, lines.join("\n") + "\n")
    }
  } finally {
    closeSync(fd)
  }
}

/**
 * Runs `COPY (SELECT <select> FROM read_csv(tmp)) TO <file>` after writing `cols` to a temporary CSV with the
 * given column names and DuckDB types; the Parquet file appears atomically (written beside it, then renamed).
 */
const toParquet = async (
  db: Awaited<ReturnType<Awaited<ReturnType<typeof DuckDBInstance.create>>["connect"]>>,
  file: string,
  names: ReadonlyArray<string>,
  types: ReadonlyArray<string>,
  cols: ReadonlyArray<NumCol>,
  select: string
): Promise<void> => {
  const csv = `${file}.tmp.csv`
  const tmp = `${file}.tmp`
  writeCsv(csv, cols)
  const spec = names.map((n, i) => `'${n}': '${types[i]}'`).join(", ")
  await db.run(
    `COPY (SELECT ${select} FROM read_csv('${csv}', header = false, delim = ',', columns = {${spec}}))
     TO '${tmp}' (FORMAT parquet, COMPRESSION snappy)`
  )
  rmSync(csv)
  renameSync(tmp, file)
}

export interface GroupbyFiles {
  readonly name: string
  readonly x: string
}

export interface JoinFiles {
  readonly name: string
  readonly x: string
  readonly small: string
  readonly medium: string
  readonly big: string
}

export const groupbyName = (n: number): string => `G1_${prettySci(n)}_1e2_0_0`
export const joinNames = (n: number) => {
  const x = `J1_${prettySci(n)}_NA_0_0`
  return {
    x,
    small: x.replace("NA", prettySci(Math.max(1, Math.round(n / 1e6)))),
    medium: x.replace("NA", prettySci(Math.max(1, Math.round(n / 1e3)))),
    big: x.replace("NA", prettySci(n))
  }
}

const openDb = async () => (await DuckDBInstance.create(":memory:", { threads: "2" })).connect()

/** The groupby table for N rows (generated on first use). */
export const groupbyData = async (root: string, n: number, log: (s: string) => void = () => {}): Promise<GroupbyFiles> => {
  const dir = dataDir(root)
  const name = groupbyName(n)
  const x = path.join(dir, `${name}.parquet`)
  if (existsSync(x)) return { name, x }
  mkdirSync(dir, { recursive: true })
  const K = 100
  const nk = Math.max(1, Math.round(n / K))
  const t0 = performance.now()
  log(`generating ${name} …`)
  const s = (stream: number) => new Rng(SEED, stream)
  const cols = [
    sampleInts(s(1), K, n),
    sampleInts(s(2), K, n),
    sampleInts(s(3), nk, n),
    sampleInts(s(4), K, n),
    sampleInts(s(5), K, n),
    sampleInts(s(6), nk, n),
    sampleInts(s(7), 5, n),
    sampleInts(s(8), 15, n),
    runif100(s(9), n)
  ]
  const names = ["k1", "k2", "k3", "id4", "id5", "id6", "v1", "v2", "v3"]
  const types = ["INTEGER", "INTEGER", "INTEGER", "INTEGER", "INTEGER", "INTEGER", "INTEGER", "INTEGER", "DOUBLE"]
  const db = await openDb()
  await toParquet(
    db,
    x,
    names,
    types,
    cols,
    `'id' || lpad(k1::VARCHAR, 3, '0') AS id1, 'id' || lpad(k2::VARCHAR, 3, '0') AS id2,
     'id' || lpad(k3::VARCHAR, 10, '0') AS id3, id4, id5, id6, v1, v2, v3`
  )
  db.closeSync()
  log(`generated ${name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return { name, x }
}

/** The four join tables for N rows (generated on first use). */
export const joinData = async (root: string, n: number, log: (s: string) => void = () => {}): Promise<JoinFiles> => {
  const dir = dataDir(root)
  const names = joinNames(n)
  const files = {
    name: names.x,
    x: path.join(dir, `${names.x}.parquet`),
    small: path.join(dir, `${names.small}.parquet`),
    medium: path.join(dir, `${names.medium}.parquet`),
    big: path.join(dir, `${names.big}.parquet`)
  }
  if ([files.x, files.small, files.medium, files.big].every((f) => existsSync(f))) return files
  mkdirSync(dir, { recursive: true })
  const t0 = performance.now()
  log(`generating ${names.x} and its right tables …`)
  const n1 = Math.max(1, Math.round(n / 1e6))
  const n2 = Math.max(1, Math.round(n / 1e3))
  const rng = new Rng(SEED, 100)
  const key1 = splitXlr(rng, n1)
  const key2 = splitXlr(rng, n2)
  const key3 = splitXlr(rng, n)
  const lhs = (k: { x: Int32Array; l: Int32Array }) => cat(k.x, k.l)
  const rhs = (k: { x: Int32Array; r: Int32Array }) => cat(k.x, k.r)
  const db = await openDb()
  // The select lists put id1..idk first, then id(k+3).., then the value (setcolorder in write_batches).
  const selectCols = (k: number, v: string) => {
    const a = ["id1", "id2", "id3"].slice(0, k)
    const b = a.map((c, i) => `'id' || ${c}::VARCHAR AS id${i + 4}`)
    return [...a, ...b, v].join(", ")
  }
  {
    const cols = [
      sampleAll(new Rng(SEED, 101), lhs(key1), n),
      sampleAll(new Rng(SEED, 102), lhs(key2), n),
      sampleAll(new Rng(SEED, 103), lhs(key3), n),
      runif100(new Rng(SEED, 104), n)
    ]
    await toParquet(db, files.x, ["id1", "id2", "id3", "v1"], ["INTEGER", "INTEGER", "INTEGER", "DOUBLE"], cols, selectCols(3, "v1"))
  }
  {
    const cols = [sampleAll(new Rng(SEED, 111), rhs(key1), n1), runif100(new Rng(SEED, 114), n1)]
    await toParquet(db, files.small, ["id1", "v2"], ["INTEGER", "DOUBLE"], cols, selectCols(1, "v2"))
  }
  {
    const cols = [
      sampleAll(new Rng(SEED, 121), rhs(key1), n2),
      sampleAll(new Rng(SEED, 122), rhs(key2), n2),
      runif100(new Rng(SEED, 124), n2)
    ]
    await toParquet(db, files.medium, ["id1", "id2", "v2"], ["INTEGER", "INTEGER", "DOUBLE"], cols, selectCols(2, "v2"))
  }
  {
    const cols = [
      sampleAll(new Rng(SEED, 131), rhs(key1), n),
      sampleAll(new Rng(SEED, 132), rhs(key2), n),
      sampleAll(new Rng(SEED, 133), rhs(key3), n),
      runif100(new Rng(SEED, 134), n)
    ]
    await toParquet(db, files.big, ["id1", "id2", "id3", "v2"], ["INTEGER", "INTEGER", "INTEGER", "DOUBLE"], cols, selectCols(3, "v2"))
  }
  db.closeSync()
  log(`generated ${names.x} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return files
}
