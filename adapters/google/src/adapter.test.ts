import { isRevokitError } from '@revokit/core'
import {
  type AdapterContractOptions,
  createContractRun,
  describeRevocationAdapter,
  useNock,
} from '@revokit/testing'
import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { GOOGLE_REVOCATION_ENDPOINT, google } from './adapter'

const contract: AdapterContractOptions = {
  provider: 'google',
  origin: 'https://oauth2.googleapis.com',
  create: ({ origin }) => google({ revocationEndpoint: `${origin}/revoke` }),
  // Doc: "If the token is an access token and it has a corresponding refresh token, the refresh
  // token will also be revoked"; revoking the refresh token revokes the grant.
  cascades: { refresh_token: ['access_token'], access_token: ['refresh_token'] },
  request: ({ token, origin }) => ({
    method: 'POST',
    url: `${origin}/revoke`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${token}`,
  }),
  cassetteDir: new URL('../cassettes/', import.meta.url),
  cassettes: {
    revoked: 'revoked.cassette.json',
    alreadyRevoked: ['invalid-token.cassette.json', 'invalid-token-bare.cassette.json'],
    serverError: ['server-error.cassette.json', 'bad-gateway.cassette.json'],
    rateLimited: 'rate-limited.cassette.json',
    malformed: [
      { cassette: 'malformed.cassette.json', outcome: 'failed', retryable: false },
      { cassette: 'malformed-200.cassette.json', outcome: 'revoked' },
    ],
    empty: { cassette: 'empty.cassette.json', outcome: 'revoked' },
  },
  record: { env: { token: 'GOOGLE_RECORD_TOKEN' }, subject: 'refresh_token' },
}

describeRevocationAdapter(contract)

describe('google: quirks', () => {
  useNock()

  it('revokes a whole account with one request: the refresh token, and the access token dies with it', async () => {
    const run = createContractRun(contract)
    const mounted = run.cassette('revoked.cassette.json', 'refresh_token')
    const { engine, calls } = run.engine()
    try {
      const account = await engine.create({ userId: 'u1', toolkit: 'google', credentials: run.credentials() })
      const result = await engine.revoke(account.id)
      expect(calls).toEqual(['refresh_token'])
      expect(mounted.requests.map((r) => r.body)).toEqual([`token=${run.tokens.refresh_token}`])
      expect(result.revokedTokens).toEqual(['access_token', 'refresh_token'])
      expect(result.subjects).toEqual({ access_token: 'revoked', refresh_token: 'revoked' })
    } finally {
      await engine.close()
    }
  })

  it('an account holding only an access token is revoked through it, and nothing else is claimed', async () => {
    const run = createContractRun(contract)
    run.cassette('revoked.cassette.json', 'access_token')
    const { engine } = run.engine()
    try {
      const account = await engine.create({
        userId: 'u1',
        toolkit: 'google',
        credentials: run.credentials(['access_token']),
      })
      const result = await engine.revoke(account.id)
      expect(result.revokedTokens).toEqual(['access_token'])
      expect(result.subjects.refresh_token).toBe('not_held')
    } finally {
      await engine.close()
    }
  })

  it('a 400 other than invalid_token is a failure that retrying will not fix', async () => {
    const run = createContractRun(contract)
    run.cassette('invalid-request.cassette.json', 'refresh_token')
    const { outcome } = await run.revoke('refresh_token')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false, status: 400 })
    expect(outcome?.type === 'failed' && outcome.reason).toContain('invalid_request')
    expect(outcome?.type === 'failed' && outcome.suggestedFix).toBeTruthy()
  })

  it('a provider description that echoes the token is redacted before it reaches the reason', async () => {
    const run = createContractRun(contract)
    const scope = nock('https://oauth2.googleapis.com')
      .post('/revoke')
      .reply(400, {
        error: 'invalid_token',
        error_description: `token ${run.tokens.access_token} is expired`,
      })
    const { outcome } = await run.revoke('access_token')
    expect(outcome?.type).toBe('already_revoked')
    expect(JSON.stringify(outcome)).not.toContain(run.tokens.access_token)
    expect(scope.isDone()).toBe(true)
  })

  it('never sends client credentials or the token anywhere but the form body', async () => {
    const run = createContractRun(contract)
    const mounted = run.cassette('revoked.cassette.json', 'access_token')
    await run.revoke('access_token')
    const [sent] = mounted.requests
    expect(sent?.url).toBe(GOOGLE_REVOCATION_ENDPOINT)
    expect(sent?.headers.authorization).toBeUndefined()
    expect(Object.values(sent?.headers ?? {}).join(' ')).not.toContain(run.tokens.access_token)
  })
})

describe('google: options', () => {
  it('defaults to the google toolkit and the documented endpoint', () => {
    const adapter = google()
    expect(adapter).toMatchObject({ toolkit: 'google', supportsAccess: true, supportsRefresh: true })
  })

  it('serves another toolkit slug, so Gmail and Drive toolkits both revoke at Google', () => {
    expect(google({ toolkit: 'gmail' }).toolkit).toBe('gmail')
  })

  it.each([
    [{ revocationEndpoint: 'http://oauth2.example.com/revoke' }, /revocationEndpoint must use https/],
    [{ revocationEndpoint: 'not a url' }, /revocationEndpoint must be an absolute URL/],
    [{ toolkit: 'Gmail!' }, /toolkit: must be a lowercase slug/],
    [{ authMethod: 'none' }, /unknown option/],
    [{ clientId: 'id.apps.googleusercontent.com' }, /clientSecret.*required to connect/s],
    [{ tokenEndpoint: 'http://oauth2.example.com/token' }, /tokenEndpoint must use https/],
  ])('refuses %j with an error naming the option', (options, message) => {
    let error: unknown
    try {
      google(options as never)
    } catch (e) {
      error = e
    }
    expect(isRevokitError(error) && error.slug).toBe('invalid_config')
    expect((error as Error).message).toMatch(message)
  })

  it('accepts a plain http:// endpoint on loopback, for local test servers', () => {
    expect(() => google({ revocationEndpoint: 'http://127.0.0.1:8080/revoke' })).not.toThrow()
  })
})
