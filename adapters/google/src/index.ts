export {
  GOOGLE_DOCS_URL,
  GOOGLE_PROVIDER,
  GOOGLE_REVOCATION_ENDPOINT,
  type GoogleOptions,
  google,
  googleOptionsSchema,
} from './adapter'
export { definition } from './definition'
