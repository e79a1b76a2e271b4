import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { OAuthConnector } from '../connector'

/** What the fake answers a token request with: status, JSON body, extra headers. */
export type FakeTokenAnswer = readonly [status: number, body: unknown, headers?: Record<string, string>]

/** One token request the fake received. */
export interface FakeGrant {
  readonly grantType: string
  readonly form: URLSearchParams
  /** The decoded client secret of the Basic credentials, if any. */
  readonly clientSecret: string | undefined
}

/** Options of {@link fakeAuthorizationServer}. */
export interface FakeAuthorizationServerOptions {
  /** Access token lifetime in seconds. @default 3600 */
  expiresIn?: number
  /** Issue a new refresh token on every refresh (rotation). @default true */
  rotate?: boolean
  /** Milliseconds to wait before answering a token request (to make callers overlap). @default 0 */
  delayMs?: number
  /**
   * Answers a token request instead of the default behaviour; return undefined to fall back to it.
   * `n` counts token requests from 1.
   */
  answer?: (grant: FakeGrant, n: number) => FakeTokenAnswer | undefined | Promise<FakeTokenAnswer | undefined>
}

/** A fake OAuth 2.0 authorization server on 127.0.0.1 and the connector that talks to it. */
export interface FakeAuthorizationServer {
  readonly url: string
  /** The client secret the fake expects; an obvious fake. */
  readonly clientSecret: string
  /** A connector for this server (client_secret_basic, PKCE, scopes `read`). */
  readonly connector: OAuthConnector
  /** Every token request, in order. */
  readonly grants: FakeGrant[]
  /** Every token value the fake issued (for canary checks). */
  readonly issued: string[]
  /** Every token sent to its RFC 7009 endpoint, `{url}/revoke`. */
  readonly revoked: string[]
  /**
   * Plays the user's consent for an authorization URL: checks it, remembers its PKCE challenge
   * and returns the redirect URL (redirect URI + `code` + `state`) the provider would send the
   * browser to. `deny: true` returns `error=access_denied` instead.
   */
  consent(authorizationUrl: string, options?: { deny?: boolean }): string
  /** The refresh token the fake currently accepts, per grant. */
  liveRefreshTokens(): string[]
  /** Revokes every grant: later refreshes answer invalid_grant. */
  killGrants(): void
  close(): Promise<void>
}

/**
 * A small, strict OAuth 2.0 authorization server for tests: authorization codes bound to their
 * PKCE S256 challenge and redirect URI, single-use; refresh tokens rotated on use, so a second
 * refresh with an old one answers `invalid_grant`, as providers that rotate do; an RFC 7009
 * revocation endpoint at `/revoke` that ends a refresh token's grant. Real HTTP on
 * loopback, so the engine's undici transport is on the path.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1
 * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.6
 */
