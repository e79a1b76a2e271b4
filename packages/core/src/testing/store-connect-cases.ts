import assert from 'node:assert/strict'
import { nanoid } from '../ids'
import type { AccountRecord, FailedRefresh, PendingAuthorization } from '../model'
import type { Store } from '../store'
import type { ConformanceCase, StoreCase, StoreConformanceTarget } from './store-conformance'
import { bump, sampleEvent, sampleRecord } from './store-fixtures'

/** A pending authorization whose secret parts carry `tag`, so a byte search finds only them. */
export function sampleAuthorization(tag: string = nanoid(10)): PendingAuthorization {
  return {
    stateHash: `fake-state-hash-${tag}`,
    codeVerifier: `fake-verifier-${tag}-${nanoid(24)}`,
    redirectUri: 'https://app.example/revokit/callback',
    callbackUrl: 'https://app.example/done?x=1',
    scopes: ['openid', 'email'],
    expiresAt: 1_900_000_000_000,
    linkToken: `lnk_${tag}`,
  }
}

const failedRefresh: FailedRefresh = {
  claimId: 'clm_refresh',
  at: '2026-01-01T00:00:00.000Z',
  status: 503,
  slug: 'refresh_failed',
  message: 'the provider answered HTTP 503',
  errors: ['HTTP 503 from provider'],
  retryAfterMs: 2000,
}

/** What a careless caller writes into a record it was handed. */
interface Scribbled {
  authorization: { codeVerifier: string; scopes: string[] }
  lastFailedRefresh: { status: number; errors: string[] }
}

/** `record` without its `authorization` key at all (what "absent means none" looks like). */
function withoutAuthorization(record: AccountRecord): AccountRecord {
  const { authorization: _gone, ...rest } = record
  return rest
}

/**
 * The cases for the fields the connect flow adds to a record: the pending authorization (a
 * secret, kept and scrubbed like credentials), the last refresh failure and the status reason.
 * Part of `storeConformance`.
 */
