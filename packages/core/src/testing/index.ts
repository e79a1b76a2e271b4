export { encryptedStore } from './encrypted-store'
export {
  type FakeAnswer,
  type FakeAuthorizationServer,
  type FakeAuthorizationServerOptions,
  type FakeGrant,
  type FakeTokenAnswer,
  fakeAuthorizationServer,
} from './fake-authorization-server'
export {
  type CarelessSettings,
  carelessAdapter,
  carelessCredential,
  ECHO_FORMATS,
  type EchoFormat,
  type EchoScenario,
  type EchoWindow,
  echoAnswer,
  echoScenario,
  leaksWindow,
  SECRET_CHARS,
  secretPart,
  storedText,
} from './leaks'
export {
  later,
  type ScriptedAdapterOptions,
  type ScriptedCall,
  type ScriptStep,
  scriptedAdapter,
} from './scripted-adapter'
export {
  type ConformanceCase,
  type StoreConformanceTarget,
  sampleAuthorization,
  sampleRecord,
  storeConformance,
} from './store-conformance'
