// A process that revokes an account, says so, and then stays alive without ever checkpointing
// (a scrub window far longer than the test), so the parent can kill it inside that window: what a
// writer killed between its scrubbing write and its checkpoint leaves in the files.
import { createEngine } from '@revokit/core'
import { scriptedAdapter } from '@revokit/core/testing'
import { env, say } from '@revokit/presets/child-lines'
import { sqliteStore } from '@revokit/store-sqlite'

const engine = createEngine({
  store: sqliteStore({ path: env('REVOKIT_DB'), scrubDelayMs: 3_600_000 }),
  adapters: [scriptedAdapter()],
})
const result = await engine.revoke(env('REVOKIT_ACCOUNT'))
say({ revoked: result.revokedTokens })
await new Promise(() => {})
