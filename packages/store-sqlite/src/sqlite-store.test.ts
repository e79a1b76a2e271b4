import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { type AccountRecord, createEngine, isRevokitError, type Store } from '@revokit/core'
import { sampleAuthorization, sampleRecord, scriptedAdapter, storeConformance } from '@revokit/core/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { dbBytes, fakeSecret, removeTempDirs, tempDbPath } from '../test/helpers'
import { SqliteStoreError } from './errors'
import { sqliteStore } from './sqlite-store'

afterAll(removeTempDirs)
const open: Store[] = []
afterEach(async () => {
  for (const store of open.splice(0)) await store.close?.()
})

function setup(path = tempDbPath()) {
  const store = sqliteStore({ path })
  open.push(store)
  return { path, store }
}

/** Runs SQL on the file through a plain connection, as another program (or an attacker) would. */
function raw<T>(path: string, body: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path)
  try {
    return body(db)
  } finally {
    db.close()
  }
}

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
    storedBytes: (store) => Object.values(dbBytes(paths.get(store) as string)),
    async cleanup(stores) {
      for (const store of stores) await store.close?.()
    },
  }))
    it(c.name, c.run)
})

describe('sqliteStore', () => {
  it('creates the file and its directory, in WAL mode', async () => {
    const path = join(dirname(tempDbPath()), 'nested', 'deeper', 'revokit.db')
    setup(path)
    expect(existsSync(path)).toBe(true)
    expect(raw(path, (db) => db.prepare('PRAGMA journal_mode').get())).toEqual({ journal_mode: 'wal' })
  })

  it("works on ':memory:' for tests, one private database per store", async () => {
    const { store } = setup(':memory:')
    const record = sampleRecord()
    expect(await store.insert(record, [])).toBe(true)
    expect(
      await store.compareAndSet(record.id, 1, { ...record, credentials: {}, version: 2 }, [], {
        scrub: true,
      }),
    ).toBe(true)
    expect((await store.get(record.id))?.credentials).toEqual({})
  })

  it('rejects bad options with a TypeError that says what to pass', () => {
    expect(() => sqliteStore({ path: '' })).toThrow(/options.path must be/)
    expect(() => sqliteStore({ path: tempDbPath(), busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/)
    expect(() => sqliteStore({ path: tempDbPath(), synchronous: 'OFF' as 'FULL' })).toThrow(/synchronous/)
  })

  it('a pending authorization lives in the append-only secrets table, never in the account row', async () => {
    const { path, store } = setup()
    const first = sampleAuthorization()
    const record = sampleRecord({ status: 'INITIATED', credentials: {}, authorization: first })
    await store.insert(record, [])
    // What the account row holds, and which secrets rows hold what, read past the store.
    const rows = () =>
      raw(path, (db) => ({
        account: db
          .prepare('SELECT data, claim, secret_id, auth_secret_id FROM accounts WHERE id = ?')
          .get(record.id) as {
          data: string
          claim: string | null
          secret_id: number | null
          auth_secret_id: number | null
        },
        secrets: db.prepare('SELECT id, value FROM secrets ORDER BY id').all() as Array<{
          id: number
          value: Uint8Array
        }>,
      }))
    const text = (value: Uint8Array) => Buffer.from(value).toString('utf8')
    const secretParts = (a: typeof first) => [a.codeVerifier as string, a.stateHash]

    let stored = rows()
    for (const part of secretParts(first)) expect(stored.account.data).not.toContain(part)
    expect(stored.account.secret_id).toBeNull()
    expect(
      JSON.parse(
        text(stored.secrets.find((row) => row.id === stored.account.auth_secret_id)?.value as Uint8Array),
      ),
    ).toEqual(first)

    // A claim rewrites the row, not the secret.
    const before = stored.secrets
    expect(await store.claim(record.id, 1, { id: 'clm_x', expiresAt: 1_900_000_000_000 })).toBe(true)
    stored = rows()
    expect(stored.secrets).toEqual(before)
    for (const part of secretParts(first))
      expect(`${stored.account.data}${stored.account.claim}`).not.toContain(part)

    // A new authorization is appended; the old row stays where it was, zeroed to the same length.
    const second = sampleAuthorization()
    const replaced = { ...record, authorization: second, version: 3 }
    expect(await store.compareAndSet(record.id, 2, replaced, [], { scrub: true })).toBe(true)
    const oldId = before.find((row) => JSON.parse(text(row.value)).codeVerifier === first.codeVerifier)?.id
    stored = rows()
    const old = stored.secrets.find((row) => row.id === oldId) as { value: Uint8Array }
    expect(old.value.length).toBe(
      (before.find((row) => row.id === oldId) as { value: Uint8Array }).value.length,
    )
    expect(old.value.every((byte) => byte === 0)).toBe(true)
    expect(stored.account.auth_secret_id).toBeGreaterThan(oldId as number)
    for (const part of secretParts(second)) expect(stored.account.data).not.toContain(part)

    // Writing the same authorization again leaves its secret row alone.
    const same = { ...replaced, statusReason: 'again', authorization: structuredClone(second), version: 4 }
    expect(await store.compareAndSet(record.id, 3, same, [])).toBe(true)
    expect(rows().secrets).toEqual(stored.secrets)

    // Completing it: tokens in, authorization null, and its row zeroed too.
    const completed = {
      ...same,
      status: 'ACTIVE' as const,
      credentials: { access_token: fakeSecret('at') },
      authorization: null,
      version: 5,
    }
    expect(await store.compareAndSet(record.id, 4, completed, [], { scrub: true })).toBe(true)
    stored = rows()
    expect(stored.account.auth_secret_id).toBeNull()
    const live = stored.secrets.filter((row) => !row.value.every((byte) => byte === 0))
    expect(live.map((row) => row.id)).toEqual([stored.account.secret_id])
    expect(await store.get(record.id)).toEqual(completed)
  })

  it('compareAndSet refuses a next record that changes id or createdAt or skips a version, writing nothing', async () => {
    const { store } = setup()
    const record = sampleRecord()
    await store.insert(record, [])
    const event = {
      id: 'evt_x',
      accountId: record.id,
      projectId: record.projectId,
      type: 'disabled' as const,
      from: 'ACTIVE' as const,
      to: 'INACTIVE' as const,
      at: new Date().toISOString(),
      requestId: null,
    }
    const bad = [
      { ...record, id: 'ca_otherotherot', version: 2 },
      { ...record, createdAt: '2020-01-01T00:00:00.000Z', version: 2 },
      { ...record, version: 3 },
      { ...record, version: 1 },
    ]
    for (const next of bad) {
      await expect(store.compareAndSet(record.id, 1, next, [event])).rejects.toThrow(TypeError)
    }
    expect(await store.get(record.id)).toEqual(record)
    expect(await store.events(record.id)).toEqual([])
  })

  it('calls made together share a transaction, yet one that fails is undone alone', async () => {
    const { store, path } = setup()
    const records = Array.from({ length: 6 }, () => sampleRecord())
    // Inserted in one turn: each insert sees the ones before it (the duplicate is refused).
    const inserted = await Promise.all([
      ...records.map((record) => store.insert(record, [])),
      store.insert({ ...sampleRecord(), id: (records[0] as AccountRecord).id }, []),
    ])
    expect(inserted).toEqual([true, true, true, true, true, true, false])
    const [a, b, c, d] = records as [AccountRecord, AccountRecord, AccountRecord, AccountRecord]
    const results = await Promise.allSettled([
      store.compareAndSet(a.id, 1, { ...a, userId: 'moved', version: 2 }, []),
      store.compareAndSet(b.id, 1, { ...b, createdAt: '2020-01-01T00:00:00.000Z', version: 2 }, []),
      store.claim(c.id, 1, { id: 'clm_batch', expiresAt: 1_900_000_000_000 }),
      store.compareAndSet(c.id, 1, { ...c, userId: 'too-late', version: 2 }, []),
      store.get(a.id),
      store.compareAndSet(d.id, 1, { ...d, status: 'REVOKED', credentials: {}, version: 2 }, [], {
        scrub: true,
      }),
    ])
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ])
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'error'))).toEqual([
      true,
      'error',
      true,
      false,
      { ...a, userId: 'moved', version: 2 },
      true,
    ])
    // Another connection sees exactly the writes that succeeded.
    const other = sqliteStore({ path })
    open.push(other)
    expect(await other.get(a.id)).toEqual({ ...a, userId: 'moved', version: 2 })
    expect(await other.get(b.id)).toEqual(b)
    expect(await other.get(c.id)).toEqual({
      ...c,
      claim: { id: 'clm_batch', expiresAt: 1_900_000_000_000 },
      version: 2,
    })
    expect((await other.get(d.id))?.credentials).toEqual({})
  })

  it('a write that fails halfway leaves neither the record nor its events changed', async () => {
    const { store } = setup()
    const record = sampleRecord()
    await store.insert(record, [])
    const next = { ...record, status: 'INACTIVE' as const, version: 2 }
    // An event that cannot be serialised fails after the record's UPDATE ran, inside the transaction.
    const poisoned = { accountId: record.id, at: 1n } as unknown as Parameters<Store['insert']>[1][number]

    await expect(store.compareAndSet(record.id, 1, next, [poisoned])).rejects.toThrow(SqliteStoreError)

    expect(await store.get(record.id)).toEqual(record)
    expect(await store.compareAndSet(record.id, 1, next, [])).toBe(true)
  })

  it('a COMMIT that fails leaves the connection usable, not stuck inside the transaction', async () => {
    const { path, store } = setup()
    // Another program adds a deferred foreign key that every new event violates: SQLite checks
    // it only at COMMIT, so the store's COMMIT fails.
    raw(path, (db) =>
      db.exec(`
        CREATE TABLE parent (id TEXT PRIMARY KEY);
        CREATE TABLE child (parent_id TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER orphan AFTER INSERT ON events BEGIN INSERT INTO child VALUES ('missing'); END;
      `),
    )
    const record = sampleRecord()
    const created = {
      id: 'evt_1',
      accountId: record.id,
      projectId: record.projectId,
      type: 'created' as const,
      from: null,
      to: record.status,
      at: record.createdAt,
      requestId: null,
    }

    await expect(store.insert(record, [created])).rejects.toThrow(/FOREIGN KEY constraint failed/)
    expect(await store.get(record.id)).toBeUndefined()

    raw(path, (db) => db.exec('DROP TRIGGER orphan'))
    expect(await store.insert(record, [created])).toBe(true)
  })

  it('a store used after close() rejects with a clear error; close() twice is fine', async () => {
    const store = sqliteStore({ path: tempDbPath() })
    await store.close?.()
    await store.close?.()
    await expect(store.get('ca_abcdefabcdef')).rejects.toMatchObject({
      name: 'SqliteStoreError',
      reason: 'closed',
      message: expect.stringContaining('get after close()'),
    })
  })

  it('errors about damaged rows never carry the stored values, through the engine either', async () => {
    const { path, store } = setup()
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    const account = await engine.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { access_token: fakeSecret('access') },
    })
    // Damage the stored credentials so that JSON.parse fails on short text holding a value: V8 then
    // quotes the whole text in its message (`Unexpected token 'x', "x"fake-…"" is not valid JSON`).
    const short = `fake-${randomUUID().slice(0, 8)}`
    raw(path, (db) =>
      db
        .prepare('UPDATE secrets SET value = ? WHERE id = (SELECT secret_id FROM accounts WHERE id = ?)')
        .run(Buffer.from(`x"${short}"`), account.id),
    )

    const error = await store.get(account.id).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(SqliteStoreError)
    expect(error).toMatchObject({ reason: 'corrupt', message: expect.stringContaining(account.id) })
    const everything = (e: unknown): string =>
      e instanceof Error
        ? `${e.message}\n${e.stack}\n${everything((e as { cause?: unknown }).cause)}`
        : String(e)
    expect(everything(error)).not.toContain(short)

    const wrapped = await engine.get(account.id).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isRevokitError(wrapped) && wrapped.status).toBe(500)
    expect(isRevokitError(wrapped) && wrapped.slug).toBe('store_error')
    expect(JSON.stringify(isRevokitError(wrapped) && wrapped.toJSON())).not.toContain(short)
    expect(everything(wrapped)).not.toContain(short)
  })

  it('SQLite failures name the file and operation, e.g. a lock held past the busy timeout', async () => {
    const path = tempDbPath()
    const store = sqliteStore({ path, busyTimeoutMs: 50 })
    open.push(store)
    const blocker = new DatabaseSync(path)
    try {
      blocker.exec('BEGIN IMMEDIATE')
      const started = Date.now()
      await expect(store.insert(sampleRecord(), [])).rejects.toMatchObject({
        reason: 'sqlite',
        sqliteCode: 5,
        message: expect.stringMatching(new RegExp(`${path}.*insert failed: database is locked`)),
      })
      expect(Date.now() - started).toBeGreaterThanOrEqual(40)
    } finally {
      blocker.exec('ROLLBACK')
      blocker.close()
    }
    expect(await store.insert(sampleRecord(), [])).toBe(true)
  })
})
