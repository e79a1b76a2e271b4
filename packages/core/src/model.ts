/**
 * A token subject: which of an account's tokens a revocation is about.
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.1 (`token_type_hint` values)
 */
export type TokenSubject = 'access_token' | 'refresh_token'

/**
 * Every subject, in dispatch order. Refresh comes first because revoking a refresh token
 * usually takes its access tokens with it (RFC 7009 §2.1), so one call often kills both.
 */
export const TOKEN_SUBJECTS: readonly TokenSubject[] = ['refresh_token', 'access_token']

/** The six lifecycle states of a connected account. */
export type AccountStatus = 'INITIATED' | 'ACTIVE' | 'INACTIVE' | 'EXPIRED' | 'REVOKED' | 'DELETED'

/** Every status, in lifecycle order. */
export const ACCOUNT_STATUSES: readonly AccountStatus[] = [
  'INITIATED',
  'ACTIVE',
  'INACTIVE',
  'EXPIRED',
  'REVOKED',
  'DELETED',
]

/**
 * What a connected account holds from the provider. Token values are secrets: revokit never
 * logs them, never puts them in errors or events, and scrubs them from the store once dead.
 */
export interface Credentials {
  access_token?: string
  refresh_token?: string
  /** When the access token expires: an ISO 8601 string or epoch seconds, as the provider gave it. */
  expires_at?: string | number
  scope?: string
  token_type?: string
  /** Provider extras (e.g. Slack's `team`, Google's `id_token`) are kept as given. */
  [extra: string]: unknown
}

/**
 * The credential fields that are not secrets: what a REVOKED account keeps of its credentials
 * (besides a token still pending revocation), and what is never treated as a secret value.
 */
export const CREDENTIAL_METADATA: readonly string[] = ['scope', 'token_type', 'expires_at']

/**
 * Every string `credentials` holds outside {@link CREDENTIAL_METADATA}, nested values included
 * (an `id_token`, Slack's `authed_user.access_token`): the values to hide in any text about it.
 */
export function credentialSecrets(credentials: Credentials): string[] {
  const found: string[] = []
  const walk = (value: unknown, depth: number) => {
    if (typeof value === 'string') found.push(value)
    else if (value && typeof value === 'object' && depth < 8)
      for (const item of Object.values(value)) walk(item, depth + 1)
  }
  for (const [name, value] of Object.entries(credentials))
    if (!CREDENTIAL_METADATA.includes(name)) walk(value, 0)
  return found
}

/** A user's connection to one toolkit, and the tokens it holds. */
export interface ConnectedAccount {
  /** `ca_` followed by a URL-safe nanoid, e.g. `ca_1a2b3c4d5e6f`. */
  readonly id: string
  readonly projectId: string
  readonly userId: string
  /** The toolkit slug (e.g. `gmail`); it selects the revocation adapter. */
  readonly toolkit: string
  readonly status: AccountStatus
  readonly credentials: Credentials
  /** Subjects known dead at the provider; their values are gone from the store. */
  readonly revokedSubjects: readonly TokenSubject[]
  /**
   * Subjects whose revocation failed while another subject's succeeded. Their tokens are kept,
   * so `engine.revoke(id, { retryPending: true })` can try them again.
   */
  readonly pendingSubjects: readonly TokenSubject[]
  /**
   * Pending subjects `engine.reconcile` stopped retrying after its maximum attempt count. They
   * stay pending (their tokens are kept and may still be live at the provider), so
   * `engine.revoke(id, { retryPending: true })` can still try them. Absent means none.
   */
  readonly gaveUpSubjects?: readonly TokenSubject[]
  /**
   * Why the account is in its status, when something other than a caller put it there: e.g.
   * `invalid_grant: …` when the provider refused the refresh token, or the link expiring.
   */
  readonly statusReason?: string | null
  /** A label of the caller's choosing for this connection (Composio's `alias`). */
  readonly alias?: string | null
  /** ISO 8601. */
  readonly createdAt: string
  /** ISO 8601. */
  readonly updatedAt: string
  /** Optimistic-concurrency version: every stored write increments it by one. */
  readonly version: number
}

