import { defineAdapter } from '@revokit/core'
import { GOOGLE_DOCS_URL, GOOGLE_PROVIDER, google, googleOptionsSchema } from './adapter'

/**
 * How a config file builds {@link google}: `{ "adapter": "google", "revocationEndpoint"? }`.
 * Google's revocation endpoint takes no client credentials, so there is no secret option.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 */
export const definition = defineAdapter({
  name: GOOGLE_PROVIDER,
  options: googleOptionsSchema,
  secrets: [],
  endpoints: ['revocationEndpoint'],
  create: google,
  docsUrl: GOOGLE_DOCS_URL,
})
