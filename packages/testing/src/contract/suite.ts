import { supportsSubject, TOKEN_SUBJECTS, type TokenSubject } from '@revokit/core'
import { describe, expect, it } from 'vitest'
import type { Cassette } from '../cassette'
import type { AdapterCall, Settled } from '../dispatch'
import { type ContractRun, createContractRun, exposedText } from '../run'
import type { AdapterContractOptions, ContractCase, ExpectedRequest } from './options'

/** What every case of one contract suite shares: the options, the adapter's declarations, helpers. */
export interface Suite {
  readonly options: AdapterContractOptions
  readonly title: string
  /** What the provider documents it kills along with each subject. */
  readonly cascades: NonNullable<AdapterContractOptions['cascades']>
  /** Subjects the adapter declares it revokes, and the others. */
  readonly supported: readonly TokenSubject[]
  readonly unsupported: readonly TokenSubject[]
  /** A run built once to read the adapter's declarations. */
  readonly probe: ContractRun
  /** A fresh run: new canaries, a new adapter. */
  run(origin?: string): ContractRun
  /** The documented request for `subject` of `run`. */
  expectedFor(run: ContractRun, subject: TokenSubject, origin?: string): ExpectedRequest
  /** Registers one case as a `describe`, or a visible skip with its reason. */
  contractCase(name: ContractCase, body: () => void): void
}

/** Builds the {@link Suite} of one `describeRevocationAdapter` call. */
export function createSuite(options: AdapterContractOptions, title: string): Suite {
  const probe = createContractRun(options)
  return {
    options,
    title,
    cascades: options.cascades ?? {},
    supported: TOKEN_SUBJECTS.filter((s) => supportsSubject(probe.adapter, s)),
    unsupported: TOKEN_SUBJECTS.filter((s) => !supportsSubject(probe.adapter, s)),
    probe,
    run: (origin) => createContractRun(options, origin),
    expectedFor: (run, subject, origin = options.origin) =>
      options.request({ subject, token: run.tokens[subject], origin, vars: run.env.vars }),
    contractCase(name, body) {
      const reason = options.skip?.[name]
      if (reason) {
        console.warn(`[@revokit/testing] ${title}: skipping "${name}": ${reason}`)
        it.skip(`${name}: skipped: ${reason}`, () => {})
        return
      }
      describe(name, body)
    },
  }
}

/** Fails when any of `texts` holds one of the run's secrets. */
export function expectNoLeaks(run: ContractRun, ...texts: unknown[]): void {
  expect(run.leaks(...texts)).toEqual([])
}

/** What the adapter itself returned or threw on one call. */
const answerOf = (call: AdapterCall): unknown => ('threw' in call ? call.threw : call.returned)

/**
 * Fails when a secret is in what the dispatch gave back, or in what the adapter itself answered
 * (after its own `redact` hook). The dispatch redacts every value it knows, but only those: an
 * adapter that copies a token into a reason also leaks it in forms nothing knows (encoded, cut).
 */
export function expectSettledClean(run: ContractRun, settled: Settled, ...more: unknown[]): void {
  const hook = run.adapter.redact
  const hide = (text: string) => {
    if (!hook) return text
    try {
      return hook.call(run.adapter, text)
    } catch {
      return text
    }
  }
  const own = settled.calls.map((call) => hide(exposedText(answerOf(call))))
  expectNoLeaks(run, settled.outcome, ...own, ...more)
}

/** The first throw of the adapter in a settled dispatch, if it threw. */
export function adapterThrow(settled: Settled): { threw: unknown } | undefined {
  return settled.calls.find((call): call is { threw: unknown } => 'threw' in call)
}

/** A settled dispatch in a line, for assertion messages. */
export function describeSettled(settled: Settled): string {
  const thrown = adapterThrow(settled)?.threw as Error | undefined
  const threw = thrown ? `; the adapter threw ${thrown?.name ?? typeof thrown}: ${thrown?.message}` : ''
  const n = settled.attempts
  return `ended ${JSON.stringify(settled.outcome)} after ${n} attempt${n === 1 ? '' : 's'}${
    settled.transport ? ' (a transport failure)' : ''
  }${threw}`
}

/** The `Retry-After` seconds of a cassette's last answer, when it gives delay-seconds. */
export function retryAfterSeconds(cassette: Cassette): number | undefined {
  const last = cassette.interactions.at(-1)
  const header = Object.entries(last?.rawHeaders ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')
  const value = Array.isArray(header?.[1]) ? header?.[1][0] : header?.[1]
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined
}

/** An account holding `held` (every token by default), created on `run`'s engine. */
export function createAccount(
  run: ContractRun,
  engine: ReturnType<ContractRun['engine']>['engine'],
  held: readonly TokenSubject[] = TOKEN_SUBJECTS,
) {
  return engine.create({
    userId: 'u1',
    status: 'ACTIVE',
    toolkit: run.adapter.toolkit,
    credentials: run.credentials(held),
  })
}

/** The error an engine call rejects with, or undefined when it resolves. */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}
