// One process of the cross-process refresh tests: opens the shared file with its own engine,
// waits for the parent's "go", asks for the same account's credentials several times at once,
// says so once every call is under way, and prints what each call got (fingerprints of the
// tokens, never the tokens).
import { createEngine, isRevokitError } from '@revokit/core'
import { env, nextLine, say, stopListening } from '@revokit/presets/child-lines'
import { connectAdapter, fingerprint } from '@revokit/presets/connect-adapter'
import { sqliteStore } from '@revokit/store-sqlite'

const accountId = env('REVOKIT_ACCOUNT')
const calls = Number(env('REVOKIT_CALLS'))

const engine = createEngine({
  store: sqliteStore({ path: env('REVOKIT_DB') }),
  adapters: [connectAdapter(env('REVOKIT_PROVIDER'))],
  ...(process.env.REVOKIT_REFRESH_DEADLINE_MS
    ? { refreshDeadlineMs: Number(process.env.REVOKIT_REFRESH_DEADLINE_MS) }
    : {}),
  ...(process.env.REVOKIT_GRACE_MS ? { claimGraceMs: Number(process.env.REVOKIT_GRACE_MS) } : {}),
})
say({ ready: true, pid: process.pid })
await nextLine()
const pending = Promise.all(
  Array.from({ length: calls }, () =>
    engine.credentials(accountId).then(
      (result) => ({
        status: 200,
        accessToken: fingerprint(result.val.access_token),
        refreshToken: fingerprint(result.val.refresh_token),
        expiresAt: result.expiresAt,
      }),
      (error: unknown) => ({
        status: isRevokitError(error) ? error.status : 0,
        error: isRevokitError(error) ? error.slug : String(error),
      }),
    ),
  ),
)
say({ calling: calls, pid: process.pid })
const results = await pending
say({ pid: process.pid, results })
await engine.close()
stopListening()
