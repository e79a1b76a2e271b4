import { describe, expect, it } from 'vitest'
import { parseOAuthError } from './oauth-error'

describe('parseOAuthError', () => {
  it('reads the RFC 6749 §5.2 fields', () => {
    expect(
      parseOAuthError({
        error: 'invalid_token',
        error_description: 'Token expired or revoked',
        error_uri: 'https://as.example.test/errors#invalid_token',
      }),
    ).toEqual({
      error: 'invalid_token',
      description: 'Token expired or revoked',
      uri: 'https://as.example.test/errors#invalid_token',
    })
    expect(parseOAuthError({ error: 'invalid_client' })).toEqual({ error: 'invalid_client' })
  })

  it('returns the description whole, however long: only the code that redacts may shorten it', () => {
    const description = `the token fake-${'x'.repeat(5000)} is not known`
    expect(parseOAuthError({ error: 'invalid_request', error_description: description })?.description).toBe(
      description,
    )
  })

  it.each([
    ['an HTML page (not JSON)', undefined],
    ['a string', 'invalid_token'],
    ['null', null],
    ['an array', [{ error: 'invalid_token' }]],
    ['an object without error', { message: 'Not Found' }],
    ['a non-string error', { error: 400 }],
    ['an empty error', { error: '' }],
    ['an error longer than 64 characters', { error: 'e'.repeat(65) }],
    ['an error with a quote', { error: 'bad"code' }],
    ['an error with a newline', { error: 'bad\ncode' }],
  ])('is undefined for %s', (_what, body) => {
    expect(parseOAuthError(body)).toBeUndefined()
  })

  it('drops, never alters, a description or uri outside the RFC character set; the code still counts', () => {
    expect(
      parseOAuthError({ error: 'invalid_token', error_description: 'line\nbreak', error_uri: 'not a uri' }),
    ).toEqual({ error: 'invalid_token' })
    expect(parseOAuthError({ error: 'invalid_token', error_description: 'caf\u00e9' })).toEqual({
      error: 'invalid_token',
    })
    expect(parseOAuthError({ error: 'invalid_token', error_description: 42 })).toEqual({
      error: 'invalid_token',
    })
  })
})
