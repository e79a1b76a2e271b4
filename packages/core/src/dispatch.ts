import {
  failed,
  type RevocationAdapter,
  type RevokeOutcome,
  type RevokeRequest,
  supportsSubject,
} from './adapter'
import { timeLimit } from './deadline'
import { isRevokitError } from './errors'
import { type Logger, redactingLogger, silentLogger } from './logger'
import {
  type AccountRecord,
  holds,
  type SubjectOutcome,
  type SubjectOutcomes,
  TOKEN_SUBJECTS,
  type TokenSubject,
} from './model'
import { learningRedactor, type Redactor } from './redact'
import { type BackoffOptions, backoffDelay } from './retry'
import { type HttpTransport, TransportError } from './transport'

/** Why a subject ended the way it did, for callers and logs (never a secret). */
export interface SubjectReport {
  readonly outcome: SubjectOutcome
  readonly detail?: string
  readonly attempts?: number
  readonly retryable?: boolean
  readonly retryAfterMs?: number
  readonly status?: number
  readonly suggestedFix?: string
}

/** What one revoke's dispatches came to. */
export interface DispatchReport {
  /** Outcome of every subject dispatched or settled by a cascade during this call. */
  readonly outcomes: Partial<Record<TokenSubject, SubjectOutcome>>
  readonly reports: Partial<Record<TokenSubject, SubjectReport>>
  /** The token values this call dispatched, so commit scrubs only what it proved dead. */
  readonly dispatchedValues: Partial<Record<TokenSubject, string>>
}

/** What {@link runDispatch} needs from the engine. */
export interface DispatchDeps {
  readonly adapter: RevocationAdapter
  readonly transport: HttpTransport
  /** The caller's logger, unwrapped: every dispatch wraps it in its own redactor. */
  readonly logger: Logger
  readonly redact: Redactor
  readonly clock: () => number
  readonly maxAttempts: number
  /** Epoch ms: the whole revoke's deadline. */
  readonly deadline: number
  readonly signal: AbortSignal
  readonly backoff?: BackoffOptions
}

/**
 * The subjects to dispatch, in order: held by the account, declared supported by the adapter,
 * and (when `only` is given) among `only`. Refresh comes first.
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
 * Where each subject stands when nothing is dispatched for it: dead and scrubbed, still pending
 * after a failed revoke, held with nobody able to revoke it, or never held.
 */
export function standing(record: AccountRecord, subject: TokenSubject): SubjectOutcome {
  if (record.revokedSubjects.includes(subject)) return 'already_revoked'
  if (!holds(record.credentials, subject)) return 'not_held'
  return record.pendingSubjects.includes(subject) ? 'failed' : 'unsupported'
}

/** Every subject's outcome: this call's where it had one, the standing state otherwise. */
export function finalOutcomes(record: AccountRecord, report?: DispatchReport): SubjectOutcomes {
  const out = {} as SubjectOutcomes
  // Access first: the order callers read, matching revokedTokens.
  for (const subject of ['access_token', 'refresh_token'] as const)
    out[subject] = report?.outcomes[subject] ?? standing(record, subject)
  return out
}

/**
 * Dispatches `subjects` one after another (refresh first). A subject the provider already
 * killed by cascade is not dispatched. Each subject gets an equal share of the time left, so a
 * hanging first subject cannot starve the second, and at most `maxAttempts` attempts.
 */
export async function runDispatch(
  record: AccountRecord,
  subjects: readonly TokenSubject[],
  deps: DispatchDeps,
): Promise<DispatchReport> {
  const outcomes: Partial<Record<TokenSubject, SubjectOutcome>> = {}
  const reports: Partial<Record<TokenSubject, SubjectReport>> = {}
  const dispatchedValues: Partial<Record<TokenSubject, string>> = {}
  const held = (s: TokenSubject) => holds(record.credentials, s)
  const settledDead = (s: TokenSubject) => outcomes[s] === 'revoked' || outcomes[s] === 'already_revoked'

  for (let i = 0; i < subjects.length; i++) {
    const subject = subjects[i] as TokenSubject
    if (settledDead(subject)) continue
    const remaining = subjects.slice(i).filter((s) => !settledDead(s)).length
    const now = deps.clock()
    const share = Math.max(0, deps.deadline - now) / remaining
    if (share <= 0 || deps.signal.aborted) {
      outcomes[subject] = 'failed'
      reports[subject] = {
        outcome: 'failed',
        detail: 'not dispatched: the revoke deadline had passed',
        retryable: true,
      }
      continue
    }
    const token = record.credentials[subject] as string
    dispatchedValues[subject] = token
    const { outcome, attempts } = await dispatchOne(
      record,
      subject,
      token,
      Math.min(deps.deadline, now + share),
      deps,
    )

    switch (outcome.type) {
      case 'revoked': {
        outcomes[subject] = 'revoked'
        reports[subject] = {
          outcome: 'revoked',
          attempts,
          ...(outcome.detail ? { detail: outcome.detail } : {}),
        }
        const cascade = outcome.cascade ?? deps.adapter.cascades?.[subject] ?? []
        for (const other of cascade) {
          if (other === subject || !held(other) || settledDead(other)) continue
          outcomes[other] = 'revoked'
          reports[other] = {
            outcome: 'revoked',
            detail: `revoked by the provider together with the ${subject}`,
          }
          dispatchedValues[other] = record.credentials[other] as string
        }
        break
      }
      case 'already_revoked': {
        outcomes[subject] = 'already_revoked'
        reports[subject] = {
          outcome: 'already_revoked',
          attempts,
          detail: outcome.detail ?? 'the provider reports the token already invalid, expired or revoked',
        }
        for (const other of outcome.cascade ?? []) {
          if (other === subject || !held(other) || settledDead(other)) continue
          outcomes[other] = 'already_revoked'
          reports[other] = {
            outcome: 'already_revoked',
            detail: `reported dead together with the ${subject}`,
          }
          dispatchedValues[other] = record.credentials[other] as string
        }
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
          ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
          ...(outcome.status !== undefined ? { status: outcome.status } : {}),
          ...(outcome.suggestedFix ? { suggestedFix: outcome.suggestedFix } : {}),
        }
        break
    }
  }
  return { outcomes, reports, dispatchedValues }
}

