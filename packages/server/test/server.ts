// Starts the real stack the way `revokit serve` does — config → registry → engine → handler →
// node:http on 127.0.0.1:0 — with logs captured as parsed JSON lines.
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EngineOptions, Store } from '@revokit/core'
import type { FakeAnswer, FakeAuthorizationServer, FakeTokenAnswer } from '@revokit/core/testing'
import { parseConfig } from '../src/config'
import { jsonLogger } from '../src/log'
import { type ServerLimits, startServer } from '../src/node-server'
import { openRevokit, type Revokit } from '../src/runtime'
import { withTestKey } from './encryption-key'
import { type Built, testKinds } from './kinds'

export const KEY_A = 'test-key-project-a-0001'
export const KEY_A2 = 'test-key-project-a-0002'
export const KEY_B = 'test-key-project-b-0001'
/** A key of project A that may read live tokens (`"credentials": true`). */
export const KEY_A_TOKENS = 'test-key-project-a-tokens-0001'

export interface TestServer {
  url: string
  /** The node:http server, to watch its sockets. */
  server: Server
  /** The temporary directory the store (and config) live in. */
  dir: string
  revokit: Revokit
  built: Built
  /** Every log line, raw. */
  logText(): string
  /** Every log line, parsed. */
  logs(): Record<string, unknown>[]
  close(): Promise<void>
  request(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>
}

export async function startTestServer(
  options: {
    store?: (dir: string) => Record<string, unknown>
    toolkits?: Record<string, Record<string, unknown>>
    env?: Record<string, string>
    shared?: Store
    maxBodyBytes?: number
    /** Timeouts and the connection cap of node:http. */
    limits?: ServerLimits
    /** The handler's clock for rate limiting (ms). */
    now?: () => number
    /** The config's `rateLimit` section, as written in the file. @default false */
    rateLimit?: unknown
    /**
     * `true`: the server's own URL (it listens before the config is read, so the redirect URI
     * points at it); a string: that; absent: no publicUrl.
     */
    publicUrl?: true | string
    /** More engine options (a clock, the link's lifetime). */
    engine?: Omit<EngineOptions, 'store' | 'adapters' | 'logger'>
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-server-'))
  const { kinds, built } = testKinds(options.shared)
  const lines: string[] = []
  const logger = jsonLogger({ stream: { write: (line: string) => lines.push(line) }, level: 'debug' })
  let opened: (revokit: Revokit) => void = () => {}
  const ready = new Promise<Revokit>((resolve) => {
    opened = resolve
  })
  const running = await startServer({
    handler: async (request, info) => (await ready).handler(request, info),
    port: 0,
    logger,
    ...(options.limits ? { limits: options.limits } : {}),
    onClose: async () => (await ready).close(),
  })
  const config = await parseConfig(
    JSON.stringify({
      port: 0,
      ...(options.publicUrl
        ? { publicUrl: options.publicUrl === true ? running.url : options.publicUrl }
        : {}),
      store: options.store ? options.store(dir) : { kind: 'memory' },
      projects: [
        { id: 'proj_a', apiKeys: [KEY_A, KEY_A2, { key: KEY_A_TOKENS, credentials: true }] },
        { id: 'proj_b', apiKeys: [KEY_B] },
      ],
      toolkits: options.toolkits ?? { acme: { adapter: 'test' } },
      // Off unless a test is about it: suites send bursts no client of one key would.
      rateLimit: options.rateLimit ?? false,
    }),
    { env: withTestKey(options.env), kinds, file: join(dir, 'revokit.json') },
  ).catch(async (error) => {
    running.server.close()
    throw error
  })
  const revokit = await openRevokit(config, {
    logger,
    engine: { deadlineMs: 5000, backoff: { baseMs: 1, maxMs: 5 }, ...options.engine },
    handler: {
      ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
      ...(options.now ? { now: options.now } : {}),
    },
  })
  opened(revokit)
  return {
    url: running.url,
    server: running.server,
    dir,
    revokit,
    built,
    logText: () => lines.join(''),
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    async close() {
      await running.close()
      rmSync(dir, { recursive: true, force: true })
    },
    request(path, init = {}) {
      const { key = KEY_A, ...rest } = init
      const headers = new Headers(rest.headers)
      if (key !== null && !headers.has('x-api-key')) headers.set('x-api-key', key)
      return fetch(`${running.url}${path}`, { ...rest, headers })
    },
  }
}

/** POSTs JSON with the key of project A unless told otherwise. */
export function postJson(server: TestServer, path: string, body: unknown, key: string | null = KEY_A) {
  return server.request(path, {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/**
 * A connectable toolkit's config for core's `fakeAuthorizationServer` (client_secret_basic, as
 * the test adapter kind registers it).
 */
export function fakeProviderToolkit(provider: FakeAuthorizationServer, extra: Record<string, unknown> = {}) {
  return {
    adapter: 'test',
    clientId: provider.connector.clientId,
    clientSecret: provider.clientSecret,
    authorizationEndpoint: provider.authorizationEndpoint,
    tokenEndpoint: provider.tokenEndpoint,
    ...extra,
  }
}

/**
 * What the user's browser does at the provider: opens the authorization URL and gets redirected
 * back. Answers the URL the provider redirects to (the server's callback, with code and state).
 */
export async function consent(authorizationUrl: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  const location = response.headers.get('location')
  if (response.status !== 302 || !location) throw new Error(`the fake provider answered ${response.status}`)
  return location
}

const onRefresh =
  (answer: FakeTokenAnswer): FakeAnswer =>
  (grant) =>
    grant.grantType === 'refresh_token' ? answer : undefined

/** A provider answer hook: every refresh grant is refused as if the grant were dead. */
export const REFRESH_REFUSED = onRefresh([400, { error: 'invalid_grant' }])
/** A provider answer hook: the token endpoint is down for refresh grants, back in 7 s. */
export const REFRESH_UNAVAILABLE = onRefresh([
  503,
  { error: 'temporarily_unavailable' },
  { 'retry-after': '7' },
])
