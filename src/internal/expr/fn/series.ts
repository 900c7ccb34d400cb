/** Function family "series" (registers into ../registry.ts). @internal */
export {}
