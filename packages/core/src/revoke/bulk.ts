import type {
  AccountPage,
  Engine,
  RevokeManyFilter,
  RevokeManyItem,
  RevokeManyOptions,
  RevokeManyOutcome,
  RevokeManySummary,
  RevokeResult,
} from '../engine-api'
import { type EngineCore, positive } from '../engine-core'
import { type ErrorSlug, type RevokitError, toRevokitError } from '../errors'
import type { ConnectedAccount } from '../model'

// Accounts that were deleted or changed state while the run went on are skipped, not failed.
const SKIPPED: ReadonlySet<string> = new Set<ErrorSlug>([
  'connected_account_not_found',
  'connected_account_not_revokable',
  'invalid_status_transition',
  'concurrent_modification',
])

/** The summary bucket of one revoke that answered. */
export function resultOutcome(result: RevokeResult): RevokeManyOutcome {
  if (!result.dispatched) return 'alreadyRevoked'
  const live =
    result.subjects.access_token === 'failed' ||
    result.subjects.access_token === 'unsupported' ||
    result.subjects.refresh_token === 'failed' ||
    result.subjects.refresh_token === 'unsupported'
  return live ? 'partial' : 'revoked'
}

/** The summary bucket of one revoke that threw. */
export function errorOutcome(error: RevokitError): RevokeManyOutcome {
  if (error.slug === 'revoke_not_supported') return 'notSupported'
  return SKIPPED.has(error.slug) ? 'skipped' : 'failed'
}

/**
 * Revokes every ACTIVE account matching the filter, `concurrency` at a time, page by page, so
 * memory stays flat however many accounts match; then asks the store to finish deferred
 * scrubbing, so every dead value is gone from its files when this resolves.
 */
export async function revokeMany(
  core: EngineCore,
  engine: Pick<Engine, 'count' | 'list' | 'revoke'>,
  filter: RevokeManyFilter,
  call: RevokeManyOptions,
): Promise<RevokeManySummary> {
  const concurrency = positive(call.concurrency, 4, 'concurrency')
  const query = {
    ...(filter.userIds ? { userIds: filter.userIds } : {}),
    ...(filter.toolkits ? { toolkits: filter.toolkits } : {}),
    statuses: ['ACTIVE' as const],
  }
  const { onResult, signal, concurrency: _c, ...scope } = call
  const total = await engine.count(query, scope)
  const summary: RevokeManySummary = {
    total,
    processed: 0,
    revoked: 0,
    partial: 0,
    alreadyRevoked: 0,
    notSupported: 0,
    skipped: 0,
    failed: 0,
  }
  let cursor: string | null = null
  try {
    do {
      if (signal?.aborted) break
      const page: AccountPage = await engine.list(
        { ...query, limit: Math.max(100, concurrency * 4), cursor },
        scope,
      )
      cursor = page.nextCursor
      let next = 0
      const worker = async () => {
        while (next < page.items.length && !signal?.aborted) {
          const account = page.items[next++] as ConnectedAccount
          const item: RevokeManyItem = {
            id: account.id,
            userId: account.userId,
            toolkit: account.toolkit,
            status: 200,
            outcome: 'revoked',
          }
          try {
            const result = await engine.revoke(account.id, scope)
            item.result = result
            item.outcome = resultOutcome(result)
          } catch (error) {
            const failure = toRevokitError(error)
            item.status = failure.status
            item.error = failure
            item.outcome = errorOutcome(failure)
          }
          summary[item.outcome]++
          summary.processed++
          try {
            onResult?.(item, { done: summary.processed, total })
          } catch (error) {
            core.logger.warn({ error }, 'revokit: revokeMany onResult threw')
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, page.items.length) }, worker))
    } while (cursor)
  } finally {
    try {
      await core.store.flush?.()
    } catch (error) {
      // The revokes are recorded; only the removal of dead values from the store's files is late
      // (the store keeps retrying). Say so rather than fail a run that did its work.
      summary.scrubPending = true
      core.logger.error(
        { error },
        'revokit: revokeMany could not confirm dead values are gone from the store files',
      )
    }
  }
  return summary
}
