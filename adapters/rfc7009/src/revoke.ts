import {
  alreadyRevoked,
  type ClientAuthMethod,
  type ConnectEndpoints,
  createRedactor,
  type FailedOutcome,
  failed,
  failedFromResponse,
  type HttpClient,
  type HttpResponse,
  isRetryableStatus,
  type Logger,
  type OAuthConnector,
  parseOAuthError,
  type RevocationAdapter,
  type RevokeOutcome,
  type RevokeRequest,
  RevokitError,
  revoked,
  type TokenSubject,
  unsupported,
} from '@revokit/core'
import { type Discovered, discover } from './discovery'

/**
 * Client authentication methods spoken at the revocation endpoint, named as in the IANA "OAuth
 * Token Endpoint Authentication Methods" registry.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
 * @see https://datatracker.ietf.org/doc/html/rfc7591#section-2
 */
export const RFC7009_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const

/** One of {@link RFC7009_AUTH_METHODS}. */
export type Rfc7009AuthMethod = (typeof RFC7009_AUTH_METHODS)[number]

/** How long discovered metadata is trusted before it is fetched again: one hour. */
export const DEFAULT_DISCOVERY_TTL_MS = 60 * 60 * 1000

/**
 * How long a discovery that can only fail again (wrong issuer, no metadata, a cross-origin
 * endpoint) is remembered, so a bulk revoke does not refetch it for every account. Failures that
 * may heal (5xx, 429, network) are never remembered.
 */
export const DISCOVERY_FAILURE_TTL_MS = 30 * 1000

/**
 * What an RFC 7009-shaped provider does differently from the RFC, declared rather than coded.
 * The generic adapter has none of these; a preset declares its provider's.
 */
export interface Rfc7009Quirks {
  /** The provider's name in reasons and fixes, e.g. `Google`. Without it: "the authorization server". */
  readonly title?: string
  /** The provider's revocation documentation, named in fixes. */
  readonly docsUrl: string
  /** Which subjects the endpoint revokes. @default both */
  readonly subjects?: { readonly access?: boolean; readonly refresh?: boolean }
  /** Subjects the provider documents killing along with another one. */
  readonly cascades?: Readonly<Partial<Record<TokenSubject, readonly TokenSubject[]>>>
  /**
   * OAuth error codes that, in an HTTP 400, mean the token is already dead (Google answers
   * `invalid_token` where RFC 7009 §2.2 says 200). Only a provider's documentation can say so.
   */
  readonly alreadyRevokedErrors?: readonly string[]
  /** `send` the RFC 7009 §2.1 `token_type_hint` (default), or `omit` it for providers that document only `token`. */
  readonly tokenTypeHint?: 'send' | 'omit'
  /** The endpoint identifies no client at all (no `client_id`, no authentication): Google. */
  readonly anonymous?: boolean
}

/**
 * The connect side of an RFC 7009 adapter, declared: where the user consents and tokens are
 * issued (given, or read from the issuer's metadata), how the client authenticates there, and
 * the provider's authorization-request extras.
 */
export interface Rfc7009ConnectSettings {
  /** Fixed endpoints; without them, the issuer's metadata names them (cached with the revocation endpoint). */
  readonly endpoints?: ConnectEndpoints
  readonly clientAuth: ClientAuthMethod
  /** Scopes asked for when `initiate` names none. */
  readonly scopes: readonly string[]
  readonly scopeSeparator?: string
  readonly authorizationParams?: Readonly<Record<string, string>>
  /** @default true */
  readonly pkce?: boolean
}

/** Everything one RFC 7009 revocation adapter needs, validated by its factory. */
export interface Rfc7009Settings {
  readonly toolkit: string
  /** A known endpoint, or an issuer to discover it from. */
  readonly target: { readonly revocationEndpoint: string } | { readonly issuer: string }
  /** Absent only for an `anonymous` provider. */
  readonly clientId?: string
  readonly clientSecret?: string
  readonly authMethod: Rfc7009AuthMethod
  readonly discoveryTtlMs: number
  readonly clock: () => number
  readonly quirks: Rfc7009Quirks
  /** The connect side, when the factory was given what it needs (a client id, endpoints or an issuer). */
  readonly connect?: Rfc7009ConnectSettings
}

