import { isRevokitError } from '@revokit/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { allowLoopback } from '../nock'
import { type FaultServer, hangingEndpoint, resettingServer } from './faults'
import { createAccount, describeSettled, expectSettledClean, rejection, type Suite } from './suite'

/**
 * No answer at all: `network-unmocked` (nothing listens), `network-reset` (a real server resets
 * the connection) and `timeout` (the provider holds the request). Each is a retryable failure the
 * dispatch retries within `maxAttempts`, never a throw through the engine.
 */
export function networkCases(suite: Suite): void {
  const { options } = suite
  const first = suite.supported[0]
  if (!first) return

  suite.contractCase('network-unmocked', () => {
    it('an unreachable provider is a retryable failure, not a throw through the engine', async () => {
      const run = suite.run()
      const settled = await run.revoke(first, { maxAttempts: 2 })
      expect(settled.outcome, describeSettled(settled)).toMatchObject({ type: 'failed', retryable: true })
      expect(settled.attempts, 'the dispatch retried the network failure').toBe(2)
      const { engine, logger, events } = run.engine({ maxAttempts: 2 })
      try {
        const account = await createAccount(run, engine)
        const error = await rejection(engine.revoke(account.id))
        expect(isRevokitError(error) && error.status, 'engine answers 500').toBe(500)
        expect((await engine.get(account.id)).status, 'the account stays ACTIVE for a later retry').toBe(
          'ACTIVE',
        )
        expectSettledClean(run, settled, error, logger.text(), events)
      } finally {
        await engine.close()
      }
    })
  })

  suite.contractCase('network-reset', () => {
    let server: FaultServer
    beforeAll(async () => {
      server = await resettingServer()
    })
    afterAll(() => server.close())
    it('a provider that resets the connection is a retryable failure', async () => {
      allowLoopback()
      const run = suite.run(server.url)
      const settled = await run.revoke(first, { maxAttempts: 2 })
      expect(server.hits(), 'the adapter sent its request to the origin it was given').toBeGreaterThan(0)
      expect(settled.outcome, describeSettled(settled)).toMatchObject({ type: 'failed', retryable: true })
      expect(settled.attempts, 'the dispatch retried the reset').toBe(2)
      expectSettledClean(run, settled)
    })
  })

  suite.contractCase('timeout', () => {
    it('a provider that does not answer within timeoutMs is a retryable failure, retried', async () => {
      const run = suite.run()
      const timeoutMs = options.timeoutMs ?? 300
      // The first request hangs past its timeout; the retry gets the success answer.
      hangingEndpoint(suite.expectedFor(run, first))
      run.cassette(options.cassettes.revoked, first)
      const settled = await run.revoke(first, { timeoutMs, deadlineMs: 15_000, maxAttempts: 2 })
      const [timedOut] = settled.calls
      if (timedOut && 'threw' in timedOut) {
        expect(timedOut.threw, 'the first attempt gave up at its own timeout').toMatchObject({
          name: 'TransportError',
          kind: 'timeout',
        })
      } else {
        expect(timedOut?.returned, describeSettled(settled)).toMatchObject({
          type: 'failed',
          retryable: true,
        })
      }
      expect(settled.attempts, describeSettled(settled)).toBe(2)
      expect(settled.outcome.type, describeSettled(settled)).toBe('revoked')
      expectSettledClean(run, settled)
    })
  })
}
