import {
  alreadyRevoked,
  checkEndpoint,
  createRedactor,
  failed,
  failedFromResponse,
  type HttpResponse,
  parseAdapterOptions,
  type RevocationAdapter,
  revoked,
  toolkitSlugSchema,
} from '@revokit/core'
import * as z from 'zod'
import { githubConnector, webUrlFor } from './connect'

/** The toolkit slug this adapter serves unless told otherwise. */
export const GITHUB_PROVIDER = 'github'

/**
 * The REST API root on github.com. GitHub Enterprise Server: `https://HOST/api/v3`.
 * @see https://docs.github.com/en/enterprise-server/rest
 */
export const GITHUB_API_URL = 'https://api.github.com'

/**
 * The REST API version every request pins.
 * @see https://docs.github.com/en/rest/about-the-rest-api/api-versions
 */
export const GITHUB_API_VERSION = '2022-11-28'

/** Where GitHub documents the two endpoints; named in suggested fixes. */
export const GITHUB_DOCS_URL = 'https://docs.github.com/en/rest/apps/oauth-applications'

/**
 * GitHub's rate-limit guidance for a secondary limit without `retry-after` or
 * `x-ratelimit-reset`: "wait for at least one minute before retrying".
 * @see https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
 */
export const GITHUB_SECONDARY_RATE_LIMIT_WAIT_MS = 60_000

const baseUrl = z.string().superRefine(checkEndpoint('baseUrl'))

/** Options of {@link github}, validated when the adapter is created. */
export const githubOptionsSchema = z.strictObject({
  /** The toolkit slug to serve. @default 'github' */
  toolkit: toolkitSlugSchema({ examples: 'github' }).optional(),
  /** The OAuth App's or GitHub App's client ID (the Basic auth user, and part of the URL). */
  clientId: z
    .string({ error: 'is required: the client ID of your OAuth App or GitHub App' })
    .min(1, 'must not be empty')
    .max(256, 'is too long for a client ID'),
  /** The app's client secret (the Basic auth password). Kept in a closure, never on the adapter. */
  clientSecret: z
    .string({ error: 'is required: the client secret of your OAuth App or GitHub App' })
    .min(1, 'must not be empty'),
  /** REST API root. GitHub Enterprise Server: `https://HOST/api/v3`. @default 'https://api.github.com' */
  baseUrl: baseUrl.optional(),
  /**
   * `token` deletes only the token given (DELETE …/token). `grant` deletes the user's whole
   * authorization of the app, every token included (DELETE …/grant). @default 'token'
   */
  mode: z.enum(['token', 'grant'], { error: "must be 'token' or 'grant'" }).optional(),
  /**
   * Scopes the connect flow asks an OAuth App for when `initiate` names none, e.g. `['repo',
   * 'read:user']` (GitHub Apps ignore scopes: their tokens carry the app's permissions).
   */
  scopes: z
    .array(z.string().min(1, 'must not hold an empty scope'), { error: 'must be an array of scope strings' })
    .optional(),
  /**
   * Web root for the connect flow (`/login/oauth/authorize`, `/login/oauth/access_token`).
   * @default derived from baseUrl: https://github.com, or https://HOST for GHES's https://HOST/api/v3
   */
  webUrl: z.string().superRefine(checkEndpoint('webUrl')).optional(),
  /** Time source for `refresh_token_expires_at`. @default Date.now */
  clock: z
    .custom<() => number>((v) => typeof v === 'function', 'must be a function returning epoch ms')
    .optional(),
})

/** Options of {@link github}. */
export type GitHubOptions = z.input<typeof githubOptionsSchema>

/**
 * GitHub's `message` field, for reasons: whole, because it is cut (if at all) only after the
 * engine has redacted it, so no cut can split a token out of the redactor's sight.
 */
function githubMessage(res: HttpResponse): string | undefined {
  const body = res.json()
  if (!body || typeof body !== 'object') return undefined
  const { message } = body as Record<string, unknown>
  return typeof message === 'string' ? message : undefined
}

/**
 * How long GitHub asks us to wait on a rate-limited answer: `retry-after` seconds, else until
 * `x-ratelimit-reset` when `x-ratelimit-remaining` is 0, else undefined (not rate limited).
 * @see https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
 */
function rateLimitWait(res: HttpResponse, now: number): number | undefined {
  if (res.retryAfterMs !== undefined) return res.retryAfterMs
  const remaining = res.headers['x-ratelimit-remaining']
  const reset = Number(res.headers['x-ratelimit-reset'])
  if (remaining?.trim() === '0' && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now)
  return undefined
}

