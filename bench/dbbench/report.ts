/**
 * Renders one suite run as a Markdown section and merges it into `bench/RESULTS.md`, which keeps one section per N
 * (a new run at the same N replaces that section; the others stay).
 */
import type { EngineName } from "./engine.ts"
import { byTask, type Question, type Task } from "./questions.ts"
import type { QuestionResult, WorkerResult } from "./worker.ts"

export interface RunMeta {
  readonly n: number
  readonly size: string
  readonly date: string
  readonly machine: { readonly nproc: number; readonly cpu: string; readonly ramGb: number; readonly os: string }
  readonly node: string
  readonly polaroid: string
  readonly data: ReadonlyArray<string>
  readonly runs: number
  readonly wallSeconds: number
  /** 1-minute load averages sampled at the start of every worker (other processes compete for the cores). */
  readonly loadAvg: ReadonlyArray<number>
}

/** Relative tolerance of checksum comparisons (floating-point sums in different orders). */
export const TOLERANCE = 1e-8

export const PEERS: ReadonlyArray<EngineName> = ["duckdb", "polars", "arquero"]
export const SUBJECT: EngineName = "polaroid"

const best = (q: QuestionResult | undefined): number | undefined =>
  q === undefined || q.error !== undefined || q.times.length === 0 ? undefined : Math.min(...q.times)

const close = (a: number, b: number): boolean =>
  a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b))

/** Why `r` disagrees with the reference `ref` (undefined when it agrees or cannot be compared). */
export const mismatch = (r: QuestionResult, ref: QuestionResult | undefined): string | undefined => {
  if (ref === undefined || ref.error !== undefined || ref.rows === undefined || r.rows === undefined) return undefined
  const out: Array<string> = []
  if (r.rows !== ref.rows) out.push(`rows ${r.rows} ≠ ${ref.rows}`)
  const a = r.chk ?? []
  const b = ref.chk ?? []
  for (let i = 0; i < b.length; i++)
    if (a[i] === undefined || !close(num(a[i])!, num(b[i])!)) out.push(`chk[${i}] ${fmtNum(a[i])} ≠ ${fmtNum(b[i])}`)
  return out.length === 0 ? undefined : out.join(", ")
}

/** JSON turns NaN and ±Infinity into null: read null as NaN. */
const num = (x: number | null | undefined): number | undefined => (x === null ? Number.NaN : x)

const fmtNum = (x: number | null | undefined): string =>
  x === undefined ? "—" : x === null || Number.isNaN(x) ? "NaN" : Number.isInteger(x) ? String(x) : x.toPrecision(12).replace(/\.?0+$/, "")
const fmtS = (ms: number): string => (ms / 1000).toFixed(3)
const esc = (s: string): string => s.replaceAll("|", "\\|")

interface Cell {
  readonly text: string
  /** Best time when the answer is valid (no error, agrees with DuckDB). */
  readonly ms: number | undefined
}

const cell = (
  engine: string,
  r: WorkerResult | undefined,
  q: Question,
  ref: QuestionResult | undefined,
  runs: number
): Cell => {
  if (r === undefined) return { text: "not run", ms: undefined }
  if (r.skipped !== undefined) return { text: "skipped", ms: undefined }
  if (r.loadError !== undefined) return { text: `error: load: ${esc(r.loadError)}`, ms: undefined }
  const qr = r.questions.find((x) => x.id === q.id)
  if (qr === undefined)
    return { text: r.done ? "not run" : `error: ${r.exitReason ?? "worker died"} before this question`, ms: undefined }
  if (qr.error !== undefined) return { text: `error: ${esc(qr.error)}`, ms: undefined }
  const ms = best(qr)
  if (ms === undefined) return { text: "error: no completed run", ms: undefined }
  const notes: Array<string> = []
  if (qr.times.length < runs) notes.push(`${qr.times.length} run${qr.times.length === 1 ? "" : "s"}`)
  const bad = engine === "duckdb" ? undefined : mismatch(qr, ref)
  if (bad !== undefined) return { text: `${fmtS(ms)} ✗ MISMATCH (${esc(bad)})`, ms: undefined }
  return { text: notes.length === 0 ? fmtS(ms) : `${fmtS(ms)} (${notes.join(", ")})`, ms }
}

