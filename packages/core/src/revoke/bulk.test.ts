import { describe, expect, it } from 'vitest'
import { createEngine } from '../engine'
import { memoryStore } from '../memory-store'
import type { Store } from '../store'
import { scriptedAdapter } from '../testing'

describe('revokeMany and the store’s deferred scrubbing', () => {
  async function run(flush: () => Promise<void>) {
    const inner = memoryStore()
    let flushes = 0
    const store: Store = {
      ...inner,
      flush: async () => {
        flushes++
        await flush()
      },
    }
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    for (let i = 0; i < 5; i++) {
      await engine.create({
        userId: 'u',
        toolkit: 'test',
        allowMultiple: true,
        credentials: { access_token: `fake-at-bulk-${i}` },
      })
    }
    const summary = await engine.revokeMany({ userIds: ['u'] })
    const statuses = (await engine.list({ userIds: ['u'] })).items.map((a) => a.status)
    return { summary, statuses, flushes: () => flushes }
  }

  it('flushes once before returning, after every revoke is recorded', async () => {
    const { summary, statuses, flushes } = await run(async () => {})
    expect(summary).toMatchObject({ total: 5, revoked: 5 })
    expect(summary.scrubPending).toBeUndefined()
    expect(statuses).toEqual(Array(5).fill('REVOKED'))
    expect(flushes()).toBe(1)
  })

  it('a flush that fails leaves the run’s results and says the scrub is pending', async () => {
    const { summary, statuses } = await run(async () => {
      throw new Error('SQLITE_BUSY: a reader holds the WAL')
    })
    expect(summary).toMatchObject({ total: 5, revoked: 5, scrubPending: true })
    expect(statuses).toEqual(Array(5).fill('REVOKED'))
  })
})
