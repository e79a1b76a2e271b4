// A tiny OAuth 2.0 authorization server on 127.0.0.1 for connect tests: an authorization endpoint
// that "consents" at once (redirecting with a code, or with error=access_denied), and a token
// endpoint that checks the client's secret, the PKCE verifier and the redirect URI before it
// answers with obviously fake tokens. It records every state, verifier and token it saw, so the
// tests can prove none of them leaks.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export const FAKE_CLIENT_ID = 'revokit-test-client'
/** Canary: the client secret must never leave the server's config and the token request. */
export const FAKE_CLIENT_SECRET = 'CANARY-client-secret-4c1e9b'

export interface FakeProvider {
  readonly url: string
  readonly authorizationEndpoint: string
  readonly tokenEndpoint: string
  /** What /authorize does: consent (a code), or deny (error=access_denied). */
  authorize: 'consent' | 'deny'
  /** What a refresh grant gets: new tokens, invalid_grant, or a 503 with Retry-After: 7. */
  refresh: 'ok' | 'invalid_grant' | 'unavailable'
  /** Seconds the access tokens live (below the engine's minimum validity makes every read refresh). */
  expiresIn: number
  /** Every value a test must never see in a response or a log line. */
  readonly seen: { codes: string[]; states: string[]; verifiers: string[]; tokens: string[] }
  /** Token requests received, by grant. */
  readonly grants: string[]
  /** The last access token issued. */
  lastAccessToken(): string | undefined
  close(): Promise<void>
}

const b64url = (bytes: Buffer) => bytes.toString('base64url')

/**
 * Starts the fake provider.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1 (authorization code grant)
 * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.6 (S256 verification)
 */
export async function startFakeProvider(): Promise<FakeProvider> {
  const codes = new Map<string, { challenge: string | null; redirectUri: string; scope: string }>()
  const seen = {
    codes: [] as string[],
    states: [] as string[],
    verifiers: [] as string[],
    tokens: [] as string[],
  }
  const grants: string[] = []
  let issued = 0
  let last: string | undefined

  const issue = (scope: string) => {
    issued += 1
    const access = `CANARY-access-${issued}-${b64url(randomBytes(6))}`
    const refresh = `CANARY-refresh-${issued}-${b64url(randomBytes(6))}`
    seen.tokens.push(access, refresh)
    last = access
    return {
      access_token: access,
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: provider.expiresIn,
      scope,
    }
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = url.searchParams
      const redirectUri = q.get('redirect_uri')
      const state = q.get('state')
      if (q.get('client_id') !== FAKE_CLIENT_ID || !redirectUri || q.get('response_type') !== 'code') {
        return send(400, { error: 'invalid_request' })
      }
      if (state) seen.states.push(state)
      const back = new URL(redirectUri)
      if (provider.authorize === 'deny') {
        back.searchParams.set('error', 'access_denied')
        back.searchParams.set('error_description', 'The user said no')
      } else {
        const code = `CANARY-code-${b64url(randomBytes(9))}`
        seen.codes.push(code)
        const method = q.get('code_challenge_method')
        codes.set(code, {
          challenge: method === 'S256' ? q.get('code_challenge') : null,
          redirectUri,
          scope: q.get('scope') ?? '',
        })
        back.searchParams.set('code', code)
      }
      if (state) back.searchParams.set('state', state)
      res.writeHead(302, { location: back.href })
      return res.end()
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(await text(req))
      const grant = form.get('grant_type') ?? ''
      grants.push(grant)
      if (!clientAuthenticated(req, form)) return send(401, { error: 'invalid_client' })
      if (grant === 'authorization_code') {
        const code = form.get('code') ?? ''
        const entry = codes.get(code)
        codes.delete(code)
        const verifier = form.get('code_verifier')
        if (verifier) seen.verifiers.push(verifier)
        if (!entry || entry.redirectUri !== form.get('redirect_uri'))
          return send(400, { error: 'invalid_grant' })
        if (entry.challenge !== null) {
          const computed = verifier ? b64url(createHash('sha256').update(verifier).digest()) : ''
          if (computed !== entry.challenge) return send(400, { error: 'invalid_grant' })
        }
        return send(200, issue(entry.scope))
      }
      if (grant === 'refresh_token') {
        if (!seen.tokens.includes(form.get('refresh_token') ?? ''))
          return send(400, { error: 'invalid_grant' })
        if (provider.refresh === 'invalid_grant') return send(400, { error: 'invalid_grant' })
        if (provider.refresh === 'unavailable')
          return send(503, { error: 'temporarily_unavailable' }, { 'retry-after': '7' })
        return send(200, issue('read'))
      }
      return send(400, { error: 'unsupported_grant_type' })
    }
    send(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  const provider: FakeProvider = {
    url: base,
    authorizationEndpoint: `${base}/authorize`,
    tokenEndpoint: `${base}/token`,
    authorize: 'consent',
    refresh: 'ok',
    expiresIn: 3600,
    seen,
    grants,
    lastAccessToken: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return provider
}

function clientAuthenticated(req: IncomingMessage, form: URLSearchParams): boolean {
  const header = req.headers.authorization
  if (header?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(header.slice(6), 'base64')
      .toString('utf8')
      .split(':')
      .map(decodeURIComponent)
    return id === FAKE_CLIENT_ID && secret === FAKE_CLIENT_SECRET
  }
  return form.get('client_id') === FAKE_CLIENT_ID && form.get('client_secret') === FAKE_CLIENT_SECRET
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * What the user's browser does at the provider: opens the authorization URL and gets redirected
 * back. Answers the URL the provider redirects to (the server's callback, with code and state).
 */
export async function consent(redirectUrl: string): Promise<string> {
  const response = await fetch(redirectUrl, { redirect: 'manual' })
  const location = response.headers.get('location')
  if (response.status !== 302 || !location) throw new Error(`the fake provider answered ${response.status}`)
  return location
}
