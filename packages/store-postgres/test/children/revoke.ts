// One process of the cross-process revoke test: opens the shared schema with its own engine, waits
// for the parent's "go", revokes the same account several times at once and prints the results.
import { createEngine, isRevokitError, type RevocationAdapter, revoked } from '@revokit/core'
import { env, nextLine, say, stopListening } from '@revokit/presets/child-lines'
import { postgresStore } from '@revokit/store-postgres'

const provider = env('REVOKIT_PROVIDER')
const accountId = env('REVOKIT_ACCOUNT')
const calls = Number(env('REVOKIT_CALLS'))

// An RFC 7009-style adapter posting to the parent's server, so the parent counts real dispatches.
const adapter: RevocationAdapter = {
  toolkit: 'test',
  supportsAccess: true,
  supportsRefresh: true,
  async revoke(request, { http }) {
    const response = await http.request(`${provider}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: request.token,
        token_type_hint: request.subject,
        pid: String(process.pid),
      }).toString(),
    })
    if (response.status !== 200) throw new Error(`provider answered ${response.status}`)
    return revoked()
  },
}

const store = postgresStore({ url: env('REVOKIT_PG_URL'), schema: env('REVOKIT_PG_SCHEMA') })
// Connected and migrated before it says it is ready, so its calls race the others' from the start.
await store.ready()
const engine = createEngine({ store: store, adapters: [adapter] })
say({ ready: true, pid: process.pid })
await nextLine()
const results = await Promise.all(
  Array.from({ length: calls }, () =>
    engine.revoke(accountId).then(
      (result) => ({ status: 200, revokedTokens: result.revokedTokens, account: result.connectedAccount }),
      (error: unknown) => ({
        status: isRevokitError(error) ? error.status : 0,
        error: isRevokitError(error) ? error.slug : String(error),
      }),
    ),
  ),
)
say({ pid: process.pid, results })
await engine.close()
stopListening()
