import { nanoid, newAccountId } from '../ids'
import type { AccountRecord } from '../model'
import type { AuditEvent } from '../store'

/** A complete account record for tests; every field can be overridden. */
export function sampleRecord(overrides: Partial<AccountRecord> = {}): AccountRecord {
  const at = overrides.createdAt ?? new Date().toISOString()
  return {
    id: newAccountId(),
    projectId: 'default',
    userId: 'user-1',
    toolkit: 'test',
    status: 'ACTIVE',
    credentials: { access_token: `fake-access-${nanoid(8)}`, refresh_token: `fake-refresh-${nanoid(8)}` },
    revokedSubjects: [],
    pendingSubjects: [],
    createdAt: at,
    updatedAt: at,
    version: 1,
    claim: null,
    lastFailedRevoke: null,
    ...overrides,
  }
}

/** An audit event of `type` for `record`, as the engine would write it. */
export function sampleEvent(record: AccountRecord, type: AuditEvent['type'] = 'created'): AuditEvent {
  return {
    id: `evt_${nanoid(16)}`,
    accountId: record.id,
    projectId: record.projectId,
    type,
    from: type === 'created' ? null : record.status,
    to: record.status,
    at: new Date().toISOString(),
    requestId: null,
  }
}

/** `record` with `changes` and the next version: what a compare-and-set writes. */
export const bump = (record: AccountRecord, changes: Partial<AccountRecord> = {}): AccountRecord => ({
  ...record,
  ...changes,
  version: record.version + 1,
})
