import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { StatementSync } from 'node:sqlite'
import type {
  AccountRecord,
  AuditEvent,
  RevokeClaim,
  Store,
  StoreListQuery,
  StoreQuery,
  WriteOptions,
} from '@revokit/core'
import { createBatcher } from './batch'
import { MEMORY, openDatabase } from './connection'
import { isBusy, SqliteStoreError, storeFailure } from './errors'
import type { Migration } from './migrations'
import { countQuery, listQuery } from './queries'
import {
  type AccountRow,
  decodeAccount,
  decodeEvent,
  encodeAccount,
  encodeClaim,
  SELECT_ACCOUNT,
} from './rows'
import { createScrubber } from './scrubber'

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The database file, absolute or relative to the working directory. It and its directory are
   * created if missing; SQLite keeps `<path>-wal` and `<path>-shm` beside it while the file is
   * open. Every process that opens the same path shares the same accounts.
   * `':memory:'` gives a private, non-shared database, for tests.
   */
  path: string
  /**
   * How long an operation waits for another connection's write lock before failing with
   * `SQLITE_BUSY`. `node:sqlite` is synchronous, so the wait blocks this thread; transactions
   * here last microseconds, so waits are short unless another program holds the lock.
   * @default 5000
   * @see https://sqlite.org/pragma.html#pragma_busy_timeout
   */
  busyTimeoutMs?: number
  /**
   * `NORMAL`: in WAL mode a commit is safe from process crashes and cannot corrupt the file, but
   * the last commits before a power loss or OS crash may roll back. Losing one never breaks
   * revokit's guarantees: a lost claim or REVOKED status leaves the account revokable again, and
   * revoking a dead token again answers "already revoked". Scrubbing checkpoints also sync.
   * `FULL` syncs every commit, for audit trails that must survive power loss, at the cost of an
   * fsync per write.
   * @default 'NORMAL'
   * @see https://sqlite.org/pragma.html#pragma_synchronous
   * @see https://sqlite.org/wal.html#performance_considerations
   */
  synchronous?: 'NORMAL' | 'FULL'
  /**
   * At most this long after a scrubbing write (a revoke or a delete) its dead values are gone
   * from the files. The write commits at once with `secure_delete`, so the values are unreachable
   * at once; what waits is the truncating WAL checkpoint that removes the old page images from
   * the `-wal` file. Every scrubbing write within the window shares one checkpoint, which is what
   * lets a bulk revoke run thousands of accounts a second instead of one checkpoint (and fsync)
   * each. `flush()` checkpoints at once, `close()` flushes, and the engine's `revokeMany` flushes
   * before it returns. `0` checkpoints after every scrubbing write, before it resolves. If the
   * writing process is killed inside the window, its values go at the next checkpoint on the file:
   * another store's scrubbing write, `flush()` or `close()`, or a store opening the file.
   * @default 1000
   * @see https://sqlite.org/pragma.html#pragma_wal_checkpoint
   */
  scrubDelayMs?: number
}

/** @internal Options tests use to substitute the schema history. */
export interface InternalSqliteStoreOptions extends SqliteStoreOptions {
  migrations?: readonly Migration[]
}

const CONTRACT_ERROR = 'compareAndSet: next must keep id and createdAt and carry version + 1'
const MAX_CACHED_STATEMENTS = 64
/** Compared with a stored secret when the new record has none: never equal to a stored value. */
const EMPTY = new Uint8Array(0)

/**
 * A {@link Store} in one SQLite file, through the built-in `node:sqlite` (no native build, no
 * download). Several processes may open the same file: every write runs under the write lock
 * of a short `BEGIN IMMEDIATE` transaction, so compare-and-set is atomic across them, and the
 * engine's revoke claims hold across processes too. The calls made in one turn of the event loop
 * share a transaction (group commit), each in its own savepoint.
 *
 * Dead token values are removed from the files, not just hidden: credentials and pending
 * authorizations (their PKCE verifiers) live in an append-only table whose old rows are zeroed in place, `secure_delete` is on, and a truncating
 * WAL checkpoint follows every scrubbing write within `scrubDelayMs` (many writes share one).
 *
 * The file is opened and migrated synchronously by this call; it throws a
 * {@link SqliteStoreError} if that fails (e.g. the file was migrated by a newer version).
 *
 * @example
 * ```ts
 * import { createEngine } from '@revokit/core'
 * import { google } from '@revokit/google'
 * import { sqliteStore } from '@revokit/store-sqlite'
 *
 * const engine = createEngine({ store: sqliteStore({ path: './revokit.db' }), adapters: [google()] })
 * ```
 * @see https://nodejs.org/api/sqlite.html
 * @see https://sqlite.org/wal.html
 * @see https://sqlite.org/pragma.html#pragma_secure_delete
 */
