import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  isRevokitError,
  type RevocationAdapter,
  type RevokeOutcome,
  supportsSubject,
  TOKEN_SUBJECTS,
  type TokenSubject,
  TransportError,
} from '@revokit/core'
import nock from 'nock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cassette, readCassette } from './cassette'
import { revokeRequest, type Settled, settleRevoke } from './context'
import { allowLoopback, hangingReply, type RecordedRequest, useNock } from './nock'
import { createRecorder } from './recorder'
import { type AdapterEnv, type ContractRun, cassettePath, createContractRun, type RunOptions } from './run'

/** The cases of the shared contract, by the name used to skip one. */
export const CONTRACT_CASES = [
  'cassettes',
  'declared-subjects',
  'revoked',
  'already-revoked',
  'server-error',
  'rate-limited',
  'malformed-body',
  'empty-body',
  'unsupported-token-type',
  'network-unmocked',
  'network-reset',
  'timeout',
  'request-shape',
  'no-secrets',
] as const

/** A case of the shared contract. */
export type ContractCase = (typeof CONTRACT_CASES)[number]

/** What the documentation says one revocation request looks like. */
export interface ExpectedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Absolute URL, query included: the token must not be in it unless documented. */
  url: string
  /**
   * Headers that must be sent with exactly these values (names case-insensitive). A credential
   * header (`authorization`, `cookie`, `proxy-authorization`, `x-api-key`) not listed here must
   * be absent.
   */
  headers?: Readonly<Record<string, string>>
  /** A string is compared exactly; an object or array as JSON, deeply; `null`/absent: no body. */
  body?: string | Readonly<Record<string, unknown>> | readonly unknown[] | null
}

/** Inputs to {@link AdapterContractOptions.request}. */
export interface ExpectedRequestInput {
  readonly subject: TokenSubject
  /** The token being revoked. */
  readonly token: string
  /** The origin the adapter was built for. */
  readonly origin: string
  /** The run's app credentials (vars and secret canaries). */
  readonly vars: Readonly<Record<string, string>>
}

/** A cassette whose answer has no one right reading, with the outcome the adapter promises. */
export interface CassetteExpectation {
  cassette: string
  outcome: RevokeOutcome['type']
  /** For `failed`: whether it must be retryable. */
  retryable?: boolean
}

/** Which cassette (file name in `cassetteDir`) plays which case. */
export interface ContractCassettes {
  /** The provider revoked the token. */
  revoked: string
  /** The provider says the token is invalid, expired or revoked. Required unless `already-revoked` is skipped. */
  alreadyRevoked?: string | readonly string[]
  /** 5xx answers: retryable failures. */
  serverError: string | readonly string[]
  /** 429 (and provider-specific rate-limit answers): retryable, `Retry-After` as `retryAfterMs`. */
  rateLimited: string | readonly string[]
  /** A body that is not what the provider documents. */
  malformed: CassetteExpectation | readonly CassetteExpectation[]
  /** An empty body. */
  empty: CassetteExpectation | readonly CassetteExpectation[]
  /**
   * The provider refusing this kind of token (RFC 7009 `unsupported_token_type`): `unsupported`.
   * Optional; the case runs only when given.
   */
  unsupported?: string | readonly string[]
}

/** How `REVOKIT_RECORD=1` runs get real values. */
export interface RecordingOptions {
  /**
   * Environment variable names by placeholder name: `token` (a live token to revoke) and one for
   * each name in `vars` and `secrets` (e.g. `{ token: 'GITHUB_RECORD_TOKEN', client_id:
   * 'GITHUB_CLIENT_ID', client_secret: 'GITHUB_CLIENT_SECRET' }`). List them in the README.
   */
  env: Readonly<Record<string, string>>
  /** Which subject the recorded token is. @default the first subject the adapter supports */
  subject?: TokenSubject
  /**
   * For generic adapters with no fixed provider (RFC 7009): the env var holding the live
   * server's origin. Recorded cassettes are written at the contract's `origin` so they replay.
   */
  originEnv?: string
}

