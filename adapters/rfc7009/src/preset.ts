import {
  type AdapterDefinition,
  type ClientAuthMethod,
  checkEndpoint,
  defineAdapter,
  endpointProblem,
  parseAdapterOptions,
  type RevocationAdapter,
  type TokenSubject,
  toolkitSlugSchema,
} from '@revokit/core'
import * as z from 'zod'
import { connectOptions, optionalString } from './connect-options'
import {
  createRfc7009Adapter,
  DEFAULT_DISCOVERY_TTL_MS,
  type Rfc7009AuthMethod,
  type Rfc7009ConnectSettings,
} from './revoke'

/**
 * How a preset's client authenticates at the revocation endpoint: an RFC 7009 method, or
 * `anonymous` for a provider that identifies no client there at all (Google: only the token is
 * sent, and the factory takes no `clientId`).
 */
export type Rfc7009PresetAuth = Rfc7009AuthMethod | 'anonymous'

/** The options a preset's extra fields take, as the user passes them. */
type Extras<Shape extends z.ZodRawShape> = keyof Shape extends never
  ? unknown
  : z.input<z.ZodObject<Shape, z.core.$strict>>

/** What a preset's factory takes: `toolkit?`, `revocationEndpoint?`, the client's credentials, the extras. */
export type Rfc7009PresetOptions<Auth extends Rfc7009PresetAuth, Shape extends z.ZodRawShape> = {
  /** The toolkit slug to serve. @default the preset's name */
  toolkit?: string
  /** Overrides the preset's endpoint (tests, proxies); https, or http on loopback. */
  revocationEndpoint?: string
} & (Auth extends 'anonymous'
  ? unknown
  : Auth extends 'none'
    ? { clientId: string }
    : { clientId: string; clientSecret: string }) &
  Extras<Shape> &
  ConnectOptions

/**
 * The connect options every preset factory accepts; they are refused unless the preset declares
 * `connect`. `clientId`/`clientSecret` here are for presets whose revocation takes none (Google).
 */
export type ConnectOptions = {
  /** The OAuth client id, for connecting (a preset that revokes anonymously needs it only for this). */
  clientId?: string
  /** The client secret, for connecting with a secret `clientAuth`. */
  clientSecret?: string
  /** Scopes asked for when `initiate` names none. */
  scopes?: string[]
  /** Overrides the preset's authorization endpoint (tests, proxies). */
  authorizationEndpoint?: string
  /** Overrides the preset's token endpoint (tests, proxies); https, or http on loopback. */
  tokenEndpoint?: string
}

/** Where the endpoint is: fixed, or computed from the preset's extra options (a tenant domain). */
type FromOptions<Shape extends z.ZodRawShape> = string | ((options: z.output<z.ZodObject<Shape>>) => string)

/**
 * An RFC 7009-shaped provider, declared. Everything that differs from the RFC is a field here,
 * never code: the generic adapter does the work.
 */
export interface Rfc7009PresetConfig<Auth extends Rfc7009PresetAuth, Shape extends z.ZodRawShape> {
  /** The config file's `adapter` value, the factory's name in errors, and the default toolkit. */
  readonly name: string
  /** The provider's name in reasons, e.g. `Okta`. @default name */
  readonly title?: string
  /** The RFC 7009 endpoint. Exactly one of this and `issuer`. */
  readonly revocationEndpoint?: FromOptions<Shape>
  /** The issuer whose RFC 8414 / OpenID Connect metadata names the endpoint. Exactly one of this and `revocationEndpoint`. */
  readonly issuer?: FromOptions<Shape>
  /** How the client authenticates; `clientSecret` is required exactly for the two secret methods. */
  readonly authMethod: Auth
  /** What the endpoint revokes. @default { access: true, refresh: true } */
  readonly subjects?: { readonly access?: boolean; readonly refresh?: boolean }
  /** Subjects the provider documents killing with another, e.g. `{ refresh_token: ['access_token'] }`. */
  readonly cascades?: Readonly<Partial<Record<TokenSubject, readonly TokenSubject[]>>>
  /** OAuth error codes that, in an HTTP 400, mean "already dead" for this provider, e.g. `['invalid_token']`. */
  readonly alreadyRevokedErrors?: readonly string[]
  /**
   * `send` the `token_type_hint` (the default; for providers that require it too), or `omit` it
   * where the provider documents only `token`.
   */
  readonly tokenTypeHint?: 'send' | 'omit'
  /** The provider's revocation documentation. */
  readonly docsUrl: string
  /** Extra options the factory takes (zod fields), e.g. `{ domain: z.string() }`; never secrets. */
  readonly options?: Shape
  /** How the provider connects; omit for a revoke-only preset. */
  readonly connect?: Rfc7009PresetConnect
}

