/**
 * The package's JavaScript (`npm run build`; `tsc --emitDeclarationOnly` writes the declarations): every public
 * module (`src/index.ts`, `src/{Frame,Expr,Stream,TimeSeries,Source,Testing}/*.ts`, the paths package.json exports)
 * and the two modules the decode workers load by URL, bundled with their internals into a few shared chunks under
 * `dist/internal/chunks/`. One module graph of ~110 files took an application ~80 ms to load (resolution, one file
 * read and compile each); bundled, ~40 ms (bench/RESULTS.md). Dependencies stay external. Every module is kept with
 * its side effects (the expression functions register themselves on import).
 */
import { readdirSync } from "node:fs"

const input = { index: "src/index.ts" }
for (const dir of ["Frame", "Expr", "Stream", "TimeSeries", "Source", "Testing"])
  for (const f of readdirSync(`src/${dir}`)) if (f.endsWith(".ts")) input[`${dir}/${f.slice(0, -3)}`] = `src/${dir}/${f}`
// loaded by the decode workers from their URLs (see src/internal/ownModule.ts)
input["internal/parquet/worker"] = "src/internal/parquet/worker.ts"
input["internal/stream/exec/partialAgg"] = "src/internal/stream/exec/partialAgg.ts"

export default {
  input,
  platform: "node",
  external: (id) => !id.startsWith(".") && !id.startsWith("/"),
  treeshake: { moduleSideEffects: true },
  output: { dir: "dist", format: "esm", sourcemap: true, entryFileNames: "[name].js", chunkFileNames: "internal/chunks/[name]-[hash].js" }
}
