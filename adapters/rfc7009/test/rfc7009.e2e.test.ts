// End to end: the production adapter, engine and undici transport against a real authorization
// server (oidc-provider) on 127.0.0.1. Tokens are real tokens of that server; "dead" is what its
// own introspection endpoint (RFC 7662) says, not what revokit believes.
import { createEngine, type Engine, memoryStore, RevokitError } from '@revokit/core'
import { type AuthorizationServer, startAuthorizationServer } from '@revokit/example-authorization-server'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Rfc7009Options, rfc7009 } from '../src/index'
import { captureLogger, errorText, thrown } from './helpers'

const engines: Engine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()))
})

function engineFor(options: Omit<Rfc7009Options, 'toolkit'>) {
  const logger = captureLogger()
  const engine = createEngine({
    store: memoryStore(),
    adapters: [rfc7009({ toolkit: 'acme', ...options } as Rfc7009Options)],
    logger,
  })
  engines.push(engine)
  return { engine, logger }
}

async function expectActive(
  server: AuthorizationServer,
  tokens: { accessToken: string; refreshToken: string },
) {
  expect((await server.introspect(tokens.accessToken)).active).toBe(true)
  expect((await server.introspect(tokens.refreshToken)).active).toBe(true)
}

async function revokeAndConfirm(
  server: AuthorizationServer,
  options: Omit<Rfc7009Options, 'toolkit'>,
  client = server.clients.basic,
) {
  const tokens = await server.mintTokens({ client })
  await expectActive(server, tokens)
  const { engine } = engineFor(options)
  const account = await engine.create({
    userId: tokens.accountId,
    toolkit: 'acme',
    credentials: { access_token: tokens.accessToken, refresh_token: tokens.refreshToken },
  })

  const result = await engine.revoke(account.id)

  expect(result).toMatchObject({
    revokedTokens: ['access_token', 'refresh_token'],
    connectedAccount: { id: account.id, status: 'REVOKED' },
    subjects: { access_token: 'revoked', refresh_token: 'revoked' },
  })
  expect(await server.introspect(tokens.accessToken)).toEqual({ active: false })
  expect(await server.introspect(tokens.refreshToken)).toEqual({ active: false })
  expect((await engine.get(account.id)).credentials).toEqual({})
}

