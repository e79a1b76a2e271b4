import { describe, expect, it } from 'vitest'
import { rejection } from '../test/helpers'
import { alreadyRevoked, failed, type RevocationAdapter, revoked, unsupported } from './adapter'
import { createEngine, type EngineOptions } from './engine'
import { memoryStore } from './memory-store'
import type { Credentials } from './model'
import type { Store } from './store'
import { later, type ScriptedAdapterOptions, scriptedAdapter } from './testing'
import { TransportError } from './transport'

const BOTH: Credentials = {
  access_token: 'fake-at-1',
  refresh_token: 'fake-rt-1',
  scope: 'email',
  token_type: 'Bearer',
}

async function setup(
  adapterOptions: ScriptedAdapterOptions = {},
  credentials: Credentials = BOTH,
  engineOptions: Partial<EngineOptions> = {},
) {
  const store = memoryStore()
  const adapter = scriptedAdapter(adapterOptions)
  const engine = createEngine({
    store,
    adapters: [adapter],
    backoff: { baseMs: 1, maxMs: 5 },
    ...engineOptions,
  })
  const account = await engine.create({ userId: 'u1', toolkit: 'test', credentials, status: 'ACTIVE' })
  return { store, adapter, engine, id: account.id }
}

describe('revoke: success paths', () => {
  it('dispatches refresh first, then access, and reports both killed', async () => {
    const { engine, adapter, store, id } = await setup()
    const result = await engine.revoke(id)
    expect(adapter.calls.map((c) => c.subject)).toEqual(['refresh_token', 'access_token'])
    expect(result).toMatchObject({
      revokedTokens: ['access_token', 'refresh_token'],
      connectedAccount: { id, status: 'REVOKED' },
      subjects: { access_token: 'revoked', refresh_token: 'revoked' },
    })
    const stored = await store.get(id)
    expect(stored?.status).toBe('REVOKED')
    // Dead values are gone; what is not a token stays.
    expect(stored?.credentials).toEqual({ scope: 'email', token_type: 'Bearer' })
    expect(stored?.revokedSubjects).toEqual(['access_token', 'refresh_token'])
    const last = (await store.events(id)).at(-1)
    expect(last).toMatchObject({
      type: 'revoked',
      from: 'ACTIVE',
      to: 'REVOKED',
      revokedSubjects: ['access_token', 'refresh_token'],
    })
  })

  it('a REVOKED account keeps only non-secret metadata: an id_token and nested extras go with the tokens', async () => {
    const credentials: Credentials = {
      ...BOTH,
      expires_at: '2030-01-01T00:00:00.000Z',
      id_token: 'fake-id-token-1',
      authed_user: { access_token: 'fake-nested-1', list: ['fake-nested-2'] },
      team: 'fake-team',
    }
    const { engine, store, id } = await setup({}, credentials)
    await engine.revoke(id)
    expect((await store.get(id))?.credentials).toEqual({
      scope: 'email',
      token_type: 'Bearer',
      expires_at: '2030-01-01T00:00:00.000Z',
    })
    expect((await engine.get(id)).credentials).toEqual({
      scope: 'email',
      token_type: 'Bearer',
      expires_at: '2030-01-01T00:00:00.000Z',
    })
  })

  it('a partial revoke keeps the still-live token and the metadata, and drops the extras', async () => {
    const { engine, store, id } = await setup(
      { script: { refresh_token: [failed({ retryable: false, reason: 'HTTP 422 from provider' })] } },
      { ...BOTH, id_token: 'fake-id-token-1', extra: { nested: 'fake-nested-1' } },
    )
    await engine.revoke(id)
    expect((await store.get(id))?.credentials).toEqual({
      refresh_token: 'fake-rt-1',
      scope: 'email',
      token_type: 'Bearer',
    })
  })

  it('skips a subject the adapter declares killed by cascade: one call kills both', async () => {
    const { engine, adapter, id } = await setup({ cascades: { refresh_token: ['access_token'] } })
    const result = await engine.revoke(id)
    expect(adapter.calls.map((c) => c.subject)).toEqual(['refresh_token'])
    expect(result.revokedTokens).toEqual(['access_token', 'refresh_token'])
    expect(result.subjects).toEqual({ access_token: 'revoked', refresh_token: 'revoked' })
  })

  it('takes a cascade returned in the outcome, but only for subjects the account holds', async () => {
    const { engine, adapter, id } = await setup(
      { script: { refresh_token: [revoked(['access_token'])] } },
      { refresh_token: 'fake-rt-only' },
    )
    const result = await engine.revoke(id)
    expect(adapter.calls.map((c) => c.subject)).toEqual(['refresh_token'])
    expect(result.revokedTokens).toEqual(['refresh_token'])
    expect(result.subjects).toEqual({ access_token: 'not_held', refresh_token: 'revoked' })
  })

  it('an explicit empty cascade in the outcome overrides the declared one', async () => {
    const { engine, adapter, id } = await setup({
      cascades: { refresh_token: ['access_token'] },
      script: { refresh_token: [revoked([])] },
    })
    await engine.revoke(id)
    expect(adapter.calls.map((c) => c.subject)).toEqual(['refresh_token', 'access_token'])
  })

  it('already revoked at the provider: 200, nothing reported killed, account REVOKED and scrubbed', async () => {
    const { engine, store, id } = await setup({
      script: { refresh_token: [alreadyRevoked()], access_token: [alreadyRevoked('invalid_token')] },
    })
    const result = await engine.revoke(id)
    expect(result.revokedTokens).toEqual([])
    expect(result.subjects).toEqual({ access_token: 'already_revoked', refresh_token: 'already_revoked' })
    expect(result.connectedAccount.status).toBe('REVOKED')
    expect((await store.get(id))?.credentials).toEqual({ scope: 'email', token_type: 'Bearer' })
  })

  it('declared cascades do not apply to an already-revoked answer', async () => {
    const { engine, adapter, id } = await setup({
      cascades: { refresh_token: ['access_token'] },
      script: { refresh_token: [alreadyRevoked()] },
    })
    const result = await engine.revoke(id)
    expect(adapter.calls.map((c) => c.subject)).toEqual(['refresh_token', 'access_token'])
    expect(result.revokedTokens).toEqual(['access_token'])
  })

  it('reports exactly what died during this call when one subject was already dead', async () => {
    const { engine, id } = await setup({ script: { refresh_token: [alreadyRevoked()] } })
    const result = await engine.revoke(id)
    expect(result.revokedTokens).toEqual(['access_token'])
    expect(result.subjects).toEqual({ access_token: 'revoked', refresh_token: 'already_revoked' })
  })
})

