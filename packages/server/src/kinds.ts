import { memoryStore, type RevocationAdapter, type Store } from '@revokit/core'

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

// ───────────────────────────── integration slots ─────────────────────────────
// The provider adapters and the SQLite store live in their own packages. Each is wired in here,
// and nowhere else: add the import, the dependency in package.json ("workspace:^"), and the entry.
//
//   import { github } from '@revokit/github'
//   import { google } from '@revokit/google'
//   import { rfc7009 } from '@revokit/rfc7009'
//   import { slack } from '@revokit/slack'
//   import { sqliteStore } from '@revokit/store-sqlite'
// ──────────────────────────────────────────────────────────────────────────────

/** The kinds the `revokit` CLI and {@link loadConfig} know by default. */
export const builtinKinds: Kinds = {
  adapters: {
    // INTEGRATOR: google: (options) => google(options as Parameters<typeof google>[0]),
    // INTEGRATOR: github: (options) => github(options as Parameters<typeof github>[0]),
    // INTEGRATOR: slack: (options) => slack(options as Parameters<typeof slack>[0]),
    // INTEGRATOR: rfc7009: (options) => rfc7009(options as Parameters<typeof rfc7009>[0]),
  },
  stores: {
    memory: () => memoryStore(),
    // INTEGRATOR: sqlite: (options) => sqliteStore(options as Parameters<typeof sqliteStore>[0]),
  },
}
