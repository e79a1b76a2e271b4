import {
  createRedactor,
  endpointProblem,
  type FailedOutcome,
  failed,
  type HttpResponse,
  parseAdapterOptions,
  type RevocationAdapter,
  type RevokeContext,
  type RevokeOutcome,
  type RevokeRequest,
  revoked,
  TOOLKIT_SLUG,
  unsupported,
} from '@revokit/core'
import * as z from 'zod'
import { type Discovered, discover } from './discovery'

/** The adapter's name; RFC 7009 serves many providers, so `toolkit` has no default. */
export const PROVIDER = 'rfc7009'

/**
 * The specification this adapter implements, named in the engine's suggested fixes.
 * @see https://datatracker.ietf.org/doc/html/rfc7009
 */
export const RFC7009_DOCS_URL = 'https://datatracker.ietf.org/doc/html/rfc7009'

/**
 * Client authentication methods this adapter speaks at the revocation endpoint, named as in the
 * IANA "OAuth Token Endpoint Authentication Methods" registry.
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

const SECRET_METHODS = new Set<Rfc7009AuthMethod>(['client_secret_basic', 'client_secret_post'])

const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `is required: ${what}` : `must be ${what}`

/**
 * Options of {@link rfc7009}, as a zod schema (the server's config file validates toolkit entries
 * with it). Messages name the option and never echo a value.
 */
export const rfc7009OptionsSchema = z
  .strictObject({
    /** The toolkit slug this authorization server serves, e.g. `acme`. */
    toolkit: z
      .string({ error: required('a toolkit slug such as "acme"') })
      .regex(TOOLKIT_SLUG, 'must be a lowercase slug such as "acme" (a-z, 0-9, - and _)'),
    /** The RFC 7009 endpoint, when you know it. Exactly one of this and `issuer`. */
    revocationEndpoint: z.string({ error: 'must be a URL string' }).optional(),
    /** The issuer identifier, to discover the endpoint from its metadata. Exactly one of this and `revocationEndpoint`. */
    issuer: z.string({ error: 'must be a URL string' }).optional(),
    /** The OAuth client id the tokens were issued to. */
    clientId: z.string({ error: required('a string, the OAuth client id') }).min(1, 'must not be empty'),
    /** The client secret, for `client_secret_basic` and `client_secret_post`. */
    clientSecret: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
    /** How the client authenticates. */
    authMethod: z
      .enum(RFC7009_AUTH_METHODS, { error: `must be one of ${RFC7009_AUTH_METHODS.join(', ')}` })
      .optional(),
    /** How long discovered metadata is cached, in ms. */
    discoveryTtlMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .positive('must be positive')
      .optional(),
    /** Time source for the discovery cache. */
    clock: z
      .custom<() => number>((v) => typeof v === 'function', 'must be a function returning epoch ms')
      .optional(),
  })
  .superRefine((o, ctx) => {
    const given = [o.revocationEndpoint, o.issuer].filter((v) => v !== undefined).length
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `exactly one of revocationEndpoint and issuer is required (got ${given === 0 ? 'neither' : 'both'})`,
      })
    }
    if (o.revocationEndpoint !== undefined) {
      const problem = endpointProblem(o.revocationEndpoint, 'revocationEndpoint')
      if (problem) ctx.addIssue({ code: 'custom', path: ['revocationEndpoint'], message: problem })
    }
    if (o.issuer !== undefined) {
      const problem =
        endpointProblem(o.issuer, 'issuer') ??
        // RFC 8414 §2: an issuer identifier has no query or fragment component.
        (new URL(o.issuer).search ? 'issuer must not contain a ?query (RFC 8414 §2)' : undefined)
      if (problem) ctx.addIssue({ code: 'custom', path: ['issuer'], message: problem })
    }
    const method = o.authMethod ?? (o.clientSecret !== undefined ? 'client_secret_basic' : 'none')
    if (SECRET_METHODS.has(method) && o.clientSecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: `is required when authMethod is ${method}`,
      })
    }
    if (method === 'none' && o.clientSecret !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message:
          'is never sent with authMethod none; remove it, or use client_secret_basic or client_secret_post',
      })
    }
  })