/**
 * How a preset's provider connects (the OAuth code flow and refresh grant), declared. With it, the
 * preset's factory takes `clientId`, `clientSecret` (for a secret `clientAuth`), `scopes` and
 * endpoint overrides, and the adapter declares `connect` when a client id is given.
 */
export interface Rfc7009PresetConnect {
  /** The authorization endpoint. Without both endpoints, they are read from the preset's issuer metadata. */
  readonly authorizationEndpoint?: string
  /** The token endpoint (code exchange and refresh). */
  readonly tokenEndpoint?: string
  /** The issuer ID tokens are checked against. */
  readonly issuer?: string
  /** How the client authenticates at the token endpoint. */
  readonly clientAuth: ClientAuthMethod
  /** Extra authorization-request parameters the provider needs, e.g. Google's `access_type=offline`. */
  readonly authorizationParams?: Readonly<Record<string, string>>
  /** @default ' ' */
  readonly scopeSeparator?: string
  /** @default true */
  readonly pkce?: boolean
  /** The provider's documentation of its code flow, named in errors. */
  readonly docsUrl: string
}

/** A preset's factory, with the {@link AdapterDefinition} and options schema it was built with. */
export interface Rfc7009Preset<Options extends Record<string, unknown>> {
  (
    ...options: Record<string, never> extends Options ? [options?: Options] : [options: Options]
  ): RevocationAdapter
  /** What the server's config and CLI need to build this adapter: name, schema, secrets, endpoints. */
  readonly definition: AdapterDefinition<Options>
  /** The factory's options schema (strict: unknown options are refused). */
  readonly schema: z.ZodType<Options, Options>
}

const SECRET_METHODS: ReadonlySet<Rfc7009PresetAuth> = new Set(['client_secret_basic', 'client_secret_post'])

/** The connect settings of one preset adapter: the declared data, with the user's overrides. */
function connectSettings(connect: Rfc7009PresetConnect, o: Record<string, unknown>): Rfc7009ConnectSettings {
  const authorizationEndpoint =
    (o.authorizationEndpoint as string | undefined) ?? connect.authorizationEndpoint
  const tokenEndpoint = (o.tokenEndpoint as string | undefined) ?? connect.tokenEndpoint
  return {
    ...(authorizationEndpoint !== undefined && tokenEndpoint !== undefined
      ? {
          endpoints: {
            ...(connect.issuer ? { issuer: connect.issuer } : {}),
            authorizationEndpoint,
            tokenEndpoint,
          },
        }
      : {}),
    clientAuth: connect.clientAuth,
    scopes: (o.scopes as string[] | undefined) ?? [],
    ...(connect.scopeSeparator ? { scopeSeparator: connect.scopeSeparator } : {}),
    ...(connect.authorizationParams ? { authorizationParams: connect.authorizationParams } : {}),
    ...(connect.pkce === false ? { pkce: false } : {}),
  }
}

/**
 * Declares an RFC 7009-shaped provider in a few lines over the generic {@link rfc7009} adapter:
 * the endpoint (fixed, derived from an option, or discovered from an issuer), the client
 * authentication, the subjects and cascades it documents, and its quirks. Returns the factory,
 * with its {@link AdapterDefinition} as `.definition` (so a package exports
 * `definition = preset.definition`) and its schema as `.schema`: one declaration, nothing to keep
 * in step.
 *
 * @example
 * ```ts
 * export const okta = rfc7009Preset({
 *   name: 'okta',
 *   title: 'Okta',
 *   options: { domain: z.string().regex(/^[a-z0-9.-]+$/, 'must be a host name such as acme.okta.com') },
 *   revocationEndpoint: ({ domain }) => `https://${domain}/oauth2/v1/revoke`,
 *   authMethod: 'client_secret_basic',
 *   cascades: { refresh_token: ['access_token'] },
 *   docsUrl: 'https://developer.okta.com/docs/reference/api/oidc/#revoke',
 * })
 * okta({ domain: 'acme.okta.com', clientId, clientSecret })
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2
 */
export function rfc7009Preset<
  const Auth extends Rfc7009PresetAuth,
  Shape extends z.ZodRawShape = Record<never, never>,