describe('rfc7009 end to end against oidc-provider on loopback', () => {
  let server: AuthorizationServer
  beforeAll(async () => {
    server = await startAuthorizationServer()
  })
  afterAll(() => server.close())

  it('client_secret_basic via discovery: both tokens dead by introspection', async () => {
    const before = server.hits.length
    await revokeAndConfirm(server, {
      issuer: server.issuer,
      clientId: server.clients.basic.clientId,
      clientSecret: server.clients.basic.clientSecret,
    })
    // RFC 8414 metadata is read first; OpenID discovery is not needed.
    const revokeHits = server.hits.slice(before).filter((h) => h.path !== '/token/introspection')
    expect(revokeHits).toEqual([
      { method: 'GET', path: '/.well-known/oauth-authorization-server', status: 200 },
      { method: 'POST', path: '/token/revocation', status: 200 },
      { method: 'POST', path: '/token/revocation', status: 200 },
    ])
  })

  it('client_secret_post via discovery', async () => {
    await revokeAndConfirm(
      server,
      {
        issuer: server.issuer,
        clientId: server.clients.post.clientId,
        clientSecret: server.clients.post.clientSecret,
        authMethod: 'client_secret_post',
      },
      server.clients.post,
    )
  })

  it('with an explicit revocationEndpoint, no discovery', async () => {
    const before = server.hits.length
    await revokeAndConfirm(server, {
      revocationEndpoint: server.revocationEndpoint,
      clientId: server.clients.basic.clientId,
      clientSecret: server.clients.basic.clientSecret,
    })
    expect(server.hits.slice(before).some((h) => h.path.startsWith('/.well-known/'))).toBe(false)
  })

  it('discovers once for many accounts', async () => {
    const { engine } = engineFor({
      issuer: server.issuer,
      clientId: server.clients.basic.clientId,
      clientSecret: server.clients.basic.clientSecret,
    })
    const before = server.hits.length
    const minted = await Promise.all([1, 2, 3].map(() => server.mintTokens()))
    for (const tokens of minted) {
      const account = await engine.create({
        userId: tokens.accountId,
        toolkit: 'acme',
        credentials: { access_token: tokens.accessToken, refresh_token: tokens.refreshToken },
      })
      expect((await engine.revoke(account.id)).connectedAccount.status).toBe('REVOKED')
    }
    const paths = server.hits.slice(before).map((h) => h.path)
    expect(paths.filter((p) => p.startsWith('/.well-known/'))).toEqual([
      '/.well-known/oauth-authorization-server',
    ])
    expect(paths.filter((p) => p === '/token/revocation')).toHaveLength(6)
    for (const tokens of minted) expect((await server.introspect(tokens.accessToken)).active).toBe(false)
  })

  it.each([
    ['client_secret_basic', 'basic'],
    ['client_secret_post', 'post'],
  ] as const)(
    'a wrong secret (%s): 500, the account stays ACTIVE with live tokens, nothing leaks',
    async (authMethod, which) => {
      const client = server.clients[which]
      const tokens = await server.mintTokens({ client })
      const wrongSecret = `canary-wrong: 100% +&= ${crypto.randomUUID()}`
      const { engine, logger } = engineFor({
        issuer: server.issuer,
        clientId: client.clientId,
        clientSecret: wrongSecret,
        authMethod,
      })
      const account = await engine.create({
        userId: tokens.accountId,
        toolkit: 'acme',
        credentials: { access_token: tokens.accessToken, refresh_token: tokens.refreshToken },
      })

      const error = await thrown(engine.revoke(account.id))

      expect(error).toBeInstanceOf(RevokitError)
      const revokitError = error as unknown as RevokitError
      expect(revokitError).toMatchObject({ status: 500, slug: 'revoke_failed' })
      expect(revokitError.suggestedFix).toContain('clientSecret')
      expect(revokitError.errors.join('\n')).toContain('invalid_client')
      const after = await engine.get(account.id)
      expect(after.status).toBe('ACTIVE')
      expect(after.credentials).toEqual({
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
      })
      await expectActive(server, tokens)

      const visible = [errorText(error), JSON.stringify(revokitError.toJSON()), logger.lines.join('\n')].join(
        '\n',
      )
      expect(logger.lines.length).toBeGreaterThan(0)
      for (const secret of [
        wrongSecret,
        encodeURIComponent(wrongSecret),
        new URLSearchParams({ s: wrongSecret }).toString().slice(2),
        client.clientSecret,
        tokens.accessToken,
        tokens.refreshToken,
      ]) {
        expect(visible).not.toContain(secret)
      }
    },
  )
})

describe('rfc7009 end to end: discovery variants', () => {
  it('falls back to OpenID discovery when the server publishes no RFC 8414 metadata', async () => {
    const server = await startAuthorizationServer({ metadata: 'openid-only' })
    try {
      await revokeAndConfirm(server, {
        issuer: server.issuer,
        clientId: server.clients.basic.clientId,
        clientSecret: server.clients.basic.clientSecret,
      })
      expect(server.hits.filter((h) => h.path.startsWith('/.well-known/'))).toEqual([
        { method: 'GET', path: '/.well-known/oauth-authorization-server', status: 404 },
        { method: 'GET', path: '/.well-known/openid-configuration', status: 200 },
      ])
    } finally {
      await server.close()
    }
  })

  it('a server without revocation: 400 revoke_not_supported, tokens untouched', async () => {
    const server = await startAuthorizationServer({ disableRevocation: true })
    try {
      const tokens = await server.mintTokens()
      const { engine } = engineFor({
        issuer: server.issuer,
        clientId: server.clients.basic.clientId,
        clientSecret: server.clients.basic.clientSecret,
      })
      const account = await engine.create({
        userId: tokens.accountId,
        toolkit: 'acme',
        credentials: { access_token: tokens.accessToken, refresh_token: tokens.refreshToken },
      })
      const error = await thrown(engine.revoke(account.id))
      expect(error).toMatchObject({ status: 400, slug: 'revoke_not_supported' })
      expect((await engine.get(account.id)).status).toBe('ACTIVE')
      await expectActive(server, tokens)
      expect(server.hits.some((h) => h.path === '/token/revocation')).toBe(false)
    } finally {
      await server.close()
    }
  })
})
