import type { DatabaseSync } from 'node:sqlite'
import { SqliteStoreError } from './errors'

/** One step of the schema's history. Steps run in order, each exactly once per file. */
export interface Migration {
  /** 1, 2, 3…: the schema version the file has once this step ran. */
  readonly version: number
  readonly description: string
  /** Runs inside the migrating transaction; it must not commit or roll back. */
  up(db: DatabaseSync): void
}

/**
 * The schema, as the ordered list of steps that build it.
 *
 * Why credentials live in their own table: SQLite's `secure_delete` zeroes a cell when it is
 * deleted or rewritten, but when the b-tree rebalances a page it copies surviving cells to a
 * sibling and leaves the old bytes in the page's unused space (`rebuildPage` does not clear it).
 * A token that is still live at that moment leaves a stale copy no later delete can reach; it
 * lingers in the file after the token dies. Measured: with credentials inside the account row,
 * `secure_delete` plus a WAL checkpoint still left a few dead tokens per thousand in the file.
 *
 * So credentials, and pending authorizations (PKCE verifiers), go to `secrets`, which is only ever appended to (the new rowid is always the
 * largest, so a full page splits by starting a new page, `balance_quick`, without moving cells)
 * and never deleted from. When either changes, the old row is overwritten with zeros of the
 * same length, which SQLite does in place. Its cells never move, so no copy is ever left behind.
 * The account row, rewritten at every version (claims, transitions), holds no secret.
 *
 * Text columns compare with BINARY collation (byte order), which for the ASCII ids and ISO 8601
 * timestamps revokit writes is the order of JS string comparison that `memoryStore` uses.
 *
 * @see https://sqlite.org/pragma.html#pragma_secure_delete
 * @see https://sqlite.org/fileformat2.html#b_tree_pages
 * @see https://sqlite.org/stricttables.html
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts, append-only secrets, audit events',
    up(db) {
      db.exec(`
        CREATE TABLE accounts (
          id         TEXT    NOT NULL COLLATE BINARY PRIMARY KEY,
          project_id TEXT    NOT NULL COLLATE BINARY,
          user_id    TEXT    NOT NULL COLLATE BINARY,
          toolkit    TEXT    NOT NULL COLLATE BINARY,
          status     TEXT    NOT NULL COLLATE BINARY,
          created_at TEXT    NOT NULL COLLATE BINARY,
          version    INTEGER NOT NULL,
          secret_id  INTEGER,
          data       TEXT    NOT NULL
        ) STRICT;
        CREATE INDEX accounts_by_created ON accounts (created_at, id);
        CREATE INDEX accounts_by_project ON accounts (project_id, created_at, id);
        CREATE INDEX accounts_by_user    ON accounts (user_id, created_at, id);
        CREATE INDEX accounts_by_toolkit ON accounts (toolkit, created_at, id);
        CREATE INDEX accounts_by_status  ON accounts (status, created_at, id);

        CREATE TABLE secrets (
          id    INTEGER PRIMARY KEY,
          value BLOB    NOT NULL
        ) STRICT;

        CREATE TABLE events (
          seq        INTEGER PRIMARY KEY,
          account_id TEXT    NOT NULL COLLATE BINARY,
          data       TEXT    NOT NULL
        ) STRICT;
        CREATE INDEX events_by_account ON events (account_id, seq);
      `)
    },
  },
  {
    // A revoke claims and releases every account it touches. With the claim in its own column,
    // that is one narrow UPDATE instead of a rewrite of the row's JSON. Claims move out of `data`
    // so there is one copy of each; the JSON stays the claim's format (the store never reads it).
    version: 2,
    description: 'revoke claims in their own column',
    up(db) {
      db.exec(`
        ALTER TABLE accounts ADD COLUMN claim TEXT;
        UPDATE accounts SET claim = nullif(data -> '$.claim', 'null'), data = json_remove(data, '$.claim');
      `)
    },
  },
  {
    // A pending authorization holds the PKCE code verifier and the state's hash: secrets, kept
    // like credentials (appended to `secrets`, zeroed in place when replaced or cleared), never
    // in the account row, which every claim and transition rewrites. Ones an earlier version put
    // in the JSON move out here; an explicit null stays (it is no secret).
    version: 3,
    description: 'pending authorizations in the append-only secrets table',
    up(db) {
      db.exec('ALTER TABLE accounts ADD COLUMN auth_secret_id INTEGER')
      const pending = db
        .prepare(
          `SELECT id, data -> '$.authorization' AS authorization FROM accounts
           WHERE json_type(data, '$.authorization') = 'object' ORDER BY id`,
        )
        .all() as Array<{ id: string; authorization: string }>
      const insert = db.prepare('INSERT INTO secrets (value) VALUES (?)')
      const move = db.prepare(
        `UPDATE accounts SET auth_secret_id = ?, data = json_remove(data, '$.authorization') WHERE id = ?`,
      )
      for (const row of pending) {
        const secret = insert.run(Buffer.from(row.authorization, 'utf8')).lastInsertRowid
        move.run(secret, row.id)
      }
    },
  },
]

/** The schema version this build of the package writes and understands. */
export const SCHEMA_VERSION: number = (MIGRATIONS.at(-1) as Migration).version

/**
 * Brings the file to the latest version of `migrations`, or throws if it is newer than they know.
 *
 * The steps run inside `BEGIN IMMEDIATE`, which takes the write lock before reading the version:
 * several processes opening a new file at once queue on the lock, and each one after the first
 * finds the work done. An up-to-date file is recognised without taking the lock.
 *
 * @returns the file's schema version afterwards.
 * @see https://sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions
 */
export function migrate(
  db: DatabaseSync,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): number {
  const latest = migrations.at(-1)?.version ?? 0
  let current = readVersion(db)
  if (current === latest) return current
  assertKnown(file, current, latest)

  db.exec('BEGIN IMMEDIATE')
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
      version    INTEGER PRIMARY KEY,
      applied_at TEXT    NOT NULL
    ) STRICT`)
    current = readVersion(db)
    assertKnown(file, current, latest)
    const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)')
    for (const step of migrations) {
      if (step.version <= current) continue
      step.up(db)
      record.run(step.version, new Date().toISOString())
      current = step.version
    }
    db.exec('COMMIT')
    return current
  } catch (error) {
    rollback(db)
    throw error
  }
}

/** The file's schema version: 0 for a new file. */
export function readVersion(db: DatabaseSync): number {
  const table = db
    .prepare("SELECT 1 AS found FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'")
    .get()
  if (!table) return 0
  const row = db.prepare('SELECT max(version) AS version FROM schema_version').get() as
    | { version: number | null }
    | undefined
  return row?.version ?? 0
}

function assertKnown(file: string, current: number, latest: number) {
  if (current <= latest) return
  throw new SqliteStoreError(
    'schema_too_new',
    file,
    `sqliteStore: ${file} has schema version ${current}, but this @revokit/store-sqlite only knows versions up to ${latest}. ` +
      'A newer @revokit/store-sqlite migrated it: upgrade this process to that version (every process sharing the file must), or use another file.',
  )
}

function rollback(db: DatabaseSync) {
  try {
    db.exec('ROLLBACK')
  } catch {
    // No transaction is open any more (SQLite rolls back by itself on some errors).
  }
}
