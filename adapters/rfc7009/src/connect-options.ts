import { checkEndpoint } from '@revokit/core'
import * as z from 'zod'

/**
 * The connect options the generic adapter and every preset take, defined once so the server
 * config, the factory and the docs agree on their rules and messages.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-3.3 (scopes)
 */
export const connectOptions = {
  /**
   * Scopes the connect flow asks for when `initiate` names none, e.g. `['openid', 'offline_access']`
   * (`offline_access` asks an OpenID provider for a refresh token).
   */
  scopes: z
    .array(z.string().min(1, 'must not hold an empty scope'), {
      error: 'must be an array of scope strings',
    })
    .optional(),
  /** The authorization endpoint for connecting, when the issuer's metadata does not name it (or there is no issuer). With `tokenEndpoint`. */
  authorizationEndpoint: z
    .string({ error: 'must be a URL string' })
    .superRefine(checkEndpoint('authorizationEndpoint'))
    .optional(),
  /** The token endpoint for connecting and refreshing. With `authorizationEndpoint`. */
  tokenEndpoint: z
    .string({ error: 'must be a URL string' })
    .superRefine(checkEndpoint('tokenEndpoint'))
    .optional(),
}

/** An optional, non-empty string option (a client id or secret that may be omitted). */
export const optionalString = () =>
  z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional()
