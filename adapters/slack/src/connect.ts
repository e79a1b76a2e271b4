import type { OAuthConnector, TokenAnswer, TokenGrant, TokenSet } from '@revokit/core'

/** Where Slack documents the OAuth v2 install flow; named in errors. */
export const SLACK_CONNECT_DOCS_URL = 'https://docs.slack.dev/authentication/installing-with-oauth'

/** Where Slack documents the token method and its errors. */
export const SLACK_OAUTH_ACCESS_DOCS_URL = 'https://docs.slack.dev/reference/methods/oauth.v2.access'

/**
 * `ok: false` errors of `oauth.v2.access` that mean a refresh token can never work again: it is
 * invalid (used, expired, revoked), or the installation it belonged to is gone.
 * @see https://docs.slack.dev/reference/methods/oauth.v2.access
 */
export const SLACK_DEAD_REFRESH_ERRORS: ReadonlySet<string> = new Set([
  'invalid_refresh_token',
  'invalid_grant',
  'token_revoked',
  'token_expired',
])

/** What {@link slackConnector} is built from. */
export interface SlackConnectSettings {
  readonly clientId: string
  readonly clientSecret: string
  /** The Web API root, e.g. `https://slack.com/api`. */
  readonly apiUrl: string
  /** Bot scopes (`scope`). */
  readonly scopes: readonly string[]
  /** User scopes (`user_scope`). */
  readonly userScopes: readonly string[]
  readonly clock: () => number
}

/** The web root for an API root: `https://slack.com/api` → `https://slack.com` (GovSlack alike). */
export function slackWebUrl(apiUrl: string): string {
  return apiUrl.replace(/\/+$/, '').replace(/\/api$/, '')
}

type Body = Record<string, unknown>
const isObject = (value: unknown): value is Body =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * The connect side of the Slack adapter: Slack's OAuth v2 install flow. Slack's deviations from
 * RFC 6749, handled here: `oauth.v2.access` answers HTTP 200 with `ok: false` for its errors
 * (`invalid_code`, `invalid_refresh_token`, `ratelimited`…); bot scopes go in `scope` and user
 * scopes in `user_scope`, comma-separated; `token_type` is `bot` or `user`, not `Bearer`; the bot
 * token is at the top level and the user token nested under `authed_user`.
 *
 * Which token the account holds: the bot token when Slack issued one (any bot scope), with the
 * user token kept under `authed_user` as Slack gave it (its `expires_in` made an absolute
 * `expires_at`); with user scopes only, the user token becomes the account's `access_token` (and
 * its `refresh_token`), and `authed_user` keeps the user's id and scope. The engine refreshes and
 * revokes the account's `access_token`; a user token nested beside a bot token is handed to the
 * caller but neither refreshed nor revoked by revokit. With token rotation on, access tokens
 * expire after 12 hours and each refresh answers a new refresh token.
 *
 * The client authenticates with HTTP Basic, as Slack asks ("avoid sending client_id and
 * client_secret as parameters"); PKCE S256 is sent (`oauth.v2.access` takes `code_verifier`).
 *
 * @see https://docs.slack.dev/authentication/installing-with-oauth
 * @see https://docs.slack.dev/reference/methods/oauth.v2.access
 * @see https://docs.slack.dev/authentication/using-token-rotation
 */
export function slackConnector(settings: SlackConnectSettings): OAuthConnector {
  const { clientSecret, clock } = settings
  const endpoints = {
    authorizationEndpoint: `${slackWebUrl(settings.apiUrl)}/oauth/v2/authorize`,
    tokenEndpoint: `${settings.apiUrl.replace(/\/+$/, '')}/oauth.v2.access`,
  }
  const expiresAt = (seconds: unknown) =>
    typeof seconds === 'number' && Number.isFinite(seconds)
      ? new Date(clock() + seconds * 1000).toISOString()
      : undefined

  function tokensOf(body: Body): TokenAnswer {
    const { ok: _ok, warning: _warning, response_metadata: _meta, authed_user: user, ...rest } = body
    if (typeof rest.access_token === 'string' && rest.access_token.length > 0) {
      if (!isObject(user)) return { type: 'tokens', tokens: rest as unknown as TokenSet }
      const { expires_in: userExpiresIn, ...nested } = user
      const at = expiresAt(userExpiresIn)
      return {
        type: 'tokens',
        tokens: {
          ...rest,
          authed_user: { ...nested, ...(at ? { expires_at: at } : {}) },
        } as unknown as TokenSet,
      }
    }
    // User scopes only: the user token is the account's.
    if (isObject(user) && typeof user.access_token === 'string' && user.access_token.length > 0) {
      const { access_token, refresh_token, expires_in, token_type, scope, ...identity } = user
      return {
        type: 'tokens',
        tokens: {
          ...rest,
          access_token,
          token_type: typeof token_type === 'string' ? token_type : 'user',
          ...(typeof scope === 'string' ? { scope } : {}),
          ...(typeof refresh_token === 'string' ? { refresh_token } : {}),
          ...(typeof expires_in === 'number' ? { expires_in } : {}),
          authed_user: { ...identity, ...(typeof scope === 'string' ? { scope } : {}) },
        } as unknown as TokenSet,
      }
    }
    return {
      type: 'error',
      error: 'invalid_response',
      description:
        'Slack answered ok without an access token, neither a bot token nor authed_user.access_token',
    }
  }

  function errorOf(body: Body, grant: TokenGrant): TokenAnswer {
    const error =
      typeof body.error === 'string' && /^[a-z0-9_]{1,64}$/.test(body.error) ? body.error : 'unknown_error'
    if (error === 'ratelimited') return { type: 'error', error, dead: false, retryable: true, status: 200 }
    return {
      type: 'error',
      error,
      dead: grant === 'authorization_code' || SLACK_DEAD_REFRESH_ERRORS.has(error),
      retryable: false,
      status: 200,
    }
  }

  return {
    endpoints: () => endpoints,
    clientId: settings.clientId,
    clientAuth: 'client_secret_basic',
    clientSecret: () => clientSecret,
    scopes: settings.scopes,
    scopeSeparator: ',',
    ...(settings.userScopes.length > 0
      ? { authorizationParams: { user_scope: settings.userScopes.join(',') } }
      : {}),
    async parseTokenResponse(response, { grant, standard }) {
      // 429 and 5xx are not the Web API answering: the standard reading gives status and Retry-After.
      if (response.status !== 200) return standard()
      const body = response.json()
      if (!isObject(body) || typeof body.ok !== 'boolean') {
        return {
          type: 'error',
          error: 'invalid_response',
          description: 'Slack answered HTTP 200 without a Web API body',
        }
      }
      return body.ok ? tokensOf(body) : errorOf(body, grant)
    },
  }
}
