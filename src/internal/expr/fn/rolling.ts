/** Function family "rolling" (registers into ../registry.ts). @internal */
export {}
