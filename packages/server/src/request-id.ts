import { nanoid } from '@revokit/core'

// A caller's id is reused only when it could not smuggle anything into a log line or a header:
// printable token characters, bounded length.
const SANE = /^[A-Za-z0-9._:@/+=-]{8,128}$/

/**
 * The request id of a request: the caller's `x-request-id` when it is 8 to 128 of
 * `A-Z a-z 0-9 . _ : @ / + = -`, else a new `req_<nanoid>`.
 */
export function requestIdOf(headers: Headers): string {
  const incoming = headers.get('x-request-id')
  if (incoming !== null && SANE.test(incoming)) return incoming
  return newRequestId()
}

/** A new `req_` + 16-character nanoid. */
export function newRequestId(): string {
  return `req_${nanoid(16)}`
}
