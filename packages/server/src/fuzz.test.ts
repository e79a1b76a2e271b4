// Fuzzed HTTP input: random methods, paths, ids, queries, headers and bodies, aimed at every
// route (the lifecycle and connect routes too) with bodies that are valid, mutated, invalid,
// huge or carry prototype-pollution keys. Most go straight to the handler (fast); a share goes
// over a real socket through node:http. Every answer must be a valid envelope (with its own
// status and request id) or a valid success body; never a 500 except a revoke through the
// adapter that fails on purpose; no prototype is polluted; the server keeps serving afterwards.

import { type FakeAuthorizationServer, fakeAuthorizationServer } from '@revokit/core/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as z from 'zod'
import {
  fakeProviderToolkit,
  KEY_A,
  KEY_A_TOKENS,
  KEY_B,
  postJson,
  startTestServer,
  type TestServer,
} from '../test/server'
import { credentialsResponseSchema, linkResponseSchema, refreshResponseSchema } from './connect-wire'
import { OPENAPI_PATH, ROUTES, servedPaths } from './routes'
import {
  accountSchema,
  deleteResponseSchema,
  errorEnvelopeSchema,
  healthSchema,
  listResponseSchema,
  maskedAccountSchema,
  revokeResponseSchema,
  statusResponseSchema,
} from './wire'

const successSchema = z.union([
  linkResponseSchema,
  refreshResponseSchema,
  credentialsResponseSchema,
  accountSchema,
  maskedAccountSchema,
  listResponseSchema,
  statusResponseSchema,
  deleteResponseSchema,
  revokeResponseSchema,
  healthSchema,
  z.looseObject({ openapi: z.literal('3.1.0') }),
])

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
})
const weirdSegment = fc.constantFrom(
  '%',
  '%zz',
  '%00',
  '..',
  '.',
  ';',
  '%2F',
  'ca_%ZZabcdef',
  `ca_${'x'.repeat(70)}`,
  '%E2%80%AE',
  '~',
  '@',
  ':',
)

