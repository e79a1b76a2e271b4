import {
  type Credentials,
  createHttpTransport,
  createRedactor,
  type Logger,
  type RevocationAdapter,
  type RevokeContext,
  type RevokeOutcome,
  type RevokeRequest,
  redactingLogger,
  type TokenSubject,
} from '@revokit/core'
import type { Dispatcher } from 'undici'

/** Options of {@link createRevokeContext}. */
export interface RevokeContextOptions {
  /** One attempt's timeout. @default 5000 */
  timeoutMs?: number
  /** The whole call's deadline. @default 10000 */
  deadlineMs?: number
  /** Attempts the transport may spend (1 = no transport retries). @default 1 */
  maxAttempts?: number
  /** Send through this undici dispatcher (a recorder, a proxy). */
  dispatcher?: Dispatcher
  /** Receives what the adapter logs, through the same redaction the engine applies. */
  logger?: Logger
  /** The account's token values: the redactor hides them, as the engine's does. */
  tokens?: readonly (string | undefined)[]
}

/** A {@link RevokeContext} on the production transport, and how to release it. */
export interface KitContext {
  readonly context: RevokeContext
  close(): Promise<void>
}

/**
 * Builds the context the engine would lend an adapter: core's undici transport (pooled agent,
 * per-attempt timeout, retries within an attempt budget, no redirects), an abort signal at the
 * deadline, and a logger and redactor that know the account's tokens. Backoff is shortened so
 * retries do not slow tests down; `Retry-After` is still honoured.
 */
export function createRevokeContext(options: RevokeContextOptions = {}): KitContext {
  const timeoutMs = options.timeoutMs ?? 5_000
  const deadlineMs = options.deadlineMs ?? 10_000
  const transport = createHttpTransport({
    timeoutMs,
    backoff: { baseMs: 1, maxMs: 10 },
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  })
  const redact = createRedactor(options.tokens ?? [])
  const logger = redactingLogger(options.logger, redact)
  const signal = AbortSignal.timeout(deadlineMs)
  const deadline = Date.now() + deadlineMs
  const http = transport.client({
    signal,
    deadline,
    budget: { used: 0, max: options.maxAttempts ?? 1 },
    logger,
    redact,
  })
  return {
    context: { http, signal, deadline, attempt: 1, logger, redact },
    close: () => transport.close(),
  }
}

/** Builds the request the engine would pass for one subject of a test account. */
export function revokeRequest(
  subject: TokenSubject,
  token: string,
  credentials: Credentials = { [subject]: token },
  toolkit = 'test',
): RevokeRequest {
  return Object.freeze({
    subject,
    token,
    credentials: Object.freeze({ ...credentials }),
    account: Object.freeze({ id: 'ca_kitaccount01', projectId: 'default', userId: 'kit-user', toolkit }),
  })
}

/** How one direct call to an adapter's `revoke` ended: an outcome, or what it threw. */
export type Settled = { outcome: RevokeOutcome; error?: undefined } | { outcome?: undefined; error: unknown }

/**
 * Calls `adapter.revoke` once on the production transport and never throws: a thrown error
 * (usually core's `TransportError`, which the engine turns into a failed outcome) comes back as
 * `error`.
 */
export async function settleRevoke(
  adapter: RevocationAdapter,
  request: RevokeRequest,
  options: RevokeContextOptions = {},
): Promise<Settled> {
  const kit = createRevokeContext({ tokens: [request.token], ...options })
  try {
    return { outcome: await adapter.revoke(request, kit.context) }
  } catch (error) {
    return { error }
  } finally {
    await kit.close()
  }
}
