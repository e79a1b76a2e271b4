export { type ApiKey, type HashedApiKey, hashApiKey, type ProjectKeys } from './auth'
export { DEFAULT_MAX_BODY_BYTES } from './body'
export { type CliIO, main } from './cli/main'
export { type ConfigOptions, loadConfig, parseConfig, type RevokitConfig, type StoreConfig } from './config'
export { type ClientInfo, createHandler, type HandlerOptions, type RevokitHandler } from './handler'
export { HTTP_ERROR_CATALOG, type HttpErrorSlug } from './http-errors'
export { adapterKinds, builtinDefinitions, builtinKinds, type Kinds, type StoreFactory } from './kinds'
export { type JsonLoggerOptions, jsonLogger, type LogLevel } from './log'
export {
  DEFAULT_SERVER_LIMITS,
  type RunningServer,
  type ServerLimits,
  type StartServerOptions,
  startServer,
} from './node-server'
export { buildOpenApiDocument, type OpenApiOptions } from './openapi'
export { CALLBACK_PATH, type ListenAddress, redirectUriFor } from './public-url'
export { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit'
export { type OpenRevokitOptions, openRevokit, type Revokit } from './runtime'
export { MASK, mask } from './wire'
