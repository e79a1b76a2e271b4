export {
  SLACK_API_URL,
  SLACK_DEAD_TOKEN_ERRORS,
  SLACK_DOCS_URL,
  SLACK_PROVIDER,
  type SlackOptions,
  slack,
  slackOptionsSchema,
} from './adapter'
export { definition } from './definition'
