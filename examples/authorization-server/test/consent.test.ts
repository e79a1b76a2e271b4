// The authorization server's code flow, driven by completeConsent against the real oidc-provider
// on loopback: a hand-built authorization request (PKCE S256), the user's login and consent, the
// redirect to a loopback catcher, the code exchange, the refresh grant with rotation, and the
// token states by the server's own introspection.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AuthorizationServer,
  ConsentError,
  CookieJar,
  completeConsent,
  startAuthorizationServer,
  type TestClient,
} from '../src/index'

/** A loopback page standing in for a client's redirect URI: records each query it receives. */
async function startCatcher(): Promise<{ url: string; received: URLSearchParams[]; server: Server }> {
  const received: URLSearchParams[] = []
  const server = createServer((req, res) => {
    received.push(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams)
    res.setHeader('content-type', 'text/html')
    res.end('<p>done</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/callback`, received, server }
}

const base64url = (bytes: Buffer) => bytes.toString('base64url')

function authorizationRequest(
  as: AuthorizationServer,
  redirectUri: string,
  extra: Record<string, string> = {},
) {
  const verifier = base64url(randomBytes(32))
  const state = base64url(randomBytes(16))
  const url = new URL(as.authorizationEndpoint)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: as.clients.basic.clientId,
    redirect_uri: redirectUri,
    scope: 'openid',
    state,
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...extra,
  }).toString()
  return { url, verifier, state }
}

function basic(client: TestClient): string {
  const encode = (value: string) => new URLSearchParams([['v', value]]).toString().slice(2)
  return `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret)}`).toString('base64')}`
}

async function token(as: AuthorizationServer, params: Record<string, string>) {
  const res = await fetch(as.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: basic(as.clients.basic),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('the code flow at the example authorization server, driven by completeConsent', () => {
  let as: AuthorizationServer
  let catcher: Awaited<ReturnType<typeof startCatcher>>
  beforeAll(async () => {
    catcher = await startCatcher()
    as = await startAuthorizationServer({ redirectUris: [catcher.url] })
  })
  afterAll(async () => {
    await as.close()
    catcher.server.close()
  })

  it('login and consent, then the redirect with code and state; the code exchange gives live tokens', async () => {
    const request = authorizationRequest(as, catcher.url)

    const { redirectTo, pages } = await completeConsent(request.url, { login: 'alice' })

    expect(pages).toEqual(['login', 'consent'])
    expect(`${redirectTo.origin}${redirectTo.pathname}`).toBe(catcher.url)
    expect(redirectTo.searchParams.get('state')).toBe(request.state)
    expect(redirectTo.searchParams.get('iss')).toBe(as.issuer)
    const code = redirectTo.searchParams.get('code')
    expect(code).toBeTruthy()
    // The browser's next hop reaches the client's page.
    expect((await fetch(redirectTo)).status).toBe(200)
    expect(catcher.received.at(-1)?.get('code')).toBe(code)

    const exchanged = await token(as, {
      grant_type: 'authorization_code',
      code: code as string,
      redirect_uri: catcher.url,
      code_verifier: request.verifier,
    })
    expect(exchanged.status).toBe(200)
    const { access_token, refresh_token, expires_in } = exchanged.body as Record<string, string>
    expect(expires_in).toBe(3600)
    const introspected = await as.introspect(access_token as string)
    expect(introspected).toMatchObject({ active: true, sub: 'alice', client_id: as.clients.basic.clientId })
    expect((await as.introspect(refresh_token as string)).active).toBe(true)
    expect(as.hits.filter((h) => h.path === '/token').map((h) => h.grantType)).toContain('authorization_code')

    // A code is good once (RFC 6749 §4.1.2).
    const replay = await token(as, {
      grant_type: 'authorization_code',
      code: code as string,
      redirect_uri: catcher.url,
      code_verifier: request.verifier,
    })
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('the refresh grant rotates: a new pair, the old refresh token dead, a replay kills the grant', async () => {
    const request = authorizationRequest(as, catcher.url)
    const { redirectTo } = await completeConsent(request.url)
    const first = await token(as, {
      grant_type: 'authorization_code',
      code: redirectTo.searchParams.get('code') as string,
      redirect_uri: catcher.url,
      code_verifier: request.verifier,
    })
    const oldRefresh = first.body.refresh_token as string

    const refreshed = await token(as, { grant_type: 'refresh_token', refresh_token: oldRefresh })

    expect(refreshed.status).toBe(200)
    const next = refreshed.body as Record<string, string>
    expect(next.access_token).not.toBe(first.body.access_token)
    expect(next.refresh_token).toBeTruthy()
    expect(next.refresh_token).not.toBe(oldRefresh)
    expect((await as.introspect(next.access_token as string)).active).toBe(true)
    expect((await as.introspect(oldRefresh)).active).toBe(false)
    expect(as.hits.filter((h) => h.path === '/token').at(-1)).toEqual({
      method: 'POST',
      path: '/token',
      status: 200,
      grantType: 'refresh_token',
    })

    // RFC 9700 §4.14.2: reusing a rotated refresh token revokes the grant.
    const replay = await token(as, { grant_type: 'refresh_token', refresh_token: oldRefresh })
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect((await as.introspect(next.refresh_token as string)).active).toBe(false)
  })

  it('refuses an authorization request without a PKCE challenge', async () => {
    const request = authorizationRequest(as, catcher.url)
    request.url.searchParams.delete('code_challenge')
    request.url.searchParams.delete('code_challenge_method')

    const { redirectTo, pages } = await completeConsent(request.url)

    expect(pages).toEqual([])
    expect(redirectTo.searchParams.get('error')).toBe('invalid_request')
    expect(redirectTo.searchParams.get('error_description')).toMatch(/PKCE/)
  })

  it('deny on the consent page: access_denied back at the redirect URI, with the state', async () => {
    const request = authorizationRequest(as, catcher.url)

    const { redirectTo, pages } = await completeConsent(request.url, { decision: 'deny' })

    expect(pages).toEqual(['login', 'consent'])
    expect(redirectTo.searchParams.get('error')).toBe('access_denied')
    expect(redirectTo.searchParams.get('state')).toBe(request.state)
    expect(redirectTo.searchParams.has('code')).toBe(false)
  })

  it('an unregistered redirect URI: the server shows its error page, and the error names no query', async () => {
    const request = authorizationRequest(as, 'http://127.0.0.1:1/elsewhere')

    const error = await completeConsent(request.url).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ConsentError)
    const message = (error as Error).message
    expect(message).toMatch(/GET \/auth answered HTTP 400: invalid_redirect_uri/)
    expect(message).not.toContain(request.state)
    expect(message).not.toContain('?')
  })

  it('access tokens live as long as setAccessTokenTtl says, from then on', async () => {
    as.setAccessTokenTtl(2)
    try {
      const request = authorizationRequest(as, catcher.url)
      const { redirectTo } = await completeConsent(request.url)
      const exchanged = await token(as, {
        grant_type: 'authorization_code',
        code: redirectTo.searchParams.get('code') as string,
        redirect_uri: catcher.url,
        code_verifier: request.verifier,
      })
      expect(exchanged.body.expires_in).toBe(2)
      expect(() => as.setAccessTokenTtl(0)).toThrow(RangeError)
    } finally {
      as.setAccessTokenTtl(3600)
    }
  })
})

describe('CookieJar', () => {
  const answer = (...cookies: string[]) => {
    const headers = new Headers()
    for (const c of cookies) headers.append('set-cookie', c)
    return new Response(null, { headers })
  }

  it('sends cookies back to their origin by path, longest path first, and forgets expired ones', () => {
    const jar = new CookieJar()
    const at = new URL('http://127.0.0.1:4000/auth/start')
    jar.store(
      at,
      answer(
        '_session=s1; path=/; httponly',
        '_interaction=i1; path=/interaction/abc; httponly',
        'gone=x; path=/; max-age=0',
      ),
    )
    expect(jar.header(new URL('http://127.0.0.1:4000/interaction/abc'))).toBe('_interaction=i1; _session=s1')
    expect(jar.header(new URL('http://127.0.0.1:4000/interaction/abcd'))).toBe('_session=s1')
    expect(jar.header(new URL('http://127.0.0.1:4001/interaction/abc'))).toBeUndefined()

    jar.store(
      at,
      answer(
        '_session=s2; path=/',
        '_session=; path=/interaction/abc; expires=Thu, 01 Jan 1970 00:00:00 GMT',
      ),
    )
    expect(jar.header(new URL('http://127.0.0.1:4000/'))).toBe('_session=s2')
  })
})
