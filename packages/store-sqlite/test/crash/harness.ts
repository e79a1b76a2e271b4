// The crash loop, store-agnostic: each iteration gives a fresh store some accounts, starts a child
// process that revokes them (test/children/crash-revoke.ts), SIGKILLs it at a seeded random point,
// checks every account against the transition table and what the provider really saw, then
// revokes again from a new engine and checks that everything converges with exactly the upstream
// calls the engine's guarantees allow. A store plugs in as a CrashTarget.
import { type AccountRecord, createEngine, type Store, type TokenSubject } from '@revokit/core'
import { rfc7009 } from '@revokit/rfc7009'
import { type Child, fakeSecret, startChild } from '../helpers'
import { prng } from '../workload'
import { checkAfterKill, converge, type Planned } from './check'
import { type CountingProvider, countingProvider, type TokenBehaviour } from './provider'
import { type CrashEngineOptions, type CrashPlan, openStore, type StoreSpec } from './spec'

/** A store under test: how to make a fresh one and how to look at it after a crash. */
export interface CrashTarget {
  readonly name: string
  /** A new, empty store for one iteration. */
  fresh(): StoreSpec
  /** What is structurally wrong with the store's files after the kill (SQLite: `PRAGMA integrity_check`); empty when intact. */
  integrity(spec: StoreSpec): Promise<string[]>
  /** The values among `values` still readable anywhere in the store's files, once it is closed. */
  leftovers(spec: StoreSpec, values: readonly string[]): Promise<string[]>
}

/** Options of {@link crashLoop}. */
export interface CrashLoopOptions {
  readonly target: CrashTarget
  readonly iterations: number
  readonly seed: number
  /** Accounts per iteration. @default 9 */
  readonly accounts?: number
  /** Progress lines (one per iteration). */
  readonly log?: (line: string) => void
}

/** Where a child was killed. */
export type KillTrigger = 'request' | 'answer' | 'progress' | 'time'

/** What a crash loop did and saw, summed over its iterations. */
export interface CrashLoopReport {
  seed: number
  iterations: number
  kills: Record<KillTrigger, number>
  /** Children that finished before their kill point came. */
  finished: number
  accounts: number
  tokens: number
  /** At the kill: accounts still ACTIVE, REVOKED, REVOKED with a subject pending; claims left behind. */
  atKill: { active: number; revoked: number; pending: number; claims: number }
  upstream: {
    /** Requests the children sent (503s and retries included). */
    childRequests: number
    /** Tokens the provider revoked while a child ran. */
    childRevoked: number
    /** Requests of the later revoke: one per token not recorded dead at the kill, and no other. */
    laterRequests: number
    /** Tokens revoked twice: the child's revoke reached the provider, the kill came before the store recorded it. */
    resent: number
  }
}

const CLIENT = { clientId: 'crash-loop-client', clientSecret: 'fake-client-secret-crash-loop' }
const TOOLKIT = 'acme'
const ENGINE: CrashEngineOptions = {
  // Generous: a slow answer (≤ 250 ms) must never time out on a loaded machine, or the child
  // would retry a token the provider already revoked and the counts would mean nothing.
  deadlineMs: 8000,
  claimGraceMs: 2000,
  timeoutMs: 6000,
  maxAttempts: 2,
  backoff: { baseMs: 10, maxMs: 20 },
}
/** The longest a claim may outlive the moment it was taken. */
const CLAIM_TTL_MS = ENGINE.deadlineMs + ENGINE.claimGraceMs

/**
 * Runs the crash loop and resolves its report; rejects with every violation found, the seed and
 * the iteration, at the first iteration that breaks an invariant.
 */
