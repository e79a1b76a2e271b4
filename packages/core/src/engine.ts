import { authorizations } from './connect/authorize'
import { refreshes } from './connect/refresh'
import { createKeyring } from './crypto/keyring'
import { rotateKeys } from './crypto/rotate'
import { sealedStore } from './crypto/sealed-store'
import type { Engine, EngineOptions } from './engine-api'
import { createEngineCore, positive, storeError } from './engine-core'
import { RevokitError } from './errors'
import { lifecycle } from './lifecycle'
import { redactingLogger } from './logger'
import { toAccount } from './model'
import { reconcile } from './reconcile'
import { createRedactor } from './redact'
import { createAdapterRegistry } from './registry'
import { revokeMany } from './revoke/bulk'
import { RevokeClaims } from './revoke/claim'
import { createDispatchRuntime } from './revoke/dispatch'
import { REPORT_ORDER } from './revoke/plan'
import { revokeAccount } from './revoke/revoke'
import { assertAccountId } from './validate'

export type {
  AccountCredentials,
  AccountPage,
  CallOptions,
  CompletedAuthorization,
  Engine,
  EngineOptions,
  InitiateInput,
  InitiateResult,
  ReconcileOptions,
  ReconcileRunOptions,
  ReconcileSummary,
  RefreshResult,
  RevokeManyFilter,
  RevokeManyItem,
  RevokeManyOptions,
  RevokeManyOutcome,
  RevokeManySummary,
  RevokeOptions,
  RevokeResult,
} from './engine-api'

/**
 * Creates the lifecycle engine: the front of the store, the adapter registry and the revoke
 * pipeline (`revoke/`: claim, dispatch, commit, bulk). Every method that names an account
 * validates the id here, once, and answers 404 for an unknown, deleted or other project's one.
 *
 * @example
 * ```ts
 * const engine = createEngine({ store: memoryStore(), adapters: [google()] })
 * const account = await engine.create({ userId: 'u1', toolkit: 'google', credentials: { access_token, refresh_token } })
 * const { revokedTokens } = await engine.revoke(account.id)
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc7009 (what adapters speak to providers)
 */
