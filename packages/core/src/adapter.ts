import type { OAuthConnector } from './connector'
import type { Logger } from './logger'
import type { Credentials, TokenSubject } from './model'
import type { Redactor } from './redact'
import type { HttpClient } from './transport'

/**
 * What the engine asks an adapter to revoke: one subject of one account. The adapter must not
 * keep, log or echo `token` or anything in `credentials`.
 */
export interface RevokeRequest {
  /** Which token this dispatch is about. */
  readonly subject: TokenSubject
  /** The token value to revoke. */
  readonly token: string
  /** Everything the account holds, for providers that need more than the token. */
  readonly credentials: Readonly<Credentials>
  readonly account: {
    readonly id: string
    readonly projectId: string
    readonly userId: string
    readonly toolkit: string
  }
}

/** What the engine lends an adapter for one dispatch. */
export interface RevokeContext {
  /**
   * The HTTP client to use for every request: pooled undici, one attempt per request with a
   * timeout cut to the deadline, a body size cap, and no redirects. It never retries: return
   * `failed({ retryable: true, retryAfterMs })` (or `failedFromResponse`) and the engine calls the
   * adapter again within its attempt budget. Adapters never call `fetch` themselves.
   */
  readonly http: HttpClient
  /** Aborts when this subject's share of the revoke deadline runs out. */
  readonly signal: AbortSignal
  /** Epoch milliseconds after which the engine stops waiting for this subject. */
  readonly deadline: number
  /** 1 for the first call for this subject, then 2, 3… each time the engine retries a retryable outcome. */
  readonly attempt: number
  /** A logger that already hides this account's tokens and every secret-named field. */
  readonly logger: Logger
  /** Hides this account's tokens and well-known secret shapes in text (for outcome reasons). */
  readonly redact: Redactor
}

/**
 * The provider killed the token.
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.2
 */
export interface RevokedOutcome {
  readonly type: 'revoked'
  /**
   * Other subjects the provider killed with it (Google revokes the whole grant). Omit to use the
   * adapter's declared {@link RevocationAdapter.cascades}; pass `[]` to say "only this one".
   */
  readonly cascade?: readonly TokenSubject[]
  readonly detail?: string
}

/**
 * The provider says the token is already invalid, expired or revoked, typically because the user
 * revoked access on the provider's site. The token is dead; it was not killed by this call.
 */
export interface AlreadyRevokedOutcome {
  readonly type: 'already_revoked'
  /** Other subjects the provider reports dead too. Declared cascades do not apply here. */
  readonly cascade?: readonly TokenSubject[]
  readonly detail?: string
}

/**
 * The provider refuses to revoke this kind of token.
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.2.1 (`unsupported_token_type`)
 */
export interface UnsupportedOutcome {
  readonly type: 'unsupported'
  readonly detail: string
}

/** The revocation did not happen; the token may still be live. */
export interface FailedOutcome {
  readonly type: 'failed'
  /** True when trying again later may succeed (network error, 5xx, rate limit). */
  readonly retryable: boolean
  /** Why, for people: redacted, never a token or a secret. */
  readonly reason: string
  /** The provider's HTTP status, when there was one. */
  readonly status?: number
  /** How long the provider asked us to wait (`Retry-After`, rate-limit reset), in ms. */
  readonly retryAfterMs?: number
  /** What the operator can do about it, e.g. "check the GitHub app's client secret". */
  readonly suggestedFix?: string
}

/** What one dispatch ended with: revoked, already revoked, unsupported, or failed. */
export type RevokeOutcome = RevokedOutcome | AlreadyRevokedOutcome | UnsupportedOutcome | FailedOutcome

/**
 * A provider's revocation, as a plain object. Write one as a factory returning an object literal
 * checked with `satisfies RevocationAdapter`; keep secrets in the factory's closure, never on a
 * property.
 *
 * The engine never looks at which provider an adapter is for: everything it needs to know is
 * declared here or returned in the outcome.
 *
 * @example
 * ```ts
 * export function acme(options: { toolkit?: string } = {}) {
 *   return {
 *     toolkit: options.toolkit ?? 'acme',
 *     supportsAccess: true,
 *     supportsRefresh: false,
 *     async revoke(request, { http }) {
 *       const res = await http.request('https://api.acme.example/revoke', {
 *         method: 'POST',
 *         headers: { authorization: `Bearer ${request.token}` },
 *       })
 *       return res.status === 200 ? revoked() : failed({ retryable: false, reason: `HTTP ${res.status}` })
 *     },
 *   } satisfies RevocationAdapter
 * }
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2 (the revocation request and response)
 */
export interface RevocationAdapter {
  /** The toolkit slug this adapter serves; the engine's registry is keyed by it. */
  readonly toolkit: string
  /** The provider has an endpoint that revokes access tokens, and this adapter calls it. */
  readonly supportsAccess: boolean
  /** The provider has an endpoint that revokes refresh tokens, and this adapter calls it. */
  readonly supportsRefresh: boolean
  /**
   * Subjects the provider is documented to kill along with a revoked subject, e.g. Google:
   * `{ refresh_token: ['access_token'], access_token: ['refresh_token'] }`. The engine reports
   * them revoked and skips dispatching them.
   */
  readonly cascades?: Readonly<Partial<Record<TokenSubject, readonly TokenSubject[]>>>
  /** A URL the engine names in suggested fixes (the provider's revocation docs). */
  readonly docsUrl?: string
  /**
   * Revokes one token. Return an outcome for every answer the provider can give; a thrown error
   * is treated as a failed outcome (retryable if it is a retryable transport error).
   */
  revoke(request: RevokeRequest, context: RevokeContext): Promise<RevokeOutcome>
  /**
   * Hides this adapter's own secrets (a client secret, a signing key) in text, without exposing
   * them: implement it in the factory, closing over the secret. The engine applies it to every
   * outcome reason, error and log line of this adapter's dispatches. Secrets sent through
   * `context.http` as credentials are hidden anyway; this covers everything else.
   */
  redact?(text: string): string
  /**
   * How accounts of this toolkit are connected and refreshed (OAuth 2.0 authorization code
   * with PKCE, refresh grant). Optional: without it the toolkit can still import and revoke
   * accounts, and `initiate`/`refresh` answer 400 naming this property.
   */
  readonly connect?: OAuthConnector
  /** Releases resources (caches, timers) when the engine closes. */
  close?(): Promise<void> | void
}

/** A {@link RevokedOutcome}. */
export function revoked(cascade?: readonly TokenSubject[], detail?: string): RevokedOutcome {
  return { type: 'revoked', ...(cascade ? { cascade } : {}), ...(detail ? { detail } : {}) }
}

/** An {@link AlreadyRevokedOutcome}. */
export function alreadyRevoked(detail?: string, cascade?: readonly TokenSubject[]): AlreadyRevokedOutcome {
  return { type: 'already_revoked', ...(detail ? { detail } : {}), ...(cascade ? { cascade } : {}) }
}

/** An {@link UnsupportedOutcome}. */
export function unsupported(detail: string): UnsupportedOutcome {
  return { type: 'unsupported', detail }
}

/** A {@link FailedOutcome}. */
export function failed(options: Omit<FailedOutcome, 'type'>): FailedOutcome {
  return { type: 'failed', ...options }
}

/** True when `adapter` declares it can revoke `subject`. */
export function supportsSubject(adapter: RevocationAdapter, subject: TokenSubject): boolean {
  return subject === 'access_token' ? adapter.supportsAccess : adapter.supportsRefresh
}
