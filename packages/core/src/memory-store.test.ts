import { describe, it } from 'vitest'
import { memoryStore } from './memory-store'
import { storeConformance } from './testing'

describe('memoryStore conformance', () => {
  for (const c of storeConformance({ create: () => memoryStore() })) it(c.name, c.run)
})
