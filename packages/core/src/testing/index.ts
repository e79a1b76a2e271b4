export {
  type FakeAnswer,
  type FakeAuthorizationServer,
  type FakeAuthorizationServerOptions,
  type FakeGrant,
  type FakeTokenAnswer,
  fakeAuthorizationServer,
} from './fake-authorization-server'
export {
  ECHO_FORMATS,
  type EchoFormat,
  type EchoWindow,
  echoAnswer,
  leaksWindow,
  SECRET_CHARS,
  secretPart,
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
