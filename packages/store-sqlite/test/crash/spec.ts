import type { Store } from '@revokit/core'

/**
 * Which store a crash-loop child opens, as plain data it can get through its environment: the
 * module (a package name resolvable from this package, or a `file:` URL), the factory it exports,
 * and the factory's options. `{ module: '@revokit/store-sqlite', factory: 'sqliteStore', options:
 * { path } }` today; a PostgreSQL store's own test passes `{ module:
 * import.meta.resolve('@revokit/store-postgres'), factory: 'postgresStore', options: { url } }` in
 * its `CrashTarget` (see `./harness`), with nothing else changed.
 */
export interface StoreSpec {
  readonly module: string
  readonly factory: string
  readonly options: Record<string, unknown>
}

/** Opens the store a {@link StoreSpec} names. */
export async function openStore(spec: StoreSpec): Promise<Store> {
  const module = (await import(spec.module)) as Record<string, unknown>
  const factory = module[spec.factory]
  if (typeof factory !== 'function') throw new Error(`${spec.module} exports no function ${spec.factory}`)
  return (factory as (options: unknown) => Store)(spec.options)
}

/** The engine options the child uses; the parent needs them to know how long a claim may live. */
export interface CrashEngineOptions {
  readonly deadlineMs: number
  readonly claimGraceMs: number
  readonly timeoutMs: number
  readonly maxAttempts: number
  readonly backoff: { readonly baseMs: number; readonly maxMs: number }
}

/** Everything one child life needs, passed as JSON in `REVOKIT_CRASH_PLAN`. */
export interface CrashPlan {
  readonly store: StoreSpec
  readonly provider: string
  readonly toolkit: string
  /** Obvious fakes: the provider checks them, so a request without them is counted as a stray. */
  readonly clientId: string
  readonly clientSecret: string
  readonly engine: CrashEngineOptions
  /** Every account of the iteration: the bulk revokes reach them all, the last step retries their pending subjects. */
  readonly accounts: readonly string[]
  /** Revoked one after another. */
  readonly singles: readonly string[]
  /** Each revoked `copies` times at once, all of them together. */
  readonly concurrent: readonly string[]
  readonly copies: number
}
