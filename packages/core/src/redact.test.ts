import { describe, expect, it } from 'vitest'
import { createRedactor, REDACTED, redact, redactAndBound, redactValue, SECRET_WINDOW } from './redact'
import { requestSecrets } from './request-secrets'

describe('redact: pattern rules', () => {
  it.each([
    ['Authorization: Bearer abc.def-ghi_123', 'Authorization: Bearer [REDACTED]'],
    ['authorization: token fake_github_token', 'authorization: token [REDACTED]'],
    ['Bearer abcdefghijklmnopqrstuvwxyz', 'Bearer [REDACTED]'],
    ['authorization: Basic Y2xpZW50OnNlY3JldA==', 'authorization: Basic [REDACTED]'],
    ['Authorization: token fakegithubtokenvalue', 'Authorization: token [REDACTED]'],
    ['sent bearer abc123 upstream', 'sent bearer [REDACTED] upstream'],
    ['token=abc123&token_type_hint=refresh_token', 'token=[REDACTED]&token_type_hint=refresh_token'],
    ['client_id=app&client_secret=s3cr3t%21', 'client_id=app&client_secret=[REDACTED]'],
    ['{"access_token":"abc","scope":"x"}', '{"access_token":"[REDACTED]","scope":"x"}'],
    ['{"refresh_token": "a\\"b"}', '{"refresh_token": "[REDACTED]"}'],
    ['x-api-key: rk_live_123456', 'x-api-key: [REDACTED]'],
    ['cookie: session=9f8e7d6c5b4a', 'cookie: [REDACTED]'],
    ['leaked ya29.a0AfH6SMBxxxxxxxxxxxx here', `leaked ${REDACTED} here`],
    ['gho_16C7e42F292c6912E7710c838347Ae178B4a and xoxb-1234-5678-abcdefgh', `${REDACTED} and ${REDACTED}`],
    ['jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_sig-1', `jwt ${REDACTED}`],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected)
  })

  it('leaves our own prose alone', () => {
    for (const text of [
      'refresh_token failed: HTTP 503 (3 attempts)',
      'access_token revoked: the provider revoked it',
      'refresh_token: failed',
      'token_type_hint=refresh_token',
      'Revoke is not supported for toolkit "zoom"',
      // Providers' own error descriptions, which reasons quote.
      'Token expired or revoked',
      'the token belongs to another client',
      'the token must be assumed live',
      'Basic authentication failed',
      'Revocation could not be completed: no token was revoked at the provider.',
      'the token expired; basic auth is not supported; digest of the request',
    ]) {
      expect(redact(text)).toBe(text)
    }
  })
})

