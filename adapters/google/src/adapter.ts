import {
  alreadyRevoked,
  checkEndpoint,
  failed,
  type HttpResponse,
  parseAdapterOptions,
  type RevocationAdapter,
  revoked,
  TOOLKIT_SLUG,
} from '@revokit/core'
import * as z from 'zod'

/** The toolkit slug this adapter serves unless told otherwise. */
export const GOOGLE_PROVIDER = 'google'

/**
 * Google's token revocation endpoint.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 */
export const GOOGLE_REVOCATION_ENDPOINT = 'https://oauth2.googleapis.com/revoke'

/** Where Google documents revocation; named in suggested fixes. */
export const GOOGLE_DOCS_URL =
  'https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke'

const slug = z.string().regex(TOOLKIT_SLUG, 'must be a lowercase slug such as "google" or "gmail"')

const endpoint = z.string().superRefine(checkEndpoint('revocationEndpoint'))

/** Options of {@link google}, validated when the adapter is created. */
export const googleOptionsSchema = z.strictObject({
  /** The toolkit slug to serve, so Gmail, Calendar and Drive toolkits can each revoke at Google. @default 'google' */
  toolkit: slug.optional(),
  /** The revocation endpoint; override for tests. @default 'https://oauth2.googleapis.com/revoke' */
  revocationEndpoint: endpoint.optional(),
})

/** Options of {@link google}. */
export type GoogleOptions = z.input<typeof googleOptionsSchema>

/** The OAuth error code of a JSON error body, if it has a plausible one. */
function oauthError(res: HttpResponse): { code?: string; description?: string } {
  const body = res.json()
  if (!body || typeof body !== 'object') return {}
  const { error, error_description: description } = body as Record<string, unknown>
  return {
    ...(typeof error === 'string' && /^[\w.-]{1,64}$/.test(error) ? { code: error } : {}),
    ...(typeof description === 'string' ? { description: description.slice(0, 200) } : {}),
  }
}

/**
 * Revokes Google OAuth tokens. One form POST of either token kills the whole grant (access and
 * refresh), so the engine sends one request per account: the refresh token when held, else the
 * access token. Google takes no client authentication here.
 *
 * - 200 → revoked (with the other subject, by cascade)
 * - 400 `invalid_token` → already revoked (expired, or the user revoked access)
 * - other 400 → failed, not retryable
 * - 429 and 5xx → failed, retryable, with `Retry-After` as `retryAfterMs`
 *
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 * @example
 * ```ts
 * createEngine({ store, adapters: [google(), google({ toolkit: 'gmail' })] })
 * ```
 */
export function google(options: GoogleOptions = {}): RevocationAdapter {
  const { toolkit = GOOGLE_PROVIDER, revocationEndpoint = GOOGLE_REVOCATION_ENDPOINT } = parseAdapterOptions(
    googleOptionsSchema,
    options,
    {
      adapter: 'google',
      usage: 'google({ toolkit?, revocationEndpoint? }) with an https:// revocationEndpoint',
    },
  )

  return {
    toolkit,
    supportsAccess: true,
    supportsRefresh: true,
    // Doc: revoking an access token revokes its refresh token too; revoking a refresh token
    // revokes the grant, and with it every access token.
    cascades: { refresh_token: ['access_token'], access_token: ['refresh_token'] },
    docsUrl: GOOGLE_DOCS_URL,

    async revoke(request, { http, redact }) {
      const res = await http.request(revocationEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: request.token }).toString(),
      })
      // Google documents only 200 and 400; the body of a 200 is empty or `{}` and says nothing more.
      if (res.status === 200) return revoked()
      const { code, description } = oauthError(res)
      const said = code ? ` ${code}${description ? ` (${redact(description)})` : ''}` : ''
      if (res.status === 400 && code === 'invalid_token') {
        return alreadyRevoked(
          `Google answered invalid_token${description ? ` (${redact(description)})` : ''}`,
        )
      }
      if (res.status === 429 || res.status >= 500) {
        return failed({
          retryable: true,
          status: res.status,
          reason: `Google answered HTTP ${res.status}${said}`,
          ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
          suggestedFix: 'Google is unavailable or rate limiting; retry later.',
        })
      }
      return failed({
        retryable: false,
        status: res.status,
        reason: `Google refused the revocation: HTTP ${res.status}${said}`,
        suggestedFix:
          res.status === 400
            ? 'Check that the token was issued by Google; it cannot be revoked as sent.'
            : `Check revocationEndpoint (${revocationEndpoint}); Google answers POST ${GOOGLE_REVOCATION_ENDPOINT}.`,
      })
    },
  } satisfies RevocationAdapter
}