describe('fuzzed HTTP input', () => {
  let server: TestServer
  let provider: FakeAuthorizationServer
  const ids: string[] = []
  const failingIds = new Set<string>()

  beforeAll(async () => {
    provider = await fakeAuthorizationServer()
    server = await startTestServer({
      publicUrl: true,
      toolkits: {
        acme: { adapter: 'test' },
        down: { adapter: 'test', behaviour: 'fail' },
        conn: fakeProviderToolkit(provider),
      },
    })
    for (const [toolkit, key] of [
      ['acme', KEY_A],
      ['acme', KEY_B],
      ['down', KEY_A],
      ['conn', KEY_A],
    ] as const) {
      const response = await postJson(
        server,
        '/api/v3/connected_accounts',
        {
          user_id: 'fuzz',
          toolkit,
          credentials: { access_token: 'fake-fuzz-access', refresh_token: 'fake-fuzz-refresh' },
        },
        key,
      )
      const { id } = accountSchema.parse(await response.json())
      ids.push(id)
      if (toolkit === 'down') failingIds.add(id)
    }
  })
  afterAll(async () => {
    await server.close()
    await provider.close()
  })

  const id = fc.oneof(
    fc.constantFrom(...['ca_1a2b3c4d5e6f', 'ca_doesnotexist']),
    fc.constant('').chain(() => fc.constantFrom(...ids)),
    fc.stringMatching(/^ca_[A-Za-z0-9_-]{6,64}$/),
    printable.map(encodeURIComponent),
    weirdSegment,
  )
  // Weighted towards the real routes, so most requests get past routing and auth.
  const path = fc.oneof(
    { arbitrary: id.map((i) => `/api/v3/connected_accounts/${i}`), weight: 4 },
    { arbitrary: id.map((i) => `/api/v3/connected_accounts/${i}/status`), weight: 4 },
    { arbitrary: id.map((i) => `/api/v3.1/connected_accounts/${i}/revoke`), weight: 4 },
    { arbitrary: fc.constant('/api/v3/connected_accounts'), weight: 4 },
    {
      arbitrary: fc.constantFrom('/api/v3/connected_accounts/link', '/api/v3.1/connected_accounts/link'),
      weight: 3,
    },
    {
      arbitrary: fc.constantFrom('/api/v3/toolkits/auth/callback', '/api/v3.1/toolkits/auth/callback'),
      weight: 3,
    },
    { arbitrary: id.map((i) => `/api/v3/connected_accounts/${i}/refresh`), weight: 2 },
    { arbitrary: id.map((i) => `/api/v3.1/connected_accounts/${i}/credentials`), weight: 2 },
    fc.constantFrom('/healthz', '/readyz', '/openapi.json', '/', '/api', '/api/v3.1'),
    fc.webPath(),
    fc
      .array(fc.oneof(printable.map(encodeURIComponent), weirdSegment), { maxLength: 6 })
      .map((s) => `/${s.join('/')}`),
  )
  const query = fc.oneof(
    fc.constant(''),
    fc.webQueryParameters().map((q) => (q ? `?${q}` : '')),
    fc
      .array(
        fc.tuple(
          fc.constantFrom(
            'user_ids',
            'statuses',
            'toolkit_slugs',
            'limit',
            'cursor',
            'revoke',
            'x',
            'state',
            'code',
            'error',
          ),
          fc.oneof(
            printable,
            fc.constantFrom(
              'true',
              'ACTIVE',
              'active,REVOKED',
              '0',
              '1000',
              '-1',
              '1e3',
              'acme',
              'access_denied',
              'ca_1a2b3c4d5e6f.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
              '.',
            ),
          ),
        ),
        { maxLength: 4 },
      )
      .map((pairs) =>
        pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : '',
      ),
  )
  const body = fc.oneof(
    fc.constant(undefined),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    printable,
    fc
      .record(
        {
          user_id: fc.oneof(printable, fc.integer(), fc.constant(null)),
          toolkit: fc.oneof(fc.constantFrom('acme', 'down', 'gmail', 'conn'), printable),
          auth_config_id: fc.oneof(fc.constantFrom('ac_conn', 'ac_acme', 'ac_'), printable),
          callback_url: fc.oneof(fc.constantFrom('https://app.example.com/x', 'javascript:x'), printable),
          redirect_url: fc.oneof(fc.constant('https://app.example.com/y'), printable),
          scopes: fc.oneof(fc.array(printable, { maxLength: 3 }), printable),
          allow_multiple: fc.oneof(fc.boolean(), printable),
          credentials: fc.oneof(
            fc.dictionary(
              fc.constantFrom('access_token', 'refresh_token', 'expires_at', 'x'),
              fc.oneof(printable, fc.integer(), fc.boolean()),
            ),
            fc.jsonValue({ maxDepth: 2 }),
          ),
          status: fc.constantFrom('ACTIVE', 'INITIATED', 'REVOKED', 'nope'),
          enabled: fc.oneof(fc.boolean(), printable),
          extra: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
    fc.integer({ min: 60_000, max: 120_000 }).map((n) => JSON.stringify({ user_id: 'x'.repeat(n) })),
    fc.uint8Array({ maxLength: 64 }),
    fc.constantFrom(
      '{"a":',
      '[',
      '{"user_id": "\\ud800"}',
      '\u0000',
      '{"enabled": true}{"enabled": false}',
      '{"__proto__": {"x": 1}}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
    ),
  )
  const headers = fc.record(
    {
      'x-api-key': fc.oneof(
        { arbitrary: fc.constant(KEY_A), weight: 8 },
        fc.constantFrom(KEY_B, KEY_A_TOKENS, '', 'nope'),
        printable,
      ),
      'content-type': fc.oneof(
        { arbitrary: fc.constant('application/json'), weight: 6 },
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/merge-patch+json',
        ),
        printable,
      ),
      'x-request-id': printable,
      accept: printable,
    },
    { requiredKeys: ['x-api-key'] },
  )
  const method = fc.oneof(
    { arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'), weight: 6 },
    fc.constantFrom('PUT', 'HEAD', 'OPTIONS', 'FROB'),
  )

  // A body close to what the route takes, then mutated: a field dropped, retyped or added,
  // prototype-pollution keys, the JSON text cut short.
  const validBodies: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    createConnectedAccount: fc.record({
      user_id: fc.constantFrom('fuzz', 'alice'),
      toolkit: fc.constantFrom('acme', 'down', 'conn'),
      credentials: fc.constant({ access_token: 'fake-fuzz-at', refresh_token: 'fake-fuzz-rt' }),
      allow_multiple: fc.boolean(),
    }),
    updateConnectedAccountStatus: fc.record({ enabled: fc.boolean() }),
    linkConnectedAccount: fc.record(
      {
        user_id: fc.constantFrom('fuzz', 'bob'),
        toolkit: fc.constantFrom('conn', 'acme'),
        auth_config_id: fc.constantFrom('ac_conn', 'ac_acme'),
        callback_url: fc.constantFrom('https://app.example.com/connected', 'http://127.0.0.1:9/x'),
        scopes: fc.array(fc.constantFrom('read', 'write', 'a b'), { maxLength: 3 }),
        allow_multiple: fc.boolean(),
      },
      { requiredKeys: ['user_id'] },
    ),
    refreshConnectedAccount: fc.record(
      { redirect_url: fc.constantFrom('https://app.example.com/again', 'ftp://x') },
      { requiredKeys: [] },
    ),
    updateConnectedAccount: fc.record({
      credentials: fc.record(
        {
          access_token: fc.constantFrom('fake-fuzz-at-2', ''),
          refresh_token: fc.constant('fake-fuzz-rt-2'),
          expires_at: fc.oneof(fc.integer(), fc.constant('2030-01-01T00:00:00Z')),
        },
        { requiredKeys: ['access_token'] },
      ),
    }),
  }
  const emptyBody = fc.constant<Record<string, unknown>>({})
  const pollution = fc.constantFrom<[string, unknown][]>(
    [['__proto__', { polluted: true }]],
    [['constructor', { prototype: { polluted: true } }]],
    [['__proto__', { toString: 'x', enabled: true }]],
  )
  const mutated = (
    valid: fc.Arbitrary<Record<string, unknown>>,
  ): fc.Arbitrary<string | Uint8Array | undefined> =>
    fc.oneof(
      { arbitrary: valid.map((v) => JSON.stringify(v)), weight: 4 },
      valid.chain((v) =>
        fc.constantFrom(...(Object.keys(v).length ? Object.keys(v) : ['x'])).map((k) => {
          const { [k]: _dropped, ...rest } = v
          return JSON.stringify(rest)
        }),
      ),
      fc
        .tuple(valid, fc.jsonValue({ maxDepth: 2 }))
        .chain(([v, value]) =>
          fc
            .constantFrom(...(Object.keys(v).length ? Object.keys(v) : ['x']))
            .map((k) => JSON.stringify({ ...v, [k]: value })),
        ),
      fc.tuple(valid, printable).map(([v, k]) => JSON.stringify({ ...v, [k || 'extra']: 1 })),
      // JSON.stringify drops a literal __proto__ key: splice it into the text instead.
      fc.tuple(valid, pollution).map(([v, pairs]) => {
        const extra = pairs.map(([k, value]) => `${JSON.stringify(k)}:${JSON.stringify(value)}`).join(',')
        const text = JSON.stringify(v)
        return text === '{}' ? `{${extra}}` : `{${extra},${text.slice(1)}`
      }),
      fc.tuple(valid, fc.nat()).map(([v, n]) => {
        const text = JSON.stringify(v)
        return text.slice(0, n % Math.max(1, text.length))
      }),
      fc.constant(undefined),
      body,
    )

  // A request aimed at one route: its method (mostly), one of its paths with an id filled in,
  // and a body built from what it takes.
  const targets = [
    ...ROUTES.map((route) => ({
      operationId: route.operationId,
      method: route.method,
      paths: servedPaths(route),
    })),
    { operationId: 'openapi', method: 'GET', paths: [OPENAPI_PATH] },
  ]
  const targeted = fc.constantFrom(...targets).chain((target) =>
    fc.record({
      method: fc.oneof({ arbitrary: fc.constant(target.method), weight: 8 }, method),
      path: fc
        .tuple(fc.constantFrom(...target.paths), id)
        .map(([template, i]) => template.replace('{nanoid}', i)),
      query,
      headers,
      body: mutated(validBodies[target.operationId] ?? emptyBody),
    }),
  )
  const untargeted = fc.record({ method, path, query, headers, body })
  const request = fc.oneof({ arbitrary: targeted, weight: 3 }, untargeted)

  /** Requests sent (not those the client refused to build), and per route those that reached it. */
  let sent = 0
  const perRoute = new Map<string, number>()
  const patterns = targets.flatMap((target) =>
    target.paths.map((path) => ({
      operationId: target.operationId,
      method: target.method,
      regex: new RegExp(`^${path.replaceAll('.', '\\.').replaceAll(/\{\w+\}/g, '[^/]+')}$`),
    })),
  )
  function record(m: string, p: string) {
    sent += 1
    const hit = patterns.find((pattern) => pattern.method === m && pattern.regex.test(p))
    if (hit) perRoute.set(hit.operationId, (perRoute.get(hit.operationId) ?? 0) + 1)
  }

  async function check(m: string, p: string, response: Response) {
    const requestId = response.headers.get('x-request-id')
    expect(requestId).toMatch(/^[A-Za-z0-9._:@/+=-]{8,128}$/)
    const text = await response.text()
    if (m === 'HEAD' || response.status === 204) {
      expect(text).toBe('')
      return
    }
    if (response.status === 303) {
      // Only the callback redirects, and only after a real authorization.
      expect(p).toMatch(/\/toolkits\/auth\/callback(\?|$)/)
      return
    }
    if (response.headers.get('content-type')?.startsWith('text/html')) {
      // The callback's page for a browser (its accept header asked for HTML).
      expect(p).toMatch(/\/toolkits\/auth\/callback(\?|$)/)
      expect(text).toMatch(/^<!doctype html>/)
      return
    }
    const parsed: unknown = JSON.parse(text)
    if (response.status >= 400) {
      const { error } = errorEnvelopeSchema.parse(parsed)
      expect(error.status).toBe(response.status)
      expect(error.request_id).toBe(requestId)
      expect(error.suggested_fix.length).toBeGreaterThan(0)
      if (response.status >= 500) {
        // Only the adapter that fails on purpose may cause a 500.
        expect(error.slug).toBe('revoke_failed')
        expect([...failingIds].some((failing) => p.includes(failing))).toBe(true)
      }
    } else {
      successSchema.parse(parsed)
    }
  }

  function init(m: string, h: Record<string, string>, b: string | Uint8Array | undefined): RequestInit {
    const out: RequestInit = { method: m, headers: h }
    if (b !== undefined && m !== 'GET' && m !== 'HEAD') out.body = b as NonNullable<RequestInit['body']>
    return out
  }

  const IN_PROCESS_RUNS = 10_000
  const SOCKET_RUNS = 500

  it(`answers ${IN_PROCESS_RUNS} requests given straight to the handler with a valid body and no unexpected 500`, async () => {
    const started = performance.now()
    await fc.assert(
      fc.asyncProperty(request, async ({ method: m, path: p, query: q, headers: h, body: b }) => {
        let built: Request
        try {
          built = new Request(`http://127.0.0.1${p}${q}`, init(m, h, b))
        } catch (error) {
          // A request no client could build (a forbidden method, an invalid header value).
          if (error instanceof TypeError) return
          throw error
        }
        record(m, p)
        await check(
          m,
          `${p}${q}`,
          await server.revokit.handler(built, { remoteAddr: { hostname: '127.0.0.1' } }),
        )
      }),
      { numRuns: IN_PROCESS_RUNS },
    )
    console.log(`fuzz: ${sent} requests to the handler in ${Math.round(performance.now() - started)} ms`)
  }, 300_000)

  it(`answers ${SOCKET_RUNS} requests over a real socket the same way`, async () => {
    const before = sent
    const started = performance.now()
    await fc.assert(
      fc.asyncProperty(request, async ({ method: m, path: p, query: q, headers: h, body: b }) => {
        let response: Response
        try {
          response = await fetch(`${server.url}${p}${q}`, init(m, h, b))
        } catch (error) {
          // The client refused to send it (an invalid header for fetch, say): not our concern.
          if (
            error instanceof TypeError &&
            !String((error as { cause?: unknown }).cause ?? '').includes('other side closed')
          )
            return
          throw error
        }
        record(m, p)
        await check(m, `${p}${q}`, response)
      }),
      { numRuns: SOCKET_RUNS },
    )
    console.log(
      `fuzz: ${sent - before} requests over the socket in ${Math.round(performance.now() - started)} ms`,
    )
  }, 300_000)

  it('sent at least 10,000 requests, reached every route, polluted nothing and still serves', async () => {
    console.log(`fuzz: ${sent} requests in all; per route: ${JSON.stringify(Object.fromEntries(perRoute))}`)
    expect(sent).toBeGreaterThanOrEqual(10_000)
    for (const route of [...ROUTES.map((r) => r.operationId), 'openapi'])
      expect(perRoute.get(route) ?? 0, route).toBeGreaterThanOrEqual(50)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted')
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(server.logs().filter((l) => l.msg === 'request failed' && l.status !== 500)).toEqual([])
  })
})
