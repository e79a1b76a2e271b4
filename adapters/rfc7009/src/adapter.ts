import {
  endpointProblem,
  parseAdapterOptions,
  type RevocationAdapter,
  toolkitSlugSchema,
} from '@revokit/core'
import * as z from 'zod'
import { connectOptions, optionalString } from './connect-options'
import {
  createRfc7009Adapter,
  DEFAULT_DISCOVERY_TTL_MS,
  RFC7009_AUTH_METHODS,
  type Rfc7009AuthMethod,
} from './revoke'

/** The adapter's name; RFC 7009 serves many providers, so `toolkit` has no default. */
export const PROVIDER = 'rfc7009'

/**
 * The specification this adapter implements, named in the engine's suggested fixes.
 * @see https://datatracker.ietf.org/doc/html/rfc7009
 */
export const RFC7009_DOCS_URL = 'https://datatracker.ietf.org/doc/html/rfc7009'

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
    toolkit: toolkitSlugSchema({ examples: 'acme' }),
    /** The RFC 7009 endpoint, when you know it. Exactly one of this and `issuer`. */
    revocationEndpoint: z.string({ error: 'must be a URL string' }).optional(),
    /** The issuer identifier, to discover the endpoint from its metadata. Exactly one of this and `revocationEndpoint`. */
    issuer: z.string({ error: 'must be a URL string' }).optional(),
    /** The OAuth client id the tokens were issued to. */
    clientId: z.string({ error: required('a string, the OAuth client id') }).min(1, 'must not be empty'),
    /** The client secret, for `client_secret_basic` and `client_secret_post`. */
    clientSecret: optionalString(),
    /** How the client authenticates. */
    authMethod: z
      .enum(RFC7009_AUTH_METHODS, { error: `must be one of ${RFC7009_AUTH_METHODS.join(', ')}` })
      .optional(),
    ...connectOptions,
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
    if ((o.authorizationEndpoint === undefined) !== (o.tokenEndpoint === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [o.authorizationEndpoint === undefined ? 'authorizationEndpoint' : 'tokenEndpoint'],
        message:
          'is required with the other: give both authorizationEndpoint and tokenEndpoint, or neither (to read them from the issuer)',
      })
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

/**
 * Revokes tokens at any OAuth 2.0 authorization server that implements RFC 7009, at a configured
 * `revocationEndpoint` or one discovered from the `issuer`'s RFC 8414 / OpenID Connect metadata.
 *
 * Sends `token` and `token_type_hint` as a form POST with the client authentication of
 * `authMethod`: `client_secret_basic` (the default with a `clientSecret`; RFC 6749 §2.3.1 makes
 * it the one method every server must support), `client_secret_post`, or `none` (the default
 * without a secret). 2xx is revoked (RFC 7009 §2.2: also for an unknown token),
 * `unsupported_token_type` is unsupported, 408, 429 and the transient 5xx (core's
 * `isRetryableStatus`) are retryable, a rejected client fails with a fix naming the credentials.
 * No cascade is declared: RFC 7009 §2.1 only says a server SHOULD revoke a refresh token's access
 * tokens, so the engine revokes both. For a provider with documented quirks, declare a preset with
 * {@link rfc7009Preset} instead.
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
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1 (the code flow the connector runs)
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export function rfc7009(options: Rfc7009Options): RevocationAdapter {
  const o = parseAdapterOptions(rfc7009OptionsSchema, options, {
    adapter: 'rfc7009',
    usage: `rfc7009({ toolkit, revocationEndpoint | issuer, clientId, clientSecret?, authMethod?, scopes?, authorizationEndpoint?, tokenEndpoint? }); see ${RFC7009_DOCS_URL}`,
  })
  const authMethod = o.authMethod ?? (o.clientSecret !== undefined ? 'client_secret_basic' : 'none')
  const explicit =
    o.authorizationEndpoint !== undefined && o.tokenEndpoint !== undefined
      ? { authorizationEndpoint: o.authorizationEndpoint, tokenEndpoint: o.tokenEndpoint }
      : undefined
  return createRfc7009Adapter({
    toolkit: o.toolkit,
    target:
      o.revocationEndpoint !== undefined
        ? { revocationEndpoint: o.revocationEndpoint }
        : { issuer: o.issuer as string },
    clientId: o.clientId,
    ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}),
    authMethod,
    discoveryTtlMs: o.discoveryTtlMs ?? DEFAULT_DISCOVERY_TTL_MS,
    clock: o.clock ?? Date.now,
    quirks: { docsUrl: RFC7009_DOCS_URL },
    // Connecting needs to know where: explicit endpoints, or an issuer whose metadata names them.
    ...(explicit !== undefined || o.issuer !== undefined
      ? {
          connect: {
            ...(explicit ? { endpoints: { ...(o.issuer ? { issuer: o.issuer } : {}), ...explicit } } : {}),
            clientAuth: authMethod,
            scopes: o.scopes ?? [],
          },
        }
      : {}),
  })
}
