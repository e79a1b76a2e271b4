import assert from 'node:assert/strict'
import { failed, revoked } from '../adapter'
import { createEngine } from '../engine'
import { isRevokitError } from '../errors'
import { newAccountId } from '../ids'
import type { AccountRecord } from '../model'
import type { Store } from '../store'
import { later, scriptedAdapter } from './scripted-adapter'
import { claimCases } from './store-claim-cases'
import { connectCases } from './store-connect-cases'
import { bump, sampleEvent, sampleRecord } from './store-fixtures'

export { sampleAuthorization } from './store-connect-cases'
export { sampleRecord } from './store-fixtures'

/** How the suite gets stores. */
export interface StoreConformanceTarget {
  /** A fresh, empty store. */
  create(): Store | Promise<Store>
  /**
   * Another handle on the same data, as a second process would open it (a second connection,
   * or the same file opened again). Defaults to `store` itself.
   */
  peer?(store: Store): Store | Promise<Store>
  /** Called after each case with every store it created. */
  cleanup?(stores: Store[]): void | Promise<void>
  /**
   * The raw contents of every file the store keeps for `store`'s data (for SQLite: the database,
   * `-wal` and `-shm` files), read while it is open. When given, the scrub cases search these
   * bytes for removed values; omit it for stores without files you can read.
   */
  storedBytes?(store: Store): readonly Uint8Array[] | Promise<readonly Uint8Array[]>
}

/** Runs one case's body on a fresh store and its peer, cleaning both up afterwards. */
export type StoreCase = (name: string, body: (store: Store, peer: Store) => Promise<void>) => ConformanceCase

/** One case of the suite: register it with your runner, e.g. `it(c.name, c.run)`. */
export interface ConformanceCase {
  readonly name: string
  run(): Promise<void>
}

/**
 * The behaviour every {@link Store} must have, as runner-agnostic cases (they throw on failure).
 * Covers round trips, compare-and-set and claim atomicity across handles, keyset listing and
 * filters, audit events, scrubbing (with `flush`, and in the files when the target can read
 * them) of credentials and of pending authorizations, the connect flow's fields (pending
 * authorization, refresh failure, status reason) kept exact and untouched by claims, and, through real engines on two handles, one dispatch per subject and claim expiry
 * after a crash.
 *
 * @example
 * ```ts
 * for (const c of storeConformance({ create: () => memoryStore() })) it(c.name, c.run)
 * ```
 */
