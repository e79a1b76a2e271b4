// The crash loop's checks (test/crash/harness.ts runs them): what an account may look like right
// after its revoking process was killed, and what the later revoke must come to.
import type { AccountRecord, AccountStatus, AuditEvent, Engine, Store, TokenSubject } from '@revokit/core'
import { holds, transition } from '@revokit/core'
import type { CountingProvider } from './provider'

const SUBJECTS: readonly TokenSubject[] = ['access_token', 'refresh_token']

/** One account of an iteration and the token values it was given. */
export interface Planned {
  readonly id: string
  readonly tokens: Partial<Record<TokenSubject, string>>
}

/** Statuses the transition table lets an ACTIVE account reach by revokes alone. */
function reachableByRevoke(): Set<AccountStatus> {
  const reached = new Set<AccountStatus>(['ACTIVE'])
  for (let grew = true; grew; ) {
    grew = false
    for (const from of [...reached]) {
      const step = transition(from, 'revoke')
      if (step.allowed && !reached.has(step.to)) {
        reached.add(step.to)
        grew = true
      }
    }
  }
  return reached
}
const REACHABLE = reachableByRevoke()

/** Every way an account may be wrong right after the kill; empty when it is in a state the engine allows. */
export function checkAfterKill(
  record: AccountRecord,
  events: readonly AuditEvent[],
  account: Planned,
  provider: Pick<CountingProvider, 'count'>,
  killedAt: number | undefined,
  claimTtlMs: number,
): string[] {
  const bad: string[] = []
  const id = account.id
  if (!REACHABLE.has(record.status))
    bad.push(
      `${id}: status ${record.status}, which no revoke of an ACTIVE account can reach in the transition table`,
    )
  if (record.status === 'REVOKED' && record.revokedSubjects.length === 0)
    bad.push(`${id}: REVOKED with no subject dead at the provider`)
  if (record.status === 'ACTIVE' && (record.revokedSubjects.length > 0 || record.pendingSubjects.length > 0))
    bad.push(
      `${id}: ACTIVE but records revoked ${record.revokedSubjects} / pending ${record.pendingSubjects}`,
    )
  if (record.claim) {
    if (killedAt === undefined) bad.push(`${id}: a claim left behind by a child that finished`)
    else if (record.claim.expiresAt > killedAt + claimTtlMs)
      bad.push(
        `${id}: a claim expiring ${record.claim.expiresAt - killedAt} ms after the kill (at most ${claimTtlMs})`,
      )
  }

  for (const subject of SUBJECTS) {
    const value = account.tokens[subject]
    const dead = record.revokedSubjects.includes(subject)
    const pending = record.pendingSubjects.includes(subject)
    if (value === undefined) {
      if (dead || pending || holds(record.credentials, subject))
        bad.push(`${id}: ${subject} was never held, yet is recorded (dead ${dead}, pending ${pending})`)
      continue
    }
    const seen = provider.count(value)
    if (dead && seen.revoked.child === 0)
      bad.push(`${id}: ${subject} recorded revoked, but the provider never revoked it`)
    if (dead && record.credentials[subject] !== undefined)
      bad.push(`${id}: ${subject} recorded revoked but not scrubbed`)
    if (!dead && record.credentials[subject] !== value)
      bad.push(`${id}: ${subject} is not recorded revoked, yet its stored value was changed or scrubbed`)
    if (pending && (dead || record.status !== 'REVOKED'))
      bad.push(`${id}: ${subject} pending on a ${record.status} account`)
    // One process life, one dispatch per subject: concurrent and bulk callers share the claim.
    if (seen.revoked.child > 1) bad.push(`${id}: ${subject} revoked ${seen.revoked.child} times by one child`)
  }

  // The audit trail: created, then only revoke transitions the table allows, ending where the record is.
  const first = events[0]
  if (first?.type !== 'created' || first.from !== null || first.to !== 'ACTIVE')
    bad.push(`${id}: first event ${first?.type} ${first?.from}→${first?.to}, not created →ACTIVE`)
  for (let i = 1; i < events.length; i++) {
    const event = events[i] as AuditEvent
    const before = (events[i - 1] as AuditEvent).to
    const step = transition(event.from ?? 'ACTIVE', 'revoke')
    const legal =
      event.from === before &&
      (event.type === 'revoke_failed'
        ? event.to === event.from
        : (event.type === 'revoked' || event.type === 'pending_revoked') &&
          step.allowed &&
          step.to === event.to)
    if (!legal) bad.push(`${id}: event ${event.type} ${event.from}→${event.to} after ${before}`)
    for (const subject of event.revokedSubjects ?? [])
      if (provider.count(account.tokens[subject] ?? '').revoked.child === 0)
        bad.push(`${id}: event ${event.type} names ${subject} revoked, the provider never revoked it`)
  }
  const last = events[events.length - 1]
  if (last && last.to !== record.status)
    bad.push(`${id}: last event ends in ${last.to}, the account is ${record.status}`)
  const trail = JSON.stringify(events)
  for (const value of Object.values(account.tokens))
    if (trail.includes(value as string)) bad.push(`${id}: a token value in an audit event`)
  return bad
}