describe('revoke: unsupported subjects', () => {
  it('never dispatches a subject the adapter declares unsupported, and keeps that token', async () => {
    const { engine, adapter, store, id } = await setup({ supportsRefresh: false })
    const result = await engine.revoke(id)
    expect(adapter.calls.map((c) => c.subject)).toEqual(['access_token'])
    expect(result.revokedTokens).toEqual(['access_token'])
    expect(result.subjects).toEqual({ access_token: 'revoked', refresh_token: 'unsupported' })
    const stored = await store.get(id)
    expect(stored?.credentials.refresh_token).toBe('fake-rt-1')
    expect(stored?.credentials.access_token).toBeUndefined()
    expect(stored?.pendingSubjects).toEqual([])
  })

  it('a subject the provider refuses at runtime is reported unsupported beside a revoked one', async () => {
    const { engine, id } = await setup({ script: { access_token: [unsupported('unsupported_token_type')] } })
    const result = await engine.revoke(id)
    expect(result.subjects).toEqual({ access_token: 'unsupported', refresh_token: 'revoked' })
    expect(result.revokedTokens).toEqual(['refresh_token'])
    expect(result.details.access_token?.detail).toBe('unsupported_token_type')
  })

  it('when the provider refuses every dispatched subject the answer is 400 and the account stays ACTIVE', async () => {
    const { engine, store, id } = await setup({
      supportsRefresh: false,
      script: { access_token: [unsupported('unsupported_token_type')] },
    })
    const error = await rejection(engine.revoke(id))
    expect(error).toMatchObject({ status: 400, slug: 'revoke_not_supported' })
    expect(error.subjects).toEqual({ access_token: 'unsupported', refresh_token: 'unsupported' })
    expect((await store.get(id))?.status).toBe('ACTIVE')
  })
})