export async function crashLoop(options: CrashLoopOptions): Promise<CrashLoopReport> {
  const { target, iterations, seed } = options
  const random = prng(seed)
  const provider = await countingProvider(CLIENT)
  const report: CrashLoopReport = {
    seed,
    iterations: 0,
    kills: { request: 0, answer: 0, progress: 0, time: 0 },
    finished: 0,
    accounts: 0,
    tokens: 0,
    atKill: { active: 0, revoked: 0, pending: 0, claims: 0 },
    upstream: { childRequests: 0, childRevoked: 0, laterRequests: 0, resent: 0 },
  }
  // How long a child takes from "go" to done, so kills by time land inside its run.
  let runMs = 1500
  try {
    for (let i = 0; i < iterations; i++) {
      const started = Date.now()
      const outcome = await iteration(target, provider, random, options.accounts ?? 9, runMs).catch(
        (error: unknown) => {
          throw new Error(
            `crash loop (${target.name}) seed ${seed}, iteration ${i + 1}: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          )
        },
      )
      if (outcome.trigger) report.kills[outcome.trigger]++
      else {
        report.finished++
        runMs = outcome.ranMs
      }
      report.iterations++
      report.accounts += outcome.accounts
      report.tokens += outcome.tokens
      for (const key of ['active', 'revoked', 'pending', 'claims'] as const)
        report.atKill[key] += outcome.atKill[key]
      for (const key of ['childRequests', 'childRevoked', 'laterRequests', 'resent'] as const)
        report.upstream[key] += outcome.upstream[key]
      options.log?.(
        `iteration ${i + 1}/${iterations}: ${outcome.trigger ? `killed on ${outcome.trigger} ${outcome.at}` : 'child finished first'}; ` +
          `${outcome.atKill.revoked} revoked, ${outcome.atKill.active} active, ${outcome.atKill.pending} pending ${outcome.trigger ? 'at the kill' : 'at its end'}; ` +
          `${outcome.upstream.laterRequests} later requests, ${outcome.upstream.resent} resent (${Date.now() - started} ms)`,
      )
    }
  } finally {
    await provider.close()
  }
  return report
}

interface IterationOutcome {
  trigger: KillTrigger | undefined
  at: string
  ranMs: number
  accounts: number
  tokens: number
  atKill: CrashLoopReport['atKill']
  upstream: CrashLoopReport['upstream']
}

async function iteration(
  target: CrashTarget,
  provider: CountingProvider,
  random: () => number,
  accounts: number,
  runMs: number,
): Promise<IterationOutcome> {
  const spec = target.fresh()
  const planned = await seed(spec, random, accounts)
  const behaviours = new Map<string, TokenBehaviour>()
  for (const account of planned)
    for (const token of Object.values(account.tokens)) {
      const roll = random()
      behaviours.set(
        token as string,
        roll < 0.55
          ? { kind: 'ok' }
          : roll < 0.85
            ? { kind: 'slow', delayMs: 40 + Math.floor(random() * 210) }
            : {
                kind: 'unavailable',
                failures: [1, 2, 3, Number.POSITIVE_INFINITY][Math.floor(random() * 4)] as number,
              },
      )
    }
  provider.reset(behaviours)
  const ids = planned.map((account) => account.id)
  const third = Math.ceil(ids.length / 3)
  const plan: CrashPlan = {
    store: spec,
    provider: provider.url,
    toolkit: TOOLKIT,
    ...CLIENT,
    engine: ENGINE,
    accounts: ids,
    singles: ids.slice(0, third),
    concurrent: ids.slice(third, 2 * third),
    copies: 3,
  }

  // Where to kill: a point in the child's own stream of work, drawn from the seed.
  const roll = random()
  const trigger: KillTrigger =
    roll < 0.3 ? 'request' : roll < 0.6 ? 'answer' : roll < 0.8 ? 'progress' : 'time'
  const answerable = [...behaviours.values()].filter(
    (b) => b.kind !== 'unavailable' || b.failures !== Number.POSITIVE_INFINITY,
  ).length
  // start and end of each single and concurrent revoke, the bulk lines: roughly the lines a child prints
  const lines = 2 * plan.singles.length + 2 * plan.concurrent.length * plan.copies + 2 + ids.length
  const point =
    trigger === 'request'
      ? 1 + Math.floor(random() * behaviours.size)
      : trigger === 'answer'
        ? 1 + Math.floor(random() * Math.max(1, answerable))
        : trigger === 'progress'
          ? 1 + Math.floor(random() * lines)
          : Math.floor(random() * runMs)

  // Half the iterations keep the store open in this process through the child's life, as a second
  // server on the same store would; the others open it only after the kill.
  const survivor = random() < 0.5 ? await openStore(spec) : undefined
  let store: Store | undefined = survivor
  let open = true
  try {
    const child = startChild('crash-revoke', { REVOKIT_CRASH_PLAN: JSON.stringify(plan) })
    let killedAt: number | undefined
    const kill = () => {
      if (killedAt !== undefined) return
      killedAt = Date.now()
      child.process.kill('SIGKILL')
    }
    let timer: NodeJS.Timeout | undefined
    let ranMs = 0
    // Accounts the child was told were revoked (a 200), and the subjects it was told died.
    const answered = new Map<string, TokenSubject[]>()
    try {
      const ready = await child.next()
      if (!ready.ready) throw new Error(`child said ${JSON.stringify(ready)} instead of ready`)
      let seen = 0
      provider.onEvent = (event) => {
        if (
          (trigger === 'request' && event.type === 'received') ||
          (trigger === 'answer' && event.type === 'revoked')
        )
          if (++seen === point) kill()
      }
      const go = Date.now()
      child.send('go')
      if (trigger === 'time') timer = setTimeout(kill, point)
      await pump(child, (line) => {
        if (line.status === 200 && typeof line.end === 'string')
          answered.set(line.end, [
            ...(answered.get(line.end) ?? []),
            ...((line.revoked as TokenSubject[] | undefined) ?? []),
          ])
        if (
          trigger === 'progress' &&
          ('start' in line || 'end' in line || 'bulk' in line) &&
          ++seen === point
        )
          kill()
        if (line.done) ranMs = Date.now() - go
      })
      const exit = await child.exited
      if (killedAt === undefined && exit.code !== 0)
        throw new Error(`child failed (${exit.code ?? exit.signal}):\n${child.stderr()}`)
    } finally {
      clearTimeout(timer)
      provider.onEvent = undefined
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL')
      await child.exited
      // A slow answer the dead child was waiting for is still processed by the provider.
      await provider.idle()
    }
    const killed = killedAt !== undefined && ranMs === 0

    store ??= await openStore(spec)
    const problems = await target.integrity(spec)
    if (problems.length) throw new Error(`store damaged after the kill: ${problems.join('; ')}`)
    const atKill = new Map<string, AccountRecord>()
    const violations: string[] = []
    for (const account of planned) {
      const record = await store.get(account.id)
      if (!record) {
        violations.push(`${account.id}: missing after the kill`)
        continue
      }
      atKill.set(account.id, record)
      violations.push(
        ...checkAfterKill(
          record,
          await store.events(account.id),
          account,
          provider,
          killed ? killedAt : undefined,
          CLAIM_TTL_MS,
        ),
      )
      // What a caller was told before the kill is durable: the store does not forget a revoke it reported.
      const told = answered.get(account.id)
      if (told && (record.status !== 'REVOKED' || told.some((s) => !record.revokedSubjects.includes(s))))
        violations.push(
          `${account.id}: the child was answered 200 revoking ${told}, the store shows ${record.status} with ${record.revokedSubjects}`,
        )
    }
    if (violations.length) throw new Error(`after the kill:\n  ${violations.join('\n  ')}`)
    // Whatever process wrote them, values recorded dead are gone from the files once a live
    // store flushes: a writer killed inside its scrub window must not leave them for good.
    await store.flush?.()
    const dead = [...atKill.values()].flatMap((record) => {
      const account = planned.find((p) => p.id === record.id) as Planned
      return record.revokedSubjects.map((subject) => account.tokens[subject] as string)
    })
    const stale = await target.leftovers(spec, dead)
    if (stale.length)
      throw new Error(
        `${stale.length} of ${dead.length} values recorded dead are still in the store files after flush (${survivor ? 'a store open through the kill' : 'a store opened after the kill'})`,
      )

    // The later revoke: a new engine whose clock is past every claim the dead child can have left
    // (taken before the kill, so expiring by killedAt + CLAIM_TTL_MS), the provider healthy.
    provider.heal()
    const claimsGone = (killedAt ?? Date.now()) + CLAIM_TTL_MS + 1 - Date.now()
    const engine = createEngine({
      store,
      adapters: [adapter(provider.url)],
      ...ENGINE,
      clock: () => Date.now() + Math.max(0, claimsGone),
    })
    const later = await converge(TOOLKIT, engine, store, planned, atKill, provider)
    open = false
    await engine.close()
    const values = planned.flatMap((account) => Object.values(account.tokens) as string[])
    const left = await target.leftovers(spec, values)
    if (left.length) throw new Error(`${left.length} dead token values still in the store files after close`)
    const after = await target.integrity(spec)
    if (after.length) throw new Error(`store damaged after the later revoke: ${after.join('; ')}`)
    if (provider.strays.length)
      throw new Error(`unexpected requests at the provider: ${provider.strays.join('; ')}`)

    const records = [...atKill.values()]
    let childRequests = 0
    let childRevoked = 0
    for (const token of values) {
      childRequests += provider.count(token).received.child
      childRevoked += provider.count(token).revoked.child
    }
    return {
      trigger: killed ? trigger : undefined,
      at: trigger === 'time' ? `${point} ms` : `#${point}`,
      ranMs,
      accounts: planned.length,
      tokens: values.length,
      atKill: {
        active: records.filter((r) => r.status === 'ACTIVE').length,
        revoked: records.filter((r) => r.status === 'REVOKED').length,
        pending: records.filter((r) => r.pendingSubjects.length > 0).length,
        claims: records.filter((r) => r.claim !== null).length,
      },
      upstream: { childRequests, childRevoked, laterRequests: later.requests, resent: later.resent },
    }
  } finally {
    if (open) await store?.close?.()
  }
}

function adapter(url: string) {
  return rfc7009({ toolkit: TOOLKIT, revocationEndpoint: `${url}/revoke`, ...CLIENT })
}

/** Creates the iteration's accounts: most hold both tokens, some only an access token. */
async function seed(spec: StoreSpec, random: () => number, count: number): Promise<Planned[]> {
  const store: Store = await openStore(spec)
  const engine = createEngine({ store, adapters: [adapter('http://127.0.0.1:9')] })
  try {
    const planned: Planned[] = []
    for (let i = 0; i < count; i++) {
      const tokens: Partial<Record<TokenSubject, string>> = { access_token: fakeSecret('access') }
      if (random() < 0.8) tokens.refresh_token = fakeSecret('refresh')
      const account = await engine.create({ userId: `user-${i}`, toolkit: TOOLKIT, credentials: tokens })
      planned.push({ id: account.id, tokens })
    }
    return planned
  } finally {
    await engine.close()
  }
}

/** Reads the child's lines until it exits, handing each to `see`. */
async function pump(child: Child, see: (line: Record<string, unknown>) => void) {
  for (;;) {
    let line: Record<string, unknown>
    try {
      line = await child.next()
    } catch {
      return // exited
    }
    see(line)
    if (line.done) return
  }
}
