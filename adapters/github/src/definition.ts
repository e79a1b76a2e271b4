import { defineAdapter } from '@revokit/core'
import { GITHUB_DOCS_URL, GITHUB_PROVIDER, github, githubOptionsSchema } from './adapter'

/**
 * How a config file builds {@link github}: `{ "adapter": "github", "clientId", "clientSecret",
 * "baseUrl"?, "mode"?, "scopes"?, "webUrl"? }`. The client secret is hidden wherever the server
 * writes text.
 * @see https://docs.github.com/en/rest/apps/oauth-applications
 */
export const definition = defineAdapter({
  name: GITHUB_PROVIDER,
  options: githubOptionsSchema,
  secrets: ['clientSecret'],
  endpoints: ['baseUrl', 'webUrl'],
  create: github,
  docsUrl: GITHUB_DOCS_URL,
})
