import { TOKEN_SUBJECTS } from '@revokit/core'
import nock from 'nock'
import { expect, it } from 'vitest'
import { readCassette } from '../cassette'
import type { RecordedRequest } from '../nock'
import { cassettePath } from '../run'
import { allCassettes, type ExpectedRequest } from './options'
import { expectedPlan } from './plan'
import { createAccount, expectNoLeaks, expectSettledClean, type Suite } from './suite'

const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']

/**
 * Asserts a recorded request is exactly the documented one: method, URL, the listed headers,
 * no undocumented credential header, and the body.
 */
export function expectRequest(actual: RecordedRequest | undefined, expected: ExpectedRequest): void {
  expect(actual, 'the adapter sent no request').toBeDefined()
  const request = actual as RecordedRequest
  expect(request.method, 'method').toBe(expected.method)
  // Compared as URLs, so an upper-case host in the documentation still matches what was sent.
  expect(new URL(request.url).href, 'URL').toBe(new URL(expected.url).href)
  const listed = new Set(Object.keys(expected.headers ?? {}).map((name) => name.toLowerCase()))
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    expect(request.headers[name.toLowerCase()], `header ${name}`).toBe(value)
  }
  for (const name of CREDENTIAL_HEADERS) {
    if (!listed.has(name)) expect(request.headers[name], `undocumented ${name} header`).toBeUndefined()
  }
  if (expected.body === undefined || expected.body === null) expect(request.body, 'body').toBe('')
  else if (typeof expected.body === 'string') expect(request.body, 'body').toBe(expected.body)
  else {
    let parsed: unknown
    try {
      parsed = JSON.parse(request.body)
    } catch {
      parsed = `(not JSON) ${request.body}`
    }
    expect(parsed, 'JSON body').toEqual(expected.body)
  }
}

/** What goes out and what comes back: `request-shape` and `no-secrets`. */
export function wireCases(suite: Suite): void {
  const { options, cascades, supported } = suite
  const first = supported[0]
  if (!first) return

  suite.contractCase('request-shape', () => {
    it.each(supported)('%s: the request is exactly the documented one', async (subject) => {
      const run = suite.run()
      const mounted = run.cassette(options.cassettes.revoked, subject)
      const interactions = readCassette(
        cassettePath(options.cassetteDir, options.cassettes.revoked),
      ).interactions
      await run.revoke(subject)
      expect(mounted.requests, 'one request per cassette interaction').toHaveLength(interactions.length)
      // The revocation is the last request (a cassette may start with, say, a metadata fetch).
      expectRequest(mounted.requests.at(-1), suite.expectedFor(run, subject))
    })
  })

  suite.contractCase('no-secrets', () => {
    it('no token or app secret in any outcome, error, event or log line, for every cassette, through the engine', async () => {
      const run = suite.run()
      const seen: unknown[] = [run.adapter]
      let lines = 0
      for (const file of allCassettes(options.cassettes)) {
        const plan = expectedPlan(run.adapter, TOKEN_SUBJECTS, cascades)
        for (const subject of plan.dispatched) run.cassette(file, subject)
        const { engine, logger, events } = run.engine()
        try {
          const account = await createAccount(run, engine)
          seen.push(
            await engine.revoke(account.id).then(
              (result) => result,
              (error: unknown) => error,
            ),
            events,
            logger.text(),
          )
          lines += logger.lines.length
        } finally {
          await engine.close()
          nock.cleanAll()
        }
      }
      expect(lines, 'the engine logged, so the check is not vacuous').toBeGreaterThan(0)
      expectNoLeaks(run, ...seen)
      // A network failure, straight through the dispatch.
      expectSettledClean(run, await run.revoke(first))
    })
  })
}
