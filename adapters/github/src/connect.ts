import type { OAuthConnector, TokenAnswer, TokenGrant } from '@revokit/core'

/**
 * The web root of github.com, where users authorize apps (`/login/oauth/authorize`) and codes
 * become tokens (`/login/oauth/access_token`). GitHub Enterprise Server: `https://HOST`.
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#web-application-flow
 */
export const GITHUB_WEB_URL = 'https://github.com'

/** Where GitHub documents the web application flow; named in errors. */
export const GITHUB_CONNECT_DOCS_URL =
  'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps'

/**
 * The errors GitHub's token endpoint answers with HTTP 200, and whether each means the grant (or
 * the code) can never work again. `bad_refresh_token` is GitHub's `invalid_grant` for a refresh.
 * @see https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 */
export const GITHUB_TOKEN_ERRORS: Readonly<Record<string, { readonly dead: boolean }>> = {
  bad_verification_code: { dead: true },
  bad_refresh_token: { dead: true },
  incorrect_client_credentials: { dead: false },
  redirect_uri_mismatch: { dead: false },
  unverified_user_email: { dead: false },
}

/**
 * The web root for an API root: `https://api.github.com` → `https://github.com`, GHES
 * `https://HOST/api/v3` → `https://HOST`, GHE.com `https://api.SUB.ghe.com` → `https://SUB.ghe.com`;
 * anything else (a proxy, a test server) keeps its origin.
 * @see https://docs.github.com/en/enterprise-server/rest
 */
export function webUrlFor(apiUrl: string): string {
  const url = new URL(apiUrl)
  const path = url.pathname.replace(/\/+$/, '')
  if (path.endsWith('/api/v3')) return `${url.origin}${path.slice(0, -'/api/v3'.length)}`
  if (path === '' && url.hostname.startsWith('api.')) return `${url.protocol}//${url.host.slice(4)}`
  return url.origin
}

/** What {@link githubConnector} is built from. */
export interface GitHubConnectSettings {
  readonly clientId: string
  readonly clientSecret: string
  readonly webUrl: string
  readonly scopes: readonly string[]
  readonly clock: () => number
}

/**
 * The connect side of the GitHub adapter: the web application flow for OAuth Apps and GitHub
 * Apps. GitHub's deviations from RFC 6749, handled here: the token endpoint answers JSON only
 * with `Accept: application/json`, and answers its errors with HTTP 200 and an `error` field;
 * GitHub App user tokens that expire come with `refresh_token_expires_in`, stored as an absolute
 * `refresh_token_expires_at`. The client authenticates with `client_id` and `client_secret` in the
 * form, as the docs give them; PKCE S256 is sent. Scopes are space-separated (GitHub Apps ignore
 * them: their tokens carry the app's permissions).
 *
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#web-application-flow
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 * @see https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication
 */
export function githubConnector(settings: GitHubConnectSettings): OAuthConnector {
  const { clientSecret, webUrl, clock } = settings
  const endpoints = {
    authorizationEndpoint: `${webUrl}/login/oauth/authorize`,
    tokenEndpoint: `${webUrl}/login/oauth/access_token`,
  }
  return {
    endpoints: () => endpoints,
    clientId: settings.clientId,
    clientAuth: 'client_secret_post',
    clientSecret: () => clientSecret,
    scopes: settings.scopes,
    tokenHeaders: { accept: 'application/json' },
    async parseTokenResponse(response, { grant, standard }) {
      const body = response.status === 200 ? response.json() : undefined
      if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
        return errorIn200(body as { error: string; error_description?: unknown }, grant)
      }
      const answer = await standard()
      if (answer.type !== 'tokens') return answer
      const { refresh_token_expires_in: lifetime, ...tokens } = answer.tokens
      const seconds = Number(lifetime)
      if (lifetime === undefined || !Number.isFinite(seconds)) return answer
      return {
        type: 'tokens',
        tokens: { ...tokens, refresh_token_expires_at: new Date(clock() + seconds * 1000).toISOString() },
      }
    },
  }
}

function errorIn200(body: { error: string; error_description?: unknown }, grant: TokenGrant): TokenAnswer {
  // A code that failed is spent either way; for a refresh only a bad refresh token kills the grant.
  const known = GITHUB_TOKEN_ERRORS[body.error]
  const error = /^[a-z0-9_]{1,64}$/.test(body.error) ? body.error : 'unknown_error'
  return {
    type: 'error',
    error,
    ...(typeof body.error_description === 'string' ? { description: body.error_description } : {}),
    dead: grant === 'authorization_code' ? true : (known?.dead ?? false),
    retryable: false,
    status: 200,
  }
}