/** Options of {@link describeRevocationAdapter}. */
export interface AdapterContractOptions extends RunOptions {
  /** Added to the suite title, e.g. `'mode: grant'` when one adapter runs the contract twice. */
  name?: string
  /**
   * What the provider documents it kills along with each subject. Checked against the adapter's
   * declaration and its outcomes, and used to predict what the engine dispatches.
   */
  cascades?: Readonly<Partial<Record<TokenSubject, readonly TokenSubject[]>>>
  /** The documented request for one subject. */
  request(input: ExpectedRequestInput): ExpectedRequest
  cassettes: ContractCassettes
  /** The doc page recorded cassettes cite. @default the adapter's `docsUrl` */
  docsUrl?: string
  /** The per-attempt timeout the timeout case uses. @default 300 */
  timeoutMs?: number
  /** Cases this adapter cannot run, each with the reason (printed when the suite is collected). */
  skip?: Readonly<Partial<Record<ContractCase, string>>>
  /** Enables `REVOKIT_RECORD=1`. */
  record?: RecordingOptions
  /** Registers the adapter's own cases inside the suite, with the same nock guard. */
  extend?(kit: ContractKit): void
}

/** What {@link AdapterContractOptions.extend} gets. */
export interface ContractKit {
  readonly options: AdapterContractOptions
  /** A fresh run (canaries, adapter, helpers) for a custom case. */
  run(origin?: string): ContractRun
}

const list = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as T]

/** Every cassette the options name, in case order. */
function allCassettes(cassettes: ContractCassettes): string[] {
  return [
    cassettes.revoked,
    ...list(cassettes.alreadyRevoked),
    ...list(cassettes.serverError),
    ...list(cassettes.rateLimited),
    ...list(cassettes.malformed).map((c) => c.cassette),
    ...list(cassettes.empty).map((c) => c.cassette),
    ...list(cassettes.unsupported),
  ]
}
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']

/**
 * Asserts a recorded request is exactly the documented one: method, URL, the listed headers,
 * no undocumented credential header, and the body.
 */
export function expectRequest(actual: RecordedRequest | undefined, expected: ExpectedRequest): void {
  expect(actual, 'the adapter sent no request').toBeDefined()
  const request = actual as RecordedRequest
  expect(request.method, 'method').toBe(expected.method)
  // Compared as URLs, so an upper-case host in the documentation still matches what was sent.
  expect(new URL(request.url).href, 'URL').toBe(new URL(expected.url).href)
  const listed = new Set(Object.keys(expected.headers ?? {}).map((name) => name.toLowerCase()))
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    expect(request.headers[name.toLowerCase()], `header ${name}`).toBe(value)
  }
  for (const name of CREDENTIAL_HEADERS) {
    if (!listed.has(name)) expect(request.headers[name], `undocumented ${name} header`).toBeUndefined()
  }
  if (expected.body === undefined || expected.body === null) expect(request.body, 'body').toBe('')
  else if (typeof expected.body === 'string') expect(request.body, 'body').toBe(expected.body)
  else {
    let parsed: unknown
    try {
      parsed = JSON.parse(request.body)
    } catch {
      parsed = `(not JSON) ${request.body}`
    }
    expect(parsed, 'JSON body').toEqual(expected.body)
  }
}

/** True when a settled call is a failure worth retrying: a retryable outcome or transport error. */
function retryableFailure(settled: Settled): boolean {
  if (settled.error !== undefined) return settled.error instanceof TransportError && settled.error.retryable
  return settled.outcome?.type === 'failed' && settled.outcome.retryable
}

function describeSettled(settled: Settled): string {
  if (settled.error !== undefined) {
    const e = settled.error as Error
    return `threw ${e?.name ?? typeof e}: ${e?.message ?? String(e)}`
  }
  return `returned ${JSON.stringify(settled.outcome)}`
}

