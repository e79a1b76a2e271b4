import type { Store } from '@revokit/core'
import { storeConformance } from '@revokit/core/testing'
import { describePostgres, dropSchemas, newSchemaName, TEST_DATABASE_URL } from '@revokit/presets/postgres'
import { it } from 'vitest'
import { type PostgresStore, postgresStore } from './postgres-store'

const POOL_SIZE = 6

/**
 * Migrated, with every connection of its pool open, as an instance is once it has served a
 * while. Opening a connection here takes 40–90 ms, longer than the 30 ms a case's fake provider
 * takes to answer: on a cold pool, callers of one case would reach the store only after the
 * attempt they raced had ended, and rightly start a new one, so the case would test connection
 * set-up instead of the store.
 */
async function opened(store: PostgresStore): Promise<PostgresStore> {
  await store.ready()
  await Promise.all(Array.from({ length: POOL_SIZE }, () => store.count({})))
  return store
}

// Core's store conformance suite, unchanged: each case on a fresh schema, through two stores
// with their own pools on it, as two instances of a deployment would open it.
await describePostgres('postgresStore conformance (two pools on one schema)', () => {
  const schemas = new WeakMap<Store, string>()
  const open = (schema: string) => postgresStore({ url: TEST_DATABASE_URL, schema, max: POOL_SIZE })
  for (const c of storeConformance({
    async create() {
      const schema = newSchemaName()
      const store = open(schema)
      schemas.set(store, schema)
      return opened(store)
    },
    peer: (store) => opened(open(schemas.get(store) as string)),
    async cleanup(stores) {
      for (const store of stores) await store.close?.()
      const schema = stores[0] && schemas.get(stores[0])
      if (schema) await dropSchemas([schema])
    },
  }))
    it(c.name, c.run)
})