const ratio = (subject: number | undefined, peers: ReadonlyArray<number | undefined>): string => {
  const ps = peers.filter((p): p is number => p !== undefined)
  if (subject === undefined || ps.length === 0) return "—"
  const r = subject / Math.min(...ps)
  return r > 2 ? `**${r.toFixed(2)}**` : r.toFixed(2)
}

export const renderTask = (
  task: Task,
  engines: ReadonlyArray<EngineName>,
  results: ReadonlyArray<WorkerResult>,
  runs: number
): string => {
  const byEngine = new Map(results.filter((r) => r.task === task).map((r) => [r.engine, r]))
  const ref = byEngine.get("duckdb")
  const qs = byTask(task)
  const peers = engines.filter((e) => e !== SUBJECT)
  const lines: Array<string> = []
  lines.push(`| question | ${engines.join(" | ")} | ${SUBJECT} ÷ best peer | rows (DuckDB) | checksum (DuckDB) |`)
  lines.push(`| --- | ${engines.map(() => "---:").join(" | ")} | ---: | ---: | --- |`)
  const totals = new Map<string, { ms: number; missing: number }>(engines.map((e) => [e, { ms: 0, missing: 0 }]))
  for (const q of qs) {
    const refQ = ref?.questions.find((x) => x.id === q.id)
    const cells = engines.map((e) => cell(e, byEngine.get(e), q, refQ, runs))
    cells.forEach((c, i) => {
      const t = totals.get(engines[i]!)!
      if (c.ms === undefined) t.missing++
      else t.ms += c.ms
    })
    const subj = cells[engines.indexOf(SUBJECT)]?.ms
    const peerMs = peers.map((p) => cells[engines.indexOf(p)]!.ms)
    const refText = refQ?.rows === undefined ? "—" : String(refQ.rows)
    const chkText = refQ?.chk === undefined ? "—" : refQ.chk.map(fmtNum).join(", ")
    lines.push(
      `| q${q.q} ${q.title} | ${cells.map((c) => c.text).join(" | ")} | ${engines.includes(SUBJECT) ? ratio(subj, peerMs) : "—"} | ${refText} | ${chkText} |`
    )
  }
  const totalCells = engines.map((e) => {
    if (byEngine.get(e)?.skipped !== undefined) return "skipped"
    const t = totals.get(e)!
    return t.missing === 0 ? fmtS(t.ms) : `${fmtS(t.ms)} (${t.missing} missing)`
  })
  const complete = (e: string) => (totals.get(e)!.missing === 0 ? totals.get(e)!.ms : undefined)
  lines.push(
    `| **total q1–q${qs.length}** | ${totalCells.map((c) => `**${c}**`).join(" | ")} | ${engines.includes(SUBJECT) ? ratio(complete(SUBJECT), peers.map(complete)) : "—"} | | |`
  )
  return lines.join("\n")
}

const allMismatches = (results: ReadonlyArray<WorkerResult>): Array<string> => {
  const out: Array<string> = []
  for (const r of results) {
    if (r.engine === "duckdb") continue
    const ref = results.find((x) => x.engine === "duckdb" && x.task === r.task)
    for (const q of r.questions) {
      const bad = mismatch(q, ref?.questions.find((x) => x.id === q.id))
      if (bad !== undefined) out.push(`- ${r.engine} ${q.id}: ${bad}`)
    }
  }
  return out
}

const mb = (x: number | undefined): string => (x === undefined ? "—" : `${Math.round(x)}`)

