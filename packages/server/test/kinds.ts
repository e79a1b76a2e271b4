// Adapter kinds for tests, injected through the registry exactly as the real adapters are.
import {
  alreadyRevoked,
  defineAdapter,
  failed,
  memoryStore,
  type OAuthConnector,
  type RevocationAdapter,
  type Store,
  unsupported,
} from '@revokit/core'
import { later, scriptedAdapter } from '@revokit/core/testing'
import * as z from 'zod'
import { adapterKinds, builtinKinds, type Kinds } from '../src/kinds'

/** What a `{ "adapter": "test", "behaviour": … }` toolkit does on every dispatch. */
export type Behaviour =
  | 'revoke'
  | 'already'
  | 'unsupported'
  | 'fail'
  | 'partial'
  | 'slow'
  | 'gated'
  | 'leaky'
  | 'cuts'
  | 'throws'

/** What a `gated` toolkit waits for, and how it tells the test that a revoke has started. */
export interface TestHooks {
  /** The revoke resolves once this settles. @default resolved at once */
  gate?: Promise<unknown>
  /** Called when a gated revoke reaches the adapter. */
  started?: () => void
}

/** Adapters built by the `test` kind, by toolkit, so tests can count dispatches. */
export type Built = Map<string, ReturnType<typeof scriptedAdapter>>

/**
 * The built-in kinds plus, each registered by its definition as real adapters are:
 * - adapter `test`: options `{ behaviour?, delayMs?, supportsAccess?, supportsRefresh?, clientSecret?,
 *   revocationEndpoint?, issuer?, baseUrl? }` (anything else is accepted and ignored); with
 *   `authorizationEndpoint`, `tokenEndpoint` and `clientId` it can also connect (client_secret_basic);
 * - adapter `strict`: a strict options schema, like a real adapter's (clientId required, …);
 * - store `shared`: one memory store per kinds object, so an in-process CLI sees seeded accounts.
 */
export function testKinds(
  shared: Store = memoryStore(),
  hooks: TestHooks = {},
): { kinds: Kinds; built: Built; shared: Store } {
  const built: Built = new Map()
  const test = (options: Record<string, unknown> & { toolkit: string }): RevocationAdapter => {
    const behaviour = (options.behaviour as Behaviour | undefined) ?? 'revoke'
    const secret = typeof options.clientSecret === 'string' ? options.clientSecret : ''
    const step = (() => {
      switch (behaviour) {
        case 'already':
          return alreadyRevoked('the provider says the token is invalid')
        case 'unsupported':
          return unsupported('unsupported_token_type')
        case 'fail':
          return failed({
            retryable: false,
            status: 502,
            reason: 'provider answered 502 Bad Gateway',
            suggestedFix: 'Check the provider status page.',
          })
        case 'slow':
          return later(Number(options.delayMs ?? 1500), { type: 'revoked' as const })
        case 'gated':
          // Holds the revoke in flight until the test opens the gate: no guessing how long
          // "in flight" lasts on a loaded machine.
          return async () => {
            hooks.started?.()
            await hooks.gate
            return { type: 'revoked' as const }
          }
        case 'leaky':
          // A badly written adapter that copies its client secret and the token into the reason.
          return (request: { token: string }) =>
            failed({
              retryable: false,
              status: 401,
              reason: `invalid_client: client_secret ${secret} rejected for token ${request.token}`,
            })
        case 'cuts':
          // A provider that echoes parts of what it was sent, cut again by the adapter: the head
          // of the client secret, the tail and a middle of the token.
          return (request: { token: string }) =>
            failed({
              retryable: false,
              status: 401,
              reason: `invalid_client: ${secret.slice(0, -3)}… rejected; token …${request.token.slice(5)} (${request.token.slice(2, 12)})`,
            })
        case 'throws':
          return () => {
            throw new Error(`adapter bug while holding ${secret}`)
          }
        default:
          return { type: 'revoked' as const }
      }
    })()
    const adapter = scriptedAdapter({
      toolkit: options.toolkit,
      supportsAccess: (options.supportsAccess as boolean | undefined) ?? true,
      supportsRefresh: (options.supportsRefresh as boolean | undefined) ?? true,
      script:
        behaviour === 'partial'
          ? {
              access_token: [{ type: 'revoked' }],
              refresh_token: [failed({ retryable: false, reason: 'provider answered 400' })],
            }
          : { access_token: [step], refresh_token: [step] },
    })
    if (typeof options.tokenEndpoint === 'string' && typeof options.authorizationEndpoint === 'string') {
      // Connect settings pass through the config to the factory, as a real adapter's do.
      const endpoints = {
        authorizationEndpoint: options.authorizationEndpoint,
        tokenEndpoint: options.tokenEndpoint,
      }
      const connect: OAuthConnector = {
        endpoints: () => endpoints,
        clientId: String(options.clientId ?? ''),
        clientAuth: 'client_secret_basic',
        clientSecret: () => secret,
        scopes: (options.scopes as string[] | undefined) ?? ['read'],
      }
      Object.assign(adapter, { connect })
    }
    built.set(options.toolkit, adapter)
    return adapter
  }
  const testDefinition = defineAdapter({
    name: 'test',
    options: z.looseObject({
      toolkit: z.string(),
      behaviour: z.string().optional(),
      delayMs: z.number().optional(),
      supportsAccess: z.boolean().optional(),
      supportsRefresh: z.boolean().optional(),
      clientSecret: z.string().optional(),
      revocationEndpoint: z.string().optional(),
      issuer: z.string().optional(),
      baseUrl: z.string().optional(),
      clientId: z.string().optional(),
      scopes: z.array(z.string()).optional(),
      authorizationEndpoint: z.string().optional(),
      tokenEndpoint: z.string().optional(),
    }),
    secrets: ['clientSecret'],
    endpoints: ['revocationEndpoint', 'issuer', 'baseUrl', 'authorizationEndpoint', 'tokenEndpoint'],
    create: test,
  })
  const strictDefinition = defineAdapter({
    name: 'strict',
    options: z.strictObject({
      toolkit: z.string(),
      clientId: z.string({ error: 'strict: clientId is required (a string)' }),
      authMethod: z
        .literal('client_secret_basic', { error: 'strict: authMethod must be "client_secret_basic"' })
        .optional(),
    }),
    secrets: [],
    endpoints: [],
    create: (options) => test({ toolkit: options.toolkit }),
  })
  return {
    kinds: {
      adapters: { ...builtinKinds.adapters, ...adapterKinds([testDefinition, strictDefinition]) },
      stores: { ...builtinKinds.stores, shared: () => shared },
    },
    built,
    shared,
  }
}
