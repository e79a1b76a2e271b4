import type { AccountRecord, Credentials, PendingAuthorization, RevokeClaim } from './model'

/**
 * An {@link AccountRecord} split the way a table-backed store keeps it: the fields lists filter and
 * order by, the revoke claim (apart, so a claim rewrites only it and the version), the two
 * secrets (credentials and the pending authorization, kept where they can be scrubbed, and
 * opaque: an encrypting engine hands them over sealed), and every other field as a remainder, so
 * fields the core adds later round-trip without a migration.
 */
export interface RecordParts {
  readonly columns: Pick<
    AccountRecord,
    'id' | 'projectId' | 'userId' | 'toolkit' | 'status' | 'createdAt' | 'version'
  >
  readonly claim: RevokeClaim | null
  /** `null` when the record holds no credential at all. */
  readonly credentials: Credentials | null
  /** `null` when no authorization is pending. */
  readonly authorization: PendingAuthorization | null
  readonly rest: Record<string, unknown>
}

/** Splits a record into {@link RecordParts}; {@link joinRecord} rebuilds it exactly. */
export function splitRecord(record: AccountRecord): RecordParts {
  const {
    id,
    projectId,
    userId,
    toolkit,
    status,
    createdAt,
    version,
    credentials,
    claim,
    authorization,
    ...rest
  } = record
  return {
    columns: { id, projectId, userId, toolkit, status, createdAt, version },
    claim: claim ?? null,
    credentials: Object.keys(credentials).length > 0 ? credentials : null,
    authorization: authorization ?? null,
    // An explicit null is no secret and stays in the remainder, so it reads back as written.
    rest: authorization === null ? { ...rest, authorization } : rest,
  }
}

/** Rebuilds the record {@link splitRecord} split. */
export function joinRecord(parts: RecordParts): AccountRecord {
  return {
    ...(parts.rest as Omit<AccountRecord, 'credentials' | 'claim'>),
    ...(parts.authorization === null ? {} : { authorization: parts.authorization }),
    ...parts.columns,
    credentials: parts.credentials ?? {},
    claim: parts.claim,
  }
}
