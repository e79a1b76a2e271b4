import {
  CONNECTOR_KIT_NOW,
  type ConnectorContractOptions,
  describeConnector,
  type ErrorCassette,
  type TokenRequestExpectation,
} from '@revokit/testing'
import { describe, expect, it } from 'vitest'
import { slack } from './adapter'
import { slackWebUrl } from './connect'

const CLIENT_ID = '2141029472.691202649728'
// RFC 6749 §2.3.1 with Appendix B's form encoding (every non-alphanumeric escaped).
const form = (value: string) =>
  encodeURIComponent(value)
    .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
const basic = (secret: string) =>
  `Basic ${Buffer.from(`${form(CLIENT_ID)}:${form(secret)}`).toString('base64')}`
const TWELVE_HOURS = '2026-01-01T12:00:00.000Z'
const team = { id: 'T0FAKETEAM', name: 'Example Workspace' }

const errors: ErrorCassette[] = [
  {
    cassette: 'invalid-refresh-token.cassette.json',
    grant: 'refresh_token',
    error: 'invalid_refresh_token',
    dead: true,
    retryable: false,
  },
  {
    cassette: 'invalid-code.cassette.json',
    grant: 'authorization_code',
    error: 'invalid_code',
    dead: true,
    retryable: false,
  },
  {
    cassette: 'bad-client-secret.cassette.json',
    grant: 'authorization_code',
    error: 'bad_client_secret',
    dead: true,
    retryable: false,
  },
  {
    cassette: 'bad-redirect-uri.cassette.json',
    grant: 'authorization_code',
    error: 'bad_redirect_uri',
    dead: true,
    retryable: false,
  },
  {
    cassette: 'invalid-client-id-refresh.cassette.json',
    grant: 'refresh_token',
    error: 'invalid_client_id',
    dead: false,
    retryable: false,
  },
  {
    cassette: 'ratelimited-200.cassette.json',
    grant: 'refresh_token',
    error: 'ratelimited',
    dead: false,
    retryable: true,
  },
  {
    cassette: 'ratelimited-200.cassette.json',
    grant: 'authorization_code',
    error: 'ratelimited',
    dead: false,
    retryable: true,
  },
]

const contract = (
  name: string,
  scopes: string[],
  userScopes: string[],
  cassettes: Pick<ConnectorContractOptions['cassettes'], 'exchange' | 'refresh'>,
): ConnectorContractOptions => ({
  provider: 'slack',
  name,
  origin: 'https://slack.com',
  vars: { client_id: CLIENT_ID },
  secrets: ['client_secret'],
  tokens: ['user_access_token', 'user_refresh_token'],
  create: ({ vars }) =>
    slack({
      clientId: vars.client_id as string,
      clientSecret: vars.client_secret as string,
      scopes,
      userScopes,
      clock: () => CONNECTOR_KIT_NOW,
    }),
  cassetteDir: new URL('../cassettes/connect/', import.meta.url),
  authorization: {
    url: 'https://slack.com/oauth/v2/authorize',
    // Doc: scope and user_scope are comma-separated lists.
    params: {
      ...(scopes.length ? { scope: scopes.join(',') } : {}),
      ...(userScopes.length ? { user_scope: userScopes.join(',') } : {}),
    },
    pkce: true,
  },
  // Doc: client_id and client_secret "using the HTTP Basic authentication scheme", code,
  // redirect_uri, code_verifier for PKCE; grant_type and refresh_token for a refresh.
  tokenRequest: ({ grant, vars }): TokenRequestExpectation => ({
    url: 'https://slack.com/api/oauth.v2.access',
    headers: { authorization: basic(vars.client_secret as string) },
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
    ...cassettes,
    errors,
    serverError: ['server-error.cassette.json', 'unavailable.cassette.json'],
    rateLimited: ['rate-limited.cassette.json'],
  },
})

describeConnector(
  contract(
    'bot and user scopes: the bot token is the account token',
    ['chat:write', 'channels:read'],
    ['search:read'],
    {
      exchange: {
        cassette: 'exchange-bot-and-user.cassette.json',
        credentials: {
          access_token: '{{new_access_token}}',
          token_type: 'bot',
          scope: 'chat:write,channels:read',
          bot_user_id: 'U0FAKEBOT',
          app_id: 'A0FAKEAPP',
          team,
          is_enterprise_install: false,
          refresh_token: '{{new_refresh_token}}',
          expires_at: TWELVE_HOURS,
          // The user token is kept, nested, its expiry made absolute.
          authed_user: {
            id: 'U0FAKEUSER',
            scope: 'search:read',
            access_token: '{{user_access_token}}',
            token_type: 'user',
            refresh_token: '{{user_refresh_token}}',
            expires_at: TWELVE_HOURS,
          },
        },
      },
      refresh: {
        cassette: 'refresh.cassette.json',
        credentials: {
          access_token: '{{new_access_token}}',
          refresh_token: '{{new_refresh_token}}',
          expires_at: TWELVE_HOURS,
          token_type: 'bot',
          scope: 'chat:write,channels:read',
          bot_user_id: 'U0FAKEBOT',
          app_id: 'A0FAKEAPP',
          team,
          is_enterprise_install: false,
        },
      },
    },
  ),
)

describeConnector(
  contract('user scopes only: the user token is the account token', [], ['search:read'], {
    exchange: {
      cassette: 'exchange-user-only.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        token_type: 'user',
        scope: 'search:read',
        refresh_token: '{{new_refresh_token}}',
        expires_at: TWELVE_HOURS,
        app_id: 'A0FAKEAPP',
        team,
        is_enterprise_install: false,
        authed_user: { id: 'U0FAKEUSER', scope: 'search:read' },
      },
    },
    refresh: {
      cassette: 'refresh-user.cassette.json',
      credentials: {
        access_token: '{{new_access_token}}',
        refresh_token: '{{new_refresh_token}}',
        expires_at: TWELVE_HOURS,
        token_type: 'user',
        scope: 'search:read',
        user_id: 'U0FAKEUSER',
        app_id: 'A0FAKEAPP',
        team,
        is_enterprise_install: false,
      },
    },
  }),
)

describe('slack connect options', () => {
  it('declares no connect without a client id: the revoke-only adapter is unchanged', () => {
    expect(slack().connect).toBeUndefined()
  })
  it('refuses a client id without its secret', () => {
    expect(() => slack({ clientId: CLIENT_ID })).toThrow(/clientSecret.*required with clientId/s)
  })
  it.each([
    ['https://slack.com/api', 'https://slack.com'],
    ['https://slack-gov.com/api/', 'https://slack-gov.com'],
  ])('the install flow of API root %s lives at %s', async (baseUrl, web) => {
    expect(slackWebUrl(baseUrl)).toBe(web)
    const adapter = slack({ baseUrl, clientId: CLIENT_ID, clientSecret: 'fake-slack-secret-0001' })
    const signal = AbortSignal.timeout(1000)
    expect(await adapter.connect?.endpoints({ http: undefined as never, signal })).toEqual({
      authorizationEndpoint: `${web}/oauth/v2/authorize`,
      tokenEndpoint: `${baseUrl.replace(/\/+$/, '')}/oauth.v2.access`,
    })
  })
})