/**
 * Revokes GitHub user tokens of an OAuth App or a GitHub App, authenticating as the app (HTTP
 * Basic with its client ID and secret).
 *
 * - mode `token` (default): `DELETE {baseUrl}/applications/{clientId}/token` deletes this
 *   access token only.
 * - mode `grant`: `DELETE {baseUrl}/applications/{clientId}/grant` deletes the user's
 *   authorization of the app and every token it holds, refresh tokens included: reported as a
 *   cascade.
 *
 * GitHub has no endpoint that takes a refresh token (`ghr_`), so refresh tokens are never
 * dispatched (`supportsRefresh: false`).
 *
 * - 204 → revoked; 404 (GitHub's JSON) → already revoked; 422 → failed
 * - 403/429 with `retry-after`, or `x-ratelimit-remaining: 0` + `x-ratelimit-reset` → retryable
 * - 401/403 otherwise → failed, with a fix naming the client credentials
 * - 408, 500, 502, 503, 504 → retryable (core's `isRetryableStatus`); anything else → failed
 *
 * Connect: the adapter also declares `connect`, GitHub's web application flow for OAuth Apps
 * and GitHub Apps (see `githubConnector`): `{webUrl}/login/oauth/authorize` with PKCE, the code
 * and refresh grants at `{webUrl}/login/oauth/access_token` with `Accept: application/json`,
 * errors answered with HTTP 200 read as errors (`bad_verification_code`, `bad_refresh_token` dead),
 * and `refresh_token_expires_in` stored as `refresh_token_expires_at`. `webUrl` follows `baseUrl`
 * (GHES: `https://HOST/api/v3` → `https://HOST`); `scopes` are asked for when `initiate` names none.
 *
 * @see https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-token
 * @see https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-authorization
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#web-application-flow
 */
export function github(options: GitHubOptions): RevocationAdapter {
  const parsed = parseAdapterOptions(githubOptionsSchema, options, {
    adapter: 'github',
    usage:
      "github({ clientId, clientSecret, baseUrl?, mode?: 'token' | 'grant', toolkit?, scopes?, webUrl? }) with your app's credentials",
  })
  const { toolkit = GITHUB_PROVIDER, clientId, mode = 'token' } = parsed
  const root = (parsed.baseUrl ?? GITHUB_API_URL).replace(/\/+$/, '')
  const endpoint = `${root}/applications/${encodeURIComponent(clientId)}/${mode}`
  const clientSecret = parsed.clientSecret
  const basicCredential = Buffer.from(`${clientId}:${clientSecret}`).toString('base64')
  const authorization = `Basic ${basicCredential}`
  // Every form the secret travels in: raw, URL- and form-encoded (createRedactor adds those) and
  // the revoke's Basic credential.
  const hideSecret = createRedactor([clientSecret, basicCredential])
  const connect = githubConnector({
    clientId,
    clientSecret,
    webUrl: (parsed.webUrl ?? webUrlFor(root)).replace(/\/+$/, ''),
    scopes: parsed.scopes ?? [],
    clock: parsed.clock ?? Date.now,
  })
  const credentialsFix = `Check clientId and clientSecret: GitHub authenticates ${mode === 'grant' ? 'DELETE …/grant' : 'DELETE …/token'} with the app's client ID and client secret (HTTP Basic), and they must belong to the app that issued the token.`

  return {
    toolkit,
    supportsAccess: true,
    supportsRefresh: false,
    ...(mode === 'grant' ? { cascades: { access_token: ['refresh_token'] } } : {}),
    docsUrl: GITHUB_DOCS_URL,
    connect,

    /** Hides the client secret in any text; the engine applies it to this adapter's outcomes and logs. */
    redact(text) {
      return hideSecret(text)
    },

    async revoke(request, { http, redact }) {
      const res = await http.request(endpoint, {
        method: 'DELETE',
        headers: {
          accept: 'application/vnd.github+json',
          'x-github-api-version': GITHUB_API_VERSION,
          'content-type': 'application/json',
          authorization,
        },
        body: JSON.stringify({ access_token: request.token }),
      })
      if (res.status >= 200 && res.status < 300) return revoked()

      const message = githubMessage(res)
      const said = message ? `: ${redact(message)}` : ''
      if (res.status === 404) {
        // GitHub's API answers unknown tokens with a JSON 404. A 404 without it is not the API
        // speaking (a wrong baseUrl, a proxy), and must not scrub a token that may be live.
        if (message !== undefined)
          return alreadyRevoked(`GitHub answered 404${said}: the token is not active`)
        return failed({
          retryable: false,
          status: 404,
          reason: 'GitHub answered 404 without an API error body',
          suggestedFix: `Check baseUrl (${root}): github.com is https://api.github.com, GitHub Enterprise Server is https://HOST/api/v3.`,
        })
      }
      // GitHub's rate-limit rules: a 403 or 429 with retry-after or an exhausted x-ratelimit
      // window, or a 403 whose message says "rate limit" (secondary limits), is "not now".
      const wait = res.status === 403 || res.status === 429 ? rateLimitWait(res, Date.now()) : undefined
      const secondary = message !== undefined && /rate limit/i.test(message)
      if (res.status === 429 || wait !== undefined || (res.status === 403 && secondary)) {
        return failedFromResponse(res, {
          provider: 'GitHub',
          retryable: true,
          reason: `GitHub rate limited the request (HTTP ${res.status})${said}`,
          retryAfterMs: wait ?? GITHUB_SECONDARY_RATE_LIMIT_WAIT_MS,
          retryFix: 'Retry after the wait GitHub asked for; spread bulk revokes out over time.',
        })
      }
      if (res.status === 401 || res.status === 403) {
        return failed({
          retryable: false,
          status: res.status,
          reason: `GitHub refused the app's credentials (HTTP ${res.status})${said}`,
          suggestedFix: credentialsFix,
        })
      }
      return failedFromResponse(res, {
        provider: 'GitHub',
        detail: said,
        retryFix: 'GitHub is unavailable; retry later.',
        suggestedFix:
          res.status === 422
            ? 'GitHub rejected the request as invalid ("Validation failed, or the endpoint has been spammed"); check that the token belongs to this app, and slow down bulk revokes.'
            : `See ${GITHUB_DOCS_URL}`,
      })
    },
  } satisfies RevocationAdapter
}
