// A real OAuth 2.0 authorization server (panva's oidc-provider) on 127.0.0.1, for the demo and
// end-to-end tests: it takes a user's consent on its own login and consent pages (the
// authorization code grant with PKCE), issues real access and refresh tokens, refreshes them
// with rotation, revokes them at its RFC 7009 endpoint and reports their state at its RFC 7662
// introspection endpoint. A private example package, never published; `@revokit/rfc7009`'s e2e
// tests, `pnpm demo` and the browser e2e test import it.
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider, { type Adapter, type AdapterPayload, type Configuration } from 'oidc-provider'

export {
  type ConsentDecision,
  ConsentError,
  type ConsentOptions,
  type ConsentResult,
  CookieJar,
  completeConsent,
} from './consent'

/** How a client authenticates at the revocation and introspection endpoints. */
export type TestClientAuthMethod = 'client_secret_basic' | 'client_secret_post'

/** A confidential client registered at the server. */
export interface TestClient {
  readonly clientId: string
  readonly clientSecret: string
  readonly authMethod: TestClientAuthMethod
}

/** Tokens minted for one grant. */
export interface MintedTokens {
  readonly accessToken: string
  readonly refreshToken: string
  readonly grantId: string
  readonly clientId: string
  readonly accountId: string
}

/** What the server's introspection endpoint said about a token (RFC 7662 §2.2). */
export interface Introspection {
  readonly active: boolean
  readonly client_id?: string
  readonly sub?: string
  readonly token_type?: string
  readonly [claim: string]: unknown
}

/** One request the server received: method, path and grant type only, never a secret, a body or a header value. */
export interface ServerHit {
  readonly method: string
  readonly path: string
  readonly status: number
  /** On a token endpoint request the server answered with tokens: which grant it was. */
  readonly grantType?: string
}

/** Options of {@link startAuthorizationServer}. */
export interface AuthorizationServerOptions {
  /**
   * Where the metadata is served. oidc-provider serves it at both the RFC 8414 location
   * (`/.well-known/oauth-authorization-server`) and the OpenID one
   * (`/.well-known/openid-configuration`); the others answer 404 at the location left out.
   * @default 'both'
   */
  metadata?: 'both' | 'openid-only' | 'rfc8414-only'
  /** Leave `revocation_endpoint` out of the metadata and disable revocation. @default false */
  disableRevocation?: boolean
  /**
   * The clients' secrets. By default each holds `:`, `%`, `+`, `&`, `=`, `/` and a space, so every
   * test also proves the RFC 6749 §2.3.1 form-encoding of Basic credentials. (oidc-provider
   * refuses non-ASCII secrets: RFC 6749 Appendix A.2 allows only VSCHAR, %x20-7E.)
   */
  secrets?: { basic?: string; post?: string }
  /**
   * Redirect URIs registered for both clients besides `http://127.0.0.1/callback`: where the
   * server may send the user's browser back with a code, e.g. revokit's
   * `{publicUrl}/api/v3/toolkits/auth/callback`. Matched exactly, port included.
   */
  redirectUris?: readonly string[]
  /**
   * Lifetime of new access tokens, in seconds; change it later with
   * {@link AuthorizationServer.setAccessTokenTtl}. Refresh tokens live an hour. @default 3600
   */
  accessTokenTtl?: number
}

/** A running server. */
export interface AuthorizationServer {
  /** `http://127.0.0.1:<port>`: the issuer identifier, exactly as the metadata states it. */
  readonly issuer: string
  readonly authorizationEndpoint: string
  readonly tokenEndpoint: string
  readonly revocationEndpoint: string
  readonly introspectionEndpoint: string
  readonly clients: {
    /** Registered with `token_endpoint_auth_method: client_secret_basic`. */
    readonly basic: TestClient
    /** Registered with `token_endpoint_auth_method: client_secret_post`. */
    readonly post: TestClient
  }
  /** Every request so far, oldest first. */
  readonly hits: readonly ServerHit[]
  /**
   * Issues a real access token and refresh token for one grant, as the token endpoint would after
   * an authorization-code exchange, without a browser. @default client: clients.basic
   */
  mintTokens(options?: { client?: TestClient; accountId?: string; scope?: string }): Promise<MintedTokens>
  /**
   * Asks the server's own introspection endpoint (RFC 7662) about `token`, authenticating as
   * `client` the way its registration says. @default client: clients.basic
   */
  introspect(token: string, options?: { client?: TestClient }): Promise<Introspection>
  /** Lifetime of access tokens issued from now on, in seconds (tokens already issued keep theirs). */
  setAccessTokenTtl(seconds: number): void
  close(): Promise<void>
}

type Stored = { payload: AdapterPayload; expiresAt: number }

/** oidc-provider's storage, in memory. Passing one silences its "dev-only adapter" warning. */
class MemoryAdapter implements Adapter {
  readonly name: string
  readonly store: Map<string, Stored>

  constructor(name: string, store: Map<string, Stored>) {
    this.name = name
    this.store = store
  }

