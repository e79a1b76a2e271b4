import { afterEach, describe, expect, it } from 'vitest'
import { failed, revoked } from './adapter'
import { createEngine, type Engine, type EngineOptions } from './engine'
import { memoryStore } from './memory-store'
import type { Credentials } from './model'
import type { AuditEvent, Store } from './store'
import { fakeAuthorizationServer, later, type ScriptStep, scriptedAdapter } from './testing'

const BOTH: Credentials = { access_token: 'fake-at-1', refresh_token: 'fake-rt-1' }
const fail = failed({ retryable: false, reason: 'HTTP 503 from the fake provider' })

const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

/** A memory store, a clock the test moves, and engines built on both. */
function world() {
  const store = memoryStore()
  let now = Date.parse('2026-01-01T00:00:00.000Z')
  const events: AuditEvent[] = []
  const engine = (adapter: ReturnType<typeof scriptedAdapter>, options: Partial<EngineOptions> = {}) => {
    const built = createEngine({
      store,
      adapters: [adapter],
      clock: () => now,
      // One call per dispatch, so the script's steps are the attempts the reconciler makes.
      maxAttempts: 1,
      reconcile: { baseMs: 1_000, maxMs: 4_000, maxAttempts: 3 },
      onEvent: (event) => events.push(event),
      ...options,
    })
    engines.push(built)
    return built
  }
  return { store, events, engine, advance: (ms: number) => (now += ms) }
}

/** An account whose revoke killed the access token and left the refresh token pending. */
async function partiallyRevoked(engine: Engine, store: Store, userId = 'u1') {
  const account = await engine.create({ userId, toolkit: 'test', credentials: BOTH, status: 'ACTIVE' })
  const result = await engine.revoke(account.id)
  expect(result.subjects).toMatchObject({ access_token: 'revoked', refresh_token: 'failed' })
  expect(await store.get(account.id)).toMatchObject({ status: 'REVOKED', pendingSubjects: ['refresh_token'] })
  return account.id
}

const refreshCalls = (adapter: ReturnType<typeof scriptedAdapter>, id?: string) =>
  adapter.calls.filter((c) => c.subject === 'refresh_token' && (id === undefined || c.accountId === id))
    .length

