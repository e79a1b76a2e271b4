import type { RevokeManyItem, RevokeManyOutcome, RevokeManySummary } from '@revokit/core'
import type { Revokit } from '../runtime'
import { type CliIO, EXIT_FAILED, EXIT_OK, table, terminalSafe } from './io'
import { createProgress } from './progress'

/** What `revokit revoke --user/--toolkit` was asked for, besides the filter. */
export interface BulkOptions {
  projectId: string
  concurrency: number
  dryRun: boolean
  json: boolean
}

const MAX_LISTED_FAILURES = 20

/**
 * Revokes every ACTIVE account matching `filter`, with progress on stderr, the outcome table on
 * stdout (or a JSON summary), and the failures with their reasons. SIGINT/SIGTERM finish the
 * revokes in flight, start no more, and exit 130.
 */
export async function revokeBulk(
  revokit: Revokit,
  filter: { userIds?: string[]; toolkits?: string[] },
  options: BulkOptions,
  io: CliIO,
): Promise<number> {
  const what = [
    filter.userIds ? `user ${filter.userIds.join(', ')}` : '',
    filter.toolkits ? `toolkit ${filter.toolkits.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' and ')
  if (options.dryRun) {
    const total = await revokit.engine.count(
      { ...filter, statuses: ['ACTIVE'] },
      { projectId: options.projectId },
    )
    if (options.json) io.stdout.write(`${JSON.stringify({ dry_run: true, would_revoke: total })}\n`)
    else
      io.stdout.write(
        `dry run: ${total} ACTIVE account(s) of ${what} in project ${options.projectId} would be revoked\n`,
      )
    return EXIT_OK
  }

  io.stderr.write(
    `revoking ACTIVE accounts of ${what} in project ${options.projectId} (concurrency ${options.concurrency})\n`,
  )
  const controller = new AbortController()
  const onSignal = () => {
    if (controller.signal.aborted) return
    io.stderr.write('\ninterrupted: finishing the revokes in flight, starting no more\n')
    controller.abort()
  }
  if (io.signals) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  const failures: RevokeManyItem[] = []
  let progress: ReturnType<typeof createProgress> | undefined
  const counts = emptyCounts()
  let summary: RevokeManySummary
  try {
    summary = await revokit.engine.revokeMany(filter, {
      projectId: options.projectId,
      concurrency: options.concurrency,
      signal: controller.signal,
      onResult(item, { done, total }) {
        progress ??= createProgress(io.stderr, total, io.progress)
        counts[item.outcome]++
        if (item.outcome === 'failed' && failures.length < MAX_LISTED_FAILURES) failures.push(item)
        progress.update(done, counts)
      },
    })
  } finally {
    if (io.signals) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
  if (progress) progress.finish(summary.processed, summary)

  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          total: summary.total,
          processed: summary.processed,
          revoked: summary.revoked,
          partial: summary.partial,
          already_revoked: summary.alreadyRevoked,
          not_supported: summary.notSupported,
          skipped: summary.skipped,
          failed: summary.failed,
          interrupted: controller.signal.aborted,
          failures: failures.map((f) => ({
            id: f.id,
            user_id: f.userId,
            toolkit: f.toolkit,
            ...f.error?.toEnvelope(),
          })),
        },
        null,
        2,
      )}\n`,
    )
  } else {
    io.stdout.write(summaryTable(summary))
    if (summary.total === 0)
      io.stdout.write(`no ACTIVE accounts of ${what} in project ${options.projectId}\n`)
  }
  for (const failure of failures) {
    io.stderr.write(
      `${terminalSafe(
        `failed: ${failure.id} (user ${failure.userId}, toolkit ${failure.toolkit}): ${failure.error?.message ?? 'unknown error'}`,
      )}\n${(failure.error?.errors ?? []).map((line) => `  ${terminalSafe(line)}\n`).join('')}`,
    )
  }
  if (summary.failed > failures.length) {
    io.stderr.write(`… and ${summary.failed - failures.length} more failed\n`)
  }
  if (summary.failed > 0) {
    io.stderr.write(
      'fix: failed accounts stay ACTIVE with their tokens; run the same command again later to retry them\n',
    )
  }
  if (controller.signal.aborted) return 130
  return summary.failed > 0 ? EXIT_FAILED : EXIT_OK
}

function emptyCounts(): Record<RevokeManyOutcome, number> {
  return { revoked: 0, partial: 0, alreadyRevoked: 0, notSupported: 0, skipped: 0, failed: 0 }
}

/** The outcome table printed at the end of a bulk revoke. */
export function summaryTable(summary: RevokeManySummary): string {
  const rows: [string, number, string][] = [
    ['revoked', summary.revoked, 'every token held is dead at the provider'],
    ['partial', summary.partial, 'revoked, but a token failed or is unsupported and may be live'],
    ['already revoked', summary.alreadyRevoked, 'nothing to do'],
    ['not supported', summary.notSupported, 'no adapter, or nothing it can revoke'],
    ['skipped', summary.skipped, 'deleted or changed state during the run'],
    ['failed', summary.failed, 'nothing revoked; still ACTIVE, retry later'],
  ]
  const body = table(
    [
      ['outcome', 'accounts', ''],
      ...rows.map(([label, count, note]) => [label, String(count), count > 0 ? note : '']),
      [
        'total',
        String(summary.processed),
        summary.processed < summary.total ? `of ${summary.total} matching` : '',
      ],
    ],
    [false, true, false],
  )
  return body
}
