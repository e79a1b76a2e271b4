import type { RevocationAdapter } from './adapter'
import type { OptionsSchema } from './options'

/**
 * Everything a program needs to build an adapter from configuration without knowing the
 * provider: the name a config file uses, the schema of the factory's options, which options hold
 * secrets and which name URLs that receive tokens, and the factory itself. Every adapter package
 * exports one as `definition`, so `revokit.json` can say `"adapter": "google"` (a built-in) or
 * `"adapter": "@acme/revokit-adapter"` (any npm package exporting a definition) and the server
 * validates, redacts and reports errors from the definition alone.
 *
 * @example
 * ```ts
 * export const definition = defineAdapter({
 *   name: 'acme',
 *   options: acmeOptionsSchema,
 *   secrets: ['clientSecret'],
 *   endpoints: ['revocationEndpoint'],
 *   create: acme,
 *   docsUrl: 'https://docs.acme.example/oauth/revoke',
 * })
 * ```
 * @see https://unstorage.unjs.io/guide/custom-driver (the same idea: a driver is a plain object)
 */
export interface AdapterDefinition<Options extends Record<string, unknown> = Record<string, unknown>> {
  /** The `adapter` value of a config entry, e.g. `google`. Also the default toolkit slug. */
  readonly name: string
  /**
   * The factory's options, `toolkit` included: a strict zod object (or anything with zod's
   * `safeParse`). Issue paths name the option, so a config error can say `toolkits.acme.clientId`.
   */
  readonly options: OptionsSchema<Options>
  /**
   * Option names whose values are secrets: hidden in every log, error and response. (Plain
   * strings here so any definition fits a list of them; {@link defineAdapter} checks the names.)
   */
  readonly secrets: readonly string[]
  /** Option names holding URLs that receive tokens or client secrets (checked: https, or loopback http). */
  readonly endpoints: readonly string[]
  /**
   * Builds the adapter; receives what {@link AdapterDefinition.options} parsed. (A method, so a
   * definition of specific options still fits a list of `AdapterDefinition`s.)
   */
  create(options: Options): RevocationAdapter
  /** The provider's revocation documentation, for generated docs and suggested fixes. */
  readonly docsUrl?: string
}

/**
 * Checks a definition's shape at compile time (`secrets` and `endpoints` must name options of
 * its schema) and freezes it.
 */
export function defineAdapter<Options extends Record<string, unknown>>(
  definition: AdapterDefinition<Options> & {
    readonly secrets: readonly (keyof Options & string)[]
    readonly endpoints: readonly (keyof Options & string)[]
  },
): AdapterDefinition<Options> {
  return Object.freeze(definition)
}

/** True when `value` has the shape of an {@link AdapterDefinition} (e.g. an npm package's export). */
export function isAdapterDefinition(value: unknown): value is AdapterDefinition {
  const d = value as Partial<AdapterDefinition> | null | undefined
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.name === 'string' &&
    typeof d.create === 'function' &&
    typeof d.options?.safeParse === 'function' &&
    Array.isArray(d.secrets) &&
    Array.isArray(d.endpoints)
  )
}
