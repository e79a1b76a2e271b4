import { describe, expect, it } from 'vitest'
import { backoffDelay, isRetryableStatus, parseRetryAfter, RETRYABLE_STATUSES } from './retry'

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z')
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 7 ', 7_000],
    ['Sun, 22 Nov 2026 10:00:30 GMT', 30_000],
    ['Sun, 22 Nov 2026 09:59:00 GMT', 0],
  ])('%s → %d ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms)
  })
  it.each([[undefined], [null], ['-5'], ['soon'], ['1.5'], ['']])('%s → undefined', (value) => {
    expect(parseRetryAfter(value as string, now)).toBeUndefined()
  })
  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], now)).toBe(3_000)
  })
})

describe('backoffDelay', () => {
  it('doubles per attempt, keeps at least half (equal jitter) and respects the cap', () => {
    const low = () => 0
    const high = () => 0.999999
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1000, random: low }))).toEqual([
      50, 100, 200, 400,
    ])
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1000, random: high }))).toEqual([
      100, 200, 400, 800,
    ])
    expect(backoffDelay(10, { baseMs: 100, maxMs: 1000, random: high })).toBe(1000)
  })
})

describe('isRetryableStatus', () => {
  it.each([408, 429, 500, 502, 503, 504])('%d is transient: retry', (status) => {
    expect(isRetryableStatus(status)).toBe(true)
  })
  it.each([200, 204, 400, 401, 403, 404, 409, 422, 501, 505, 511])(
    '%d is an answer: do not retry',
    (status) => {
      expect(isRetryableStatus(status)).toBe(false)
    },
  )
  it('is the same rule as RETRYABLE_STATUSES, which the transport retries on', () => {
    for (let status = 100; status < 600; status++)
      expect(isRetryableStatus(status)).toBe(RETRYABLE_STATUSES.has(status))
  })
})
