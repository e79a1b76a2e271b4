import { afterEach, describe, expect, it } from 'vitest'
import { canary, captureLogger, localServer } from '../../test/helpers'
import { alreadyRevoked, failed, type RevocationAdapter, revoked } from '../adapter'
import { isRetryableStatus } from '../retry'
import { createDispatchRuntime, type DispatchRuntimeOptions, dispatchSubject } from './dispatch'

const closers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()))
})

async function server(handler: Parameters<typeof localServer>[0]) {
  const s = await localServer(handler)
  closers.push(s)
  return s
}

function runtime(options: DispatchRuntimeOptions = {}) {
  const r = createDispatchRuntime({ backoff: { baseMs: 10, maxMs: 20 }, ...options })
  closers.push(r)
  return r
}

/** An RFC 7009-shaped adapter: 200 revoked, 400 invalid_token already revoked, 429/5xx retryable. */
function postAdapter(url: string, extra: Partial<RevocationAdapter> = {}): RevocationAdapter {
  return {
    toolkit: 'test',
    supportsAccess: true,
    supportsRefresh: true,
    async revoke(request, { http }) {
      const res = await http.request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: request.token }).toString(),
      })
      if (res.status === 200) return revoked()
      if (res.status === 400) return alreadyRevoked()
      return failed({
        retryable: isRetryableStatus(res.status),
        reason: `HTTP ${res.status}`,
        status: res.status,
        ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
      })
    },
    ...extra,
  }
}

const request = (token = 'fake-token-1') =>
  Object.freeze({
    subject: 'access_token' as const,
    token,
    credentials: Object.freeze({ access_token: token }),
    account: Object.freeze({ id: 'ca_dispatch0001', projectId: 'default', userId: 'u', toolkit: 'test' }),
  })

const soon = (ms = 10_000) => ({ deadline: Date.now() + ms })

describe('dispatchSubject: the one retry level', () => {
  it('retries 503 then returns revoked, each try a whole adapter call within maxAttempts', async () => {
    const s = await server((_req, res, n) => res.writeHead(n < 3 ? 503 : 200).end())
    const result = await dispatchSubject(runtime(), postAdapter(`${s.url}/revoke`), request(), soon())
    expect(result).toEqual({ outcome: { type: 'revoked' }, attempts: 3, transport: false })
    expect(s.hits.map((h) => h.body)).toEqual([
      'token=fake-token-1',
      'token=fake-token-1',
      'token=fake-token-1',
    ])
  })

  it('gives the last failure back when the attempts are spent', async () => {
    const s = await server((_req, res) => res.writeHead(502).end())
    const result = await dispatchSubject(runtime({ maxAttempts: 2 }), postAdapter(s.url), request(), soon())
    expect(result.outcome).toMatchObject({ type: 'failed', retryable: true, status: 502 })
    expect(result.attempts).toBe(2)
    expect(s.hits.length).toBe(2)
  })

  it('honours Retry-After in seconds', async () => {
    const s = await server((_req, res, n) =>
      n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end(),
    )
    expect((await dispatchSubject(runtime(), postAdapter(s.url), request(), soon())).outcome.type).toBe(
      'revoked',
    )
    const [first, second] = s.hits
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950)
  })

  it('honours Retry-After as an HTTP-date', async () => {
    const s = await server((_req, res, n) =>
      n === 1
        ? res.writeHead(503, { 'retry-after': new Date(Date.now() + 1500).toUTCString() }).end()
        : res.writeHead(200).end(),
    )
    expect((await dispatchSubject(runtime(), postAdapter(s.url), request(), soon())).outcome.type).toBe(
      'revoked',
    )
    const [first, second] = s.hits
    // HTTP-dates have one-second resolution, so the wait is at least ~0.5 s.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(450)
  })

  it('does not wait out a Retry-After beyond the deadline: returns at once with retryAfterMs', async () => {
    const s = await server((_req, res) => res.writeHead(503, { 'retry-after': '120' }).end())
    const result = await dispatchSubject(runtime(), postAdapter(s.url), request(), soon(2_000))
    expect(result.outcome).toMatchObject({ type: 'failed', status: 503 })
    expect((result.outcome as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(110_000)
    expect(s.hits.length).toBe(1)
  })

  it('never retries a non-retryable answer', async () => {
    const s = await server((_req, res) => res.writeHead(401).end())
    const result = await dispatchSubject(runtime(), postAdapter(s.url), request(), soon())
    expect(result).toMatchObject({ outcome: { type: 'failed', retryable: false }, attempts: 1 })
    expect(s.hits.length).toBe(1)
  })

  it('retries a connection reset, then reports a retryable transport failure', async () => {
    const s = await server((req) => req.socket.destroy())
    const result = await dispatchSubject(runtime(), postAdapter(s.url), request(), soon())
    expect(result).toMatchObject({
      outcome: { type: 'failed', retryable: true },
      attempts: 3,
      transport: true,
    })
    expect(s.hits.length).toBe(3)
  })

  it('recovers when a reset is followed by an answer', async () => {
    const s = await server((req, res, n) => (n === 1 ? req.socket.destroy() : res.writeHead(200).end()))
    expect((await dispatchSubject(runtime(), postAdapter(s.url), request(), soon())).outcome.type).toBe(
      'revoked',
    )
  })
})

describe('dispatchSubject: deadlines and broken adapters', () => {
  it('an adapter that hangs without using http is failed, retryable, at its deadline', async () => {
    const hanging: RevocationAdapter = {
      toolkit: 'test',
      supportsAccess: true,
      supportsRefresh: false,
      revoke: () => new Promise(() => {}),
    }
    const result = await dispatchSubject(runtime({ maxAttempts: 1 }), hanging, request(), soon(150))
    expect(result.outcome).toMatchObject({
      type: 'failed',
      retryable: true,
      reason: expect.stringMatching(/deadline/),
    })
  })

  it('the context signal aborts at the deadline for adapters that watch it', async () => {
    let aborted = false
    const watching: RevocationAdapter = {
      toolkit: 'test',
      supportsAccess: true,
      supportsRefresh: false,
      revoke: (_r, { signal }) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true
            resolve(failed({ retryable: true, reason: 'gave up' }))
          }),
        ),
    }
    await dispatchSubject(runtime({ maxAttempts: 1 }), watching, request(), soon(150))
    expect(aborted).toBe(true)
  })

  it('an answer that breaks the contract is a non-retryable failure naming the bug', async () => {
    const broken = { ...postAdapter('http://127.0.0.1:9'), revoke: async () => ({ type: 'yes' }) } as never
    const result = await dispatchSubject(runtime(), broken, request(), soon())
    expect(result).toMatchObject({ outcome: { type: 'failed', retryable: false }, attempts: 1 })
  })
})

