import type { AccountRecord, AccountStatus, RevokeClaim, SubjectOutcomes, TokenSubject } from './model'

/** What changed an account, for the audit trail. */
export type AuditEventType =
  | 'created'
  | 'activated'
  | 'disabled'
  | 'enabled'
  | 'expired'
  | 'revoked'
  | 'revoke_failed'
  | 'pending_revoked'
  | 'revoke_gave_up'
  | 'deleted'
  | 'authorization_started'
  | 'connected'
  | 'authorization_failed'
  | 'refreshed'
  | 'refresh_failed'
  | 'credentials_updated'

/**
 * One audit record: who moved which account from where to where, and which token subjects died.
 * Events never carry token values or secrets.
 */
export interface AuditEvent {
  /** `evt_` + nanoid. */
  readonly id: string
  readonly accountId: string
  readonly projectId: string
  readonly type: AuditEventType
  /** `null` for `created`. */
  readonly from: AccountStatus | null
  readonly to: AccountStatus
  /** ISO 8601. */
  readonly at: string
  readonly requestId: string | null
  /** Subjects killed at the provider by this operation (revokes only). */
  readonly revokedSubjects?: readonly TokenSubject[]
  /** Every subject's outcome (revokes only). */
  readonly subjects?: SubjectOutcomes
  /** Why, for failures and expiries (`invalid_grant: …`, `link expired`); redacted, never a secret. */
  readonly reason?: string
}

/** A keyset position in the (createdAt, id) order lists use. */
export interface StoreCursor {
  readonly createdAt: string
  readonly id: string
}

/** Filters for {@link Store.list} and {@link Store.count}. Omitted filters match everything. */
export interface StoreQuery {
  readonly projectId?: string
  readonly userIds?: readonly string[]
  readonly toolkits?: readonly string[]
  /** The engine always passes this (DELETED accounts are never listed). */
  readonly statuses?: readonly AccountStatus[]
}

/** {@link StoreQuery} plus a page. */
export interface StoreListQuery extends StoreQuery {
  /** Only records strictly after this position. */
  readonly after?: StoreCursor
  readonly limit: number
}

/** Hints for {@link Store.compareAndSet}. */
export interface WriteOptions {
  /**
   * The write removes secret values (dead tokens, a deleted account's credentials). The store
   * must make sure the old values are gone from its files, not just unreachable: e.g. SQLite's
   * `secure_delete` plus a WAL checkpoint.
   *
   * A store may defer the physical removal, so that many scrubbing writes share one expensive
   * step (SQLite groups its checkpoints), but only for a bounded time it documents, and it must
   * then implement {@link Store.flush}, which forces the removal. The write itself resolves once
   * the new record is stored: the old values are unreachable at once, gone from disk by then.
   */
  readonly scrub?: boolean
}

/**
 * Where accounts live. The contract is deliberately small: the engine does every piece of
 * coordination (transitions, revoke claims with expiry, cascades) through two atomic primitives,
 * {@link Store.compareAndSet} and its narrow form {@link Store.claim}, so any store that
 * implements them faithfully (memory, SQLite, Postgres) gives the same guarantees, across
 * processes too.
 *
 * Stores treat records as data: they must return exactly what was written (deep copies, so a
 * caller mutating a result cannot change the store), and never interpret `claim`.
 *
 * Prove an implementation with `storeConformance` from `@revokit/core/testing`.
 * @see https://en.wikipedia.org/wiki/Compare-and-swap (the one primitive everything rests on)
 */
export interface Store {
  /**
   * Adds a new record and its events atomically. Resolves `false`, writing nothing, when a
   * record with this id already exists.
   */
  insert(record: AccountRecord, events: readonly AuditEvent[]): Promise<boolean>
  /** The record with this id, whatever its status, or `undefined`. */
  get(id: string): Promise<AccountRecord | undefined>
  /**
   * Atomically replaces the record and appends `events`, only if the stored version is still
   * `expectedVersion`; `next.version` is `expectedVersion + 1`. Resolves `false`, writing
   * nothing, on a version mismatch or a missing record. Among concurrent calls with the same
   * expected version, in this process or any other sharing the store, exactly one succeeds.
   */
  compareAndSet(
    id: string,
    expectedVersion: number,
    next: AccountRecord,
    events: readonly AuditEvent[],
    options?: WriteOptions,
  ): Promise<boolean>
  /**
   * Sets or clears an account's revoke claim. Atomically, and only if the stored version is still
   * `expectedVersion`: writes `claim` (a {@link RevokeClaim}, or null) and
   * `version = expectedVersion + 1`, and nothing else (no events, no other field, no scrub).
   * Resolves false, writing nothing, on a version mismatch or a missing record. Among concurrent
   * calls with the same expected version, in this process or any other sharing the store, exactly
   * one succeeds; that includes concurrent {@link Store.compareAndSet} calls on the same version.
   *
   * It is {@link Store.compareAndSet} of `{ ...current, claim, version: expectedVersion + 1 }`
   * without events, narrowed so a store need not rewrite the whole record: a revoke claims and
   * releases every account it touches, so this is on the hot path (in SQL, one
   * `UPDATE … SET claim = ?, version = version + 1 WHERE id = ? AND version = ?`).
   */
  claim(id: string, expectedVersion: number, claim: RevokeClaim | null): Promise<boolean>
  /** Records matching the query in ascending (createdAt, id) order, at most `limit`. */
  list(query: StoreListQuery): Promise<AccountRecord[]>
  /** How many records match. */
  count(query: StoreQuery): Promise<number>
  /** An account's audit events, oldest first. */
  events(accountId: string): Promise<AuditEvent[]>
  /**
   * Completes deferred scrubbing: when it resolves, every value removed by an earlier write with
   * `{ scrub: true }` is gone from the store's files. Stores that scrub synchronously omit it.
   * Bulk operations call it before they return.
   */
  flush?(): Promise<void>
  /** Releases connections and file handles, after completing deferred scrubbing. */
  close?(): Promise<void>
}