describe('revoke: failures', () => {
  it('partial failure: 200 REVOKED, the failed subject stays pending with its token', async () => {
    const { engine, store, id } = await setup({
      script: {
        refresh_token: [failed({ retryable: false, reason: 'HTTP 422 from provider', status: 422 })],
      },
    })
    const result = await engine.revoke(id)
    expect(result.revokedTokens).toEqual(['access_token'])
    expect(result.subjects).toEqual({ access_token: 'revoked', refresh_token: 'failed' })
    expect(result.details.refresh_token).toMatchObject({
      outcome: 'failed',
      status: 422,
      retryable: false,
      attempts: 1,
    })
    const stored = await store.get(id)
    expect(stored).toMatchObject({ status: 'REVOKED', pendingSubjects: ['refresh_token'] })
    expect(stored?.credentials.refresh_token).toBe('fake-rt-1')
    expect(stored?.credentials.access_token).toBeUndefined()
  })

  it('a pending subject is not retried by a plain revoke, and is by retryPending', async () => {
    const { engine, adapter, store, id } = await setup({
      script: { refresh_token: [failed({ retryable: false, reason: 'HTTP 422' }), revoked()] },
    })
    await engine.revoke(id)
    const calls = adapter.calls.length

    const again = await engine.revoke(id)
    expect(adapter.calls.length).toBe(calls)
    expect(again).toMatchObject({
      revokedTokens: [],
      subjects: { refresh_token: 'failed', access_token: 'already_revoked' },
    })

    const retried = await engine.revoke(id, { retryPending: true })
    expect(adapter.calls.slice(calls).map((c) => c.subject)).toEqual(['refresh_token'])
    expect(retried.revokedTokens).toEqual(['refresh_token'])
    const stored = await store.get(id)
    expect(stored).toMatchObject({
      status: 'REVOKED',
      pendingSubjects: [],
      revokedSubjects: ['access_token', 'refresh_token'],
    })
    expect(stored?.credentials.refresh_token).toBeUndefined()
    expect((await store.events(id)).at(-1)).toMatchObject({
      type: 'pending_revoked',
      from: 'REVOKED',
      to: 'REVOKED',
    })
  })

  it('all dispatches failed: 500, account stays ACTIVE with its tokens, and a later revoke can succeed', async () => {
    const { engine, store, id } = await setup({
      script: {
        refresh_token: [
          failed({
            retryable: false,
            reason: 'HTTP 401 invalid_client',
            suggestedFix: 'Check the client secret.',
          }),
          revoked(),
        ],
        access_token: [failed({ retryable: false, reason: 'HTTP 401 invalid_client' }), revoked()],
      },
    })
    const error = await rejection(engine.revoke(id))
    expect(error).toMatchObject({ status: 500, slug: 'revoke_failed', code: 1501 })
    expect(error.subjects).toEqual({ access_token: 'failed', refresh_token: 'failed' })
    expect(error.errors).toEqual([
      'access_token failed: HTTP 401 invalid_client (1 attempt)',
      'refresh_token failed: HTTP 401 invalid_client (1 attempt)',
    ])
    expect(error.suggestedFix).toContain('Check the client secret.')
    const stored = await store.get(id)
    expect(stored).toMatchObject({ status: 'ACTIVE', credentials: BOTH, claim: null })
    expect((await store.events(id)).at(-1)).toMatchObject({
      type: 'revoke_failed',
      from: 'ACTIVE',
      to: 'ACTIVE',
    })

    const later = await engine.revoke(id)
    expect(later.revokedTokens).toEqual(['access_token', 'refresh_token'])
  })

  it('retries a retryable failure and succeeds within the attempt budget', async () => {
    const flaky = failed({ retryable: true, reason: 'HTTP 503' })
    const { engine, adapter, id } = await setup(
      { supportsRefresh: false, script: { access_token: [flaky, flaky, revoked()] } },
      BOTH,
      { maxAttempts: 3 },
    )
    const result = await engine.revoke(id)
    expect(adapter.calls.map((c) => c.attempt)).toEqual([1, 2, 3])
    expect(result.revokedTokens).toEqual(['access_token'])
    expect(result.details.access_token?.attempts).toBe(3)
  })

  it('stops at maxAttempts', async () => {
    const { engine, adapter, id } = await setup(
      { supportsRefresh: false, script: { access_token: [failed({ retryable: true, reason: 'HTTP 503' })] } },
      BOTH,
      { maxAttempts: 2 },
    )
    const error = await rejection(engine.revoke(id))
    expect(adapter.calls.length).toBe(2)
    expect(error.errors).toEqual(['access_token failed: HTTP 503 (2 attempts)'])
  })

  it('never retries a non-retryable failure', async () => {
    const { engine, adapter, id } = await setup({
      supportsRefresh: false,
      script: { access_token: [failed({ retryable: false, reason: 'HTTP 422' })] },
    })
    await rejection(engine.revoke(id))
    expect(adapter.calls.length).toBe(1)
  })

  it('does not wait out a Retry-After longer than the deadline, and says how long to wait', async () => {
    const { engine, adapter, id } = await setup(
      {
        supportsRefresh: false,
        script: { access_token: [failed({ retryable: true, reason: 'HTTP 429', retryAfterMs: 60_000 })] },
      },
      BOTH,
      { deadlineMs: 2_000 },
    )
    const error = await rejection(engine.revoke(id))
    expect(adapter.calls.length).toBe(1)
    expect(error.suggestedFix).toContain('60 s')
  })

  it('honours a short Retry-After and retries', async () => {
    const { engine, adapter, id } = await setup({
      supportsRefresh: false,
      script: {
        access_token: [failed({ retryable: true, reason: 'HTTP 429', retryAfterMs: 20 }), revoked()],
      },
    })
    expect((await engine.revoke(id)).revokedTokens).toEqual(['access_token'])
    expect(adapter.calls.length).toBe(2)
  })

  it('deadline exceeded: a provider that never answers ends in a 500 and the account stays ACTIVE', async () => {
    const { engine, store, id } = await setup(
      { script: { refresh_token: [later(1e9, revoked())], access_token: [later(1e9, revoked())] } },
      BOTH,
      { deadlineMs: 300 },
    )
    const error = await rejection(engine.revoke(id))
    expect(error.status).toBe(500)
    expect(error.errors.join('\n')).toContain('deadline')
    expect((await store.get(id))?.status).toBe('ACTIVE')
  })

  it('a hanging first subject does not starve the second of its share of the deadline', async () => {
    const { engine, adapter, id } = await setup(
      { script: { refresh_token: [later(1e9, revoked())] } },
      BOTH,
      { deadlineMs: 400 },
    )
    const result = await engine.revoke(id)
    expect(adapter.calls.map((c) => c.subject)).toEqual(['refresh_token', 'access_token'])
    expect(result.subjects).toEqual({ access_token: 'revoked', refresh_token: 'failed' })
    expect(result.revokedTokens).toEqual(['access_token'])
  })

  it('an adapter that throws is a failed subject, not a crash', async () => {
    const { engine, id } = await setup({
      supportsRefresh: false,
      script: {
        access_token: [
          () => {
            throw new Error('boom')
          },
        ],
      },
    })
    const error = await rejection(engine.revoke(id))
    expect(error.errors).toEqual(['access_token failed: the adapter threw Error: boom (1 attempt)'])
  })

  it('a retryable transport error thrown by an adapter is retried', async () => {
    const { engine, adapter, id } = await setup({
      supportsRefresh: false,
      script: {
        access_token: [
          () => {
            throw new TransportError('network', 'POST https://p.example/revoke failed: ECONNRESET')
          },
          revoked(),
        ],
      },
    })
    expect((await engine.revoke(id)).revokedTokens).toEqual(['access_token'])
    expect(adapter.calls.length).toBe(2)
  })

  it('an outcome that breaks the contract is a failed subject', async () => {
    const { engine, id } = await setup({
      supportsRefresh: false,
      script: { access_token: [{ type: 'ok' } as never] },
    })
    const error = await rejection(engine.revoke(id))
    expect(error.errors[0]).toContain('not a revoke outcome')
  })
})

