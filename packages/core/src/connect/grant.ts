import * as oauth from 'oauth4webapi'
import type { ConnectEndpoints, OAuthConnector, TokenAnswer, TokenGrant, TokenSet } from '../connector'
import type { Logger } from '../logger'
import type { Credentials } from '../model'
import { parseOAuthError } from '../provider/oauth-error'
import { isRetryableStatus } from '../retry'
import {
  type HttpRequestInit,
  type HttpResponse,
  type HttpTransport,
  TransportError,
  type TransportScope,
} from '../transport'

/** What a token request runs on: the engine's transport, under one deadline. */
export interface GrantOptions {
  readonly transport: HttpTransport
  /** Epoch ms: the request, retries excluded, never outlives it. */
  readonly deadline: number
  readonly signal?: AbortSignal
  readonly logger?: Logger
  /** Turns `expires_in` into `expires_at`. @default Date.now */
  readonly clock?: () => number
}

/**
 * How a token request ended: the credentials to store, or why not. `dead` means the grant (or the
 * code) can never work again; `retryable` that the same request may succeed later.
 */
export type GrantResult =
  | { readonly type: 'tokens'; readonly credentials: Credentials }
  | {
      readonly type: 'error'
      readonly error: string
      readonly description?: string
      readonly dead: boolean
      readonly retryable: boolean
      readonly status?: number
      readonly retryAfterMs?: number
    }

/** The parameters of an authorization request. */
export interface AuthorizationRequest {
  readonly redirectUri: string
  readonly state: string
  /** The S256 challenge, or null when the connector turned PKCE off. */
  readonly codeChallenge: string | null
  readonly scopes: readonly string[]
}

// Parameters the flow's security rests on: a connector's extras may not replace them.
const RESERVED = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
])

/**
 * The provider's authorization URL for one connection: `response_type=code`, the client, the
 * redirect URI, the scopes, the state and the PKCE S256 challenge, plus the connector's extras.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.1
 * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.3
 */
export function authorizationUrl(
  connector: OAuthConnector,
  endpoints: ConnectEndpoints,
  request: AuthorizationRequest,
): URL {
  const url = new URL(endpoints.authorizationEndpoint)
  const params = url.searchParams
  params.set('response_type', 'code')
  params.set('client_id', connector.clientId)
  params.set('redirect_uri', request.redirectUri)
  if (request.scopes.length > 0) params.set('scope', request.scopes.join(connector.scopeSeparator ?? ' '))
  params.set('state', request.state)
  if (request.codeChallenge !== null) {
    params.set('code_challenge', request.codeChallenge)
    params.set('code_challenge_method', 'S256')
  }
  for (const [name, value] of Object.entries(connector.authorizationParams ?? {})) {
    if (!RESERVED.has(name)) params.set(name, value)
  }
  return url
}

/** A fresh PKCE verifier and its S256 challenge. @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.1 */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = oauth.generateRandomCodeVerifier()
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) }
}

/**
 * Exchanges an authorization code for tokens (RFC 6749 §4.1.3 with the PKCE verifier), with
 * oauth4webapi on the engine's transport. `callback` holds the redirect's query parameters; the
 * caller has already checked its state.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3
 */
export async function exchangeCode(
  connector: OAuthConnector,
  endpoints: ConnectEndpoints,
  options: GrantOptions & {
    callback: URLSearchParams
    state: string
    redirectUri: string
    codeVerifier: string | null
  },
): Promise<GrantResult> {
  const as = authorizationServer(endpoints)
  const client = { client_id: connector.clientId }
  let params: URLSearchParams
  try {
    params = oauth.validateAuthResponse(as, client, options.callback, options.state)
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      return {
        type: 'error',
        error: error.error,
        ...(error.error_description ? { description: error.error_description } : {}),
        dead: true,
        retryable: false,
      }
    }
    return {
      type: 'error',
      error: 'invalid_request',
      description: messageOf(error),
      dead: true,
      retryable: false,
    }
  }
  return tokenRequest(connector, endpoints, options, 'authorization_code', (fetchOptions) =>
    oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth(connector),
      params,
      options.redirectUri,
      options.codeVerifier ?? oauth.nopkce,
      fetchOptions,
    ),
  )
}

/**
 * Sends the refresh grant. A provider that issues no new refresh token keeps the old one valid
 * (RFC 6749 §6), so the caller keeps it; one that rotates answers a new one, stored in its place.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6
 */
export async function refreshGrant(
  connector: OAuthConnector,
  endpoints: ConnectEndpoints,
  options: GrantOptions & { refreshToken: string },
): Promise<GrantResult> {
  const as = authorizationServer(endpoints)
  const client = { client_id: connector.clientId }
  return tokenRequest(connector, endpoints, options, 'refresh_token', (fetchOptions) =>
    oauth.refreshTokenGrantRequest(as, client, clientAuth(connector), options.refreshToken, fetchOptions),
  )
}