describe('dispatchSubject: redaction, once, with everything the dispatch knows', () => {
  it('hides the token, secrets sent on the wire and the adapter hook’s secret in every outcome text and log line', async () => {
    const token = canary('token')
    const clientSecret = canary('client-secret')
    const hookSecret = canary('hook-secret')
    const s = await server((_req, res) => res.writeHead(401).end())
    const logger = captureLogger()
    const echoing: RevocationAdapter = {
      toolkit: 'test',
      supportsAccess: true,
      supportsRefresh: false,
      async revoke(req, { http, logger: log }) {
        await http.request(s.url, {
          method: 'POST',
          body: `token=${req.token}&client_secret=${clientSecret}`,
        })
        log.warn({ echoed: `${req.token} ${clientSecret} ${hookSecret}` }, `saw ${req.token}`)
        return failed({
          retryable: false,
          reason: `provider echoed ${req.token} / ${clientSecret} / ${hookSecret}`,
          suggestedFix: `check ${clientSecret}`,
        })
      },
      redact: (text) => text.replaceAll(hookSecret, '[hook]'),
    }
    const result = await dispatchSubject(runtime({ logger }), echoing, request(token), soon())
    const seen = `${JSON.stringify(result)}\n${logger.lines.join('\n')}`
    expect(seen).toContain('provider echoed')
    for (const value of [token, clientSecret, hookSecret]) expect(seen).not.toContain(value)
  })

  it('cuts long provider text only after redacting it, so no part of a secret survives the cut', async () => {
    const secret = canary('client-secret')
    const s = await server((_req, res) => res.writeHead(401).end())
    const long: RevocationAdapter = {
      toolkit: 'test',
      supportsAccess: true,
      supportsRefresh: false,
      async revoke(_req, { http }) {
        await http.request(s.url, { method: 'POST', body: `client_secret=${secret}` })
        // The secret straddles the 500-character mark where the text is cut.
        return failed({ retryable: false, reason: `${'x'.repeat(490)}${secret}${'y'.repeat(200)}` })
      },
    }
    const result = await dispatchSubject(runtime(), long, request(), soon())
    const reason = (result.outcome as { reason: string }).reason
    expect(reason.length).toBeLessThanOrEqual(501)
    expect(reason).not.toContain(secret.slice(0, 8))
    expect(reason).toContain('[REDACTED]')
  })
})
