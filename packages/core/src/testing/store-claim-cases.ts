import assert from 'node:assert/strict'
import { nanoid, newAccountId } from '../ids'
import type { AccountRecord, RevokeClaim } from '../model'
import type { Store } from '../store'
import type { ConformanceCase, StoreCase, StoreConformanceTarget } from './store-conformance'
import { bump, sampleEvent, sampleRecord } from './store-fixtures'

const claimOf = (label: string): RevokeClaim => ({ id: `clm_${label}`, expiresAt: 1_900_000_000_000 })

/** The event types of an account, oldest first. */
const eventTypes = async (store: Store, id: string) => (await store.events(id)).map((e) => e.type)

/**
 * The cases for {@link Store.claim}, the narrow compare-and-set a revoke claims with, and for
 * deferred scrubbing ({@link Store.flush}). Part of `storeConformance`.
 */
export function claimCases(withStores: StoreCase, target: StoreConformanceTarget): ConformanceCase[] {
  return [
    withStores(
      'claim sets and clears the claim, bumps the version and changes nothing else',
      async (store, peer) => {
        const record = sampleRecord({
          credentials: { access_token: 'fake-claim-at', scope: 'a b' },
          revokedSubjects: ['refresh_token'],
          lastFailedRevoke: {
            claimId: 'clm_earlier',
            at: '2026-01-01T00:00:00.000Z',
            status: 500,
            slug: 'revoke_failed',
            message: 'm',
            errors: ['e'],
            subjects: { access_token: 'failed', refresh_token: 'revoked' },
          },
        })
        await store.insert(record, [sampleEvent(record)])
        const claim = claimOf('set')
        assert.equal(await peer.claim(record.id, 1, claim), true)
        assert.deepEqual(await store.get(record.id), { ...record, claim, version: 2 })
        assert.equal(await store.claim(record.id, 2, null), true)
        assert.deepEqual(await peer.get(record.id), { ...record, claim: null, version: 3 })
        assert.deepEqual(await eventTypes(store, record.id), ['created'], 'a claim writes no event')
        assert.deepEqual(await eventTypes(peer, record.id), ['created'])
      },
    ),

    withStores(
      'claim on a stale version or a missing record is false and writes nothing',
      async (store, peer) => {
        const record = sampleRecord({ claim: claimOf('held') })
        await store.insert(record, [sampleEvent(record)])
        assert.equal(await store.claim(record.id, 2, claimOf('ahead')), false)
        assert.equal(await peer.claim(record.id, 0, null), false)
        assert.deepEqual(await store.get(record.id), record)
        const missing = newAccountId()
        assert.equal(await store.claim(missing, 1, claimOf('nobody')), false)
        assert.equal(await peer.get(missing), undefined)
        assert.deepEqual(await eventTypes(store, missing), [])
      },
    ),

    withStores('a compareAndSet after a claim needs the version the claim wrote', async (store, peer) => {
      const record = sampleRecord()
      await store.insert(record, [sampleEvent(record)])
      const claim = claimOf('first')
      assert.equal(await store.claim(record.id, 1, claim), true)
      assert.equal(await peer.compareAndSet(record.id, 1, bump(record, { userId: 'stale' }), []), false)
      assert.equal(await peer.claim(record.id, 1, claimOf('stale')), false)
      assert.deepEqual(await store.get(record.id), { ...record, claim, version: 2 })
      const claimed = (await peer.get(record.id)) as AccountRecord
      const next = bump(claimed, { status: 'REVOKED', credentials: {}, claim: null })
      assert.equal(
        await peer.compareAndSet(record.id, 2, next, [sampleEvent(next, 'revoked')], { scrub: true }),
        true,
      )
      assert.deepEqual(await store.get(record.id), next)
      assert.deepEqual(await eventTypes(store, record.id), ['created', 'revoked'])
      assert.equal(await store.claim(record.id, 2, null), false, 'the version moved on again')
      assert.equal(await store.claim(record.id, 3, claimOf('after')), true)
      assert.equal((await peer.get(record.id))?.version, 4)
    }),

    withStores(
      'claim stores a copy: changing the argument or a result afterwards changes nothing',
      async (store) => {
        const record = sampleRecord()
        await store.insert(record, [])
        const claim = { id: 'clm_original', expiresAt: 1_900_000_000_000 }
        assert.equal(await store.claim(record.id, 1, claim), true)
        claim.id = 'clm_mutated'
        const got = (await store.get(record.id)) as { claim: { id: string } }
        assert.equal(got.claim.id, 'clm_original')
        got.claim.id = 'clm_mutated'
        assert.equal((await store.get(record.id))?.claim?.id, 'clm_original')
        assert.deepEqual(await store.get(record.id), { ...record, claim: claimOf('original'), version: 2 })
      },
    ),

    withStores(
      'exactly one of many concurrent claims on one version wins, across handles',
      async (store, peer) => {
        const record = sampleRecord()
        await store.insert(record, [sampleEvent(record)])
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) => (i % 2 ? peer : store).claim(record.id, 1, claimOf(`c${i}`))),
        )
        assert.equal(results.filter(Boolean).length, 1)
        const winner = results.indexOf(true)
        assert.deepEqual(await peer.get(record.id), { ...record, claim: claimOf(`c${winner}`), version: 2 })
        assert.deepEqual(await eventTypes(store, record.id), ['created'])
      },
    ),

    withStores(
      'exactly one wins among concurrent claims and compareAndSets on one version, across handles',
      async (store, peer) => {
        const record = sampleRecord()
        await store.insert(record, [sampleEvent(record)])
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) => {
            const handle = i % 4 < 2 ? store : peer
            return i % 2
              ? handle.compareAndSet(record.id, 1, bump(record, { userId: `writer-${i}` }), [
                  sampleEvent(record, 'disabled'),
                ])
              : handle.claim(record.id, 1, claimOf(`c${i}`))
          }),
        )
        assert.equal(results.filter(Boolean).length, 1)
        const winner = results.indexOf(true)
        const stored = await peer.get(record.id)
        if (winner % 2) {
          assert.deepEqual(stored, bump(record, { userId: `writer-${winner}` }))
          assert.deepEqual(await eventTypes(store, record.id), ['created', 'disabled'])
        } else {
          assert.deepEqual(stored, { ...record, claim: claimOf(`c${winner}`), version: 2 })
          assert.deepEqual(await eventTypes(store, record.id), ['created'])
        }
      },
    ),

    withStores('flush resolves, also with nothing to do, and the store stays usable', async (store, peer) => {
      await store.flush?.()
      const record = sampleRecord()
      await store.insert(record, [])
      await peer.compareAndSet(record.id, 1, bump(record, { credentials: {} }), [], { scrub: true })
      await Promise.all([store.flush?.(), store.flush?.(), peer.flush?.()])
      await store.flush?.()
      assert.equal(await store.claim(record.id, 2, claimOf('after-flush')), true)
      assert.equal((await peer.get(record.id))?.claim?.id, 'clm_after-flush')
    }),

    withStores(
      'after scrubbing writes and flush, the removed values are gone, from the files too',
      async (store, peer) => {
        const tag = nanoid(10)
        const live = `fake-live-${tag}`
        const keeper = sampleRecord({ credentials: { access_token: live } })
        await store.insert(keeper, [])
        const dead: string[] = []
        const records: AccountRecord[] = []
        for (let i = 0; i < 40; i++) {
          const access = `fake-dead-at-${tag}-${i}`
          const refresh = `fake-dead-rt-${tag}-${i}`
          dead.push(access, refresh)
          const record = sampleRecord({
            credentials: { access_token: access, refresh_token: refresh, scope: 'x' },
          })
          await store.insert(record, [sampleEvent(record)])
          records.push(record)
        }
        const search = async () => {
          if (!target.storedBytes) return undefined
          const files = (await target.storedBytes(store)).map((bytes) => Buffer.from(bytes))
          const found = (value: string) => files.some((bytes) => bytes.includes(Buffer.from(value, 'utf8')))
          return { dead: dead.filter(found), live: found(live) }
        }
        // The search must see values that are there, or finding none afterwards would mean nothing.
        const before = await search()
        if (before) assert.equal(before.dead.length, dead.length, 'the values are in the files before')
        for (const [i, record] of records.entries()) {
          // Claimed first, as a revoke does, then committed with the tokens removed.
          const handle = i % 2 ? peer : store
          assert.equal(await handle.claim(record.id, 1, claimOf(`r${i}`)), true)
          const next = {
            ...record,
            status: 'REVOKED' as const,
            credentials: { scope: 'x' },
            claim: null,
            version: 3,
          }
          assert.equal(
            await handle.compareAndSet(record.id, 2, next, [sampleEvent(next, 'revoked')], { scrub: true }),
            true,
          )
        }
        await Promise.all([store.flush?.(), peer.flush?.()])
        for (const record of records) {
          const got = await peer.get(record.id)
          assert.deepEqual(got?.credentials, { scope: 'x' })
        }
        const after = await search()
        if (after) {
          assert.deepEqual(after.dead, [], 'no removed value is left in the files')
          assert.equal(after.live, true, 'the live account keeps its token')
        }
      },
    ),
  ]
}
