export {
  GOOGLE_AUTHORIZATION_ENDPOINT,
  GOOGLE_CONNECT_DOCS_URL,
  GOOGLE_DOCS_URL,
  GOOGLE_ISSUER,
  GOOGLE_PROVIDER,
  GOOGLE_REVOCATION_ENDPOINT,
  GOOGLE_TOKEN_ENDPOINT,
  type GoogleOptions,
  google,
  googleOptionsSchema,
} from './adapter'
export { definition } from './definition'