/** Options of {@link rfc7009}. */
export type Rfc7009Options = z.input<typeof rfc7009OptionsSchema>

/** `application/x-www-form-urlencoded` of one value (space as `+`), as RFC 6749 Appendix B says. */
function formEncode(value: string): string {
  return new URLSearchParams([['v', value]]).toString().slice(2)
}

// RFC 6749 §5.2 allows only these characters in `error` and `error_description`.
const OAUTH_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/

/** The RFC 6749 §5.2 error of a response, if it has a well-formed one. */
function oauthError(res: HttpResponse): { error?: string; description?: string } {
  const body = res.json()
  if (!body || typeof body !== 'object') return {}
  const { error, error_description: description } = body as Record<string, unknown>
  if (typeof error !== 'string' || error.length > 64 || !OAUTH_TEXT.test(error)) return {}
  return {
    error,
    ...(typeof description === 'string' && OAUTH_TEXT.test(description)
      ? { description: description.slice(0, 200) }
      : {}),
  }
}

/**
 * Revokes tokens at any OAuth 2.0 authorization server that implements RFC 7009, at a configured
 * `revocationEndpoint` or one discovered from the `issuer`'s RFC 8414 / OpenID Connect metadata.
 *
 * Sends `token` and `token_type_hint` as a form POST with the client authentication of
 * `authMethod`: `client_secret_basic` (the default with a `clientSecret`; RFC 6749 §2.3.1 makes
 * it the one method every server must support), `client_secret_post`, or `none` (the default
 * without a secret). 2xx is revoked (RFC 7009 §2.2: also for an unknown token),
 * `unsupported_token_type` is unsupported, 5xx/429 are retryable, a rejected client fails with a
 * fix naming the credentials. No cascade is declared: RFC 7009 §2.1 only says a server SHOULD
 * revoke a refresh token's access tokens, so the engine revokes both.
 *
 * @example
 * ```ts
 * const engine = createEngine({
 *   store: memoryStore(),
 *   adapters: [rfc7009({ toolkit: 'acme', issuer: 'https://id.acme.example', clientId, clientSecret })],
 * })
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2
 * @see https://datatracker.ietf.org/doc/html/rfc8414#section-3
 */
