import type { CallOptions, ReconcileRunOptions, ReconcileSummary } from './engine-api'
import { type EngineCore, rewrite, storeError } from './engine-core'
import { isRevokitError } from './errors'
import { type AccountRecord, type AccountStatus, holds, type TokenSubject } from './model'
import { backoffDelay } from './retry'
import type { RevokeClaims } from './revoke/claim'
import { isJoinedFailure } from './revoke/failure'
import { REPORT_ORDER } from './revoke/plan'
import { revokeAccount } from './revoke/revoke'
import type { StoreCursor } from './store'

/** How the reconciler retries pending subjects (see `EngineOptions.reconcile`). */
export interface ReconcileSettings {
  readonly baseMs: number
  readonly maxMs: number
  readonly maxAttempts: number
}

/** What the reconciler needs of the connect flow: the one place INITIATED accounts expire. */
export interface ReconcileConnect {
  expireIfStale(record: AccountRecord, call: CallOptions): Promise<{ written: boolean }>
}

const PAGE = 100

/** Subjects still pending and held that the reconciler has not given up on. */
function retrying(record: AccountRecord): TokenSubject[] {
  return record.pendingSubjects.filter(
    (s) => holds(record.credentials, s) && !(record.gaveUpSubjects ?? []).includes(s),
  )
}

/** Retries since the partial revoke that left the subjects pending (each one killed nothing). */
function failedRetries(record: AccountRecord): number {
  return record.lastFailedRevoke ? (record.lastFailedRevoke.attempts ?? 1) : 0
}

/**
 * What to do with a REVOKED account now, from its own state only: the failure record of the last
 * retry (its time and count), or the partial revoke's commit time before any retry. Deterministic
 * (no jitter), so every engine reading the same record decides the same.
 */
function plan(
  core: EngineCore,
  claims: RevokeClaims,
  settings: ReconcileSettings,
  record: AccountRecord,
): 'none' | 'wait' | 'retry' | 'give_up' {
  if (record.status !== 'REVOKED' || retrying(record).length === 0 || claims.live(record)) return 'none'
  const tries = failedRetries(record)
  if (tries >= settings.maxAttempts) return 'give_up'
  const last = Date.parse(record.lastFailedRevoke?.at ?? record.updatedAt)
  const delay = backoffDelay(tries + 1, { baseMs: settings.baseMs, maxMs: settings.maxMs, random: () => 1 })
  return core.clock() >= last + delay ? 'retry' : 'wait'
}

/**
 * One pass over the store deriving the work due from the accounts' own state (no second queue):
 * REVOKED accounts with pending subjects are retried once their backoff has passed, or marked
 * given up after `maxAttempts` retries; INITIATED accounts past their link expiry become EXPIRED.
 * Every retry goes through the revoke claim and every write through compare-and-set, so any
 * number of engines may run it at once on one store: a subject is never dispatched twice
 * concurrently, nor retried before its backoff, and a crashed run leaves the state to the next.
 */
export async function reconcile(
  core: EngineCore,
  claims: RevokeClaims,
  connect: ReconcileConnect,
  settings: ReconcileSettings,
  options: ReconcileRunOptions = {},
): Promise<ReconcileSummary> {
  const summary = { retried: 0, revoked: 0, gaveUp: 0, refreshed: 0, expired: 0 }
  const { signal } = options
  const call: CallOptions = {}
  const failed = (record: AccountRecord, error: unknown) =>
    core.logger.warn({ accountId: record.id, error }, 'revokit: reconcile could not settle an account')

  await scan(core, ['REVOKED'], signal, async (record) => {
    const due = plan(core, claims, settings, record)
    if (due === 'give_up') {
      const subjects = retrying(record)
      const reason = `gave up on ${subjects.join(' and ')} after ${failedRetries(record)} failed retries: ${record.lastFailedRevoke?.message ?? 'no detail'}`
      const { written } = await rewrite(core, record, call, (current) =>
        plan(core, claims, settings, current) === 'give_up'
          ? {
              change: {
                gaveUpSubjects: REPORT_ORDER.filter(
                  (s) => (current.gaveUpSubjects ?? []).includes(s) || retrying(current).includes(s),
                ),
              },
              event: { type: 'revoke_gave_up', to: 'REVOKED', reason },
            }
          : undefined,
      )
      if (written) summary.gaveUp += subjects.length
      return
    }
    if (due !== 'retry') return
    const subjects = retrying(record)
    try {
      const result = await revokeAccount(
        core,
        claims,
        record.id,
        signal ? { retryPending: true, signal } : { retryPending: true },
        (current) => plan(core, claims, settings, current) === 'retry',
      )
      if (!result.dispatched) return
      summary.retried += subjects.length
      for (const s of subjects)
        if (result.subjects[s] === 'revoked' || result.subjects[s] === 'already_revoked') summary.revoked++
    } catch (error) {
      // A retry that killed nothing is recorded on the account (its backoff grows); one this
      // engine did not dispatch (it joined another's attempt, or lost the account) counts nothing.
      if (isJoinedFailure(error)) return
      summary.retried += subjects.length
      if (!(isRevokitError(error) && REVOKE_FAILURES.includes(error.slug))) failed(record, error)
    }
  })

  await scan(core, ['INITIATED'], signal, async (record) => {
    if (!record.authorization || record.authorization.expiresAt > core.clock()) return
    try {
      if ((await connect.expireIfStale(record, call)).written) summary.expired++
    } catch (error) {
      // Deleted meanwhile: nothing left to expire.
      if (!(isRevokitError(error) && error.slug === 'connected_account_not_found')) failed(record, error)
    }
  })
  // TODO(lifecycle): refresh tokens that expire soon ahead of readers; `refreshed` stays 0 until then.
  return summary
}

// A retry that killed nothing: the account records it; not worth a warning of its own.
const REVOKE_FAILURES: readonly string[] = ['revoke_failed', 'revoke_not_supported']

/** Visits every record in `statuses`, page by page with the keyset cursor, until `signal` aborts. */
async function scan(
  core: EngineCore,
  statuses: AccountStatus[],
  signal: AbortSignal | undefined,
  visit: (record: AccountRecord) => Promise<void>,
): Promise<void> {
  let after: StoreCursor | undefined
  for (;;) {
    if (signal?.aborted) return
    let page: AccountRecord[]
    try {
      page = await core.store.list({ statuses, limit: PAGE, ...(after ? { after } : {}) })
    } catch (error) {
      throw storeError(error)
    }
    for (const record of page) {
      if (signal?.aborted) return
      await visit(record)
    }
    const last = page.at(-1)
    if (!last || page.length < PAGE) return
    after = { createdAt: last.createdAt, id: last.id }
  }
}
