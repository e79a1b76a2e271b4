export {
  DEFAULT_DISCOVERY_TTL_MS,
  DISCOVERY_FAILURE_TTL_MS,
  PROVIDER,
  RFC7009_AUTH_METHODS,
  RFC7009_DOCS_URL,
  type Rfc7009AuthMethod,
  type Rfc7009Options,
  rfc7009,
  rfc7009OptionsSchema,
} from './adapter'
export { definition } from './definition'
export { type Discovered, metadataUrls } from './discovery'
