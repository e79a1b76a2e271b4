import { google } from './adapter'

/**
 * How a config file builds {@link google}: `{ "adapter": "google", "revocationEndpoint"? }`.
 * Google is an RFC 7009 preset, and a preset carries its own definition (no secret option:
 * Google's revocation endpoint takes no client credentials).
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 */
export const definition = google.definition