function retryAfterSeconds(cassette: Cassette): number | undefined {
  const last = cassette.interactions.at(-1)
  const header = Object.entries(last?.rawHeaders ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')
  const value = Array.isArray(header?.[1]) ? header?.[1][0] : header?.[1]
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined
}

/** What the engine will dispatch and report for an account holding `held`, per the documentation. */
export function expectedPlan(
  adapter: RevocationAdapter,
  held: readonly TokenSubject[],
  cascades: AdapterContractOptions['cascades'] = {},
): { dispatched: TokenSubject[]; revoked: TokenSubject[] } {
  const dead = new Set<TokenSubject>()
  const dispatched: TokenSubject[] = []
  for (const subject of TOKEN_SUBJECTS) {
    if (!held.includes(subject) || !supportsSubject(adapter, subject) || dead.has(subject)) continue
    dispatched.push(subject)
    dead.add(subject)
    for (const other of cascades?.[subject] ?? []) if (held.includes(other)) dead.add(other)
  }
  return { dispatched, revoked: (['access_token', 'refresh_token'] as const).filter((s) => dead.has(s)) }
}

async function resettingServer() {
  let hits = 0
  const server = createServer((request) => {
    hits++
    request.socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function validateOptions(options: AdapterContractOptions) {
  const problems: string[] = []
  for (const [name, reason] of Object.entries(options.skip ?? {})) {
    if (!(CONTRACT_CASES as readonly string[]).includes(name))
      problems.push(`skip.${name}: not a contract case (cases: ${CONTRACT_CASES.join(', ')})`)
    if (typeof reason !== 'string' || reason.trim().length < 10)
      problems.push(`skip.${name}: give the reason in a sentence`)
  }
  // A cassette is required unless its case is skipped with a reason (RFC 7009 servers, say,
  // have no distinct already-revoked answer).
  const caseOf = {
    revoked: 'revoked',
    alreadyRevoked: 'already-revoked',
    serverError: 'server-error',
    rateLimited: 'rate-limited',
    malformed: 'malformed-body',
    empty: 'empty-body',
  } as const
  for (const [key, name] of Object.entries(caseOf) as Array<[keyof typeof caseOf, ContractCase]>) {
    if (!options.cassettes?.[key] && !options.skip?.[name]) {
      problems.push(`cassettes.${key} is required (or skip '${name}' with a reason)`)
    }
  }
  if (typeof options.create !== 'function') problems.push('create must be a function building the adapter')
  if (typeof options.request !== 'function') problems.push('request must be a function')
  if (problems.length)
    throw new TypeError(`describeRevocationAdapter(${options.provider}):\n  ${problems.join('\n  ')}`)
}

/**
 * Registers the shared adapter contract as vitest suites. Every case drives the adapter's real
 * production path: its `revoke` on core's undici transport, or a real engine over
 * `memoryStore()`, with provider answers served by nock from the adapter's cassettes and every
 * other host unreachable. Each run uses fresh canary tokens and app secrets, and every outcome,
 * error, event and log line is searched for them.
 *
 * With `REVOKIT_RECORD=1` (and the env vars named in `record.env`), a recording suite runs
 * first: it revokes a live token twice through the production transport and writes the
 * `revoked` and first `alreadyRevoked` cassettes, scrubbed, before the replay suites use them.
 *
 * @example
 * ```ts
 * describeRevocationAdapter({
 *   provider: 'google',
 *   origin: 'https://oauth2.googleapis.com',
 *   create: ({ origin }) => google({ revocationEndpoint: `${origin}/revoke` }),
 *   cascades: { refresh_token: ['access_token'], access_token: ['refresh_token'] },
 *   request: ({ token, origin }) => ({ method: 'POST', url: `${origin}/revoke`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` }),
 *   cassetteDir: new URL('../cassettes/', import.meta.url),
 *   cassettes: { revoked: 'revoked.cassette.json', … },
 * })
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2 (what an RFC 7009-shaped provider answers; other providers document their own)
 */
export function describeRevocationAdapter(options: AdapterContractOptions): void {
  validateOptions(options)
  const title = `${options.provider} adapter contract${options.name ? ` (${options.name})` : ''}`
  const skipped = (name: ContractCase) => options.skip?.[name]
  const cascades = options.cascades ?? {}
  const recording = process.env.REVOKIT_RECORD === '1'

  /** Registers one case, or a visible skip with its reason. */
  const contractCase = (name: ContractCase, body: () => void) => {
    const reason = skipped(name)
    if (reason) {
      console.warn(`[@revokit/testing] ${title}: skipping "${name}": ${reason}`)
      it.skip(`${name}: skipped: ${reason}`, () => {})
      return
    }
    describe(name, body)
  }

  if (recording) describeRecording(options, title)

  describe(title, () => {
    useNock()
    const probe = createContractRun(options)
    const supported = TOKEN_SUBJECTS.filter((s) => supportsSubject(probe.adapter, s))
    const unsupported = TOKEN_SUBJECTS.filter((s) => !supportsSubject(probe.adapter, s))
    const first = supported[0]
    const expectNoLeaks = (run: ContractRun, ...texts: unknown[]) => expect(run.leaks(...texts)).toEqual([])
    const expectedFor = (run: ContractRun, subject: TokenSubject, origin = options.origin) =>
      options.request({ subject, token: run.tokens[subject], origin, vars: run.env.vars })

    contractCase('cassettes', () => {
      it.each([...new Set(allCassettes(options.cassettes))])(
        '%s is a valid, honestly labelled cassette for this provider',
        (file) => {
          const cassette = readCassette(cassettePath(options.cassetteDir, file))
          expect(cassette.meta.provider).toBe(options.provider)
          for (const interaction of cassette.interactions) expect(interaction.scope).toBe(options.origin)
          if (!cassette.meta.recorded) expect(cassette.meta.source).toMatch(/^https:\/\//)
        },
      )
    })

    contractCase('declared-subjects', () => {
      it('declares both capabilities as booleans and only the documented cascades', () => {
        expect(typeof probe.adapter.supportsAccess).toBe('boolean')
        expect(typeof probe.adapter.supportsRefresh).toBe('boolean')
        for (const subject of TOKEN_SUBJECTS) {
          expect([...(probe.adapter.cascades?.[subject] ?? [])].sort(), `cascades.${subject}`).toEqual(
            [...(cascades[subject] ?? [])].sort(),
          )
        }
      })

      it('through the engine, an account holding both tokens gets exactly the planned dispatches', async () => {
        const run = createContractRun(options)
        const plan = expectedPlan(run.adapter, TOKEN_SUBJECTS, cascades)
        for (const subject of plan.dispatched) run.cassette(options.cassettes.revoked, subject)
        const { engine, calls, logger, events } = run.engine()
        try {
          const account = await engine.create({
            userId: 'u1',
            status: 'ACTIVE',
            toolkit: run.adapter.toolkit,
            credentials: run.credentials(),
          })
          if (plan.dispatched.length === 0) {
            const error = await engine.revoke(account.id).then(
              () => undefined,
              (e: unknown) => e,
            )
            expect(isRevokitError(error) && error.status).toBe(400)
            expect(calls).toEqual([])
            expectNoLeaks(run, error, logger.text(), events)
            return
          }
          const result = await engine.revoke(account.id)
          expect(calls, 'dispatched subjects, in order').toEqual(plan.dispatched)
          expect(result.revokedTokens).toEqual(plan.revoked)
          // An unsupported subject is never dispatched, but may die by a documented cascade.
          for (const subject of unsupported)
            expect(result.subjects[subject]).toBe(plan.revoked.includes(subject) ? 'revoked' : 'unsupported')
          expectNoLeaks(run, result, logger.text(), events)
        } finally {
          await engine.close()
        }
      })

      it.each(supported)('through the engine, %s held alone is dispatched once', async (subject) => {
        const run = createContractRun(options)
        run.cassette(options.cassettes.revoked, subject)
        const { engine, calls } = run.engine()
        try {
          const account = await engine.create({
            userId: 'u1',
            status: 'ACTIVE',
            toolkit: run.adapter.toolkit,
            credentials: run.credentials([subject]),
          })
          const result = await engine.revoke(account.id)
          expect(calls).toEqual([subject])
          expect(result.revokedTokens).toEqual([subject])
        } finally {
          await engine.close()
        }
      })

      if (unsupported.length) {
        it.each(unsupported)(
          'through the engine, %s (declared unsupported) is never dispatched',
          async (subject) => {
            const run = createContractRun(options)
            const { engine, calls } = run.engine()
            try {
              const account = await engine.create({
                userId: 'u1',
                status: 'ACTIVE',
                toolkit: run.adapter.toolkit,
                credentials: { [subject]: run.tokens[subject] },
              })
              const error = await engine.revoke(account.id).then(
                () => undefined,
                (e: unknown) => e,
              )
              expect(isRevokitError(error) && error.status, 'nothing revokable: 400').toBe(400)
              expect(calls).toEqual([])
            } finally {
              await engine.close()
            }
          },
        )
      }
    })

    if (!first) return

    contractCase('revoked', () => {
      it.each(supported)(
        'the success answer for %s is revoked, with the documented cascade',
        async (subject) => {
          const run = createContractRun(options)
          run.cassette(options.cassettes.revoked, subject)
          const settled = await run.revoke(subject)
          expect(settled.outcome?.type, describeSettled(settled)).toBe('revoked')
          const outcome = settled.outcome as Extract<RevokeOutcome, { type: 'revoked' }>
          const effective = outcome.cascade ?? run.adapter.cascades?.[subject] ?? []
          expect([...effective].sort()).toEqual([...(cascades[subject] ?? [])].sort())
          expectNoLeaks(run, settled)
        },
      )
    })

    /** Every cassette, for every supported subject, must end in exactly this outcome. */
    const outcomeCase = (
      name: 'already-revoked' | 'unsupported-token-type',
      files: readonly string[],
      type: RevokeOutcome['type'],
      title: string,
    ) =>
      contractCase(name, () => {
        const cases = files.flatMap((file) => supported.map((s) => [file, s] as const))
        it.each(cases)(title, async (file, subject) => {
          const run = createContractRun(options)
          run.cassette(file, subject)
          const settled = await run.revoke(subject)
          expect(settled.outcome?.type, describeSettled(settled)).toBe(type)
          expectNoLeaks(run, settled)
        })
      })
    outcomeCase(
      'already-revoked',
      list(options.cassettes.alreadyRevoked),
      'already_revoked',
      '%s for %s is already_revoked',
    )

    const retryableCase = (name: 'server-error' | 'rate-limited', files: readonly string[]) =>
      contractCase(name, () => {
        const cases = files.flatMap((file) => supported.map((s) => [file, s] as const))
        it.each(cases)(
          '%s for %s is a retryable failure carrying the provider status and Retry-After',
          async (file, subject) => {
            const run = createContractRun(options)
            const cassette = readCassette(cassettePath(options.cassetteDir, file))
            run.cassette(file, subject)
            const settled = await run.revoke(subject)
            expect(settled.outcome?.type, describeSettled(settled)).toBe('failed')
            const outcome = settled.outcome as Extract<RevokeOutcome, { type: 'failed' }>
            expect(outcome.retryable, 'retryable').toBe(true)
            expect(outcome.status, 'status').toBe(cassette.interactions.at(-1)?.status)
            const seconds = retryAfterSeconds(cassette)
            if (seconds !== undefined) expect(outcome.retryAfterMs, 'retryAfterMs').toBe(seconds * 1000)
            expect(outcome.reason.length).toBeGreaterThan(0)
            expectNoLeaks(run, settled)
          },
        )
      })
    retryableCase('server-error', list(options.cassettes.serverError))
    retryableCase('rate-limited', list(options.cassettes.rateLimited))

    const oddBodyCase = (
      name: 'malformed-body' | 'empty-body',
      expectations: readonly CassetteExpectation[],
    ) =>
      contractCase(name, () => {
        it.each(expectations.map((e) => [e.cassette, e] as const))(
          '%s gives a sensible outcome and never throws',
          async (_file, expectation) => {
            const run = createContractRun(options)
            run.cassette(expectation.cassette, first)
            const settled = await run.revoke(first)
            expect(settled.error, describeSettled(settled)).toBeUndefined()
            expect(settled.outcome?.type).toBe(expectation.outcome)
            if (settled.outcome?.type === 'failed') {
              expect(settled.outcome.reason.length).toBeGreaterThan(0)
              if (expectation.retryable !== undefined)
                expect(settled.outcome.retryable).toBe(expectation.retryable)
            }
            expectNoLeaks(run, settled)
          },
        )
      })
    oddBodyCase('malformed-body', list(options.cassettes.malformed))
    oddBodyCase('empty-body', list(options.cassettes.empty))

    // Optional: runs only when the adapter names an unsupported_token_type cassette.
    if (options.cassettes.unsupported !== undefined) {
      outcomeCase(
        'unsupported-token-type',
        list(options.cassettes.unsupported),
        'unsupported',
        '%s for %s is unsupported, not failed or revoked',
      )
    }

    contractCase('network-unmocked', () => {
      it('an unreachable provider is a retryable failure, not a throw through the engine', async () => {
        const run = createContractRun(options)
        const settled = await run.revoke(first)
        expect(retryableFailure(settled), describeSettled(settled)).toBe(true)
        const { engine, logger, events } = run.engine({ maxAttempts: 2 })
        try {
          const account = await engine.create({
            userId: 'u1',
            status: 'ACTIVE',
            toolkit: run.adapter.toolkit,
            credentials: run.credentials(),
          })
          const error = await engine.revoke(account.id).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(isRevokitError(error) && error.status, 'engine answers 500').toBe(500)
          expect((await engine.get(account.id)).status, 'the account stays ACTIVE for a later retry').toBe(
            'ACTIVE',
          )
          expectNoLeaks(run, settled, error, logger.text(), events)
        } finally {
          await engine.close()
        }
      })
    })

    contractCase('network-reset', () => {
      let server: Awaited<ReturnType<typeof resettingServer>>
      beforeAll(async () => {
        server = await resettingServer()
      })
      afterAll(() => server.close())
      it('a provider that resets the connection is a retryable failure', async () => {
        allowLoopback()
        const run = createContractRun(options, server.url)
        const settled = await run.revoke(first)
        expect(server.hits(), 'the adapter sent its request to the origin it was given').toBeGreaterThan(0)
        expect(retryableFailure(settled), describeSettled(settled)).toBe(true)
        expectNoLeaks(run, settled)
      })
    })

    contractCase('timeout', () => {
      it('a provider that does not answer within timeoutMs is a retryable failure', async () => {
        const run = createContractRun(options)
        const expected = new URL(expectedFor(run, first).url)
        nock(expected.origin)
          .intercept(`${expected.pathname}${expected.search}`, expectedFor(run, first).method)
          .reply(hangingReply(30_000))
        const started = Date.now()
        const settled = await run.revoke(first, { timeoutMs: options.timeoutMs ?? 300, deadlineMs: 15_000 })
        expect(retryableFailure(settled), describeSettled(settled)).toBe(true)
        if (settled.error instanceof TransportError) expect(settled.error.kind).toBe('timeout')
        expect(Date.now() - started).toBeLessThan(10_000)
        expectNoLeaks(run, settled)
      })
    })

    contractCase('request-shape', () => {
      it.each(supported)('%s: the request is exactly the documented one', async (subject) => {
        const run = createContractRun(options)
        const mounted = run.cassette(options.cassettes.revoked, subject)
        const interactions = readCassette(
          cassettePath(options.cassetteDir, options.cassettes.revoked),
        ).interactions
        await run.revoke(subject)
        expect(mounted.requests, 'one request per cassette interaction').toHaveLength(interactions.length)
        // The revocation is the last request (a cassette may start with, say, a metadata fetch).
        expectRequest(mounted.requests.at(-1), expectedFor(run, subject))
      })
    })

    contractCase('no-secrets', () => {
      it('no token or app secret in any outcome, error, event or log line, for every cassette, through the engine', async () => {
        const run = createContractRun(options)
        const files = allCassettes(options.cassettes)
        const seen: unknown[] = [run.adapter]
        let lines = 0
        for (const file of files) {
          const plan = expectedPlan(run.adapter, TOKEN_SUBJECTS, cascades)
          for (const subject of plan.dispatched) run.cassette(file, subject)
          const { engine, logger, events } = run.engine()
          try {
            const account = await engine.create({
              userId: 'u1',
              status: 'ACTIVE',
              toolkit: run.adapter.toolkit,
              credentials: run.credentials(),
            })
            seen.push(
              await engine.revoke(account.id).then(
                (result) => result,
                (error: unknown) => error,
              ),
              events,
              logger.text(),
            )
            lines += logger.lines.length
          } finally {
            await engine.close()
            nock.cleanAll()
          }
        }
        // A network failure, straight through the adapter.
        seen.push(await run.revoke(first))
        expect(lines, 'the engine logged, so the check is not vacuous').toBeGreaterThan(0)
        expectNoLeaks(run, ...seen)
      })
    })

    options.extend?.({ options, run: (origin) => createContractRun(options, origin) })
  })
}

/** The `REVOKIT_RECORD=1` suite: revoke a live token twice and write both answers. */
function describeRecording(options: AdapterContractOptions, title: string) {
  describe(`${title}: recording (REVOKIT_RECORD=1)`, () => {
    beforeAll(() => {
      nock.cleanAll()
      nock.enableNetConnect()
    })
    it('records the live revoked and already-revoked answers as scrubbed cassettes', async () => {
      const record = options.record
      if (!record) {
        throw new Error(
          `${options.provider}: REVOKIT_RECORD=1 is set but the contract has no \`record\` option naming its env vars`,
        )
      }
      const missing = [...Object.values(record.env), ...(record.originEnv ? [record.originEnv] : [])].filter(
        (name) => !process.env[name],
      )
      if (missing.length)
        throw new Error(`REVOKIT_RECORD=1 needs these environment variables: ${missing.join(', ')}`)
      const real = Object.fromEntries(
        Object.entries(record.env).map(([key, name]) => [key, process.env[name] as string]),
      )
      const token = real.token
      if (!token) throw new Error('record.env must name the variable holding the live token as `token`')
      const secretNames = new Set(options.secrets ?? [])
      const secrets: Record<string, string> = { token }
      const vars: Record<string, string> = {}
      for (const [key, value] of Object.entries(real)) {
        if (key === 'token') continue
        if (secretNames.has(key)) secrets[key] = value
        else vars[key] = value
      }
      const liveOrigin = record.originEnv ? (process.env[record.originEnv] as string) : options.origin
      const env: AdapterEnv = { origin: liveOrigin, vars: { ...options.vars, ...vars, ...secrets } }
      const scope = liveOrigin === options.origin ? {} : { scope: options.origin }
      const adapter = options.create(env)
      const subject =
        record.subject ?? TOKEN_SUBJECTS.find((s) => supportsSubject(adapter, s)) ?? ('access_token' as const)
      const recorder = createRecorder({ secrets, vars, exact: { subject } })
      const source = options.docsUrl ?? adapter.docsUrl
      if (!source) throw new Error("recording needs docsUrl (or the adapter's docsUrl) for the cassette meta")
      try {
        const request = revokeRequest(subject, token, { [subject]: token }, adapter.toolkit)
        const first = await settleRevoke(adapter, request, { dispatcher: recorder.dispatcher })
        if (first.outcome?.type !== 'revoked') {
          recorder.discard()
          throw new Error(`the live revoke did not answer revoked: ${describeSettled(first)}`)
        }
        await recorder.write(cassettePath(options.cassetteDir, options.cassettes.revoked), {
          provider: options.provider,
          source,
          ...scope,
        })
        // A provider with no distinct already-revoked answer (RFC 7009 answers 200) records once.
        const alreadyRevoked = list(options.cassettes.alreadyRevoked)[0]
        if (alreadyRevoked === undefined) return
        const second = await settleRevoke(adapter, request, { dispatcher: recorder.dispatcher })
        if (second.outcome?.type !== 'already_revoked') {
          recorder.discard()
          throw new Error(
            `revoking the same token again did not answer already_revoked: ${describeSettled(second)}`,
          )
        }
        await recorder.write(cassettePath(options.cassetteDir, alreadyRevoked), {
          provider: options.provider,
          source,
          ...scope,
        })
      } finally {
        await recorder.close()
      }
    }, 60_000)
  })
}
