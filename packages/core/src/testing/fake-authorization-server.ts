import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ClientAuthMethod, OAuthConnector } from '../connector'

/** What the fake answers a token request with: status, JSON body, extra headers. */
export type FakeTokenAnswer = readonly [status: number, body: unknown, headers?: Record<string, string>]

/**
 * Answers a token request instead of the default behaviour; undefined falls back to it. `n`
 * counts token requests from 1. A promise that never settles plays a provider that hangs.
 */
export type FakeAnswer = (
  grant: FakeGrant,
  n: number,
) => FakeTokenAnswer | undefined | Promise<FakeTokenAnswer | undefined>

/** One token request the fake received. */
export interface FakeGrant {
  readonly grantType: string
  readonly form: URLSearchParams
  /** The client id the request authenticated with (Basic credentials or the form), if any. */
  readonly clientId: string | undefined
  /** The client secret the request authenticated with (Basic credentials or the form), if any. */
  readonly clientSecret: string | undefined
  /** When the request arrived, in epoch milliseconds. */
  readonly receivedAt: number
}

/** Options of {@link fakeAuthorizationServer}. */
export interface FakeAuthorizationServerOptions {
  /** Access token lifetime in seconds. @default 3600 */
  expiresIn?: number
  /** Issue a new refresh token on every refresh (rotation). @default true */
  rotate?: boolean
  /** Milliseconds to wait before answering a token request (to make callers overlap). @default 0 */
  delayMs?: number
  /** The initial {@link FakeAuthorizationServer.answer} hook. */
  answer?: FakeAnswer
  /** The registered client's id. @default 'fake-client' */
  clientId?: string
  /** The registered client's secret. @default `${prefix}client-secret-` and a random UUID */
  clientSecret?: string
  /**
   * How the client must authenticate at the token endpoint; a request that uses another method
   * (or two at once) answers 401 `invalid_client`.
   * @default 'client_secret_basic'
   * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
   */
  clientAuth?: Exclude<ClientAuthMethod, 'none'>
  /**
   * What every code, token and default client secret the fake mints starts with, so a canary
   * check can search output for a partial leak too.
   * @default 'fake-'
   */
  prefix?: string
}

/** A fake OAuth 2.0 authorization server on 127.0.0.1 and the connector that talks to it. */
export interface FakeAuthorizationServer {
  readonly url: string
  /** `{url}/authorize`: a GET redirects the browser as {@link consent} does. */
  readonly authorizationEndpoint: string
  /** `{url}/token` */
  readonly tokenEndpoint: string
  /** The client secret the fake expects; an obvious fake. */
  readonly clientSecret: string
  /** A connector for this server (its client id, secret and auth method, PKCE, scopes `read`). */
  readonly connector: OAuthConnector
  /** Every token request, in order. */
  readonly grants: FakeGrant[]
  /** Every token value the fake issued (for canary checks). */
  readonly issued: string[]
  /** Every authorization code the fake issued (for canary checks). */
  readonly codes: string[]
  /** Every `state` an authorization request carried (for canary checks). */
  readonly states: string[]
  /** Every PKCE code verifier a token request carried (for canary checks). */
  readonly verifiers: string[]
  /** Every token sent to its RFC 7009 endpoint, `{url}/revoke`. */
  readonly revoked: string[]
  /**
   * The user denies consent: `GET /authorize` and {@link consent} redirect with
   * `error=access_denied`. Settable at any time. @default false
   */
  deny: boolean
  /**
   * Overrides token answers (see {@link FakeAnswer}); settable at any time, undefined for the
   * default. A request is answered by the hook in place when it arrived.
   */
  answer: FakeAnswer | undefined
  /**
   * Plays the user's consent for an authorization URL: checks it, remembers its PKCE challenge
   * and returns the redirect URL (redirect URI + `code` + `state`) the provider would send the
   * browser to. `deny: true` (default: {@link deny}) returns `error=access_denied` instead.
   */
  consent(authorizationUrl: string, options?: { deny?: boolean }): string
  /**
   * Makes the fake accept `refreshToken` as the live refresh token of a new grant, as for an
   * account imported with tokens obtained elsewhere. It rotates like any other.
   */
  acceptRefreshToken(refreshToken: string): void
  /** The refresh token the fake currently accepts, per grant. */
  liveRefreshTokens(): string[]
  /** The last access token the fake issued. */
  lastAccessToken(): string | undefined
  /** Revokes every grant: later refreshes answer invalid_grant. */
  killGrants(): void
  /**
   * Holds every token answer (requests are still recorded on arrival) until the returned
   * function is called, so callers overlap without a wall-clock delay.
   */
  hold(): () => void
  /** Resolves once the fake has received `n` token requests in all. */
  received(n: number): Promise<void>
  close(): Promise<void>
}