/**
 * A revoke in progress: whoever holds an unexpired claim is the only one allowed to dispatch
 * for the account. A claim never outlives its holder's deadline by more than the engine's grace.
 */
export interface RevokeClaim {
  readonly id: string
  /** Epoch milliseconds. */
  readonly expiresAt: number
}

/**
 * How a claimed attempt (a revoke, a refresh) failed, as the error its waiters report: the
 * claim it ran under, when, and the error's status, slug, message and details.
 */
export interface FailedAttempt {
  readonly claimId: string
  readonly at: string
  readonly status: number
  readonly slug: string
  readonly message: string
  readonly errors: readonly string[]
}

/**
 * How the last revoke attempt that killed nothing ended, kept so that callers who waited on
 * that attempt's claim report its outcome instead of dispatching again.
 */
export interface FailedRevoke extends FailedAttempt {
  readonly subjects: SubjectOutcomes
  /**
   * Revoke attempts in a row that killed nothing, this one included (absent: 1). What
   * `engine.reconcile` backs off on and gives up after; a revoke that kills something resets it.
   */
  readonly attempts?: number
}

/**
 * An authorization in progress (`initiate`, or `refresh` falling back to a new consent): what
 * the callback is checked against. Secret: the PKCE verifier never leaves the store, and only a
 * hash of the state is kept. Stores keep it where they keep credentials.
 */
export interface PendingAuthorization {
  /** SHA-256 of the state's random part, base64url. */
  readonly stateHash: string
  /** The PKCE code verifier, or null when the connector turned PKCE off. */
  readonly codeVerifier: string | null
  /** The redirect URI sent in the authorization request; the code exchange repeats it. */
  readonly redirectUri: string
  /** Where the user's browser goes once it is done (the app's page), or null. */
  readonly callbackUrl: string | null
  readonly scopes: readonly string[]
  /** Epoch milliseconds: past it, the state is refused and an INITIATED account expires. */
  readonly expiresAt: number
  /** Names this link on the wire (`link_token`); not a capability. */
  readonly linkToken: string
}

/**
 * How the last refresh grant that failed without killing the grant ended (a transient failure),
 * kept so callers who waited on that refresh's claim share its answer instead of sending another.
 */
export interface FailedRefresh extends FailedAttempt {
  readonly retryAfterMs?: number
}

/**
 * What a store persists: the account plus the engine's coordination fields. Stores treat it as
 * data; only the engine interprets `claim` and `lastFailedRevoke`.
 */
export interface AccountRecord extends ConnectedAccount {
  readonly claim: RevokeClaim | null
  readonly lastFailedRevoke: FailedRevoke | null
  /** The authorization in progress; secret (see {@link PendingAuthorization}). Absent means none. */
  readonly authorization?: PendingAuthorization | null
  /** The last transient refresh failure; absent means none. */
  readonly lastFailedRefresh?: FailedRefresh | null
  /** Epoch ms when the provider issued the current tokens (code exchange, refresh); absent when imported. */
  readonly tokensObtainedAt?: number | null
}

/** What happened to one subject during a revoke, as the revoke answer's `subjects` reports it. */
export type SubjectOutcome = 'revoked' | 'already_revoked' | 'unsupported' | 'failed' | 'not_held'

/** Every subject mapped to what happened to it. */
export type SubjectOutcomes = Record<TokenSubject, SubjectOutcome>

/** True when the credentials hold a usable (non-empty string) token for `subject`. */
export function holds(credentials: Credentials, subject: TokenSubject): boolean {
  const value = credentials[subject]
  return typeof value === 'string' && value.length > 0
}

/** The public view of a stored record: coordination fields stripped. */
export function toAccount(record: AccountRecord): ConnectedAccount {
  const {
    claim: _claim,
    lastFailedRevoke: _last,
    authorization: _authorization,
    lastFailedRefresh: _refresh,
    tokensObtainedAt: _obtained,
    ...account
  } = record
  return account
}
