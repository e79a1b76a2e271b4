import {
  createDispatchRuntime,
  createHttpTransport,
  dispatchSubject,
  type HttpTransport,
  type Logger,
  type RevocationAdapter,
  type RevokeOutcome,
  type TokenSubject,
} from '@revokit/core'
import { revokeRequest } from '@revokit/testing'

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
 * Dispatches a revoke the way the engine does, through core's `dispatchSubject` (its one
 * context, its undici transport, sanitising, redaction, retries up to `maxAttempts`), and counts
 * the HTTP requests the dispatch sent, discovery included.
 */
export function dispatcher(options: { logger?: Logger; maxAttempts?: number } = {}) {
  const transports: HttpTransport[] = []
  return {
    async revoke(
      adapter: RevocationAdapter,
      subject: TokenSubject,
      token: string,
    ): Promise<RevokeOutcome & { requests: number }> {
      const transport = createHttpTransport()
      transports.push(transport)
      let requests = 0
      const counting: HttpTransport = {
        send(scope, url, init) {
          requests++
          return transport.send(scope, url, init)
        },
        client: (scope) => ({ request: (url, init) => counting.send(scope, url, init) }),
        close: async () => {},
      }
      const runtime = createDispatchRuntime({
        transport: counting,
        maxAttempts: options.maxAttempts ?? 3,
        backoff: { baseMs: 5, maxMs: 10 },
        ...(options.logger ? { logger: options.logger } : {}),
      })
      const request = revokeRequest(subject, token, undefined, adapter.toolkit)
      const { outcome } = await dispatchSubject(runtime, adapter, request, { deadline: Date.now() + 10_000 })
      return { ...outcome, requests }
    },
    close: () => Promise.all(transports.splice(0).map((t) => t.close())),
  }
}
