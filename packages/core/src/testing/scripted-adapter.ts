import {
  type RevocationAdapter,
  type RevokeContext,
  type RevokeOutcome,
  type RevokeRequest,
  revoked,
} from '../adapter'
import type { OAuthConnector } from '../connector'
import type { TokenSubject } from '../model'

/** One scripted answer: an outcome, or a function computing one (it may wait, throw or hang). */
export type ScriptStep =
  | RevokeOutcome
  | ((request: RevokeRequest, context: RevokeContext) => Promise<RevokeOutcome> | RevokeOutcome)

/** Options of {@link scriptedAdapter}. */
export interface ScriptedAdapterOptions {
  /** @default 'test' */
  toolkit?: string
  /** @default true */
  supportsAccess?: boolean
  /** @default true */
  supportsRefresh?: boolean
  cascades?: RevocationAdapter['cascades']
  /** A connect side (e.g. `fakeAuthorizationServer().connector`), so the toolkit can connect and refresh. */
  connect?: OAuthConnector
  /** Answers per subject, in order; the last one repeats. Unscripted subjects answer `revoked()`. */
  script?: Partial<Record<TokenSubject, ScriptStep[]>>
}

/** A dispatch the scripted adapter received (no token value is kept). */
export interface ScriptedCall {
  subject: TokenSubject
  attempt: number
  accountId: string
}

/**
 * An in-memory adapter that answers from a script, for testing the engine, stores and servers
 * without a provider. `calls` records every dispatch, so tests can count them.
 */
export function scriptedAdapter(options: ScriptedAdapterOptions = {}): RevocationAdapter & {
  readonly calls: ScriptedCall[]
} {
  const calls: ScriptedCall[] = []
  const cursor: Partial<Record<TokenSubject, number>> = {}
  return {
    toolkit: options.toolkit ?? 'test',
    supportsAccess: options.supportsAccess ?? true,
    supportsRefresh: options.supportsRefresh ?? true,
    ...(options.cascades ? { cascades: options.cascades } : {}),
    ...(options.connect ? { connect: options.connect } : {}),
    calls,
    async revoke(request, context) {
      calls.push({ subject: request.subject, attempt: context.attempt, accountId: request.account.id })
      const steps = options.script?.[request.subject]
      if (!steps || steps.length === 0) return revoked()
      const index = Math.min(cursor[request.subject] ?? 0, steps.length - 1)
      cursor[request.subject] = index + 1
      const step = steps[index] as ScriptStep
      return typeof step === 'function' ? step(request, context) : step
    },
  } satisfies RevocationAdapter & { calls: ScriptedCall[] }
}

/** A script step that answers `outcome` after `ms` (use a long `ms` for a provider that hangs). */
export function later(ms: number, outcome: RevokeOutcome): ScriptStep {
  return (_request, context) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(outcome), ms)
      context.signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
    })
}
