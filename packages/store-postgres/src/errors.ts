/**
 * What {@link PostgresStoreError.reason} says went wrong:
 * - `schema_too_new`: the schema was migrated by a newer `@revokit/store-postgres`;
 * - `closed`: the store was used after `close()`;
 * - `postgres`: PostgreSQL or the connection refused an operation (unreachable server, failed
 *   authentication, a lost connection, a constraint, a timeout).
 */
export type PostgresStoreErrorReason = 'schema_too_new' | 'closed' | 'postgres'

/**
 * Every failure of a PostgreSQL store. Messages name the schema and the operation, never a token
 * value, a stored record or the connection string: the engine copies store errors into its
 * `store_error` envelope, which may reach an HTTP response or a log line.
 */
export class PostgresStoreError extends Error {
  override readonly name = 'PostgresStoreError'
  /** Stable across versions; branch on this, not on the message. */
  readonly code = 'ERR_REVOKIT_POSTGRES_STORE'
  /** What kind of failure this is; see {@link PostgresStoreErrorReason}. */
  readonly reason: PostgresStoreErrorReason
  /** The schema the store keeps its tables in. */
  readonly schema: string
  /**
   * The SQLSTATE PostgreSQL answered with, e.g. `40001`, or the socket error code
   * (`ECONNREFUSED`) when the connection failed.
   * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
   */
  readonly sqlState: string | undefined

  /** @param message must not contain a credential value, a stored record or a connection string. */
  constructor(
    reason: PostgresStoreErrorReason,
    schema: string,
    message: string,
    options: { sqlState?: string | undefined } = {},
  ) {
    super(message)
    this.reason = reason
    this.schema = schema
    this.sqlState = options.sqlState
  }
}

/** The fields of node-postgres's `DatabaseError` this package reads. */
interface DatabaseErrorLike extends Error {
  severity: string
  code: string
}

function isDatabaseError(error: unknown): error is DatabaseErrorLike {
  return (
    error instanceof Error &&
    typeof (error as Partial<DatabaseErrorLike>).severity === 'string' &&
    typeof (error as Partial<DatabaseErrorLike>).code === 'string'
  )
}

/** Socket-level failures (`ECONNREFUSED`, `ETIMEDOUT`…) whose messages hold an address, no data. */
function systemCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined
}

/**
 * Wraps whatever an operation threw into a {@link PostgresStoreError} that is safe to show.
 *
 * PostgreSQL's messages may quote a value (`invalid input syntax for type json: "…"`), and its
 * `detail` and `where` fields often do (`Key (id)=(…)`), so only the message is kept, with every
 * quoted part elided, and the original error is not kept as `cause`. Statements here bind every
 * value, so the SQLSTATE and the message's words say what went wrong.
 */
export function storeFailure(schema: string, operation: string, error: unknown): PostgresStoreError {
  if (error instanceof PostgresStoreError) return error
  const prefix = `postgresStore(${schema}): ${operation} failed`
  if (isDatabaseError(error)) {
    const message = error.message.replace(/"[^"]*"/g, '"…"').slice(0, 300)
    return new PostgresStoreError('postgres', schema, `${prefix}: ${message} (SQLSTATE ${error.code})`, {
      sqlState: error.code,
    })
  }
  const code = systemCode(error)
  if (code || (error instanceof Error && /^Connection terminated|^timeout/i.test(error.message))) {
    const message = (error as Error).message.slice(0, 300)
    return new PostgresStoreError('postgres', schema, `${prefix}: ${message}`, { sqlState: code })
  }
  const kind = error instanceof Error ? error.name : typeof error
  return new PostgresStoreError('postgres', schema, `${prefix} with ${kind}`)
}
