import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { type Child, startChild as start } from '@revokit/presets/child'
import { TEST_DATABASE_URL } from '@revokit/presets/postgres'

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))

export type { Child }

/** Starts `test/children/<name>.ts` in a real Node process on the test database's `schema`. */
export function startChild(name: string, schema: string, env: Record<string, string>): Child {
  return start(fileURLToPath(new URL(`children/${name}.ts`, import.meta.url)), {
    cwd: PACKAGE_DIR,
    env: { REVOKIT_PG_URL: TEST_DATABASE_URL, REVOKIT_PG_SCHEMA: schema, ...env },
  })
}

/** An obvious fake token, unique so a search cannot match anything else. */
export function fakeSecret(label = 'secret'): string {
  return `fake-${label}-${randomBytes(12).toString('hex')}`
}
