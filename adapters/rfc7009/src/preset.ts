import {
  type AdapterDefinition,
  checkEndpoint,
  defineAdapter,
  endpointProblem,
  parseAdapterOptions,
  type RevocationAdapter,
  type TokenSubject,
  toolkitSlugSchema,
} from '@revokit/core'
import * as z from 'zod'
import { createRfc7009Adapter, DEFAULT_DISCOVERY_TTL_MS, type Rfc7009AuthMethod } from './revoke'

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
  Extras<Shape>

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
      ...config.options,
    })
    .superRefine((o, ctx) => {
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
      ...(anonymous ? {} : { clientId: o.clientId as string }),
      ...(secret ? { clientSecret: o.clientSecret as string } : {}),
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
    secrets: (secret ? ['clientSecret'] : []) as (keyof Options & string)[],
    endpoints: ['revocationEndpoint'] as (keyof Options & string)[],
    create,
    docsUrl: config.docsUrl,
  })
  return Object.assign(create, { definition, schema }) as unknown as Rfc7009Preset<Options>
}
