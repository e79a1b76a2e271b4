import { describe, expect, it } from 'vitest'
import { failedFromResponse } from './failed'

describe('failedFromResponse', () => {
  it.each([408, 429, 500, 502, 503, 504])('HTTP %d is retryable and carries Retry-After', (status) => {
    expect(failedFromResponse({ status, retryAfterMs: 3000 }, { provider: 'Acme' })).toEqual({
      type: 'failed',
      retryable: true,
      status,
      retryAfterMs: 3000,
      reason: `Acme answered HTTP ${status}`,
      suggestedFix: 'Acme is unavailable or rate limiting; retry later.',
    })
  })

  it.each([400, 401, 403, 404, 501, 505])('HTTP %d is final, with the given fix and no wait', (status) => {
    expect(
      failedFromResponse(
        { status, retryAfterMs: 3000 },
        { provider: 'Acme', detail: ' invalid_request', suggestedFix: 'Check the token.', retryFix: 'later' },
      ),
    ).toEqual({
      type: 'failed',
      retryable: false,
      status,
      reason: `Acme answered HTTP ${status} invalid_request`,
      suggestedFix: 'Check the token.',
    })
  })

  it('leaves retryAfterMs out when the provider sent none', () => {
    expect(
      failedFromResponse({ status: 503, retryAfterMs: undefined }, { provider: 'Acme' }),
    ).not.toHaveProperty('retryAfterMs')
  })

  it('takes a provider rule over the status rule, with its own wait and words', () => {
    expect(
      failedFromResponse(
        { status: 403, retryAfterMs: undefined },
        {
          provider: 'GitHub',
          retryable: true,
          retryAfterMs: 60_000,
          reason: 'GitHub rate limited the request (HTTP 403)',
          retryFix: 'Retry after the wait GitHub asked for.',
        },
      ),
    ).toEqual({
      type: 'failed',
      retryable: true,
      status: 403,
      retryAfterMs: 60_000,
      reason: 'GitHub rate limited the request (HTTP 403)',
      suggestedFix: 'Retry after the wait GitHub asked for.',
    })
  })
})
