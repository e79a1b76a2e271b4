// One implementation of the window check, in core's testing entry (with echoAnswer, secretPart, …).
export { leaksWindow } from '@revokit/core/testing'
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
  CONNECTOR_CASES,
  CONNECTOR_KIT_NOW,
  type ConnectorCase,
  type ConnectorContractOptions,
  type ErrorCassette,
  type TokenCassette,
  type TokenRequestExpectation,
  type TokenRequestInput,
} from './connect/options'
export { type ConnectRun, createConnectRun, KIT_REDIRECT_URI, KIT_STATE } from './connect/run'
export { describeConnector } from './connect/suite'
export { describeRevocationAdapter } from './contract'
export {
  FAULT_CASES,
  type FaultCase,
  type FaultObservation,
  type FaultReport,
  type FaultSettings,
  faultReportFile,
} from './contract/fault-report'
export {
  type AdapterContractOptions,
  type CassetteExpectation,
  CONTRACT_CASES,
  type ContractCase,
  type ContractCassettes,
  type ContractKit,
  type ExpectedRequest,
  type ExpectedRequestInput,
  type RecordingOptions,
} from './contract/options'
export { expectedPlan } from './contract/plan'
export { expectRequest } from './contract/wire'
export {
  type AdapterCall,
  type RevokeContextOptions,
  revokeRequest,
  type Settled,
  type SettleOptions,
  settleRevoke,
} from './dispatch'
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
