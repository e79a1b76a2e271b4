import type { RevocationAdapter } from './adapter'
import type { CallOptions } from './engine-api'
import { RevokitError } from './errors'
import { nanoid } from './ids'
import { type Logger, silentLogger } from './logger'
import type { AccountRecord, AccountStatus } from './model'
import type { DispatchRuntime } from './revoke/dispatch'
import type { AuditEvent, AuditEventType, Store } from './store'

/** Compare-and-set retries before an operation reports `concurrent_modification`. */
export const MAX_CAS_TRIES = 16

/**
 * What the engine's parts share: built once in `createEngine`, passed to the lifecycle
 * operations and the revoke pipeline. Internal; not exported from the package.
 */
export interface EngineCore {
  readonly store: Store
  readonly registry: ReadonlyMap<string, RevocationAdapter>
  readonly runtime: DispatchRuntime
  readonly clock: () => number
  /** The caller's logger, wrapped once to redact. */
  readonly logger: Logger
  readonly deadlineMs: number
  readonly claimGraceMs: number
  readonly defaultProjectId: string
  /** Reports stored events to the logger and `onEvent`. */
  emit(events: readonly AuditEvent[]): void
  /** A new audit event for `record`. */
  event(
    record: AccountRecord,
    type: AuditEventType,
    from: AccountStatus | null,
    to: AccountStatus,
    call: CallOptions,
    extra?: Pick<AuditEvent, 'revokedSubjects' | 'subjects' | 'reason'>,
    at?: string,
  ): AuditEvent
  /** The live record, or a 404 (unknown, deleted, another project's). The id is not re-validated. */
  load(id: string, call: CallOptions): Promise<AccountRecord>
  /** compareAndSet with store failures as 500 `store_error`. */
  cas(
    record: AccountRecord,
    next: AccountRecord,
    events: readonly AuditEvent[],
    scrub?: boolean,
  ): Promise<boolean>
  iso(): string
}

/** Builds the shared part of the engine. */
export function createEngineCore(parts: {
  store: Store
  registry: ReadonlyMap<string, RevocationAdapter>
  runtime: DispatchRuntime
  clock: () => number
  logger: Logger
  onEvent: ((event: AuditEvent) => void) | undefined
  deadlineMs: number
  claimGraceMs: number
  defaultProjectId: string
}): EngineCore {
  const { store, clock, logger, onEvent } = parts
  const quiet = logger === silentLogger && !onEvent
  const iso = () => new Date(clock()).toISOString()
  return {
    ...parts,
    iso,
    emit(events) {
      if (quiet) return
      for (const event of events) {
        logger.info(
          {
            event: event.type,
            accountId: event.accountId,
            from: event.from,
            to: event.to,
            requestId: event.requestId,
            ...(event.revokedSubjects ? { revokedSubjects: event.revokedSubjects } : {}),
          },
          'revokit: account event',
        )
        try {
          onEvent?.(event)
        } catch (error) {
          logger.warn({ error }, 'revokit: onEvent handler threw')
        }
      }
    },
    event(record, type, from, to, call, extra, at) {
      const event: AuditEvent = {
        id: `evt_${nanoid(16)}`,
        accountId: record.id,
        projectId: record.projectId,
        type,
        from,
        to,
        at: at ?? iso(),
        requestId: call.requestId ?? null,
      }
      return extra ? { ...event, ...extra } : event
    },
    async load(id, call) {
      let record: AccountRecord | undefined
      try {
        record = await store.get(id)
      } catch (error) {
        throw storeError(error)
      }
      if (!record || record.status === 'DELETED') throw notFound(id)
      if (call.projectId !== undefined && record.projectId !== call.projectId) throw notFound(id)
      return record
    },
    async cas(record, next, events, scrub = false) {
      try {
        return await store.compareAndSet(
          record.id,
          record.version,
          next,
          events,
          scrub ? { scrub } : undefined,
        )
      } catch (error) {
        throw storeError(error)
      }
    },
  }
}

/** 404 for an unknown, deleted or another project's account. */
export function notFound(id: string): RevokitError {
  return new RevokitError('connected_account_not_found', {
    message: `Connected account ${id} does not exist.`,
    suggestedFix: 'Check the id. Deleted accounts and accounts of other projects are not visible.',
  })
}

/** 409 after {@link MAX_CAS_TRIES} lost compare-and-sets. */
export function contention(what: string): RevokitError {
  return new RevokitError('concurrent_modification', {
    message: `${what} is being changed by many writers at once; gave up after ${MAX_CAS_TRIES} tries.`,
    suggestedFix: 'Retry the request.',
  })
}

/** A store's own failure as a 500 that does not repeat what the store said verbatim. */
export function storeError(error: unknown): RevokitError {
  if (error instanceof RevokitError) return error
  return new RevokitError('store_error', {
    message: 'The account store failed.',
    suggestedFix: 'Check that the store is reachable and writable, then retry.',
    // The constructor redacts every line: what the store said is never echoed with a secret in it.
    errors: [error instanceof Error ? `${error.name}: ${error.message}` : String(error)],
    cause: error,
  })
}

/** A positive engine option, or its default. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`createEngine: ${name} must be a positive number`)
  return value
}

/** One write {@link rewrite} makes: the fields to change, and the audit event if it is one. */
export interface Rewrite {
  readonly change: Partial<AccountRecord>
  /** The event's type and target status; omit for bookkeeping (a released claim). */
  readonly event?: { readonly type: AuditEventType; readonly to: AccountStatus; readonly reason?: string }
  /** The write removes secret values (see `WriteOptions.scrub`). */
  readonly scrub?: boolean
  /** Keep `updatedAt`: the write changes how the record is stored, not the account (a re-encryption). */
  readonly keepUpdatedAt?: boolean
}

/**
 * Writes `plan(current)` over the stored record with compare-and-set, re-reading and planning
 * again whenever another writer got there first, until the write lands, `plan` answers
 * `undefined` (nothing to do any more), the record is gone, or {@link MAX_CAS_TRIES} passed.
 * `written` says whether this call stored anything; `record` is the record as last seen.
 */
export async function rewrite(
  core: EngineCore,
  start: AccountRecord,
  call: CallOptions,
  plan: (current: AccountRecord) => Rewrite | undefined,
): Promise<{ record: AccountRecord | undefined; written: boolean }> {
  let current: AccountRecord | undefined = start
  for (let tries = 0; current && tries < MAX_CAS_TRIES; tries++) {
    const step = plan(current)
    if (!step) break
    const now = core.iso()
    const next: AccountRecord = {
      ...current,
      ...step.change,
      updatedAt: step.keepUpdatedAt ? current.updatedAt : now,
      version: current.version + 1,
    }
    const { event } = step
    const events = event
      ? [
          core.event(
            current,
            event.type,
            current.status,
            event.to,
            call,
            event.reason ? { reason: event.reason } : undefined,
            now,
          ),
        ]
      : []
    if (await core.cas(current, next, events, step.scrub)) {
      core.emit(events)
      return { record: next, written: true }
    }
    current = await core.store.get(start.id).catch(() => undefined)
  }
  return { record: current, written: false }
}
