import type { AccountRecord } from '@revokit/core'
import { sampleAuthorization, sampleRecord } from '@revokit/core/testing'
import { describePostgres, TEST_DATABASE_URL, testSchemas, withClient } from '@revokit/presets/postgres'
import pg from 'pg'
import { afterAll, afterEach, expect, it } from 'vitest'
import { PostgresStoreError, storeFailure } from './errors'
import { MIGRATIONS } from './migrations'
import { type PostgresStore, postgresStore } from './postgres-store'
import { listQuery } from './queries'

const schemaName = testSchemas()
const open: PostgresStore[] = []
afterEach(async () => {
  for (const store of open.splice(0)) await store.close()
})

function setup(schema = schemaName(), options: { pool?: pg.Pool } = {}) {
  const store = options.pool
    ? postgresStore({ pool: options.pool, schema })
    : postgresStore({ url: TEST_DATABASE_URL, schema })
  open.push(store)
  return { schema, store }
}

const bump = (record: AccountRecord, changes: Partial<AccountRecord> = {}): AccountRecord => ({
  ...record,
  ...changes,
  version: record.version + 1,
})

it('refuses bad options with a TypeError that does not echo the URL', () => {
  expect(() => postgresStore({} as never)).toThrow(TypeError)
  expect(() => postgresStore({ url: 'mysql://root:fake-pw-123@db/x' })).toThrow(/postgres:\/\/ URL/)
  let message = ''
  try {
    postgresStore({ url: 'mysql://root:fake-pw-123@db/x' })
  } catch (error) {
    message = (error as Error).message
  }
  expect(message).not.toContain('fake-pw-123')
  expect(() => postgresStore({ url: TEST_DATABASE_URL, schema: 'Robert"; DROP TABLE x' })).toThrow(
    /options\.schema/,
  )
  expect(() => postgresStore({ url: TEST_DATABASE_URL, max: 0 })).toThrow(/options\.max/)
  expect(() => postgresStore({ url: TEST_DATABASE_URL, pool: new pg.Pool() } as never)).toThrow(
    /either url or pool/,
  )
})

it('an unreachable database fails ready() and every operation with a safe PostgresStoreError', async () => {
  const store = postgresStore({ url: 'postgres://postgres:fake-pw-456@127.0.0.1:1/test', schema: 'revokit' })
  const error = await store.ready().then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(PostgresStoreError)
  expect(error).toMatchObject({
    reason: 'postgres',
    sqlState: 'ECONNREFUSED',
    code: 'ERR_REVOKIT_POSTGRES_STORE',
  })
  expect(String((error as Error).message)).not.toContain('fake-pw-456')
  await expect(store.get('ca_nobodyhere1')).rejects.toBeInstanceOf(PostgresStoreError)
  await store.close()
  await expect(store.count({})).rejects.toMatchObject({ reason: 'closed' })
})

it('keeps values PostgreSQL quotes in its messages out of the store error', () => {
  const fromDriver = Object.assign(new Error('invalid input syntax for type json: "fake-token-in-msg"'), {
    severity: 'ERROR',
    code: '22P02',
    detail: 'Token "fake-token-in-detail" is invalid.',
  })
  const error = storeFailure('revokit', 'insert', fromDriver)
  expect(error.message).toBe(
    'postgresStore(revokit): insert failed: invalid input syntax for type json: "…" (SQLSTATE 22P02)',
  )
  expect(error.sqlState).toBe('22P02')
  expect(JSON.stringify({ ...error, message: error.message })).not.toContain('fake-token')
  expect(storeFailure('revokit', 'get', new SyntaxError('Unexpected token f in "fake-x"')).message).toBe(
    'postgresStore(revokit): get failed with SyntaxError',
  )
})

