import {
  createHttpTransport,
  createRedactor,
  type HttpTransport,
  type Logger,
  type RevocationAdapter,
  type RevokeOutcome,
  type TokenSubject,
} from '@revokit/core'

// Canary secrets and a capturing logger come from the contract kit, like every adapter's tests.
export { canary, captureLogger, exposedText as errorText } from '@revokit/testing'

/** The rejection of `promise`, failing the test if it resolves. */
export async function thrown(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected a rejection')
}

/**
 * Calls `adapter.revoke` the way the engine does: through core's production undici transport,
 * with a deadline, an attempt budget and a redacting context.
 */
export function dispatcher(options: { logger?: Logger; maxAttempts?: number } = {}) {
  const transports: HttpTransport[] = []
  return {
    async revoke(
      adapter: RevocationAdapter,
      subject: TokenSubject,
      token: string,
    ): Promise<RevokeOutcome & { attempts: number }> {
      const transport = createHttpTransport({ backoff: { baseMs: 5, maxMs: 10 } })
      transports.push(transport)
      const budget = { used: 0, max: options.maxAttempts ?? 3 }
      const deadline = Date.now() + 10_000
      const signal = AbortSignal.timeout(10_000)
      const redact = createRedactor([token])
      const logger = options.logger ?? { debug() {}, info() {}, warn() {}, error() {} }
      const http = transport.client({ signal, deadline, budget, logger, redact })
      const outcome = await adapter.revoke(
        {
          subject,
          token,
          credentials: { [subject]: token },
          account: { id: 'ca_test000001', projectId: 'default', userId: 'u1', toolkit: adapter.toolkit },
        },
        { http, signal, deadline, attempt: 1, logger, redact },
      )
      return { ...outcome, attempts: budget.used }
    },
    close: () => Promise.all(transports.splice(0).map((t) => t.close())),
  }
}
