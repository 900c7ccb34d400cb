/** Function family "ewm" (registers into ../registry.ts). @internal */
export {}
