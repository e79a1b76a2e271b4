export {
  SLACK_API_URL,
  SLACK_DEAD_TOKEN_ERRORS,
  SLACK_DOCS_URL,
  SLACK_PROVIDER,
  type SlackOptions,
  slack,
  slackOptionsSchema,
} from './adapter'
export {
  SLACK_CONNECT_DOCS_URL,
  SLACK_DEAD_REFRESH_ERRORS,
  SLACK_OAUTH_ACCESS_DOCS_URL,
  type SlackConnectSettings,
  slackConnector,
  slackWebUrl,
} from './connect'
export { definition } from './definition'
