import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { isSqliteError, SqliteStoreError } from './errors'
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
    const mode = (db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string }).journal_mode
    if (!memory && mode.toLowerCase() !== 'wal') {
      throw new SqliteStoreError(
        'open',
        file,
        `sqliteStore: ${file} cannot use write-ahead logging (journal_mode is ${mode}). Put it on a local filesystem; network filesystems cannot share the -shm memory map.`,
      )
    }
    db.exec(`PRAGMA synchronous = ${options.synchronous}`)
    db.exec('PRAGMA secure_delete = ON')
    migrate(db, file, options.migrations ?? MIGRATIONS)
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
