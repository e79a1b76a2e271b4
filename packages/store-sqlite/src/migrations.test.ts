import { writeFileSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { sampleAuthorization, sampleRecord } from '@revokit/core/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type Child, removeTempDirs, startChild, tempDbPath } from '../test/helpers'
import { SqliteStoreError } from './errors'
import { MIGRATIONS, type Migration, migrate, SCHEMA_VERSION } from './migrations'
import { type InternalSqliteStoreOptions, sqliteStore } from './sqlite-store'

afterAll(removeTempDirs)
const children: Child[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.process.kill('SIGKILL')
})

/** What the file says about its own schema, read through a plain connection. */
function inspect(path: string) {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    const versions = db
      .prepare('SELECT version, applied_at FROM schema_version ORDER BY version')
      .all() as Array<{
      version: number
      applied_at: string
    }>
    const tables = (
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string
      }>
    ).map((row) => row.name)
    return { versions, tables }
  } finally {
    db.close()
  }
}

function open(path: string, migrations?: readonly Migration[]) {
  const options: InternalSqliteStoreOptions = { path, ...(migrations ? { migrations } : {}) }
  return sqliteStore(options)
}

describe('schema migrations', () => {
  it('a new file gets the current schema version and every table', async () => {
    const path = tempDbPath()
    await open(path).close?.()
    const { versions, tables } = inspect(path)
    expect(versions.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version))
    expect(Math.max(...versions.map((row) => row.version))).toBe(SCHEMA_VERSION)
    expect(tables).toEqual(['accounts', 'events', 'schema_version', 'secrets'])
  })

  it('reopening an up-to-date file runs no step again and keeps the data', async () => {
    const path = tempDbPath()
    const runs: number[] = []
    const counted = MIGRATIONS.map((m) => ({
      ...m,
      up(db: DatabaseSync) {
        runs.push(m.version)
        m.up(db)
      },
    }))
    const first = open(path, counted)
    const record = sampleRecord()
    await first.insert(record, [])
    await first.close?.()
    const before = inspect(path).versions

    const second = open(path, counted)
    expect(await second.get(record.id)).toEqual(record)
    await second.close?.()

    expect(runs).toEqual(MIGRATIONS.map((m) => m.version))
    expect(inspect(path).versions).toEqual(before)
  })

  it('a file from an older version gets only the missing steps', async () => {
    const path = tempDbPath()
    const old = open(path)
    const record = sampleRecord()
    await old.insert(record, [])
    await old.close?.()
    const added: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'test: an added column',
      up: (db) => db.exec('ALTER TABLE accounts ADD COLUMN note TEXT'),
    }

    const upgraded = open(path, [...MIGRATIONS, added])
    expect(await upgraded.get(record.id)).toEqual(record)
    await upgraded.close?.()

    expect(inspect(path).versions.map((row) => row.version)).toEqual([
      ...MIGRATIONS.map((m) => m.version),
      SCHEMA_VERSION + 1,
    ])
  })

  it('version 2 moves claims out of the JSON into their own column, keeping every record as it was', async () => {
    const path = tempDbPath()
    // A file as version 1 wrote it: the claim inside the row's JSON remainder.
    const v1 = new DatabaseSync(path)
    try {
      v1.exec('PRAGMA journal_mode = WAL')
      migrate(v1, path, MIGRATIONS.slice(0, 1))
      const claimed = sampleRecord({ claim: { id: 'clm_v1', expiresAt: 1_900_000_000_000 } })
      const unclaimed = sampleRecord()
      for (const record of [claimed, unclaimed]) {
        const { id, projectId, userId, toolkit, status, createdAt, version, credentials, ...rest } = record
        const secret = v1
          .prepare('INSERT INTO secrets (value) VALUES (?)')
          .run(Buffer.from(JSON.stringify(credentials))).lastInsertRowid
        v1.prepare(
          `INSERT INTO accounts (id, project_id, user_id, toolkit, status, created_at, version, secret_id, data)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, projectId, userId, toolkit, status, createdAt, version, secret, JSON.stringify(rest))
      }
      v1.close()

      const store = open(path)
      expect(await store.get(claimed.id)).toEqual(claimed)
      expect(await store.get(unclaimed.id)).toEqual(unclaimed)
      expect(await store.claim(claimed.id, 1, null)).toBe(true)
      expect(await store.get(claimed.id)).toEqual({ ...claimed, claim: null, version: 2 })
      await store.close?.()

      const rows = new DatabaseSync(path, { readOnly: true })
      try {
        const stored = rows.prepare('SELECT id, claim, data FROM accounts ORDER BY id').all() as Array<{
          claim: string | null
          data: string
        }>
        expect(stored.every((row) => !('claim' in JSON.parse(row.data)))).toBe(true)
        expect(stored.map((row) => row.claim)).toEqual([null, null])
      } finally {
        rows.close()
      }
    } finally {
      if (v1.isOpen) v1.close()
    }
  })

  it('version 3 moves pending authorizations out of the JSON into the secrets table, keeping every record as it was', async () => {
    const path = tempDbPath()
    // A file as version 2 wrote it: the authorization, PKCE verifier included, in the row's JSON.
    const v2 = new DatabaseSync(path)
    const pending = sampleRecord({
      status: 'INITIATED',
      credentials: {},
      authorization: sampleAuthorization(),
    })
    const cleared = sampleRecord({ authorization: null })
    const never = sampleRecord()
    try {
      v2.exec('PRAGMA journal_mode = WAL')
      migrate(v2, path, MIGRATIONS.slice(0, 2))
      for (const record of [pending, cleared, never]) {
        const { id, projectId, userId, toolkit, status, createdAt, version, credentials, claim, ...rest } =
          record
        const secret =
          Object.keys(credentials).length > 0
            ? v2
                .prepare('INSERT INTO secrets (value) VALUES (?)')
                .run(Buffer.from(JSON.stringify(credentials))).lastInsertRowid
            : null
        v2.prepare(
          `INSERT INTO accounts (id, project_id, user_id, toolkit, status, created_at, version, secret_id, data, claim)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, projectId, userId, toolkit, status, createdAt, version, secret, JSON.stringify(rest), null)
      }
    } finally {
      v2.close()
    }

    const store = open(path)
    for (const record of [pending, cleared, never]) expect(await store.get(record.id)).toEqual(record)
    // The moved secret is handled like any other: replacing it zeroes its row.
    const next = { ...pending, authorization: sampleAuthorization(), version: 2 }
    expect(await store.compareAndSet(pending.id, 1, next, [], { scrub: true })).toBe(true)
    expect(await store.get(pending.id)).toEqual(next)
    await store.close?.()

    const db = new DatabaseSync(path, { readOnly: true })
    try {
      const rows = db.prepare('SELECT id, data, auth_secret_id FROM accounts').all() as Array<{
        id: string
        data: string
        auth_secret_id: number | null
      }>
      const byId = new Map(rows.map((row) => [row.id, row]))
      const verifier = pending.authorization?.codeVerifier as string
      for (const row of rows) expect(row.data).not.toContain(verifier)
      expect(JSON.parse(byId.get(cleared.id)?.data as string)).toHaveProperty('authorization', null)
      expect(byId.get(cleared.id)?.auth_secret_id).toBeNull()
      expect(byId.get(never.id)?.auth_secret_id).toBeNull()
      const secrets = (db.prepare('SELECT value FROM secrets').all() as Array<{ value: Uint8Array }>).map(
        (row) => Buffer.from(row.value).toString('utf8'),
      )
      expect(secrets.filter((value) => value.includes(verifier))).toEqual([])
    } finally {
      db.close()
    }
  })

  it('a step that fails leaves the file at the version before it, with nothing half done', () => {
    const path = tempDbPath()
    open(path).close?.()
    const broken: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'test: fails halfway',
      up(db) {
        db.exec('CREATE TABLE half_done (x INTEGER)')
        throw new Error('step failed')
      },
    }

    expect(() => open(path, [...MIGRATIONS, broken])).toThrow(SqliteStoreError)

    const { versions, tables } = inspect(path)
    expect(Math.max(...versions.map((row) => row.version))).toBe(SCHEMA_VERSION)
    expect(tables).not.toContain('half_done')
  })

  it('a file migrated by a newer version is refused with an error naming the file and both versions', async () => {
    const path = tempDbPath()
    await open(path).close?.()
    const db = new DatabaseSync(path)
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(
      SCHEMA_VERSION + 41,
      new Date().toISOString(),
    )
    db.close()

    let error: unknown
    try {
      open(path)
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(SqliteStoreError)
    expect(error).toMatchObject({ reason: 'schema_too_new', file: path })
    const message = (error as Error).message
    expect(message).toContain(path)
    expect(message).toContain(`schema version ${SCHEMA_VERSION + 41}`)
    expect(message).toContain(`up to ${SCHEMA_VERSION}`)
  })

  it('a file that is not a database is refused with an error naming it', () => {
    const path = tempDbPath()
    writeFileSync(path, 'this is not a database, just text long enough to have a header '.repeat(4))
    expect(() => open(path)).toThrow(
      expect.objectContaining({ reason: 'open', message: expect.stringContaining(path) }),
    )
  })

  it('processes opening a new file at the same moment migrate it exactly once', async () => {
    const path = tempDbPath()
    const processes = 4
    for (let i = 0; i < processes; i++) {
      children.push(startChild('open', { REVOKIT_DB: path, REVOKIT_SLOW_MS: '300' }))
    }
    for (const child of children) expect(await child.next()).toMatchObject({ ready: true })
    for (const child of children) child.send('go')
    const outputs = await Promise.all(children.map((child) => child.next()))
    const exits = await Promise.all(children.map((child) => child.exited))

    expect(exits).toEqual(Array(processes).fill({ code: 0, signal: null }))
    expect(outputs.map((output) => output.inserted)).toEqual(Array(processes).fill(true))
    const { versions } = inspect(path)
    expect(versions.map((row) => row.version)).toEqual([
      ...MIGRATIONS.map((m) => m.version),
      SCHEMA_VERSION + 1,
    ])
    const db = new DatabaseSync(path, { readOnly: true })
    try {
      expect(db.prepare('SELECT count(*) AS n FROM probe_runs').get()).toEqual({ n: 1 })
      expect(db.prepare('SELECT count(*) AS n FROM accounts').get()).toEqual({ n: processes })
    } finally {
      db.close()
    }
  }, 60_000)
})
