import { request } from 'undici'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { hugeBodyServer, lateServer, scriptedEndpoint, watchedOrigin } from './contract/faults'
import { allowLoopback, useNock } from './nock'

// The fault cases' checks are only as good as what their servers and scripts report: these prove
// each one reports the opposite too, so "not read in full" or "nothing reached the target" can fail.
describe('fault servers and scripts', () => {
  useNock()
  const closers: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const close of closers.splice(0)) await close()
  })

  it('a 10 MiB body read to the end is reported completed, and was sent in full', async () => {
    allowLoopback()
    const server = await hugeBodyServer(1024 * 1024)
    closers.push(() => server.close())
    const answer = await request(server.url, { method: 'POST', body: 'token=fake' })
    const body = await answer.body.arrayBuffer()
    expect(body.byteLength).toBe(1024 * 1024)
    // `completed` flips in the write callback, after the last byte left.
    await vi.waitFor(() => expect(server.completed()).toBe(true))
    expect(server.sent()).toBe(1024 * 1024)
  })

  it('a late server answers after its delay, and whenAnswered waits for it', async () => {
    allowLoopback()
    const server = await lateServer({ status: 200, body: { ok: true } }, 100)
    closers.push(() => server.close())
    const answer = request(server.url, { method: 'POST', body: '' })
    const [response] = await Promise.all([answer, server.whenAnswered()])
    expect(response.statusCode).toBe(200)
    expect(await response.body.json()).toEqual({ ok: true })
  })

  it('a watched origin records a request that reaches it', async () => {
    const target = watchedOrigin('https://watched.example')
    closers.push(() => target.remove())
    await request('https://watched.example/steal', { method: 'POST', body: 'token=fake' })
    expect(target.requests).toEqual(['POST https://watched.example/steal'])
  })

  it('two runs scripting one endpoint at once each get their own answers', async () => {
    const expected = [{ method: 'POST' as const, url: 'https://scripted.example/revoke' }]
    const a = scriptedEndpoint(expected, ['fake-token-a'], () => ({ status: 503 }))
    const b = scriptedEndpoint(expected, ['fake-token-b'], (n) => ({ status: n === 0 ? 429 : 200 }))
    closers.push(
      () => a.remove(),
      () => b.remove(),
    )
    const send = async (token: string, where: 'body' | 'header') => {
      const answer = await request('https://scripted.example/revoke', {
        method: 'POST',
        ...(where === 'body'
          ? { body: `token=${token}` }
          : { headers: { authorization: `Bearer ${token}` } }),
      })
      await answer.body.text()
      return answer.statusCode
    }
    expect(await send('fake-token-b', 'header')).toBe(429)
    expect(await send('fake-token-a', 'body')).toBe(503)
    expect(await send('fake-token-b', 'body')).toBe(200)
    expect(await send('fake-token-unknown', 'body')).toBe(421)
    expect([a.answers.length, b.answers.length]).toEqual([1, 2])
    expect(b.arrivals).toHaveLength(2)
  })
})
