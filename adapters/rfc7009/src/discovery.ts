import {
  endpointProblem,
  type FailedOutcome,
  failed,
  type HttpClient,
  isRetryableStatus,
} from '@revokit/core'

/**
 * What an issuer's metadata says about connecting: its authorization and token endpoints, or why
 * they cannot be used.
 * @see https://datatracker.ietf.org/doc/html/rfc8414#section-2
 */
export type DiscoveredConnect =
  | { readonly issuer: string; readonly authorizationEndpoint: string; readonly tokenEndpoint: string }
  | { readonly problem: string }

/** What an issuer's metadata says about revocation (and, for connecting, in `connect`). */
export type Discovered = (
  | {
      readonly kind: 'endpoint'
      /** The `revocation_endpoint`, checked: https (or loopback http) and same origin as the issuer. */
      readonly endpoint: string
      /** Where it was found. */
      readonly metadataUrl: string
      /** `revocation_endpoint_auth_methods_supported`, when the metadata lists it. */
      readonly authMethods?: readonly string[]
    }
  | {
      /** The metadata is valid but publishes no `revocation_endpoint`. */
      readonly kind: 'none'
      readonly metadataUrl: string
    }
) & { readonly connect?: DiscoveredConnect }

/**
 * The connect endpoints of a metadata document: the browser goes to `authorization_endpoint`
 * (https, or loopback http), and the client secret goes to `token_endpoint`, which must therefore
 * also be on the issuer's own origin, as for revocation.
 */
function readConnect(md: Record<string, unknown>, metadataUrl: string, issuer: string): DiscoveredConnect {
  const { authorization_endpoint: authorization, token_endpoint: token } = md
  if (typeof authorization !== 'string' || typeof token !== 'string') {
    return { problem: `${metadataUrl} publishes no authorization_endpoint and token_endpoint` }
  }
  const problem =
    endpointProblem(authorization, 'its authorization_endpoint') ??
    endpointProblem(token, 'its token_endpoint')
  if (problem) return { problem: `${metadataUrl}: ${problem}` }
  if (new URL(token).origin !== new URL(issuer).origin) {
    return {
      problem: `${metadataUrl} names a token_endpoint on another origin (${new URL(token).origin}); revokit sends client credentials only to the issuer's own origin, so configure authorizationEndpoint and tokenEndpoint explicitly`,
    }
  }
  return { issuer, authorizationEndpoint: authorization, tokenEndpoint: token }
}

/**
 * The two places an issuer's metadata can live, in the order revokit tries them: RFC 8414 §3
 * inserts `/.well-known/oauth-authorization-server` between the host and the issuer's path;
 * OpenID Connect Discovery 1.0 §4 appends `/.well-known/openid-configuration` to the issuer. In
 * both, a terminating `/` of the issuer's path is removed first.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc8414#section-3
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function metadataUrls(issuer: string): readonly [rfc8414: string, openid: string] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/+$/, '')
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ]
}

// Texts from the metadata end up in reasons: quoted (JSON escapes control characters), and whole,
// because only the engine, after redacting, may shorten provider text.
const shown = (value: unknown) => JSON.stringify(value)

/**
 * Reads one metadata document. Returns what it says about revocation, or why it must not be used
 * (RFC 8414 §3.3: the `issuer` it states must be identical to the configured issuer).
 */
function readMetadata(body: unknown, metadataUrl: string, issuer: string): Discovered | string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return `${metadataUrl} is not a JSON object`
  }
  const md = body as Record<string, unknown>
  if (md.issuer !== issuer) {
    return `${metadataUrl} states issuer ${shown(md.issuer)}, not the configured issuer ${shown(issuer)} (RFC 8414 §3.3 forbids using it)`
  }
  const connect = readConnect(md, metadataUrl, issuer)
  const endpoint = md.revocation_endpoint
  if (endpoint === undefined || endpoint === null) return { kind: 'none', metadataUrl, connect }
  if (typeof endpoint !== 'string') return `${metadataUrl} has a revocation_endpoint that is not a string`
  const problem = endpointProblem(endpoint, 'its revocation_endpoint')
  if (problem) return `${metadataUrl}: ${problem}`
  if (new URL(endpoint).origin !== new URL(issuer).origin) {
    return `${metadataUrl} names a revocation_endpoint on another origin (${new URL(endpoint).origin}); revokit sends client credentials only to the issuer's own origin`
  }
  const methods = md.revocation_endpoint_auth_methods_supported
  const authMethods = Array.isArray(methods)
    ? methods.filter((m): m is string => typeof m === 'string')
    : undefined
  return { kind: 'endpoint', endpoint, metadataUrl, ...(authMethods ? { authMethods } : {}), connect }
}

/**
 * Finds the issuer's revocation endpoint: RFC 8414 metadata first, then OpenID Connect
 * discovery. Requests go through the dispatch's transport, so they share its deadline and attempt
 * budget; a {@link TransportError} (no answer at all) propagates to the engine.
 */
export async function discover(http: HttpClient, issuer: string): Promise<Discovered | FailedOutcome> {
  const problems: string[] = []
  let unavailable = false
  let retryAfterMs: number | undefined
  let status: number | undefined
  for (const url of metadataUrls(issuer)) {
    const res = await http.request(url, { method: 'GET', headers: { accept: 'application/json' } })
    if (res.status === 200) {
      const found = readMetadata(res.json(), url, issuer)
      if (typeof found !== 'string') return found
      problems.push(found)
      continue
    }
    status = res.status
    problems.push(`${url} answered HTTP ${res.status}`)
    if (isRetryableStatus(res.status)) {
      unavailable = true
      if (res.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, res.retryAfterMs)
    }
  }
  const invalid = problems.some((p) => !/answered HTTP \d+$/.test(p))
  return failed({
    // A server that is down may serve its metadata later; one that serves the wrong metadata won't.
    retryable: unavailable && !invalid,
    reason: `could not discover the revocation endpoint of issuer ${issuer}: ${problems.join('; ')}`,
    ...(status !== undefined ? { status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    suggestedFix: invalid
      ? 'Set issuer to exactly the "issuer" value of the authorization server\'s metadata, or configure revocationEndpoint explicitly instead of issuer.'
      : unavailable
        ? 'The authorization server did not serve its metadata; retry the revoke later.'
        : `Check that issuer is the authorization server's issuer identifier (metadata is read from ${metadataUrls(issuer).join(' and ')}), or configure revocationEndpoint instead of issuer.`,
  })
}
