// A process that claims an account for a revoke and then hangs at the provider, so the parent can
// kill it mid-revoke and see what the crash leaves behind.
import { createEngine, type RevocationAdapter } from '@revokit/core'
import { env, say } from '@revokit/presets/child-lines'
import { postgresStore } from '@revokit/store-postgres'

const adapter: RevocationAdapter = {
  toolkit: 'test',
  supportsAccess: true,
  supportsRefresh: true,
  revoke(request) {
    say({ dispatching: request.subject, at: Date.now() })
    return new Promise(() => {})
  },
}

const store = postgresStore({ url: env('REVOKIT_PG_URL'), schema: env('REVOKIT_PG_SCHEMA') })
// Connected and migrated before it says it is ready, so its calls race the others' from the start.
await store.ready()
const engine = createEngine({
  store: store,
  adapters: [adapter],
  deadlineMs: Number(env('REVOKIT_DEADLINE_MS')),
  claimGraceMs: Number(env('REVOKIT_GRACE_MS')),
})
say({ ready: true, pid: process.pid })
await engine.revoke(env('REVOKIT_ACCOUNT'))
say({ unexpected: 'the revoke finished before the process was killed' })