await describePostgres('postgresStore on PostgreSQL', () => {
  afterAll(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  it('instances migrating a fresh schema at once make one schema, without an error', async () => {
    const schema = schemaName()
    const stores = Array.from({ length: 8 }, () => setup(schema).store)
    await Promise.all(stores.map((store) => store.ready()))
    const versions = await withClient(async (client) => {
      const { rows } = await client.query(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      )
      return rows.map((row) => row.version)
    })
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version))
    // And they share it: what one writes, another reads.
    const record = sampleRecord()
    expect(await stores[0]?.insert(record, [])).toBe(true)
    expect(await stores[7]?.get(record.id)).toEqual(record)
  })

  it('refuses a schema migrated by a newer version, naming the fix', async () => {
    const { schema, store } = setup()
    await store.ready()
    await withClient((client) =>
      client.query(`INSERT INTO "${schema}".schema_migrations (version, description) VALUES (999, 'future')`),
    )
    const newer = setup(schema).store
    await expect(newer.ready()).rejects.toMatchObject({ reason: 'schema_too_new' })
    await expect(newer.ready()).rejects.toThrow(/version 999, newer than .*upgrade the package/)
  })

  it('borrows a handed-over pool and leaves it open on close()', async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 })
    try {
      const { store } = setup(schemaName(), { pool })
      const record = sampleRecord()
      expect(await store.insert(record, [])).toBe(true)
      await store.close()
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await expect(store.get(record.id)).rejects.toMatchObject({ reason: 'closed' })
    } finally {
      await pool.end()
    }
  })

  it('keeps schemas apart: accounts in one are not in another', async () => {
    const a = setup().store
    const b = setup().store
    const record = sampleRecord()
    await a.insert(record, [])
    expect(await b.get(record.id)).toBeUndefined()
    expect(await b.count({})).toBe(0)
  })

  it('keeps tokens and verifiers out of the accounts table, and claims never rewrite them', async () => {
    const { schema, store } = setup()
    const record = sampleRecord({
      credentials: { access_token: 'fake-at-kept-apart', refresh_token: 'fake-rt-kept-apart' },
      authorization: sampleAuthorization('kept-apart'),
    })
    await store.insert(record, [])
    const raw = () =>
      withClient(async (client) => {
        const account = await client.query(`SELECT a::text AS row FROM "${schema}".accounts AS a`)
        const secret = await client.query(
          `SELECT xmin::text AS xmin, s::text AS row FROM "${schema}".secrets AS s`,
        )
        return {
          account: account.rows[0].row as string,
          secret: secret.rows[0] as { xmin: string; row: string },
        }
      })
    const before = await raw()
    expect(before.account).not.toMatch(/fake-(at|rt)-kept-apart|fake-verifier|fake-state-hash/)
    expect(before.secret.row).toContain('fake-at-kept-apart')

    // A claim and a status write leave the secrets row as it is: no new row version holds a copy.
    expect(await store.claim(record.id, 1, { id: 'clm_x', expiresAt: 1_900_000_000_000 })).toBe(true)
    const claimed = (await store.get(record.id)) as AccountRecord
    expect(
      await store.compareAndSet(record.id, 2, bump(claimed, { status: 'INACTIVE', claim: null }), []),
    ).toBe(true)
    expect((await raw()).secret.xmin).toBe(before.secret.xmin)

    // A scrubbing write replaces the values in the live row.
    const inactive = (await store.get(record.id)) as AccountRecord
    const scrubbed = bump(inactive, { status: 'REVOKED', credentials: { scope: 'x' }, authorization: null })
    expect(await store.compareAndSet(record.id, 3, scrubbed, [], { scrub: true })).toBe(true)
    const after = await raw()
    expect(after.secret.row).not.toMatch(/fake-(at|rt)-kept-apart|fake-verifier|fake-state-hash/)
    expect(await store.get(record.id)).toEqual(scrubbed)
  })

  it('round-trips values jsonb would refuse or change', async () => {
    const { store } = setup()
    const record = sampleRecord({
      credentials: { access_token: 'fake-\u0000-nul', b: 1, a: 2, big: 1e21, neg: -0.5 },
    })
    await store.insert(record, [])
    const got = (await store.get(record.id)) as AccountRecord
    expect(got).toEqual(record)
    expect(Object.keys(got.credentials)).toEqual(['access_token', 'b', 'a', 'big', 'neg'])
  })

  it('refuses a compareAndSet that changes createdAt, writing nothing', async () => {
    const { store } = setup()
    const record = sampleRecord()
    await store.insert(record, [])
    await expect(
      store.compareAndSet(record.id, 1, bump(record, { createdAt: '2000-01-01T00:00:00.000Z' }), []),
    ).rejects.toThrow(TypeError)
    expect(await store.get(record.id)).toEqual(record)
  })

  it('lifts what the background scans look for into indexed columns', async () => {
    const { schema, store } = setup()
    const pending = sampleRecord({ status: 'REVOKED', pendingSubjects: ['access_token'] })
    const fresh = sampleRecord({ tokensObtainedAt: 1_800_000_000_000 })
    const initiated = sampleRecord({ status: 'INITIATED', credentials: {} })
    for (const record of [pending, fresh, initiated]) await store.insert(record, [])
    const rows = await withClient(async (client) => {
      const { rows } = await client.query(
        `SELECT id, pending, tokens_obtained_at::text AS obtained, updated_at FROM "${schema}".accounts`,
      )
      return Object.fromEntries(rows.map((row) => [row.id, row]))
    })
    expect(rows[pending.id]).toMatchObject({ pending: true, obtained: null, updated_at: pending.updatedAt })
    expect(rows[fresh.id]).toMatchObject({ pending: false, obtained: '1800000000000' })
    expect(rows[initiated.id]).toMatchObject({ pending: false })
    // A retried revoke clears the pending subject, and the account leaves the scan's index.
    await store.compareAndSet(pending.id, 1, bump(pending, { pendingSubjects: [] }), [])
    const stillPending = await withClient((client) =>
      client.query(`SELECT count(*)::int AS n FROM "${schema}".accounts WHERE pending`),
    )
    expect(stillPending.rows[0].n).toBe(0)
  })

  it('serves every list filter, the keyset cursor and the scans from an index', async () => {
    const { schema, store } = setup()
    await store.ready()
    const s = `"${schema}"`
    const after = { createdAt: '2026-01-01T00:00:00.000Z', id: 'ca_x' }
    const queries = [
      listQuery(s, { limit: 10, after }),
      listQuery(s, { projectId: 'p1', limit: 10, after }),
      listQuery(s, { userIds: ['alice', 'bob'], limit: 10 }),
      listQuery(s, { toolkits: ['gmail'], limit: 10 }),
      listQuery(s, { statuses: ['ACTIVE', 'INACTIVE'], limit: 10 }),
    ]
    const scans = [
      `SELECT id FROM ${s}.accounts WHERE pending ORDER BY updated_at, id LIMIT 10 FOR UPDATE SKIP LOCKED`,
      `SELECT id FROM ${s}.accounts WHERE status = 'INITIATED' ORDER BY created_at, id LIMIT 10 FOR UPDATE SKIP LOCKED`,
      `SELECT id FROM ${s}.accounts WHERE status = 'ACTIVE' AND tokens_obtained_at < 1 ORDER BY tokens_obtained_at LIMIT 10 FOR UPDATE SKIP LOCKED`,
    ]
    const plans = await withClient(async (client) => {
      // On empty tables a sequential scan is cheapest; what matters is that an index can serve.
      await client.query('SET enable_seqscan = off')
      const out: string[] = []
      for (const q of queries) {
        const { rows } = await client.query(`EXPLAIN ${q?.text}`, q?.values)
        out.push(rows.map((row) => row['QUERY PLAN']).join('\n'))
      }
      for (const q of scans) {
        const { rows } = await client.query(`EXPLAIN ${q}`)
        out.push(rows.map((row) => row['QUERY PLAN']).join('\n'))
      }
      return out
    })
    const used = plans.map((plan) =>
      /Index (Only )?Scan using (\w+)|Bitmap Index Scan on (\w+)/.exec(plan)?.slice(2).find(Boolean),
    )
    expect(used).toEqual([
      'accounts_by_created',
      'accounts_by_project',
      'accounts_by_user',
      'accounts_by_toolkit',
      'accounts_by_status',
      'accounts_pending',
      'accounts_initiated',
      'accounts_active_by_tokens_age',
    ])
  })
})
