import type { SubjectOutcomes } from './model'
import { redact } from './redact'

/**
 * Every error revokit reports, by slug: its HTTP status and a stable numeric code. Codes never
 * change meaning once published; match on `slug` or `code`, not on `message`.
 */
export const ERROR_CATALOG = {
  validation_failed: { status: 400, code: 1000 },
  invalid_connected_account_id: { status: 400, code: 1001 },
  invalid_json: { status: 400, code: 1002 },
  revoke_not_supported: { status: 400, code: 1003 },
  credentials_required: { status: 400, code: 1004 },
  invalid_cursor: { status: 400, code: 1005 },
  invalid_config: { status: 400, code: 1006 },
  unauthorized: { status: 401, code: 1100 },
  connected_account_not_found: { status: 404, code: 1200 },
  route_not_found: { status: 404, code: 1201 },
  method_not_allowed: { status: 405, code: 1202 },
  connected_account_not_revokable: { status: 409, code: 1300 },
  invalid_status_transition: { status: 409, code: 1301 },
  connected_account_exists: { status: 409, code: 1302 },
  concurrent_modification: { status: 409, code: 1303 },
  revoke_incomplete: { status: 409, code: 1304 },
  payload_too_large: { status: 413, code: 1400 },
  unsupported_media_type: { status: 415, code: 1401 },
  internal_error: { status: 500, code: 1500 },
  revoke_failed: { status: 500, code: 1501 },
  store_error: { status: 500, code: 1502 },
  service_unavailable: { status: 503, code: 1503 },
} as const

/** A slug of {@link ERROR_CATALOG}. */
export type ErrorSlug = keyof typeof ERROR_CATALOG

/** The wire envelope every error serialises to (SPEC §5). */
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
  cause?: unknown
}

// Symbol.for, so an error thrown by one installed copy of @revokit/core is recognised by
// `instanceof` in another (two adapters resolving different core versions, say).
const BRAND = Symbol.for('@revokit/core.RevokitError')

/**
 * The one error type revokit throws for things a caller can act on. `status` is the HTTP
 * status the reference server answers with; `toJSON()` produces the wire envelope. Messages,
 * fixes and details are passed through the pattern redactor, so a provider that echoes a token
 * back cannot leak it through an error.
 *
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/Errors.md (the cross-install brand)
 */
export class RevokitError extends Error {
  override readonly name = 'RevokitError'
  readonly slug: ErrorSlug
  readonly status: number
  readonly code: number
  readonly suggestedFix: string
  readonly errors: readonly string[]
  readonly subjects: SubjectOutcomes | undefined
  requestId: string | undefined

  constructor(slug: ErrorSlug, options: RevokitErrorOptions) {
    super(redact(options.message))
    const entry = ERROR_CATALOG[slug]
    this.slug = slug
    this.status = entry.status
    this.code = entry.code
    this.suggestedFix = redact(options.suggestedFix)
    this.errors = Object.freeze((options.errors ?? []).map((line) => redact(line)))
    this.subjects = options.subjects
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
   * The SPEC §5 wire envelope with this error's own request id. Arguments are ignored:
   * `JSON.stringify` passes the property key here, which must not become a request id.
   */
  toJSON(): ErrorEnvelope {
    return this.toEnvelope()
  }

  /** The SPEC §5 wire envelope; `requestId` overrides the one the error carries. */
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
