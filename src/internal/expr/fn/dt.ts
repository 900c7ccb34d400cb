/** Function family "dt" (registers into ../registry.ts). @internal */
export {}
