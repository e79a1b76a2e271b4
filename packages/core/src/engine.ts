import type { Dispatcher } from 'undici'
import type { RevocationAdapter } from './adapter'
import { timeLimit } from './deadline'
import { type DispatchReport, dispatchable, finalOutcomes, runDispatch, type SubjectReport } from './dispatch'
import { RevokitError, toRevokitError } from './errors'
import { nanoid, newAccountId } from './ids'
import { type Logger, redactingLogger, silentLogger } from './logger'
import {
  ACCOUNT_STATUSES,
  type AccountRecord,
  type AccountStatus,
  type ConnectedAccount,
  type Credentials,
  type FailedRevoke,
  holds,
  type SubjectOutcomes,
  type TokenSubject,
  toAccount,
} from './model'
import { createRedactor, redact } from './redact'
import { createAdapterRegistry } from './registry'
import type { BackoffOptions } from './retry'
import type { AuditEvent, AuditEventType, Store } from './store'
import { type Operation, transition } from './transitions'
import { createHttpTransport, type HttpTransport } from './transport'
import {
  activateInputSchema,
  assertAccountId,
  type CreateInput,
  createInputSchema,
  decodeCursor,
  encodeCursor,
  type ListQuery,
  listQuerySchema,
  parseInput,
} from './validate'

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** Where accounts live: `memoryStore()`, `sqliteStore({ path })`, or your own {@link Store}. */
  store: Store
  /** One adapter per toolkit slug. */
  adapters: readonly RevocationAdapter[]
  /** One upstream attempt's connect, headers and body-idle timeout. @default 10000 */
  timeoutMs?: number
  /** A whole revoke, every subject and retry included. @default 30000 */
  deadlineMs?: number
  /** Attempts per subject, transport retries included. @default 3 */
  maxAttempts?: number
  /** undici dispatcher for upstream requests (proxies, tests). Ignored when `transport` is given. */
  dispatcher?: Dispatcher
  /** A ready transport, shared between engines. @default createHttpTransport({ dispatcher, timeoutMs }) */
  transport?: HttpTransport
  /** Retry delays when the provider gives no `Retry-After`. */
  backoff?: BackoffOptions
  /** pino-compatible; every line is redacted. Nothing is logged by default. */
  logger?: Logger
  /** Called after every stored transition, with the same event the store recorded. */
  onEvent?: (event: AuditEvent) => void
  /**
   * How long past its deadline a revoke's claim stays valid, covering the commit after the last
   * dispatch. A process killed mid-revoke leaves its account revokable after
   * `deadlineMs + claimGraceMs`. @default 10000
   */
  claimGraceMs?: number
  /** Project of accounts created without one. @default 'default' */
  defaultProjectId?: string
  /** @default Date.now */
  clock?: () => number
}

/** Options every engine call that names an account takes. */
export interface CallOptions {
  /** When set, an account of another project is reported as not found (404). */
  projectId?: string
  /** Recorded in audit events and error envelopes. */
  requestId?: string
}

/** Options of {@link Engine.revoke}. */
export interface RevokeOptions extends CallOptions {
  /**
   * On an account already REVOKED with pending subjects (whose revocation failed while another
   * subject's succeeded), dispatch those subjects again. Without it a REVOKED account answers
   * 200 with nothing dispatched, as SPEC §4 step 2 says.
   */
  retryPending?: boolean
  /** Aborts the revoke early; the deadline still applies. */
  signal?: AbortSignal
}

/** What {@link Engine.revoke} returns (SPEC §4). */
export interface RevokeResult {
  /** Exactly the subjects killed at the provider during this call, cascades included. */
  revokedTokens: TokenSubject[]
  connectedAccount: { id: string; status: AccountStatus }
  /** Every subject: what happened to it in this call, or where it stands if nothing did. */
  subjects: SubjectOutcomes
  /** Why each dispatched subject ended as it did (attempts, provider status, reason). */
  details: Partial<Record<TokenSubject, SubjectReport>>
}

/** One page of {@link Engine.list}. */
export interface AccountPage {
  items: ConnectedAccount[]
  /** Pass as `cursor` for the next page; `null` on the last one. */
  nextCursor: string | null
}

/** Filters of {@link Engine.revokeMany}. */
export interface RevokeManyFilter {
  userIds?: string[]
  toolkits?: string[]
}

/** One account's result in {@link Engine.revokeMany}. */
export interface RevokeManyItem {
  id: string
  userId: string
  toolkit: string
  /** The HTTP status `revoke` answered with. */
  status: number
  /** Which {@link RevokeManySummary} count this account went to. */
  outcome: RevokeManyOutcome
  result?: RevokeResult
  error?: RevokitError
}

