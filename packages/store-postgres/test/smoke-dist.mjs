// Loads the built package the way users will, through its exports map (ESM and CJS), and checks
// that the built code runs: the store refuses bad options before connecting, and a store on a
// handed-over pool closes without touching it. No database is needed.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const esm = await import('@revokit/store-postgres')
const cjs = createRequire(import.meta.url)('@revokit/store-postgres')

for (const [format, { postgresStore, PostgresStoreError }] of [
  ['esm', esm],
  ['cjs', cjs],
]) {
  assert.throws(() => postgresStore({ url: 'mysql://x' }), TypeError, format)
  let queried = 0
  const pool = {
    connect: () =>
      Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    query: () => {
      queried++
      return Promise.reject(new Error('not used'))
    },
    end: () => assert.fail('a handed-over pool must not be ended'),
  }
  const store = postgresStore({ pool })
  await assert.rejects(store.ready(), PostgresStoreError, format)
  await store.close()
  assert.equal(queried, 0, format)
}
console.log('dist smoke test: ESM and CJS builds load, refuse bad options and leave a handed-over pool alone')
