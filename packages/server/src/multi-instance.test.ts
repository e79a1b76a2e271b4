// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files spell environment variables as ${VAR}
// Several `revokit serve` processes on one PostgreSQL database, as a scaled-out deployment runs
// them: concurrent revokes of the same accounts spread over the instances dispatch each token
// once, and an instance SIGKILLed mid-revoke leaves an account that the next revoke (on another
// instance, once the dead claim expires) brings to REVOKED. The provider is a counting RFC 7009
// endpoint in this process; every wait is on an event (a log line, a request arriving).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describePostgres, TEST_DATABASE_URL, testSchemas, withClient } from '@revokit/presets/postgres'
import { scaled } from '@revokit/presets/time'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ServeChild, serveChild } from '../test/serve-child'
import { accountSchema, maskedAccountSchema, revokeResponseSchema } from './wire'

const KEY = 'multi-instance-test-key-0001'
const INSTANCES = 3
const ACCOUNTS = 20
const REVOKES_PER_ACCOUNT = 10
// The shortest revoke deadline the config allows, so a dead claim expires soon
// (deadline + the engine's 10 s grace); long enough that the held dispatch outlives the SIGKILL.
const DEADLINE_MS = 4_000

/**
 * An RFC 7009 endpoint that counts requests by token value (noting when each arrived) and can
 * hold one token's request.
 */