/**
 * The later revoke: a bulk revoke of the toolkit, then the subjects left pending. Every account
 * must end REVOKED with every token dead and scrubbed, and the provider must have been asked
 * exactly once for each token the store had not recorded dead at the kill, and never for one it had.
 * A token revoked by the dead child whose result was not yet stored is one of those: sent again
 * (at least once, as the engine promises for a revoke in flight when its process dies). A revoke
 * after that dispatches nothing.
 */
export async function converge(
  toolkit: string,
  engine: Engine,
  store: Store,
  planned: readonly Planned[],
  atKill: ReadonlyMap<string, AccountRecord>,
  provider: CountingProvider,
): Promise<{ requests: number; resent: number }> {
  const bad: string[] = []
  const summary = await engine.revokeMany({ toolkits: [toolkit] })
  if (summary.failed || summary.partial || summary.skipped || summary.notSupported)
    bad.push(`bulk revoke: ${JSON.stringify(summary)}`)
  for (const account of planned) {
    const record = atKill.get(account.id) as AccountRecord
    if (record.status === 'REVOKED' && record.pendingSubjects.length > 0) {
      const result = await engine.revoke(account.id, { retryPending: true })
      if (result.subjects.access_token === 'failed' || result.subjects.refresh_token === 'failed')
        bad.push(`${account.id}: retrying pending subjects failed: ${JSON.stringify(result.subjects)}`)
    }
  }

  let requests = 0
  let resent = 0
  for (const account of planned) {
    const before = atKill.get(account.id) as AccountRecord
    const after = (await store.get(account.id)) as AccountRecord
    const held = SUBJECTS.filter((s) => account.tokens[s] !== undefined)
    if (after.status !== 'REVOKED' || after.claim !== null)
      bad.push(`${account.id}: ${after.status} (claim ${after.claim?.id ?? 'none'}) after the later revoke`)
    if (after.revokedSubjects.join() !== held.join() || after.pendingSubjects.length)
      bad.push(
        `${account.id}: revoked ${after.revokedSubjects}, pending ${after.pendingSubjects}; held ${held}`,
      )
    for (const subject of held) {
      if (holds(after.credentials, subject))
        bad.push(`${account.id}: ${subject} not scrubbed after the later revoke`)
      const seen = provider.count(account.tokens[subject] as string)
      const expected = before.revokedSubjects.includes(subject) ? 0 : 1
      requests += seen.received.later
      if (seen.received.later !== expected || seen.revoked.later !== expected)
        bad.push(
          `${account.id}: ${subject} sent ${seen.received.later} times by the later revoke, expected ${expected} (recorded dead at the kill: ${expected === 0})`,
        )
      if (seen.revoked.child + seen.revoked.later < 1)
        bad.push(`${account.id}: ${subject} never revoked at the provider`)
      if (seen.revoked.child + seen.revoked.later > 2)
        bad.push(`${account.id}: ${subject} revoked ${seen.revoked.child + seen.revoked.later} times`)
      if (seen.revoked.child > 0 && seen.revoked.later > 0) resent++
    }
  }

  // Converged: another revoke answers from the store and sends nothing.
  const sentBefore = requests
  for (const account of planned) {
    const result = await engine.revoke(account.id)
    if (result.dispatched || result.revokedTokens.length)
      bad.push(`${account.id}: a revoke after convergence dispatched`)
  }
  let sentAfter = 0
  for (const account of planned)
    for (const token of Object.values(account.tokens))
      sentAfter += provider.count(token as string).received.later
  if (sentAfter !== sentBefore) bad.push(`revokes after convergence sent ${sentAfter - sentBefore} requests`)
  if (bad.length) throw new Error(`the later revoke:\n  ${bad.join('\n  ')}`)
  return { requests, resent }
}
