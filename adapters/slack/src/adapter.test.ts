import { isRevokitError } from '@revokit/core'
import {
  type AdapterContractOptions,
  createContractRun,
  describeRevocationAdapter,
  useNock,
} from '@revokit/testing'
import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { slack } from './adapter'

const contract: AdapterContractOptions = {
  provider: 'slack',
  origin: 'https://slack.com',
  create: ({ origin }) => slack({ baseUrl: `${origin}/api` }),
  cascades: {},
  request: ({ token, origin }) => ({
    method: 'POST',
    url: `${origin}/api/auth.revoke`,
    headers: { authorization: `Bearer ${token}` },
    body: null,
  }),
  cassetteDir: new URL('../cassettes/', import.meta.url),
  cassettes: {
    revoked: 'revoked.cassette.json',
    alreadyRevoked: [
      'token-revoked.cassette.json',
      'invalid-auth.cassette.json',
      'account-inactive.cassette.json',
    ],
    serverError: 'server-error.cassette.json',
    rateLimited: ['rate-limited.cassette.json', 'ratelimited-200.cassette.json'],
    // auth.revoke is safe to repeat, so an unreadable answer is worth retrying.
    malformed: { cassette: 'malformed.cassette.json', outcome: 'failed', retryable: true },
    empty: { cassette: 'empty.cassette.json', outcome: 'failed', retryable: true },
  },
  record: { env: { token: 'SLACK_RECORD_TOKEN' } },
}

describeRevocationAdapter(contract)

describe('slack: quirks', () => {
  useNock()

  it('a refresh token (token rotation) is never dispatched: auth.revoke takes access tokens', async () => {
    const run = createContractRun(contract)
    run.cassette('revoked.cassette.json', 'access_token')
    const { engine, calls } = run.engine()
    try {
      const account = await engine.create({ userId: 'u1', toolkit: 'slack', credentials: run.credentials() })
      const result = await engine.revoke(account.id)
      expect(calls).toEqual(['access_token'])
      expect(result.subjects).toEqual({ access_token: 'revoked', refresh_token: 'unsupported' })
    } finally {
      await engine.close()
    }
  })

  it.each(['not-authed.cassette.json', 'missing-scope.cassette.json'])(
    '%s: an error in a 200 that does not prove the token dead is a failure, not already revoked',
    async (file) => {
      const run = createContractRun(contract)
      run.cassette(file, 'access_token')
      const { outcome } = await run.revoke('access_token')
      expect(outcome).toMatchObject({ type: 'failed', retryable: false, status: 200 })
    },
  )

  it('ok: true without revoked: true (a test=1 dry run) is not counted as revoked', async () => {
    const run = createContractRun(contract)
    run.cassette('ok-not-revoked.cassette.json', 'access_token')
    const { outcome } = await run.revoke('access_token')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false })
  })

  it('a 404 (wrong baseUrl) is a failure that names baseUrl', async () => {
    const run = createContractRun(contract)
    nock('https://slack.com').post('/api/auth.revoke').reply(404, 'Not Found')
    const { outcome } = await run.revoke('access_token')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false, status: 404 })
    expect(outcome?.type === 'failed' && outcome.suggestedFix).toMatch(/baseUrl/)
  })

  it.each([
    [501, false],
    [505, false],
    [408, true],
    [502, true],
  ])(
    'HTTP %d is retryable: %s (the shared status rule; 501 and 505 are permanent)',
    async (status, retryable) => {
      const run = createContractRun(contract)
      nock('https://slack.com').post('/api/auth.revoke').reply(status, '')
      const { outcome } = await run.revoke('access_token')
      expect(outcome).toMatchObject({ type: 'failed', retryable, status })
    },
  )

  it('GovSlack: baseUrl moves the whole Web API root', async () => {
    const run = createContractRun({
      ...contract,
      create: () => slack({ baseUrl: 'https://slack-gov.com/api/' }),
    })
    const scope = nock('https://slack-gov.com')
      .post('/api/auth.revoke')
      .matchHeader('authorization', `Bearer ${run.tokens.access_token}`)
      .reply(200, { ok: true, revoked: true })
    expect((await run.revoke('access_token')).outcome?.type).toBe('revoked')
    expect(scope.isDone()).toBe(true)
  })

  it('the token travels only in the Authorization header: not in the URL, not in a body', async () => {
    const run = createContractRun(contract)
    const mounted = run.cassette('revoked.cassette.json', 'access_token')
    await run.revoke('access_token')
    const [sent] = mounted.requests
    expect(sent?.url).not.toContain(run.tokens.access_token)
    expect(sent?.body).toBe('')
    expect(sent?.headers.authorization).toBe(`Bearer ${run.tokens.access_token}`)
  })
})

describe('slack: options', () => {
  it('defaults to the slack toolkit, access tokens only', () => {
    expect(slack()).toMatchObject({ toolkit: 'slack', supportsAccess: true, supportsRefresh: false })
  })

  it.each([
    [{ baseUrl: 'http://slack.example.com/api' }, /baseUrl must use https/],
    [{ baseUrl: 'https://user:pw@slack.com/api' }, /baseUrl must not contain credentials/],
    [{ toolkit: '' }, /toolkit: must be a lowercase slug/],
    [{ token: 'x' }, /unknown option/],
  ])('refuses %j with an error naming the option', (options, message) => {
    let error: unknown
    try {
      slack(options as never)
    } catch (e) {
      error = e
    }
    expect(isRevokitError(error) && error.slug).toBe('invalid_config')
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('user:pw')
  })
})
