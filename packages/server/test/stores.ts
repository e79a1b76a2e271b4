// The store kinds the HTTP suites run against. Each entry is a config "store" value; `dir` is a
// fresh temporary directory for file-backed stores.
//
// INTEGRATOR: once @revokit/store-sqlite is registered in src/kinds.ts, add
//   { name: 'sqlite', config: (dir) => ({ kind: 'sqlite', path: join(dir, 'revokit.db') }) },
export const STORE_KINDS: { name: string; config: (dir: string) => Record<string, unknown> }[] = [
  { name: 'memory', config: () => ({ kind: 'memory' }) },
]
