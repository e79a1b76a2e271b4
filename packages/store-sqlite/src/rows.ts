import type {
  AccountRecord,
  AccountStatus,
  AuditEvent,
  Credentials,
  PendingAuthorization,
  RevokeClaim,
} from '@revokit/core'
import { joinRecord, splitRecord } from '@revokit/core'
import { SqliteStoreError } from './errors'

/** An `accounts` row joined with its two `secrets` values, as `SELECT_ACCOUNT` returns it. */
export interface AccountRow {
  id: string
  project_id: string
  user_id: string
  toolkit: string
  status: string
  created_at: string
  version: number
  data: string
  claim: string | null
  credentials: Uint8Array | null
  authorization: Uint8Array | null
}

/** A record split the way the tables hold it. */
export interface EncodedAccount {
  readonly id: string
  readonly projectId: string
  readonly userId: string
  readonly toolkit: string
  readonly status: AccountStatus
  readonly createdAt: string
  readonly version: number
  /** Every other field, as JSON. */
  readonly data: string
  /** The revoke claim as JSON, or `null`; apart so claiming rewrites only it and the version. */
  readonly claim: string | null
  /** The credentials as UTF-8 JSON for the `secrets` table, or `null` when there are none. */
  readonly credentials: Uint8Array | null
  /** The pending authorization as UTF-8 JSON for the `secrets` table, or `null` when there is none. */
  readonly authorization: Uint8Array | null
}

/** The columns every account read selects, in the shape of {@link AccountRow}. */
export const SELECT_ACCOUNT = `SELECT a.id, a.project_id, a.user_id, a.toolkit, a.status, a.created_at, a.version,
  a.data, a.claim, s.value AS credentials, p.value AS authorization
  FROM accounts AS a LEFT JOIN secrets AS s ON s.id = a.secret_id LEFT JOIN secrets AS p ON p.id = a.auth_secret_id`

/**
 * Splits a record with core's {@link splitRecord}: the credentials and the pending authorization
 * (its PKCE verifier) are stored apart so they can be scrubbed (see `MIGRATIONS`); every field
 * without a column lands in `data`, so fields the core adds later round-trip without a migration.
 */
export function encodeAccount(record: AccountRecord): EncodedAccount {
  const { columns, claim, credentials, authorization, rest } = splitRecord(record)
  return {
    ...columns,
    data: JSON.stringify(rest),
    claim: encodeClaim(claim),
    credentials: credentials ? utf8Json(credentials) : null,
    authorization: authorization ? utf8Json(authorization) : null,
  }
}

function utf8Json(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8')
}

/** Rebuilds the record {@link encodeAccount} split; every call returns fresh objects. */
export function decodeAccount(row: AccountRow, file: string): AccountRecord {
  const secret = <T>(value: Uint8Array | null, what: string) =>
    value === null ? null : parse<T>(Buffer.from(value).toString('utf8'), file, row.id, what)
  return joinRecord({
    columns: {
      id: row.id,
      projectId: row.project_id,
      userId: row.user_id,
      toolkit: row.toolkit,
      status: row.status as AccountStatus,
      createdAt: row.created_at,
      version: row.version,
    },
    claim: row.claim === null ? null : parse<RevokeClaim>(row.claim, file, row.id, 'revoke claim'),
    credentials: secret<Credentials>(row.credentials, 'credentials'),
    authorization: secret<PendingAuthorization>(row.authorization, 'pending authorization'),
    rest: parse<Record<string, unknown>>(row.data, file, row.id, 'record'),
  })
}

/** The `claim` column's value: JSON, or SQL NULL for no claim. */
export function encodeClaim(claim: RevokeClaim | null | undefined): string | null {
  return claim ? JSON.stringify(claim) : null
}

/** An audit event row's JSON back into an event. */
export function decodeEvent(data: string, accountId: string, file: string): AuditEvent {
  return parse<AuditEvent>(data, file, accountId, 'audit event')
}

function parse<T>(text: string, file: string, id: string, what: string): T {
  try {
    return JSON.parse(text) as T
  } catch {
    // The parser's own message quotes the text around the error, which may be a token.
    throw new SqliteStoreError(
      'corrupt',
      file,
      `sqliteStore(${file}): the stored ${what} of account ${id} is not valid JSON; the file was changed outside revokit or is damaged.`,
    )
  }
}
