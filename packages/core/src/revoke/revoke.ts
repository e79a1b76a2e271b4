import type { RevocationAdapter } from '../adapter'
import type { RevokeOptions, RevokeResult } from '../engine-api'
import { contention, type EngineCore, MAX_CAS_TRIES } from '../engine-core'
import { toRevokitError } from '../errors'
import { type AccountRecord, holds, type TokenSubject } from '../model'
import { transition } from '../transitions'
import type { RevokeClaims } from './claim'
import { commitRevoke, releaseRevoke } from './commit'
import { joinedFailure, notSupported, revokeFailure, transitionError } from './failure'
import { dispatchable, subjectOutcomes } from './plan'
import { runSubjects } from './run'

/**
 * One revoke, as a state machine: load → (wait out a live claim) → check the transition →
 * claim → dispatch every subject → commit REVOKED, or release the claim with the failure.
 * `id` is already validated.
 *
 * - REVOKED: 200 with nothing dispatched (unless `retryPending` and a subject is pending);
 * - not ACTIVE: 409; nothing revocable: 400; nothing killed: 500, tokens kept for a later try;
 * - callers who waited on a concurrent revoke that killed nothing get its failure, so concurrent
 *   callers cause one dispatch per subject.
 *
 * `eligible`, when given, is checked on every record read before claiming it: false answers
 * without dispatching. The claim is taken at that record's version, so the check holds for the
 * dispatch (the reconciler's backoff, decided on the record it claims).
 */
export async function revokeAccount(
  core: EngineCore,
  claims: RevokeClaims,
  id: string,
  call: RevokeOptions,
  eligible?: (record: AccountRecord) => boolean,
): Promise<RevokeResult> {
  let waitedOn: string | undefined
  for (let tries = 0; tries < MAX_CAS_TRIES; ) {
    const record = await core.load(id, call)
    if (claims.live(record)) {
      waitedOn = record.claim?.id
      await claims.wait(record)
      continue
    }
    if (waitedOn !== undefined && record.lastFailedRevoke?.claimId === waitedOn) {
      throw joinedFailure(record.lastFailedRevoke)
    }
    if (eligible && !eligible(record)) return currentResult(record)
    const step = transition(record.status, 'revoke')
    if (!step.allowed) throw transitionError(record, 'revoke')
    let only: TokenSubject[] | undefined
    if (step.noop) {
      only = call.retryPending ? record.pendingSubjects.filter((s) => holds(record.credentials, s)) : []
      if (only.length === 0) return currentResult(record)
    }
    const adapter = core.registry.get(record.toolkit)
    const subjects = dispatchable(record, adapter, only)
    if (!adapter || subjects.length === 0) throw notSupported(record, adapter)

    const claimed = await claims.take(record)
    if (!claimed) {
      tries++
      continue
    }
    return claims.hold(claimed, execute(core, claims, claimed, adapter, subjects, call))
  }
  throw contention(id)
}

async function execute(
  core: EngineCore,
  claims: RevokeClaims,
  claimed: AccountRecord,
  adapter: RevocationAdapter,
  subjects: TokenSubject[],
  call: RevokeOptions,
): Promise<RevokeResult> {
  let report: Awaited<ReturnType<typeof runSubjects>>
  try {
    report = await runSubjects(
      core.runtime,
      claimed,
      adapter,
      subjects,
      core.clock() + core.deadlineMs,
      call.signal,
    )
  } catch (error) {
    // Only a bug gets here (dispatch turns adapter failures into outcomes). Release the claim so
    // the account is revokable again, then report a 500.
    const failure = toRevokitError(error)
    await releaseRevoke(core, claimed, failure, subjectOutcomes(claimed), call)
    throw failure
  }
  const outcomes = subjectOutcomes(claimed, report.outcomes)
  let anyDead = false
  for (const o of Object.values(report.outcomes))
    if (o === 'revoked' || o === 'already_revoked') anyDead = true
  if (!anyDead) {
    const failure = revokeFailure(claimed, report, outcomes, adapter)
    await releaseRevoke(core, claimed, failure, outcomes, call)
    throw failure
  }
  return commitRevoke(core, claims, claimed, report, outcomes, call)
}

/** The answer when nothing is dispatched: where every subject stands. */
function currentResult(record: AccountRecord): RevokeResult {
  return {
    revokedTokens: [],
    connectedAccount: { id: record.id, status: record.status },
    subjects: subjectOutcomes(record),
    details: {},
    dispatched: false,
  }
}