/** What discovery runs with: a revoke's context, or a connect's. */
interface DiscoveryContext {
  readonly http: HttpClient
  readonly logger?: Logger
}

/**
 * The connector of an RFC 7009 adapter: fixed endpoints, or those of the issuer's metadata, from
 * the same discovery (and cache) as the revocation endpoint. The secret stays in this closure.
 * @see https://datatracker.ietf.org/doc/html/rfc8414#section-2
 */
function createConnector(
  connect: Rfc7009ConnectSettings,
  clientId: string,
  clientSecret: string | undefined,
  target: (context: DiscoveryContext) => Promise<Discovered | FailedOutcome>,
  quirks: Rfc7009Quirks,
): OAuthConnector {
  const fixed = connect.endpoints
  return {
    async endpoints(context) {
      if (fixed) return fixed
      const found = await target({ http: context.http })
      if ('type' in found) {
        throw new RevokitError('token_exchange_failed', {
          message: found.reason,
          suggestedFix:
            found.suggestedFix ??
            'Check the issuer option, or configure authorizationEndpoint and tokenEndpoint.',
        })
      }
      if (!found.connect || 'problem' in found.connect) {
        throw new RevokitError('connect_not_supported', {
          message: `${quirks.title ?? 'The authorization server'} cannot be connected through its metadata: ${found.connect?.problem ?? 'it names no authorization and token endpoints'}.`,
          suggestedFix: 'Configure authorizationEndpoint and tokenEndpoint explicitly.',
        })
      }
      return found.connect
    },
    clientId,
    clientAuth: connect.clientAuth,
    ...(clientSecret !== undefined ? { clientSecret: () => clientSecret } : {}),
    scopes: connect.scopes,
    ...(connect.scopeSeparator ? { scopeSeparator: connect.scopeSeparator } : {}),
    ...offlineConsent(connect.scopes, connect.authorizationParams),
    ...(connect.pkce === false ? { pkce: false } : {}),
  }
}

/**
 * The authorization parameters to send. OpenID Connect ignores `offline_access` (no refresh
 * token is issued) unless the request also carries `prompt=consent`, so asking for one adds the
 * other, unless the configuration already sets a `prompt`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess
 */
function offlineConsent(
  scopes: readonly string[],
  params: Readonly<Record<string, string>> | undefined,
): { authorizationParams?: Readonly<Record<string, string>> } {
  if (scopes.includes('offline_access') && params?.prompt === undefined) {
    return { authorizationParams: { ...params, prompt: 'consent' } }
  }
  return params ? { authorizationParams: params } : {}
}

/** `application/x-www-form-urlencoded` of one value (space as `+`), as RFC 6749 Appendix B says. */
function formEncode(value: string): string {
  return new URLSearchParams([['v', value]]).toString().slice(2)
}

/**
 * The HTML 4.01 form encoding RFC 6749 Appendix B names, which escapes every non-alphanumeric
 * character (`-` as `%2D`): how oauth4webapi encodes Basic client credentials on token requests.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#appendix-B
 */
function strictFormEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
}

/**
 * The RFC 7009 revocation itself, shared by {@link rfc7009} and every preset: discovery (cached,
 * single-flight), client authentication, the request, and the classification of the answer,
 * adjusted only by declared {@link Rfc7009Quirks}.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2
 */
