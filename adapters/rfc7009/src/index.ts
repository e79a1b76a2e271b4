export { PROVIDER, RFC7009_DOCS_URL, type Rfc7009Options, rfc7009, rfc7009OptionsSchema } from './adapter'
export { type Discovered, metadataUrls } from './discovery'
export {
  type Rfc7009Preset,
  type Rfc7009PresetAuth,
  type Rfc7009PresetConfig,
  type Rfc7009PresetOptions,
  rfc7009Preset,
} from './preset'
export {
  DEFAULT_DISCOVERY_TTL_MS,
  DISCOVERY_FAILURE_TTL_MS,
  RFC7009_AUTH_METHODS,
  type Rfc7009AuthMethod,
  type Rfc7009Quirks,
} from './revoke'
export { definition } from './definition'
