import { type RevocationAdapter, supportsSubject } from '../adapter'
import {
  type AccountRecord,
  holds,
  type SubjectOutcome,
  type SubjectOutcomes,
  TOKEN_SUBJECTS,
  type TokenSubject,
} from '../model'

/** The order subjects are reported in (`revokedTokens`, `subjects`, error lines): access first. */
export const REPORT_ORDER: readonly TokenSubject[] = ['access_token', 'refresh_token']

/**
 * The subjects to dispatch, in order: held by the account, declared supported by the adapter,
 * and (when `only` is given) among `only`. Refresh comes first, because revoking a refresh token
 * usually takes its access tokens with it.
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.1
 */
export function dispatchable(
  record: AccountRecord,
  adapter: RevocationAdapter | undefined,
  only?: readonly TokenSubject[],
): TokenSubject[] {
  if (!adapter) return []
  return TOKEN_SUBJECTS.filter(
    (s) => holds(record.credentials, s) && supportsSubject(adapter, s) && (!only || only.includes(s)),
  )
}

/**
 * What a revoke of an account holding `held` will do when every dispatch answers "revoked" with
 * the adapter's declared cascades: which subjects are dispatched, and which are reported revoked.
 * The contract kit checks adapters against it.
 */
export function planRevoke(
  adapter: RevocationAdapter,
  held: readonly TokenSubject[],
  cascades: RevocationAdapter['cascades'] = adapter.cascades,
): { dispatched: TokenSubject[]; revoked: TokenSubject[] } {
  const dead = new Set<TokenSubject>()
  const dispatched: TokenSubject[] = []
  for (const subject of TOKEN_SUBJECTS) {
    if (!held.includes(subject) || !supportsSubject(adapter, subject) || dead.has(subject)) continue
    dispatched.push(subject)
    dead.add(subject)
    for (const other of cascades?.[subject] ?? []) if (held.includes(other)) dead.add(other)
  }
  return { dispatched, revoked: REPORT_ORDER.filter((s) => dead.has(s)) }
}

/**
 * Where a subject stands when nothing was dispatched for it in this call: dead and scrubbed,
 * still pending after a failed revoke, held with nobody able to revoke it, or never held.
 */
export function currentOutcome(record: AccountRecord, subject: TokenSubject): SubjectOutcome {
  if (record.revokedSubjects.includes(subject)) return 'already_revoked'
  if (!holds(record.credentials, subject)) return 'not_held'
  return record.pendingSubjects.includes(subject) ? 'failed' : 'unsupported'
}

/** Every subject's outcome: this call's where it had one, where it stands otherwise. */
export function subjectOutcomes(
  record: AccountRecord,
  thisCall?: Partial<Record<TokenSubject, SubjectOutcome>>,
): SubjectOutcomes {
  return {
    access_token: thisCall?.access_token ?? currentOutcome(record, 'access_token'),
    refresh_token: thisCall?.refresh_token ?? currentOutcome(record, 'refresh_token'),
  }
}