/** The {@link RevokeManySummary} counts an account can go to. */
export type RevokeManyOutcome =
  | 'revoked'
  | 'partial'
  | 'alreadyRevoked'
  | 'notSupported'
  | 'skipped'
  | 'failed'

/** Options of {@link Engine.revokeMany}. */
export interface RevokeManyOptions extends CallOptions {
  /** Revokes in flight at once. @default 4 */
  concurrency?: number
  /** Called once per account, as it finishes. Results are not kept, so memory stays flat. */
  onResult?: (item: RevokeManyItem, progress: { done: number; total: number }) => void
  /** Stops starting new revokes. */
  signal?: AbortSignal
}

/** Counts of what {@link Engine.revokeMany} did. */
export interface RevokeManySummary {
  /** ACTIVE accounts matching the filter when the run started. */
  total: number
  processed: number
  /** Every held subject died (some may have been already revoked). */
  revoked: number
  /** Revoked, but a subject failed and is pending, or is unsupported and still live. */
  partial: number
  /** Already REVOKED or revoked concurrently: nothing dispatched. */
  alreadyRevoked: number
  /** 400: no adapter, or nothing it can revoke. */
  notSupported: number
  /** 404 or 409: deleted or changed state while the run went on. */
  skipped: number
  /** 500: nothing could be revoked; the account stays ACTIVE for a later run. */
  failed: number
}

/** The connected-account lifecycle engine. Create it with {@link createEngine}. */
export interface Engine {
  /** Creates or imports an account. Status defaults to ACTIVE with an access token, else INITIATED. */
  create(input: CreateInput, options?: CallOptions): Promise<ConnectedAccount>
  /** One account; 404 when unknown, deleted or another project's. */
  get(id: string, options?: CallOptions): Promise<ConnectedAccount>
  /** Accounts matching every given filter, oldest first. DELETED accounts are never listed. */
  list(query?: ListQuery, options?: CallOptions): Promise<AccountPage>
  /** INITIATED or EXPIRED → ACTIVE. EXPIRED needs new credentials. */
  activate(
    id: string,
    input?: { credentials?: Credentials },
    options?: CallOptions,
  ): Promise<ConnectedAccount>
  /** ACTIVE → INACTIVE. */
  disable(id: string, options?: CallOptions): Promise<ConnectedAccount>
  /** INACTIVE → ACTIVE. */
  enable(id: string, options?: CallOptions): Promise<ConnectedAccount>
  /** INITIATED or ACTIVE → EXPIRED. */
  expire(id: string, options?: CallOptions): Promise<ConnectedAccount>
  /** Revokes the account's tokens at the provider (SPEC §4). */
  revoke(id: string, options?: RevokeOptions): Promise<RevokeResult>
  /** Deletes the account and scrubs its credentials. Does not revoke upstream. */
  delete(id: string, options?: CallOptions): Promise<ConnectedAccount>
  /**
   * Revokes (retrying any token left pending by an earlier partial revoke), and deletes only if
   * that answered 200 and no token is still pending: a token whose revoke failed while another's
   * succeeded keeps the account (409 `revoke_incomplete`), so it is not forgotten while live.
   */
  revokeThenDelete(
    id: string,
    options?: RevokeOptions,
  ): Promise<{ revoke: RevokeResult; deleted: ConnectedAccount }>
  /** Revokes every ACTIVE account matching the filter, a few at a time. */
  revokeMany(filter: RevokeManyFilter, options?: RevokeManyOptions): Promise<RevokeManySummary>
  /** How many accounts match (DELETED excluded). */
  count(query?: Omit<ListQuery, 'limit' | 'cursor'>, options?: CallOptions): Promise<number>
  /** An account's audit trail, oldest first. */
  events(id: string, options?: CallOptions): Promise<AuditEvent[]>
  /** What the adapter for `toolkit` can revoke, or `undefined` when none is registered. */
  capabilities(toolkit: string): { supportsAccess: boolean; supportsRefresh: boolean } | undefined
  /** Closes the transport (if the engine made it), the adapters and the store. */
  close(): Promise<void>
}

const MAX_CAS_TRIES = 16
const LISTABLE: readonly AccountStatus[] = ACCOUNT_STATUSES.filter((s) => s !== 'DELETED')
const EVENT_OF: Record<Operation, AuditEventType> = {
  activate: 'activated',
  disable: 'disabled',
  enable: 'enabled',
  expire: 'expired',
  revoke: 'revoked',
  delete: 'deleted',
}
// revokedTokens is reported access first, the order of the source documents' example.
const REPORT_ORDER: readonly TokenSubject[] = ['access_token', 'refresh_token']

