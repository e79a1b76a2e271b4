import { google } from './adapter'

/**
 * How a config file builds {@link google}: `{ "adapter": "google", "revocationEndpoint"?,
 * "clientId"?, "clientSecret"?, "scopes"? }`. Google is an RFC 7009 preset, and a preset carries
 * its own definition. Revocation takes no client credentials; `clientSecret` (a secret field,
 * hidden wherever the server writes text) is for connecting.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 */
export const definition = google.definition
