/** Function family "along" (registers into ../registry.ts). @internal */
export {}
