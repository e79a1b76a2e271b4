import { describe, expect, it } from 'vitest'
import { redact } from './redact'

describe('redact: auth schemes', () => {
  it('keeps the scheme and hides the credential, once, alone or in a header line', () => {
    expect(redact('Bearer abcdef123456')).toBe('Bearer [REDACTED]')
    expect(redact('Authorization: Bearer abcdef123456 rejected')).toBe(
      'Authorization: Bearer [REDACTED] rejected',
    )
    expect(redact('authorization: Basic Zm9vOmJhcg==')).toBe('authorization: Basic [REDACTED]')
  })
})