export const renderRun = (
  meta: RunMeta,
  engines: ReadonlyArray<EngineName>,
  tasks: ReadonlyArray<Task>,
  results: ReadonlyArray<WorkerResult>
): string => {
  const get = (e: string, t: Task) => results.find((r) => r.engine === e && r.task === t)
  const out: Array<string> = []
  out.push(`## N = ${meta.size}`)
  out.push("")
  out.push(`Run ${meta.date}, ${meta.wallSeconds.toFixed(0)} s wall for the whole suite (data cached or generated, every engine, ${meta.runs} run${meta.runs === 1 ? "" : "s"} per question).`)
  out.push("")
  // The suite itself keeps up to `nproc` threads busy; more than that means other processes were running.
  const maxLoad = Math.max(...meta.loadAvg)
  const busy = maxLoad > meta.machine.nproc * 1.5
  out.push(
    `- Load average (1 min) when each engine started: min ${Math.min(...meta.loadAvg).toFixed(2)}, max ${maxLoad.toFixed(2)}${busy ? " — **other processes were competing for the cores: times are inflated and noisy**" : ""}`
  )
  out.push(`- Machine: ${meta.machine.nproc} cores (\`nproc\`), ${meta.machine.cpu}, ${meta.machine.ramGb.toFixed(1)} GB RAM, ${meta.machine.os}`)
  out.push(`- Node ${meta.node}; polaroid ${meta.polaroid}`)
  for (const e of engines) {
    const v = results.find((r) => r.engine === e && r.version !== "")?.version
    if (v !== undefined && e !== "polaroid") out.push(`- ${e}: ${v}`)
    if (v !== undefined && e === "polaroid") out.push(`- polaroid setup: ${v.replace(/^polaroid \(|\)$/g, "")}`)
  }
  out.push(`- Data: ${meta.data.join(", ")}`)
  out.push("")
  out.push("Load (read the Parquet files into the engine's in-memory tables, incl. the benchmark's ENUM/Categorical casts), seconds:")
  out.push("")
  out.push(`| task | ${engines.join(" | ")} |`)
  out.push(`| --- | ${engines.map(() => "---:").join(" | ")} |`)
  for (const t of tasks)
    out.push(
      `| ${t} | ${engines
        .map((e) => {
          const r = get(e, t)
          if (r === undefined) return "not run"
          if (r.skipped !== undefined) return "skipped"
          if (r.loadError !== undefined) return `error: ${esc(r.loadError)}`
          return r.loadMs === undefined ? "error: worker died" : fmtS(r.loadMs)
        })
        .join(" | ")} |`
    )
  for (const t of tasks) {
    out.push("")
    out.push(`### ${t}: best of ${meta.runs} run${meta.runs === 1 ? "" : "s"}, seconds`)
    out.push("")
    out.push(renderTask(t, engines, results, meta.runs))
  }
  out.push("")
  out.push("Peak RSS of each engine's process (getrusage max RSS: Node runtime + loaded tables + every question), MB:")
  out.push("")
  out.push(`| task | ${engines.join(" | ")} | ${SUBJECT} ÷ duckdb |`)
  out.push(`| --- | ${engines.map(() => "---:").join(" | ")} | ---: |`)
  for (const t of tasks) {
    const s = get(SUBJECT, t)?.peakRssMb
    const d = get("duckdb", t)?.peakRssMb
    out.push(
      `| ${t} | ${engines.map((e) => mb(get(e, t)?.peakRssMb)).join(" | ")} | ${s !== undefined && d !== undefined ? (s / d).toFixed(2) : "—"} |`
    )
  }
  out.push("")
  for (const r of results.filter((x) => x.skipped !== undefined && x.task === tasks[0]))
    out.push(`${r.engine}: ${r.skipped}.\n`)
  const bad = allMismatches(results)
  out.push(
    bad.length === 0
      ? `Checks: every answer agrees with DuckDB's (row count, and each checksum within a relative ${TOLERANCE}).`
      : `Checks: **${bad.length} answer(s) disagree with DuckDB's**:\n\n${bad.join("\n")}`
  )
  return out.join("\n")
}

