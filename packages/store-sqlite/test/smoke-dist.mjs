// Loads the built package the way users will, through its exports map (ESM and CJS), and does one
// round trip: publint and attw check the package's shape, this checks that the built code runs
// (a build that rewrote `node:sqlite` to `sqlite` passed both and failed here).
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const esm = await import('@revokit/store-sqlite')
const cjs = createRequire(import.meta.url)('@revokit/store-sqlite')

for (const [format, { sqliteStore }] of [
  ['esm', esm],
  ['cjs', cjs],
]) {
  const store = sqliteStore({ path: ':memory:' })
  const at = new Date().toISOString()
  const record = {
    id: 'ca_smokesmoke12',
    projectId: 'default',
    userId: 'u',
    toolkit: 'test',
    status: 'ACTIVE',
    credentials: { access_token: 'fake-smoke' },
    revokedSubjects: [],
    pendingSubjects: [],
    createdAt: at,
    updatedAt: at,
    version: 1,
    claim: null,
    lastFailedRevoke: null,
  }
  assert.equal(await store.insert(record, []), true, format)
  assert.deepEqual(await store.get(record.id), record, format)
  await store.close()
}
console.log('dist smoke test: ESM and CJS builds load and round-trip a record')
