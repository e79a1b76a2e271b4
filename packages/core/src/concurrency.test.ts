import { describe, expect, it } from 'vitest'
import { failed, revoked } from './adapter'
import { createEngine } from './engine'
import { isRevokitError } from './errors'
import { memoryStore } from './memory-store'
import { later, scriptedAdapter } from './testing'

const CREDS = { access_token: 'fake-at-c1', refresh_token: 'fake-rt-c1' }

describe('concurrent revokes of one account', () => {
  it('100 callers on one engine: one dispatch per subject, one reporter, 99 × 200 with []', async () => {
    const store = memoryStore()
    const adapter = scriptedAdapter({ script: { refresh_token: [later(20, revoked())] } })
    const engine = createEngine({ store, adapters: [adapter] })
    const { id } = await engine.create({ userId: 'u', toolkit: 'test', credentials: CREDS })

    const results = await Promise.all(Array.from({ length: 100 }, () => engine.revoke(id)))

    expect(adapter.calls.map((c) => c.subject)).toEqual(['refresh_token', 'access_token'])
    const reporters = results.filter((r) => r.revokedTokens.length > 0)
    expect(reporters).toHaveLength(1)
    expect(reporters[0]?.revokedTokens).toEqual(['access_token', 'refresh_token'])
    const quiet = results.filter((r) => r.revokedTokens.length === 0)
    expect(quiet).toHaveLength(99)
    for (const r of quiet) expect(r.connectedAccount).toEqual({ id, status: 'REVOKED' })
    expect((await store.events(id)).filter((e) => e.type === 'revoked')).toHaveLength(1)
  })

  it('100 callers spread over 4 engines sharing a store (as 4 processes would): still one dispatch per subject', async () => {
    const store = memoryStore()
    const adapter = scriptedAdapter({ script: { refresh_token: [later(30, revoked())] } })
    const engines = Array.from({ length: 4 }, () => createEngine({ store, adapters: [adapter] }))
    const { id } = await engines[0]!.create({ userId: 'u', toolkit: 'test', credentials: CREDS })

    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => engines[i % 4]!.revoke(id)))

    expect(adapter.calls.map((c) => c.subject).sort()).toEqual(['access_token', 'refresh_token'])
    expect(results.filter((r) => r.revokedTokens.length > 0)).toHaveLength(1)
    expect(results.every((r) => r.connectedAccount.status === 'REVOKED')).toBe(true)
  })

  it('when the one dispatch fails, every concurrent caller gets its 500 and nobody dispatches again', async () => {
    const store = memoryStore()
    const adapter = scriptedAdapter({
      supportsRefresh: false,
      script: { access_token: [later(20, failed({ retryable: false, reason: 'HTTP 401 invalid_client' }))] },
    })
    const engines = [
      createEngine({ store, adapters: [adapter] }),
      createEngine({ store, adapters: [adapter] }),
    ]
    const { id } = await engines[0]!.create({ userId: 'u', toolkit: 'test', credentials: CREDS })

    const settled = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => engines[i % 2]!.revoke(id)))

    expect(adapter.calls).toHaveLength(1)
    for (const s of settled) {
      expect(s.status).toBe('rejected')
      const reason = (s as PromiseRejectedResult).reason
      expect(isRevokitError(reason) && reason.status).toBe(500)
      expect(isRevokitError(reason) && reason.errors[0]).toContain('invalid_client')
    }
    expect(await store.get(id)).toMatchObject({ status: 'ACTIVE', credentials: CREDS, claim: null })

    // A revoke that starts after the failed one ended is a new attempt, not a join.
    await expect(engines[1]!.revoke(id)).rejects.toMatchObject({ status: 500 })
    expect(adapter.calls).toHaveLength(2)
  })

  it('the claim never outlives the revoke deadline by more than claimGraceMs', async () => {
    const store = memoryStore()
    // The provider answers only once the test has looked at the claim, so a slow machine can
    // neither finish the revoke first nor stretch the bound below.
    let answer: () => void = () => {}
    let dispatched: () => void = () => {}
    const inFlight = new Promise<void>((resolve) => {
      dispatched = resolve
    })
    const adapter = scriptedAdapter({
      script: {
        refresh_token: [
          () =>
            new Promise((resolve) => {
              answer = () => resolve(revoked())
              dispatched()
            }),
        ],
      },
    })
    const engine = createEngine({ store, adapters: [adapter], deadlineMs: 5_000, claimGraceMs: 2_000 })
    const { id } = await engine.create({ userId: 'u', toolkit: 'test', credentials: CREDS })
    const started = Date.now()
    const pending = engine.revoke(id)
    await inFlight
    const claim = (await store.get(id))?.claim
    const seen = Date.now()
    expect(claim).not.toBeNull()
    // Claimed at some moment between `started` and `seen`: it expires deadline + grace later.
    expect(claim!.expiresAt).toBeGreaterThanOrEqual(started + 5_000)
    expect(claim!.expiresAt).toBeLessThanOrEqual(seen + 5_000 + 2_000)
    answer()
    await pending
    expect((await store.get(id))?.claim).toBeNull()
  })
})

