import {
  accountIdError,
  formatIssues,
  RevokitError,
  type RevokitErrorOptions,
  redact,
  redactAndBound,
} from '@revokit/core'
import type * as z from 'zod'

// The server's own errors. Every one carries a suggested fix a client developer can act on.

/**
 * The errors only the HTTP layer raises, by slug: the status it answers with and a stable
 * numeric code from the same numbering as core's `ERROR_CATALOG` (codes never change meaning).
 * They serialise to the same envelope as every other error.
 */
export const HTTP_ERROR_CATALOG = {
  invalid_json: { status: 400, code: 1002 },
  unauthorized: { status: 401, code: 1100 },
  forbidden: { status: 403, code: 1101 },
  route_not_found: { status: 404, code: 1201 },
  method_not_allowed: { status: 405, code: 1202 },
  payload_too_large: { status: 413, code: 1400 },
  unsupported_media_type: { status: 415, code: 1401 },
  rate_limited: { status: 429, code: 1403 },
  service_unavailable: { status: 503, code: 1503 },
} as const

/** A slug of {@link HTTP_ERROR_CATALOG}. */
export type HttpErrorSlug = keyof typeof HTTP_ERROR_CATALOG

function httpError(slug: HttpErrorSlug, options: RevokitErrorOptions): RevokitError {
  return new RevokitError({ slug, ...HTTP_ERROR_CATALOG[slug] }, options)
}

export function unauthorized(present: boolean): RevokitError {
  return httpError('unauthorized', {
    message: present ? 'The API key is not valid.' : 'The x-api-key header is missing.',
    suggestedFix: present
      ? "Send one of your project's API keys, exactly as configured, in the x-api-key header."
      : "Send one of your project's API keys in the x-api-key header.",
  })
}

/** The API key is valid but lacks the permission the route needs (reading live tokens, say). */
export function forbidden(what: string, fix: string): RevokitError {
  return httpError('forbidden', { message: `This API key may not ${what}.`, suggestedFix: fix })
}

export function routeNotFound(method: string, path: string): RevokitError {
  return httpError('route_not_found', {
    message: `No route matches ${method} ${path}.`,
    suggestedFix:
      'Check the path: the API lives under /api/v3/connected_accounts and /api/v3.1/connected_accounts/{nanoid}/revoke. GET /openapi.json lists every route.',
  })
}

export function methodNotAllowed(method: string, allow: readonly string[]): RevokitError {
  return httpError('method_not_allowed', {
    message: `${method} is not allowed on this route.`,
    suggestedFix: `Use ${allow.join(', ')} (see the Allow header).`,
  })
}

export function unsupportedMediaType(): RevokitError {
  return httpError('unsupported_media_type', {
    message: 'The request body must be JSON.',
    suggestedFix: 'Send the body with the header content-type: application/json (UTF-8).',
  })
}

export function payloadTooLarge(limit: number): RevokitError {
  return httpError('payload_too_large', {
    message: `The request body is larger than ${limit} bytes.`,
    suggestedFix: `Send at most ${Math.floor(limit / 1024)} KiB; credentials are a few tokens, not files.`,
  })
}

export function invalidJson(detail: string): RevokitError {
  return httpError('invalid_json', {
    message: `The request body is not valid JSON: ${detail}.`,
    suggestedFix: 'Send a JSON object, e.g. {"enabled": false}; check quotes, commas and braces.',
  })
}

export function bodyRequired(example: string): RevokitError {
  return new RevokitError('validation_failed', {
    message: 'This route needs a JSON body.',
    suggestedFix: `Send a JSON object such as ${example}.`,
    errors: ['body: required'],
  })
}

/**
 * 429: this API key (or, for failed authentication, this client address) sent more than its
 * rate; `retry-after` says when a request will be accepted again.
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export function rateLimited(
  retryAfterMs: number,
  who: 'key' | 'address',
  limit: { requestsPerMinute: number; burst: number },
): RevokitError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
  return httpError('rate_limited', {
    message:
      who === 'key'
        ? `Too many requests with this API key: retry in ${seconds} s.`
        : `Too many requests with a missing or wrong API key from this address: retry in ${seconds} s.`,
    suggestedFix:
      who === 'key'
        ? `Wait for the retry-after header's seconds, then retry; keep under ${limit.requestsPerMinute} requests a minute (bursts of ${limit.burst}) per key, or raise rateLimit in the server config.`
        : "Send one of your project's API keys, exactly as configured, in the x-api-key header; wait for the retry-after header's seconds first.",
    retryAfterMs: seconds * 1000,
  })
}

export function serviceUnavailable(reason: string): RevokitError {
  return httpError('service_unavailable', {
    message: `Not ready: ${reason}.`,
    suggestedFix: 'Check that the store is reachable (the server logs say why), then retry.',
  })
}

/**
 * A 400 naming each bad field of `what`, with a fix that says what the input should look like.
 * No line quotes a received value (a token sent in the wrong field is not echoed back); unknown
 * field names are clipped.
 */
export function invalidInput(error: z.ZodError, what: string, fix: string): RevokitError {
  const errors = issueLines(error.issues, what).slice(0, 20)
  const first = (errors[0] ?? 'malformed input').replace(`${what}: `, '')
  return new RevokitError('validation_failed', {
    message: `Invalid ${what}: ${first}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    suggestedFix: fix,
    errors,
  })
}

// A field name may be a token sent in the wrong place: redacted whole, then cut.
const clip = (text: string) => redactAndBound(text, redact, 64)

function issueLines(issues: readonly z.core.$ZodIssue[], what: string): string[] {
  return formatIssues(issues, {
    root: what,
    noun: 'field',
    unknownKeys: 'each',
    // `required` for a missing value, `expected string` for a wrong one: the requests are parsed
    // with `reportInput`, so each issue knows which.
    required: 'required',
    formatPath: (path) => path.map((part) => clip(String(part))).join('.'),
  })
}

/** A 400 for an account id in the path that is not `ca_…`: core's one builder, naming the path. */
export function malformedId(): RevokitError {
  return accountIdError({ field: 'nanoid', where: ' in the path' })
}
