import {
  alreadyRevoked,
  checkEndpoint,
  createRedactor,
  failed,
  failedFromResponse,
  parseAdapterOptions,
  type RevocationAdapter,
  revoked,
  toolkitSlugSchema,
} from '@revokit/core'
import * as z from 'zod'
import { slackConnector } from './connect'

/** The toolkit slug this adapter serves unless told otherwise. */
export const SLACK_PROVIDER = 'slack'

/**
 * The Web API root. GovSlack workspaces live on their own domain; pass its API root as `baseUrl`.
 * @see https://docs.slack.dev/reference/methods/auth.revoke
 */
export const SLACK_API_URL = 'https://slack.com/api'

/** Where Slack documents the method; named in suggested fixes. */
export const SLACK_DOCS_URL = 'https://docs.slack.dev/reference/methods/auth.revoke'

/**
 * `ok: false` errors that mean the token is already dead: Slack calls it invalid, revoked, or
 * belonging to a deleted user or workspace.
 * @see https://api.slack.com/methods/auth.revoke
 */
export const SLACK_DEAD_TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'token_revoked',
  'invalid_auth',
  'account_inactive',
])

const baseUrl = z.string().superRefine(checkEndpoint('baseUrl'))

const RATE_LIMIT_FIX =
  'Retry after the wait Slack asked for (auth.revoke is Tier 3: about 50 calls a minute).'

/** Options of {@link slack}, validated when the adapter is created. */
export const slackOptionsSchema = z
  .strictObject({
    /** The toolkit slug to serve. @default 'slack' */
    toolkit: toolkitSlugSchema({ examples: 'slack' }).optional(),
    /** The Web API root, for GovSlack (and tests). @default 'https://slack.com/api' */
    baseUrl: baseUrl.optional(),
    /** The app's client ID, to connect (the OAuth v2 install flow). Without it the adapter only revokes. */
    clientId: z
      .string({ error: 'must be a string, the Slack app client ID' })
      .min(1, 'must not be empty')
      .optional(),
    /** The app's client secret, required with `clientId`. Kept in a closure, never on the adapter. */
    clientSecret: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
    /** Bot scopes asked for when `initiate` names none (`scope`), e.g. `['chat:write']`. */
    scopes: z
      .array(z.string().regex(/^[a-z0-9:._-]+$/, 'must be a Slack scope such as chat:write'), {
        error: 'must be an array of scope strings',
      })
      .optional(),
    /** User scopes (`user_scope`), e.g. `['search:read']`. With user scopes only, the account holds the user token. */
    userScopes: z
      .array(z.string().regex(/^[a-z0-9:._-]+$/, 'must be a Slack scope such as search:read'), {
        error: 'must be an array of scope strings',
      })
      .optional(),
    /** Time source for `authed_user.expires_at`. @default Date.now */
    clock: z
      .custom<() => number>((v) => typeof v === 'function', 'must be a function returning epoch ms')
      .optional(),
  })
  .superRefine((o, ctx) => {
    if (o.clientId !== undefined && o.clientSecret === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message:
          'is required with clientId: Slack authenticates the app at oauth.v2.access with its client ID and secret',
      })
    if (o.clientId === undefined && o.clientSecret !== undefined)
      ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'is required with clientSecret' })
  })

const whatwgForm = (value: string) => new URLSearchParams([['v', value]]).toString().slice(2)
/** RFC 6749 Appendix B (HTML 4.01): every non-alphanumeric character escaped, as oauth4webapi encodes. */
const strictForm = (value: string) =>
  encodeURIComponent(value)
    .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
/** The RFC 6749 §2.3.1 Basic credential: form-encoded id and secret, base64. */
const basicCredential = (id: string, secret: string, encode: (value: string) => string) =>
  Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')

/** Options of {@link slack}. */
export type SlackOptions = z.input<typeof slackOptionsSchema>

/**
 * Revokes a Slack token with `auth.revoke`. The token authenticates itself: it is sent as
 * `Authorization: Bearer`, never in the URL or the body, and no app credentials are needed.
 * Slack reports errors as HTTP 200 with `ok: false`, so the body decides:
 *
 * - `{ ok: true, revoked: true }` → revoked
 * - `token_revoked`, `invalid_auth`, `account_inactive` → already revoked
 * - `ratelimited`, or HTTP 429 with `Retry-After` → retryable; so are 408, 500, 502, 503, 504
 * - any other error → failed, not retryable
 *
 * Slack has no way to revoke a refresh token (token rotation), so only access tokens are
 * dispatched. Revoking a bot token deactivates the bot but does not uninstall the app.
 *
 * Connect: with `clientId` and `clientSecret` the adapter also declares `connect`, Slack's OAuth
 * v2 install flow (see `slackConnector`): `{web}/oauth/v2/authorize` with bot `scopes` and
 * `userScopes` (comma-separated, `scope` and `user_scope`), the code exchanged at
 * `{baseUrl}/oauth.v2.access` with HTTP Basic, `ok: false` errors read as errors, and the bot
 * token (or, with user scopes only, the user token) as the account's `access_token`.
 *
 * @see https://docs.slack.dev/reference/methods/auth.revoke
 * @see https://api.slack.com/docs/rate-limits
 * @see https://docs.slack.dev/authentication/installing-with-oauth
 */
