import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canary, captureLogger, localServer } from '../test/helpers'
import { createRedactor } from './redact'
import {
  createHttpTransport,
  type HttpTransportOptions,
  TransportError,
  type TransportScope,
} from './transport'

const transports: Array<{ close(): Promise<void> }> = []
const servers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()))
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function client(options: HttpTransportOptions = {}, scope: Partial<TransportScope> = {}) {
  const transport = createHttpTransport({ backoff: { baseMs: 10, maxMs: 20 }, ...options })
  transports.push(transport)
  const budget = scope.budget ?? { used: 0, max: 3 }
  return {
    budget,
    http: transport.client({
      signal: scope.signal ?? AbortSignal.timeout(10_000),
      deadline: scope.deadline ?? Date.now() + 10_000,
      budget,
      ...(scope.logger ? { logger: scope.logger } : {}),
      ...(scope.redact ? { redact: scope.redact } : {}),
    }),
  }
}

async function server(handler: Parameters<typeof localServer>[0]) {
  const s = await localServer(handler)
  servers.push(s)
  return s
}

async function thrown(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof TransportError)) throw new Error(`expected a TransportError, got ${String(error)}`)
  return error
}

describe('transport: retries', () => {
  it('retries 503 then returns the 200, within the attempt budget', async () => {
    const s = await server((_req, res, n) => {
      res.writeHead(n < 3 ? 503 : 200).end(n < 3 ? 'busy' : 'ok')
    })
    const { http, budget } = client()
    const res = await http.request(`${s.url}/revoke`, { method: 'POST', body: 'token=x' })
    expect(res).toMatchObject({ status: 200, body: 'ok', attempts: 3 })
    expect(s.hits.map((h) => h.body)).toEqual(['token=x', 'token=x', 'token=x'])
    expect(budget.used).toBe(3)
  })

  it('gives the last 5xx response back when the budget is spent', async () => {
    const s = await server((_req, res) => res.writeHead(502).end('bad gateway'))
    const { http } = client({}, { budget: { used: 0, max: 2 } })
    const res = await http.request(`${s.url}/revoke`, { method: 'POST', body: 'a=1' })
    expect(res).toMatchObject({ status: 502, attempts: 2 })
    expect(s.hits.length).toBe(2)
  })

  it('retries 429 and honours Retry-After in seconds', async () => {
    const s = await server((_req, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '1' }).end()
      else res.writeHead(200).end('ok')
    })
    const { http } = client()
    const res = await http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' })
    expect(res.status).toBe(200)
    const [first, second] = s.hits
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950)
  })

  it('honours Retry-After as an HTTP-date', async () => {
    const s = await server((_req, res, n) => {
      if (n === 1) res.writeHead(503, { 'retry-after': new Date(Date.now() + 1500).toUTCString() }).end()
      else res.writeHead(200).end('ok')
    })
    const { http } = client()
    expect((await http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' })).status).toBe(200)
    const [first, second] = s.hits
    // HTTP-dates have one-second resolution, so the wait is at least ~0.5 s.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(450)
  })

  it('does not wait for a Retry-After beyond the deadline: returns at once with retryAfterMs', async () => {
    const s = await server((_req, res) => res.writeHead(503, { 'retry-after': '120' }).end())
    const { http } = client({}, { deadline: Date.now() + 2_000 })
    const res = await http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' })
    expect(res.status).toBe(503)
    expect(res.retryAfterMs).toBeGreaterThan(110_000)
    expect(s.hits.length).toBe(1)
  })

  it('never retries a 4xx other than 408 and 429', async () => {
    const s = await server((_req, res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}'),
    )
    const { http } = client()
    const res = await http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' })
    expect(res.status).toBe(400)
    expect(res.json()).toEqual({ error: 'invalid_token' })
    expect(s.hits.length).toBe(1)
  })

  it('retries a connection reset, then reports a retryable network error', async () => {
    const s = await server((req) => req.socket.destroy())
    const { http } = client()
    const error = await thrown(http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' }))
    expect(error).toMatchObject({ kind: 'network', retryable: true, attempts: 3 })
    expect(s.hits.length).toBe(3)
  })

  it('recovers when a reset is followed by an answer', async () => {
    const s = await server((req, res, n) => (n === 1 ? req.socket.destroy() : res.writeHead(200).end('ok')))
    const { http } = client()
    expect((await http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' })).status).toBe(200)
  })

  it('retry: false makes exactly one attempt', async () => {
    const s = await server((_req, res) => res.writeHead(503).end())
    const { http } = client()
    expect((await http.request(`${s.url}/r`, { retry: false })).status).toBe(503)
    expect(s.hits.length).toBe(1)
  })
})

describe('transport: time limits', () => {
  it('times out an attempt that never answers, retries, then reports a retryable timeout', async () => {
    const s = await server(() => {}) // accepts, never answers
    const { http } = client({ timeoutMs: 300 }, { budget: { used: 0, max: 2 } })
    const error = await thrown(http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' }))
    expect(error).toMatchObject({ kind: 'timeout', retryable: true })
    expect(s.hits.length).toBe(2)
  })

  it('stops at the deadline signal even while a provider hangs', async () => {
    const s = await server(() => {})
    const { http } = client(
      { timeoutMs: 60_000 },
      { signal: AbortSignal.timeout(300), deadline: Date.now() + 300 },
    )
    const error = await thrown(http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' }))
    expect(error).toMatchObject({ kind: 'deadline', retryable: true })
  })
})

describe('transport: what it refuses', () => {
  it('refuses a body larger than maxResponseBytes', async () => {
    const s = await server((_req, res) => res.writeHead(200).end('x'.repeat(100_000)))
    const { http } = client({ maxResponseBytes: 10_000 })
    const error = await thrown(http.request(`${s.url}/r`))
    expect(error).toMatchObject({ kind: 'response_too_large', retryable: false })
  })

  it('never follows a redirect to another origin, and says where it pointed', async () => {
    const elsewhere = await server((_req, res) => res.writeHead(200).end('stolen'))
    const s = await server((_req, res) => res.writeHead(307, { location: `${elsewhere.url}/collect` }).end())
    const { http } = client()
    const error = await thrown(
      http.request(`${s.url}/revoke`, {
        method: 'POST',
        body: 'token=fake-token-1',
        headers: { authorization: 'Basic Y2lkOnNlY3JldA==' },
      }),
    )
    expect(error).toMatchObject({ kind: 'redirect', retryable: false })
    expect(error.message).toContain('another origin')
    expect(elsewhere.hits).toEqual([])
  })

  it('does not follow same-origin redirects either', async () => {
    const s = await server((req, res) =>
      req.url === '/old' ? res.writeHead(308, { location: '/new' }).end() : res.writeHead(200).end(),
    )
    const { http } = client()
    const error = await thrown(http.request(`${s.url}/old`, { method: 'POST', body: 'a=1' }))
    expect(error.kind).toBe('redirect')
    expect(s.hits.map((h) => h.url)).toEqual(['/old'])
  })
})

describe('transport: secrets', () => {
  it('keeps the Authorization header, Basic secret and body secrets out of errors and logs', async () => {
    const token = canary('token')
    const secret = canary('secret')
    const bearer = canary('bearer')
    const s = await server((req) => req.socket.destroy())
    const logger = captureLogger()
    const { http } = client({}, { logger, redact: createRedactor() })
    const basic = Buffer.from(`client-id:${encodeURIComponent(secret)}`).toString('base64')
    const errors = await Promise.all([
      thrown(
        http.request(`${s.url}/revoke?token=${token}`, {
          method: 'POST',
          headers: { authorization: `Basic ${basic}` },
          body: new URLSearchParams({ token, client_secret: secret }).toString(),
        }),
      ),
      thrown(
        http.request(`${s.url}/auth.revoke`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}` },
        }),
      ),
    ])
    const seen = [
      ...errors.flatMap((e) => [e.message, e.stack, String(e.suggestedFix)]),
      ...logger.lines,
    ].join('\n')
    expect(seen).toContain('/revoke') // the request is described...
    for (const value of [token, secret, bearer, basic]) expect(seen).not.toContain(value) // ...its secrets are not
  })

  it('sends a user-agent (GitHub requires one) that adapters can override', async () => {
    const s = await server((_req, res) => res.writeHead(204).end())
    const { http } = client()
    await http.request(`${s.url}/a`)
    await http.request(`${s.url}/b`, { headers: { 'user-agent': 'custom/1' } })
    expect(s.hits.map((h) => h.headers['user-agent'])).toEqual(['revokit', 'custom/1'])
  })
})

describe('transport: nock sees the production undici path', () => {
  beforeAll(() => nock.disableNetConnect())
  afterAll(() => {
    nock.cleanAll()
    nock.enableNetConnect()
  })

  it('is intercepted through the pooled Agent and the retry interceptor', async () => {
    const scope = nock('https://oauth2.example.test')
      .post('/revoke', 'token=fake-token-2')
      .reply(503, '', { 'retry-after': '0' })
      .post('/revoke', 'token=fake-token-2')
      .reply(200, {})
    const { http } = client()
    const res = await http.request('https://oauth2.example.test/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=fake-token-2',
    })
    expect(res).toMatchObject({ status: 200, attempts: 2 })
    expect(scope.isDone()).toBe(true)
  })

  it('a host nock does not know is a retryable network failure, not a request to the internet', async () => {
    const { http } = client()
    const error = await thrown(
      http.request('https://unmocked.example.test/revoke', { method: 'POST', body: 'a=1' }),
    )
    expect(error).toMatchObject({ kind: 'network', retryable: true })
  })
})

describe('transport: through the engine', () => {
  it('a network failure is described once, with its attempt count said once', async () => {
    const { createEngine } = await import('./engine')
    const { memoryStore } = await import('./memory-store')
    const s = await server((req) => req.socket.destroy())
    const engine = createEngine({
      store: memoryStore(),
      backoff: { baseMs: 5, maxMs: 10 },
      adapters: [
        {
          toolkit: 'x',
          supportsAccess: true,
          supportsRefresh: false,
          async revoke(_request, { http }) {
            await http.request(`${s.url}/revoke`, { method: 'POST', body: 'a=1' })
            return { type: 'revoked' }
          },
        },
      ],
    })
    const { id } = await engine.create({
      userId: 'u',
      toolkit: 'x',
      credentials: { access_token: 'fake-at-t1' },
    })
    const error = await engine.revoke(id).then(
      () => undefined,
      (e: unknown) => e as { errors: string[] },
    )
    expect(error?.errors).toHaveLength(1)
    expect(error?.errors[0]).toMatch(
      /^access_token failed: POST http:\/\/127\.0\.0\.1:\d+\/revoke failed: \S+ after 3 attempts$/,
    )
    await engine.close()
  })
})
