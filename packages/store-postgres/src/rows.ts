import type {
  AccountRecord,
  AccountStatus,
  AuditEvent,
  Credentials,
  PendingAuthorization,
  RevokeClaim,
} from '@revokit/core'
import { joinRecord, splitRecord } from '@revokit/core'

/** An `accounts` row joined with its `secrets` row, as {@link selectAccount} returns it. */
export interface AccountRow {
  id: string
  project_id: string
  user_id: string
  toolkit: string
  status: string
  created_at: string
  version: number
  claim: RevokeClaim | null
  data: Record<string, unknown>
  credentials: Credentials | null
  authorization: PendingAuthorization | null
}

/** A record split the way the tables hold it; JSON values as text, for `json` parameters. */
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
  /** The revoke claim as JSON, or `null`. */
  readonly claim: string | null
  /** The credentials as JSON for `secrets`, or `null` when there are none. */
  readonly credentials: string | null
  /** The pending authorization as JSON for `secrets`, or `null` when there is none. */
  readonly authorization: string | null
}

/** The columns every account read selects, in the shape of {@link AccountRow}. */
export const selectAccount = (s: string) =>
  `SELECT a.id, a.project_id, a.user_id, a.toolkit, a.status, a.created_at, a.version, a.claim, a.data,
     x.credentials, x."authorization"
   FROM ${s}.accounts AS a LEFT JOIN ${s}.secrets AS x ON x.account_id = a.id`

/**
 * Splits a record with core's {@link splitRecord}: the credentials and the pending authorization
 * go to `secrets` (see `MIGRATIONS`) as opaque JSON, so they may be sealed by an encrypting
 * engine; every field without a column lands in `data`.
 */
export function encodeAccount(record: AccountRecord): EncodedAccount {
  const { columns, claim, credentials, authorization, rest } = splitRecord(record)
  return {
    ...columns,
    data: JSON.stringify(rest),
    claim: encodeClaim(claim),
    credentials: credentials ? JSON.stringify(credentials) : null,
    authorization: authorization ? JSON.stringify(authorization) : null,
  }
}

/** Rebuilds the record {@link encodeAccount} split; node-postgres parses each `json` value afresh. */
export function decodeAccount(row: AccountRow): AccountRecord {
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
    claim: row.claim,
    credentials: row.credentials,
    authorization: row.authorization,
    rest: row.data,
  })
}

/** The `claim` column's value: JSON, or SQL NULL for no claim. */
export function encodeClaim(claim: RevokeClaim | null | undefined): string | null {
  return claim ? JSON.stringify(claim) : null
}

/** The events as one JSON array parameter, expanded in order by `json_array_elements`. */
export function encodeEvents(events: readonly AuditEvent[]): string {
  return JSON.stringify(events)
}
