import { join } from 'node:path'
import { postgresAvailability, TEST_DATABASE_URL, testSchemas } from '@revokit/presets/postgres'

const schemaName = testSchemas()
// Skipped, with a line saying why, where no PostgreSQL runs; a failure on CI.
const postgres = await postgresAvailability()
if (!postgres.run) console.warn(postgres.message)

// The store kinds the HTTP suites run against. Each entry is a config "store" value; `dir` is a
// fresh temporary directory for file-backed stores, and each postgres store gets a fresh schema.
export const STORE_KINDS: { name: string; config: (dir: string) => Record<string, unknown> }[] = [
  { name: 'memory', config: () => ({ kind: 'memory' }) },
  { name: 'sqlite', config: (dir) => ({ kind: 'sqlite', path: join(dir, 'revokit.db') }) },
  ...(postgres.run
    ? [
        {
          name: 'postgres',
          config: () => ({ kind: 'postgres', url: TEST_DATABASE_URL, schema: schemaName() }),
        },
      ]
    : []),
]
