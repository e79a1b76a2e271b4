import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { createEngine, type Store } from '@revokit/core'
import { scaled } from '@revokit/presets/time'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { connectAdapter, FAKE_CLIENT, fingerprint } from '../test/connect-adapter'
import { type Child, fakeSecret, findOnDisk, removeTempDirs, startChild, tempDbPath } from '../test/helpers'
import { sqliteStore } from './sqlite-store'

// Real operating-system processes sharing one database file, each with its own engine, all asking
// for the same account's credentials: providers rotate refresh tokens, so a second refresh grant
// sent with the old one fails (and can kill the grant). One must reach the provider, not one per
// process.

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(removeTempDirs)

function track<T extends Store | Child>(thing: T): T {
  if ('compareAndSet' in thing) cleanups.push(() => thing.close?.())
  else cleanups.push(() => thing.process.kill('SIGKILL'))
  return thing
}

interface TokenHit {
  at: number
  grant: string | null
  refreshToken: string | null
  clientId: string | null
}

/**
 * A fake OAuth token endpoint on loopback that rotates refresh tokens the way providers do: a
 * refresh grant with the current refresh token gets a new access token and a new refresh token,
 * and the old refresh token stops working (`invalid_grant`). It answers after `delayMs`, once the
 * gate `holdAnswers` closed is released, or, while `hold` is set, never (a provider that hangs).
 * Every request is recorded.
 *
 * Not core's `fakeAuthorizationServer`: these tests import an account whose refresh token the
 * endpoint must already accept, and need a provider that hangs, then comes back.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6
 * @see https://datatracker.ietf.org/doc/html/rfc9700#section-4.14.2 (refresh token rotation)
 */
async function fakeTokenEndpoint(options: { refreshToken: string; delayMs: number; hold?: boolean }) {
  const state = {
    hold: options.hold ?? false,
    current: options.refreshToken,
    hits: [] as TokenHit[],
    issued: [] as Array<{ accessToken: string; refreshToken: string }>,
  }
  const arrivals: Array<() => void> = []
  let gate: Promise<void> = Promise.resolve()
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(body))
  const server: Server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const form = new URLSearchParams(body)
    const hit: TokenHit = {
      at: Date.now(),
      grant: form.get('grant_type'),
      refreshToken: form.get('refresh_token'),
      clientId: form.get('client_id'),
    }
    state.hits.push(hit)
    for (const arrived of arrivals.splice(0)) arrived()
    if (state.hold) return // never answers; the connection dies with its caller
    await gate
    await sleep(options.delayMs)
    if (form.get('client_id') !== FAKE_CLIENT.id || form.get('client_secret') !== FAKE_CLIENT.secret) {
      return json(res, 401, { error: 'invalid_client' })
    }
    if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== state.current) {
      return json(res, 400, { error: 'invalid_grant', error_description: 'unknown or rotated refresh token' })
    }
    const issued = { accessToken: fakeSecret('access-new'), refreshToken: fakeSecret('refresh-rotated') }
    state.issued.push(issued)
    state.current = issued.refreshToken
    json(res, 200, {
      access_token: issued.accessToken,
      refresh_token: issued.refreshToken,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'read',
    })
  })
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Holds every answer until the returned function is called. */
    holdAnswers(): () => void {
      let release = () => {}
      gate = new Promise<void>((resolve) => {
        release = resolve
      })
      return release
    },
    /** Resolves once the endpoint has received `n` requests in all. */
    async received(n: number) {
      while (state.hits.length < n) await new Promise<void>((resolve) => arrivals.push(resolve))
    },
  }
}

/**
 * An ACTIVE account holding `refreshToken`, whose access token expires in a few seconds: inside
 * the default `minValidityMs`, so `credentials` must refresh it first.
 */
async function expiringAccount(store: Store, provider: string, refreshToken: string) {
  const engine = createEngine({ store, adapters: [connectAdapter(provider)] })
  const credentials = {
    access_token: fakeSecret('access-old'),
    refresh_token: refreshToken,
    token_type: 'Bearer',
    expires_at: Math.floor(Date.now() / 1000) + 5,
  }
  const account = await engine.create({ userId: 'u1', toolkit: 'test', credentials })
  return { engine, account, credentials }
}

interface ChildResult {
  status: number
  accessToken?: string | null
  refreshToken?: string | null
  error?: string
}

