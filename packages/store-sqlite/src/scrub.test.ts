import { DatabaseSync } from 'node:sqlite'
import { setTimeout as sleep } from 'node:timers/promises'
import { createEngine, failed, type Store } from '@revokit/core'
import { sampleRecord, scriptedAdapter } from '@revokit/core/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { fakeSecret, filesContaining, findOnDisk, removeTempDirs, tempDbPath } from '../test/helpers'
import { churn, storeTarget } from '../test/workload'
import { sqliteStore } from './sqlite-store'

// Every test reads the raw bytes of <file>, <file>-wal and <file>-shm while the store is still
// open, as a server would have them on disk, and searches them for token values.

const open: Store[] = []
afterEach(async () => {
  for (const store of open.splice(0)) await store.close?.()
})
afterAll(removeTempDirs)

function setup() {
  const path = tempDbPath()
  const store = sqliteStore({ path })
  open.push(store)
  return { path, store }
}

describe('dead token values leave the files', () => {
  it('a revoke removes both dead tokens from every file; another account’s live tokens stay', async () => {
    const { path, store } = setup()
    const adapter = scriptedAdapter()
    const engine = createEngine({ store, adapters: [adapter] })
    const dead = { access_token: fakeSecret('access'), refresh_token: fakeSecret('refresh') }
    const live = { access_token: fakeSecret('live-access'), refresh_token: fakeSecret('live-refresh') }
    const doomed = await engine.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { ...dead, scope: 'x' },
    })
    await engine.create({ userId: 'u2', toolkit: 'test', credentials: live })
    // The search can see the values before the revoke, so finding nothing afterwards means something.
    expect(filesContaining(path, dead.access_token)).not.toEqual([])
    expect(filesContaining(path, dead.refresh_token)).not.toEqual([])

    const result = await engine.revoke(doomed.id)

    expect(result.revokedTokens).toEqual(['access_token', 'refresh_token'])
    expect(adapter.calls).toHaveLength(2)
    expect(findOnDisk(path, Object.values(dead))).toEqual([[], []])
    expect(filesContaining(path, live.access_token)).not.toEqual([])
    expect(filesContaining(path, live.refresh_token)).not.toEqual([])
    expect((await store.get(doomed.id))?.credentials).toEqual({ scope: 'x' })
  })

  it('a partial revoke scrubs the dead token and keeps the pending one', async () => {
    const { path, store } = setup()
    const adapter = scriptedAdapter({
      script: { refresh_token: [failed({ retryable: false, reason: 'HTTP 400 from provider' })] },
    })
    const engine = createEngine({ store, adapters: [adapter] })
    const access = fakeSecret('access')
    const refresh = fakeSecret('refresh')
    const account = await engine.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { access_token: access, refresh_token: refresh },
    })

    const result = await engine.revoke(account.id)

    expect(result.subjects).toEqual({ access_token: 'revoked', refresh_token: 'failed' })
    expect(filesContaining(path, access)).toEqual([])
    expect(filesContaining(path, refresh)).not.toEqual([])
    expect((await store.get(account.id))?.pendingSubjects).toEqual(['refresh_token'])
  })

  it('a delete removes every credential value, extras included', async () => {
    const { path, store } = setup()
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    const values = [fakeSecret('access'), fakeSecret('refresh'), fakeSecret('id-token')]
    const account = await engine.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { access_token: values[0], refresh_token: values[1], id_token: values[2] },
    })
    const other = fakeSecret('other')
    await engine.create({ userId: 'u2', toolkit: 'test', credentials: { access_token: other } })
    expect(findOnDisk(path, values).every((files) => files.length > 0)).toBe(true)

    await engine.delete(account.id)

    expect(findOnDisk(path, values)).toEqual([[], [], []])
    expect(filesContaining(path, other)).not.toEqual([])
  })

  it('new credentials given on activation replace the old ones on disk too', async () => {
    const { path, store } = setup()
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    const old = fakeSecret('old')
    const fresh = fakeSecret('fresh')
    const account = await engine.create({ userId: 'u1', toolkit: 'test', credentials: { access_token: old } })
    await engine.expire(account.id)
    expect(filesContaining(path, old)).not.toEqual([])

    await engine.activate(account.id, { credentials: { access_token: fresh } })

    expect(filesContaining(path, old)).toEqual([])
    expect(filesContaining(path, fresh)).not.toEqual([])
  })

  // Seeds for which the layouts in the controls below do leave dead tokens behind.
  it.each([8, 9])('no dead token survives heavy churn of 600 accounts (seed %i)', async (seed) => {
    const { path, store } = setup()
    const { dead, live } = await churn(storeTarget(store), { seed, accounts: 600 })
    expect(dead.length).toBeGreaterThan(500)
    const found = findOnDisk(path, [...dead, ...live])
    expect(found.slice(0, dead.length).filter((files) => files.length > 0)).toEqual([])
    expect(found.slice(dead.length).every((files) => files.length > 0)).toBe(true)
  })

  it('a scrub that a long reader blocks is finished in the background once the reader leaves', async () => {
    const { path, store } = setup()
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    const dead = fakeSecret('access')
    const account = await engine.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { access_token: dead },
    })
    // Another program holding a read transaction keeps the WAL in use, so it cannot be truncated.
    const reader = new DatabaseSync(path)
    try {
      reader.exec('BEGIN')
      reader.prepare('SELECT count(*) AS n FROM accounts').get()

      const result = await engine.revoke(account.id)
      expect(result.revokedTokens).toEqual(['access_token'])
      expect(filesContaining(path, dead)).toContain(`${path}-wal`)

      reader.exec('COMMIT')
    } finally {
      reader.close()
    }
    // No further store call: the store's own retry must finish the job.
    const deadline = Date.now() + 5000
    while (filesContaining(path, dead).length > 0 && Date.now() < deadline) await sleep(50)
    expect(filesContaining(path, dead)).toEqual([])
  })
})