  #key(id: string) {
    return `${this.name}:${id}`
  }

  #get(key: string): AdapterPayload | undefined {
    const entry = this.store.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= Date.now()) {
      this.store.delete(key)
      return undefined
    }
    return entry.payload
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    const key = this.#key(id)
    this.store.set(key, { payload, expiresAt: Date.now() + expiresIn * 1000 })
    if (payload.grantId) {
      const grantKey = `by-grant:${payload.grantId}`
      const members = (this.#get(grantKey) as { keys?: string[] } | undefined)?.keys ?? []
      this.store.set(grantKey, {
        payload: { keys: [...members, key] } as AdapterPayload,
        expiresAt: Date.now() + expiresIn * 1000,
      })
    }
  }

  async find(id: string) {
    return this.#get(this.#key(id))
  }

  async findByUid(uid: string) {
    for (const [key, entry] of this.store) {
      if (key.startsWith(`${this.name}:`) && entry.payload.uid === uid) return this.#get(key)
    }
    return undefined
  }

  async findByUserCode(userCode: string) {
    for (const [key, entry] of this.store) {
      if (key.startsWith(`${this.name}:`) && entry.payload.userCode === userCode) return this.#get(key)
    }
    return undefined
  }

  async consume(id: string) {
    const payload = this.#get(this.#key(id))
    if (payload) payload.consumed = Math.floor(Date.now() / 1000)
  }

  async destroy(id: string) {
    this.store.delete(this.#key(id))
  }

  async revokeByGrantId(grantId: string) {
    const grantKey = `by-grant:${grantId}`
    const members = (this.#get(grantKey) as { keys?: string[] } | undefined)?.keys ?? []
    for (const key of members) this.store.delete(key)
    this.store.delete(grantKey)
  }
}

/**
 * Builds the provider without its one-time "devInteractions is development-only" console
 * warning: this server is exactly that, and the demo's terminal shows only what it means to.
 */
function withoutDevInteractionsWarning<T>(build: () => T): T {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('devInteractions')) return
    warn(...args)
  }
  try {
    return build()
  } finally {
    console.warn = warn
  }
}

