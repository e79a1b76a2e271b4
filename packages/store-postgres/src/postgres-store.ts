import type { AccountRecord, AuditEvent, RevokeClaim, Store, StoreListQuery, StoreQuery } from '@revokit/core'
import pg from 'pg'
import { PostgresStoreError, storeFailure } from './errors'
import { type Migration, migrate } from './migrations'
import { countQuery, listQuery } from './queries'
import {
  type AccountRow,
  decodeAccount,
  encodeAccount,
  encodeClaim,
  encodeEvents,
  selectAccount,
} from './rows'

/** Where {@link postgresStore} connects: a connection string, or a pool the application owns. */
export type PostgresConnection =
  | {
      /**
       * A libpq connection URI, e.g. `postgres://revokit@db.internal:5432/app`; the store opens
       * its own `pg.Pool` on it (see `max`) and closes it in `close()`.
       * @see https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS
       */
      url: string
      pool?: never
    }
  | {
      /**
       * A `pg.Pool` the application already runs. The store borrows clients from it and never
       * ends it: `close()` leaves it open for its owner.
       * @see https://node-postgres.com/apis/pool
       */
      pool: pg.Pool
      url?: never
    }

/** Options of {@link postgresStore}. */
export type PostgresStoreOptions = PostgresConnection & {
  /**
   * The schema holding the store's tables, created (with the tables) on first use. Several
   * deployments may share a database, each in its own schema; every instance of one deployment
   * must use the same.
   * @default 'revokit'
   */
  schema?: string
  /**
   * The most connections the store's own pool opens (only with `url`).
   * @default 10
   * @see https://node-postgres.com/apis/pool
   */
  max?: number
}

/** @internal Options tests use to substitute the schema history. */
export interface InternalPostgresStoreOptions {
  migrations?: readonly Migration[]
}

/** A {@link Store} on PostgreSQL; see {@link postgresStore}. */
export interface PostgresStore extends Store {
  /**
   * Resolves once the store is connected and its schema migrated; rejects with a
   * {@link PostgresStoreError} when that failed (every operation would fail the same way).
   * Await it at startup to fail fast.
   */
  ready(): Promise<void>
  /** Waits for the operations already called, then ends the store's own pool (never a handed-over one). */
  close(): Promise<void>
}

