import {
  type ConnectedAccount,
  isRevokitError,
  type RevokeResult,
  TOKEN_SUBJECTS,
  type TokenSubject,
  TransportError,
} from '@revokit/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { fillPlaceholders, readCassette } from '../cassette'
import type { Settled } from '../dispatch'
import { allowLoopback } from '../nock'
import { type ContractRun, cassettePath } from '../run'
import {
  FAULT_CASES,
  type FaultCase,
  type FaultObservation,
  type FaultSettings,
  writeFaultReport,
} from './fault-report'
import {
  type FaultAnswer,
  hugeBodyServer,
  lateServer,
  midBodyResetServer,
  refusedOrigin,
  type ScriptedEndpoint,
  scriptedEndpoint,
  silentServer,
  stallingServer,
  watchedOrigin,
} from './faults'
import {
  adapterThrow,
  createAccount,
  describeSettled,
  expectNoLeaks,
  expectSettledClean,
  type Suite,
} from './suite'

const BACKOFF = { baseMs: 50, maxMs: 200 }
/**
 * Faults the provider answers: the engine's own default timeout and deadline (an answer ends
 * them, so they cost nothing, and a loaded machine never cuts an attempt short), a short backoff.
 */
const ANSWERED: FaultSettings = { timeoutMs: 10_000, deadlineMs: 30_000, maxAttempts: 3, backoff: BACKOFF }
/**
 * Faults where the provider never answers in time: the deadline ends them, not the attempt
 * timeout (set above it). One attempt: undici checks its timeouts on a coarse clock that can fire
 * a little before the deadline, so with retries allowed the attempt count would depend on the
 * machine. (Retrying a timed-out attempt is the contract's `timeout` case.) 2 s, because an
 * engine revoke splits it between two subjects and each share must outlast a loaded machine's
 * event-loop lag, or the second subject would not be dispatched at all.
 */
const HANGS: FaultSettings = { timeoutMs: 10_000, deadlineMs: 2_000, maxAttempts: 1, backoff: BACKOFF }

const HUGE_BYTES = 10 * 1024 * 1024
const REDIRECT_TARGET = 'https://redirect-target.example'

/** One armed fault: the run whose adapter points at it, and how to take it down. */
interface Armed {
  readonly run: ContractRun
  /** Takes down this run's fault (its server, or its script), never another run's. */
  close?(): Promise<void>
  /** The run's script on the nock endpoint, for faults nock plays. */
  readonly endpoint?: ScriptedEndpoint
  /** Resolves once a slow provider has given every answer it owes. */
  settled?(): Promise<void>
}

/** What a fault's own check gets. */
interface Observed {
  readonly settled: Settled
  readonly dispatch: FaultObservation['dispatch']
  readonly engine: FaultObservation['engine']
  readonly dispatchArm: Armed
  readonly engineArm: Armed
  /** Adds a line to what the table says was checked. */
  note(line: string): void
}

interface Fault {
  readonly title: string
  readonly via: FaultObservation['via']
  readonly settings: FaultSettings
  arm(kit: FaultKit): Promise<Armed>
  check(observed: Observed, settings: FaultSettings): void
}

/** What arming a fault needs from the suite. */
interface FaultKit {
  readonly suite: Suite
  /** The provider's documented success answer (the `revoked` cassette's last one), for `run`. */
  success(run: ContractRun): FaultAnswer
  /** Serves every request to the documented endpoints of a fresh run from `script`. */
  scripted(script: (n: number, run: ContractRun) => FaultAnswer): Armed
  /** A fresh run pointed at a real fault server. */
  served(server: { url: string; close(): Promise<void> }, extra?: Partial<Armed>): Armed
}

const retryAfterSeconds = (seconds: number): FaultAnswer => ({
  status: 429,
  headers: { 'retry-after': String(seconds), 'content-type': 'application/json' },
  body: { error: 'rate_limited' },
})

/** A whole second at least `min` ms away, as an HTTP-date (second precision). */
function retryAfterDate(min: number): FaultAnswer {
  // Second precision: the wait is between `min` and `min` + 1 s.
  const at = Math.ceil((Date.now() + min) / 1000) * 1000
  return {
    status: 429,
    headers: { 'retry-after': new Date(at).toUTCString(), 'content-type': 'application/json' },
    body: { error: 'rate_limited' },
  }
}

