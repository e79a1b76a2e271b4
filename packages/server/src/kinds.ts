import { type AdapterDefinition, memoryStore, type Store } from '@revokit/core'
import { definition as github } from '@revokit/github'
import { definition as google } from '@revokit/google'
import { definition as rfc7009 } from '@revokit/rfc7009'
import { definition as slack } from '@revokit/slack'
import { sqliteStore } from '@revokit/store-sqlite'

/**
 * Opens the store of the config's `store` entry. It receives the entry without `kind`; a relative
 * `path` has already been resolved against the config file's directory.
 */
export type StoreFactory = (options: Record<string, unknown>) => Store | Promise<Store>

/**
 * Which config `"adapter"` and `"store.kind"` names exist, and what builds them. An adapter kind
 * is the adapter package's own {@link AdapterDefinition}: the config loader validates a toolkit
 * entry with its `options` schema, checks its `endpoints`, hides its `secrets` and calls
 * `create`, knowing nothing else about the provider. A config may also name an npm package (or a
 * `./path`) that exports a definition, without any change here.
 */
export interface Kinds {
  /** Definitions by the name a config's `"adapter"` uses. */
  readonly adapters: Readonly<Record<string, AdapterDefinition>>
  readonly stores: Readonly<Record<string, StoreFactory>>
}

/**
 * The adapter packages this server ships with, each by its own exported definition. A repo check
 * fails when an adapter folder is missing here, from package.json, or from the README table.
 */
export const builtinDefinitions: readonly AdapterDefinition[] = [google, github, slack, rfc7009]

/** Definitions keyed by their `name`, for {@link Kinds.adapters}; a later one replaces an earlier. */
export function adapterKinds(definitions: readonly AdapterDefinition[]): Record<string, AdapterDefinition> {
  return Object.fromEntries(definitions.map((definition) => [definition.name, definition]))
}

/**
 * The kinds the `revokit` CLI and `loadConfig` know by default. A program adds its own with
 * `{ ...builtinKinds, adapters: { ...builtinKinds.adapters, ...adapterKinds([acmeDefinition]) } }`.
 */
export const builtinKinds: Kinds = {
  adapters: adapterKinds(builtinDefinitions),
  stores: {
    memory: () => memoryStore(),
    sqlite: (options) => sqliteStore(options as unknown as Parameters<typeof sqliteStore>[0]),
    // Loaded when a config names it, so servers on SQLite never load the PostgreSQL driver.
    // Connected and migrated before the server listens, so a bad URL fails at startup.
    postgres: async (options) => {
      const { postgresStore } = await import('@revokit/store-postgres')
      const store = postgresStore(options as unknown as Parameters<typeof postgresStore>[0])
      try {
        await store.ready()
      } catch (error) {
        await store.close()
        throw error
      }
      return store
    },
  },
}
