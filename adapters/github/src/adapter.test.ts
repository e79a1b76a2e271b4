import { isRevokitError } from '@revokit/core'
import {
  type AdapterContractOptions,
  createContractRun,
  describeRevocationAdapter,
  useNock,
} from '@revokit/testing'
import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { GITHUB_SECONDARY_RATE_LIMIT_WAIT_MS, github } from './adapter'

const basic = (vars: Readonly<Record<string, string>>) =>
  `Basic ${Buffer.from(`${vars.client_id}:${vars.client_secret}`).toString('base64')}`

function contract(mode: 'token' | 'grant'): AdapterContractOptions {
  const prefix = mode === 'grant' ? 'grant-' : ''
  return {
    provider: 'github',
    name: `mode: ${mode}`,
    origin: 'https://api.github.com',
    vars: { client_id: 'fake-github-client-id', mode },
    secrets: ['client_secret'],
    create: ({ origin, vars }) =>
      github({
        clientId: vars.client_id as string,
        clientSecret: vars.client_secret as string,
        baseUrl: origin,
        mode,
      }),
    // Doc: deleting the grant "will also delete all OAuth tokens associated with the application
    // for the user", the GitHub App's refresh token among them.
    cascades: mode === 'grant' ? { access_token: ['refresh_token'] } : {},
    request: ({ token, origin, vars }) => ({
      method: 'DELETE',
      url: `${origin}/applications/${vars.client_id}/${mode}`,
      headers: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'content-type': 'application/json',
        authorization: basic(vars),
      },
      body: { access_token: token },
    }),
    cassetteDir: new URL('../cassettes/', import.meta.url),
    cassettes: {
      revoked: `${prefix}revoked.cassette.json`,
      alreadyRevoked: `${prefix}not-found.cassette.json`,
      serverError: 'server-error.cassette.json',
      rateLimited: ['rate-limited.cassette.json', 'rate-limited-403.cassette.json'],
      malformed: { cassette: 'malformed.cassette.json', outcome: 'failed', retryable: false },
      empty: { cassette: 'empty.cassette.json', outcome: 'failed', retryable: false },
    },
    record: {
      env: {
        token: mode === 'grant' ? 'GITHUB_RECORD_GRANT_TOKEN' : 'GITHUB_RECORD_TOKEN',
        client_id: 'GITHUB_CLIENT_ID',
        client_secret: 'GITHUB_CLIENT_SECRET',
      },
    },
  }
}

describeRevocationAdapter(contract('token'))
describeRevocationAdapter(contract('grant'))

