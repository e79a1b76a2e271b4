/**
 * What {@link SqliteStoreError.reason} says went wrong:
 * - `open`: the file could not be opened or configured (missing permission, not a database, WAL
 *   unavailable);
 * - `schema_too_new`: the file was migrated by a newer `@revokit/store-sqlite`;
 * - `closed`: the store was used after `close()`;
 * - `corrupt`: a stored row could not be decoded;
 * - `sqlite`: SQLite refused an operation (busy past the timeout, disk full, I/O error).
 */
export type SqliteStoreErrorReason = 'open' | 'schema_too_new' | 'closed' | 'corrupt' | 'sqlite'

/**
 * Every failure of a SQLite store. Messages name the file and the operation, never a token value
 * or a stored record: the engine copies store errors into its `store_error` envelope, which may
 * reach an HTTP response or a log line.
 */
export class SqliteStoreError extends Error {
  override readonly name = 'SqliteStoreError'
  /** Stable across versions; branch on this, not on the message. */
  readonly code = 'ERR_REVOKIT_SQLITE_STORE'
  /** What kind of failure this is; see {@link SqliteStoreErrorReason}. */
  readonly reason: SqliteStoreErrorReason
  /** The absolute path of the database file. */
  readonly file: string
  /**
   * SQLite's extended result code when SQLite raised the error, e.g. 5 for `SQLITE_BUSY`.
   * @see https://sqlite.org/rescode.html
   */
  readonly sqliteCode: number | undefined

  /**
   * @param message must not contain a credential value or a stored record.
   * @param options.cause kept as a non-enumerable `cause`, so serialising the error skips it.
   */
  constructor(
    reason: SqliteStoreErrorReason,
    file: string,
    message: string,
    options: { sqliteCode?: number; cause?: unknown } = {},
  ) {
    super(message)
    this.reason = reason
    this.file = file
    this.sqliteCode = options.sqliteCode
    if (options.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true })
    }
  }
}

/** The shape of the errors `node:sqlite` throws. */
interface NodeSqliteError extends Error {
  code: 'ERR_SQLITE_ERROR'
  errcode: number
  errstr: string
}

/** True for an error raised by SQLite itself (through `node:sqlite`). */
export function isSqliteError(error: unknown): error is NodeSqliteError {
  return error instanceof Error && (error as Partial<NodeSqliteError>).code === 'ERR_SQLITE_ERROR'
}

/** True when SQLite gave up waiting for another connection's lock. */
export function isBusy(error: unknown): boolean {
  // The low byte is the primary code: SQLITE_BUSY (5) or SQLITE_LOCKED (6), whatever the extension.
  return isSqliteError(error) && ((error.errcode & 0xff) === 5 || (error.errcode & 0xff) === 6)
}

/**
 * Wraps whatever an operation threw into a {@link SqliteStoreError} that is safe to show.
 *
 * SQLite's own messages are kept: every statement this package runs is constant text with bound
 * parameters, and SQLite never quotes bound values in its messages. Anything else (a JSON parse
 * error quotes the text it choked on, which may be a token) is replaced by a fixed message and not
 * kept as `cause`.
 */
export function storeFailure(file: string, operation: string, error: unknown): SqliteStoreError {
  if (error instanceof SqliteStoreError) return error
  if (isSqliteError(error)) {
    return new SqliteStoreError(
      'sqlite',
      file,
      `sqliteStore(${file}): ${operation} failed: ${error.message}`,
      {
        sqliteCode: error.errcode,
        cause: error,
      },
    )
  }
  const kind = error instanceof Error ? error.name : typeof error
  return new SqliteStoreError(
    'sqlite',
    file,
    `sqliteStore(${file}): ${operation} failed with ${kind} while encoding or decoding a record`,
  )
}
