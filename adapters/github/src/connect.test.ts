import {
  CONNECTOR_KIT_NOW,
  createConnectRun,
  describeConnector,
  type TokenRequestExpectation,
  useNock,
} from '@revokit/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { github } from './adapter'
import { webUrlFor } from './connect'

const CLIENT_ID = 'Iv1.fakegithubapp01'
const SCOPES = ['repo', 'read:user']

const contract = {
  provider: 'github',
  origin: 'https://api.github.com',
  vars: { client_id: CLIENT_ID },
  secrets: ['client_secret'],
  create: ({ vars }: { vars: Readonly<Record<string, string>> }) =>
    github({
      clientId: vars.client_id as string,
      clientSecret: vars.client_secret as string,
      scopes: SCOPES,
      clock: () => CONNECTOR_KIT_NOW,
    }),
  cassetteDir: new URL('../cassettes/connect/', import.meta.url),
}

describeConnector({
  ...contract,
  name: 'GitHub App with expiring user tokens',
  authorization: {
    url: 'https://github.com/login/oauth/authorize',
    // Doc: scope is "a space-delimited list of scopes".
    params: { scope: 'repo read:user' },
    pkce: true,
  },
  // Doc: POST client_id, client_secret, code, redirect_uri (and code_verifier with PKCE); the
  // refresh sends client_id, client_secret, grant_type=refresh_token and refresh_token.
  tokenRequest: ({ grant, vars }): TokenRequestExpectation => ({
    url: 'https://github.com/login/oauth/access_token',
    headers: { accept: 'application/json' },
    form:
      grant === 'authorization_code'
        ? {
            grant_type: 'authorization_code',
            code: vars.code as string,
            redirect_uri: vars.redirect_uri as string,
            code_verifier: vars.code_verifier as string,
            client_id: CLIENT_ID,
            client_secret: vars.client_secret as string,
          }
        : {
            grant_type: 'refresh_token',
            refresh_token: vars.refresh_token as string,
            client_id: CLIENT_ID,
            client_secret: vars.client_secret as string,
          },
  }),
  cassettes: {
    exchange: {
      cassette: 'exchange-github-app.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        refresh_token: '{{new_refresh_token}}',
        token_type: 'bearer',
        scope: '',
        expires_at: '2026-01-01T08:00:00.000Z',
        refresh_token_expires_at: '2026-07-04T00:00:00.000Z',
      },
    },
    refresh: {
      cassette: 'refresh.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        refresh_token: '{{new_refresh_token}}',
        token_type: 'bearer',
        scope: '',
        expires_at: '2026-01-01T08:00:00.000Z',
        refresh_token_expires_at: '2026-07-04T00:00:00.000Z',
      },
    },
    errors: [
      {
        cassette: 'bad-refresh-token.cassette.json',
        grant: 'refresh_token',
        error: 'bad_refresh_token',
        dead: true,
        retryable: false,
      },
      {
        cassette: 'bad-verification-code.cassette.json',
        grant: 'authorization_code',
        error: 'bad_verification_code',
        dead: true,
        retryable: false,
      },
      {
        cassette: 'incorrect-client-credentials-exchange.cassette.json',
        grant: 'authorization_code',
        error: 'incorrect_client_credentials',
        dead: true,
        retryable: false,
      },
      {
        cassette: 'incorrect-client-credentials-refresh.cassette.json',
        grant: 'refresh_token',
        error: 'incorrect_client_credentials',
        dead: false,
        retryable: false,
      },
      {
        cassette: 'redirect-uri-mismatch.cassette.json',
        grant: 'authorization_code',
        error: 'redirect_uri_mismatch',
        dead: true,
        retryable: false,
      },
    ],
    serverError: ['server-error.cassette.json', 'unavailable.cassette.json'],
    rateLimited: ['rate-limited.cassette.json'],
  },
})

describe('github connect: OAuth Apps and GHES', () => {
  useNock()
  const runs: Array<{ close(): Promise<void> }> = []
  afterEach(async () => {
    for (const run of runs.splice(0)) await run.close()
  })

  it('an OAuth App token (no expiry, no refresh token) is stored as answered', async () => {
    const run = createConnectRun({
      ...contract,
      authorization: { url: '', params: {}, pkce: true },
      tokenRequest: () => ({ url: '', form: {} }),
      cassettes: {
        exchange: { cassette: 'exchange-oauth-app.cassette.json', credentials: {} },
        errors: [],
        serverError: [],
        rateLimited: [],
      },
    })
    runs.push(run)
    run.cassette('exchange-oauth-app.cassette.json')
    expect(await run.exchange()).toEqual({
      type: 'tokens',
      credentials: { access_token: run.vars.new_access_token, scope: 'repo,gist', token_type: 'bearer' },
    })
  })

  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://ghe.example.test/api/v3', 'https://ghe.example.test'],
    ['https://ghe.example.test/api/v3/', 'https://ghe.example.test'],
    ['https://api.octocorp.ghe.com', 'https://octocorp.ghe.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('the connect flow of API root %s lives at %s', async (baseUrl, web) => {
    expect(webUrlFor(baseUrl)).toBe(web)
    const adapter = github({ clientId: CLIENT_ID, clientSecret: 'fake-github-secret-0001', baseUrl })
    const signal = AbortSignal.timeout(1000)
    expect(await adapter.connect?.endpoints({ http: undefined as never, signal })).toEqual({
      authorizationEndpoint: `${web}/login/oauth/authorize`,
      tokenEndpoint: `${web}/login/oauth/access_token`,
    })
  })

  it('webUrl overrides the derived web root', async () => {
    const adapter = github({
      clientId: CLIENT_ID,
      clientSecret: 'fake-github-secret-0001',
      webUrl: 'https://sso.example.test/',
    })
    const signal = AbortSignal.timeout(1000)
    expect((await adapter.connect?.endpoints({ http: undefined as never, signal }))?.tokenEndpoint).toBe(
      'https://sso.example.test/login/oauth/access_token',
    )
  })
})
