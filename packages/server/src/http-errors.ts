import { RevokitError } from '@revokit/core'
import type * as z from 'zod'

// The server's own errors. Every one carries a suggested fix a client developer can act on.

export function unauthorized(present: boolean): RevokitError {
  return new RevokitError('unauthorized', {
    message: present ? 'The API key is not valid.' : 'The x-api-key header is missing.',
    suggestedFix: present
      ? "Send one of your project's API keys, exactly as configured, in the x-api-key header."
      : "Send one of your project's API keys in the x-api-key header.",
  })
}

export function routeNotFound(method: string, path: string): RevokitError {
  return new RevokitError('route_not_found', {
    message: `No route matches ${method} ${path}.`,
    suggestedFix:
      'Check the path: the API lives under /api/v3/connected_accounts and /api/v3.1/connected_accounts/{nanoid}/revoke. GET /openapi.json lists every route.',
  })
}

export function methodNotAllowed(method: string, allow: readonly string[]): RevokitError {
  return new RevokitError('method_not_allowed', {
    message: `${method} is not allowed on this route.`,
    suggestedFix: `Use ${allow.join(', ')} (see the Allow header).`,
  })
}

export function unsupportedMediaType(): RevokitError {
  return new RevokitError('unsupported_media_type', {
    message: 'The request body must be JSON.',
    suggestedFix: 'Send the body with the header content-type: application/json (UTF-8).',
  })
}

export function payloadTooLarge(limit: number): RevokitError {
  return new RevokitError('payload_too_large', {
    message: `The request body is larger than ${limit} bytes.`,
    suggestedFix: `Send at most ${Math.floor(limit / 1024)} KiB; credentials are a few tokens, not files.`,
  })
}

export function invalidJson(detail: string): RevokitError {
  return new RevokitError('invalid_json', {
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

export function serviceUnavailable(reason: string): RevokitError {
  return new RevokitError('service_unavailable', {
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
  const errors = error.issues.flatMap((issue) => issueLines(issue, what)).slice(0, 20)
  const first = (errors[0] ?? 'malformed input').replace(`${what}: `, '')
  return new RevokitError('validation_failed', {
    message: `Invalid ${what}: ${first}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    suggestedFix: fix,
    errors,
  })
}

const clip = (text: string) => (text.length > 64 ? `${text.slice(0, 64)}…` : text)

function issueLines(issue: z.core.$ZodIssue, what: string): string[] {
  const path = issue.path.map((part) => clip(String(part))).join('.')
  const at = path || what
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${path ? `${path}.` : ''}${clip(key)}: unknown field`)
    case 'invalid_type':
      return [
        `${at}: ${(issue as { input?: unknown }).input === undefined ? 'required' : `expected ${issue.expected}`}`,
      ]
    case 'invalid_value':
      return [`${at}: must be one of ${issue.values.map(String).join(', ')}`]
    default:
      return [`${at}: ${issue.message}`]
  }
}
