import { defineAdapter } from '@revokit/core'
import { PROVIDER, RFC7009_DOCS_URL, rfc7009, rfc7009OptionsSchema } from './adapter'

/**
 * How a config file builds {@link rfc7009}: `{ "adapter": "rfc7009", "revocationEndpoint" |
 * "issuer", "clientId", "clientSecret"?, "authMethod"?, "scopes"?, "authorizationEndpoint"?,
 * "tokenEndpoint"? }`. Both the endpoint and the issuer
 * receive credentials (the issuer's metadata names where tokens go), so both are checked.
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2
 */
export const definition = defineAdapter({
  name: PROVIDER,
  options: rfc7009OptionsSchema,
  secrets: ['clientSecret'],
  endpoints: ['revocationEndpoint', 'issuer', 'authorizationEndpoint', 'tokenEndpoint'],
  create: rfc7009,
  docsUrl: RFC7009_DOCS_URL,
})
