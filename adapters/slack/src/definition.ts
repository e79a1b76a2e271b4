import { defineAdapter } from '@revokit/core'
import { SLACK_DOCS_URL, SLACK_PROVIDER, slack, slackOptionsSchema } from './adapter'

/**
 * How a config file builds {@link slack}: `{ "adapter": "slack", "baseUrl"?, "clientId"?,
 * "clientSecret"?, "scopes"?, "userScopes"? }`. Revocation needs no app credentials (the token
 * authenticates itself); `clientSecret`, for connecting, is hidden wherever the server writes text.
 * @see https://docs.slack.dev/reference/methods/auth.revoke
 */
export const definition = defineAdapter({
  name: SLACK_PROVIDER,
  options: slackOptionsSchema,
  secrets: ['clientSecret'],
  endpoints: ['baseUrl'],
  create: slack,
  docsUrl: SLACK_DOCS_URL,
})