export function slack(options: SlackOptions = {}): RevocationAdapter {
  const parsed = parseAdapterOptions(slackOptionsSchema, options, {
    adapter: 'slack',
    usage:
      'slack({ toolkit?, baseUrl?, clientId?, clientSecret?, scopes?, userScopes? }) with an https:// Web API root such as https://slack.com/api',
  })
  const toolkit = parsed.toolkit ?? SLACK_PROVIDER
  const root = (parsed.baseUrl ?? SLACK_API_URL).replace(/\/+$/, '')
  const endpoint = `${root}/auth.revoke`
  const { clientId, clientSecret } = parsed
  const connect =
    clientId !== undefined && clientSecret !== undefined
      ? slackConnector({
          clientId,
          clientSecret,
          apiUrl: root,
          scopes: parsed.scopes ?? [],
          userScopes: parsed.userScopes ?? [],
          clock: parsed.clock ?? Date.now,
        })
      : undefined
  // Every form the secret travels in: raw, URL- and form-encoded (createRedactor adds those), and
  // the Basic credential of the token requests in both form encodings (WHATWG's, and the HTML
  // 4.01 one oauth4webapi sends).
  const hideSecret = createRedactor(
    clientId !== undefined && clientSecret !== undefined
      ? [
          clientSecret,
          basicCredential(clientId, clientSecret, whatwgForm),
          basicCredential(clientId, clientSecret, strictForm),
        ]
      : [],
  )

  return {
    toolkit,
    supportsAccess: true,
    supportsRefresh: false,
    docsUrl: SLACK_DOCS_URL,
    ...(connect ? { connect } : {}),

    /** Hides the app's client secret in any text; the engine applies it to this adapter's outcomes and logs. */
    redact(text) {
      return hideSecret(text)
    },

    async revoke(request, { http }) {
      const res = await http.request(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${request.token}` },
      })
      if (res.status !== 200) {
        // 429 and the transient 5xx are "not now"; any other status is not the Web API answering
        // (it answers even its errors with 200).
        return failedFromResponse(res, {
          provider: 'Slack',
          detail: res.status === 429 ? ' (rate limited)' : '',
          retryFix: RATE_LIMIT_FIX,
          suggestedFix: `Check baseUrl (${root}): it must be the Web API root, such as ${SLACK_API_URL}.`,
        })
      }

      const body = res.json() as { ok?: unknown; revoked?: unknown; error?: unknown } | undefined
      if (!body || typeof body !== 'object' || typeof body.ok !== 'boolean') {
        // Cannot tell whether the token died. auth.revoke is safe to repeat: a token that did die
        // answers token_revoked or invalid_auth next time.
        return failed({
          retryable: true,
          status: 200,
          reason: 'Slack answered HTTP 200 without a Web API body',
          suggestedFix: 'Retry later; if it persists, check baseUrl and any proxy in between.',
        })
      }
      if (body.ok) {
        if (body.revoked === true) return revoked([])
        return failed({
          retryable: false,
          status: 200,
          reason: 'Slack answered ok but did not revoke the token',
          suggestedFix:
            'auth.revoke only checks the token when called with test=1; make sure nothing adds it.',
        })
      }
      const error =
        typeof body.error === 'string' && /^[a-z0-9_]{1,64}$/.test(body.error) ? body.error : 'unknown_error'
      if (SLACK_DEAD_TOKEN_ERRORS.has(error)) return alreadyRevoked(`Slack answered ${error}`)
      if (error === 'ratelimited') {
        return failed({
          retryable: true,
          status: 200,
          reason: 'Slack answered ratelimited',
          ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
          suggestedFix: RATE_LIMIT_FIX,
        })
      }
      return failed({
        retryable: false,
        status: 200,
        reason: `Slack refused the revocation: ${error}`,
        suggestedFix: `See the errors of auth.revoke at ${SLACK_DOCS_URL}.`,
      })
    },
  } satisfies RevocationAdapter
}