describe('engine.reconcile: pending subjects', () => {
  it('retries a pending subject with exponential backoff until the provider recovers, then revokes it once', async () => {
    const w = world()
    const adapter = scriptedAdapter({ script: { refresh_token: [fail, fail, fail, revoked()] } })
    const engine = w.engine(adapter)
    const id = await partiallyRevoked(engine, w.store)
    const none = { retried: 0, revoked: 0, gaveUp: 0, refreshed: 0, expired: 0 }

    // Not due before baseMs has passed since the partial revoke.
    expect(await engine.reconcile()).toEqual(none)
    w.advance(1_000)
    expect(await engine.reconcile()).toEqual({ ...none, retried: 1 })
    expect((await w.store.get(id))?.lastFailedRevoke).toMatchObject({ attempts: 1 })
    expect(refreshCalls(adapter)).toBe(2)

    // The second retry waits twice as long after the first.
    w.advance(1_999)
    expect(await engine.reconcile()).toEqual(none)
    w.advance(1)
    expect(await engine.reconcile()).toEqual({ ...none, retried: 1 })

    w.advance(4_000)
    expect(await engine.reconcile()).toEqual({ ...none, retried: 1, revoked: 1 })
    const stored = await w.store.get(id)
    expect(stored).toMatchObject({
      status: 'REVOKED',
      pendingSubjects: [],
      revokedSubjects: ['access_token', 'refresh_token'],
      lastFailedRevoke: null,
    })
    expect(stored?.credentials.refresh_token).toBeUndefined()
    expect(w.events.at(-1)).toMatchObject({ type: 'pending_revoked', accountId: id })

    // Nothing is left to do: no further dispatch, however much later.
    w.advance(3_600_000)
    expect(await engine.reconcile()).toEqual(none)
    expect(refreshCalls(adapter)).toBe(4)
  })

  it('gives up after maxAttempts failed retries: visible on the account and as a revoke_gave_up event', async () => {
    const w = world()
    const adapter = scriptedAdapter({ script: { refresh_token: [fail] } })
    const engine = w.engine(adapter, { reconcile: { baseMs: 1_000, maxMs: 2_000, maxAttempts: 2 } })
    const id = await partiallyRevoked(engine, w.store)

    let retried = 0
    let gaveUp = 0
    for (let i = 0; i < 6; i++) {
      w.advance(2_000)
      const summary = await engine.reconcile()
      retried += summary.retried
      gaveUp += summary.gaveUp
    }
    expect(retried).toBe(2)
    expect(gaveUp).toBe(1)
    // The partial revoke's dispatch, then exactly maxAttempts retries.
    expect(refreshCalls(adapter)).toBe(3)

    const account = await engine.get(id)
    expect(account).toMatchObject({
      status: 'REVOKED',
      pendingSubjects: ['refresh_token'],
      gaveUpSubjects: ['refresh_token'],
    })
    const gaveUpEvents = (await engine.events(id)).filter((e) => e.type === 'revoke_gave_up')
    expect(gaveUpEvents).toHaveLength(1)
    expect(gaveUpEvents[0]).toMatchObject({ from: 'REVOKED', to: 'REVOKED' })
    expect(gaveUpEvents[0]?.reason).toContain('refresh_token')
    expect(gaveUpEvents[0]?.reason).not.toContain('fake-rt-1')

    // A caller can still retry it by hand; success clears the mark.
    const manual = scriptedAdapter({ script: { refresh_token: [revoked()] } })
    const other = w.engine(manual)
    await other.revoke(id, { retryPending: true })
    expect(await other.get(id)).toMatchObject({ pendingSubjects: [], gaveUpSubjects: [] })
  })

  it('two engines reconciling one store at once dispatch each pending subject once', async () => {
    const w = world()
    const tries = new Map<string, number>()
    // Per account: the first dispatch fails, the next one succeeds slowly (so the two passes overlap).
    const slowly = later(30, revoked()) as Extract<ScriptStep, (...args: never[]) => unknown>
    const step: ScriptStep = (request, context) => {
      const n = tries.get(request.account.id) ?? 0
      tries.set(request.account.id, n + 1)
      return n === 0 ? fail : slowly(request, context)
    }
    const adapter = scriptedAdapter({ script: { refresh_token: [step] } })
    const a = w.engine(adapter)
    const b = w.engine(adapter)
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push(await partiallyRevoked(i % 2 ? a : b, w.store, `u${i}`))

    w.advance(1_000)
    const [ra, rb] = await Promise.all([a.reconcile(), b.reconcile()])
    expect(ra.revoked + rb.revoked).toBe(6)
    expect(ra.retried + rb.retried).toBe(6)
    for (const id of ids) {
      expect(refreshCalls(adapter, id)).toBe(2)
      expect(await w.store.get(id)).toMatchObject({ pendingSubjects: [], claim: null })
      expect((await w.store.events(id)).filter((e) => e.type === 'pending_revoked')).toHaveLength(1)
    }
  })
})

describe('engine.reconcile: lapsed links', () => {
  it('moves INITIATED accounts past their link expiry to EXPIRED, once', async () => {
    const as = await fakeAuthorizationServer()
    try {
      const w = world()
      const engine = w.engine(scriptedAdapter({ toolkit: 'acme', connect: as.connector }), {
        redirectUri: 'https://app.example/callback',
        linkTtlMs: 60_000,
      })
      const lapsing = await engine.initiate({ userId: 'u1', toolkit: 'acme' })
      w.advance(30_000)
      const fresh = await engine.initiate({ userId: 'u2', toolkit: 'acme' })
      w.advance(30_000)

      expect(await engine.reconcile()).toMatchObject({ expired: 1 })
      expect(await w.store.get(lapsing.id)).toMatchObject({ status: 'EXPIRED', authorization: null })
      expect((await w.store.get(fresh.id))?.status).toBe('INITIATED')
      expect(await engine.reconcile()).toMatchObject({ expired: 0 })
      expect(w.events.filter((e) => e.type === 'expired').map((e) => e.accountId)).toEqual([lapsing.id])
    } finally {
      await as.close()
    }
  })
})