describe('redact: known values', () => {
  it('hides exact values, their URL-encoded and form-encoded forms, longest first', () => {
    const secret = 'p@ss word/with:colons'
    const r = createRedactor([secret, 'p@ss', undefined, null, 'ab'])
    expect(r(`a ${secret} b`)).toBe(`a ${REDACTED} b`)
    expect(r(`a ${encodeURIComponent(secret)} b`)).toBe(`a ${REDACTED} b`)
    expect(r(`a ${encodeURIComponent(secret).replaceAll('%20', '+')} b`)).toBe(`a ${REDACTED} b`)
    expect(r('ab stays')).toBe('ab stays') // too short to replace blindly
  })

  it('hides any part of a known value 8 characters or longer: a prefix, the tail, a middle, a cut', () => {
    const secret = 'fake-s3cret+/=%&"\\é-value'
    const r = createRedactor([secret])
    expect(SECRET_WINDOW).toBe(8)
    for (const part of [secret.slice(0, 8), secret.slice(-8), secret.slice(5, 14), secret.slice(3)]) {
      expect(r(`provider said ${part}!`)).toBe(`provider said ${REDACTED}!`)
    }
    // Seven characters are not a window: ordinary text that shares them survives.
    expect(r(`said ${secret.slice(0, 7)}`)).toBe(`said ${secret.slice(0, 7)}`)
    // Encoded parts too: URL-, form-encoded, JSON-escaped (also ASCII-only with \/).
    const part = secret.slice(6, 20)
    for (const encoded of [
      encodeURIComponent(part),
      new URLSearchParams([['v', part]]).toString().slice(2),
      JSON.stringify(part).slice(1, -1),
      JSON.stringify(part).slice(1, -1).replaceAll('/', '\\/').replace('é', '\\u00e9'),
    ]) {
      expect(r(`x ${encoded} y`), encoded).toBe(`x ${REDACTED} y`)
    }
  })

  it("hides a part form-encoded as URLSearchParams writes it, which escapes ~ ! ' ( ) unlike encodeURIComponent", () => {
    // Found by the engine's property test: a client secret with "~" echoed in a form body.
    const secret = "fake-~cl!ent('secret')~value"
    const r = createRedactor([secret])
    for (const part of [secret.slice(0, 8), secret.slice(4, 16), secret]) {
      const form = new URLSearchParams([['v', part]]).toString().slice(2)
      expect(form).toMatch(/%7E|%21|%27|%28|%29/)
      expect(r(`error_description=${form}`), form).toBe(`error_description=${REDACTED}`)
    }
  })

  it('hides two overlapping or touching parts as one, and leaves the text between parts alone', () => {
    const r = createRedactor(['fake-aaaa-bbbb-cccc-dddd'])
    expect(r('fake-aaaa-bbbb fake-aaaa-bbbb-cccc-dddd x')).toBe(`${REDACTED} ${REDACTED} x`)
    expect(r('cccc-ddddfake-aaaa-b')).toBe(REDACTED)
  })

  it("a request's Authorization header is known by its credential, so prose naming the scheme survives", () => {
    const r = createRedactor(requestSecrets({ headers: { authorization: 'Bearer tfake-credential-1' } }))
    expect(r('Bearer token expired; got tfake-credential')).toBe(`Bearer token expired; got ${REDACTED}`)
  })

  it('with() adds values without forgetting the old ones', () => {
    const r = createRedactor(['first-secret']).with(['second-secret'])
    expect(r('first-secret second-secret')).toBe(`${REDACTED} ${REDACTED}`)
    // Parts of values of both, touching: one run, hidden once.
    expect(r('x rst-secretsecond-sec y')).toBe(`x ${REDACTED} y`)
  })
})

describe('redactValue', () => {
  it('replaces secret-named fields at any depth and redacts strings and errors', () => {
    const r = createRedactor(['fake-known-value'])
    const out = redactValue(
      {
        headers: { Authorization: 'Bearer x', 'content-type': 'text/plain' },
        nested: [{ client_secret: 's', note: 'contains fake-known-value' }],
        error: Object.assign(new Error('failed with fake-known-value'), { code: 'ECONNRESET' }),
        count: 3,
      },
      r,
    )
    expect(out).toEqual({
      headers: { Authorization: REDACTED, 'content-type': 'text/plain' },
      nested: [{ client_secret: REDACTED, note: `contains ${REDACTED}` }],
      error: { name: 'Error', message: `failed with ${REDACTED}`, code: 'ECONNRESET' },
      count: 3,
    })
  })

  it('survives cycles by bounding depth', () => {
    const a: Record<string, unknown> = {}
    a.self = a
    expect(() => JSON.stringify(redactValue(a))).not.toThrow()
  })
})

describe('redactAndBound', () => {
  it('redacts first, then cuts: a secret across the cut never shows half of itself', () => {
    const secret = 'fake-secret-across-the-cut'
    const r = createRedactor([secret])
    const text = `${'x'.repeat(20)}${secret}`
    expect(redactAndBound(text, r, 30)).toBe(`${'x'.repeat(20)}${REDACTED}`)
    expect(redactAndBound(text, r, 25)).toBe(`${'x'.repeat(20)}[REDA…`)
    expect(redactAndBound('short', r, 25)).toBe('short')
    // Never half of a surrogate pair at the end.
    expect(redactAndBound('ab😀cd', r, 3)).toBe('ab…')
  })
})