/**
 * A small, strict OAuth 2.0 authorization server for tests: an authorization endpoint that
 * consents (or denies) at once; authorization codes bound to their PKCE S256 challenge and
 * redirect URI, single-use; client authentication by exactly the registered method; refresh
 * tokens rotated on use, so a second refresh with an old one answers `invalid_grant`, as
 * providers that rotate do; an RFC 7009 revocation endpoint at `/revoke` that ends a refresh
 * token's grant. Real HTTP on loopback, so the engine's undici transport is on the path.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1
 * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.6
 */
export async function fakeAuthorizationServer(
  options: FakeAuthorizationServerOptions = {},
): Promise<FakeAuthorizationServer> {
  const prefix = options.prefix ?? 'fake-'
  const clientId = options.clientId ?? 'fake-client'
  const clientSecret = options.clientSecret ?? `${prefix}client-secret-${randomUUID()}`
  const clientAuth = options.clientAuth ?? 'client_secret_basic'
  const codeBindings = new Map<string, { challenge: string | null; redirectUri: string; scope: string }>()
  // grant id → the refresh token it accepts now
  const live = new Map<string, string>()
  const grants: FakeGrant[] = []
  const issued: string[] = []
  const codes: string[] = []
  const states: string[] = []
  const verifiers: string[] = []
  const revoked: string[] = []
  const arrivals: Array<() => void> = []
  let gate: Promise<void> = Promise.resolve()
  let lastAccess: string | undefined
  let serial = 0
  const expiresIn = options.expiresIn ?? 3600

  const accessToken = () => {
    serial++
    lastAccess = `${prefix}at-${serial}-${randomUUID()}`
    issued.push(lastAccess)
    return lastAccess
  }
  const issue = (grantId: string, scope: string) => {
    const access = accessToken()
    const refresh = `${prefix}rt-${serial}-${randomUUID()}`
    issued.push(refresh)
    live.set(grantId, refresh)
    return {
      access_token: access,
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope,
    }
  }

  const standard = (grant: FakeGrant, method: ClientAuthMethod | 'both'): FakeTokenAnswer => {
    if (method !== clientAuth || grant.clientId !== clientId || grant.clientSecret !== clientSecret) {
      return [401, { error: 'invalid_client' }]
    }
    if (grant.grantType === 'authorization_code') {
      const code = grant.form.get('code') ?? ''
      const bound = codeBindings.get(code)
      codeBindings.delete(code)
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
        return [200, { access_token: accessToken(), token_type: 'Bearer', expires_in: expiresIn }]
      }
      return [200, issue(entry[0], 'read')]
    }
    return [400, { error: 'unsupported_grant_type' }]
  }

  /** Checks an authorization request and answers the URL the browser is sent back to. */
  const authorize = (request: URL, deny: boolean): string => {
    const q = request.searchParams
    const redirectUri = q.get('redirect_uri')
    if (`${request.origin}${request.pathname}` !== `${url}/authorize` || !redirectUri) {
      throw new Error('fakeAuthorizationServer: not an authorization URL of this server')
    }
    if (q.get('response_type') !== 'code' || q.get('client_id') !== clientId) {
      throw new Error(`fakeAuthorizationServer: not a code-flow request for ${clientId}`)
    }
    const method = q.get('code_challenge_method')
    if (q.has('code_challenge') && method !== 'S256') {
      throw new Error('fakeAuthorizationServer: only S256 challenges are accepted')
    }
    const back = new URL(redirectUri)
    const state = q.get('state')
    if (state !== null) states.push(state)
    if (deny) {
      back.searchParams.set('error', 'access_denied')
    } else {
      const code = `${prefix}code-${randomUUID()}`
      codes.push(code)
      codeBindings.set(code, { challenge: q.get('code_challenge'), redirectUri, scope: q.get('scope') ?? '' })
      back.searchParams.set('code', code)
    }
    if (state !== null) back.searchParams.set('state', state)
    return back.href
  }

  const json = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    res.end(JSON.stringify(body))
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const path = new URL(req.url ?? '/', url).pathname
    if (req.method === 'GET' && path === '/authorize') {
      let location: string
      try {
        location = authorize(new URL(req.url ?? '/', url), fake.deny)
      } catch (error) {
        // A bad client or redirect URI must not redirect anywhere (RFC 6749 section 4.1.2.1).
        json(res, 400, { error: 'invalid_request', error_description: (error as Error).message })
        return
      }
      res.writeHead(302, { location, 'cache-control': 'no-store' }).end()
      return
    }
    if (req.method !== 'POST' || (path !== '/token' && path !== '/revoke')) {
      res.writeHead(404).end()
      return
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    if (path === '/revoke') {
      // RFC 7009: revoking a refresh token ends its grant; unknown tokens answer 200 too.
      const token = form.get('token')
      for (const [grant, value] of live) if (value === token) live.delete(grant)
      revoked.push(token ?? '')
      res.writeHead(200).end()
      return
    }
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const posted = form.has('client_secret')
    const method: ClientAuthMethod | 'both' =
      basic && posted ? 'both' : basic ? 'client_secret_basic' : posted ? 'client_secret_post' : 'none'
    let id = form.get('client_id') ?? undefined
    let secret = form.get('client_secret') ?? undefined
    if (method === 'client_secret_basic' && basic) {
      // The id and secret are form-encoded before they are joined (RFC 6749 section 2.3.1).
      const decoded = Buffer.from(basic, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      const unform = (part: string) => decodeURIComponent(part.replaceAll('+', ' '))
      id = colon < 0 ? undefined : unform(decoded.slice(0, colon))
      secret = colon < 0 ? undefined : unform(decoded.slice(colon + 1))
    }
    const grant: FakeGrant = {
      grantType: form.get('grant_type') ?? '',
      form,
      clientId: id,
      clientSecret: secret,
      receivedAt: Date.now(),
    }
    grants.push(grant)
    const n = grants.length
    const verifier = form.get('code_verifier')
    if (verifier) verifiers.push(verifier)
    // The hook in place when the request arrives decides, however long it is delayed or held.
    const answer = fake.answer
    for (const arrived of arrivals.splice(0)) arrived()
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs))
    await gate
    const [status, body, headers] = (await answer?.(grant, n)) ?? standard(grant, method)
    if (res.destroyed) return
    json(res, status, body, headers)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const fake: FakeAuthorizationServer = {
    url,
    authorizationEndpoint: `${url}/authorize`,
    tokenEndpoint: `${url}/token`,
    clientSecret,
    grants,
    issued,
    codes,
    states,
    verifiers,
    revoked,
    deny: false,
    answer: options.answer,
    connector: {
      endpoints: () => ({
        issuer: url,
        authorizationEndpoint: `${url}/authorize`,
        tokenEndpoint: `${url}/token`,
      }),
      clientId,
      clientAuth,
      clientSecret: () => clientSecret,
      scopes: ['read'],
    },
    consent: (authorizationUrl, consentOptions = {}) =>
      authorize(new URL(authorizationUrl), consentOptions.deny ?? fake.deny),
    acceptRefreshToken(refreshToken) {
      live.set(`g-${randomUUID()}`, refreshToken)
    },
    liveRefreshTokens: () => [...live.values()],
    lastAccessToken: () => lastAccess,
    killGrants: () => live.clear(),
    hold() {
      let release = () => {}
      const held = new Promise<void>((resolve) => {
        release = resolve
      })
      const before = gate
      gate = before.then(() => held)
      return release
    },
    async received(count) {
      while (grants.length < count) await new Promise<void>((resolve) => arrivals.push(resolve))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return fake
}
