import { describe } from 'vitest'
import { answerCases } from './contract/answers'
import { faultCases } from './contract/fault-cases'
import { networkCases } from './contract/network'
import { type AdapterContractOptions, validateOptions } from './contract/options'
import { planCases } from './contract/plan'
import { describeRecording } from './contract/recording'
import { createSuite } from './contract/suite'
import { wireCases } from './contract/wire'
import { useNock } from './nock'

/**
 * Registers the shared adapter contract as vitest suites. Every case drives the adapter's real
 * production path: core's `dispatchSubject` (the one context the engine builds, its undici
 * transport, the answer checked and redacted, retries within `maxAttempts`), or a real engine
 * over `memoryStore()`, with provider answers served by nock from the adapter's cassettes and
 * every other host unreachable. Each run uses fresh canary tokens and app secrets, and every
 * outcome, error, event and log line, and what the adapter itself answered, is searched for them.
 *
 * The cases live in `contract/` by theme: the plan and declarations (`plan.ts`), the provider's
 * answers (`answers.ts`), no answer at all (`network.ts`, with the fault servers in
 * `faults.ts`), the wire (`wire.ts`), and the recording suite (`recording.ts`).
 *
 * With `REVOKIT_RECORD=1` (and the env vars named in `record.env`), a recording suite runs
 * first: it revokes a live token twice through the production dispatch and writes the
 * `revoked` and first `alreadyRevoked` cassettes, scrubbed, before the replay suites use them.
 *
 * @example
 * ```ts
 * describeRevocationAdapter({
 *   provider: 'google',
 *   origin: 'https://oauth2.googleapis.com',
 *   create: ({ origin }) => google({ revocationEndpoint: `${origin}/revoke` }),
 *   cascades: { refresh_token: ['access_token'], access_token: ['refresh_token'] },
 *   request: ({ token, origin }) => ({ method: 'POST', url: `${origin}/revoke`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` }),
 *   cassetteDir: new URL('../cassettes/', import.meta.url),
 *   cassettes: { revoked: 'revoked.cassette.json', … },
 * })
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2 (what an RFC 7009-shaped provider answers; other providers document their own)
 */
export function describeRevocationAdapter(options: AdapterContractOptions): void {
  validateOptions(options)
  const title = `${options.provider} adapter contract${options.name ? ` (${options.name})` : ''}`
  if (process.env.REVOKIT_RECORD === '1') describeRecording(options, title)
  describe(title, () => {
    useNock()
    const suite = createSuite(options, title)
    planCases(suite)
    answerCases(suite)
    networkCases(suite)
    wireCases(suite)
    faultCases(suite)
    options.extend?.({ options, run: (origin) => suite.run(origin) })
  })
}
