// End to end: the connect side (refresh grant) of the production adapter, engine and undici
// transport against a real authorization server (oidc-provider) on 127.0.0.1, with endpoints
// discovered from its metadata. "Live" and "dead" are what its own introspection says.
import { createEngine, type Engine, memoryStore } from '@revokit/core'
import {
  type AuthorizationServer,
  startAuthorizationServer,
  type TestClient,
} from '@revokit/example-authorization-server'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { rfc7009 } from '../src/index'
import { captureLogger, errorText, thrown } from './helpers'

let server: AuthorizationServer
const engines: Engine[] = []
beforeAll(async () => {
  server = await startAuthorizationServer()
})
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()))
})
afterAll(() => server.close())

/** An engine whose acme toolkit connects through the server's discovered endpoints as `client`. */
function engineFor(client: TestClient) {
  const logger = captureLogger()
  const engine = createEngine({
    store: memoryStore(),
    adapters: [
      rfc7009({
        toolkit: 'acme',
        issuer: server.issuer,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        authMethod: client.authMethod,
        scopes: ['openid', 'offline_access'],
      }),
    ],
    logger,
  })
  engines.push(engine)
  return { engine, logger }
}

/** An ACTIVE account holding freshly minted tokens whose access token the engine believes expired. */
async function expiredAccount(engine: Engine, client: TestClient) {
  const tokens = await server.mintTokens({ client })
  const account = await engine.create({
    userId: tokens.accountId,
    toolkit: 'acme',
    credentials: {
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      token_type: 'Bearer',
      expires_at: new Date(Date.now() - 1000).toISOString(),
    },
  })
  return { tokens, account }
}

describe('rfc7009 connect end to end against oidc-provider on loopback', () => {
  it.each(['basic', 'post'] as const)(
    'credentials() refreshes an expired token with the real refresh grant (client_secret_%s)',
    async (kind) => {
      const client = server.clients[kind]
      const { engine, logger } = engineFor(client)
      const { tokens, account } = await expiredAccount(engine, client)

      const fresh = await engine.credentials(account.id)

      const stored = fresh.val
      expect(stored.access_token).not.toBe(tokens.accessToken)
      expect((await server.introspect(stored.access_token as string, { client })).active).toBe(true)
      // Rotated or kept, the refresh token the account holds is the live one.
      expect((await server.introspect(stored.refresh_token as string, { client })).active).toBe(true)
      if (stored.refresh_token !== tokens.refreshToken)
        expect((await server.introspect(tokens.refreshToken, { client })).active).toBe(false)
      expect(Date.parse(fresh.expiresAt as string)).toBeGreaterThan(Date.now())
      const text = logger.lines.join('\n')
      for (const secret of [client.clientSecret, tokens.refreshToken, stored.access_token as string])
        expect(text).not.toContain(secret)
    },
  )

  it('a refresh token the server revoked is a dead grant: the account becomes EXPIRED', async () => {
    const client = server.clients.basic
    const { engine } = engineFor(client)
    const { tokens, account } = await expiredAccount(engine, client)
    const basic = Buffer.from(
      `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
    ).toString('base64')
    const revoked = await fetch(server.revocationEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refreshToken, token_type_hint: 'refresh_token' }),
    })
    expect(revoked.status).toBe(200)

    const error = await thrown(engine.credentials(account.id))

    expect(error.slug).toBe('refresh_rejected')
    const after = await engine.get(account.id)
    expect(after.status).toBe('EXPIRED')
    expect(errorText(error)).not.toContain(tokens.refreshToken)
    expect(errorText(error)).not.toContain(client.clientSecret)
  })
})