const serverError = (status: number, text: string): Fault => ({
  title: `${status} ${text} on every attempt`,
  via: 'nock',
  settings: ANSWERED,
  arm: async (kit) => kit.scripted(() => ({ status, body: text, headers: { 'content-type': 'text/plain' } })),
  check({ dispatch, note }, settings) {
    expect(dispatch, 'a 5xx is a retryable failure carrying the status').toMatchObject({
      outcome: 'failed',
      retryable: true,
      status,
    })
    expect(dispatch.attempts, 'retried up to maxAttempts').toBe(settings.maxAttempts)
    note(`retried to maxAttempts (${settings.maxAttempts})`)
  },
})

/**
 * A 429 whose `Retry-After` is honoured: the retry comes no earlier than the provider asked
 * (a lower bound, so a loaded machine cannot break it), and a success on the retry is revoked.
 * The wait is seconds long so that an adapter which drops the header is caught even on a loaded
 * machine, where its own 50–200 ms backoff can stretch past a one-second wait.
 */
const rateLimited = (form: 'seconds' | 'date'): Fault => ({
  title:
    form === 'seconds'
      ? '429 with `Retry-After: 3` (seconds), then the success answer'
      : '429 with `Retry-After` as an HTTP-date 2.5–3.5 s ahead, then the success answer',
  via: 'nock',
  settings: ANSWERED,
  arm: async (kit) =>
    kit.scripted((n, run) =>
      n === 0 ? (form === 'seconds' ? retryAfterSeconds(3) : retryAfterDate(2500)) : kit.success(run),
    ),
  check({ dispatch, dispatchArm, note }) {
    expect(dispatch.outcome, 'the retry after the wait got the success answer').toBe('revoked')
    expect(dispatch.attempts).toBe(2)
    const endpoint = dispatchArm.endpoint as ScriptedEndpoint
    const [limited, retry] = endpoint.arrivals
    const header = endpoint.answers[0]?.headers?.['retry-after'] as string
    // Timers may fire a millisecond early against Date.now(); anything more is a retry too soon.
    const notBefore = form === 'seconds' ? (limited as number) + Number(header) * 1000 : Date.parse(header)
    expect(retry, 'no retry before the Retry-After the provider gave').toBeGreaterThanOrEqual(notBefore - 5)
    note(`no retry before the ${form === 'seconds' ? 'Retry-After seconds' : 'Retry-After date'}`)
  },
})

/** A provider that never answers: the deadline ends the revoke, never a late success. */
const hang = (title: string, start: () => Promise<{ url: string; close(): Promise<void> }>): Fault => ({
  title,
  via: '127.0.0.1',
  settings: HANGS,
  arm: async (kit) => kit.served(await start()),
  check({ dispatch, note }, settings) {
    expect(dispatch, 'the deadline ended the attempt').toMatchObject({
      outcome: 'failed',
      retryable: true,
      why: 'deadline',
    })
    note(`ended by the ${settings.deadlineMs} ms deadline, not held open`)
  },
})

