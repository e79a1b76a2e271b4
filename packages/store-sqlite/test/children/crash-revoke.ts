// One life of the crash loop (test/crash/harness.ts): opens the store the parent names, revokes
// the accounts of the plan through the real engine and the real RFC 7009 adapter (undici) against
// the parent's counting provider — single revokes one after another, then several revokes of the
// same accounts at once, then a bulk revoke of the toolkit — and says what it is doing, until the
// parent SIGKILLs it somewhere along the way.
import { createEngine, isRevokitError } from '@revokit/core'
import { rfc7009 } from '@revokit/rfc7009'
import { type CrashPlan, openStore } from '../crash/spec'
import { env, nextLine, say, stopListening } from './lines'

const plan = JSON.parse(env('REVOKIT_CRASH_PLAN')) as CrashPlan
const engine = createEngine({
  store: await openStore(plan.store),
  adapters: [
    rfc7009({
      toolkit: plan.toolkit,
      revocationEndpoint: `${plan.provider}/revoke`,
      clientId: plan.clientId,
      clientSecret: plan.clientSecret,
    }),
  ],
  ...plan.engine,
})

const revoke = async (id: string) => {
  say({ start: id })
  try {
    const result = await engine.revoke(id)
    say({ end: id, status: 200, revoked: result.revokedTokens })
  } catch (error) {
    say({ end: id, status: isRevokitError(error) ? error.status : 0 })
  }
}

say({ ready: true, pid: process.pid })
await nextLine()
for (const id of plan.singles) await revoke(id)
await Promise.all(plan.concurrent.flatMap((id) => Array.from({ length: plan.copies }, () => revoke(id))))
say({ bulk: 'start' })
const summary = await engine.revokeMany(
  { toolkits: [plan.toolkit] },
  { concurrency: 3, onResult: (item) => say({ end: item.id, status: item.status, bulk: true }) },
)
say({ bulk: 'end', revoked: summary.revoked, partial: summary.partial, failed: summary.failed })
await engine.close()
say({ done: true })
stopListening()