async function tokenRequest(
  connector: OAuthConnector,
  endpoints: ConnectEndpoints,
  options: GrantOptions,
  grant: TokenGrant,
  send: (fetchOptions: oauth.TokenEndpointRequestOptions) => Promise<Response>,
): Promise<GrantResult> {
  const scope: TransportScope = {
    deadline: options.deadline,
    cancel: options.signal,
    ...(options.logger ? { logger: options.logger } : {}),
  }
  let answered: HttpResponse | undefined
  const fetchOptions: oauth.TokenEndpointRequestOptions = {
    [oauth.customFetch]: async (url, init) => {
      const request: HttpRequestInit = {
        method: init.method as HttpRequestInit['method'],
        headers: init.headers,
        ...(init.body !== undefined && init.body !== null ? { body: String(init.body) } : {}),
      }
      answered = await options.transport.send(scope, url, request)
      return toFetchResponse(answered)
    },
    [oauth.allowInsecureRequests]: new URL(endpoints.tokenEndpoint).protocol === 'http:',
    ...(connector.tokenHeaders ? { headers: { ...connector.tokenHeaders } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }
  try {
    await send(fetchOptions)
  } catch (error) {
    if (error instanceof TransportError) {
      return {
        type: 'error',
        error: 'transport_error',
        description: error.message,
        dead: false,
        retryable: error.retryable,
      }
    }
    return {
      type: 'error',
      error: 'invalid_request',
      description: messageOf(error),
      dead: false,
      retryable: false,
    }
  }
  const response = answered as HttpResponse
  const standard = () => standardAnswer(connector, endpoints, grant, response)
  const answer = connector.parseTokenResponse
    ? await connector.parseTokenResponse(response, { grant, standard })
    : await standard()
  return settle(answer, grant, response, options.clock ?? Date.now)
}

/** The RFC 6749 reading of a token answer, by oauth4webapi. */
async function standardAnswer(
  connector: OAuthConnector,
  endpoints: ConnectEndpoints,
  grant: TokenGrant,
  response: HttpResponse,
): Promise<TokenAnswer> {
  const as = authorizationServer(endpoints)
  const client = { client_id: connector.clientId }
  try {
    const body =
      grant === 'authorization_code'
        ? await oauth.processAuthorizationCodeResponse(as, client, toFetchResponse(response))
        : await oauth.processRefreshTokenResponse(as, client, toFetchResponse(response))
    return { type: 'tokens', tokens: body as unknown as TokenSet }
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) {
      return {
        type: 'error',
        error: error.error,
        ...(error.error_description ? { description: error.error_description } : {}),
        status: error.status,
      }
    }
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      const challenge = error.cause[0]
      return {
        type: 'error',
        error: challenge?.parameters.error ?? 'invalid_client',
        ...(challenge?.parameters.error_description
          ? { description: challenge.parameters.error_description }
          : {}),
        status: error.status,
      }
    }
    // Not an OAuth answer (an HTML error page, a malformed body): say what was wrong, never what
    // the body held, since a malformed token answer may still contain a token.
    const oauthError = parseOAuthError(response.json())
    if (oauthError) {
      return {
        type: 'error',
        error: oauthError.error,
        ...(oauthError.description ? { description: oauthError.description } : {}),
        status: response.status,
      }
    }
    return {
      type: 'error',
      error: 'invalid_response',
      description: `the token endpoint answered HTTP ${response.status}: ${messageOf(error)}`,
      status: response.status,
    }
  }
}

function settle(
  answer: TokenAnswer,
  grant: TokenGrant,
  response: HttpResponse,
  clock: () => number,
): GrantResult {
  if (answer.type === 'tokens') return { type: 'tokens', credentials: toCredentials(answer.tokens, clock()) }
  const status = answer.status ?? response.status
  const retryable = answer.retryable ?? (isRetryableStatus(status) && answer.error !== 'invalid_grant')
  const dead =
    answer.dead ?? (!retryable && (grant === 'authorization_code' || answer.error === 'invalid_grant'))
  const retryAfterMs = answer.retryAfterMs ?? response.retryAfterMs
  return {
    type: 'error',
    error: answer.error,
    ...(answer.description ? { description: answer.description } : {}),
    dead,
    retryable,
    status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  }
}

/** Tokens as stored: `expires_in` becomes an absolute `expires_at`, empty fields are dropped. */
export function toCredentials(tokens: TokenSet, now: number): Credentials {
  const credentials: Credentials = {}
  for (const [name, value] of Object.entries(tokens)) {
    if (value === undefined || value === null || name === 'expires_in') continue
    credentials[name] = value
  }
  const expiresIn = Number(tokens.expires_in)
  if (tokens.expires_in !== undefined && Number.isFinite(expiresIn)) {
    credentials.expires_at = new Date(now + expiresIn * 1000).toISOString()
  }
  return credentials
}

// Every JWS algorithm but `none`. An ID token in a token answer comes straight from the token
// endpoint, whose TLS authenticates the issuer (OpenID Connect Core §3.1.3.7), and its signature is
// not verified here: only its claims are. Checking its `alg` against oauth4webapi's RS256 default
// refused every provider that signs with another key (oidc-provider's ES256, Ed25519 keys).
const ID_TOKEN_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
]

function authorizationServer(endpoints: ConnectEndpoints): oauth.AuthorizationServer {
  return {
    id_token_signing_alg_values_supported: ID_TOKEN_ALGS,
    // ID tokens are checked against the issuer; a connector without one gets its token
    // endpoint's origin, which no real ID token names, so it must declare an issuer if it asks for
    // `openid`.
    issuer: endpoints.issuer ?? new URL(endpoints.tokenEndpoint).origin,
    authorization_endpoint: endpoints.authorizationEndpoint,
    token_endpoint: endpoints.tokenEndpoint,
  }
}

function clientAuth(connector: OAuthConnector): oauth.ClientAuth {
  const secret = connector.clientSecret?.()
  const method = connector.clientAuth ?? (secret ? 'client_secret_basic' : 'none')
  if (method === 'none' || !secret) return oauth.None()
  return method === 'client_secret_post' ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret)
}

// Statuses whose Fetch Response may not carry a body.
const NULL_BODY = new Set([101, 103, 204, 205, 304])

function toFetchResponse(response: HttpResponse): Response {
  const headers = new Headers()
  for (const [name, value] of Object.entries(response.headers)) headers.set(name, value)
  return new Response(NULL_BODY.has(response.status) ? null : response.body, {
    status: response.status,
    headers,
  })
}

// oauth4webapi's messages name what was wrong with a field, never its value (values are in `cause`).
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'unexpected error'
}
