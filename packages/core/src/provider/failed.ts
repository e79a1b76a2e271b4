import { type FailedOutcome, failed } from '../adapter'
import { isRetryableStatus } from '../retry'
import type { HttpResponse } from '../transport'

/** How {@link failedFromResponse} words the outcome. */
export interface ResponseFailureOptions {
  /** The provider as people name it, e.g. `Google`; the default reason starts with it. */
  readonly provider: string
  /**
   * Text appended to the default reason after `HTTP 503`, e.g. ` invalid_request (Bad token)`.
   * Provider text in it is redacted by the engine, once, where the reason leaves it.
   */
  readonly detail?: string
  /** Replaces the default reason, `<provider> answered HTTP <status><detail>`. */
  readonly reason?: string
  /**
   * The fix when the status is retryable. @default '<provider> is unavailable or rate limiting; retry later.'
   */
  readonly retryFix?: string
  /** The fix when it is not (the request as sent will never succeed). */
  readonly suggestedFix?: string
  /**
   * Overrides the status rule, for an answer the provider documents otherwise (e.g. GitHub's 403
   * secondary rate limit is retryable). @default isRetryableStatus(res.status)
   */
  readonly retryable?: boolean
  /** Overrides `res.retryAfterMs`, e.g. with a provider's own rate-limit reset header. */
  readonly retryAfterMs?: number
}

/**
 * The failed outcome of a provider's non-success answer: retryable when the status is transient
 * ({@link isRetryableStatus}: 408, 429, 500, 502, 503, 504), with the transport's parsed
 * `Retry-After` as `retryAfterMs`, the status, and a reason naming the provider and the status.
 * Adapters call it for every answer their documentation does not map to another outcome, so the
 * retry rule lives in one place.
 *
 * @example
 * ```ts
 * if (res.status === 200) return revoked()
 * return failedFromResponse(res, { provider: 'Acme', suggestedFix: 'Check revocationEndpoint.' })
 * // 503 → failed({ retryable: true, status: 503, retryAfterMs, reason: 'Acme answered HTTP 503', … })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3 (`Retry-After`)
 */
export function failedFromResponse(
  res: Pick<HttpResponse, 'status' | 'retryAfterMs'>,
  options: ResponseFailureOptions,
): FailedOutcome {
  const retryable = options.retryable ?? isRetryableStatus(res.status)
  const retryAfterMs = retryable ? (options.retryAfterMs ?? res.retryAfterMs) : undefined
  const suggestedFix = retryable
    ? (options.retryFix ?? `${options.provider} is unavailable or rate limiting; retry later.`)
    : options.suggestedFix
  return failed({
    retryable,
    status: res.status,
    reason: options.reason ?? `${options.provider} answered HTTP ${res.status}${options.detail ?? ''}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(suggestedFix !== undefined ? { suggestedFix } : {}),
  })
}