const CONTRACT_ERROR = 'compareAndSet: next must keep id and createdAt and carry version + 1'
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * A {@link Store} in a PostgreSQL database, through node-postgres (`pg`), for several
 * `revokit serve` instances or engines embedded in several services sharing one database.
 *
 * Every write is one SQL statement, so it is atomic without an explicit transaction, and
 * compare-and-set is the row version check `UPDATE … WHERE id = $1 AND version = $2`: among
 * concurrent writers on one version, PostgreSQL's row lock lets exactly one match, in any process,
 * so the engine's revoke and refresh claims hold across instances. Events are appended in the same
 * statement as the write they record.
 *
 * Credentials and pending authorizations are opaque JSON in their own table, rewritten only when
 * they change; a scrubbing write replaces the old values in the live row when it commits. Old row
 * versions keep them until VACUUM, and the WAL, backups and replicas keep what they were given,
 * so run the engine with encryption at rest (`REVOKIT_ENCRYPTION_KEY`); see the README.
 *
 * The schema is created and migrated on first use, under an advisory lock, so instances starting
 * together do not race; {@link PostgresStore.ready} says when that is done.
 *
 * @example
 * ```ts
 * import { createEngine } from '@revokit/core'
 * import { google } from '@revokit/google'
 * import { postgresStore } from '@revokit/store-postgres'
 *
 * const store = postgresStore({ url: process.env.DATABASE_URL as string })
 * await store.ready()
 * const engine = createEngine({ store, adapters: [google()] })
 * ```
 * @see https://node-postgres.com/
 * @see https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED
 * @see https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  if (!options || (typeof options.url !== 'string' && !isPool(options.pool))) {
    throw new TypeError(
      "postgresStore: pass { url: 'postgres://user@host:5432/db' } or { pool } (a pg.Pool your application owns)",
    )
  }
  if (options.url !== undefined && options.pool !== undefined) {
    throw new TypeError('postgresStore: pass either url or pool, not both')
  }
  if (typeof options.url === 'string' && !/^postgres(ql)?:\/\/./.test(options.url)) {
    // The URL is not echoed: it may hold a password.
    throw new TypeError(
      "postgresStore: options.url must be a postgres:// URL, e.g. 'postgres://user@host:5432/db'",
    )
  }
  const schema = options.schema ?? 'revokit'
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new TypeError(
      'postgresStore: options.schema must be a lower-case SQL name (letters, digits, _), e.g. "revokit"',
    )
  }
  const max = options.max ?? 10
  if (!Number.isInteger(max) || max < 1)
    throw new TypeError('postgresStore: options.max must be a whole number, 1 or more')
  const s = `"${schema}"`
  const owned = options.pool === undefined
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.url,
      max,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
    })
  // An idle client losing its connection is reported on the pool; without a listener Node would
  // crash. The next operation gets a fresh client, or fails with the reason.
  if (owned) pool.on('error', () => {})

  const { migrations } = options as InternalPostgresStoreOptions
  const migrated = (async () => {
    const client = await pool.connect()
    let failure: unknown
    try {
      await migrate(client, schema, s, migrations)
    } catch (error) {
      failure = error
      throw error
    } finally {
      client.release(
        failure instanceof Error && !(failure instanceof PostgresStoreError) ? failure : undefined,
      )
    }
  })().catch((error: unknown) => {
    throw storeFailure(schema, 'migrate', error)
  })
  // Reported by ready() and every operation; not an unhandled rejection meanwhile.
  migrated.catch(() => {})

  let closed = false
  let closing: Promise<void> | undefined
  const inFlight = new Set<Promise<unknown>>()

  /** Runs one operation once the schema is ready, turning every failure but a caller's contract error into a safe one. */
  function run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    if (closed) {
      return Promise.reject(
        new PostgresStoreError('closed', schema, `postgresStore(${schema}): ${operation} after close()`),
      )
    }
    const pending = (async () => {
      await migrated
      try {
        return await body()
      } catch (error) {
        if (error instanceof TypeError && error.message === CONTRACT_ERROR) throw error
        throw storeFailure(schema, operation, error)
      }
    })()
    inFlight.add(pending)
    pending.then(
      () => inFlight.delete(pending),
      () => inFlight.delete(pending),
    )
    return pending
  }

  // Each statement appends the events in the order given, and only when the write took place.
  const appendEvents = (source: string, param: string) => `event AS (
      INSERT INTO ${s}.events (account_id, project_id, type, at, data)
      SELECT coalesce(e.value ->> 'accountId', ${source}.id), coalesce(e.value ->> 'projectId', ''),
        coalesce(e.value ->> 'type', ''), coalesce(e.value ->> 'at', ''), e.value
      FROM ${source}, json_array_elements(${param}::json) WITH ORDINALITY AS e(value, n) ORDER BY e.n
    )`

  const INSERT = `WITH account AS (
      INSERT INTO ${s}.accounts (id, project_id, user_id, toolkit, status, created_at, version, claim, data)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9::json)
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    ), secret AS (
      INSERT INTO ${s}.secrets (account_id, credentials, "authorization")
      SELECT id, $10::json, $11::json FROM account
    ), ${appendEvents('account', '$12')}
    SELECT count(*)::integer AS n FROM account`

  // The stored secrets are compared inside PostgreSQL, so the old values never come back into
  // this process, and an unchanged secret is not rewritten (no new row version holding it).
  const COMPARE_AND_SET = `WITH account AS (
      UPDATE ${s}.accounts SET project_id = $3, user_id = $4, toolkit = $5, status = $6, version = $7,
        claim = $8::json, data = $9::json
      WHERE id = $1 AND version = $2 AND created_at = $13
      RETURNING id
    ), secret AS (
      UPDATE ${s}.secrets AS x SET credentials = $10::text::json, "authorization" = $11::text::json
      FROM account WHERE x.account_id = account.id
        AND (x.credentials::text IS DISTINCT FROM $10::text OR x."authorization"::text IS DISTINCT FROM $11::text)
    ), ${appendEvents('account', '$12')}
    SELECT count(*)::integer AS n FROM account`

  const store: PostgresStore = {
    ready: () => migrated,

    insert(record: AccountRecord, events: readonly AuditEvent[]) {
      return run('insert', async () => {
        const row = encodeAccount(record)
        const { rows } = await pool.query<{ n: number }>(INSERT, [
          row.id,
          row.projectId,
          row.userId,
          row.toolkit,
          row.status,
          row.createdAt,
          row.version,
          row.claim,
          row.data,
          row.credentials,
          row.authorization,
          encodeEvents(events),
        ])
        return rows[0]?.n === 1
      })
    },

    get(id: string) {
      return run('get', async () => {
        const { rows } = await pool.query<AccountRow>(`${selectAccount(s)} WHERE a.id = $1`, [id])
        return rows[0] && decodeAccount(rows[0])
      })
    },

    compareAndSet(id: string, expectedVersion: number, next: AccountRecord, events: readonly AuditEvent[]) {
      return run('compareAndSet', async () => {
        if (next.id !== id || next.version !== expectedVersion + 1) throw new TypeError(CONTRACT_ERROR)
        const row = encodeAccount(next)
        const { rows } = await pool.query<{ n: number }>(COMPARE_AND_SET, [
          id,
          expectedVersion,
          row.projectId,
          row.userId,
          row.toolkit,
          row.status,
          row.version,
          row.claim,
          row.data,
          row.credentials,
          row.authorization,
          encodeEvents(events),
          row.createdAt,
        ])
        if (rows[0]?.n === 1) return true
        // Nothing written: a stale version or a missing record, unless the caller changed createdAt.
        const current = await pool.query<{ version: number; created_at: string }>(
          `SELECT version, created_at FROM ${s}.accounts WHERE id = $1`,
          [id],
        )
        const found = current.rows[0]
        if (found && found.version === expectedVersion && found.created_at !== next.createdAt) {
          throw new TypeError(CONTRACT_ERROR)
        }
        return false
      })
    },

    claim(id: string, expectedVersion: number, claim: RevokeClaim | null) {
      return run('claim', async () => {
        // The version test and the write are one statement: a concurrent writer holding the row
        // lock makes this one wait, then re-check the version against the committed row.
        const { rowCount } = await pool.query(
          `UPDATE ${s}.accounts SET claim = $3::json, version = $2 + 1 WHERE id = $1 AND version = $2`,
          [id, expectedVersion, encodeClaim(claim)],
        )
        return rowCount === 1
      })
    },

    list(query: StoreListQuery) {
      return run('list', async () => {
        const sql = listQuery(s, query)
        if (!sql) return []
        const { rows } = await pool.query<AccountRow>(sql.text, sql.values)
        return rows.map(decodeAccount)
      })
    },

    count(query: StoreQuery) {
      return run('count', async () => {
        const sql = countQuery(s, query)
        if (!sql) return 0
        const { rows } = await pool.query<{ n: number }>(sql.text, sql.values)
        return rows[0]?.n ?? 0
      })
    },

    events(accountId: string) {
      return run('events', async () => {
        const { rows } = await pool.query<{ data: AuditEvent }>(
          `SELECT data FROM ${s}.events WHERE account_id = $1 ORDER BY seq`,
          [accountId],
        )
        return rows.map((row) => row.data)
      })
    },

    close() {
      closing ??= (async () => {
        closed = true
        await Promise.allSettled([migrated, ...inFlight])
        if (owned) await pool.end()
      })()
      return closing
    },
  }
  return store
}

function isPool(value: unknown): value is pg.Pool {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as pg.Pool).query === 'function' &&
    typeof (value as pg.Pool).connect === 'function'
  )
}