const FAULTS: Record<FaultCase, Fault> = {
  'http-500': serverError(500, 'Internal Server Error'),
  'http-502': serverError(502, 'Bad Gateway'),
  'http-503': serverError(503, 'Service Unavailable'),
  '429-retry-after-seconds': rateLimited('seconds'),
  '429-retry-after-date': rateLimited('date'),
  'accept-and-hang': hang('accepts the connection, reads the request, never answers', silentServer),
  'headers-then-stall': hang('sends 200 headers promising a body, then nothing', stallingServer),
  'reset-mid-body': {
    title: 'starts a 200 body, then resets the connection (TCP RST)',
    via: '127.0.0.1',
    settings: ANSWERED,
    arm: async (kit) => kit.served(await midBodyResetServer()),
    check({ dispatch, note }, settings) {
      expect(dispatch, 'a reset is a retryable network failure').toMatchObject({
        outcome: 'failed',
        retryable: true,
        why: 'network',
      })
      expect(dispatch.attempts).toBe(settings.maxAttempts)
      note('half a success body is not a success')
    },
  },
  'connection-refused': {
    title: 'nothing listens on the port (ECONNREFUSED)',
    via: '127.0.0.1',
    settings: ANSWERED,
    arm: async (kit) => {
      const origin = await refusedOrigin()
      return kit.served({ url: origin, close: async () => {} })
    },
    check({ dispatch, settled, note }, settings) {
      expect(dispatch, 'refused is a retryable network failure').toMatchObject({
        outcome: 'failed',
        retryable: true,
        why: 'network',
      })
      expect(settled.outcome.type === 'failed' && settled.outcome.reason).toContain('ECONNREFUSED')
      expect(dispatch.attempts).toBe(settings.maxAttempts)
      note('the reason names ECONNREFUSED')
    },
  },
  'malformed-body': {
    title: '200 with a truncated JSON body',
    via: 'nock',
    settings: ANSWERED,
    arm: async (kit) =>
      kit.scripted(() => ({
        status: 200,
        body: '{"ok": tru',
        headers: { 'content-type': 'application/json' },
      })),
    check({ settled, note }) {
      expect(adapterThrow(settled), describeSettled(settled)).toBeUndefined()
      if (settled.outcome.type === 'failed') expect(settled.outcome.reason.length).toBeGreaterThan(0)
      note('the adapter answered an outcome, never a throw')
    },
  },
  '10mb-body': {
    title: '200 with a 10 MiB body, sent in 64 KiB chunks',
    via: '127.0.0.1',
    settings: ANSWERED,
    arm: async (kit) => {
      const server = await hugeBodyServer(HUGE_BYTES)
      return kit.served(server, {
        settled: async () => {
          // The cut is the client's: the server must not have got to the end of the body.
          expect(server.completed(), 'the 10 MiB body was not read in full').toBe(false)
          expect(server.sent()).toBeLessThan(HUGE_BYTES)
        },
      })
    },
    check({ dispatch, note }) {
      expect(dispatch, 'cut at the body cap').toMatchObject({ outcome: 'failed', why: 'response_too_large' })
      note('cut at the 64 KiB cap; the server never got to send it all')
    },
  },
  'redirect-other-origin': {
    title: `307 to another origin (${REDIRECT_TARGET})`,
    via: 'nock',
    settings: ANSWERED,
    arm: async (kit) => {
      const target = watchedOrigin(REDIRECT_TARGET)
      const armed = kit.scripted(() => ({ status: 307, headers: { location: `${REDIRECT_TARGET}/revoke` } }))
      return {
        ...armed,
        close: async () => {
          await armed.close?.()
          target.remove()
        },
        settled: async () => {
          expect(target.requests, 'nothing, and so no credential, was sent to the redirect target').toEqual(
            [],
          )
        },
      }
    },
    check({ dispatch, settled, note }) {
      expect(dispatch, 'not followed, and not worth retrying').toMatchObject({
        outcome: 'failed',
        retryable: false,
        why: 'redirect',
      })
      expect(dispatch.attempts).toBe(1)
      expect(settled.outcome.type === 'failed' && settled.outcome.reason).toContain('another origin')
      note('not followed; no request reached the other origin')
    },
  },
  'success-after-deadline': {
    title: `the success answer, ${HANGS.deadlineMs + 300} ms after the request (past the deadline)`,
    via: '127.0.0.1',
    settings: HANGS,
    arm: async (kit) => {
      const server = await lateServer(kit.success(kit.suite.probe), HANGS.deadlineMs + 300)
      return kit.served(server, { settled: () => server.whenAnswered() })
    },
    check({ dispatch, engine, note }) {
      expect(dispatch, 'a success after the deadline is not a success').toMatchObject({
        outcome: 'failed',
        retryable: true,
        why: 'deadline',
      })
      expect(engine.account.status, 'still revokable once the late answer has come').toBe('ACTIVE')
      note('the account read after the late answer arrived')
    },
  },
}