describe('revoke: 400, 404 and 409', () => {
  it('400 when no adapter serves the toolkit', async () => {
    const store = memoryStore()
    const engine = createEngine({ store, adapters: [] })
    const { id } = await engine.create({ userId: 'u', toolkit: 'zoom', credentials: BOTH })
    const error = await rejection(engine.revoke(id))
    expect(error).toMatchObject({ status: 400, slug: 'revoke_not_supported', code: 1003 })
    expect(error.message).toContain('zoom')
    expect(error.suggestedFix).toContain("toolkit: 'zoom'")
  })

  it('400 when the adapter can revoke neither subject, and nothing is dispatched', async () => {
    const { engine, adapter, id } = await setup({ supportsAccess: false, supportsRefresh: false })
    const error = await rejection(engine.revoke(id))
    expect(error.status).toBe(400)
    expect(error.message).toContain('no programmatic revocation')
    expect(adapter.calls).toEqual([])
  })

  it('400 when the account holds no token of a supported subject', async () => {
    const { engine, adapter, id } = await setup({ supportsAccess: false }, { access_token: 'fake-at-only' })
    const error = await rejection(engine.revoke(id))
    expect(error.status).toBe(400)
    expect(error.message).toContain('refresh_token')
    expect(adapter.calls).toEqual([])
  })

  it('404 for an unknown id, a deleted account and another project’s account; 400 for a malformed id', async () => {
    const { engine, id } = await setup()
    expect((await rejection(engine.revoke('ca_doesnotexist'))).status).toBe(404)
    expect((await rejection(engine.revoke(id, { projectId: 'someone-else' }))).status).toBe(404)
    expect((await rejection(engine.revoke('not an id'))).status).toBe(400)
    await engine.delete(id)
    expect((await rejection(engine.revoke(id))).status).toBe(404)
  })

  it('409 naming the status for INITIATED, INACTIVE and EXPIRED accounts', async () => {
    const { engine, adapter } = await setup()
    const initiated = await engine.create({ userId: 'u', toolkit: 'test', allowMultiple: true })
    const inactive = await engine.disable(
      (await engine.create({ userId: 'u', toolkit: 'test', allowMultiple: true, credentials: BOTH })).id,
    )
    const expired = await engine.expire(
      (await engine.create({ userId: 'u', toolkit: 'test', allowMultiple: true, credentials: BOTH })).id,
    )
    for (const account of [initiated, inactive, expired]) {
      const error = await rejection(engine.revoke(account.id))
      expect(error).toMatchObject({ status: 409, slug: 'connected_account_not_revokable' })
      expect(error.message).toContain(account.status)
    }
    expect(adapter.calls).toEqual([])
  })

  it('an already REVOKED account answers 200 with [] and dispatches nothing', async () => {
    const { engine, adapter, id } = await setup()
    await engine.revoke(id)
    const calls = adapter.calls.length
    const again = await engine.revoke(id)
    expect(again).toMatchObject({ revokedTokens: [], connectedAccount: { id, status: 'REVOKED' } })
    expect(adapter.calls.length).toBe(calls)
  })
})