export function sqliteStore(options: SqliteStoreOptions): Store {
  if (!options || typeof options.path !== 'string' || options.path.length === 0) {
    throw new TypeError("sqliteStore: options.path must be the database file's path, e.g. './revokit.db'")
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  if (!Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new TypeError('sqliteStore: options.busyTimeoutMs must be a number of milliseconds, 0 or more')
  }
  const synchronous = options.synchronous ?? 'NORMAL'
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new TypeError("sqliteStore: options.synchronous must be 'NORMAL' or 'FULL'")
  }
  const scrubDelayMs = options.scrubDelayMs ?? 1000
  if (!Number.isFinite(scrubDelayMs) || scrubDelayMs < 0) {
    throw new TypeError('sqliteStore: options.scrubDelayMs must be a number of milliseconds, 0 or more')
  }
  const internal = options as InternalSqliteStoreOptions
  const walHasFrames = () =>
    options.path !== MEMORY &&
    (statSync(`${resolve(options.path)}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0
  // Frames in the WAL before this connection opened it: another process's, or what a process
  // that died inside its scrubDelayMs window (or before its checkpoint) left, dead values included.
  const walLeftover = walHasFrames()
  const { db, file } = openDatabase({
    path: options.path,
    busyTimeoutMs,
    synchronous,
    ...(internal.migrations ? { migrations: internal.migrations } : {}),
  })
  let closed = false
  let closing: Promise<void> | undefined
  // A private in-memory database has no files to scrub.
  const onDisk = file !== MEMORY
  const scrubber = createScrubber(db, { file, busyTimeoutMs, delayMs: scrubDelayMs, isClosed: () => closed })
  if (walLeftover) scrubber.check()
  // flush() and close() promise every dead value gone from the files, not only this connection's:
  // another process killed inside its scrubDelayMs window never checkpoints its own writes, so
  // frames in the WAL, whoever wrote them, are checkpointed too.
  const flushShared = () => {
    if (!scrubber.pending && walHasFrames()) scrubber.check()
    return scrubber.flush()
  }

  const statements = new Map<string, StatementSync>()
  /** Prepared once per connection; dynamic list shapes are few, but the cache is bounded anyway. */
  const statement = (sql: string): StatementSync => {
    let prepared = statements.get(sql)
    if (!prepared) {
      if (statements.size >= MAX_CACHED_STATEMENTS)
        statements.delete(statements.keys().next().value as string)
      prepared = db.prepare(sql)
      statements.set(sql, prepared)
    }
    return prepared
  }

  const batcher = createBatcher(statement, () => db.isTransaction)

  /**
   * Runs one operation in the next shared transaction (see {@link createBatcher}), turning every
   * failure except a caller's contract error into a safe one. `body` is synchronous: no other
   * code of this process runs while the transaction is open.
   */
  async function queued<T>(operation: string, write: boolean, body: () => T): Promise<T> {
    if (closed) {
      throw new SqliteStoreError('closed', file, `sqliteStore(${file}): ${operation} after close()`)
    }
    try {
      return await batcher.run(write, body)
    } catch (error) {
      if (error instanceof TypeError && error.message === CONTRACT_ERROR) throw error
      throw storeFailure(file, operation, error)
    }
  }

  function appendEvents(events: readonly AuditEvent[]) {
    const insertEvent = statement('INSERT INTO events (account_id, data) VALUES (?, ?)')
    for (const event of events) insertEvent.run(event.accountId, JSON.stringify(event))
  }

  function insertSecret(value: Uint8Array | null): number | null {
    if (value === null) return null
    return Number(statement('INSERT INTO secrets (value) VALUES (?)').run(value).lastInsertRowid)
  }

  /** Appends `value` (if any) as a new secret and zeroes the replaced one; returns the new id. */
  function replaceSecret(replaced: number | null, value: Uint8Array | null): number | null {
    const secretId = insertSecret(value)
    if (replaced !== null) {
      // Same length, so SQLite overwrites the cell where it is instead of moving it.
      statement('UPDATE secrets SET value = zeroblob(length(value)) WHERE id = ?').run(replaced)
    }
    return secretId
  }

  return {
    async insert(record: AccountRecord, events: readonly AuditEvent[]) {
      return queued('insert', true, () => {
        const row = encodeAccount(record)
        if (statement('SELECT 1 AS found FROM accounts WHERE id = ?').get(row.id)) return false
        statement(
          `INSERT INTO accounts (id, project_id, user_id, toolkit, status, created_at, version, secret_id,
             auth_secret_id, data, claim) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          row.id,
          row.projectId,
          row.userId,
          row.toolkit,
          row.status,
          row.createdAt,
          row.version,
          insertSecret(row.credentials),
          insertSecret(row.authorization),
          row.data,
          row.claim,
        )
        appendEvents(events)
        return true
      })
    },

    async get(id: string) {
      return queued('get', false, () => {
        const row = statement(`${SELECT_ACCOUNT} WHERE a.id = ?`).get(id) as AccountRow | undefined
        return row && decodeAccount(row, file)
      })
    },

    async compareAndSet(
      id: string,
      expectedVersion: number,
      next: AccountRecord,
      events: readonly AuditEvent[],
      writeOptions?: WriteOptions,
    ) {
      const written = await queued('compareAndSet', true, () => {
        const row = encodeAccount(next)
        // The stored secrets are compared inside SQLite, so the old values never come back into
        // this process; one statement reads the version and compares.
        const current = statement(
          `SELECT a.version, a.created_at, a.secret_id, s.value = ? AS same,
             a.auth_secret_id, p.value = ? AS auth_same
           FROM accounts AS a LEFT JOIN secrets AS s ON s.id = a.secret_id
             LEFT JOIN secrets AS p ON p.id = a.auth_secret_id WHERE a.id = ?`,
        ).get(row.credentials ?? EMPTY, row.authorization ?? EMPTY, id) as
          | {
              version: number
              created_at: string
              secret_id: number | null
              same: number | null
              auth_secret_id: number | null
              auth_same: number | null
            }
          | undefined
        if (!current || current.version !== expectedVersion) return false
        if (next.id !== id || next.createdAt !== current.created_at || next.version !== expectedVersion + 1) {
          throw new TypeError(CONTRACT_ERROR)
        }
        const secretId = current.same ? current.secret_id : replaceSecret(current.secret_id, row.credentials)
        const authSecretId = current.auth_same
          ? current.auth_secret_id
          : replaceSecret(current.auth_secret_id, row.authorization)
        const changed = statement(
          `UPDATE accounts SET project_id = ?, user_id = ?, toolkit = ?, status = ?, version = ?,
           secret_id = ?, auth_secret_id = ?, data = ?, claim = ? WHERE id = ? AND version = ?`,
        ).run(
          row.projectId,
          row.userId,
          row.toolkit,
          row.status,
          row.version,
          secretId,
          authSecretId,
          row.data,
          row.claim,
          id,
          expectedVersion,
        ).changes
        if (Number(changed) !== 1) throw new Error('compareAndSet: the row changed under the write lock')
        appendEvents(events)
        return true
      })
      // After COMMIT, and never rejecting, so a committed write is never reported as failed.
      if (written && writeOptions?.scrub && onDisk) {
        const inline = scrubber.written()
        if (inline) await inline
      }
      return written
    },

    async claim(id: string, expectedVersion: number, claim: RevokeClaim | null) {
      return queued('claim', true, () => {
        // The version test and the write are one statement under the write lock, so among
        // concurrent claims on one version, in any process, exactly one changes the row.
        const changed = statement(
          'UPDATE accounts SET claim = ?, version = ? WHERE id = ? AND version = ?',
        ).run(encodeClaim(claim), expectedVersion + 1, id, expectedVersion).changes
        return Number(changed) === 1
      })
    },

    async flush() {
      if (closed) throw new SqliteStoreError('closed', file, `sqliteStore(${file}): flush after close()`)
      if (onDisk) await flushShared()
    },

    async list(query: StoreListQuery) {
      return queued('list', false, () => {
        const sql = listQuery(query)
        if (!sql) return []
        const rows = statement(sql.sql).all(...sql.params) as unknown as AccountRow[]
        return rows.map((row) => decodeAccount(row, file))
      })
    },

    async count(query: StoreQuery) {
      return queued('count', false, () => {
        const sql = countQuery(query)
        if (!sql) return 0
        return (statement(sql.sql).get(...sql.params) as { n: number }).n
      })
    },

    async events(accountId: string) {
      return queued('events', false, () => {
        const rows = statement('SELECT data FROM events WHERE account_id = ? ORDER BY seq').all(
          accountId,
        ) as unknown as Array<{ data: string }>
        return rows.map((row) => decodeEvent(row.data, accountId, file))
      })
    },

    close() {
      closing ??= (async () => {
        // Dead values must not outlive the store in the WAL. If a reader elsewhere blocks the
        // checkpoint past busyTimeoutMs, the store still closes and the error says so.
        let unflushed: unknown
        // Operations already called complete first, so their writes are in the checkpoint.
        batcher.drain()
        try {
          if (onDisk) await flushShared()
        } catch (error) {
          unflushed = error
        }
        closed = true
        scrubber.stop()
        try {
          // Keeps the query planner's statistics fresh, as SQLite recommends before closing.
          db.exec('PRAGMA optimize')
        } catch (error) {
          if (!isBusy(error)) unflushed ??= storeFailure(file, 'close', error)
        } finally {
          statements.clear()
          db.close()
        }
        if (unflushed) throw unflushed
      })()
      return closing
    },
  }
}
