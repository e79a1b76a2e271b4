import { defineAdapter } from '@revokit/core'
import { SLACK_DOCS_URL, SLACK_PROVIDER, slack, slackOptionsSchema } from './adapter'

/**
 * How a config file builds {@link slack}: `{ "adapter": "slack", "baseUrl"? }`. The token
 * authenticates itself, so there is no secret option.
 * @see https://docs.slack.dev/reference/methods/auth.revoke
 */
export const definition = defineAdapter({
  name: SLACK_PROVIDER,
  options: slackOptionsSchema,
  secrets: [],
  endpoints: ['baseUrl'],
  create: slack,
  docsUrl: SLACK_DOCS_URL,
})
