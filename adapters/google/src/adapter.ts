import { rfc7009Preset } from '@revokit/rfc7009'

/** The toolkit slug this adapter serves unless told otherwise. */
export const GOOGLE_PROVIDER = 'google'

/**
 * Google's token revocation endpoint.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 */
export const GOOGLE_REVOCATION_ENDPOINT = 'https://oauth2.googleapis.com/revoke'

/**
 * Google's authorization endpoint, where the user consents.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient
 */
export const GOOGLE_AUTHORIZATION_ENDPOINT = 'https://accounts.google.com/o/oauth2/v2/auth'

/**
 * Google's token endpoint: code exchange and refresh.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
 */
export const GOOGLE_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token'

/**
 * The issuer of Google's ID tokens (the `iss` an `openid` exchange's `id_token` must carry).
 * @see https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken
 */
export const GOOGLE_ISSUER = 'https://accounts.google.com'

/** Where Google documents the web-server code flow; named in errors. */
export const GOOGLE_CONNECT_DOCS_URL = 'https://developers.google.com/identity/protocols/oauth2/web-server'

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
 * Connect: with a `clientId` (and its `clientSecret`) the adapter also declares `connect`, the
 * web-server code flow: `accounts.google.com/o/oauth2/v2/auth` with a PKCE S256 challenge and
 * `access_type=offline` plus `prompt=consent` (Google issues a refresh token only with offline
 * access, and again on a later consent only when asked for it), the code exchanged at
 * `oauth2.googleapis.com/token` with the secret in the form (`client_secret_post`, as Google's
 * examples send it), ID tokens checked against issuer `https://accounts.google.com`. A refresh
 * answers a new access token and no refresh token: the account keeps its own. A dead refresh
 * token (revoked, expired, or the grant's limit reached) is 400 `invalid_grant`.
 *
 * Options: `{ toolkit?, revocationEndpoint?, clientId?, clientSecret?, scopes?,
 * authorizationEndpoint?, tokenEndpoint? }`; `google.definition` is its adapter definition.
 *
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#offline (offline access and refresh)
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
 * @example
 * ```ts
 * createEngine({
 *   store,
 *   adapters: [google(), google({ toolkit: 'gmail', clientId, clientSecret, scopes: ['openid', 'email', 'https://www.googleapis.com/auth/gmail.readonly'] })],
 * })
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
  connect: {
    authorizationEndpoint: GOOGLE_AUTHORIZATION_ENDPOINT,
    tokenEndpoint: GOOGLE_TOKEN_ENDPOINT,
    issuer: GOOGLE_ISSUER,
    clientAuth: 'client_secret_post',
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
    docsUrl: GOOGLE_CONNECT_DOCS_URL,
  },
})

/** Options of {@link google}, validated when the adapter is created. */
export const googleOptionsSchema = google.schema

/** Options of {@link google}: `{ toolkit?, revocationEndpoint?, clientId?, clientSecret?, scopes?, authorizationEndpoint?, tokenEndpoint? }`. */
export type GoogleOptions = NonNullable<Parameters<typeof google>[0]>