export function createRfc7009Adapter(settings: Rfc7009Settings): RevocationAdapter {
  const { toolkit, authMethod, clock, quirks } = settings
  // Kept in this closure only: never on the returned object, never in a reason or a log line.
  const { clientId, clientSecret } = settings
  const fixedEndpoint =
    'revocationEndpoint' in settings.target ? settings.target.revocationEndpoint : undefined
  const issuer = 'issuer' in settings.target ? settings.target.issuer : undefined
  const server = quirks.title ?? 'the authorization server'
  const Server = server[0]?.toUpperCase() + server.slice(1)
  const alreadyDead = new Set(quirks.alreadyRevokedErrors ?? [])
  // Every form the secret travels in: raw, URL- and form-encoded (createRedactor adds those), the
  // RFC 6749 §2.3.1 encoding and the Basic credential built from it.
  const basicCredential =
    clientSecret !== undefined
      ? Buffer.from(`${formEncode(clientId ?? '')}:${formEncode(clientSecret)}`, 'utf8').toString('base64')
      : undefined
  // The connect path's token requests encode the Basic credential as oauth4webapi does.
  const connectCredential =
    clientSecret !== undefined
      ? Buffer.from(`${strictFormEncode(clientId ?? '')}:${strictFormEncode(clientSecret)}`, 'utf8').toString(
          'base64',
        )
      : undefined
  const hideSecret = createRedactor(
    clientSecret !== undefined
      ? [
          clientSecret,
          formEncode(clientSecret),
          strictFormEncode(clientSecret),
          basicCredential,
          connectCredential,
        ]
      : [],
  )

  let cached: { value: Discovered | FailedOutcome; until: number } | undefined
  let pending: Promise<Discovered | FailedOutcome> | undefined

  async function runDiscovery(context: DiscoveryContext) {
    const value = await discover(context.http, issuer as string)
    if (!('type' in value)) {
      cached = { value, until: clock() + settings.discoveryTtlMs }
      context.logger?.debug(
        {
          toolkit,
          issuer,
          metadataUrl: value.metadataUrl,
          revocationEndpoint: value.kind === 'endpoint' ? value.endpoint : null,
        },
        'revokit: rfc7009 discovered the revocation endpoint',
      )
    } else {
      if (!value.retryable)
        cached = { value, until: clock() + Math.min(settings.discoveryTtlMs, DISCOVERY_FAILURE_TTL_MS) }
      context.logger?.warn({ toolkit, issuer, reason: value.reason }, 'revokit: rfc7009 discovery failed')
    }
    return value
  }

  /** The endpoint to POST to: configured, cached, or discovered once for concurrent callers. */
  async function target(context: DiscoveryContext): Promise<Discovered | FailedOutcome> {
    if (fixedEndpoint !== undefined) return { kind: 'endpoint', endpoint: fixedEndpoint, metadataUrl: '' }
    if (cached && cached.until > clock()) return cached.value
    if (pending) {
      try {
        return await pending
      } catch {
        // Another dispatch's discovery ran out of its own deadline; try with ours.
      }
    }
    const run = runDiscovery(context)
    pending = run
    try {
      return await run
    } finally {
      if (pending === run) pending = undefined
    }
  }

  const endpointOption =
    fixedEndpoint !== undefined
      ? 'revocationEndpoint'
      : `the revocation_endpoint discovered for issuer ${issuer}`

  function credentialsFix(found: Discovered): string {
    if (quirks.anonymous) {
      return `${Server} takes no client authentication at its revocation endpoint; check ${endpointOption} (see ${quirks.docsUrl}).`
    }
    const advertised =
      found.kind === 'endpoint' && found.authMethods && !found.authMethods.includes(authMethod)
        ? ` The server's metadata lists revocation_endpoint_auth_methods_supported: ${found.authMethods.join(', ')}.`
        : ''
    if (authMethod === 'none') {
      return `The authorization server requires client authentication: set clientSecret (and authMethod client_secret_basic or client_secret_post) for clientId "${clientId}".${advertised}`
    }
    return `Check the client credentials: clientId "${clientId}", clientSecret and authMethod ${authMethod} must match the client registered at the authorization server (some servers accept only client_secret_post, or only client_secret_basic).${advertised}`
  }

  function fixFor(error: string): string {
    if (error === 'invalid_token') {
      return 'This server answers invalid_token where RFC 7009 §2.2 requires HTTP 200 for an invalid token. The token is probably already dead, but revokit does not assume so; use a provider-specific adapter if there is one, or delete the account and ask the user to remove the app at the provider.'
    }
    if (quirks.anonymous) {
      return `Check that the token was issued by ${server}; it cannot be revoked as sent (see ${quirks.docsUrl}).`
    }
    const owner = `that the token was issued to clientId "${clientId}" (RFC 7009 §2.1 lets only that client revoke it)`
    if (error === 'invalid_request') {
      // Servers also say invalid_request when the client authentication is missing or malformed.
      return `Check authMethod (${authMethod}) and the client credentials, which the server may expect another way, and ${owner}.`
    }
    if (error === 'unauthorized_client' || error === 'access_denied') return `Check ${owner}.`
    return `See ${quirks.title ? `${quirks.docsUrl}` : "the authorization server's documentation"} for the error "${error}".`
  }

  function classify(
    res: HttpResponse,
    request: RevokeRequest,
    found: Discovered,
    redact: (text: string) => string,
  ): RevokeOutcome {
    // RFC 7009 §2.2: the status code conveys everything; the body is ignored. 200 also means
    // "the token was invalid", which is just as dead, so there is no already-revoked answer here.
    if (res.status >= 200 && res.status < 300) return revoked()
    const oauth = parseOAuthError(res.json())
    const error = oauth?.error
    const description = oauth?.description !== undefined ? ` (${redact(oauth.description)})` : ''
    const said = `HTTP ${res.status}${error ? ` ${error}` : ''}${description}`
    if (res.status === 400 && error !== undefined && alreadyDead.has(error)) {
      return alreadyRevoked(`${Server} answered ${error}${description}`)
    }
    if (error === 'unsupported_token_type') {
      return unsupported(`${server} does not revoke ${request.subject}s (${said}; RFC 7009 §2.2.1)`)
    }
    if (isRetryableStatus(res.status)) {
      return failedFromResponse(res, {
        provider: Server,
        reason: `${quirks.title ?? 'the revocation endpoint'} is unavailable: ${said}; the token must be assumed live (RFC 7009 §2.2.1)`,
        retryFix: `${Server} is unavailable or rate limiting; retry the revoke later.`,
      })
    }
    if (res.status === 401 || error === 'invalid_client') {
      return failed({
        retryable: false,
        status: res.status,
        reason: `${server} rejected the client authentication (${said})`,
        suggestedFix: credentialsFix(found),
      })
    }
    if (error) {
      return failed({
        retryable: false,
        status: res.status,
        reason: `${quirks.title ?? 'the revocation endpoint'} refused the request: ${said}`,
        suggestedFix: fixFor(error),
      })
    }
    return failed({
      retryable: false,
      status: res.status,
      reason: `${quirks.title ?? 'the revocation endpoint'} answered HTTP ${res.status} without an OAuth error`,
      suggestedFix: `Check that ${endpointOption} is ${quirks.title ? `${quirks.title}'s revocation endpoint (see ${quirks.docsUrl})` : "the authorization server's RFC 7009 endpoint"}.`,
    })
  }

  return {
    toolkit,
    supportsAccess: quirks.subjects?.access ?? true,
    supportsRefresh: quirks.subjects?.refresh ?? true,
    ...(quirks.cascades ? { cascades: quirks.cascades } : {}),
    docsUrl: quirks.docsUrl,

    async revoke(request, context) {
      const found = await target(context)
      if ('type' in found) return found
      if (found.kind === 'none') {
        return unsupported(
          `the authorization server's metadata (${found.metadataUrl}) publishes no revocation_endpoint, so it offers no RFC 7009 revocation; if it revokes elsewhere, configure revocationEndpoint`,
        )
      }

      const form = new URLSearchParams({ token: request.token })
      if (quirks.tokenTypeHint !== 'omit') form.set('token_type_hint', request.subject)
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      }
      if (quirks.anonymous) {
        // The provider identifies no client here: only the token is sent.
      } else if (authMethod === 'client_secret_basic') {
        // RFC 6749 §2.3.1: form-encode id and secret, then base64 "id:secret".
        headers.authorization = `Basic ${basicCredential}`
      } else {
        form.set('client_id', clientId as string)
        if (authMethod === 'client_secret_post') form.set('client_secret', clientSecret as string)
      }

      const res = await context.http.request(found.endpoint, {
        method: 'POST',
        headers,
        body: form.toString(),
        secrets: [clientSecret, request.token],
      })
      const redact = (text: string) => context.redact.with([request.token])(hideSecret(text))
      return classify(res, request, found, redact)
    },

    ...(settings.connect && clientId !== undefined
      ? { connect: createConnector(settings.connect, clientId, clientSecret, target, quirks) }
      : {}),

    /** Hides the client secret in any text; the engine applies it to this adapter's outcomes and logs. */
    redact(text) {
      return hideSecret(text)
    },

    close() {
      cached = undefined
      pending = undefined
    },
  } satisfies RevocationAdapter
}