export function createEngine(options: EngineOptions): Engine {
  const given = options.store
  if (!given || typeof given.compareAndSet !== 'function' || typeof given.claim !== 'function') {
    throw new TypeError(
      'createEngine: options.store must be a Store (with compareAndSet and claim), e.g. memoryStore()',
    )
  }
  // The one place secrets are sealed: every part of the engine reads and writes through this.
  const store = sealedStore(given, createKeyring(options.encryption))
  const registry = createAdapterRegistry(options.adapters ?? [])
  const timeoutMs = positive(options.timeoutMs, 10_000, 'timeoutMs')
  const clock = options.clock ?? Date.now
  const runtime = createDispatchRuntime({
    timeoutMs,
    clock,
    maxAttempts: positive(options.maxAttempts, 3, 'maxAttempts'),
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.secrets ? { secrets: [...options.secrets] } : {}),
  })
  const core = createEngineCore({
    store,
    registry,
    runtime,
    clock,
    logger: redactingLogger(options.logger, createRedactor(options.secrets)),
    onEvent: options.onEvent,
    deadlineMs: positive(options.deadlineMs, 30_000, 'deadlineMs'),
    claimGraceMs: positive(options.claimGraceMs, 10_000, 'claimGraceMs'),
    defaultProjectId: options.defaultProjectId ?? 'default',
  })
  const claims = new RevokeClaims(core)
  const hooks: Parameters<typeof lifecycle>[2] = {}
  const ops = lifecycle(core, claims, hooks)
  const settings = {
    redirectUri: options.redirectUri,
    linkTtlMs: positive(options.linkTtlMs, 600_000, 'linkTtlMs'),
    refreshDeadlineMs: positive(options.refreshDeadlineMs, 15_000, 'refreshDeadlineMs'),
  }
  const connect = authorizations(core, claims, settings)
  hooks.settle = connect.expireStale
  const keepAlive = refreshes(core, claims, settings, connect)
  const backoff = {
    baseMs: positive(options.reconcile?.baseMs, 60_000, 'reconcile.baseMs'),
    maxMs: positive(options.reconcile?.maxMs, 3_600_000, 'reconcile.maxMs'),
    maxAttempts: positive(options.reconcile?.maxAttempts, 8, 'reconcile.maxAttempts'),
  }

  // Ids are validated here, once per call; nothing below re-validates them.
  const checked = (id: string) => {
    assertAccountId(id)
    return id
  }

  const engine: Engine = {
    create: (input, call = {}) => ops.create(input, call),
    async get(id, call = {}) {
      assertAccountId(id)
      // An INITIATED account past its link expiry is EXPIRED for every reader.
      return toAccount(await connect.expireStale(await core.load(id, call), call))
    },
    list: (query = {}, call = {}) => ops.list(query, call),
    count: (query = {}, call = {}) => ops.count(query, call),
    activate(id, input = {}, call = {}) {
      assertAccountId(id)
      return ops.activate(id, input, call)
    },
    disable: async (id, call = {}) => ops.mutate(checked(id), 'disable', call),
    enable: async (id, call = {}) => ops.mutate(checked(id), 'enable', call),
    // An expired account's pending link dies with it: reconnecting takes a new one (refresh).
    expire: async (id, call = {}) =>
      ops.mutate(
        checked(id),
        'expire',
        call,
        () => ({ authorization: null }),
        (record) => record.authorization != null,
      ),
    delete: async (id, call = {}) => ops.delete(checked(id), call),
    async revoke(id, call = {}) {
      assertAccountId(id)
      return revokeAccount(core, claims, id, call)
    },

    async revokeThenDelete(id, call = {}) {
      assertAccountId(id)
      // "Revoke first" includes a token left pending by an earlier partial revoke.
      const result = await revokeAccount(core, claims, id, { ...call, retryPending: true })
      // A token whose revoke failed while another's succeeded is still live and pending: deleting
      // now would forget it for good, so the account stays for a retry.
      const pending = REPORT_ORDER.filter((s) => result.subjects[s] === 'failed')
      if (pending.length > 0) {
        const names = pending.join(' and ')
        throw new RevokitError('revoke_incomplete', {
          message: `Not deleted: ${result.revokedTokens.length ? `${result.revokedTokens.join(' and ')} revoked, but ` : ''}${names} could not be revoked and may still be live at the provider.`,
          suggestedFix: `Retry the pending ${pending.length > 1 ? 'tokens' : 'token'} with revoke(id, { retryPending: true }) (CLI: revokit revoke ID --retry-pending), then delete; or delete without revoking to forget ${pending.length > 1 ? 'them' : 'it'} while still live.`,
          errors: pending.map((s) => `${s} failed: ${result.details[s]?.detail ?? 'no detail'}`),
          subjects: result.subjects,
        })
      }
      const deleted = await ops.delete(id, call)
      return { revoke: result, deleted }
    },

    revokeMany: (filter, call = {}) => revokeMany(core, engine, filter, call),

    async events(id, call = {}) {
      assertAccountId(id)
      await core.load(id, call)
      try {
        return await store.events(id)
      } catch (error) {
        throw storeError(error)
      }
    },

    capabilities(toolkit) {
      const adapter = registry.get(toolkit)
      return adapter && { supportsAccess: adapter.supportsAccess, supportsRefresh: adapter.supportsRefresh }
    },

    initiate: (input, call = {}) => connect.initiate(input, call),
    completeAuthorization: (callback, call = {}) => connect.completeAuthorization(callback, call),
    async waitForConnection(id, options = {}) {
      assertAccountId(id)
      return connect.waitForConnection(id, options)
    },
    async refresh(id, options = {}) {
      assertAccountId(id)
      return keepAlive.refresh(id, options)
    },
    async credentials(id, options = {}) {
      assertAccountId(id)
      return keepAlive.credentials(id, options)
    },
    async updateCredentials(id, credentials, call = {}) {
      assertAccountId(id)
      return ops.updateCredentials(id, credentials, call)
    },

    reconcile: (runOptions) => reconcile(core, claims, connect, backoff, runOptions),

    rotateKeys: (rotateOptions) => rotateKeys(core, claims, store, rotateOptions),

    async close() {
      await runtime.close()
      for (const adapter of registry.values()) await adapter.close?.()
      await store.close?.()
    },
  }
  return engine
}
