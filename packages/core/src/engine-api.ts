import type { Dispatcher } from 'undici'
import type { RevocationAdapter } from './adapter'
import type { EncryptionOptions } from './crypto/keyring'
import type { RotateKeysOptions, RotateKeysSummary } from './crypto/rotate'
import type { RevokitError } from './errors'
import type { Logger } from './logger'
import type { AccountStatus, ConnectedAccount, Credentials, SubjectOutcomes, TokenSubject } from './model'
import type { BackoffOptions } from './retry'
import type { SubjectReport } from './revoke/run'
import type { AuditEvent, Store } from './store'
import type { HttpTransport } from './transport'
import type { CreateInput, ListQuery } from './validate'

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** Where accounts live: `memoryStore()`, `sqliteStore({ path })`, or your own {@link Store}. */
  store: Store
  /**
   * Encryption at rest: with keys, every record's credentials and pending authorization (its
   * PKCE verifier) reach the store only as AES-256-GCM ciphertext, whatever the store. The first
   * key encrypts; all of them decrypt. Without it the store holds plaintext, and a record found
   * encrypted is refused with 500 `encryption_key_missing`.
   * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf
   */
  encryption?: EncryptionOptions
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
  /**
   * Values to hide in every text the engine writes (results, errors, events, stored failure
   * text, logs), besides those it knows itself: each account's tokens, what its requests sent,
   * the adapters' `redact` hooks. The server passes every secret of its config, so a client
   * secret an adapter echoes without hiding is still hidden.
   */
  secrets?: readonly string[]
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
  /**
   * The OAuth redirect URI: the app's route that hands the provider's redirect to
   * {@link Engine.completeAuthorization} (the server sets `{publicUrl}/api/v3/toolkits/auth/callback`).
   * Required for `initiate` and for `refresh` when it falls back to a new authorization.
   */
  redirectUri?: string
  /** How long an authorization link (its state) stays usable. @default 600000 (10 minutes) */
  linkTtlMs?: number
  /** One refresh grant, retries included; its claim expires `claimGraceMs` later. @default 15000 */
  refreshDeadlineMs?: number
  /** How {@link Engine.reconcile} retries subjects left pending by a partial revoke. */
  reconcile?: ReconcileOptions
}

/**
 * How {@link Engine.reconcile} retries a pending subject: the n-th retry waits
 * `min(baseMs * 2^(n-1), maxMs)` after the previous attempt; after `maxAttempts` failed retries
 * the subject is given up on (`gaveUpSubjects`, a `revoke_gave_up` event).
 */
export interface ReconcileOptions {
  /** @default 60000 (1 minute) */
  baseMs?: number
  /** @default 3600000 (1 hour) */
  maxMs?: number
  /** @default 8 */
  maxAttempts?: number
}

/** Options of one {@link Engine.reconcile} pass. */
export interface ReconcileRunOptions {
  /** Stops the pass between accounts (and a retry's dispatch); what is done stays done. */
  signal?: AbortSignal
}

/** What one {@link Engine.reconcile} pass did. */
export interface ReconcileSummary {
  /** Pending subjects dispatched again by this engine. */
  retried: number
  /** Of those, the ones now dead at the provider. */
  revoked: number
  /** Pending subjects given up on after the maximum attempt count. */
  gaveUp: number
  /** Tokens refreshed ahead of readers. Not done yet: always 0. */
  refreshed: number
  /** INITIATED accounts past their link expiry moved to EXPIRED. */
  expired: number
}

/** Options of {@link Engine.initiate}. */
export interface InitiateInput {
  userId: string
  toolkit: string
  /** Where the user's browser lands once the connection is made or failed (the app's page). */
  callbackUrl?: string
  /** Replaces the connector's default scopes for this connection. */
  scopes?: readonly string[]
  /** Allow a second live account for this user and toolkit. @default false */
  allowMultiple?: boolean
  projectId?: string
  /** A label of the caller's choosing (Composio's `alias`). */
  alias?: string
}

/** What {@link Engine.initiate} returns: the new INITIATED account and where to send the user. */
export interface InitiateResult {
  id: string
  status: 'INITIATED'
  /** The provider's authorization URL (with state and PKCE challenge): send the user's browser here. */
  redirectUrl: string
  /** ISO 8601: the link (its state) is refused after this. */
  expiresAt: string
  /** Names this link on the wire (`link_token`). */
  linkToken: string
}

/** What {@link Engine.completeAuthorization} returns: the account, and where the user goes next. */
export interface CompletedAuthorization {
  account: ConnectedAccount
  /** The `callbackUrl` given to `initiate` (or `refresh`), or null. */
  callbackUrl: string | null
}

/** What {@link Engine.refresh} returns. */
export interface RefreshResult {
  id: string
  status: AccountStatus
  /** null when the tokens were refreshed; else the URL of a new authorization for this account. */
  redirectUrl: string | null
}

