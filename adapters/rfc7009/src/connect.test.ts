import { createHttpTransport, type OAuthConnector } from '@revokit/core'
import { describeConnector, mountCassette, type TokenRequestExpectation, useNock } from '@revokit/testing'
import nock from 'nock'
import { afterAll, describe, expect, it } from 'vitest'
import { rfc7009 } from './adapter'

const AS = 'https://as.example.test'
const SCOPES = ['openid', 'offline_access']
const CLIENT_ID = 'fake client/1'
// RFC 6749 §2.3.1: the id and secret are form-encoded (Appendix B: HTML 4.01, every
// non-alphanumeric character escaped), then joined and base64-encoded.
const form = (value: string) =>
  encodeURIComponent(value)
    .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${form(id)}:${form(secret)}`).toString('base64')}`

describeConnector({
  provider: 'rfc7009',
  origin: AS,
  vars: { client_id: CLIENT_ID },
  secrets: ['client_secret'],
  create: ({ origin, vars }) =>
    rfc7009({
      toolkit: 'acme',
      issuer: origin,
      clientId: vars.client_id as string,
      clientSecret: vars.client_secret as string,
      scopes: SCOPES,
    }),
  cassetteDir: new URL('../cassettes/connect/', import.meta.url),
  authorization: {
    url: `${AS}/authorize`,
    params: { scope: 'openid offline_access', prompt: 'consent' },
    pkce: true,
  },
  tokenRequest: ({ grant, vars }): TokenRequestExpectation => ({
    url: `${AS}/token`,
    headers: { authorization: basic(CLIENT_ID, vars.client_secret as string) },
    form:
      grant === 'authorization_code'
        ? {
            grant_type: 'authorization_code',
            code: vars.code as string,
            redirect_uri: vars.redirect_uri as string,
            code_verifier: vars.code_verifier as string,
          }
        : { grant_type: 'refresh_token', refresh_token: vars.refresh_token as string },
  }),
  cassettes: {
    discovery: 'discovery.cassette.json',
    exchange: {
      cassette: 'exchange.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        refresh_token: '{{new_refresh_token}}',
        token_type: 'bearer',
        scope: 'openid offline_access',
        expires_at: '2026-01-01T01:00:00.000Z',
      },
    },
    refresh: {
      cassette: 'refresh-rotated.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        refresh_token: '{{new_refresh_token}}',
        token_type: 'bearer',
        expires_at: '2026-01-01T01:00:00.000Z',
      },
    },
    refreshKeeps: {
      cassette: 'refresh-kept.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        token_type: 'bearer',
        expires_at: '2026-01-01T00:10:00.000Z',
      },
    },
    errors: [
      {
        cassette: 'refresh-invalid-grant.cassette.json',
        grant: 'refresh_token',
        error: 'invalid_grant',
        dead: true,
        retryable: false,
      },
      {
        cassette: 'exchange-invalid-grant.cassette.json',
        grant: 'authorization_code',
        error: 'invalid_grant',
        dead: true,
        retryable: false,
      },
      {
        cassette: 'refresh-invalid-client.cassette.json',
        grant: 'refresh_token',
        error: 'invalid_client',
        dead: false,
        retryable: false,
      },
    ],
    serverError: ['server-error.cassette.json', 'unavailable.cassette.json'],
    rateLimited: ['rate-limited.cassette.json'],
  },
})

describe('rfc7009 connect: where the endpoints come from', () => {
  useNock()
  const transport = createHttpTransport({ timeoutMs: 2000 })
  afterAll(() => transport.close())
  const endpointsOf = (connector: OAuthConnector | undefined) => {
    const signal = AbortSignal.timeout(5000)
    return connector?.endpoints({
      http: transport.client({ deadline: Date.now() + 5000, cancel: signal }),
      signal,
    })
  }
  const metadata = (body: Record<string, unknown>) =>
    nock(AS)
      .get('/.well-known/oauth-authorization-server')
      .reply(200, { issuer: AS, ...body })

  it('without an issuer or explicit endpoints there is nothing to connect to: no connect', () => {
    expect(
      rfc7009({ toolkit: 'acme', revocationEndpoint: `${AS}/revoke`, clientId: 'c' }).connect,
    ).toBeUndefined()
  })

  it('explicit endpoints are used as given, with the client authentication of authMethod', async () => {
    const adapter = rfc7009({
      toolkit: 'acme',
      revocationEndpoint: `${AS}/revoke`,
      authorizationEndpoint: `${AS}/oauth/authorize`,
      tokenEndpoint: `${AS}/oauth/token`,
      clientId: 'c',
      clientSecret: 'fake-secret-RFC-0001',
      authMethod: 'client_secret_post',
    })
    expect(adapter.connect?.clientAuth).toBe('client_secret_post')
    expect(await endpointsOf(adapter.connect)).toEqual({
      authorizationEndpoint: `${AS}/oauth/authorize`,
      tokenEndpoint: `${AS}/oauth/token`,
    })
  })

  it('refuses one explicit endpoint without the other', () => {
    expect(() =>
      rfc7009({ toolkit: 'acme', issuer: AS, clientId: 'c', tokenEndpoint: `${AS}/token` }),
    ).toThrow(/authorizationEndpoint.*both/s)
  })

  it('revoke and connect share one discovery: the metadata is fetched once', async () => {
    const mounted = mountCassette(new URL('../cassettes/connect/discovery.cassette.json', import.meta.url))
    const adapter = rfc7009({ toolkit: 'acme', issuer: AS, clientId: 'c' })
    const [first, second] = await Promise.all([endpointsOf(adapter.connect), endpointsOf(adapter.connect)])
    expect(first).toEqual({
      issuer: AS,
      authorizationEndpoint: `${AS}/authorize`,
      tokenEndpoint: `${AS}/token`,
    })
    expect(second).toEqual(first)
    expect(mounted.requests).toHaveLength(1)
  })

  it('a token_endpoint on another origin is refused: the client secret would go there', async () => {
    metadata({
      authorization_endpoint: `${AS}/authorize`,
      token_endpoint: 'https://elsewhere.example.test/token',
    })
    const adapter = rfc7009({ toolkit: 'acme', issuer: AS, clientId: 'c' })
    await expect(endpointsOf(adapter.connect)).rejects.toMatchObject({
      slug: 'connect_not_supported',
      message: expect.stringMatching(/another origin/),
    })
  })

  it('metadata without a token endpoint says so, with the fix', async () => {
    metadata({ revocation_endpoint: `${AS}/revoke` })
    const adapter = rfc7009({ toolkit: 'acme', issuer: AS, clientId: 'c' })
    await expect(endpointsOf(adapter.connect)).rejects.toMatchObject({
      slug: 'connect_not_supported',
      suggestedFix: expect.stringMatching(/authorizationEndpoint and tokenEndpoint/),
    })
  })
})