describe('controls: the byte search finds what a store fails to remove', () => {
  it('without the checkpoint, the replaced value is still in the WAL', async () => {
    const { path, store } = setup()
    const dead = fakeSecret('access')
    const record = sampleRecord({ credentials: { access_token: dead } })
    await store.insert(record, [])
    const next = { ...record, credentials: {}, version: 2 }

    expect(await store.compareAndSet(record.id, 1, next, [])).toBe(true)
    expect(filesContaining(path, dead)).toContain(`${path}-wal`)

    // Any later scrubbing write checkpoints the whole WAL, this page included.
    const other = sampleRecord()
    await store.insert(other, [])
    await store.compareAndSet(other.id, 1, { ...other, credentials: {}, version: 2 }, [], { scrub: true })
    expect(filesContaining(path, dead)).toEqual([])
  })

  it('without secure_delete, a replaced value stays in the database file even after a checkpoint', () => {
    const path = tempDbPath()
    const db = new DatabaseSync(path)
    try {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA secure_delete = OFF')
      db.exec('CREATE TABLE accounts (id TEXT PRIMARY KEY, data TEXT NOT NULL)')
      const dead = fakeSecret('access')
      // Other fields follow the token, so the smaller new row cannot happen to overwrite it.
      const credentials = { access_token: dead, scope: 'email profile '.repeat(20) }
      db.prepare('INSERT INTO accounts VALUES (?, ?)').run('ca_1', JSON.stringify(credentials))
      db.prepare('UPDATE accounts SET data = ? WHERE id = ?').run('{}', 'ca_1')
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      expect(filesContaining(path, dead)).toEqual([path])
    } finally {
      db.close()
    }
  })

  it('with credentials inside the account row, secure_delete and a checkpoint still leave dead tokens behind', async () => {
    // Why the store keeps credentials in an append-only table (see MIGRATIONS): the same churn as
    // above, on the obvious layout, leaves stale copies that b-tree rebalancing made.
    const path = tempDbPath()
    const db = new DatabaseSync(path)
    try {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA secure_delete = ON')
      db.exec('CREATE TABLE accounts (id TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT')
      const insert = db.prepare('INSERT INTO accounts VALUES (?, ?)')
      const update = db.prepare('UPDATE accounts SET data = ? WHERE id = ?')
      const { dead } = await churn(
        {
          async insert(record) {
            insert.run(record.id, JSON.stringify(record))
          },
          async update(_previous, next, scrub) {
            update.run(JSON.stringify(next), next.id)
            if (scrub) db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
          },
        },
        { seed: 8, accounts: 600 },
      )
      const leaked = findOnDisk(path, dead).filter((files) => files.length > 0)
      expect(leaked.length).toBeGreaterThan(0)
    } finally {
      db.close()
    }
  })

  it('with credentials in their own table, deleting replaced rows instead of zeroing them leaks too', async () => {
    // Why the store never deletes from `secrets`: a delete can merge pages, which copies live
    // tokens and leaves the originals in unused page space, where they outlive the token.
    const path = tempDbPath()
    const db = new DatabaseSync(path)
    try {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA secure_delete = ON')
      db.exec('CREATE TABLE secrets (id INTEGER PRIMARY KEY, value BLOB NOT NULL) STRICT')
      const secretOf = new Map<string, number | bigint>()
      const insert = db.prepare('INSERT INTO secrets (value) VALUES (?)')
      const remove = db.prepare('DELETE FROM secrets WHERE id = ?')
      const { dead } = await churn(
        {
          async insert(record) {
            secretOf.set(
              record.id,
              insert.run(Buffer.from(JSON.stringify(record.credentials))).lastInsertRowid,
            )
          },
          async update(previous, next, scrub) {
            if (JSON.stringify(previous.credentials) !== JSON.stringify(next.credentials)) {
              remove.run(secretOf.get(next.id) as number)
              secretOf.set(next.id, insert.run(Buffer.from(JSON.stringify(next.credentials))).lastInsertRowid)
            }
            if (scrub) db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
          },
        },
        { seed: 8, accounts: 600 },
      )
      const leaked = findOnDisk(path, dead).filter((files) => files.length > 0)
      expect(leaked.length).toBeGreaterThan(0)
    } finally {
      db.close()
    }
  })
})