/** What ended a dispatch, from what the adapter answered on its last call. */
function why(settled: Settled, settings: FaultSettings): string {
  const { outcome } = settled
  if (outcome.type !== 'failed') return outcome.type
  // The dispatch gave up on a call that never settled: the deadline ended it.
  if (settled.calls.length < settled.attempts) return 'deadline'
  const last = settled.calls.at(-1)
  if (last && 'threw' in last && last.threw instanceof TransportError) {
    // The attempt's timeout is cut to what is left of the deadline; undici's coarse timers may
    // fire it a moment before the deadline itself. Ended that way, the deadline ended it.
    const limit = /timed out after (\d+) ms/.exec(last.threw.message)?.[1]
    if (last.threw.kind === 'timeout' && limit !== undefined && Number(limit) < settings.timeoutMs)
      return 'deadline'
    return last.threw.kind
  }
  if (settled.transport) return 'network'
  return outcome.status !== undefined ? `HTTP ${outcome.status}` : 'answer'
}

const elapsed = (since: number) => Math.round(performance.now() - since)

/**
 * The `faults` case: every fault of {@link FAULT_CASES}, each through core's dispatch (one
 * subject) and through a real engine over `memoryStore()` (an account holding both tokens), with
 * the case's own short settings. Each checks what a user relies on, and that the account is
 * never left in a state the engine forbids: REVOKED only when a token died, dead tokens
 * scrubbed, every other token kept. Times are recorded, never asserted. With
 * `REVOKIT_FAULT_REPORT=dir` the observations are written there as JSON, which `pnpm faults`
 * renders as docs/faults.md.
 */
export function faultCases(suite: Suite): void {
  const { options, supported } = suite
  const first = supported[0]
  if (!first) return
  const revoked = readCassette(cassettePath(options.cassetteDir, options.cassettes.revoked))

  const kit: FaultKit = {
    suite,
    success(run) {
      const last = fillPlaceholders(revoked, run.vars(first), options.cassettes.revoked).at(-1)
      if (!last) throw new Error(`${options.cassettes.revoked} has no interaction to answer with`)
      return { status: last.status, body: last.response, headers: { ...last.rawHeaders } }
    },
    scripted(script) {
      const run = suite.run()
      const expected = supported.map((subject) => suite.expectedFor(run, subject))
      const endpoint = scriptedEndpoint(expected, Object.values(run.tokens), (n) => script(n, run))
      return { run, endpoint, close: async () => endpoint.remove() }
    },
    served(server, extra = {}) {
      allowLoopback()
      return { run: suite.run(server.url), close: () => server.close(), ...extra }
    },
  }

  const observations: FaultObservation[] = []
  afterAll(() => {
    if (observations.length === 0) return
    const order = (o: FaultObservation) => FAULT_CASES.indexOf(o.fault)
    writeFaultReport({
      provider: options.provider,
      ...(options.name ? { name: options.name } : {}),
      suite: suite.title,
      observations: [...observations].sort((a, b) => order(a) - order(b)),
    })
  })

  suite.contractCase('faults', () => {
    // One answered revoke first, through both paths, so the first fault case does not also pay
    // for loading and compiling them (on a loaded machine that can take seconds).
    beforeAll(async () => {
      const arm = kit.scripted((_n, run) => kit.success(run))
      const engineRun = arm.run.engine(ANSWERED)
      try {
        await arm.run.revoke(first, ANSWERED)
        await engineRun.engine.revoke((await createAccount(arm.run, engineRun.engine)).id).catch(() => {})
      } finally {
        await engineRun.engine.close()
        await arm.close?.()
      }
    })

    it.each(FAULT_CASES.map((id) => [id, FAULTS[id].title] as const))('%s: %s', async (id) => {
      const fault = FAULTS[id]
      const { settings } = fault
      const checked: string[] = []

      // Core's dispatch of the first supported subject alone, and a whole revoke through a real
      // engine of an account holding both tokens, at the same time: each has its own fault
      // server, or its own script on the shared nock endpoint (routed by the run's tokens).
      const observeDispatch = async () => {
        const arm = await fault.arm(kit)
        try {
          const settled = await arm.run.revoke(first, settings)
          await arm.settled?.()
          return { arm, settled }
        } finally {
          await arm.close?.()
        }
      }
      const observeEngine = async () => {
        const arm = await fault.arm(kit)
        const engineRun = arm.run.engine(settings)
        try {
          const created = await createAccount(arm.run, engineRun.engine)
          const started = performance.now()
          let result: RevokeResult | undefined
          let error: unknown
          try {
            result = await engineRun.engine.revoke(created.id)
          } catch (thrown) {
            error = thrown
          }
          const engineMs = elapsed(started)
          await arm.settled?.()
          const account: ConnectedAccount = await engineRun.engine.get(created.id)
          return { arm, engineRun, result, error, engineMs, account }
        } finally {
          await engineRun.engine.close()
          await arm.close?.()
        }
      }
      const [dispatched, revoked] = await Promise.allSettled([observeDispatch(), observeEngine()])
      if (dispatched.status === 'rejected') throw dispatched.reason
      if (revoked.status === 'rejected') throw revoked.reason
      const { arm: dispatchArm, settled } = dispatched.value
      const { arm: engineArm, engineRun, result, error, engineMs, account } = revoked.value

      const subjects = result?.subjects ?? (isRevokitError(error) ? error.subjects : undefined)
      const attempts: Partial<Record<TokenSubject, number>> = {}
      for (const subject of engineRun.calls) attempts[subject] = (attempts[subject] ?? 0) + 1
      const tokens = engineArm.run.tokens
      const observation: FaultObservation = {
        fault: id,
        title: fault.title,
        via: fault.via,
        settings,
        dispatch: {
          subject: first,
          outcome: settled.outcome.type,
          ...(settled.outcome.type === 'failed'
            ? {
                retryable: settled.outcome.retryable,
                ...(settled.outcome.status !== undefined ? { status: settled.outcome.status } : {}),
              }
            : {}),
          why: why(settled, settings),
          attempts: settled.attempts,
          elapsedMs: settled.elapsedMs,
        },
        engine: {
          answer: result ? 200 : isRevokitError(error) ? error.status : 0,
          ...(isRevokitError(error) ? { slug: error.slug } : {}),
          subjects: subjects as NonNullable<typeof subjects>,
          attempts,
          elapsedMs: engineMs,
          account: {
            status: account.status,
            revoked: [...account.revokedSubjects],
            pending: [...account.pendingSubjects],
            kept: TOKEN_SUBJECTS.filter((s) => account.credentials[s] === tokens[s]),
          },
        },
        checked,
      }
      observations.push(observation)

      // What every fault must leave true, whatever the adapter made of it.
      expect(subjects, `the engine reported every subject: ${String(error)}`).toBeDefined()
      if (error !== undefined && !isRevokitError(error)) throw error
      expectSettledClean(dispatchArm.run, settled)
      expectNoLeaks(engineArm.run, error, result, engineRun.logger.text(), engineRun.events)
      expectAllowedState(observation)
      fault.check(
        {
          settled,
          dispatch: observation.dispatch,
          engine: observation.engine,
          dispatchArm,
          engineArm,
          note: (line) => checked.push(line),
        },
        settings,
      )
    })
  })
}

