export { canary, secretForms } from './canary'
export { type CaptureLogger, captureLogger } from './capture-logger'
export {
  type Cassette,
  CassetteError,
  type CassetteInteraction,
  type CassetteMeta,
  cassetteInteractionSchema,
  cassetteMetaSchema,
  cassetteSchema,
  fillPlaceholders,
  parseCassette,
  placeholders,
  REDACTED_PLACEHOLDER,
  readCassette,
} from './cassette'
export {
  createRevokeContext,
  type KitContext,
  type RevokeContextOptions,
  revokeRequest,
  type Settled,
  settleRevoke,
} from './context'
export {
  type AdapterContractOptions,
  type CassetteExpectation,
  CONTRACT_CASES,
  type ContractCase,
  type ContractCassettes,
  type ContractKit,
  describeRevocationAdapter,
  type ExpectedRequest,
  type ExpectedRequestInput,
  expectedPlan,
  expectRequest,
  type RecordingOptions,
} from './contract'
export {
  allowLoopback,
  hangingReply,
  type MountedCassette,
  type MountOptions,
  mountCassette,
  type RecordedRequest,
  recordedRequest,
  releaseHangingReplies,
  type UseNockOptions,
  useNock,
} from './nock'
export { createRecorder, type RecordedMeta, type Recorder, type RecorderOptions } from './recorder'
export {
  type AdapterEnv,
  type ContractRun,
  cassettePath,
  createContractRun,
  type EngineRun,
  exposedText,
  type RunOptions,
} from './run'
export {
  findLeaks,
  placeholderReplacer,
  type RawInteraction,
  type ScrubValues,
  scrubInteraction,
} from './scrub'
