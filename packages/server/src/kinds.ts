import { memoryStore, type RevocationAdapter, type Store } from '@revokit/core'
import { github } from '@revokit/github'
import { google } from '@revokit/google'
import { rfc7009 } from '@revokit/rfc7009'
import { slack } from '@revokit/slack'
import { sqliteStore } from '@revokit/store-sqlite'

/**
 * Builds the adapter of one config `toolkits` entry. It receives the entry's options (everything
 * but `adapter`) with `toolkit` set to the entry's key, validates them itself, and throws an error
 * naming the bad option (never echoing a secret); the config loader reports it under the entry's
 * path, e.g. `toolkits.acme.clientSecret: …`.
 */
export type AdapterFactory = (options: Record<string, unknown> & { toolkit: string }) => RevocationAdapter

/**
 * Opens the store of the config's `store` entry. It receives the entry without `kind`; a relative
 * `path` has already been resolved against the config file's directory.
 */
export type StoreFactory = (options: Record<string, unknown>) => Store | Promise<Store>

/**
 * Which config `"adapter"` and `"store.kind"` names exist, and what builds them. Everything in
 * `@revokit/server` that turns config into objects goes through one of these, so a program can
 * add its own adapter kinds: `main(argv, { kinds: { ...builtinKinds, adapters: { ...builtinKinds.adapters, acme } } })`.
 */
export interface Kinds {
  readonly adapters: Readonly<Record<string, AdapterFactory>>
  readonly stores: Readonly<Record<string, StoreFactory>>
}

/** The kinds the `revokit` CLI and {@link loadConfig} know by default. */
export const builtinKinds: Kinds = {
  adapters: {
    // Each factory validates its own options (zod) and names the bad one; the config loader
    // reports that under toolkits.<slug>.
    google: (options) => google(options as Parameters<typeof google>[0]),
    github: (options) => github(options as Parameters<typeof github>[0]),
    slack: (options) => slack(options as Parameters<typeof slack>[0]),
    rfc7009: (options) => rfc7009(options as Parameters<typeof rfc7009>[0]),
  },
  stores: {
    memory: () => memoryStore(),
    sqlite: (options) => sqliteStore(options as unknown as Parameters<typeof sqliteStore>[0]),
  },
}
