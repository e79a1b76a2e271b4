import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, memoryStore } from '@revokit/core'
import nock from 'nock'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { sampleAdapter } from '../test/fixtures/sample-adapter'
import { FIXTURE_TIMEOUT_MS, runFixture } from '../test/run-fixture'
import { canary } from './canary'
import { readCassette } from './cassette'
import { revokeRequest, settleRevoke } from './dispatch'
import { mountCassette } from './nock'
import { createRecorder } from './recorder'
import { findLeaks } from './scrub'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
})

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-record-'))
  dirs.push(dir)
  return dir
}

/** A provider on 127.0.0.1 that revokes one live token once, then calls it invalid. */
async function liveProvider(token: string, cookie: string) {
  let live = true
  const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    seen.push({ headers: req.headers, body })
    const sent = new URLSearchParams(body).get('token')
    if (live && sent === token) {
      live = false
      res.writeHead(200, { 'set-cookie': `sid=${cookie}` }).end()
    } else {
      res.writeHead(400, { 'content-type': 'application/json', 'set-cookie': `sid=${cookie}` }).end(
        JSON.stringify({
          error: 'invalid_token',
          error_description: `no active token ${sent}`,
          refresh_token: sent,
        }),
      )
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe('recorder: the production path, recorded, scrubbed, replayed', () => {
  it('records through a real engine, writes no secret, and the cassette replays with the server down', async () => {
    const token = canary('live-access')
    const clientSecret = canary('client-secret')
    const cookie = canary('cookie')
    const provider = await liveProvider(token, cookie)
    const dir = tempDir()
    const recorder = createRecorder({
      secrets: { token, client_secret: clientSecret },
      vars: { client_id: 'rec-client-id' },
    })
    const adapter = sampleAdapter({
      endpoint: `${provider.url}/oauth/revoke`,
      clientId: 'rec-client-id',
      clientSecret,
    })
    const engine = createEngine({
      store: memoryStore(),
      adapters: [adapter],
      dispatcher: recorder.dispatcher,
      maxAttempts: 1,
    })
    const account = await engine.create({
      userId: 'u1',
      toolkit: 'sample',
      credentials: { access_token: token },
    })
    expect((await engine.revoke(account.id)).revokedTokens).toEqual(['access_token'])
    expect(recorder.pending).toBe(1)
    const revokedFile = join(dir, 'revoked.cassette.json')
    await recorder.write(revokedFile, {
      provider: 'sample',
      source: 'https://datatracker.ietf.org/doc/html/rfc7009',
    })

    // The same token again, straight through the adapter: the provider now calls it invalid.
    const again = await settleRevoke(adapter, revokeRequest('access_token', token), {
      dispatcher: recorder.dispatcher,
    })
    expect(again.outcome?.type).toBe('already_revoked')
    const invalidFile = join(dir, 'invalid.cassette.json')
    await recorder.write(invalidFile, {
      provider: 'sample',
      source: 'https://datatracker.ietf.org/doc/html/rfc7009',
    })
    await engine.close()
    await recorder.close()
    expect(provider.seen).toHaveLength(2)
    await provider.close()

    // On disk: no token, client secret (raw or inside Basic), or cookie; placeholders instead.
    for (const file of [revokedFile, invalidFile]) {
      const text = readFileSync(file, 'utf8')
      const basic = provider.seen[0]?.headers.authorization as string
      for (const secret of [token, clientSecret, cookie, basic, basic.slice(6)])
        expect(text).not.toContain(secret)
      expect(findLeaks(text, { token, client_secret: clientSecret, cookie })).toEqual([])
      const cassette = readCassette(file)
      expect(cassette.meta).toMatchObject({ recorded: true, provider: 'sample' })
      expect(cassette.meta.recorded && cassette.meta.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
      expect(cassette.interactions[0]).toMatchObject({
        scope: provider.url,
        method: 'POST',
        path: '/oauth/revoke',
        body: 'token={{token}}&token_type_hint=access_token',
      })
      expect(cassette.interactions[0]?.reqheaders).toMatchObject({
        authorization: 'Basic {{redacted}}',
        'content-type': 'application/x-www-form-urlencoded',
      })
      expect(cassette.interactions[0]?.rawHeaders?.['set-cookie']).toBe('[REDACTED]')
    }
    expect(readCassette(invalidFile).interactions[0]?.response).toEqual({
      error: 'invalid_token',
      error_description: 'no active token {{token}}',
      refresh_token: '{{token}}',
    })

    // Replayed with the provider gone and the network closed, with fresh fake values.
    nock.disableNetConnect()
    const fake = canary('replay-access')
    const replayAdapter = sampleAdapter({
      endpoint: `${provider.url}/oauth/revoke`,
      clientId: 'other-fake-id',
      clientSecret: canary('replay-secret'),
    })
    const revokedReplay = mountCassette(revokedFile, { vars: { token: fake } })
    const first = await settleRevoke(replayAdapter, revokeRequest('access_token', fake))
    expect(first.outcome?.type).toBe('revoked')
    expect(revokedReplay.isDone()).toBe(true)
    expect(revokedReplay.requests[0]?.body).toBe(`token=${fake}&token_type_hint=access_token`)
    mountCassette(invalidFile, { vars: { token: fake } })
    const second = await settleRevoke(replayAdapter, revokeRequest('access_token', fake))
    expect(second.outcome?.type).toBe('already_revoked')
  })

  it('refuses to write when a secret survives scrubbing, and writes nothing', async () => {
    const secret = canary('unnamed')
    const server = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(`here: ${Buffer.from(`id:${secret}`).toString('base64')}`),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const recorder = createRecorder({ secrets: { client_secret: secret } })
    const adapter = sampleAdapter({ endpoint: `${url}/r`, clientId: 'id', clientSecret: secret })
    await settleRevoke(adapter, revokeRequest('access_token', canary('t')), {
      dispatcher: recorder.dispatcher,
    })
    const file = join(tempDir(), 'leaky.cassette.json')
    await expect(
      recorder.write(file, { provider: 'sample', source: 'https://example.com/docs' }),
    ).rejects.toThrow(/refusing to write.*client_secret appears base64-encoded/)
    expect(() => readFileSync(file)).toThrow()
    await recorder.close()
    server.closeAllConnections()
    server.close()
  })

  it("each attempt of the dispatch's retry is recorded as its own interaction", async () => {
    let n = 0
    const server = createServer((_req, res) => {
      n++
      if (n === 1) res.writeHead(503, { 'retry-after': '0' }).end('busy')
      else res.writeHead(200).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const recorder = createRecorder({ secrets: { client_secret: 'sekrit-value' } })
    const adapter = sampleAdapter({ endpoint: `${url}/r`, clientId: 'id', clientSecret: 'sekrit-value' })
    const settled = await settleRevoke(adapter, revokeRequest('access_token', canary('t')), {
      dispatcher: recorder.dispatcher,
      maxAttempts: 3,
    })
    expect(settled.outcome?.type).toBe('revoked')
    expect(settled.attempts, 'the dispatch retried the 503').toBe(2)
    expect(recorder.interactions().map((i) => i.status)).toEqual([503, 200])
    await recorder.close()
    server.closeAllConnections()
    server.close()
  })
})

describe('REVOKIT_RECORD=1: a whole contract run records, then replays with the provider down', () => {
  it(
    'writes scrubbed recorded cassettes and every case passes on them',
    () => {
      const dir = tempDir()
      const env = {
        REVOKIT_RECORD: '1',
        REVOKIT_RECORD_DIR: dir,
        SAMPLE_RECORD_TOKEN: canary('live-token'),
        SAMPLE_CLIENT_ID: 'recorded-client-id',
        SAMPLE_CLIENT_SECRET: canary('live-secret'),
        SAMPLE_COOKIE: canary('live-cookie'),
      }
      const { tests, output } = runFixture(['test/fixtures/record.fixture.ts'], env)
      // The fixture skips the `faults` case (it replays no cassette but the success answer).
      const failed = tests.filter((t) => t.status !== 'passed' && !/\) faults: skipped: /.test(t.fullName))
      expect(
        failed.map((t) => `${t.fullName}: ${t.failureMessages.join(' ')}`),
        output,
      ).toEqual([])
      expect(tests.map((t) => t.fullName)).toContain(
        'sample adapter contract (recorded): recording (REVOKIT_RECORD=1) records the live revoked and already-revoked answers as scrubbed cassettes',
      )
      // The provider answered the two recording requests and nothing else: the rest was replay.
      expect(readFileSync(join(dir, 'hits.txt'), 'utf8')).toBe('2')
      for (const file of ['revoked.cassette.json', 'invalid-token.cassette.json']) {
        const text = readFileSync(join(dir, file), 'utf8')
        expect(readCassette(join(dir, file)).meta.recorded).toBe(true)
        expect(text).toContain('{{token}}')
        for (const value of [
          env.SAMPLE_RECORD_TOKEN,
          env.SAMPLE_CLIENT_SECRET,
          env.SAMPLE_COOKIE,
          env.SAMPLE_CLIENT_ID,
        ])
          expect(text).not.toContain(value)
      }
    },
    FIXTURE_TIMEOUT_MS + 10_000,
  )
})