describe('revokeThenDelete', () => {
  it('revokes, then deletes', async () => {
    const { engine, id } = await setup()
    const { revoke, deleted } = await engine.revokeThenDelete(id)
    expect(revoke.revokedTokens).toEqual(['access_token', 'refresh_token'])
    expect(deleted.status).toBe('DELETED')
    await expect(engine.get(id)).rejects.toMatchObject({ status: 404 })
  })

  it('does not delete when a token is left pending: 409 revoke_incomplete, the account and its live token stay', async () => {
    const { engine, store, id } = await setup({
      script: { refresh_token: [failed({ retryable: false, reason: 'HTTP 422 from provider' }), revoked()] },
    })
    const error = await rejection(engine.revokeThenDelete(id))
    expect(error).toMatchObject({ status: 409, slug: 'revoke_incomplete', code: 1304 })
    expect(error.message).toContain('access_token revoked, but refresh_token could not be revoked')
    expect(error.errors).toEqual(['refresh_token failed: HTTP 422 from provider'])
    expect(await store.get(id)).toMatchObject({ status: 'REVOKED', pendingSubjects: ['refresh_token'] })
    expect((await store.get(id))?.credentials.refresh_token).toBe('fake-rt-1')
    // Called again, it retries the pending token first; now that it dies, the account is deleted.
    const { revoke: retried, deleted } = await engine.revokeThenDelete(id)
    expect(retried.revokedTokens).toEqual(['refresh_token'])
    expect(deleted.status).toBe('DELETED')
  })

  it('does not delete when the revoke fails, so the tokens are not forgotten while live', async () => {
    const { engine, id } = await setup({
      script: {
        refresh_token: [failed({ retryable: false, reason: 'x' })],
        access_token: [failed({ retryable: false, reason: 'x' })],
      },
    })
    expect((await rejection(engine.revokeThenDelete(id))).status).toBe(500)
    expect((await engine.get(id)).status).toBe('ACTIVE')
  })
})

