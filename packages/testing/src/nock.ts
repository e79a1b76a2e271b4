import nock from 'nock'
import { afterAll, afterEach, beforeAll } from 'vitest'
import {
  type Cassette,
  type CassetteMeta,
  fillPlaceholders,
  REDACTED_PLACEHOLDER,
  readCassette,
  redactedMatcher,
} from './cassette'

/** A request nock answered, as the provider would have received it. */
export interface RecordedRequest {
  readonly method: string
  /** Absolute URL, query included. */
  readonly url: string
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text (`''` when there was none). */
  readonly body: string
}

/** Options of {@link mountCassette}. */
export interface MountOptions {
  /** Values for the cassette's `{{placeholders}}`. */
  vars?: Readonly<Record<string, string>>
  /** Serve the interactions at this origin instead of the recorded one (a GHES host, say). */
  origin?: string
  /** Names the cassette in errors. */
  where?: string
}

/** A cassette whose interactions nock now serves. */
export interface MountedCassette {
  readonly meta: CassetteMeta
  /** Every request the cassette answered, in order. */
  readonly requests: readonly RecordedRequest[]
  /** True once every interaction has been requested. */
  isDone(): boolean
}

/**
 * Makes nock serve a cassette's interactions, in order, each once. Placeholders are filled from
 * `vars`; `{{redacted}}` in a body or path matches any value, and a request header holding it
 * is not matched. Every request answered is kept in `requests`, so a test can assert the exact
 * method, URL, headers and body the adapter sent.
 * @see https://github.com/nock/nock#nockdefine (the interaction shape cassettes use)
 */
export function mountCassette(
  cassette: Cassette | string | URL,
  options: MountOptions = {},
): MountedCassette {
  const where =
    options.where ?? (typeof cassette === 'object' && 'meta' in cassette ? 'cassette' : String(cassette))
  const loaded = typeof cassette === 'object' && 'meta' in cassette ? cassette : readCassette(cassette)
  const interactions = fillPlaceholders(loaded, options.vars ?? {}, where)
  const requests: RecordedRequest[] = []
  const scopes: nock.Scope[] = []
  for (const interaction of interactions) {
    const scope = nock(options.origin ?? interaction.scope)
    for (const [name, value] of Object.entries(interaction.reqheaders ?? {})) {
      if (!value.includes(REDACTED_PLACEHOLDER)) scope.matchHeader(name, value)
    }
    const path = interaction.path.includes(REDACTED_PLACEHOLDER)
      ? redactedMatcher(interaction.path)
      : interaction.path
    const body = bodyMatcher(interaction.body)
    scope
      .intercept(path, interaction.method.toUpperCase(), body as nock.RequestBodyMatcher | undefined)
      .reply(interaction.status, interaction.response ?? '', interaction.rawHeaders ?? {})
    scope.on('request', (request: Request, _interceptor: unknown, text: string) => {
      requests.push(recordedRequest(request, text))
    })
    scopes.push(scope)
  }
  return {
    meta: loaded.meta,
    requests,
    isDone: () => scopes.every((scope) => scope.isDone()),
  }
}

/** The nock body matcher for a cassette body; `{{redacted}}` holes accept any value. */
function bodyMatcher(body: unknown): nock.RequestBodyMatcher | undefined {
  if (body === undefined) return undefined
  if (typeof body === 'string') return body.includes(REDACTED_PLACEHOLDER) ? redactedMatcher(body) : body
  if (!JSON.stringify(body).includes(REDACTED_PLACEHOLDER)) return body as nock.RequestBodyMatcher
  return (actual: unknown) => matchesWithHoles(body, actual)
}

function matchesWithHoles(expected: unknown, actual: unknown): boolean {
  if (expected === REDACTED_PLACEHOLDER) return typeof actual === 'string'
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => matchesWithHoles(item, actual[i]))
    )
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false
    const keys = Object.keys(expected)
    return (
      keys.length === Object.keys(actual).length &&
      keys.every((k) =>
        matchesWithHoles((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k]),
      )
    )
  }
  return expected === actual
}

/** Turns the Fetch `Request` nock hands to listeners and reply functions into plain data. */
export function recordedRequest(request: Request, body: string): RecordedRequest {
  return {
    method: request.method,
    url: request.url,
    headers: Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v])),
    body: body ?? '',
  }
}

const hanging = new Set<ReturnType<typeof setTimeout>>()

/**
 * A nock reply function for a provider that accepts the request and never answers in time: it
 * waits `ms` before replying. (nock's `.delay()` does not delay headers for undici, and a
 * `.replyWithError()` hangs undici; this does neither.) Pending waits are dropped after each
 * test by {@link useNock}, so nothing answers a request that was already given up on.
 */
export function hangingReply(ms = 60_000, status = 200, body = ''): () => Promise<[number, string]> {
  return () =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        hanging.delete(timer)
        resolve([status, body])
      }, ms)
      hanging.add(timer)
    })
}

/** Drops every pending {@link hangingReply}; their requests are never answered. */
export function releaseHangingReplies(): void {
  for (const timer of hanging) clearTimeout(timer)
  hanging.clear()
}

const LOOPBACK = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(?::\d+)?$/

/**
 * Lets requests reach servers on 127.0.0.1 until the end of the current test (for a real local
 * server that resets connections). Everything else stays blocked.
 */
export function allowLoopback(): void {
  nock.enableNetConnect((host: string) => LOOPBACK.test(host))
}

/** Options of {@link useNock}. */
export interface UseNockOptions {
  /** Fail a test that leaves cassette interactions unrequested. @default true */
  requireAllUsed?: boolean
}

/**
 * Registers vitest hooks for the enclosing `describe` (or file): no request leaves the machine
 * (`nock.disableNetConnect()`); after each test every mounted interaction must have been used,
 * then all are cleared. A request that matched nothing is listed in the failure, which is
 * usually why an interaction went unused.
 * @see https://github.com/nock/nock#enable-real-http-requests (disableNetConnect)
 */
export function useNock(options: UseNockOptions = {}): void {
  const unmatched: string[] = []
  const onNoMatch = (request: unknown) => {
    const r = request as Partial<Request> | undefined
    unmatched.push(`${r?.method ?? '?'} ${r?.url ?? String(request)}`)
  }
  beforeAll(() => {
    nock.disableNetConnect()
    nock.emitter.on('no match', onNoMatch)
  })
  afterEach(() => {
    const pending = nock.pendingMocks()
    const seen = unmatched.splice(0)
    nock.cleanAll()
    releaseHangingReplies()
    nock.disableNetConnect()
    if (pending.length && options.requireAllUsed !== false) {
      throw new Error(
        `these cassette interactions were never requested:\n  ${pending.join('\n  ')}${
          seen.length ? `\nrequests that matched no interaction:\n  ${seen.join('\n  ')}` : ''
        }`,
      )
    }
  })
  afterAll(() => {
    nock.emitter.removeListener('no match', onNoMatch)
    nock.cleanAll()
    releaseHangingReplies()
    nock.enableNetConnect()
  })
}
