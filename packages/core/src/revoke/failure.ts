import type { RevocationAdapter } from '../adapter'
import { RevokitError } from '../errors'
import type { AccountRecord, FailedRevoke, SubjectOutcomes, TokenSubject } from '../model'
import { REPORT_ORDER } from './plan'
import type { DispatchReport, SubjectReport } from './run'

/** 400: nothing this account holds can be revoked at its provider, or no adapter serves it. */
export function notSupported(record: AccountRecord, adapter: RevocationAdapter | undefined): RevokitError {
  if (!adapter) {
    return new RevokitError('revoke_not_supported', {
      message: `Revoke is not supported for toolkit "${record.toolkit}": no revocation adapter is configured for it.`,
      suggestedFix: `Register an adapter for toolkit "${record.toolkit}" (every adapter factory takes a toolkit option, e.g. rfc7009({ toolkit: '${record.toolkit}', … })), or delete the account without revoking; its tokens stay live at the provider until they expire.`,
    })
  }
  if (!adapter.supportsAccess && !adapter.supportsRefresh) {
    return new RevokitError('revoke_not_supported', {
      message: `Revoke is not supported for toolkit "${record.toolkit}": the provider offers no programmatic revocation.`,
      suggestedFix: `Ask the user to remove the app in the provider's account settings${adapter.docsUrl ? ` (${adapter.docsUrl})` : ''}, then delete the account.`,
    })
  }
  const can = [adapter.supportsRefresh && 'refresh_token', adapter.supportsAccess && 'access_token'].filter(
    Boolean,
  )
  return new RevokitError('revoke_not_supported', {
    message: `Revoke is not supported for this account: it holds no ${can.join(' or ')}, the only token${can.length > 1 ? 's' : ''} toolkit "${record.toolkit}" can revoke.`,
    suggestedFix:
      'Nothing revocable is stored for this account; delete it, or activate it with fresh credentials first.',
  })
}

/** One line of an error's `errors`: what happened to a subject, its reason, and the attempts once. */
export function reportLine(subject: TokenSubject, report: SubjectReport): string {
  const detail = report.detail ?? 'no detail'
  const n = report.attempts
  let tries = ''
  if (n) {
    // A transport failure reads "… failed: ECONNRESET after 3 attempts"; a provider answer "(3 attempts)".
    if (report.transport) tries = n > 1 ? ` after ${n} attempts` : ''
    else tries = ` (${n} attempt${n > 1 ? 's' : ''})`
  }
  return `${subject} ${report.outcome.replace('_', ' ')}: ${detail}${tries}`
}

/** 500 when nothing was revoked, or 400 when the provider refused every token type. */
export function revokeFailure(
  record: AccountRecord,
  report: DispatchReport,
  outcomes: SubjectOutcomes,
  adapter: RevocationAdapter,
): RevokitError {
  const lines: string[] = []
  const fixes: string[] = []
  let retryAfterMs: number | undefined
  for (const subject of REPORT_ORDER) {
    const r = report.reports[subject]
    if (!r) continue
    lines.push(reportLine(subject, r))
    if (r.suggestedFix) fixes.push(r.suggestedFix)
    if (r.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, r.retryAfterMs)
  }
  const allUnsupported = Object.values(report.outcomes).every((o) => o === 'unsupported')
  if (allUnsupported) {
    return new RevokitError('revoke_not_supported', {
      message: `Revoke is not supported for this account: the provider refused to revoke its token type.`,
      suggestedFix: `The provider behind toolkit "${record.toolkit}" does not revoke these tokens${adapter.docsUrl ? ` (see ${adapter.docsUrl})` : ''}; delete the account, and ask the user to remove the app at the provider.`,
      errors: lines,
      subjects: outcomes,
    })
  }
  const wait =
    retryAfterMs !== undefined ? ` The provider asked to wait ${Math.ceil(retryAfterMs / 1000)} s.` : ''
  return new RevokitError('revoke_failed', {
    message: `Revocation could not be completed: no token was revoked at the provider. The account stays ${record.status} with its tokens.`,
    suggestedFix: `${fixes[0] ?? 'Retry the revoke later.'}${wait}`,
    errors: lines,
    subjects: outcomes,
  })
}

// Failures reported from another caller's attempt, so counting callers can tell them apart.
const joined = new WeakSet<object>()

/** True when `error` is a {@link joinedFailure}: this caller dispatched nothing. */
export function isJoinedFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && joined.has(error)
}

/** The failure of a concurrent revoke this caller waited on, instead of dispatching again. */
export function joinedFailure(last: FailedRevoke): RevokitError {
  const slug = last.slug === 'revoke_not_supported' ? 'revoke_not_supported' : 'revoke_failed'
  const error = new RevokitError(slug, {
    message: `${last.message} (a concurrent revoke of this account made the attempt)`,
    suggestedFix: 'Retry the revoke later.',
    errors: last.errors,
    subjects: last.subjects,
  })
  joined.add(error)
  return error
}

/** 500: the provider revoked, the store did not record it; says exactly that. */
export function unrecordedRevoke(
  report: DispatchReport,
  outcomes: SubjectOutcomes,
  storeFailure: unknown,
): RevokitError {
  const killed = REPORT_ORDER.filter((s) => report.outcomes[s] === 'revoked')
  const dead = REPORT_ORDER.filter(
    (s) => report.outcomes[s] === 'revoked' || report.outcomes[s] === 'already_revoked',
  )
  const names = (list: readonly TokenSubject[]) => list.join(' and ')
  const gone = killed.length
    ? `${names(killed)} ${killed.length > 1 ? 'were' : 'was'} revoked at the provider`
    : `${names(dead)} ${dead.length > 1 ? 'were' : 'was'} already revoked at the provider`
  return new RevokitError('store_error', {
    message: `${gone}, but the store could not record it: the account still shows its previous state.`,
    suggestedFix:
      'Check that the store is reachable and writable, then revoke the account again: the provider will report the tokens already revoked and the result will be recorded.',
    errors: [
      ...REPORT_ORDER.filter((s) => report.reports[s]).map(
        (s) => `${s} ${report.outcomes[s]?.replace('_', ' ')}`,
      ),
      ...(storeFailure
        ? [`store: ${storeFailure instanceof Error ? storeFailure.message : String(storeFailure)}`]
        : []),
    ],
    subjects: outcomes,
    cause: storeFailure,
  })
}

/** 409 from the transition table, with a fix for the status the account is in. */
export function transitionError(record: AccountRecord, operation: string): RevokitError {
  if (operation === 'revoke') {
    return new RevokitError('connected_account_not_revokable', {
      message: `Connected account ${record.id} is ${record.status}; only ACTIVE and already REVOKED accounts can be revoked.`,
      suggestedFix:
        record.status === 'INACTIVE'
          ? 'Enable the account first (PATCH status {"enabled": true}), then revoke it.'
          : record.status === 'EXPIRED'
            ? 'Activate the account with fresh credentials, then revoke it; or delete it.'
            : 'Complete the connection first, or delete it.',
    })
  }
  return new RevokitError('invalid_status_transition', {
    message: `Cannot ${operation} connected account ${record.id}: it is ${record.status}.`,
    suggestedFix: `Read the account's status first; ${operation} is not allowed from ${record.status}.`,
  })
}
