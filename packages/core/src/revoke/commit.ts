import type { RevokeOptions, RevokeResult } from '../engine-api'
import { type EngineCore, MAX_CAS_TRIES } from '../engine-core'
import type { RevokitError } from '../errors'
import {
  type AccountRecord,
  type AccountStatus,
  CREDENTIAL_METADATA,
  type Credentials,
  type FailedRevoke,
  holds,
  type SubjectOutcomes,
  TOKEN_SUBJECTS,
  type TokenSubject,
} from '../model'
import type { AuditEventType } from '../store'
import type { RevokeClaims } from './claim'
import { unrecordedRevoke } from './failure'
import { REPORT_ORDER } from './plan'
import type { DispatchReport } from './run'

/**
 * Stores a revoke that killed something: REVOKED, dead values scrubbed, failed subjects pending,
 * claim cleared, one audit event. The tokens are already dead at the provider, so a store that is
 * briefly busy gets a few more tries; if it stays down the caller is told exactly what died.
 */
export async function commitRevoke(
  core: EngineCore,
  claims: RevokeClaims,
  claimed: AccountRecord,
  report: DispatchReport,
  outcomes: SubjectOutcomes,
  call: RevokeOptions,
): Promise<RevokeResult> {
  const { store } = core
  const claimId = claimed.claim?.id
  const killed = REPORT_ORDER.filter((s) => report.outcomes[s] === 'revoked')
  const dead = REPORT_ORDER.filter(
    (s) => report.outcomes[s] === 'revoked' || report.outcomes[s] === 'already_revoked',
  )
  const failedNow = REPORT_ORDER.filter((s) => report.outcomes[s] === 'failed')
  let record = claimed
  let storeFailure: unknown
  let storeFailures = 0
  for (let tries = 0; tries < MAX_CAS_TRIES; tries++) {
    try {
      if (tries > 0) {
        let current = await store.get(claimed.id)
        // Our claim expired and someone else holds the account now: let them finish first.
        if (current?.claim && current.claim.id !== claimId && claims.live(current)) {
          await claims.wait(current)
          current = await store.get(claimed.id)
        }
        if (!current) break
        record = current
      }
      const credentials = revokedCredentials(record.credentials, claimed.credentials, report, dead)
      const revokedSubjects = REPORT_ORDER.filter(
        (s) => record.revokedSubjects.includes(s) || dead.includes(s),
      )
      const pendingSubjects = REPORT_ORDER.filter(
        (s) =>
          (record.pendingSubjects.includes(s) || failedNow.includes(s)) &&
          !dead.includes(s) &&
          holds(credentials, s),
      )
      // A DELETED account stays deleted; anything else is REVOKED, because its tokens are dead.
      const to: AccountStatus = record.status === 'DELETED' ? 'DELETED' : 'REVOKED'
      const now = core.iso()
      const next: AccountRecord = {
        ...record,
        status: to,
        credentials,
        revokedSubjects,
        pendingSubjects,
        ...(record.gaveUpSubjects
          ? { gaveUpSubjects: record.gaveUpSubjects.filter((s) => pendingSubjects.includes(s)) }
          : {}),
        claim: null,
        lastFailedRevoke: null,
        updatedAt: now,
        version: record.version + 1,
      }
      const type: AuditEventType = claimed.status === 'REVOKED' ? 'pending_revoked' : 'revoked'
      const events = [
        core.event(
          record,
          type,
          record.status,
          to,
          call,
          { revokedSubjects: killed, subjects: outcomes },
          now,
        ),
      ]
      if (await store.compareAndSet(record.id, record.version, next, events, { scrub: true })) {
        core.emit(events)
        return {
          revokedTokens: killed,
          connectedAccount: { id: next.id, status: to },
          subjects: outcomes,
          details: report.reports,
          dispatched: true,
        }
      }
    } catch (error) {
      storeFailure = error
      if (++storeFailures >= 3) break
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** storeFailures))
    }
  }
  core.logger.error(
    { accountId: claimed.id, error: storeFailure },
    'revokit: could not store a successful revoke',
  )
  throw unrecordedRevoke(report, outcomes, storeFailure)
}

/**
 * What a REVOKED account keeps of its credentials: the non-secret metadata
 * ({@link CREDENTIAL_METADATA}) and every token this call did not prove dead (a pending or an
 * unsupported subject). Extras such as an `id_token` or nested provider values are secrets of a
 * dead grant and go with the dead tokens. If the account was given new tokens meanwhile (possible
 * only after our claim expired), only the values this call proved dead are scrubbed.
 */
function revokedCredentials(
  current: Credentials,
  dispatched: Credentials,
  report: DispatchReport,
  dead: readonly TokenSubject[],
): Credentials {
  const credentials = { ...current }
  for (const s of dead) if (credentials[s] === report.values[s]) delete credentials[s]
  if (TOKEN_SUBJECTS.some((s) => holds(current, s) && current[s] !== dispatched[s])) return credentials
  const kept: Credentials = {}
  for (const name of CREDENTIAL_METADATA) if (credentials[name] !== undefined) kept[name] = credentials[name]
  for (const s of TOKEN_SUBJECTS) if (holds(credentials, s)) kept[s] = credentials[s]
  return kept
}

/**
 * Gives the account back after a revoke that killed nothing: it keeps its tokens, and records
 * how the attempt ended so callers who waited on it report that instead of dispatching again.
 */
export async function releaseRevoke(
  core: EngineCore,
  claimed: AccountRecord,
  failure: RevokitError,
  outcomes: SubjectOutcomes,
  call: RevokeOptions,
): Promise<void> {
  const { store } = core
  const claimId = claimed.claim?.id as string
  const lastFailedRevoke: FailedRevoke = {
    claimId,
    at: core.iso(),
    status: failure.status,
    slug: failure.slug,
    message: failure.message,
    errors: [...failure.errors],
    subjects: outcomes,
    attempts: claimed.lastFailedRevoke ? (claimed.lastFailedRevoke.attempts ?? 1) + 1 : 1,
  }
  let record = claimed
  for (let tries = 0; tries < MAX_CAS_TRIES; tries++) {
    if (tries > 0) {
      const current = await store.get(claimed.id).catch(() => undefined)
      // Someone took the account over after our claim expired; it is theirs now.
      if (!current || current.claim?.id !== claimId) return
      record = current
    }
    const next: AccountRecord = { ...record, claim: null, lastFailedRevoke, version: record.version + 1 }
    const events = [
      core.event(record, 'revoke_failed', record.status, record.status, call, {
        revokedSubjects: [],
        subjects: outcomes,
      }),
    ]
    try {
      if (await store.compareAndSet(record.id, record.version, next, events)) {
        core.emit(events)
        return
      }
    } catch (error) {
      // The claim will expire on its own; the revoke's own error matters more to the caller.
      core.logger.error({ accountId: record.id, error }, 'revokit: could not release a revoke claim')
      return
    }
  }
}
