import type { SubjectOutcomes } from './model'
import { redact } from './redact'

/**
 * Every error the engine, the stores and the adapters report, by slug: its HTTP status and a
 * stable numeric code. Codes never change meaning once published; match on `slug` or `code`, not
 * on `message`. Errors only an HTTP layer raises (an unknown route, a body too large, a missing
 * API key, …) are not here: the server keeps its own catalogue of {@link ErrorKind}s, with codes
 * from the same numbering, so the wire envelope looks the same whoever raised the error.
 */
export const ERROR_CATALOG = {
  validation_failed: { status: 400, code: 1000 },
  invalid_connected_account_id: { status: 400, code: 1001 },
  revoke_not_supported: { status: 400, code: 1003 },
  credentials_required: { status: 400, code: 1004 },
  invalid_cursor: { status: 400, code: 1005 },
  invalid_config: { status: 400, code: 1006 },
  connect_not_supported: { status: 400, code: 1007 },
  invalid_state: { status: 400, code: 1008 },
  authorization_failed: { status: 400, code: 1009 },
  redirect_uri_required: { status: 400, code: 1010 },
  connection_timeout: { status: 408, code: 1402 },
  connected_account_not_found: { status: 404, code: 1200 },
  connected_account_not_revokable: { status: 409, code: 1300 },
  invalid_status_transition: { status: 409, code: 1301 },
  connected_account_exists: { status: 409, code: 1302 },
  concurrent_modification: { status: 409, code: 1303 },
  revoke_incomplete: { status: 409, code: 1304 },
  connected_account_not_active: { status: 409, code: 1305 },
  refresh_rejected: { status: 409, code: 1306 },
  internal_error: { status: 500, code: 1500 },
  revoke_failed: { status: 500, code: 1501 },
  store_error: { status: 500, code: 1502 },
  token_exchange_failed: { status: 502, code: 1504 },
  refresh_failed: { status: 503, code: 1505 },
  encryption_key_missing: { status: 500, code: 1506 },
  decryption_failed: { status: 500, code: 1507 },
} as const

/** A slug of {@link ERROR_CATALOG}. */
export type ErrorSlug = keyof typeof ERROR_CATALOG

/**
 * An error kind outside {@link ERROR_CATALOG}, for a layer that raises errors of its own (the
 * reference server's `route_not_found`, say): its slug, the HTTP status it answers with, and its
 * stable numeric code. Pass one to {@link RevokitError}'s constructor instead of a slug.
 */
export interface ErrorKind {
  readonly slug: string
  readonly status: number
  readonly code: number
}

/** The wire envelope every error serialises to: `{ error: { message, code, slug, status, request_id, suggested_fix, errors } }`. */
export interface ErrorEnvelope {
  error: {
    message: string
    code: number
    slug: string
    status: number
    request_id: string | null
    suggested_fix: string
    errors: string[]
  }
}

/** Options for {@link RevokitError}. */
export interface RevokitErrorOptions {
  message: string
  suggestedFix: string
  /** Human-readable details, one per line item; never a secret. */
  errors?: readonly string[]
  /** Per-subject outcomes, for revoke errors that got as far as dispatching. */
  subjects?: SubjectOutcomes
  requestId?: string
  /** How long to wait before retrying, in ms (a provider's Retry-After); the server sends `retry-after`. */
  retryAfterMs?: number
  cause?: unknown
}

// Symbol.for, so an error thrown by one installed copy of @revokit/core is recognised by
// `instanceof` in another (two adapters resolving different core versions, say).
const BRAND = Symbol.for('@revokit/core.RevokitError')

/**
 * The one error type revokit throws for things a caller can act on. `status` is the HTTP
 * status the reference server answers with; `toJSON()` produces the wire envelope. Built from a
 * slug of {@link ERROR_CATALOG}, or from an {@link ErrorKind} a layer above core defines. Messages,
 * fixes and details are passed through the pattern redactor, so a provider that echoes a token
 * back cannot leak it through an error.
 *
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/Errors.md (the cross-install brand)
 */
export class RevokitError extends Error {
  override readonly name = 'RevokitError'
  /** A slug of {@link ERROR_CATALOG}, or of the {@link ErrorKind} the error was built from. */
  readonly slug: ErrorSlug | (string & {})
  readonly status: number
  readonly code: number
  readonly suggestedFix: string
  readonly errors: readonly string[]
  readonly subjects: SubjectOutcomes | undefined
  /** How long to wait before retrying, in ms, when the cause said so (a provider's Retry-After). */
  readonly retryAfterMs: number | undefined
  requestId: string | undefined

  constructor(kind: ErrorSlug | ErrorKind, options: RevokitErrorOptions) {
    super(redact(options.message))
    const entry = typeof kind === 'string' ? { slug: kind, ...ERROR_CATALOG[kind] } : kind
    this.slug = entry.slug
    this.status = entry.status
    this.code = entry.code
    this.suggestedFix = redact(options.suggestedFix)
    this.errors = Object.freeze((options.errors ?? []).map((line) => redact(line)))
    this.subjects = options.subjects
    this.retryAfterMs = options.retryAfterMs
    this.requestId = options.requestId
    // Non-enumerable: a logger that serialises the error must not walk into a provider
    // response or a request object that may hold credentials.
    if (options.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true })
    }
    Object.defineProperty(this, BRAND, { value: true, enumerable: false })
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }

  /**
   * The wire envelope with this error's own request id. Arguments are ignored:
   * `JSON.stringify` passes the property key here, which must not become a request id.
   */
  toJSON(): ErrorEnvelope {
    return this.toEnvelope()
  }

  /** The wire envelope; `requestId` overrides the one the error carries. */
  toEnvelope(requestId?: string): ErrorEnvelope {
    return {
      error: {
        message: this.message,
        code: this.code,
        slug: this.slug,
        status: this.status,
        request_id: requestId ?? this.requestId ?? null,
        suggested_fix: this.suggestedFix,
        errors: [...this.errors],
      },
    }
  }
}

/** True for any {@link RevokitError}, from this copy of the package or another. */
export function isRevokitError(value: unknown): value is RevokitError {
  return value instanceof RevokitError
}

/**
 * Wraps an unexpected error (a store or adapter bug) as a 500 without exposing its message,
 * which might carry data we cannot vouch for. The original stays available as `cause`.
 */
export function toRevokitError(error: unknown): RevokitError {
  if (isRevokitError(error)) return error
  return new RevokitError('internal_error', {
    message: 'An unexpected error occurred inside revokit.',
    suggestedFix: 'Retry the request. If it keeps failing, check the server logs for this request id.',
    cause: error,
  })
}