export function connectCases(withStores: StoreCase, target: StoreConformanceTarget): ConformanceCase[] {
  return [
    withStores(
      'a pending authorization, a refresh failure, a status reason, an alias and the tokens’ age round-trip exactly, as copies',
      async (store, peer) => {
        const authorization = sampleAuthorization()
        const record = sampleRecord({
          status: 'INITIATED',
          credentials: {},
          authorization,
          lastFailedRefresh: failedRefresh,
          statusReason: 'invalid_grant: the refresh token was revoked',
          alias: 'work inbox',
          tokensObtainedAt: 1_800_000_000_000,
        })
        const argument = structuredClone(record)
        assert.equal(await store.insert(argument, [sampleEvent(record)]), true)
        // The caller's object is theirs again once the call resolves.
        const changed = argument as unknown as Scribbled
        changed.authorization.scopes.push('mutated')
        changed.lastFailedRefresh.errors.push('mutated')
        assert.deepEqual(await store.get(record.id), record)
        assert.deepEqual(await peer.get(record.id), record)
        assert.deepEqual(await peer.list({ limit: 10 }), [record])

        const got = (await store.get(record.id)) as unknown as Scribbled
        got.authorization.codeVerifier = 'mutated'
        got.authorization.scopes.push('mutated')
        got.lastFailedRefresh.status = 0
        assert.deepEqual(await store.get(record.id), record, 'mutating a result must not change the store')

        // PKCE off: a null verifier is a value like any other. And both fields may be null.
        const noPkce = bump(record, {
          authorization: { ...sampleAuthorization(), codeVerifier: null, callbackUrl: null, scopes: [] },
          lastFailedRefresh: null,
          statusReason: null,
          alias: null,
          tokensObtainedAt: null,
        })
        assert.equal(await peer.compareAndSet(record.id, 1, noPkce, []), true)
        assert.deepEqual(await store.get(record.id), noPkce)
        const cleared = bump(noPkce, { authorization: null, status: 'EXPIRED', statusReason: 'link expired' })
        assert.equal(await store.compareAndSet(record.id, 2, cleared, [], { scrub: true }), true)
        assert.deepEqual(await peer.get(record.id), cleared)
        const absent = withoutAuthorization(bump(cleared, { status: 'INITIATED' }))
        assert.equal(await store.compareAndSet(record.id, 3, absent, []), true)
        const stored = (await peer.get(record.id)) as AccountRecord
        assert.equal(stored.authorization ?? null, null, 'absent authorization must read back as none')
        assert.deepEqual(withoutAuthorization(stored), absent)
      },
    ),

    withStores(
      'claim leaves the pending authorization and the credentials untouched',
      async (store, peer) => {
        const record = sampleRecord({
          credentials: { access_token: 'fake-claim-at', refresh_token: 'fake-claim-rt', expires_at: 1 },
          authorization: sampleAuthorization(),
          lastFailedRefresh: failedRefresh,
          statusReason: 'refreshing',
        })
        await store.insert(record, [sampleEvent(record)])
        const claim = { id: 'clm_refresh_1', expiresAt: 1_900_000_000_000 }
        assert.equal(await peer.claim(record.id, 1, claim), true)
        assert.deepEqual(await store.get(record.id), { ...record, claim, version: 2 })
        assert.equal(await store.claim(record.id, 2, null), true)
        assert.deepEqual(await peer.get(record.id), { ...record, claim: null, version: 3 })
      },
    ),

    withStores(
      'replacing or clearing a pending authorization with scrub removes the old verifier, from the files too',
      async (store, peer) => {
        const keeper = sampleRecord({
          status: 'INITIATED',
          credentials: {},
          authorization: sampleAuthorization(),
        })
        await store.insert(keeper, [sampleEvent(keeper)])
        // Four ways a write ends an authorization: a new one replaces it (refresh falling back to
        // consent), the callback completes it (tokens in, authorization null), the link expires
        // (the key dropped), or a caller writes `undefined`.
        const endings = ['replaced', 'completed', 'dropped', 'undefined'] as const
        const cases = Array.from({ length: 24 }, (_, i) => {
          const ending = endings[i % endings.length] as (typeof endings)[number]
          const record = sampleRecord({
            status: 'INITIATED',
            credentials: {},
            authorization: sampleAuthorization(),
          })
          return { ending, record }
        })
        for (const { record } of cases) await store.insert(record, [sampleEvent(record)])
        const secretsOf = (record: AccountRecord) => {
          const a = record.authorization as PendingAuthorization
          return [a.codeVerifier as string, a.stateHash]
        }
        const dead = cases.flatMap(({ record }) => secretsOf(record))
        const live = secretsOf(keeper)
        const search = async () => {
          if (!target.storedBytes) return undefined
          const files = (await target.storedBytes(store)).map((bytes) => Buffer.from(bytes))
          const found = (value: string) => files.some((bytes) => bytes.includes(Buffer.from(value, 'utf8')))
          return { found, dead: dead.filter(found), live: live.filter(found) }
        }
        // The search must see values that are there, or finding none afterwards would mean nothing.
        const before = await search()
        if (before) assert.equal(before.dead.length, dead.length, 'the verifiers are in the files before')

        const written: Array<{ ending: string; next: AccountRecord }> = []
        for (const [i, { ending, record }] of cases.entries()) {
          const handle: Store = i % 2 ? peer : store
          // Claimed first, as the engine does before it completes or refreshes.
          assert.equal(
            await handle.claim(record.id, 1, { id: `clm_c${i}`, expiresAt: 1_900_000_000_000 }),
            true,
          )
          const claimed = { ...record, claim: { id: `clm_c${i}`, expiresAt: 1_900_000_000_000 }, version: 2 }
          const next: AccountRecord =
            ending === 'replaced'
              ? bump(claimed, { authorization: sampleAuthorization(), claim: null })
              : ending === 'completed'
                ? bump(claimed, {
                    status: 'ACTIVE',
                    credentials: {
                      access_token: `fake-at-${nanoid(12)}`,
                      refresh_token: `fake-rt-${nanoid(12)}`,
                    },
                    authorization: null,
                    claim: null,
                  })
                : ending === 'dropped'
                  ? withoutAuthorization(bump(claimed, { status: 'EXPIRED', claim: null }))
                  : bump(claimed, { status: 'EXPIRED', authorization: undefined, claim: null })
          assert.equal(await handle.compareAndSet(record.id, 2, next, [], { scrub: true }), true)
          written.push({ ending, next })
        }
        await Promise.all([store.flush?.(), peer.flush?.()])

        for (const { ending, next } of written) {
          const got = (await peer.get(next.id)) as AccountRecord
          if (ending === 'replaced' || ending === 'completed') assert.deepEqual(got, next)
          else {
            assert.equal(got.authorization ?? null, null, `${ending}: the authorization is gone`)
            assert.deepEqual(withoutAuthorization(got), withoutAuthorization(next))
          }
          if (ending !== 'replaced') assert.equal(JSON.stringify(got).includes('fake-verifier'), false)
        }
        const after = await search()
        if (after) {
          assert.deepEqual(
            after.dead,
            [],
            'no replaced or cleared verifier or state hash is left in the files',
          )
          assert.deepEqual(after.live, live, 'the pending authorization of another account stays')
          const replacements = written
            .filter(({ ending }) => ending === 'replaced')
            .flatMap(({ next }) => secretsOf(next))
          assert.deepEqual(
            replacements.filter((value) => !after.found(value)),
            [],
            'the new ones are stored',
          )
        }
      },
    ),
  ]
}
