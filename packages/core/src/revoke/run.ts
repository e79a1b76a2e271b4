import type { RevocationAdapter } from '../adapter'
import type { AccountRecord, SubjectOutcome, TokenSubject } from '../model'
import { type DispatchRuntime, dispatchSubject, revokeRequestFor } from './dispatch'

/** Why a subject ended the way it did, for callers and logs (never a secret). */
export interface SubjectReport {
  readonly outcome: SubjectOutcome
  /** Already redacted. */
  readonly detail?: string
  /** Calls of the adapter for this subject; absent when it was settled by a cascade. */
  readonly attempts?: number
  readonly retryable?: boolean
  readonly retryAfterMs?: number
  readonly status?: number
  readonly suggestedFix?: string
  /** The failure came from the transport (no provider answer), not from the provider. */
  readonly transport?: boolean
}

/** What one revoke's dispatches came to. */
export interface DispatchReport {
  /** Outcome of every subject dispatched or settled by a cascade during this call. */
  readonly outcomes: Partial<Record<TokenSubject, SubjectOutcome>>
  readonly reports: Partial<Record<TokenSubject, SubjectReport>>
  /** The token values this call proved dead or tried, so commit scrubs only what it proved dead. */
  readonly values: Partial<Record<TokenSubject, string>>
}

const isDead = (o: SubjectOutcome | undefined) => o === 'revoked' || o === 'already_revoked'

/**
 * Dispatches `subjects` one after another (refresh first). A subject the provider already killed
 * by cascade is not dispatched. Each subject gets an equal share of the time left, so a hanging
 * first subject cannot starve the second.
 */
export async function runSubjects(
  runtime: DispatchRuntime,
  record: AccountRecord,
  adapter: RevocationAdapter,
  subjects: readonly TokenSubject[],
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<DispatchReport> {
  const outcomes: Partial<Record<TokenSubject, SubjectOutcome>> = {}
  const reports: Partial<Record<TokenSubject, SubjectReport>> = {}
  const values: Partial<Record<TokenSubject, string>> = {}
  const credentials = record.credentials

  for (let i = 0; i < subjects.length; i++) {
    const subject = subjects[i] as TokenSubject
    if (isDead(outcomes[subject])) continue
    let remaining = 0
    for (let j = i; j < subjects.length; j++) if (!isDead(outcomes[subjects[j] as TokenSubject])) remaining++
    const now = runtime.clock()
    const share = Math.max(0, deadline - now) / remaining
    if (share <= 0 || signal?.aborted) {
      outcomes[subject] = 'failed'
      reports[subject] = {
        outcome: 'failed',
        detail: 'not dispatched: the revoke deadline had passed',
        retryable: true,
      }
      continue
    }
    values[subject] = credentials[subject] as string
    const { outcome, attempts, transport } = await dispatchSubject(
      runtime,
      adapter,
      revokeRequestFor(record, subject),
      signal
        ? { deadline: Math.min(deadline, now + share), signal }
        : { deadline: Math.min(deadline, now + share) },
    )

    switch (outcome.type) {
      case 'revoked': {
        outcomes[subject] = 'revoked'
        reports[subject] = outcome.detail
          ? { outcome: 'revoked', attempts, detail: outcome.detail }
          : { outcome: 'revoked', attempts }
        const cascade = outcome.cascade ?? adapter.cascades?.[subject]
        if (cascade)
          settleCascade(cascade, subject, 'revoked', `revoked by the provider together with the ${subject}`)
        break
      }
      case 'already_revoked': {
        outcomes[subject] = 'already_revoked'
        reports[subject] = {
          outcome: 'already_revoked',
          attempts,
          detail: outcome.detail ?? 'the provider reports the token already invalid, expired or revoked',
        }
        // Declared cascades describe what a revoke kills; only a reported cascade applies here.
        if (outcome.cascade)
          settleCascade(
            outcome.cascade,
            subject,
            'already_revoked',
            `reported dead together with the ${subject}`,
          )
        break
      }
      case 'unsupported':
        outcomes[subject] = 'unsupported'
        reports[subject] = { outcome: 'unsupported', attempts, detail: outcome.detail }
        break
      case 'failed':
        outcomes[subject] = 'failed'
        reports[subject] = {
          outcome: 'failed',
          attempts,
          detail: outcome.reason,
          retryable: outcome.retryable,
          ...(transport ? { transport } : {}),
          ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
          ...(outcome.status !== undefined ? { status: outcome.status } : {}),
          ...(outcome.suggestedFix ? { suggestedFix: outcome.suggestedFix } : {}),
        }
        break
    }
  }
  return { outcomes, reports, values }

  function settleCascade(
    cascade: readonly TokenSubject[],
    subject: TokenSubject,
    as: 'revoked' | 'already_revoked',
    detail: string,
  ) {
    for (const other of cascade) {
      if (other === subject || isDead(outcomes[other])) continue
      const value = credentials[other]
      if (typeof value !== 'string' || value.length === 0) continue
      outcomes[other] = as
      reports[other] = { outcome: as, detail }
      values[other] = value
    }
  }
}
