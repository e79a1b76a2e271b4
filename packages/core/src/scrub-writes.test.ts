import { describe, expect, it } from 'vitest'
import { createEngine } from './engine'
import { memoryStore } from './memory-store'
import type { Store } from './store'
import { scriptedAdapter } from './testing'

// WriteOptions.scrub tells a store that a write removes secret values, so it must make sure the
// old values leave its files (SQLite: a WAL checkpoint). These pin which engine writes say so.
describe('engine writes that remove credential values ask the store to scrub', () => {
  function recordingStore() {
    const inner = memoryStore()
    const writes: Array<{ status: string; claimed: boolean; scrub: boolean }> = []
    const store: Store = {
      ...inner,
      compareAndSet(id, expectedVersion, next, events, options) {
        writes.push({ status: next.status, claimed: next.claim !== null, scrub: options?.scrub === true })
        return inner.compareAndSet(id, expectedVersion, next, events, options)
      },
      // The narrow claim write changes nothing but the claim, so it never removes a secret.
      async claim(id, expectedVersion, claim) {
        const current = await inner.get(id)
        writes.push({ status: current?.status ?? 'missing', claimed: claim !== null, scrub: false })
        return inner.claim(id, expectedVersion, claim)
      },
    }
    return { store, writes }
  }

  it('revoke, delete and activation with new credentials scrub; claims and other transitions do not', async () => {
    const { store, writes } = recordingStore()
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    const { id } = await engine.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { access_token: 'fake-at-1' },
    })

    await engine.expire(id)
    await engine.activate(id, { credentials: { access_token: 'fake-at-2', refresh_token: 'fake-rt-2' } })
    await engine.disable(id)
    await engine.enable(id)
    await engine.revoke(id)
    await engine.delete(id)

    expect(writes).toEqual([
      { status: 'EXPIRED', claimed: false, scrub: false },
      { status: 'ACTIVE', claimed: false, scrub: true },
      { status: 'INACTIVE', claimed: false, scrub: false },
      { status: 'ACTIVE', claimed: false, scrub: false },
      { status: 'ACTIVE', claimed: true, scrub: false },
      { status: 'REVOKED', claimed: false, scrub: true },
      { status: 'DELETED', claimed: false, scrub: true },
    ])
  })

  it('activation that keeps the stored credentials does not scrub', async () => {
    const { store, writes } = recordingStore()
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    const { id } = await engine.create({
      userId: 'u1',
      toolkit: 'test',
      status: 'INITIATED',
      credentials: { access_token: 'fake-at-1' },
    })

    await engine.activate(id)

    expect(writes).toEqual([{ status: 'ACTIVE', claimed: false, scrub: false }])
  })
})