>(config: Rfc7009PresetConfig<Auth, Shape>): Rfc7009Preset<Rfc7009PresetOptions<Auth, Shape>> {
  type Options = Rfc7009PresetOptions<Auth, Shape>
  const source = config.revocationEndpoint ?? config.issuer
  if (source === undefined || (config.revocationEndpoint !== undefined && config.issuer !== undefined)) {
    throw new TypeError(`rfc7009Preset(${config.name}): declare exactly one of revocationEndpoint and issuer`)
  }
  const sourceName = config.revocationEndpoint !== undefined ? 'revocationEndpoint' : 'issuer'
  const title = config.title ?? config.name
  const anonymous = config.authMethod === 'anonymous'
  const secret = SECRET_METHODS.has(config.authMethod)
  const connect = config.connect
  const resolve = (options: Record<string, unknown>) =>
    typeof source === 'string' ? source : source(options as z.output<z.ZodObject<Shape>>)

  const schema = z
    .strictObject({
      toolkit: toolkitSlugSchema({ examples: config.name }).optional(),
      revocationEndpoint: z
        .string({ error: 'must be a URL string' })
        .superRefine(checkEndpoint('revocationEndpoint'))
        .optional(),
      ...(anonymous
        ? {}
        : {
            clientId: z
              .string({
                error: (i) =>
                  i.input === undefined ? 'is required: the OAuth client id' : 'must be a string',
              })
              .min(1, 'must not be empty'),
          }),
      ...(secret
        ? {
            clientSecret: z
              .string({
                error: (i) =>
                  i.input === undefined
                    ? `is required: ${title} authenticates the client with ${config.authMethod}`
                    : 'must be a string',
              })
              .min(1, 'must not be empty'),
          }
        : {}),
      ...(connect
        ? {
            ...(anonymous ? { clientId: optionalString() } : {}),
            ...(secret ? {} : { clientSecret: optionalString() }),
            ...connectOptions,
          }
        : {}),
      ...config.options,
    })
    .superRefine((o, ctx) => {
      if (
        connect &&
        o.clientId !== undefined &&
        o.clientSecret === undefined &&
        SECRET_METHODS.has(connect.clientAuth)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['clientSecret'],
          message: `is required to connect: ${title} authenticates the client at its token endpoint with ${connect.clientAuth} (see ${connect.docsUrl})`,
        })
      }
      if (o.revocationEndpoint !== undefined) return
      // A derived endpoint is checked like a configured one: it will receive tokens and secrets.
      const problem = endpointProblem(resolve(o), sourceName)
      if (problem)
        ctx.addIssue({ code: 'custom', path: [], message: `${problem} (derived from the options)` })
    }) as unknown as z.ZodType<Options, Options>

  const fields = [
    'toolkit?',
    ...(anonymous ? [] : ['clientId']),
    ...(secret ? ['clientSecret'] : []),
    ...Object.keys(config.options ?? {}),
    'revocationEndpoint?',
    ...(connect
      ? [...(anonymous ? ['clientId?'] : []), ...(secret ? [] : ['clientSecret?']), 'scopes?']
      : []),
  ]
  const usage = `${config.name}({ ${fields.join(', ')} }); see ${config.docsUrl}`

  function create(options?: Options): RevocationAdapter {
    const o = parseAdapterOptions(schema, options, { adapter: config.name, usage }) as Record<string, unknown>
    const override = o.revocationEndpoint as string | undefined
    return createRfc7009Adapter({
      toolkit: (o.toolkit as string | undefined) ?? config.name,
      target:
        override !== undefined
          ? { revocationEndpoint: override }
          : sourceName === 'revocationEndpoint'
            ? { revocationEndpoint: resolve(o) }
            : { issuer: resolve(o) },
      ...(o.clientId !== undefined ? { clientId: o.clientId as string } : {}),
      ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret as string } : {}),
      ...(connect && o.clientId !== undefined ? { connect: connectSettings(connect, o) } : {}),
      authMethod: anonymous ? 'none' : (config.authMethod as Rfc7009AuthMethod),
      discoveryTtlMs: DEFAULT_DISCOVERY_TTL_MS,
      clock: Date.now,
      quirks: {
        title,
        docsUrl: config.docsUrl,
        anonymous,
        ...(config.subjects ? { subjects: config.subjects } : {}),
        ...(config.cascades ? { cascades: config.cascades } : {}),
        ...(config.alreadyRevokedErrors ? { alreadyRevokedErrors: config.alreadyRevokedErrors } : {}),
        ...(config.tokenTypeHint ? { tokenTypeHint: config.tokenTypeHint } : {}),
      },
    })
  }

  const definition = defineAdapter<Options>({
    name: config.name,
    options: schema,
    secrets: (secret || connect ? ['clientSecret'] : []) as (keyof Options & string)[],
    endpoints: (connect
      ? ['revocationEndpoint', 'authorizationEndpoint', 'tokenEndpoint']
      : ['revocationEndpoint']) as (keyof Options & string)[],
    create,
    docsUrl: config.docsUrl,
  })
  return Object.assign(create, { definition, schema }) as unknown as Rfc7009Preset<Options>
}
