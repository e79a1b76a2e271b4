export {
  GITHUB_API_URL,
  GITHUB_API_VERSION,
  GITHUB_DOCS_URL,
  GITHUB_PROVIDER,
  GITHUB_SECONDARY_RATE_LIMIT_WAIT_MS,
  type GitHubOptions,
  github,
  githubOptionsSchema,
} from './adapter'
export {
  GITHUB_CONNECT_DOCS_URL,
  GITHUB_TOKEN_ERRORS,
  GITHUB_WEB_URL,
  type GitHubConnectSettings,
  githubConnector,
  webUrlFor,
} from './connect'
export { definition } from './definition'
