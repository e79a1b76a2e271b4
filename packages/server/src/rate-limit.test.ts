// Per-key request rates: a client that bursts past its bucket gets 429 with retry-after and the
// envelope, other keys are unaffected, and waiting refills. The clock is the test's, not time.
import { afterEach, describe, expect, it } from 'vitest'
import { KEY_A, KEY_B, startTestServer, type TestServer } from '../test/server'
import { createRateLimiter } from './rate-limit'
import { errorEnvelopeSchema } from './wire'

const LIST = '/api/v3/connected_accounts'

describe('createRateLimiter', () => {
  it('lets a burst through, then answers how long until the next token', () => {
    let now = 0
    const limiter = createRateLimiter({ requestsPerMinute: 60, burst: 2 }, () => now)
    expect(limiter.take('a')).toBeUndefined()
    expect(limiter.take('a')).toBeUndefined()
    expect(limiter.take('a')).toBe(1000)
    now += 400
    expect(limiter.take('a')).toBe(600)
    expect(limiter.take('b')).toBeUndefined()
    now += 600
    expect(limiter.take('a')).toBeUndefined()
  })

  it('keeps no bucket that has refilled, and at most maxBuckets however many names come', () => {
    let now = 0
    const limiter = createRateLimiter({ requestsPerMinute: 60, burst: 1 }, () => now, 100)
    for (let i = 0; i < 1000; i++) limiter.take(`address:${i}`)
    expect(limiter.size).toBeLessThanOrEqual(100)
    // A minute later every bucket is full again: they go as new names arrive.
    now += 60_000
    for (let i = 0; i < 10; i++) limiter.take(`other:${i}`)
    expect(limiter.size).toBeLessThan(100)
  })
})

describe('rate limiting over HTTP', () => {
  let server: TestServer | undefined
  let now = 0
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  async function expectLimited(response: Response, retryAfter: string) {
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe(retryAfter)
    const { error } = errorEnvelopeSchema.parse(await response.json())
    expect(error).toMatchObject({ slug: 'rate_limited', status: 429, code: 1403 })
    expect(error.request_id).toBe(response.headers.get('x-request-id'))
    expect(error.suggested_fix).toMatch(/retry-after/)
  }

  it('answers 429 with retry-after past a key’s burst; another key is unaffected; refilled, it works', async () => {
    server = await startTestServer({ rateLimit: { requestsPerMinute: 30, burst: 3 }, now: () => now })
    for (let i = 0; i < 3; i++) expect((await server.request(LIST, { key: KEY_A })).status).toBe(200)
    // 30 a minute: one token every 2 s.
    await expectLimited(await server.request(LIST, { key: KEY_A }), '2')
    expect((await server.request(LIST, { key: KEY_B })).status).toBe(200)
    // Probes need no key and take no token.
    for (let i = 0; i < 5; i++) expect((await server.request('/healthz', { key: null })).status).toBe(200)
    now += 1500
    await expectLimited(await server.request(LIST, { key: KEY_A }), '1')
    now += 500
    expect((await server.request(LIST, { key: KEY_A })).status).toBe(200)
    await expectLimited(await server.request(LIST, { key: KEY_A }), '2')
  })

  it('throttles wrong keys per client address, so keys cannot be guessed at full speed', async () => {
    server = await startTestServer({ rateLimit: { requestsPerMinute: 60, burst: 2 }, now: () => now })
    for (const key of ['fake-guess-0000000001', 'fake-guess-0000000002'])
      expect((await server.request(LIST, { key })).status).toBe(401)
    await expectLimited(await server.request(LIST, { key: 'fake-guess-0000000003' }), '1')
    // While the address is throttled even a right key gets no answer about itself.
    await expectLimited(await server.request(LIST, { key: KEY_A }), '1')
    now += 1000
    expect((await server.request(LIST, { key: KEY_A })).status).toBe(200)
  })

  it('is off with "rateLimit": false', async () => {
    server = await startTestServer({ rateLimit: false, now: () => now })
    for (let i = 0; i < 150; i++) expect((await server.request(LIST, { key: KEY_A })).status).toBe(200)
  })
})
