import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { OAuthConnector } from '../connector'
import { createHttpTransport } from '../transport'
import { authorizationUrl, exchangeCode, pkcePair, refreshGrant } from './grant'

const AS = 'https://as.example.test'
const endpoints = { issuer: AS, authorizationEndpoint: `${AS}/authorize`, tokenEndpoint: `${AS}/token` }
const SECRET = 'fake-client-secret-GRANT-0001'
const connector: OAuthConnector = {
  endpoints: () => endpoints,
  clientId: 'fake-client',
  clientAuth: 'client_secret_basic',
  clientSecret: () => SECRET,
  scopes: ['read', 'write'],
  authorizationParams: { access_type: 'offline', state: 'attacker-chosen' },
}
const transport = createHttpTransport({ timeoutMs: 2000 })
const base = { transport, deadline: Date.now() + 60_000, clock: () => Date.parse('2026-01-01T00:00:00Z') }

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(async () => {
  nock.enableNetConnect()
  await transport.close()
})

describe('authorization URL', () => {
  it('carries the code flow, the S256 challenge and the extras, but extras cannot replace the state', async () => {
    const { verifier, challenge } = await pkcePair()
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const url = authorizationUrl(connector, endpoints, {
      redirectUri: 'https://app.example.test/cb',
      state: 'the-state',
      codeChallenge: challenge,
      scopes: ['read', 'write'],
    })
    const q = url.searchParams
    expect(`${url.origin}${url.pathname}`).toBe(`${AS}/authorize`)
    expect(Object.fromEntries(q)).toEqual({
      response_type: 'code',
      client_id: 'fake-client',
      redirect_uri: 'https://app.example.test/cb',
      scope: 'read write',
      state: 'the-state',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      access_type: 'offline',
    })
  })
})

describe('code exchange and refresh through oauth4webapi on the engine transport', () => {
  it('sends the code, verifier and redirect URI with Basic auth, and stores expires_at', async () => {
    let form: URLSearchParams | undefined
    let auth: string | undefined
    nock(AS)
      .post('/token')
      .reply(async (req: Request) => {
        form = new URLSearchParams(await req.text())
        auth = req.headers.get('authorization') ?? undefined
        return [
          200,
          { access_token: 'fake-at-1', refresh_token: 'fake-rt-1', token_type: 'Bearer', expires_in: 3600 },
        ]
      })
    const result = await exchangeCode(connector, endpoints, {
      ...base,
      callback: new URLSearchParams({ code: 'fake-code', state: 's1' }),
      state: 's1',
      redirectUri: 'https://app.example.test/cb',
      codeVerifier: 'v'.repeat(43),
    })
    expect(result).toEqual({
      type: 'tokens',
      credentials: {
        access_token: 'fake-at-1',
        refresh_token: 'fake-rt-1',
        token_type: 'bearer',
        expires_at: '2026-01-01T01:00:00.000Z',
      },
    })
    expect(Object.fromEntries(form ?? [])).toEqual({
      grant_type: 'authorization_code',
      code: 'fake-code',
      redirect_uri: 'https://app.example.test/cb',
      code_verifier: 'v'.repeat(43),
    })
    // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
    const [id, secret] = Buffer.from(String(auth).replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':')
    expect([decodeURIComponent(String(id)), decodeURIComponent(String(secret))]).toEqual([
      'fake-client',
      SECRET,
    ])
  })

  it('a provider error in the redirect is reported, and nothing is sent', async () => {
    const result = await exchangeCode(connector, endpoints, {
      ...base,
      callback: new URLSearchParams({ error: 'access_denied', state: 's1' }),
      state: 's1',
      redirectUri: 'https://app.example.test/cb',
      codeVerifier: null,
    })
    expect(result).toMatchObject({ type: 'error', error: 'access_denied', dead: true, retryable: false })
  })

  it('invalid_grant on refresh is dead; 503 is retryable with Retry-After; a network error is retryable', async () => {
    nock(AS).post('/token').reply(400, { error: 'invalid_grant', error_description: 'gone' })
    expect(await refreshGrant(connector, endpoints, { ...base, refreshToken: 'fake-rt' })).toMatchObject({
      type: 'error',
      error: 'invalid_grant',
      dead: true,
      retryable: false,
      status: 400,
    })
    nock(AS).post('/token').reply(503, 'down', { 'retry-after': '7' })
    expect(await refreshGrant(connector, endpoints, { ...base, refreshToken: 'fake-rt' })).toMatchObject({
      type: 'error',
      dead: false,
      retryable: true,
      status: 503,
      retryAfterMs: 7000,
    })
    nock(AS).post('/token').replyWithError({ code: 'ECONNRESET' })
    expect(await refreshGrant(connector, endpoints, { ...base, refreshToken: 'fake-rt' })).toMatchObject({
      type: 'error',
      error: 'transport_error',
      dead: false,
      retryable: true,
    })
  })

  it('a deviating provider parses its own answers, falling back to the standard reading', async () => {
    const github: OAuthConnector = {
      ...connector,
      parseTokenResponse(response, { standard }) {
        const body = response.json() as Record<string, unknown>
        if (response.status === 200 && typeof body.error === 'string')
          return { type: 'error', error: body.error }
        return standard()
      },
    }
    nock(AS).post('/token').reply(200, { error: 'bad_verification_code' })
    expect(
      await exchangeCode(github, endpoints, {
        ...base,
        callback: new URLSearchParams({ code: 'c', state: 's' }),
        state: 's',
        redirectUri: 'https://app.example.test/cb',
        codeVerifier: null,
      }),
    ).toMatchObject({ type: 'error', error: 'bad_verification_code', dead: true })
    nock(AS).post('/token').reply(200, { access_token: 'fake-at-2', token_type: 'bearer' })
    expect(await refreshGrant(github, endpoints, { ...base, refreshToken: 'fake-rt' })).toEqual({
      type: 'tokens',
      credentials: { access_token: 'fake-at-2', token_type: 'bearer' },
    })
  })
})