/**
 * The states the engine allows after a revoke: REVOKED only with a dead token, the dead ones
 * scrubbed and a failed one pending with its token kept; otherwise a 500, ACTIVE, every token
 * kept for a later try.
 */
function expectAllowedState({ engine }: FaultObservation): void {
  const dead = TOKEN_SUBJECTS.filter(
    (s) => engine.subjects[s] === 'revoked' || engine.subjects[s] === 'already_revoked',
  )
  const failed = TOKEN_SUBJECTS.filter((s) => engine.subjects[s] === 'failed')
  if (dead.length === 0) {
    expect(engine.answer, 'nothing died: the revoke answers 500').toBe(500)
    expect(engine.account.status, 'nothing died: the account stays ACTIVE').toBe('ACTIVE')
    expect(engine.account.kept, 'nothing died: every token is kept for a later try').toEqual(TOKEN_SUBJECTS)
    expect(engine.account.revoked).toEqual([])
    return
  }
  expect(engine.answer).toBe(200)
  expect(engine.account.status, 'a token died: REVOKED').toBe('REVOKED')
  for (const s of dead) expect(engine.account.kept, `${s} is dead: scrubbed from the store`).not.toContain(s)
  for (const s of failed) {
    expect(engine.account.pending, `${s} failed: pending`).toContain(s)
    expect(engine.account.kept, `${s} failed: its token is kept`).toContain(s)
  }
}
