import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { isBusy, isSqliteError, SqliteStoreError } from './errors'
import { MIGRATIONS, type Migration, migrate } from './migrations'

/** How {@link openDatabase} configures a connection. */
export interface ConnectionOptions {
  readonly path: string
  readonly busyTimeoutMs: number
  readonly synchronous: 'NORMAL' | 'FULL'
  /** Tests substitute their own history; everything else uses the package's. */
  readonly migrations?: readonly Migration[]
}

/** An open, configured, migrated connection and the absolute path of its file. */
export interface Connection {
  readonly db: DatabaseSync
  readonly file: string
}

/** `:memory:` gives each connection its own private database: no file, no WAL, nothing to share. */
export const MEMORY = ':memory:'

/**
 * Opens the file (creating it and its directory if needed), sets the pragmas every connection
 * needs, and migrates the schema.
 *
 * The pragmas are per connection, not stored in the file (except `journal_mode`), so every
 * process sharing the file sets them again here.
 *
 * @see https://sqlite.org/pragma.html
 * @see https://nodejs.org/api/sqlite.html#class-databasesync
 */
export function openDatabase(options: ConnectionOptions): Connection {
  const memory = options.path === MEMORY
  const file = memory ? MEMORY : resolve(options.path)
  let db: DatabaseSync | undefined
  try {
    if (!memory) mkdirSync(dirname(file), { recursive: true })
    db = new DatabaseSync(file)
    // First, so the pragmas and the migration below wait for a process that is migrating the
    // same new file instead of failing with SQLITE_BUSY.
    db.exec(`PRAGMA busy_timeout = ${Math.round(options.busyTimeoutMs)}`)
    const opened = db
    // SQLite does not always call the busy handler for the lock upgrade that switches a new file
    // to WAL (it returns SQLITE_BUSY at once to avoid deadlock), so several processes opening a
    // new file together can see "database is locked" despite busy_timeout. Retry that step.
    const mode = retryBusy(
      options.busyTimeoutMs,
      () => (opened.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string }).journal_mode,
    )
    if (!memory && mode.toLowerCase() !== 'wal') {
      throw new SqliteStoreError(
        'open',
        file,
        `sqliteStore: ${file} cannot use write-ahead logging (journal_mode is ${mode}). Put it on a local filesystem; network filesystems cannot share the -shm memory map.`,
      )
    }
    db.exec(`PRAGMA synchronous = ${options.synchronous}`)
    db.exec('PRAGMA secure_delete = ON')
    retryBusy(options.busyTimeoutMs, () => migrate(opened, file, options.migrations ?? MIGRATIONS))
    return { db, file }
  } catch (error) {
    try {
      db?.close()
    } catch {
      // Already closed, or never opened: the original error is what matters.
    }
    if (error instanceof SqliteStoreError) throw error
    const detail = isSqliteError(error) || error instanceof Error ? error.message : String(error)
    throw new SqliteStoreError('open', file, `sqliteStore: cannot open ${file}: ${detail}`, {
      ...(isSqliteError(error) ? { sqliteCode: error.errcode } : {}),
      cause: error,
    })
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Runs `step`, retrying with short sleeps while SQLite answers SQLITE_BUSY, for up to `ms`. */
function retryBusy<T>(ms: number, step: () => T): T {
  const deadline = Date.now() + ms
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return step()
    } catch (error) {
      if (!isBusy(error) || Date.now() + wait > deadline) throw error
      // openDatabase is synchronous (node:sqlite is), so this sleeps without an event loop turn.
      Atomics.wait(sleeper, 0, 0, wait)
    }
  }
}
