import { rfc7009Preset } from '@revokit/rfc7009'

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

/**
 * Revokes Google OAuth tokens. One form POST of either token kills the whole grant (access and
 * refresh), so the engine sends one request per account: the refresh token when held, else the
 * access token. Google's endpoint is RFC 7009-shaped with declared quirks: it takes no client
 * identification at all, documents only the `token` parameter, and answers an invalid token with
 * 400 `invalid_token` rather than RFC 7009's 200.
 *
 * - 200 → revoked (with the other subject, by cascade)
 * - 400 `invalid_token` → already revoked (expired, or the user revoked access)
 * - other 400 → failed, not retryable
 * - 408, 429, 500, 502, 503, 504 → failed, retryable, with `Retry-After` as `retryAfterMs`
 *
 * Options: `{ toolkit?, revocationEndpoint? }`; `google.definition` is its adapter definition.
 *
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 * @example
 * ```ts
 * createEngine({ store, adapters: [google(), google({ toolkit: 'gmail' })] })
 * ```
 */
export const google = rfc7009Preset({
  name: GOOGLE_PROVIDER,
  title: 'Google',
  revocationEndpoint: GOOGLE_REVOCATION_ENDPOINT,
  authMethod: 'anonymous',
  // Doc: revoking an access token revokes its refresh token too; revoking a refresh token
  // revokes the grant, and with it every access token.
  cascades: { refresh_token: ['access_token'], access_token: ['refresh_token'] },
  alreadyRevokedErrors: ['invalid_token'],
  tokenTypeHint: 'omit',
  docsUrl: GOOGLE_DOCS_URL,
})

/** Options of {@link google}, validated when the adapter is created. */
export const googleOptionsSchema = google.schema

/** Options of {@link google}: `{ toolkit?, revocationEndpoint? }`. */
export type GoogleOptions = NonNullable<Parameters<typeof google>[0]>
