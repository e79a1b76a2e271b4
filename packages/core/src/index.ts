export {
  type AlreadyRevokedOutcome,
  alreadyRevoked,
  type FailedOutcome,
  failed,
  type RevocationAdapter,
  type RevokeContext,
  type RevokedOutcome,
  type RevokeOutcome,
  type RevokeRequest,
  revoked,
  supportsSubject,
  type UnsupportedOutcome,
  unsupported,
} from './adapter'
export {
  type AuthorizationRequest,
  authorizationUrl,
  exchangeCode,
  type GrantOptions,
  type GrantResult,
  pkcePair,
  refreshGrant,
  toCredentials,
} from './connect/grant'
export type {
  ClientAuthMethod,
  ConnectContext,
  ConnectEndpoints,
  OAuthConnector,
  TokenAnswer,
  TokenGrant,
  TokenParseContext,
  TokenSet,
} from './connector'
export {
  type EncryptionKey,
  type EncryptionOptions,
  encryptionKeyId,
  parseEncryptionKey,
} from './crypto/keyring'
export type { RotateKeysOptions, RotateKeysProgress, RotateKeysSummary } from './crypto/rotate'
export { type AdapterDefinition, defineAdapter, isAdapterDefinition } from './definition'
export {
  type AccountCredentials,
  type AccountPage,
  type CallOptions,
  type CompletedAuthorization,
  createEngine,
  type Engine,
  type EngineOptions,
  type InitiateInput,
  type InitiateResult,
  type ReconcileOptions,
  type ReconcileRunOptions,
  type ReconcileSummary,
  type RefreshResult,
  type RevokeManyFilter,
  type RevokeManyItem,
  type RevokeManyOptions,
  type RevokeManyOutcome,
  type RevokeManySummary,
  type RevokeOptions,
  type RevokeResult,
} from './engine'
export {
  ERROR_CATALOG,
  type ErrorEnvelope,
  type ErrorKind,
  type ErrorSlug,
  isRevokitError,
  RevokitError,
  type RevokitErrorOptions,
  toRevokitError,
} from './errors'
export { isAccountId, nanoid, newAccountId } from './ids'
export { type Logger, redactingLogger, silentLogger } from './logger'
export { type MemoryStoreOptions, memoryStore } from './memory-store'
export {
  ACCOUNT_STATUSES,
  type AccountRecord,
  type AccountStatus,
  type ConnectedAccount,
  CREDENTIAL_METADATA,
  type Credentials,
  credentialSecrets,
  type FailedAttempt,
  type FailedRefresh,
  type FailedRevoke,
  holds,
  type PendingAuthorization,
  type RevokeClaim,
  type SubjectOutcome,
  type SubjectOutcomes,
  TOKEN_SUBJECTS,
  type TokenSubject,
  toAccount,
} from './model'
export { type OptionsSchema, parseAdapterOptions, TOOLKIT_SLUG } from './options'
export { failedFromResponse, type ResponseFailureOptions } from './provider/failed'
export { dottedPath, type FormatIssuesOptions, formatIssues, type SchemaIssue } from './provider/issues'
export { type OAuthError, parseOAuthError } from './provider/oauth-error'
export { type ToolkitSlugOptions, toolkitSlugMessage, toolkitSlugSchema } from './provider/slug'
export {
  createRedactor,
  isSecretKey,
  REDACTED,
  type Redactor,
  redact,
  redactAndBound,
  redactValue,
  SECRET_WINDOW,
} from './redact'
export { createAdapterRegistry } from './registry'
export {
  type BackoffOptions,
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  RETRYABLE_STATUSES,
} from './retry'
export {
  createDispatchRuntime,
  DeadlineWatch,
  type DispatchLimits,
  type DispatchRuntime,
  type DispatchRuntimeOptions,
  dispatchSubject,
  revokeRequestFor,
  type SubjectDispatch,
} from './revoke/dispatch'
export { planRevoke } from './revoke/plan'
export type { DispatchReport, SubjectReport } from './revoke/run'
export type {
  AuditEvent,
  AuditEventType,
  Store,
  StoreCursor,
  StoreListQuery,
  StoreQuery,
  WriteOptions,
} from './store'
export { joinRecord, type RecordParts, splitRecord } from './store-record'
export { OPERATIONS, type Operation, TRANSITIONS, type Transition, transition } from './transitions'
export {
  createHttpTransport,
  type HttpClient,
  type HttpRequestInit,
  type HttpResponse,
  type HttpTransport,
  type HttpTransportOptions,
  requestSecrets,
  TransportError,
  type TransportErrorKind,
  type TransportScope,
} from './transport'
export { checkEndpoint, endpointProblem, isLoopbackHost } from './url'
export {
  accountIdError,
  type CreateInput,
  credentialsSchema,
  decodeCursor,
  encodeCursor,
  type ListQuery,
  validationError,
} from './validate'