const HEADER = `# Benchmarks

The db-benchmark ("database-like ops benchmark", h2oai → duckdblabs) groupby and join questions, polaroid against
its peers in the same run on the same machine. Generated by \`npm run bench -- --size <N>\` (see \`bench/dbbench/\`);
each \`## N = …\` section below is replaced by the next run at that N.

How it is measured:

- Data: \`bench/dbbench/gen.ts\`, a deterministic seeded generator following \`groupby-datagen.R\` (G1_N_1e2_0_0:
  K = 100, no NAs, unsorted) and \`join-datagen.R\` (x, small, medium, big), written as snappy Parquet by DuckDB and
  cached in \`bench/data/\`. Same distributions as the R scripts, not the same values (R's Mersenne Twister is not
  reproduced), so checksums differ from published db-benchmark results.
- Questions: groupby q1–q10 and join q1–q5 exactly as the benchmark defines them (\`bench/dbbench/questions.ts\`
  holds DuckDB's SQL; the other engines' translations are in \`bench/dbbench/<engine>.ts\`).
- Each engine runs in its own child process: it loads the Parquet files into memory first (reported as load time),
  then runs each question 3 times (GC before each run; a run over 10 s is not repeated) and the minimum is reported.
  A result counts as answered when it is fully materialized (DuckDB: \`CREATE TEMP TABLE ans AS …\`). arquero is
  skipped above N = 2e6 unless named in \`--engines\` (at 1e7 it needs minutes per question and ~9 GB).
- Every answer is checked against DuckDB's: row count, and the benchmark's checksum (sum of each numeric result
  column) within a relative 1e-8. A mismatch is shown in the table; a failing question shows \`error: …\`.
- "polaroid ÷ best peer" is polaroid's time over the fastest valid peer answer (bold when above 2).
- Peers: DuckDB via \`@duckdb/node-api\` with \`SET threads = 2\`; nodejs-polars (\`POLARS_MAX_THREADS=2\`, i.e. both cores);
  arquero 7 (single-threaded JS). polaroid through its public API only (\`Source.readParquet\`, \`Frame\`, \`Expr\`).

Deviations and workarounds:

- DuckDB: v3 is DOUBLE (the benchmark's DuckDB script declares FLOAT) so every engine sums the same values;
  id1/id2 (groupby) and id4/id5 (join) are ENUMs as in the benchmark's DuckDB solution.
- nodejs-polars has no \`top_k\` expression: q8 is \`col("v3").sort({ descending: true }).head(2)\` per group, then
  \`explode\` (the benchmark's earlier polars solution). String ids are cast to Categorical at load, as the
  benchmark's polars solution does.
- arquero cannot read Parquet: tables come through parquet-wasm → Arrow IPC → \`aq.fromArrow\` (string columns Utf8).
- polaroid: string ids are cast to Categorical at load (like polars). q8 is
  \`col("v3").topK(2)\` per id6 group then \`explode\`, as the polars solution's \`top_k\`. q9 has no \`corr\`: r² is computed in
  one aggregation expression from group means, cov = mean(v1·v2) − mean(v1)·mean(v2), var = mean(v²) − mean(v)².
`

const begin = (size: string) => `<!-- dbbench:${size}:begin -->`
const end = (size: string) => `<!-- dbbench:${size}:end -->`

/** `existing` (the current RESULTS.md, possibly empty) with the section for `n` replaced or added, sorted by N. */
export const merge = (existing: string, n: number, size: string, section: string): string => {
  const sections = new Map<number, { size: string; body: string }>()
  const re = /<!-- dbbench:([^:]+):begin -->\n([\s\S]*?)\n<!-- dbbench:\1:end -->/g
  for (const m of existing.matchAll(re)) sections.set(Number(m[1]), { size: m[1]!, body: m[2]! })
  sections.set(n, { size, body: section })
  const ordered = [...sections.entries()].sort((a, b) => a[0] - b[0])
  // Other suites' results (time series, streaming) live after the EXTRA marker and are kept as they are.
  const at = existing.indexOf(EXTRA)
  const extra = at >= 0 ? `\n${existing.slice(at).trimEnd()}\n` : ""
  return `${HEADER}\n${ordered.map(([, s]) => `${begin(s.size)}\n${s.body}\n${end(s.size)}`).join("\n\n")}\n${extra}`
}

/** Marks the start of the sections written by the other bench scripts, which `merge` preserves. */
export const EXTRA = "<!-- other-suites -->"