export function rfc7009(options: Rfc7009Options): RevocationAdapter {
  const o = parseAdapterOptions(rfc7009OptionsSchema, options, {
    adapter: 'rfc7009',
    usage: `rfc7009({ toolkit, revocationEndpoint | issuer, clientId, clientSecret?, authMethod? }); see ${RFC7009_DOCS_URL}`,
  })
  // Kept in this closure only: never on the returned object, never in a reason or a log line.
  const clientSecret = o.clientSecret
  const clientId = o.clientId
  const authMethod: Rfc7009AuthMethod =
    o.authMethod ?? (clientSecret !== undefined ? 'client_secret_basic' : 'none')
  const fixedEndpoint = o.revocationEndpoint
  const issuer = o.issuer
  const ttlMs = o.discoveryTtlMs ?? DEFAULT_DISCOVERY_TTL_MS
  const clock = o.clock ?? Date.now
  // Every form the secret travels in: raw, URL- and form-encoded (createRedactor adds those), the
  // RFC 6749 §2.3.1 encoding and the Basic credential built from it.
  const basicCredential =
    clientSecret !== undefined
      ? Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')
      : undefined
  const hideSecret = createRedactor(
    clientSecret !== undefined ? [clientSecret, formEncode(clientSecret), basicCredential] : [],
  )

  let cached: { value: Discovered | FailedOutcome; until: number } | undefined
  let pending: Promise<Discovered | FailedOutcome> | undefined

  async function runDiscovery(context: RevokeContext) {
    const value = await discover(context.http, issuer as string)
    if (!('type' in value)) {
      cached = { value, until: clock() + ttlMs }
      context.logger.debug(
        {
          toolkit: o.toolkit,
          issuer,
          metadataUrl: value.metadataUrl,
          revocationEndpoint: value.kind === 'endpoint' ? value.endpoint : null,
        },
        'revokit: rfc7009 discovered the revocation endpoint',
      )
    } else {
      if (!value.retryable) cached = { value, until: clock() + Math.min(ttlMs, DISCOVERY_FAILURE_TTL_MS) }
      context.logger.warn(
        { toolkit: o.toolkit, issuer, reason: value.reason },
        'revokit: rfc7009 discovery failed',
      )
    }
    return value
  }

  /** The endpoint to POST to: configured, cached, or discovered once for concurrent callers. */
  async function target(context: RevokeContext): Promise<Discovered | FailedOutcome> {
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

  function credentialsFix(found: Discovered): string {
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
    const owner = `that the token was issued to clientId "${clientId}" (RFC 7009 §2.1 lets only that client revoke it)`
    if (error === 'invalid_request') {
      // Servers also say invalid_request when the client authentication is missing or malformed.
      return `Check authMethod (${authMethod}) and the client credentials, which the server may expect another way, and ${owner}.`
    }
    if (error === 'unauthorized_client' || error === 'access_denied') return `Check ${owner}.`
    return `See the authorization server's documentation for the error "${error}".`
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
    const { error, description } = oauthError(res)
    const said = `HTTP ${res.status}${error ? ` ${error}` : ''}${description ? ` (${redact(description)})` : ''}`
    if (error === 'unsupported_token_type') {
      return unsupported(
        `the authorization server does not revoke ${request.subject}s (${said}; RFC 7009 §2.2.1)`,
      )
    }
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      return failed({
        retryable: true,
        status: res.status,
        reason: `the revocation endpoint is unavailable: ${said}; the token must be assumed live (RFC 7009 §2.2.1)`,
        ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
        suggestedFix: 'The authorization server is unavailable or rate limiting; retry the revoke later.',
      })
    }
    if (res.status === 401 || error === 'invalid_client') {
      return failed({
        retryable: false,
        status: res.status,
        reason: `the authorization server rejected the client authentication (${said})`,
        suggestedFix: credentialsFix(found),
      })
    }
    if (error) {
      return failed({
        retryable: false,
        status: res.status,
        reason: `the revocation endpoint refused the request: ${said}`,
        suggestedFix: fixFor(error),
      })
    }
    return failed({
      retryable: false,
      status: res.status,
      reason: `the revocation endpoint answered HTTP ${res.status} without an OAuth error`,
      suggestedFix: `Check that ${fixedEndpoint !== undefined ? 'revocationEndpoint' : `the revocation_endpoint discovered for issuer ${issuer}`} is the authorization server's RFC 7009 endpoint.`,
    })
  }

  return {
    toolkit: o.toolkit,
    supportsAccess: true,
    supportsRefresh: true,
    docsUrl: RFC7009_DOCS_URL,

    async revoke(request, context) {
      const found = await target(context)
      if ('type' in found) return found
      if (found.kind === 'none') {
        return unsupported(
          `the authorization server's metadata (${found.metadataUrl}) publishes no revocation_endpoint, so it offers no RFC 7009 revocation; if it revokes elsewhere, configure revocationEndpoint`,
        )
      }

      const form = new URLSearchParams({ token: request.token, token_type_hint: request.subject })
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      }
      if (authMethod === 'client_secret_basic') {
        // RFC 6749 §2.3.1: form-encode id and secret, then base64 "id:secret".
        headers.authorization = `Basic ${basicCredential}`
      } else {
        form.set('client_id', clientId)
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