function fakeProvider() {
  const calls = new Map<string, number>()
  const arrivals = new Map<string, number[]>()
  let hold: { token: string; arrived: (value: undefined) => void } | undefined
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? ''
      calls.set(token, (calls.get(token) ?? 0) + 1)
      arrivals.set(token, [...(arrivals.get(token) ?? []), Date.now()])
      if (hold?.token === token) {
        // Never answered: the instance that sent it is killed while it waits.
        const { arrived } = hold
        hold = undefined
        arrived(undefined)
        return
      }
      response.writeHead(200).end()
    })
  })
  return {
    calls,
    arrivals,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/revoke`
    },
    /** Resolves when the next request for `token` arrives (and leaves it unanswered). */
    holdNext(token: string) {
      return new Promise<undefined>((arrived) => {
        hold = { token, arrived }
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const schemaName = testSchemas()

await describePostgres('several revokit serve instances on one PostgreSQL database', () => {
  const provider = fakeProvider()
  const instances: ServeChild[] = []
  const urls: string[] = []
  const headers = { 'x-api-key': KEY, 'content-type': 'application/json' }
  const schema = schemaName()

  beforeAll(async () => {
    const endpoint = await provider.start()
    const config = {
      port: 0,
      store: { kind: 'postgres', url: '${DATABASE_URL}', schema },
      projects: [{ id: 'main', apiKeys: [KEY] }],
      toolkits: { acme: { adapter: 'rfc7009', revocationEndpoint: endpoint, clientId: 'fake-acme-client' } },
      revoke: { deadlineMs: DEADLINE_MS, timeoutMs: DEADLINE_MS },
      rateLimit: false,
    }
    // Started together: each migrates the one schema, under the store's advisory lock.
    for (let i = 0; i < INSTANCES; i++)
      instances.push(serveChild(config, { DATABASE_URL: TEST_DATABASE_URL }))
    urls.push(...(await Promise.all(instances.map((instance) => instance.url))))
  }, scaled(60_000))

  afterAll(async () => {
    for (const instance of instances) instance.kill()
    await Promise.all(instances.map((instance) => instance.exited))
    await provider.close()
  })

  /** Imports an account with fake tokens through instance `via`. */
  async function createAccount(via: number, user: string) {
    const response = await fetch(`${urls[via]}/api/v3/connected_accounts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        user_id: user,
        toolkit: 'acme',
        credentials: { access_token: `fake-access-${user}`, refresh_token: `fake-refresh-${user}` },
      }),
    })
    expect(response.status).toBe(201)
    return accountSchema.parse(await response.json())
  }

  const revoke = (via: number, id: string) =>
    fetch(`${urls[via]}/api/v3.1/connected_accounts/${id}/revoke`, { method: 'POST', headers })

  /** The account's status as instance `via` reads it. */
  async function statusOn(via: number, id: string) {
    const response = await fetch(`${urls[via]}/api/v3/connected_accounts/${id}`, { headers })
    expect(response.status).toBe(200)
    return maskedAccountSchema.parse(await response.json()).status
  }

  it(
    `${ACCOUNTS * REVOKES_PER_ACCOUNT} concurrent revokes of ${ACCOUNTS} accounts over ${INSTANCES} instances: one dispatch per token, every caller answered 200`,
    async () => {
      const users = Array.from({ length: ACCOUNTS }, (_, i) => `race-user-${i}`)
      const accounts = await Promise.all(users.map((user) => createAccount(0, user)))

      // Round-robin: each account's revokes land on every instance at once.
      const calls = accounts.flatMap((account, a) =>
        Array.from({ length: REVOKES_PER_ACCOUNT }, (_, r) => ({
          account,
          via: (a * REVOKES_PER_ACCOUNT + r) % INSTANCES,
        })),
      )
      const answers = await Promise.all(
        calls.map(async ({ account, via }) => {
          const response = await revoke(via, account.id)
          return { id: account.id, via, status: response.status, body: await response.json() }
        }),
      )

      // Nobody sees the race: every caller gets 200 and the account REVOKED. The caller whose
      // claim won reports the tokens it killed; the others waited on it and report none.
      expect(answers.filter((a) => a.status !== 200)).toEqual([])
      const dispatchedBy = new Map<string, number>()
      for (const answer of answers) {
        const body = revokeResponseSchema.parse(answer.body)
        expect(body.connected_account).toEqual({ id: answer.id, status: 'REVOKED' })
        if (body.revoked_tokens.length > 0) {
          expect([...body.revoked_tokens].sort()).toEqual(['access_token', 'refresh_token'])
          dispatchedBy.set(answer.id, (dispatchedBy.get(answer.id) ?? 0) + 1)
        }
      }
      expect([...dispatchedBy.values()]).toEqual(accounts.map(() => 1))
      expect(new Set(answers.map((a) => a.via)).size).toBe(INSTANCES)

      // Exactly one upstream revoke per token, whichever instance made it.
      for (const user of users) {
        expect(provider.calls.get(`fake-access-${user}`), user).toBe(1)
        expect(provider.calls.get(`fake-refresh-${user}`), user).toBe(1)
      }
      expect([...provider.calls.values()].reduce((sum, n) => sum + n, 0)).toBe(ACCOUNTS * 2)

      // Every instance reads the same outcome from the database.
      for (let via = 0; via < INSTANCES; via++)
        for (const account of accounts) expect(await statusOn(via, account.id)).toBe('REVOKED')
    },
    scaled(60_000),
  )

  it(
    'an instance SIGKILLed mid-revoke: the next revoke on another instance waits out the dead claim, redispatches what was never recorded, and the account is REVOKED',
    async () => {
      const user = 'crash-user'
      const account = await createAccount(1, user)
      const killed = instances[INSTANCES - 1] as ServeChild
      const via = INSTANCES - 1

      // The refresh token goes first; the provider holds its request, and once it has arrived
      // the instance that sent it dies without recording anything.
      const held = provider.holdNext(`fake-refresh-${user}`)
      const inflight = revoke(via, account.id).then(
        (response) => response.status,
        (error: Error) => error.name,
      )
      await held
      killed.kill()
      await killed.exited
      // The caller of the dead instance gets no answer, never a false one.
      expect(await inflight).toBe('TypeError')
      expect(await statusOn(0, account.id)).toBe('ACTIVE')
      expect(provider.calls.get(`fake-access-${user}`)).toBeUndefined()
      // The dead instance's claim is still on the account, as the database holds it.
      const dead = await withClient(async (client) => {
        const { rows } = await client.query(`SELECT claim FROM "${schema}".accounts WHERE id = $1`, [
          account.id,
        ])
        return rows[0]?.claim as { id: string; expiresAt: number } | null
      })
      expect(dead?.expiresAt).toEqual(expect.any(Number))

      // A revoke on another instance waits until the dead claim expires, then takes it over.
      const response = await revoke(0, account.id)
      expect(response.status).toBe(200)
      const body = revokeResponseSchema.parse(await response.json())
      expect(body.connected_account).toEqual({ id: account.id, status: 'REVOKED' })
      expect([...body.revoked_tokens].sort()).toEqual(['access_token', 'refresh_token'])
      for (let i = 0; i < INSTANCES - 1; i++) expect(await statusOn(i, account.id)).toBe('REVOKED')

      // The killed dispatch reached the provider once, but its outcome was never stored, so the
      // refresh token is revoked again (harmless: RFC 7009 revocation is idempotent); the access
      // token, which the dead instance never got to, once.
      expect(provider.calls.get(`fake-refresh-${user}`)).toBe(2)
      expect(provider.calls.get(`fake-access-${user}`)).toBe(1)
      // Nobody dispatched while the dead claim held: the second refresh revoke came after it expired.
      const [, again] = provider.arrivals.get(`fake-refresh-${user}`) ?? []
      expect(again).toBeGreaterThanOrEqual(dead?.expiresAt as number)
    },
    scaled(60_000),
  )
})