describe('several processes refreshing one account', () => {
  it(
    'send exactly one refresh grant however many ask for credentials at once, and all get its tokens',
    async () => {
      const path = tempDbPath()
      const store = track(sqliteStore({ path }))
      const refreshToken = fakeSecret('refresh-old')
      const provider = await fakeTokenEndpoint({ refreshToken, delayMs: 200 })
      const { engine, account, credentials } = await expiringAccount(store, provider.url, refreshToken)

      const processes = 3
      const callsEach = 5
      const children = Array.from({ length: processes }, () =>
        track(
          startChild('refresh', {
            REVOKIT_DB: path,
            REVOKIT_ACCOUNT: account.id,
            REVOKIT_PROVIDER: provider.url,
            REVOKIT_CALLS: String(callsEach),
          }),
        ),
      )
      for (const child of children) expect(await child.next()).toMatchObject({ ready: true })
      // The grant is answered only once every call in every process is under way, so they all
      // overlap the one refresh in flight, however slowly the processes start on a loaded machine.
      const release = provider.holdAnswers()
      for (const child of children) child.send('go')
      for (const child of children) expect(await child.next()).toMatchObject({ calling: callsEach })
      await provider.received(1)
      release()
      const outputs = await Promise.all(children.map((child) => child.next()))
      for (const child of children) expect(await child.exited).toEqual({ code: 0, signal: null })

      // Upstream: one refresh grant, with the account's refresh token and the client's id.
      expect(provider.state.hits).toHaveLength(1)
      expect(provider.state.hits[0]).toMatchObject({
        grant: 'refresh_token',
        refreshToken,
        clientId: FAKE_CLIENT.id,
      })
      const [issued] = provider.state.issued
      if (!issued) throw new Error('the endpoint issued no tokens')

      // Every caller in every process got the tokens that one grant issued.
      const results = outputs.flatMap((output) => output.results as ChildResult[])
      expect(results).toHaveLength(processes * callsEach)
      expect(results.filter((result) => result.status !== 200)).toEqual([])
      expect(new Set(results.map((result) => result.accessToken))).toEqual(
        new Set([fingerprint(issued.accessToken)]),
      )
      expect(new Set(results.map((result) => result.refreshToken))).toEqual(
        new Set([fingerprint(issued.refreshToken)]),
      )

      // The store holds the rotated refresh token (the old one is dead at the provider), no claim.
      const stored = await store.get(account.id)
      expect(stored).toMatchObject({ status: 'ACTIVE', claim: null })
      expect(stored?.credentials.access_token).toBe(issued.accessToken)
      expect(stored?.credentials.refresh_token).toBe(issued.refreshToken)
      // One refresh on the audit trail, whichever process sent it.
      expect((await store.events(account.id)).map((event) => event.type)).toEqual(['created', 'refreshed'])
      // No process wrote a token anywhere it could be read (they print fingerprints only).
      const everyToken = [credentials.access_token, refreshToken, issued.accessToken, issued.refreshToken]
      for (const child of children) {
        expect(everyToken.filter((token) => child.stderr().includes(token))).toEqual([])
      }
      expect(everyToken.filter((token) => JSON.stringify(outputs).includes(token))).toEqual([])
      // And the next caller is served from the store: the new token is valid for an hour.
      const again = await engine.credentials(account.id)
      expect(again.val.access_token).toBe(issued.accessToken)
      expect(provider.state.hits).toHaveLength(1)

      // The replaced tokens are dead: once the store's deferred scrub is done, they are gone from disk.
      await store.flush?.()
      expect(findOnDisk(path, [credentials.access_token, refreshToken])).toEqual([[], []])
      expect(
        findOnDisk(path, [issued.accessToken, issued.refreshToken]).every((files) => files.length > 0),
      ).toBe(true)
    },
    scaled(60_000),
  )

  it(
    'a process killed mid-refresh holds the account only until its claim expires; then another refreshes',
    async () => {
      const path = tempDbPath()
      const store = track(sqliteStore({ path }))
      const refreshToken = fakeSecret('refresh-old')
      const provider = await fakeTokenEndpoint({ refreshToken, delayMs: 50, hold: true })
      const { account, credentials } = await expiringAccount(store, provider.url, refreshToken)
      const refreshDeadlineMs = 1200
      const graceMs = 400

      const child = track(
        startChild('refresh', {
          REVOKIT_DB: path,
          REVOKIT_ACCOUNT: account.id,
          REVOKIT_PROVIDER: provider.url,
          REVOKIT_CALLS: '1',
          REVOKIT_REFRESH_DEADLINE_MS: String(refreshDeadlineMs),
          REVOKIT_GRACE_MS: String(graceMs),
        }),
      )
      expect(await child.next()).toMatchObject({ ready: true })
      child.send('go')
      // The child has claimed the account and its grant is at the endpoint, unanswered: kill it there.
      await provider.received(1)
      child.process.kill('SIGKILL')
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' })

      const orphaned = await store.get(account.id)
      expect(orphaned?.status).toBe('ACTIVE')
      expect(orphaned?.credentials).toEqual(credentials)
      const claim = orphaned?.claim
      expect(claim).not.toBeNull()
      const expiresAt = claim?.expiresAt as number
      const startedAt = Date.now()
      // The claim is still live, so this call must wait; otherwise the test proves nothing.
      expect(startedAt).toBeLessThan(expiresAt)

      // The provider is back; the grant the dead process sent was never answered, so nothing rotated.
      provider.state.hold = false
      const parent = createEngine({ store, adapters: [connectAdapter(provider.url)] })
      const result = await parent.credentials(account.id)

      expect(provider.state.hits).toHaveLength(2)
      const [lost, retried] = provider.state.hits as [TokenHit, TokenHit]
      expect(lost.refreshToken).toBe(credentials.refresh_token)
      expect(retried).toMatchObject({ grant: 'refresh_token', refreshToken: credentials.refresh_token })
      // Not before the orphaned claim expired, and then it went through.
      expect(retried.at).toBeGreaterThanOrEqual(expiresAt)
      const [issued] = provider.state.issued
      expect(result.val.access_token).toBe(issued?.accessToken)
      const stored = await store.get(account.id)
      expect(stored).toMatchObject({ status: 'ACTIVE', claim: null })
      expect(stored?.credentials.refresh_token).toBe(issued?.refreshToken)
      expect((await store.events(account.id)).map((event) => event.type)).toEqual(['created', 'refreshed'])
      // The dead process's claim could not have outlived its deadline plus the grace.
      expect(expiresAt - startedAt).toBeLessThanOrEqual(refreshDeadlineMs + graceMs)
    },
    scaled(60_000),
  )
})
