import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canary, captureLogger, localServer } from '../test/helpers'
import {
  createHttpTransport,
  type HttpRequestInit,
  type HttpTransportOptions,
  requestSecrets,
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
  const transport = createHttpTransport(options)
  transports.push(transport)
  return {
    http: transport.client({
      deadline: scope.deadline ?? Date.now() + 10_000,
      ...(scope.cancel ? { cancel: scope.cancel } : {}),
      ...(scope.logger ? { logger: scope.logger } : {}),
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

describe('transport: one attempt per request', () => {
  it('sends exactly once and hands back whatever the provider answered: retrying is the dispatch loop’s job', async () => {
    const s = await server((_req, res) => res.writeHead(503, { 'retry-after': '7' }).end('busy'))
    const { http } = client()
    const res = await http.request(`${s.url}/revoke`, { method: 'POST', body: 'token=x' })
    expect(res).toMatchObject({ status: 503, body: 'busy' })
    expect(res.retryAfterMs).toBe(7000)
    expect(s.hits.map((h) => h.body)).toEqual(['token=x'])
  })

  it('reads a JSON body once, on demand', async () => {
    const s = await server((_req, res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}'),
    )
    const { http } = client()
    const res = await http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' })
    expect(res.status).toBe(400)
    expect(res.json()).toEqual({ error: 'invalid_token' })
    expect(res.json()).toBe(res.json())
    expect(s.hits.length).toBe(1)
  })

  it('a connection reset is one retryable network error', async () => {
    const s = await server((req) => req.socket.destroy())
    const { http } = client()
    const error = await thrown(http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' }))
    expect(error).toMatchObject({ kind: 'network', retryable: true })
    expect(s.hits.length).toBe(1)
  })

  it('records every request it sent in the scope, so its secrets can be worked out later', async () => {
    const s = await server((_req, res) => res.writeHead(200).end())
    const transport = createHttpTransport()
    transports.push(transport)
    const sent: HttpRequestInit[] = []
    const init: HttpRequestInit = {
      method: 'POST',
      body: 'token=fake-token-9',
      headers: { authorization: 'Bearer fake-b-9' },
    }
    await transport.send({ deadline: Date.now() + 5_000, sent }, `${s.url}/r`, init)
    expect(sent).toEqual([init])
    expect(requestSecrets(init)).toEqual(expect.arrayContaining(['fake-token-9', 'fake-b-9']))
  })
})

describe('transport: time limits', () => {
  it('times out an attempt that never answers: a retryable timeout', async () => {
    const s = await server(() => {}) // accepts, never answers
    const { http } = client({ timeoutMs: 300 })
    const error = await thrown(http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' }))
    expect(error).toMatchObject({ kind: 'timeout', retryable: true })
    expect(s.hits.length).toBe(1)
  })

  it('stops at the deadline even while a provider hangs, with no signal needed', async () => {
    const s = await server(() => {})
    const { http } = client({ timeoutMs: 60_000 }, { deadline: Date.now() + 300 })
    const error = await thrown(http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' }))
    expect(error).toMatchObject({ kind: 'deadline', retryable: true })
  })

  it('stops when the caller’s signal aborts', async () => {
    const s = await server(() => {})
    const { http } = client(
      { timeoutMs: 60_000 },
      { cancel: AbortSignal.timeout(200), deadline: Date.now() + 60_000 },
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

  it('caps a retryable answer too: a 500 streaming a huge body is cut at maxResponseBytes, not read to the end', async () => {
    let sent = 0
    const s = await server(async (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' })
      const chunk = Buffer.alloc(64 * 1024, 'x')
      // Up to 300 MB, for as long as the client keeps reading.
      while (sent < 300 * 1024 * 1024 && !res.destroyed) {
        sent += chunk.length
        if (!res.write(chunk))
          await new Promise((resolve) => res.once('drain', resolve).once('close', resolve))
      }
      res.end()
    })
    const { http } = client({ maxResponseBytes: 64 * 1024 })
    const error = await thrown(http.request(`${s.url}/r`, { method: 'POST', body: 'a=1' }))
    expect(error).toMatchObject({ kind: 'response_too_large' })
    // What the server got out before the connection closed is bounded by socket buffers, not 300 MB.
    expect(sent).toBeLessThan(32 * 1024 * 1024)
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
    const { http } = client({}, { logger })
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

  it('is intercepted through the pooled Agent and the dispatch handler', async () => {
    const scope = nock('https://oauth2.example.test')
      .post('/revoke', 'token=fake-token-2')
      .reply(503, '', { 'retry-after': '0' })
      .post('/revoke', 'token=fake-token-2')
      .reply(200, { ok: true }, { 'x-multi': ['a', 'b'] })
    const { http } = client()
    const init = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=fake-token-2',
    }
    expect((await http.request('https://oauth2.example.test/revoke', init)).status).toBe(503)
    const res = await http.request('https://oauth2.example.test/revoke', init)
    expect(res).toMatchObject({ status: 200, headers: expect.objectContaining({ 'x-multi': 'a, b' }) })
    expect(res.json()).toEqual({ ok: true })
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
