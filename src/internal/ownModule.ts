/**
 * The URL of another module of this package that a worker thread loads by URL (the decode worker's script, the
 * aggregation module), from the URL of the module asking (`import.meta.url`): beside it when running from the
 * TypeScript sources (`src/`), or at its path under the build's `dist/` (the build bundles the modules into
 * shared chunks, so the asking module is no longer beside it).
 * @internal
 */
export const ownModule = (here: string, besideInSources: string, distPath: string): URL => {
  if (here.endsWith(".ts")) return new URL(besideInSources, here)
  const dist = here.lastIndexOf("/dist/")
  return dist >= 0 ? new URL(`${here.slice(0, dist + 6)}${distPath}`) : new URL(besideInSources.replace(/\.ts$/, ".js"), here)
}