/** Usable credentials, as {@link Engine.credentials} hands them out. */
export interface AccountCredentials {
  authScheme: 'OAUTH2'
  /** The provider's tokens: `access_token`, and `refresh_token`, `scope`, … as stored. */
  val: Credentials
  /** ISO 8601, or null when the provider gave no expiry. */
  expiresAt: string | null
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
   * 200 with nothing dispatched: a second revoke of a revoked account never calls the provider.
   */
  retryPending?: boolean
  /** Aborts the revoke early; the deadline still applies. */
  signal?: AbortSignal
}

/**
 * What {@link Engine.revoke} returns: the wire body of `POST /api/v3.1/connected_accounts/{id}/revoke`
 * (`revoked_tokens`, `connected_account`, `subjects`) plus per-subject details.
 */
export interface RevokeResult {
  /** Exactly the subjects killed at the provider during this call, cascades included. */
  revokedTokens: TokenSubject[]
  connectedAccount: { id: string; status: AccountStatus }
  /** Every subject: what happened to it in this call, or where it stands if nothing did. */
  subjects: SubjectOutcomes
  /** Why each dispatched subject ended as it did (attempts, provider status, reason). */
  details: Partial<Record<TokenSubject, SubjectReport>>
  /** False when this call sent nothing to the provider (already REVOKED, or revoked concurrently). */
  dispatched: boolean
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
  /**
   * Set when the store could not confirm, before the run returned, that dead token values are gone
   * from its files (e.g. another program held a read transaction on the SQLite file). The store
   * keeps retrying; the revokes themselves are recorded.
   */
  scrubPending?: true
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
  /**
   * Revokes the account's tokens at the provider: 404 unknown, 200 with nothing dispatched when
   * already REVOKED, 409 unless ACTIVE, 400 when nothing it holds can be revoked, 500 when no
   * token could be revoked (the account keeps its tokens), else 200 and REVOKED.
   */
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
  /**
   * Starts connecting a user: creates the account INITIATED with a one-time state (bound to it,
   * expiring after `linkTtlMs`) and a PKCE verifier, and returns the provider's authorization
   * URL. 409 when the user already has a live account of this toolkit, unless `allowMultiple`;
   * 400 when the toolkit's adapter has no `connect`.
   */
  initiate(input: InitiateInput, options?: CallOptions): Promise<InitiateResult>
  /**
   * Finishes an authorization from the provider's redirect (the full URL or its query): checks
   * the state (unknown, used or expired → 400), exchanges the code, stores the tokens and moves
   * the account to ACTIVE in one compare-and-set. A provider error (`error=access_denied`) → 400
   * with the provider's code; the account stays as it was.
   */
  completeAuthorization(
    callback: string | URL | URLSearchParams,
    options?: CallOptions,
  ): Promise<CompletedAuthorization>
  /** Resolves once the account is ACTIVE (408 `connection_timeout` after `timeoutMs`; 409 if it can no longer become ACTIVE). */
  waitForConnection(
    id: string,
    options?: CallOptions & { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ConnectedAccount>
  /**
   * Refreshes the tokens with the refresh grant when it can (`redirectUrl: null`); otherwise
   * starts a new authorization for the same account and returns its URL. The account keeps its
   * status until that completes.
   */
  refresh(id: string, options?: CallOptions & { callbackUrl?: string }): Promise<RefreshResult>
  /**
   * Usable credentials: 409 unless ACTIVE; refreshed first when the access token expires within
   * `minValidityMs`. One refresh grant per account however many callers ask at once, in this
   * process and across processes sharing the store. `invalid_grant` → EXPIRED (409); a
   * transient failure → 503 `refresh_failed` (retryable), the account stays ACTIVE.
   */
  credentials(id: string, options?: CallOptions & { minValidityMs?: number }): Promise<AccountCredentials>
  /** Replaces the tokens (rotated outside revokit); the old values are scrubbed. */
  updateCredentials(id: string, credentials: Credentials, options?: CallOptions): Promise<ConnectedAccount>
  /**
   * Re-encrypts with the current key (the first of `encryption.keys`) every record sealed with
   * an older key or stored in plaintext, page by page, safe to run while the engine serves
   * requests. Once it reports `skipped: 0` and `failed: 0`, the older keys can be removed.
   */
  rotateKeys(options?: RotateKeysOptions): Promise<RotateKeysSummary>
  /**
   * One pass of background work, derived from the accounts' own state in the store: retries
   * subjects left pending by a partial revoke once their backoff has passed (giving up after the
   * maximum attempt count), and expires INITIATED accounts whose link has lapsed. Safe to run on
   * every engine sharing a store at once: each retry goes through the revoke claim.
   * @see https://datatracker.ietf.org/doc/html/rfc7009 (what a retry sends)
   */
  reconcile(options?: ReconcileRunOptions): Promise<ReconcileSummary>
  /** Closes the transport (if the engine made it), the adapters and the store. */
  close(): Promise<void>
}
