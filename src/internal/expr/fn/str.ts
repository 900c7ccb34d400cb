/** Function family "str" (registers into ../registry.ts). @internal */
export {}
