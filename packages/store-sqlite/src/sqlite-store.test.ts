import { storeConformance } from '@revokit/core/testing'
import { afterAll, describe, it } from 'vitest'
import { removeTempDirs, tempDbPath } from '../test/helpers'
import { sqliteStore } from './sqlite-store'

afterAll(removeTempDirs)

describe('sqliteStore conformance (two connections on one file)', () => {
  const paths = new WeakMap<object, string>()
  for (const c of storeConformance({
    create() {
      const path = tempDbPath()
      const store = sqliteStore({ path })
      paths.set(store, path)
      return store
    },
    peer: (store) => sqliteStore({ path: paths.get(store) as string }),
    async cleanup(stores) {
      for (const store of stores) await store.close?.()
    },
  }))
    it(c.name, c.run)
})