describe('engine options', () => {
  it('refuses two adapters for one toolkit, and malformed adapters, when created', () => {
    const a: RevocationAdapter = scriptedAdapter({ toolkit: 'gmail' })
    expect(() =>
      createEngine({ store: memoryStore(), adapters: [a, scriptedAdapter({ toolkit: 'gmail' })] }),
    ).toThrow(/two adapters serve toolkit "gmail"/)
    expect(() => createEngine({ store: memoryStore(), adapters: [{ toolkit: 'x' } as never] })).toThrow(
      /supportsAccess and supportsRefresh/,
    )
    expect(() => createEngine({ store: memoryStore(), adapters: [], deadlineMs: -1 })).toThrow(/deadlineMs/)
  })

  it('several toolkits can share one provider through the toolkit option', async () => {
    const gmail = scriptedAdapter({ toolkit: 'gmail' })
    const drive = scriptedAdapter({ toolkit: 'googledrive' })
    const engine = createEngine({ store: memoryStore(), adapters: [gmail, drive] })
    const account = await engine.create({ userId: 'u', toolkit: 'googledrive', credentials: BOTH })
    await engine.revoke(account.id)
    expect(gmail.calls).toEqual([])
    expect(drive.calls.length).toBe(2)
    expect(engine.capabilities('gmail')).toEqual({ supportsAccess: true, supportsRefresh: true })
    expect(engine.capabilities('nope')).toBeUndefined()
  })
})

describe('revoke: the store fails after the provider revoked', () => {
  it('retries a transient store error on the final write, and the revoke succeeds', async () => {
    const inner = memoryStore()
    let failures = 1
    const flaky: Store = {
      ...inner,
      async compareAndSet(id, version, next, events, options) {
        if (next.status === 'REVOKED' && failures-- > 0) throw new Error('SQLITE_BUSY: database is locked')
        return inner.compareAndSet(id, version, next, events, options)
      },
    }
    const adapter = scriptedAdapter()
    const engine = createEngine({ store: flaky, adapters: [adapter] })
    const { id } = await engine.create({
      userId: 'u',
      toolkit: 'test',
      allowMultiple: true,
      credentials: BOTH,
    })
    const result = await engine.revoke(id)
    expect(result.revokedTokens).toEqual(['access_token', 'refresh_token'])
    expect((await inner.get(id))?.status).toBe('REVOKED')
    expect(adapter.calls).toHaveLength(2)
  })

  it('if the store stays down, says truthfully which tokens died and that the record is stale', async () => {
    const inner = memoryStore()
    const down: Store = {
      ...inner,
      async compareAndSet(id, version, next, events, options) {
        if (next.status === 'REVOKED') throw new Error('disk I/O error')
        return inner.compareAndSet(id, version, next, events, options)
      },
    }
    const adapter = scriptedAdapter()
    const engine = createEngine({ store: down, adapters: [adapter], claimGraceMs: 100, deadlineMs: 200 })
    const { id } = await engine.create({
      userId: 'u',
      toolkit: 'test',
      allowMultiple: true,
      credentials: BOTH,
    })
    const error = await rejection(engine.revoke(id))
    expect(error).toMatchObject({ status: 500, slug: 'store_error' })
    expect(error.message).toContain('access_token and refresh_token were revoked at the provider')
    expect(error.subjects).toEqual({ access_token: 'revoked', refresh_token: 'revoked' })
    expect(JSON.stringify(error.toJSON())).not.toContain('fake-at-1')
  })
})
