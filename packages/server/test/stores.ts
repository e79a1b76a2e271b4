import { join } from 'node:path'

// The store kinds the HTTP suites run against. Each entry is a config "store" value; `dir` is a
// fresh temporary directory for file-backed stores.
export const STORE_KINDS: { name: string; config: (dir: string) => Record<string, unknown> }[] = [
  { name: 'memory', config: () => ({ kind: 'memory' }) },
  { name: 'sqlite', config: (dir) => ({ kind: 'sqlite', path: join(dir, 'revokit.db') }) },
]
