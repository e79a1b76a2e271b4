import { failed, type RevokeOutcome } from '../adapter'
import { isRevokitError } from '../errors'
import type { TokenSubject } from '../model'
import { redactAndBound } from '../redact'
import { TransportError } from '../transport'

/** What hides secrets in a text: a dispatch's known values and hooks. */
export interface TextHider {
  hide(text: string): string
}

/** The outcome of a dispatch that ran out of time before the provider answered. */
export const deadlineOutcome = () =>
  failed({ retryable: true, reason: 'the revoke deadline passed before the provider answered' })

/** A thrown error as an outcome; `transport` says it was a {@link TransportError}. */
export function fromError(
  error: unknown,
  pastDeadline: boolean,
): { outcome: RevokeOutcome; transport: boolean } {
  if (error instanceof TransportError) {
    return {
      outcome: failed({
        retryable: error.retryable,
        reason: error.message,
        ...(error.suggestedFix ? { suggestedFix: error.suggestedFix } : {}),
      }),
      transport: true,
    }
  }
  if (pastDeadline) return { outcome: deadlineOutcome(), transport: false }
  if (isRevokitError(error)) {
    return {
      outcome: failed({ retryable: false, reason: error.message, suggestedFix: error.suggestedFix }),
      transport: false,
    }
  }
  const name = error instanceof Error ? error.name : typeof error
  const message = error instanceof Error ? `: ${error.message}` : ''
  return {
    outcome: failed({
      retryable: false,
      reason: `the adapter threw ${name}${message}`,
      suggestedFix: 'This is a bug in the adapter: it should return failed() instead of throwing.',
    }),
    transport: false,
  }
}

const SUBJECTS = new Set<unknown>(['access_token', 'refresh_token'])

// Provider text is kept readable but bounded, by redactAndBound: redacted first, cut after.
const MAX_TEXT = 500

/** Checks an adapter's answer against the contract and redacts every text in it, once. */
export function sanitise(answer: unknown, secrets: TextHider): RevokeOutcome {
  const o = answer as Partial<Record<string, unknown>> | null | undefined
  const text = (value: unknown) =>
    typeof value === 'string' && value ? redactAndBound(value, (t) => secrets.hide(t), MAX_TEXT) : undefined
  const cascade = (value: unknown) =>
    Array.isArray(value) && value.every((s) => SUBJECTS.has(s)) ? (value as TokenSubject[]) : undefined
  const invalid = () =>
    failed({
      retryable: false,
      reason: 'the adapter returned an answer that is not a revoke outcome',
      suggestedFix:
        'This is a bug in the adapter: it must return revoked(), alreadyRevoked(), unsupported() or failed().',
    })
  if (!o || typeof o !== 'object') return invalid()
  switch (o.type) {
    case 'revoked':
    case 'already_revoked': {
      if (o.cascade !== undefined && !cascade(o.cascade)) return invalid()
      const detail = text(o.detail)
      const c = cascade(o.cascade)
      if (!detail && !c) return { type: o.type }
      return { type: o.type, ...(c ? { cascade: c } : {}), ...(detail ? { detail } : {}) }
    }
    case 'unsupported':
      return { type: 'unsupported', detail: text(o.detail) ?? 'the provider does not revoke this token type' }
    case 'failed': {
      if (typeof o.retryable !== 'boolean') return invalid()
      const retryAfterMs =
        typeof o.retryAfterMs === 'number' && o.retryAfterMs >= 0 ? o.retryAfterMs : undefined
      const suggestedFix = text(o.suggestedFix)
      return failed({
        retryable: o.retryable,
        reason: text(o.reason) ?? 'the provider refused the revocation',
        ...(typeof o.status === 'number' ? { status: o.status } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(suggestedFix ? { suggestedFix } : {}),
      })
    }
    default:
      return invalid()
  }
}