describe('other operations racing a revoke', () => {
  it('disable waits for the revoke in flight, then answers from the new state (409: REVOKED)', async () => {
    const store = memoryStore()
    const adapter = scriptedAdapter({ script: { refresh_token: [later(40, revoked())] } })
    const engine = createEngine({ store, adapters: [adapter] })
    const { id } = await engine.create({ userId: 'u', toolkit: 'test', credentials: CREDS })
    const revoking = engine.revoke(id)
    await new Promise((r) => setTimeout(r, 5))
    await expect(engine.disable(id)).rejects.toMatchObject({ status: 409 })
    expect((await revoking).revokedTokens).toEqual(['access_token', 'refresh_token'])
    expect((await store.get(id))?.status).toBe('REVOKED')
  })

  it('delete waits for the revoke in flight, so the revoke is recorded before the account goes', async () => {
    const store = memoryStore()
    const adapter = scriptedAdapter({ script: { refresh_token: [later(40, revoked())] } })
    const engine = createEngine({ store, adapters: [adapter] })
    const { id } = await engine.create({ userId: 'u', toolkit: 'test', credentials: CREDS })
    const revoking = engine.revoke(id)
    await new Promise((r) => setTimeout(r, 5))
    const deleted = await engine.delete(id)
    expect(deleted.status).toBe('DELETED')
    expect((await revoking).revokedTokens).toEqual(['access_token', 'refresh_token'])
    expect((await store.events(id)).map((e) => e.type)).toEqual(['created', 'revoked', 'deleted'])
  })

  it('concurrent enable/disable from many callers all land, each a compare-and-set on a fresh version', async () => {
    const store = memoryStore()
    const engines = [createEngine({ store, adapters: [] }), createEngine({ store, adapters: [] })]
    const { id } = await engines[0]!.create({ userId: 'u', toolkit: 'test', credentials: CREDS })
    const ops = Array.from({ length: 30 }, (_, i) =>
      (i % 2 ? engines[0]!.disable(id) : engines[1]!.enable(id)).then(
        () => 'ok',
        (e: unknown) => (isRevokitError(e) ? e.slug : 'crash'),
      ),
    )
    const outcomes = await Promise.all(ops)
    expect(outcomes.every((o) => o === 'ok')).toBe(true)
    const events = await store.events(id)
    // Every stored event moved the account between the two states in turn.
    for (const e of events.slice(1))
      expect([`${e.from}>${e.to}`]).toContain(e.type === 'disabled' ? 'ACTIVE>INACTIVE' : 'INACTIVE>ACTIVE')
    expect((await store.get(id))?.version).toBe(events.length)
  })
})
