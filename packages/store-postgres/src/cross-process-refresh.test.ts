import { createEngine, type Store } from '@revokit/core'
import { type FakeAuthorizationServer, type FakeGrant, fakeAuthorizationServer } from '@revokit/core/testing'
import { connectAdapter, FAKE_CLIENT, fingerprint } from '@revokit/presets/connect-adapter'
import { describePostgres, TEST_DATABASE_URL, testSchemas, withClient } from '@revokit/presets/postgres'
import { scaled } from '@revokit/presets/time'
import { afterEach, expect, it } from 'vitest'
import { type Child, fakeSecret, startChild } from '../test/child'
import { postgresStore } from './postgres-store'

// Real operating-system processes on one schema, each with its own pool and each with its own engine, all asking
// for the same account's credentials: providers rotate refresh tokens, so a second refresh grant
// sent with the old one fails (and can kill the grant). One must reach the provider, not one per
// process.

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
const schemaName = testSchemas()

function track<T extends Store | Child>(thing: T): T {
  if ('compareAndSet' in thing) cleanups.push(() => thing.close?.())
  else cleanups.push(() => thing.process.kill('SIGKILL'))
  return thing
}

/**
 * Core's fake authorization server as the provider these processes refresh at: the test client
 * (client_secret_post, fixed credentials the child processes know too), and the imported
 * account's refresh token live there, rotating on use as providers do: a refresh grant with it
 * gets new tokens, and it stops working (`invalid_grant`).
 * @see https://datatracker.ietf.org/doc/html/rfc9700#section-4.14.2 (refresh token rotation)
 */
async function fakeProvider(refreshToken: string, delayMs: number) {
  const provider = await fakeAuthorizationServer({
    clientId: FAKE_CLIENT.id,
    clientSecret: FAKE_CLIENT.secret,
    clientAuth: 'client_secret_post',
    delayMs,
  })
  provider.acceptRefreshToken(refreshToken)
  cleanups.push(() => provider.close())
  return provider
}

/** The access and refresh token of the one refresh grant the fake answered. */
function issuedOnce(provider: FakeAuthorizationServer) {
  expect(provider.issued).toHaveLength(2)
  const [accessToken, refreshToken] = provider.issued as [string, string]
  return { accessToken, refreshToken }
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

await describePostgres('several processes refreshing one account', () => {
  it(
    'send exactly one refresh grant however many ask for credentials at once, and all get its tokens',
    async () => {
      const schema = schemaName()
      const store = track(postgresStore({ url: TEST_DATABASE_URL, schema }))
      const refreshToken = fakeSecret('refresh-old')
      const provider = await fakeProvider(refreshToken, 200)
      const { engine, account, credentials } = await expiringAccount(store, provider.url, refreshToken)

      const processes = 3
      const callsEach = 5
      const children = Array.from({ length: processes }, () =>
        track(
          startChild('refresh', schema, {
            REVOKIT_ACCOUNT: account.id,
            REVOKIT_PROVIDER: provider.url,
            REVOKIT_CALLS: String(callsEach),
          }),
        ),
      )
      for (const child of children) expect(await child.next()).toMatchObject({ ready: true })
      // The grant is answered only once every call in every process is under way, so they all
      // overlap the one refresh in flight, however slowly the processes start on a loaded machine.
      const release = provider.hold()
      for (const child of children) child.send('go')
      for (const child of children) expect(await child.next()).toMatchObject({ calling: callsEach })
      await provider.received(1)
      release()
      const outputs = await Promise.all(children.map((child) => child.next()))
      for (const child of children) expect(await child.exited).toEqual({ code: 0, signal: null })

      // Upstream: one refresh grant, with the account's refresh token and the client's id.
      expect(provider.grants).toHaveLength(1)
      expect(provider.grants[0]).toMatchObject({ grantType: 'refresh_token', clientId: FAKE_CLIENT.id })
      expect(provider.grants[0]?.form.get('refresh_token')).toBe(refreshToken)
      const issued = issuedOnce(provider)

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
      expect(provider.grants).toHaveLength(1)

      // The replaced tokens are dead: the live secrets row holds the new ones only.
      const live = await withClient(async (client) => {
        const { rows } = await client.query(
          `SELECT s::text AS row FROM "${schema}".secrets AS s WHERE account_id = $1`,
          [account.id],
        )
        return rows[0]?.row as string
      })
      expect([credentials.access_token, refreshToken].filter((token) => live.includes(token))).toEqual([])
      expect([issued.accessToken, issued.refreshToken].every((token) => live.includes(token))).toBe(true)
    },
    scaled(60_000),
  )

  it(
    'a process killed mid-refresh holds the account only until its claim expires; then another refreshes',
    async () => {
      const schema = schemaName()
      const store = track(postgresStore({ url: TEST_DATABASE_URL, schema }))
      const refreshToken = fakeSecret('refresh-old')
      const provider = await fakeProvider(refreshToken, 50)
      // A provider that hangs: nothing the grants ask for happens, and no answer comes back.
      provider.answer = () => new Promise(() => {})
      const { account, credentials } = await expiringAccount(store, provider.url, refreshToken)
      // The child must reach the provider within its deadline, however loaded the machine is.
      const refreshDeadlineMs = scaled(1200)
      const graceMs = 400

      const child = track(
        startChild('refresh', schema, {
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
      // Should its refresh end first (it prints its results), fail with them instead of waiting.
      const finished = child
        .next()
        .then(() => child.next())
        .then((line) => {
          throw new Error(
            `the child's refresh ended before its grant reached the provider: ${JSON.stringify(line)}`,
          )
        })
      finished.catch(() => {})
      await Promise.race([provider.received(1), finished])
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
      provider.answer = undefined
      const parent = createEngine({ store, adapters: [connectAdapter(provider.url)] })
      const result = await parent.credentials(account.id)

      expect(provider.grants).toHaveLength(2)
      const [lost, retried] = provider.grants as [FakeGrant, FakeGrant]
      expect(lost.form.get('refresh_token')).toBe(credentials.refresh_token)
      expect(retried.grantType).toBe('refresh_token')
      expect(retried.form.get('refresh_token')).toBe(credentials.refresh_token)
      // Not before the orphaned claim expired, and then it went through.
      expect(retried.receivedAt).toBeGreaterThanOrEqual(expiresAt)
      const issued = issuedOnce(provider)
      expect(result.val.access_token).toBe(issued.accessToken)
      const stored = await store.get(account.id)
      expect(stored).toMatchObject({ status: 'ACTIVE', claim: null })
      expect(stored?.credentials.refresh_token).toBe(issued.refreshToken)
      expect((await store.events(account.id)).map((event) => event.type)).toEqual(['created', 'refreshed'])
      // The dead process's claim could not have outlived its deadline plus the grace.
      expect(expiresAt - startedAt).toBeLessThanOrEqual(refreshDeadlineMs + graceMs)
    },
    scaled(60_000),
  )
})