describe('github: quirks', () => {
  useNock()
  const tokenMode = contract('token')

  it('never dispatches a GitHub App refresh token: no endpoint takes one', async () => {
    const run = createContractRun(tokenMode)
    run.cassette('revoked.cassette.json', 'access_token')
    const { engine, calls } = run.engine()
    try {
      const account = await engine.create({ userId: 'u1', toolkit: 'github', credentials: run.credentials() })
      const result = await engine.revoke(account.id)
      expect(calls).toEqual(['access_token'])
      expect(result.revokedTokens).toEqual(['access_token'])
      expect(result.subjects.refresh_token).toBe('unsupported')
    } finally {
      await engine.close()
    }
  })

  it('mode grant reports the refresh token dead with the grant, from one request', async () => {
    const run = createContractRun(contract('grant'))
    const mounted = run.cassette('grant-revoked.cassette.json', 'access_token')
    const { engine } = run.engine()
    try {
      const account = await engine.create({ userId: 'u1', toolkit: 'github', credentials: run.credentials() })
      const result = await engine.revoke(account.id)
      expect(mounted.requests).toHaveLength(1)
      expect(result.revokedTokens).toEqual(['access_token', 'refresh_token'])
    } finally {
      await engine.close()
    }
  })

  it('a primary rate limit (x-ratelimit-remaining: 0) waits until x-ratelimit-reset', async () => {
    const run = createContractRun(tokenMode)
    const reset = Math.floor(Date.now() / 1000) + 120
    nock('https://api.github.com')
      .delete('/applications/fake-github-client-id/token')
      .reply(
        403,
        { message: 'API rate limit exceeded for installation.' },
        {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        },
      )
    const { outcome } = await run.revoke('access_token')
    expect(outcome).toMatchObject({ type: 'failed', retryable: true, status: 403 })
    const wait = outcome?.type === 'failed' ? (outcome.retryAfterMs ?? 0) : 0
    expect(wait).toBeGreaterThan(110_000)
    expect(wait).toBeLessThanOrEqual(120_000)
  })

  it('a secondary rate limit with no header waits the documented minute', async () => {
    const run = createContractRun(tokenMode)
    nock('https://api.github.com')
      .delete('/applications/fake-github-client-id/token')
      .reply(403, { message: 'You have exceeded a secondary rate limit.' })
    const { outcome } = await run.revoke('access_token')
    expect(outcome).toMatchObject({
      type: 'failed',
      retryable: true,
      retryAfterMs: GITHUB_SECONDARY_RATE_LIMIT_WAIT_MS,
    })
  })

  it.each([
    ['bad-credentials.cassette.json', 401],
    ['forbidden.cassette.json', 403],
  ])('%s: not retryable, and the fix names the client credentials', async (file, status) => {
    const run = createContractRun(tokenMode)
    run.cassette(file, 'access_token')
    const { outcome } = await run.revoke('access_token')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false, status })
    expect(outcome?.type === 'failed' && outcome.suggestedFix).toMatch(/clientId and clientSecret/)
    expect(run.leaks(outcome)).toEqual([])
  })

  it('422 (validation failed) is a failure, not already revoked', async () => {
    const run = createContractRun(tokenMode)
    run.cassette('validation-failed.cassette.json', 'access_token')
    const { outcome } = await run.revoke('access_token')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false, status: 422 })
  })

  it.each([
    [501, false],
    [505, false],
    [408, true],
    [503, true],
  ])(
    'HTTP %d is retryable: %s (the shared status rule; 501 and 505 are permanent)',
    async (status, retryable) => {
      const run = createContractRun(tokenMode)
      nock('https://api.github.com')
        .delete('/applications/fake-github-client-id/token')

        .reply(status, { message: 'Server Error' })
      const { outcome } = await run.revoke('access_token')
      expect(outcome).toMatchObject({ type: 'failed', retryable, status })
    },
  )

  it('a 404 that is not GitHub JSON (wrong baseUrl) is a failure that names baseUrl, never already revoked', async () => {
    const run = createContractRun(tokenMode)
    run.cassette('malformed.cassette.json', 'access_token')
    const { outcome } = await run.revoke('access_token')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false, status: 404 })
    expect(outcome?.type === 'failed' && outcome.suggestedFix).toMatch(/baseUrl/)
  })

  it('GitHub Enterprise Server: requests go to {baseUrl}/applications/… under /api/v3', async () => {
    const run = createContractRun({
      ...tokenMode,
      create: ({ vars }) =>
        github({
          clientId: vars.client_id as string,
          clientSecret: vars.client_secret as string,
          baseUrl: 'https://ghe.example.com/api/v3/',
        }),
    })
    const scope = nock('https://ghe.example.com')
      .delete('/api/v3/applications/fake-github-client-id/token', { access_token: run.tokens.access_token })
      .reply(204)
    expect((await run.revoke('access_token')).outcome?.type).toBe('revoked')
    expect(scope.isDone()).toBe(true)
  })

  it('the client secret is in no property of the adapter', () => {
    const run = createContractRun(tokenMode)
    expect(run.leaks(run.adapter, Object.keys(run.adapter))).toEqual([])
  })
})

describe('github: options', () => {
  const valid = { clientId: 'fake-id', clientSecret: 'fake-secret-value' }

  it('defaults to mode token on api.github.com, access tokens only', () => {
    expect(github(valid)).toMatchObject({ toolkit: 'github', supportsAccess: true, supportsRefresh: false })
    expect(github(valid).cascades).toBeUndefined()
    expect(github({ ...valid, mode: 'grant' }).cascades).toEqual({ access_token: ['refresh_token'] })
  })

  it.each([
    [{ clientSecret: 'fake-secret-value' }, /clientId: is required/],
    [{ clientId: 'fake-id' }, /clientSecret: is required/],
    [{ ...valid, clientSecret: '' }, /clientSecret: must not be empty/],
    [{ ...valid, baseUrl: 'http://github.example.com' }, /baseUrl must use https/],
    [{ ...valid, mode: 'all' }, /mode: must be 'token' or 'grant'/],
    [{ ...valid, toolkit: 'Git Hub' }, /toolkit: must be a lowercase slug/],
  ])('refuses %j with an error naming the option', (options, message) => {
    let error: unknown
    try {
      github(options as never)
    } catch (e) {
      error = e
    }
    expect(isRevokitError(error) && error.slug).toBe('invalid_config')
    expect((error as Error).message).toMatch(message)
  })

  it('never echoes a secret given in the wrong place', () => {
    const secret = 'fake-secret-in-wrong-field-123'
    let error: unknown
    try {
      github({ clientId: 'id', clientSecret: 'x', baseUrl: secret } as never)
    } catch (e) {
      error = e
    }
    expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain(secret)
    expect((error as Error).message).not.toContain(secret)
  })
})
