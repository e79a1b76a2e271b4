import { describeConnector, type TokenRequestExpectation } from '@revokit/testing'
import { describe, expect, it } from 'vitest'
import { GOOGLE_AUTHORIZATION_ENDPOINT, GOOGLE_TOKEN_ENDPOINT, google } from './adapter'

// The id_token in exchange.cassette.json names this client as its audience.
const CLIENT_ID = 'fake-google-client.apps.googleusercontent.com'
const SCOPES = ['openid', 'https://www.googleapis.com/auth/userinfo.email']

describeConnector({
  provider: 'google',
  origin: 'https://oauth2.googleapis.com',
  vars: { client_id: CLIENT_ID },
  secrets: ['client_secret'],
  create: ({ vars }) =>
    google({
      toolkit: 'gmail',
      clientId: vars.client_id as string,
      clientSecret: vars.client_secret as string,
      scopes: SCOPES,
    }),
  cassetteDir: new URL('../cassettes/connect/', import.meta.url),
  authorization: {
    url: GOOGLE_AUTHORIZATION_ENDPOINT,
    params: { scope: SCOPES.join(' '), access_type: 'offline', prompt: 'consent' },
    pkce: true,
  },
  // Doc: the exchange and the refresh POST client_id and client_secret in the form.
  tokenRequest: ({ grant, vars }): TokenRequestExpectation => ({
    url: GOOGLE_TOKEN_ENDPOINT,
    headers: {
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      accept: 'application/json',
    },
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
      cassette: 'exchange.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        refresh_token: '{{new_refresh_token}}',
        scope: 'openid https://www.googleapis.com/auth/userinfo.email',
        token_type: 'bearer',
        id_token: expect.stringMatching(/^eyJ/),
        expires_at: '2026-01-01T00:59:59.000Z',
      },
    },
    refreshKeeps: {
      cassette: 'refresh.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        scope: 'https://www.googleapis.com/auth/userinfo.email',
        token_type: 'bearer',
        expires_at: '2026-01-01T00:59:59.000Z',
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

describe('google connect options', () => {
  it('declares no connect without a client id, so revoke-only setups are unchanged', () => {
    expect(google().connect).toBeUndefined()
  })
  it('refuses a client id without its secret, naming the token endpoint authentication', () => {
    expect(() => google({ clientId: CLIENT_ID })).toThrow(/clientSecret.*client_secret_post/s)
  })
  it('keeps the client secret off the adapter: only the connector closure hands it out', () => {
    const adapter = google({ clientId: CLIENT_ID, clientSecret: 'fake-google-secret-0001' })
    expect(JSON.stringify(adapter)).not.toContain('fake-google-secret-0001')
    expect(adapter.connect?.clientSecret?.()).toBe('fake-google-secret-0001')
    expect(adapter.redact?.('x fake-google-secret-0001 y')).not.toContain('fake-google-secret-0001')
  })
})
