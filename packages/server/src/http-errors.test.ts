// The server's own errors: the HTTP-only catalogue keeps the wire exactly as it was (same slugs,
// statuses and codes) and shares one numbering with core's, and a bad request body is reported
// field by field without echoing a value.
import { ERROR_CATALOG } from '@revokit/core'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { HTTP_ERROR_CATALOG, invalidInput, routeNotFound } from './http-errors'

describe('the HTTP error catalogue', () => {
  it('pins each slug’s status and code, and shares no slug or code with core’s catalogue', () => {
    expect(HTTP_ERROR_CATALOG).toEqual({
      invalid_json: { status: 400, code: 1002 },
      unauthorized: { status: 401, code: 1100 },
      forbidden: { status: 403, code: 1101 },
      route_not_found: { status: 404, code: 1201 },
      method_not_allowed: { status: 405, code: 1202 },
      payload_too_large: { status: 413, code: 1400 },
      unsupported_media_type: { status: 415, code: 1401 },
      rate_limited: { status: 429, code: 1403 },
      service_unavailable: { status: 503, code: 1503 },
    })
    const all = [...Object.entries(ERROR_CATALOG), ...Object.entries(HTTP_ERROR_CATALOG)]
    expect(new Set(all.map(([slug]) => slug)).size).toBe(all.length)
    expect(new Set(all.map(([, entry]) => entry.code)).size).toBe(all.length)
  })

  it('builds RevokitErrors with the usual envelope', () => {
    expect(routeNotFound('GET', '/nope').toEnvelope('req_1').error).toMatchObject({
      slug: 'route_not_found',
      status: 404,
      code: 1201,
      request_id: 'req_1',
    })
  })
})

describe('invalidInput', () => {
  it('names each field: missing, wrong type, not one of the values, unknown — never the value', () => {
    const schema = z.strictObject({ user_id: z.string(), enabled: z.boolean(), status: z.enum(['ACTIVE']) })
    const parsed = schema.safeParse(
      { enabled: 'fake-token-in-wrong-field', status: 'NOPE', extra: 1 },
      { reportInput: true },
    )
    if (parsed.success) throw new Error('expected issues')
    const error = invalidInput(parsed.error, 'request body', 'Send the fields.')
    expect(error.errors).toEqual([
      'user_id: required',
      'enabled: expected boolean',
      'status: must be one of ACTIVE',
      'extra: unknown field',
    ])
    expect(error.message).toBe('Invalid request body: user_id: required (and 3 more)')
    expect(JSON.stringify(error.toEnvelope())).not.toContain('fake-token')
  })
})
