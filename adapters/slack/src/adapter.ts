import {
  alreadyRevoked,
  checkEndpoint,
  failed,
  failedFromResponse,
  parseAdapterOptions,
  type RevocationAdapter,
  revoked,
  toolkitSlugSchema,
} from '@revokit/core'
import * as z from 'zod'

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
export const slackOptionsSchema = z.strictObject({
  /** The toolkit slug to serve. @default 'slack' */
  toolkit: toolkitSlugSchema({ examples: 'slack' }).optional(),
  /** The Web API root, for GovSlack (and tests). @default 'https://slack.com/api' */
  baseUrl: baseUrl.optional(),
})

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
 * @see https://docs.slack.dev/reference/methods/auth.revoke
 * @see https://api.slack.com/docs/rate-limits
 */
export function slack(options: SlackOptions = {}): RevocationAdapter {
  const parsed = parseAdapterOptions(slackOptionsSchema, options, {
    adapter: 'slack',
    usage: 'slack({ toolkit?, baseUrl? }) with an https:// Web API root such as https://slack.com/api',
  })
  const toolkit = parsed.toolkit ?? SLACK_PROVIDER
  const root = (parsed.baseUrl ?? SLACK_API_URL).replace(/\/+$/, '')
  const endpoint = `${root}/auth.revoke`

  return {
    toolkit,
    supportsAccess: true,
    supportsRefresh: false,
    docsUrl: SLACK_DOCS_URL,

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