/**
 * Creates the lifecycle engine.
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
  const store = options.store
  if (!store || typeof store.compareAndSet !== 'function') {
    throw new TypeError('createEngine: options.store must be a Store, e.g. memoryStore()')
  }
  const registry = createAdapterRegistry(options.adapters ?? [])
  const timeoutMs = positive(options.timeoutMs, 10_000, 'timeoutMs')
  const deadlineMs = positive(options.deadlineMs, 30_000, 'deadlineMs')
  const maxAttempts = positive(options.maxAttempts, 3, 'maxAttempts')
  const claimGraceMs = positive(options.claimGraceMs, 10_000, 'claimGraceMs')
  const defaultProjectId = options.defaultProjectId ?? 'default'
  const clock = options.clock ?? Date.now
  const ownsTransport = !options.transport
  const transport =
    options.transport ??
    createHttpTransport({
      timeoutMs,
      clock,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    })
  const logger = redactingLogger(options.logger)
  // In-process revokes by account id, so a second caller here waits on the promise instead of
  // polling the store. Correctness never depends on it: the claim in the store decides.
  const inflight = new Map<string, { claimId: string; done: Promise<unknown> }>()

  const iso = () => new Date(clock()).toISOString()
  const liveClaim = (record: AccountRecord) => record.claim !== null && record.claim.expiresAt > clock()

  function emit(events: readonly AuditEvent[]) {
    for (const event of events) {
      if (logger === silentLogger && !options.onEvent) continue
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
        options.onEvent?.(event)
      } catch (error) {
        logger.warn({ error }, 'revokit: onEvent handler threw')
      }
    }
  }

  function event(
    record: AccountRecord,
    type: AuditEventType,
    from: AccountStatus | null,
    to: AccountStatus,
    call: CallOptions,
    extra: Pick<AuditEvent, 'revokedSubjects' | 'subjects'> = {},
    at = iso(),
  ): AuditEvent {
    return {
      id: `evt_${nanoid(16)}`,
      accountId: record.id,
      projectId: record.projectId,
      type,
      from,
      to,
      at,
      requestId: call.requestId ?? null,
      ...extra,
    }
  }

  function notFound(id: string): RevokitError {
    return new RevokitError('connected_account_not_found', {
      message: `Connected account ${id} does not exist.`,
      suggestedFix: 'Check the id. Deleted accounts and accounts of other projects are not visible.',
    })
  }

  async function load(id: string, call: CallOptions): Promise<AccountRecord> {
    assertAccountId(id)
    let record: AccountRecord | undefined
    try {
      record = await store.get(id)
    } catch (error) {
      throw storeError(error)
    }
    if (!record || record.status === 'DELETED') throw notFound(id)
    if (call.projectId !== undefined && record.projectId !== call.projectId) throw notFound(id)
    return record
  }

  async function cas(
    record: AccountRecord,
    next: AccountRecord,
    events: readonly AuditEvent[],
    scrub = false,
  ): Promise<boolean> {
    try {
      return await store.compareAndSet(record.id, record.version, next, events, scrub ? { scrub } : undefined)
    } catch (error) {
      throw storeError(error)
    }
  }

  /** Waits until `record`'s claim is released or has expired. */
  async function waitForClaim(record: AccountRecord) {
    const claim = record.claim
    if (!claim) return
    const local = inflight.get(record.id)
    if (local?.claimId === claim.id) {
      await local.done.catch(() => {})
      return
    }
    // Held by another process (or another engine on this store): poll with backoff.
    for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
      const left = claim.expiresAt - clock()
      if (left <= 0) return
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)))
      const current = await store.get(record.id).catch(() => undefined)
      if (!current || current.claim?.id !== claim.id) return
    }
  }

  /** Applies one table-driven operation with compare-and-set, waiting out revokes in flight. */
  async function mutate(
    id: string,
    operation: Operation,
    call: CallOptions,
    change: (record: AccountRecord) => Partial<AccountRecord> = () => ({}),
    scrub = false,
  ): Promise<ConnectedAccount> {
    for (let tries = 0; tries < MAX_CAS_TRIES; ) {
      const record = await load(id, call)
      if (liveClaim(record)) {
        await waitForClaim(record)
        continue
      }
      const cell = transition(record.status, operation)
      if (!cell.allowed) throw transitionError(record, operation)
      if (cell.noop) return toAccount(record)
      const now = iso()
      const next: AccountRecord = {
        ...record,
        ...change(record),
        status: cell.to,
        claim: null,
        updatedAt: now,
        version: record.version + 1,
      }
      const events = [event(record, EVENT_OF[operation], record.status, cell.to, call, {}, now)]
      if (await cas(record, next, events, scrub)) {
        emit(events)
        return toAccount(next)
      }
      tries++
    }
    throw contention(id)
  }

  async function revoke(id: string, call: RevokeOptions = {}): Promise<RevokeResult> {
    let waitedOn: string | undefined
    for (let tries = 0; tries < MAX_CAS_TRIES; ) {
      const record = await load(id, call)
      if (liveClaim(record)) {
        waitedOn = record.claim?.id
        await waitForClaim(record)
        continue
      }
      // We waited on a revoke that ended without killing anything: report its outcome rather
      // than dispatch again, so concurrent callers cause one dispatch per subject.
      if (waitedOn !== undefined && record.lastFailedRevoke?.claimId === waitedOn) {
        throw joinedFailure(record.lastFailedRevoke)
      }
      const cell = transition(record.status, 'revoke')
      if (!cell.allowed) throw transitionError(record, 'revoke')
      let only: TokenSubject[] | undefined
      if (cell.noop) {
        only = call.retryPending ? record.pendingSubjects.filter((s) => holds(record.credentials, s)) : []
        if (only.length === 0) return standingResult(record)
      }
      const adapter = registry.get(record.toolkit)
      const subjects = dispatchable(record, adapter, only)
      if (!adapter || subjects.length === 0) throw notSupported(record, adapter)

      const claim = { id: `clm_${nanoid(16)}`, expiresAt: clock() + deadlineMs + claimGraceMs }
      const claimed: AccountRecord = { ...record, claim, version: record.version + 1 }
      if (!(await cas(record, claimed, []))) {
        tries++
        continue
      }
      const done = execute(claimed, adapter, subjects, call)
      inflight.set(id, { claimId: claim.id, done })
      try {
        return await done
      } finally {
        if (inflight.get(id)?.claimId === claim.id) inflight.delete(id)
      }
    }
    throw contention(id)
  }

  async function execute(
    record: AccountRecord,
    adapter: RevocationAdapter,
    subjects: TokenSubject[],
    call: RevokeOptions,
  ): Promise<RevokeResult> {
    const claimId = (record.claim as { id: string }).id
    const redactor = createRedactor([record.credentials.access_token, record.credentials.refresh_token])
    const limit = timeLimit(deadlineMs, call.signal)

    let report: DispatchReport
    try {
      report = await runDispatch(record, subjects, {
        adapter,
        transport,
        // Wrapped once, per subject, in runDispatch: with this account's tokens and more.
        logger: options.logger ?? silentLogger,
        redact: redactor,
        clock,
        maxAttempts,
        deadline: clock() + deadlineMs,
        signal: limit.signal,
        ...(options.backoff ? { backoff: options.backoff } : {}),
      })
    } catch (error) {
      // Only a bug gets here (runDispatch turns adapter failures into outcomes). Release the
      // claim so the account is revokable again, then report a 500.
      const failure = toRevokitError(error)
      await release(record, claimId, failure, finalOutcomes(record), call)
      throw failure
    } finally {
      limit.dispose()
    }

    const outcomes = finalOutcomes(record, report)
    const dispatched = Object.values(report.outcomes)
    const anyDead = dispatched.some((o) => o === 'revoked' || o === 'already_revoked')
    if (!anyDead) {
      const failure = revokeFailure(record, report, outcomes, adapter)
      await release(record, claimId, failure, outcomes, call)
      throw failure
    }
    return commit(record, claimId, report, outcomes, call)
  }

  /** Stores a successful revoke: REVOKED, dead values scrubbed, failed subjects pending. */
  async function commit(
    claimed: AccountRecord,
    claimId: string,
    report: DispatchReport,
    outcomes: SubjectOutcomes,
    call: RevokeOptions,
  ): Promise<RevokeResult> {
    const killed = REPORT_ORDER.filter((s) => report.outcomes[s] === 'revoked')
    const dead = REPORT_ORDER.filter(
      (s) => report.outcomes[s] === 'revoked' || report.outcomes[s] === 'already_revoked',
    )
    const failedNow = REPORT_ORDER.filter((s) => report.outcomes[s] === 'failed')
    let record = claimed
    let storeFailure: unknown
    let storeFailures = 0
    for (let tries = 0; tries < MAX_CAS_TRIES; tries++) {
      try {
        if (tries > 0) {
          let current = await store.get(claimed.id)
          // Our claim expired and someone else holds the account now: let them finish first.
          if (current?.claim && current.claim.id !== claimId && liveClaim(current)) {
            await waitForClaim(current)
            current = await store.get(claimed.id)
          }
          if (!current) break
          record = current
        }
        const credentials = { ...record.credentials }
        // Scrub only the values this call proved dead; if the account was given new tokens
        // meanwhile (possible only after our claim expired), those are left alone.
        for (const s of dead) if (credentials[s] === report.dispatchedValues[s]) delete credentials[s]
        const pending = new Set([...record.pendingSubjects, ...failedNow])
        for (const s of dead) pending.delete(s)
        // A DELETED account stays deleted; anything else is REVOKED, because its tokens are dead.
        const to: AccountStatus = record.status === 'DELETED' ? 'DELETED' : 'REVOKED'
        const now = iso()
        const next: AccountRecord = {
          ...record,
          status: to,
          credentials,
          revokedSubjects: REPORT_ORDER.filter((s) => record.revokedSubjects.includes(s) || dead.includes(s)),
          pendingSubjects: REPORT_ORDER.filter((s) => pending.has(s) && holds(credentials, s)),
          claim: null,
          lastFailedRevoke: null,
          updatedAt: now,
          version: record.version + 1,
        }
        const type: AuditEventType = claimed.status === 'REVOKED' ? 'pending_revoked' : 'revoked'
        const events = [
          event(record, type, record.status, to, call, { revokedSubjects: killed, subjects: outcomes }, now),
        ]
        if (await store.compareAndSet(record.id, record.version, next, events, { scrub: true })) {
          emit(events)
          return {
            revokedTokens: killed,
            connectedAccount: { id: next.id, status: to },
            subjects: outcomes,
            details: report.reports,
          }
        }
      } catch (error) {
        // The tokens are already dead, so a store that is briefly busy gets a few more tries.
        storeFailure = error
        if (++storeFailures >= 3) break
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** storeFailures))
      }
    }
    // The provider revoked; the store did not record it. Say exactly that: the account still shows
    // its old state, and a later revoke will find the tokens already revoked and record it then.
    const names = (list: readonly TokenSubject[]) => list.join(' and ')
    const gone = killed.length
      ? `${names(killed)} ${killed.length > 1 ? 'were' : 'was'} revoked at the provider`
      : `${names(dead)} ${dead.length > 1 ? 'were' : 'was'} already revoked at the provider`
    logger.error(
      { accountId: claimed.id, error: storeFailure },
      'revokit: could not store a successful revoke',
    )
    throw new RevokitError('store_error', {
      message: `${gone}, but the store could not record it: the account still shows its previous state.`,
      suggestedFix:
        'Check that the store is reachable and writable, then revoke the account again: the provider will report the tokens already revoked and the result will be recorded.',
      errors: [
        ...REPORT_ORDER.filter((s) => report.reports[s]).map(
          (s) => `${s} ${report.outcomes[s]?.replace('_', ' ')}`,
        ),
        ...(storeFailure
          ? [`store: ${redact(storeFailure instanceof Error ? storeFailure.message : String(storeFailure))}`]
          : []),
      ],
      subjects: outcomes,
      cause: storeFailure,
    })
  }

  /** Gives the account back after a revoke that killed nothing; it keeps its tokens. */
  async function release(
    claimed: AccountRecord,
    claimId: string,
    failure: RevokitError,
    outcomes: SubjectOutcomes,
    call: CallOptions,
  ) {
    const lastFailedRevoke: FailedRevoke = {
      claimId,
      at: iso(),
      status: failure.status,
      slug: failure.slug,
      message: failure.message,
      errors: [...failure.errors],
      subjects: outcomes,
    }
    let record = claimed
    for (let tries = 0; tries < MAX_CAS_TRIES; tries++) {
      if (tries > 0) {
        const current = await store.get(claimed.id).catch(() => undefined)
        // Someone took the account over after our claim expired; it is theirs now.
        if (!current || current.claim?.id !== claimId) return
        record = current
      }
      const next: AccountRecord = { ...record, claim: null, lastFailedRevoke, version: record.version + 1 }
      const events = [
        event(record, 'revoke_failed', record.status, record.status, call, {
          revokedSubjects: [],
          subjects: outcomes,
        }),
      ]
      try {
        if (await store.compareAndSet(record.id, record.version, next, events)) {
          emit(events)
          return
        }
      } catch (error) {
        // The claim will expire on its own; the revoke's own error matters more to the caller.
        logger.error({ accountId: record.id, error }, 'revokit: could not release a revoke claim')
        return
      }
    }
  }

  function standingResult(record: AccountRecord): RevokeResult {
    return {
      revokedTokens: [],
      connectedAccount: { id: record.id, status: record.status },
      subjects: finalOutcomes(record),
      details: {},
    }
  }

  function notSupported(record: AccountRecord, adapter: RevocationAdapter | undefined): RevokitError {
    if (!adapter) {
      return new RevokitError('revoke_not_supported', {
        message: `Revoke is not supported for toolkit "${record.toolkit}": no revocation adapter is configured for it.`,
        suggestedFix: `Register an adapter for toolkit "${record.toolkit}" (every adapter factory takes a toolkit option, e.g. rfc7009({ toolkit: '${record.toolkit}', … })), or delete the account without revoking; its tokens stay live at the provider until they expire.`,
      })
    }
    if (!adapter.supportsAccess && !adapter.supportsRefresh) {
      return new RevokitError('revoke_not_supported', {
        message: `Revoke is not supported for toolkit "${record.toolkit}": the provider offers no programmatic revocation.`,
        suggestedFix: `Ask the user to remove the app in the provider's account settings${adapter.docsUrl ? ` (${adapter.docsUrl})` : ''}, then delete the account.`,
      })
    }
    const can = [adapter.supportsRefresh && 'refresh_token', adapter.supportsAccess && 'access_token'].filter(
      Boolean,
    )
    return new RevokitError('revoke_not_supported', {
      message: `Revoke is not supported for this account: it holds no ${can.join(' or ')}, the only token${can.length > 1 ? 's' : ''} toolkit "${record.toolkit}" can revoke.`,
      suggestedFix:
        'Nothing revocable is stored for this account; delete it, or activate it with fresh credentials first.',
    })
  }

  function revokeFailure(
    record: AccountRecord,
    report: DispatchReport,
    outcomes: SubjectOutcomes,
    adapter: RevocationAdapter,
  ): RevokitError {
    const lines: string[] = []
    const fixes: string[] = []
    let retryAfterMs: number | undefined
    for (const subject of REPORT_ORDER) {
      const r = report.reports[subject]
      if (!r) continue
      // Transport errors already say "after N attempts"; say it once.
      const counted = /\battempts?\b/.test(r.detail ?? '')
      const tries = r.attempts && !counted ? ` (${r.attempts} attempt${r.attempts > 1 ? 's' : ''})` : ''
      lines.push(`${subject} ${r.outcome.replace('_', ' ')}: ${r.detail ?? 'no detail'}${tries}`)
      if (r.suggestedFix) fixes.push(r.suggestedFix)
      if (r.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, r.retryAfterMs)
    }
    const allUnsupported = Object.values(report.outcomes).every((o) => o === 'unsupported')
    if (allUnsupported) {
      return new RevokitError('revoke_not_supported', {
        message: `Revoke is not supported for this account: the provider refused to revoke its token type.`,
        suggestedFix: `The provider behind toolkit "${record.toolkit}" does not revoke these tokens${adapter.docsUrl ? ` (see ${adapter.docsUrl})` : ''}; delete the account, and ask the user to remove the app at the provider.`,
        errors: lines,
        subjects: outcomes,
      })
    }
    const wait =
      retryAfterMs !== undefined ? ` The provider asked to wait ${Math.ceil(retryAfterMs / 1000)} s.` : ''
    return new RevokitError('revoke_failed', {
      message: `Revocation could not be completed: no token was revoked at the provider. The account stays ${record.status} with its tokens.`,
      suggestedFix: `${fixes[0] ?? 'Retry the revoke later.'}${wait}`,
      errors: lines,
      subjects: outcomes,
    })
  }

  function joinedFailure(last: FailedRevoke): RevokitError {
    const slug = last.slug === 'revoke_not_supported' ? 'revoke_not_supported' : 'revoke_failed'
    return new RevokitError(slug, {
      message: `${last.message} (a concurrent revoke of this account made the attempt)`,
      suggestedFix: 'Retry the revoke later.',
      errors: last.errors,
      subjects: last.subjects,
    })
  }

  const engine: Engine = {
    async create(input, call = {}) {
      const data = parseInput(createInputSchema, input, 'connected account')
      if (call.projectId !== undefined && data.projectId !== undefined && call.projectId !== data.projectId) {
        throw new RevokitError('validation_failed', {
          message: 'Invalid connected account: projectId does not match the caller’s project.',
          suggestedFix: 'Omit projectId; the account is created in your project.',
          errors: ['projectId: does not match the caller’s project'],
        })
      }
      const credentials = (data.credentials ?? {}) as Credentials
      const status: AccountStatus =
        data.status ?? (holds(credentials, 'access_token') ? 'ACTIVE' : 'INITIATED')
      if ((status === 'ACTIVE' || status === 'INACTIVE') && !holdsAny(credentials)) {
        throw credentialsRequired(
          `An ${status} account needs credentials with an access_token or a refresh_token.`,
        )
      }
      const now = iso()
      for (let tries = 0; tries < 3; tries++) {
        const record: AccountRecord = {
          id: data.id ?? newAccountId(),
          projectId: data.projectId ?? call.projectId ?? defaultProjectId,
          userId: data.userId,
          toolkit: data.toolkit,
          status,
          credentials,
          revokedSubjects: [],
          pendingSubjects: [],
          createdAt: now,
          updatedAt: now,
          version: 1,
          claim: null,
          lastFailedRevoke: null,
        }
        const events = [event(record, 'created', null, status, call)]
        let inserted: boolean
        try {
          inserted = await store.insert(record, events)
        } catch (error) {
          throw storeError(error)
        }
        if (inserted) {
          emit(events)
          return toAccount(record)
        }
        if (data.id) {
          throw new RevokitError('connected_account_exists', {
            message: `Connected account ${data.id} already exists.`,
            suggestedFix: 'Omit id to have one generated, or use another id.',
          })
        }
      }
      throw contention('a new account')
    },

    async get(id, call = {}) {
      return toAccount(await load(id, call))
    },

    async list(query = {}, call = {}) {
      const q = parseInput(listQuerySchema, query, 'list query')
      const limit = q.limit ?? 50
      const statuses = (q.statuses ?? LISTABLE).filter((s) => s !== 'DELETED')
      if (statuses.length === 0) return { items: [], nextCursor: null }
      const after = q.cursor ? decodeCursor(q.cursor) : undefined
      let records: AccountRecord[]
      try {
        records = await store.list({
          ...(call.projectId !== undefined ? { projectId: call.projectId } : {}),
          ...(q.userIds ? { userIds: q.userIds } : {}),
          ...(q.toolkits ? { toolkits: q.toolkits } : {}),
          statuses,
          ...(after ? { after } : {}),
          limit: limit + 1,
        })
      } catch (error) {
        throw storeError(error)
      }
      const page = records.slice(0, limit)
      const last = page.at(-1)
      return {
        items: page.map(toAccount),
        nextCursor: records.length > limit && last ? encodeCursor(last) : null,
      }
    },

    async count(query = {}, call = {}) {
      const q = parseInput(listQuerySchema, query, 'count query')
      const statuses = (q.statuses ?? LISTABLE).filter((s) => s !== 'DELETED')
      if (statuses.length === 0) return 0
      try {
        return await store.count({
          ...(call.projectId !== undefined ? { projectId: call.projectId } : {}),
          ...(q.userIds ? { userIds: q.userIds } : {}),
          ...(q.toolkits ? { toolkits: q.toolkits } : {}),
          statuses,
        })
      } catch (error) {
        throw storeError(error)
      }
    },

    activate(id, input = {}, call = {}) {
      const { credentials } = parseInput(activateInputSchema, input, 'activation')
      // New credentials replace the stored ones, so the old values must leave the store's files.
      const scrub = credentials !== undefined
      return mutate(
        id,
        'activate',
        call,
        (record) => {
          if (record.status === 'EXPIRED' && !credentials) {
            throw credentialsRequired('An EXPIRED account can only be activated with new credentials.')
          }
          const next = (credentials as Credentials | undefined) ?? record.credentials
          if (!holdsAny(next))
            throw credentialsRequired('An ACTIVE account needs an access_token or a refresh_token.')
          return { credentials: next, revokedSubjects: [], pendingSubjects: [] }
        },
        scrub,
      )
    },
    disable: (id, call = {}) => mutate(id, 'disable', call),
    enable: (id, call = {}) => mutate(id, 'enable', call),
    expire: (id, call = {}) => mutate(id, 'expire', call),
    delete: (id, call = {}) =>
      mutate(id, 'delete', call, () => ({ credentials: {}, pendingSubjects: [] }), true),

    revoke,

    async revokeThenDelete(id, call = {}) {
      // "Revoke first" includes a token left pending by an earlier partial revoke.
      const result = await revoke(id, { ...call, retryPending: true })
      // A token whose revoke failed while another's succeeded is still live and pending: deleting
      // now would forget it for good, so the account stays for a retry (SPEC §4 step 7).
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
      const deleted = await engine.delete(id, call)
      return { revoke: result, deleted }
    },

    async revokeMany(filter, call = {}) {
      const concurrency = positive(call.concurrency, 4, 'concurrency')
      const query = {
        ...(filter.userIds ? { userIds: filter.userIds } : {}),
        ...(filter.toolkits ? { toolkits: filter.toolkits } : {}),
        statuses: ['ACTIVE' as const],
      }
      const { onResult, signal, concurrency: _c, ...scope } = call
      const total = await engine.count(query, scope)
      const summary: RevokeManySummary = {
        total,
        processed: 0,
        revoked: 0,
        partial: 0,
        alreadyRevoked: 0,
        notSupported: 0,
        skipped: 0,
        failed: 0,
      }
      let cursor: string | null = null
      do {
        if (signal?.aborted) break
        const page: AccountPage = await engine.list(
          { ...query, limit: Math.max(100, concurrency * 4), cursor },
          scope,
        )
        cursor = page.nextCursor
        let next = 0
        const worker = async () => {
          while (next < page.items.length && !signal?.aborted) {
            const account = page.items[next++] as ConnectedAccount
            const item: RevokeManyItem = {
              id: account.id,
              userId: account.userId,
              toolkit: account.toolkit,
              status: 200,
              outcome: 'revoked',
            }
            try {
              const result = await revoke(account.id, scope)
              item.result = result
              const live = Object.values(result.subjects).some((o) => o === 'failed' || o === 'unsupported')
              // No details: nothing was dispatched (already REVOKED, or revoked concurrently).
              if (Object.keys(result.details).length === 0) item.outcome = 'alreadyRevoked'
              else if (live) item.outcome = 'partial'
            } catch (error) {
              const failure = toRevokitError(error)
              item.status = failure.status
              item.error = failure
              item.outcome =
                failure.status === 400
                  ? 'notSupported'
                  : failure.status === 404 || failure.status === 409
                    ? 'skipped'
                    : 'failed'
            }
            summary[item.outcome]++
            summary.processed++
            try {
              onResult?.(item, { done: summary.processed, total })
            } catch (error) {
              logger.warn({ error }, 'revokit: revokeMany onResult threw')
            }
          }
        }
        await Promise.all(Array.from({ length: Math.min(concurrency, page.items.length) }, worker))
      } while (cursor)
      return summary
    },

    async events(id, call = {}) {
      await load(id, call)
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

    async close() {
      if (ownsTransport) await transport.close()
      for (const adapter of registry.values()) await adapter.close?.()
      await store.close?.()
    },
  }
  return engine
}