export async function fakeAuthorizationServer(
  options: FakeAuthorizationServerOptions = {},
): Promise<FakeAuthorizationServer> {
  const clientSecret = `fake-client-secret-${randomUUID()}`
  const codes = new Map<string, { challenge: string | null; redirectUri: string; scope: string }>()
  // grant id → the refresh token it accepts now
  const live = new Map<string, string>()
  const grants: FakeGrant[] = []
  const issued: string[] = []
  const revoked: string[] = []
  let serial = 0
  const expiresIn = options.expiresIn ?? 3600

  const issue = (grantId: string, scope: string) => {
    serial++
    const access = `fake-at-${serial}-${randomUUID()}`
    const refresh = `fake-rt-${serial}-${randomUUID()}`
    issued.push(access, refresh)
    live.set(grantId, refresh)
    return {
      access_token: access,
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope,
    }
  }

  const standard = (grant: FakeGrant): FakeTokenAnswer => {
    if (grant.clientSecret !== clientSecret) return [401, { error: 'invalid_client' }]
    if (grant.grantType === 'authorization_code') {
      const code = grant.form.get('code') ?? ''
      const bound = codes.get(code)
      codes.delete(code)
      if (!bound) return [400, { error: 'invalid_grant', error_description: 'unknown or used code' }]
      if (grant.form.get('redirect_uri') !== bound.redirectUri) {
        return [400, { error: 'invalid_grant', error_description: 'redirect_uri mismatch' }]
      }
      const verifier = grant.form.get('code_verifier')
      if (bound.challenge !== null) {
        const computed = verifier ? createHash('sha256').update(verifier).digest('base64url') : ''
        if (computed !== bound.challenge) {
          return [400, { error: 'invalid_grant', error_description: 'PKCE verification failed' }]
        }
      }
      return [200, issue(`g-${randomUUID()}`, bound.scope)]
    }
    if (grant.grantType === 'refresh_token') {
      const token = grant.form.get('refresh_token')
      const entry = [...live].find(([, value]) => value === token)
      if (!entry) return [400, { error: 'invalid_grant', error_description: 'refresh token is not valid' }]
      if (options.rotate === false) {
        serial++
        const access = `fake-at-${serial}-${randomUUID()}`
        issued.push(access)
        return [200, { access_token: access, token_type: 'Bearer', expires_in: expiresIn }]
      }
      return [200, issue(entry[0], 'read')]
    }
    return [400, { error: 'unsupported_grant_type' }]
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (req.method !== 'POST' || !(req.url?.startsWith('/token') || req.url === '/revoke')) {
      res.writeHead(404).end()
      return
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    if (req.method === 'POST' && req.url === '/revoke') {
      // RFC 7009: revoking a refresh token ends its grant; unknown tokens answer 200 too.
      const token = form.get('token')
      for (const [grant, value] of live) if (value === token) live.delete(grant)
      revoked.push(token ?? '')
      res.writeHead(200).end()
      return
    }
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : undefined
    const secret = decoded ? decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1)) : undefined
    const grant: FakeGrant = { grantType: form.get('grant_type') ?? '', form, clientSecret: secret }
    grants.push(grant)
    const n = grants.length
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs))
    const [status, body, headers] = (await options.answer?.(grant, n)) ?? standard(grant)
    if (res.destroyed) return
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    res.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    clientSecret,
    grants,
    issued,
    revoked,
    connector: {
      endpoints: () => ({
        issuer: url,
        authorizationEndpoint: `${url}/authorize`,
        tokenEndpoint: `${url}/token`,
      }),
      clientId: 'fake-client',
      clientAuth: 'client_secret_basic',
      clientSecret: () => clientSecret,
      scopes: ['read'],
    },
    consent(authorizationUrl, consentOptions = {}) {
      const request = new URL(authorizationUrl)
      const q = request.searchParams
      const redirectUri = q.get('redirect_uri')
      if (`${request.origin}${request.pathname}` !== `${url}/authorize` || !redirectUri) {
        throw new Error('fakeAuthorizationServer.consent: not an authorization URL of this server')
      }
      if (q.get('response_type') !== 'code' || q.get('client_id') !== 'fake-client') {
        throw new Error('fakeAuthorizationServer.consent: not a code-flow request for fake-client')
      }
      const method = q.get('code_challenge_method')
      if (q.has('code_challenge') && method !== 'S256') {
        throw new Error('fakeAuthorizationServer.consent: only S256 challenges are accepted')
      }
      const back = new URL(redirectUri)
      const state = q.get('state')
      if (consentOptions.deny) {
        back.searchParams.set('error', 'access_denied')
      } else {
        const code = `fake-code-${randomUUID()}`
        codes.set(code, { challenge: q.get('code_challenge'), redirectUri, scope: q.get('scope') ?? '' })
        back.searchParams.set('code', code)
      }
      if (state !== null) back.searchParams.set('state', state)
      return back.href
    },
    liveRefreshTokens: () => [...live.values()],
    killGrants: () => live.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
