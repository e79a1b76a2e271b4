// One life of the crash loop (test/crash/harness.ts): opens the store the parent names, revokes
// the accounts of the plan through the real engine and the real RFC 7009 adapter (undici) against
// the parent's counting provider — single revokes one after another, then several revokes of the
// same accounts at once, then two bulk revokes of the toolkit at once, then a retry of every
// subject left pending — and says what it is doing, until the parent SIGKILLs it somewhere.
import { createEngine, isRevokitError } from '@revokit/core'
import { env, nextLine, say, stopListening } from '@revokit/presets/child-lines'
import { rfc7009 } from '@revokit/rfc7009'
import { type CrashPlan, openStore } from '../crash/spec'

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

const revoke = async (id: string, retryPending = false) => {
  say({ start: id })
  try {
    const result = await engine.revoke(id, { retryPending })
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
const bulk = () =>
  engine.revokeMany(
    { toolkits: [plan.toolkit] },
    { concurrency: 3, onResult: (item) => say({ end: item.id, status: item.status, bulk: true }) },
  )
const summaries = await Promise.all([bulk(), bulk()])
say({ bulk: 'end', revoked: summaries.map((s) => s.revoked) })
for (const id of plan.accounts) {
  const account = await engine.get(id)
  if (account.pendingSubjects.length > 0) await revoke(id, true)
}
await engine.close()
say({ done: true })
stopListening()