export function storeConformance(target: StoreConformanceTarget): ConformanceCase[] {
  const withStores: StoreCase = (name, body) => ({
    name,
    async run() {
      const store = await target.create()
      const created = [store]
      try {
        const peer = target.peer ? await target.peer(store) : store
        if (peer !== store) created.push(peer)
        await body(store, peer)
      } finally {
        await target.cleanup?.(created)
      }
    },
  })

  return [
    withStores('returns exactly what was inserted, as a copy', async (store) => {
      const record = sampleRecord({
        credentials: {
          access_token: 'fake-a',
          scope: 'a b',
          expires_at: 1700000000,
          nested: { team: { id: 'T1' } },
          unicode: 'ζ✓',
        },
        revokedSubjects: ['refresh_token'],
        pendingSubjects: [],
        claim: { id: 'clm_x', expiresAt: 1_900_000_000_000 },
        lastFailedRevoke: {
          claimId: 'clm_y',
          at: '2026-01-01T00:00:00.000Z',
          status: 500,
          slug: 'revoke_failed',
          message: 'm',
          errors: ['e'],
          subjects: { access_token: 'failed', refresh_token: 'not_held' },
        },
      })
      assert.equal(await store.insert(record, [sampleEvent(record)]), true)
      const got = await store.get(record.id)
      assert.deepEqual(got, record)
      ;(got as { credentials: Record<string, unknown> }).credentials.access_token = 'mutated'
      assert.deepEqual(await store.get(record.id), record, 'mutating a result must not change the store')
    }),

    withStores('get of an unknown id is undefined', async (store) => {
      assert.equal(await store.get(newAccountId()), undefined)
    }),

    withStores('insert refuses a duplicate id and leaves the first record alone', async (store, peer) => {
      const record = sampleRecord()
      assert.equal(await store.insert(record, [sampleEvent(record)]), true)
      const duplicate = sampleRecord({ id: record.id, userId: 'someone-else' })
      assert.equal(await peer.insert(duplicate, [sampleEvent(duplicate)]), false)
      assert.deepEqual(await store.get(record.id), record)
      assert.equal((await store.events(record.id)).length, 1)
    }),

    withStores('compareAndSet writes the record and its events when the version matches', async (store) => {
      const record = sampleRecord()
      await store.insert(record, [sampleEvent(record)])
      const next = bump(record, { status: 'INACTIVE', updatedAt: new Date().toISOString() })
      assert.equal(await store.compareAndSet(record.id, 1, next, [sampleEvent(next, 'disabled')]), true)
      assert.deepEqual(await store.get(record.id), next)
      assert.deepEqual(
        (await store.events(record.id)).map((e) => e.type),
        ['created', 'disabled'],
      )
    }),

    withStores('compareAndSet with a stale version writes nothing', async (store) => {
      const record = sampleRecord()
      await store.insert(record, [sampleEvent(record)])
      await store.compareAndSet(record.id, 1, bump(record), [])
      assert.equal(
        await store.compareAndSet(record.id, 1, bump(record, { status: 'EXPIRED' }), [
          sampleEvent(record, 'expired'),
        ]),
        false,
      )
      assert.equal((await store.get(record.id))?.status, 'ACTIVE')
      assert.equal((await store.get(record.id))?.version, 2)
      assert.deepEqual(
        (await store.events(record.id)).map((e) => e.type),
        ['created'],
      )
    }),

    withStores('compareAndSet on a missing record is false', async (store) => {
      const record = sampleRecord()
      assert.equal(await store.compareAndSet(record.id, 1, bump(record), []), false)
      assert.equal(await store.get(record.id), undefined)
    }),

    withStores(
      'exactly one of many concurrent compareAndSets on one version wins, across handles',
      async (store, peer) => {
        const record = sampleRecord()
        await store.insert(record, [sampleEvent(record)])
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            (i % 2 ? peer : store).compareAndSet(record.id, 1, bump(record, { userId: `writer-${i}` }), [
              sampleEvent(record, 'disabled'),
            ]),
          ),
        )
        assert.equal(results.filter(Boolean).length, 1)
        const winner = results.indexOf(true)
        assert.equal((await peer.get(record.id))?.userId, `writer-${winner}`)
        assert.equal((await store.events(record.id)).length, 2, 'only the winner’s event is kept')
      },
    ),

    withStores('a write through one handle is visible through the other', async (store, peer) => {
      const record = sampleRecord()
      await store.insert(record, [])
      assert.deepEqual(await peer.get(record.id), record)
      const next = bump(record, { status: 'REVOKED', credentials: {} })
      assert.equal(await peer.compareAndSet(record.id, 1, next, [], { scrub: true }), true)
      assert.deepEqual(await store.get(record.id), next)
    }),

    withStores('a scrubbing write removes the values from what the store returns', async (store) => {
      const record = sampleRecord({
        credentials: { access_token: 'fake-scrub-me-1', refresh_token: 'fake-keep-me-1' },
      })
      await store.insert(record, [])
      await store.compareAndSet(
        record.id,
        1,
        bump(record, { credentials: { refresh_token: 'fake-keep-me-1' } }),
        [],
        { scrub: true },
      )
      const got = await store.get(record.id)
      assert.equal(JSON.stringify(got).includes('fake-scrub-me-1'), false)
      assert.equal(got?.credentials.refresh_token, 'fake-keep-me-1')
    }),

    withStores('events are per account, oldest first', async (store) => {
      const a = sampleRecord()
      const b = sampleRecord()
      await store.insert(a, [sampleEvent(a)])
      await store.insert(b, [sampleEvent(b)])
      await store.compareAndSet(a.id, 1, bump(a, { status: 'INACTIVE' }), [sampleEvent(a, 'disabled')])
      await store.compareAndSet(a.id, 2, bump(bump(a), { status: 'ACTIVE' }), [sampleEvent(a, 'enabled')])
      assert.deepEqual(
        (await store.events(a.id)).map((e) => e.type),
        ['created', 'disabled', 'enabled'],
      )
      assert.deepEqual(
        (await store.events(b.id)).map((e) => e.type),
        ['created'],
      )
      assert.deepEqual(await store.events(newAccountId()), [])
    }),

    withStores('list walks (createdAt, id) order in keyset pages without gaps or repeats', async (store) => {
      const base = Date.parse('2026-03-01T00:00:00.000Z')
      const inserted: AccountRecord[] = []
      // Several records share a createdAt, so the id must break ties.
      for (let i = 0; i < 57; i++) {
        const record = sampleRecord({ createdAt: new Date(base + Math.floor(i / 3) * 1000).toISOString() })
        inserted.push(record)
      }
      for (const record of [...inserted].reverse()) await store.insert(record, [])
      const expected = [...inserted].sort((x, y) =>
        x.createdAt === y.createdAt ? (x.id < y.id ? -1 : 1) : x.createdAt < y.createdAt ? -1 : 1,
      )
      const seen: string[] = []
      let after: { createdAt: string; id: string } | undefined
      for (;;) {
        const page = await store.list({ limit: 10, ...(after ? { after } : {}) })
        seen.push(...page.map((r) => r.id))
        if (page.length < 10) break
        const last = page.at(-1) as AccountRecord
        after = { createdAt: last.createdAt, id: last.id }
      }
      assert.deepEqual(
        seen,
        expected.map((r) => r.id),
      )
    }),

    withStores('list and count filter by project, users, toolkits and statuses together', async (store) => {
      const rows: Array<Partial<AccountRecord>> = [
        { projectId: 'p1', userId: 'alice', toolkit: 'gmail', status: 'ACTIVE' },
        { projectId: 'p1', userId: 'alice', toolkit: 'slack', status: 'ACTIVE' },
        { projectId: 'p1', userId: 'bob', toolkit: 'gmail', status: 'REVOKED' },
        { projectId: 'p1', userId: 'carol', toolkit: 'github', status: 'INACTIVE' },
        { projectId: 'p2', userId: 'alice', toolkit: 'gmail', status: 'ACTIVE' },
        { projectId: 'p1', userId: 'alice', toolkit: 'gmail', status: 'DELETED' },
      ]
      for (const row of rows) await store.insert(sampleRecord(row), [])
      const ids = async (q: Parameters<Store['list']>[0]) =>
        (await store.list(q)).map((r) => `${r.projectId}/${r.userId}/${r.toolkit}/${r.status}`).sort()
      assert.deepEqual(await ids({ projectId: 'p1', userIds: ['alice'], limit: 50 }), [
        'p1/alice/gmail/ACTIVE',
        'p1/alice/gmail/DELETED',
        'p1/alice/slack/ACTIVE',
      ])
      assert.deepEqual(
        await ids({ projectId: 'p1', toolkits: ['gmail'], statuses: ['ACTIVE', 'REVOKED'], limit: 50 }),
        ['p1/alice/gmail/ACTIVE', 'p1/bob/gmail/REVOKED'],
      )
      assert.deepEqual(
        await ids({ userIds: ['alice', 'carol'], statuses: ['ACTIVE', 'INACTIVE'], limit: 50 }),
        [
          'p1/alice/gmail/ACTIVE',
          'p1/alice/slack/ACTIVE',
          'p1/carol/github/INACTIVE',
          'p2/alice/gmail/ACTIVE',
        ],
      )
      assert.deepEqual(await ids({ projectId: 'p3', limit: 50 }), [])
      assert.equal(await store.count({ projectId: 'p1', statuses: ['ACTIVE'] }), 2)
      assert.equal(await store.count({ toolkits: ['gmail'] }), 4)
      assert.equal(await store.count({ userIds: ['nobody'] }), 0)
      assert.equal(await store.count({}), 6)
    }),

    withStores(
      'engines on two handles dispatch each subject exactly once however many revoke at once',
      async (store, peer) => {
        const adapter = scriptedAdapter({
          script: {
            refresh_token: [later(30, revoked())],
          },
        })
        const a = createEngine({ store, adapters: [adapter] })
        const b = createEngine({ store: peer, adapters: [adapter] })
        const account = await a.create({
          userId: 'u',
          toolkit: 'test',
          credentials: { access_token: 'fake-at-1', refresh_token: 'fake-rt-1' },
        })
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).revoke(account.id)),
        )
        assert.deepEqual(adapter.calls.map((c) => c.subject).sort(), ['access_token', 'refresh_token'])
        const reporters = results.filter((r) => r.revokedTokens.length > 0)
        assert.equal(reporters.length, 1)
        assert.deepEqual(reporters[0]?.revokedTokens, ['access_token', 'refresh_token'])
        assert.equal(results.filter((r) => r.revokedTokens.length === 0).length, 19)
        const stored = await peer.get(account.id)
        assert.equal(stored?.status, 'REVOKED')
        assert.deepEqual(stored?.credentials, {})
      },
    ),

    withStores(
      'callers that waited on a failed revoke get its failure without dispatching again',
      async (store, peer) => {
        const adapter = scriptedAdapter({
          supportsRefresh: false,
          script: {
            access_token: [later(30, failed({ retryable: false, reason: 'HTTP 422 from provider' }))],
          },
        })
        const a = createEngine({ store, adapters: [adapter] })
        const b = createEngine({ store: peer, adapters: [adapter] })
        const account = await a.create({
          userId: 'u',
          toolkit: 'test',
          credentials: { access_token: 'fake-at-2' },
        })
        const settled = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? b : a).revoke(account.id)),
        )
        assert.equal(adapter.calls.length, 1)
        for (const s of settled) {
          assert.equal(s.status, 'rejected')
          assert.ok(isRevokitError(s.reason) && s.reason.status === 500)
        }
        const stored = await store.get(account.id)
        assert.equal(stored?.status, 'ACTIVE')
        assert.equal(stored?.credentials.access_token, 'fake-at-2')
        assert.equal(stored?.claim, null)
      },
    ),

    withStores(
      'a claim left by a crashed revoke expires and the account is revokable again',
      async (store, peer) => {
        const adapter = scriptedAdapter()
        const engine = createEngine({ store: peer, adapters: [adapter], deadlineMs: 200, claimGraceMs: 100 })
        const record = sampleRecord({ toolkit: 'test' })
        await store.insert(record, [])
        // What a process killed after claiming leaves behind: a claim nobody will release.
        const orphaned = bump(record, { claim: { id: 'clm_crashed', expiresAt: Date.now() + 300 } })
        assert.equal(await store.compareAndSet(record.id, 1, orphaned, []), true)
        const started = Date.now()
        const result = await engine.revoke(record.id)
        assert.ok(Date.now() - started >= 250, 'the revoke must wait for the orphaned claim to expire')
        assert.deepEqual(result.revokedTokens, ['access_token', 'refresh_token'])
        assert.equal((await store.get(record.id))?.status, 'REVOKED')
      },
    ),
    ...claimCases(withStores, target),
    ...connectCases(withStores, target),
  ]
}
