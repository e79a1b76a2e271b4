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
export { definition } from './definition'