/** Basic credentials as RFC 6749 §2.3.1 spells them: each part form-encoded, then base64. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string) => new URLSearchParams([['v', value]]).toString().slice(2)
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`, 'utf8').toString('base64')}`
}

/**
 * Starts an authorization server on 127.0.0.1 (a free port) with two confidential clients, the
 * authorization code grant (PKCE S256 required) behind its own login and consent pages, the
 * refresh grant with rotation, revocation and introspection. Close it when done.
 *
 * @example
 * ```ts
 * const as = await startAuthorizationServer({ redirectUris: ['http://127.0.0.1:8080/api/v3/toolkits/auth/callback'] })
 * const { accessToken, refreshToken } = await as.mintTokens() // or: the code flow, see completeConsent
 * await as.introspect(accessToken) // { active: true, ... }
 * // revoke through revokit with rfc7009({ issuer: as.issuer, ...as.clients.basic })
 * await as.introspect(accessToken) // { active: false }
 * await as.close()
 * ```
 * @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md
 */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const hits: ServerHit[] = []
  // grant_type is not a secret; the server learns it after reading the body, so its token
  // endpoint's success event leaves it here for the hit recorded when the response finishes.
  const grantTypes = new WeakMap<IncomingMessage, string>()
  let accessTokenTtl = 3600
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503
    res.end()
  }
  const setAccessTokenTtl = (seconds: number) => {
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw new RangeError(`accessTokenTtl must be a whole number of seconds ≥ 1, not ${seconds}`)
    }
    accessTokenTtl = seconds
  }
  if (options.accessTokenTtl !== undefined) setAccessTokenTtl(options.accessTokenTtl)
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    res.on('finish', () => {
      const grantType = grantTypes.get(req)
      hits.push({
        method: req.method ?? '',
        path,
        status: res.statusCode,
        ...(grantType ? { grantType } : {}),
      })
    })
    const hidden =
      (options.metadata === 'openid-only' && path.startsWith('/.well-known/oauth-authorization-server')) ||
      (options.metadata === 'rfc8414-only' && path.endsWith('/.well-known/openid-configuration'))
    if (hidden) {
      res.statusCode = 404
      res.end()
      return
    }
    handler(req, res)
  })
  // The issuer names the port, so listen first and build the provider second.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}`

  const clients = {
    basic: {
      clientId: 'revokit-e2e-basic',
      clientSecret: options.secrets?.basic ?? `canary-basic: 100% +&=/ ${randomUUID()}`,
      authMethod: 'client_secret_basic',
    },
    post: {
      clientId: 'revokit-e2e-post',
      clientSecret: options.secrets?.post ?? `canary-post: 100% +&=/ ${randomUUID()}`,
      authMethod: 'client_secret_post',
    },
  } as const satisfies Record<string, TestClient>

  const storage = new Map<string, Stored>()
  // ID tokens signed RS256, OpenID Connect's default (Core §3.1.3.7): what a client expects when
  // nothing else was agreed, so any client can take this server's code exchange as it is.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const configuration: Configuration = {
    clients: Object.values(clients).map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      token_endpoint_auth_method: c.authMethod,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback', ...(options.redirectUris ?? [])],
      id_token_signed_response_alg: 'RS256',
    })),
    adapter: (name: string) => new MemoryAdapter(name, storage),
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'e2e' }] },
    cookies: { keys: [randomUUID()] },
    features: {
      // oidc-provider's own login and consent pages: any login and password sign in, and the
      // consent page grants what the client asked for. A browser (or {@link completeConsent})
      // fills them in.
      devInteractions: { enabled: true },
      revocation: {
        enabled: !options.disableRevocation,
        // RFC 7009 §2.1: a client may only revoke tokens that were issued to it.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        allowedPolicy: async () => true,
      },
    },
    scopes: ['openid', 'offline_access'],
    // RFC 9700 §2.1.1: every authorization request carries a PKCE challenge (S256, the only
    // method oidc-provider accepts), confidential clients included.
    pkce: { required: () => true },
    // oidc-provider's default issues refresh tokens only for `offline_access` asked with
    // `prompt=consent` (OpenID Connect Core §11); like most plain OAuth 2.0 servers, this one
    // issues one with every code exchange of a client allowed the refresh grant.
    // @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#issuerefreshtoken
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every refresh grant answers with a new refresh token and consumes the old one; replaying a
    // consumed one revokes the whole grant (RFC 9700 §4.14.2).
    // @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#rotaterefreshtoken
    rotateRefreshToken: true,
    ttl: {
      AccessToken: () => accessTokenTtl,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 3600,
      Session: 3600,
    },
    // The error page a browser sees when the server cannot redirect back (an unregistered
    // redirect URI, say): the error and its description only, never the request's state.
    renderError: async (ctx, out) => {
      const htmlText = (value: unknown) =>
        String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
      ctx.type = 'html'
      ctx.body = `<!doctype html><title>oops! something went wrong</title><h1>oops! something went wrong</h1>${[
        'error',
        'error_description',
      ]
        .filter((key) => out[key as keyof typeof out] !== undefined)
        .map((key) => `<pre><strong>${key}</strong>: ${htmlText(out[key as keyof typeof out])}</pre>`)
        .join('')}`
    },
    // Without an account store every token would belong to nobody; tokens only need an id here.
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  }
  const provider = withoutDevInteractionsWarning(() => new Provider(issuer, configuration))
  // oidc-provider reports every refused request on stderr; failures are the point of some tests.
  provider.on('server_error', () => {})
  provider.on('grant.success', (ctx) => {
    const grantType = ctx.oidc.params?.grant_type
    if (typeof grantType === 'string') grantTypes.set(ctx.req, grantType)
  })
  const callback = provider.callback()
  handler = (req, res) => void callback(req, res)

  const wellKnown =
    options.metadata === 'rfc8414-only' ? 'oauth-authorization-server' : 'openid-configuration'
  const discovery = await fetch(`${issuer}/.well-known/${wellKnown}`).then(
    (r) =>
      r.json() as Promise<{
        authorization_endpoint: string
        token_endpoint: string
        revocation_endpoint?: string
        introspection_endpoint: string
      }>,
  )
  hits.length = 0

  return {
    issuer,
    authorizationEndpoint: discovery.authorization_endpoint,
    tokenEndpoint: discovery.token_endpoint,
    revocationEndpoint: discovery.revocation_endpoint ?? `${issuer}/token/revocation`,
    introspectionEndpoint: discovery.introspection_endpoint,
    clients,
    hits,

    async mintTokens({
      client = clients.basic,
      accountId = `user-${randomUUID()}`,
      scope = 'openid offline_access',
    } = {}) {
      const registered = await provider.Client.find(client.clientId)
      if (!registered) throw new Error(`unknown test client ${client.clientId}`)
      const grant = new provider.Grant({ accountId, clientId: client.clientId })
      grant.addOIDCScope(scope)
      const grantId = await grant.save()
      const common = { accountId, client: registered, grantId, gty: 'authorization_code', scope }
      const accessToken = await new provider.AccessToken(common).save()
      const refreshToken = await new provider.RefreshToken(common).save()
      return { accessToken, refreshToken, grantId, clientId: client.clientId, accountId }
    },

    async introspect(token, { client = clients.basic } = {}) {
      const body = new URLSearchParams({ token })
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
      if (client.authMethod === 'client_secret_basic') {
        headers.authorization = basicCredentials(client.clientId, client.clientSecret)
      } else {
        body.set('client_id', client.clientId)
        body.set('client_secret', client.clientSecret)
      }
      const res = await fetch(discovery.introspection_endpoint, { method: 'POST', headers, body })
      if (res.status !== 200) throw new Error(`introspection answered HTTP ${res.status}`)
      return (await res.json()) as Introspection
    },

    setAccessTokenTtl,

    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