function transitionError(record: AccountRecord, operation: Operation): RevokitError {
  if (operation === 'revoke') {
    return new RevokitError('connected_account_not_revokable', {
      message: `Connected account ${record.id} is ${record.status}; only ACTIVE and already REVOKED accounts can be revoked.`,
      suggestedFix:
        record.status === 'INACTIVE'
          ? 'Enable the account first (PATCH status {"enabled": true}), then revoke it.'
          : record.status === 'EXPIRED'
            ? 'Activate the account with fresh credentials, then revoke it; or delete it.'
            : 'Complete the connection first, or delete it.',
    })
  }
  return new RevokitError('invalid_status_transition', {
    message: `Cannot ${operation} connected account ${record.id}: it is ${record.status}.`,
    suggestedFix: `Read the account's status first; ${operation} is not allowed from ${record.status}.`,
  })
}

function credentialsRequired(message: string): RevokitError {
  return new RevokitError('credentials_required', {
    message,
    suggestedFix: 'Send credentials with the access_token, and the refresh_token if the provider issued one.',
    errors: ['credentials: needs an access_token or a refresh_token'],
  })
}

const holdsAny = (credentials: Credentials) =>
  holds(credentials, 'access_token') || holds(credentials, 'refresh_token')

function contention(what: string): RevokitError {
  return new RevokitError('concurrent_modification', {
    message: `${what} is being changed by many writers at once; gave up after ${MAX_CAS_TRIES} tries.`,
    suggestedFix: 'Retry the request.',
  })
}

function storeError(error: unknown): RevokitError {
  if (error instanceof RevokitError) return error
  return new RevokitError('store_error', {
    message: 'The account store failed.',
    suggestedFix: 'Check that the store is reachable and writable, then retry.',
    errors: [redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error))],
    cause: error,
  })
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`createEngine: ${name} must be a positive number`)
  return value
}