async function dispatchOne(
  record: AccountRecord,
  subject: TokenSubject,
  token: string,
  deadline: number,
  deps: DispatchDeps,
): Promise<{ outcome: RevokeOutcome; attempts: number }> {
  const budget = { used: 0, max: deps.maxAttempts }
  const adapterRedact = deps.adapter.redact?.bind(deps.adapter)
  const redact = learningRedactor(deps.redact, adapterRedact && ((text) => safeRedact(adapterRedact, text)))
  // Everything logged during this dispatch, by the adapter or the transport, goes through the same
  // redactor as reasons and errors: the account's tokens, secrets sent on the wire, the hook.
  const logger = redactingLogger(deps.logger, redact)
  const limit = timeLimit(deadline - deps.clock(), deps.signal)
  const signal = limit.signal
  const http = deps.transport.client({
    signal,
    deadline,
    budget,
    logger,
    redact,
    learn: redact.learn,
  })
  const request: RevokeRequest = Object.freeze({
    subject,
    token,
    credentials: Object.freeze({ ...record.credentials }),
    account: Object.freeze({
      id: record.id,
      projectId: record.projectId,
      userId: record.userId,
      toolkit: record.toolkit,
    }),
  })

  try {
    for (let attempt = 1; ; attempt++) {
      const usedBefore = budget.used
      const outcome = await invoke(deps.adapter, request, {
        http,
        signal,
        deadline,
        attempt,
        logger,
        redact,
      })
      // An adapter that made no HTTP call through the transport still spends an attempt.
      if (budget.used === usedBefore) budget.used += 1
      if (logger !== silentLogger) {
        logger.debug(
          { accountId: record.id, subject, attempt, outcome: outcome.type, attempts: budget.used },
          'revokit: dispatch answered',
        )
      }
      if (outcome.type !== 'failed' || !outcome.retryable || signal.aborted)
        return { outcome, attempts: budget.used }
      if (budget.used >= budget.max) return { outcome, attempts: budget.used }
      const delay = outcome.retryAfterMs ?? backoffDelay(attempt, deps.backoff)
      if (deps.clock() + delay >= deadline) return { outcome, attempts: budget.used }
      if (!(await sleep(delay, signal))) return { outcome, attempts: budget.used }
    }
  } finally {
    limit.dispose()
  }
}

/** Calls the adapter, turning throws, hangs past the deadline and malformed answers into outcomes. */
async function invoke(
  adapter: RevocationAdapter,
  request: RevokeRequest,
  context: Parameters<RevocationAdapter['revoke']>[1],
): Promise<RevokeOutcome> {
  const { signal, redact } = context
  const deadlineOutcome = () =>
    failed({ retryable: true, reason: 'the revoke deadline passed before the provider answered' })
  if (signal.aborted) return deadlineOutcome()
  let onAbort = () => {}
  const aborted = new Promise<RevokeOutcome>((resolve) => {
    onAbort = () => resolve(deadlineOutcome())
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    const answer = await Promise.race([adapter.revoke(request, context), aborted])
    return sanitise(answer, redact)
  } catch (error) {
    if (signal.aborted && !(error instanceof TransportError && error.kind !== 'deadline'))
      return deadlineOutcome()
    return fromError(error, redact)
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

const SUBJECTS = new Set<unknown>(TOKEN_SUBJECTS)

/** Checks an adapter's answer against the contract and redacts every text in it. */
function sanitise(answer: unknown, redact: Redactor): RevokeOutcome {
  const o = answer as Partial<Record<string, unknown>> | null | undefined
  const text = (value: unknown) => (typeof value === 'string' ? redact(value) : undefined)
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

function fromError(error: unknown, redact: Redactor): RevokeOutcome {
  if (error instanceof TransportError) {
    return failed({
      retryable: error.retryable,
      reason: redact(error.message),
      ...(error.suggestedFix ? { suggestedFix: error.suggestedFix } : {}),
    })
  }
  if (isRevokitError(error)) {
    return failed({ retryable: false, reason: redact(error.message), suggestedFix: error.suggestedFix })
  }
  const name = error instanceof Error ? error.name : typeof error
  const message = error instanceof Error ? `: ${redact(error.message)}` : ''
  return failed({
    retryable: false,
    reason: `the adapter threw ${name}${message}`,
    suggestedFix: 'This is a bug in the adapter: it should return failed() instead of throwing.',
  })
}

/** An adapter's redact hook must not be able to break a dispatch by throwing. */
function safeRedact(hook: (text: string) => string, text: string): string {
  try {
    const out = hook(text)
    return typeof out === 'string' ? out : text
  } catch {
    return text
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
