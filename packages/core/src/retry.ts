/**
 * HTTP statuses worth retrying: the server or a proxy says "not now", not "no". The one rule the
 * transport (its retry level) and every adapter (its outcome's `retryable`) share:
 *
 * - 408 Request Timeout: the server gave up waiting for the request; sending it again is the fix.
 * - 429 Too Many Requests: rate limited, usually with `Retry-After`.
 * - 500 Internal Server Error, 502 Bad Gateway, 503 Service Unavailable, 504 Gateway Timeout:
 *   the server or a gateway failed on this attempt.
 *
 * Not 501 Not Implemented (the server does not support the method: permanent until someone
 * changes the server or the adapter's request), nor 505 HTTP Version Not Supported (the same
 * request fails the same way), nor any other 5xx whose meaning is not "try later".
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

/**
 * True when an HTTP status means "not now" rather than "no": see {@link RETRYABLE_STATUSES}.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6
 */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status)
}

/** Backoff shape: `baseMs · 2^(attempt-1)`, capped at `maxMs`, with equal jitter. */
export interface BackoffOptions {
  /** @default 250 */
  baseMs?: number
  /** @default 5000 */
  maxMs?: number
  /** Source of randomness in [0, 1); tests pass a fixed one. @default Math.random */
  random?: () => number
}

/**
 * The delay before retry number `attempt` (1 = the first retry). Equal jitter keeps at least
 * half the exponential delay, so many clients backing off from one outage spread out without
 * any of them hammering immediately.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 250, maxMs = 5000, random = Math.random } = options
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exp / 2 + (exp / 2) * random())
}

/**
 * Parses a `Retry-After` value (delay-seconds or an HTTP-date) into milliseconds from `now`.
 * Returns `undefined` when absent or unparsable; a date in the past gives 0.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(
  value: string | string[] | undefined | null,
  now = Date.now(),
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw == null) return undefined
  const text = raw.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  if (!/[a-z]/i.test(text)) return undefined
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}
