import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { canary } from './canary'
import { findLeaks, type RawInteraction, scrubInteraction } from './scrub'

function raw(overrides: Partial<RawInteraction>): RawInteraction {
  return {
    origin: 'https://api.example.test',
    method: 'POST',
    path: '/revoke',
    requestHeaders: {},
    requestBody: undefined,
    status: 200,
    responseHeaders: {},
    responseBody: new Uint8Array(),
    ...overrides,
  }
}

describe('scrubInteraction', () => {
  const token = canary('tok')
  const secret = canary('sec')

  it('turns known values into placeholders in path, form body and headers, in any encoding', () => {
    const out = scrubInteraction(
      raw({
        path: `/revoke?token=${encodeURIComponent(token)}&hint=x`,
        requestBody: `token=${token}&client_id=my-client&client_secret=${secret}`,
        requestHeaders: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/x-www-form-urlencoded',
          host: 'x',
        },
      }),
      { secrets: { token, client_secret: secret }, vars: { client_id: 'my-client' } },
    )
    expect(out.path).toBe('/revoke?token={{token}}&hint=x')
    expect(out.body).toBe('token={{token}}&client_id={{client_id}}&client_secret={{client_secret}}')
    expect(out.reqheaders).toEqual({
      authorization: 'Bearer {{token}}',
      'content-type': 'application/x-www-form-urlencoded',
    })
  })

  it('hides secret-named fields it was not told about: {{redacted}} in requests, [REDACTED] in responses', () => {
    const unknown = canary('unknown')
    const out = scrubInteraction(
      raw({
        path: `/r?access_token=${unknown}`,
        requestBody: JSON.stringify({
          access_token: unknown,
          nested: { client_secret: unknown },
          keep: 'me',
        }),
        requestHeaders: {
          authorization: `Basic ${Buffer.from(`id:${unknown}`).toString('base64')}`,
          cookie: `a=${unknown}`,
        },
        responseHeaders: { 'set-cookie': [`s=${unknown}`], 'content-type': 'application/json' },
        responseBody: Buffer.from(JSON.stringify({ refresh_token: unknown, ok: true })),
      }),
    )
    expect(out.path).toBe('/r?access_token={{redacted}}')
    expect(out.body).toEqual({
      access_token: '{{redacted}}',
      nested: { client_secret: '{{redacted}}' },
      keep: 'me',
    })
    expect(out.reqheaders).toEqual({ authorization: 'Basic {{redacted}}', cookie: '{{redacted}}' })
    expect(out.rawHeaders).toEqual({ 'set-cookie': '[REDACTED]', 'content-type': 'application/json' })
    expect(out.response).toEqual({ refresh_token: '[REDACTED]', ok: true })
    expect(JSON.stringify(out)).not.toContain(unknown)
  })

  it('decompresses a gzip response before scrubbing and drops the encoding and length headers', () => {
    const out = scrubInteraction(
      raw({
        responseHeaders: {
          'content-encoding': 'gzip',
          'content-length': '99',
          'content-type': 'application/json',
        },
        responseBody: gzipSync(JSON.stringify({ error: 'invalid_token', echo: token })),
      }),
      { secrets: { token } },
    )
    expect(out.response).toEqual({ error: 'invalid_token', echo: '{{token}}' })
    expect(out.rawHeaders).toEqual({ 'content-type': 'application/json' })
  })

  it('runs free-text bodies through pattern redaction', () => {
    const out = scrubInteraction(
      raw({ responseBody: Buffer.from('Authorization: Bearer abcdef123456 rejected') }),
    )
    expect(out.response).toBe('Authorization: Bearer [REDACTED] rejected')
  })

  it('replaces exact values only where a whole value equals them, never in field names', () => {
    const out = scrubInteraction(
      raw({ requestBody: 'token=abcd1234&token_type_hint=refresh_token&refresh_token_note=refresh_token' }),
      { exact: { subject: 'refresh_token' }, secrets: { token: 'abcd1234' } },
    )
    expect(out.body).toBe('token={{token}}&token_type_hint={{subject}}&refresh_token_note={{subject}}')
  })
})

describe('findLeaks', () => {
  it('finds a secret as text, URL-encoded, inside base64, and real-looking tokens, without echoing them', () => {
    const secret = 'se cret/value'
    expect(findLeaks(`x ${secret} y`, { client_secret: secret })).toEqual([
      'the value of client_secret appears as text',
    ])
    expect(findLeaks(`x ${encodeURIComponent(secret)} y`, { client_secret: secret })).toHaveLength(1)
    expect(
      findLeaks(`Basic ${Buffer.from(`id:${secret}`).toString('base64')}`, { client_secret: secret }),
    ).toEqual(['the value of client_secret appears base64-encoded'])
    const shaped = findLeaks(`{"t":"ya29.${'a'.repeat(20)}"}`, {})
    expect(shaped).toHaveLength(1)
    expect(shaped[0]).not.toContain('aaaa')
    expect(findLeaks('{"token":"{{token}}"}', { token: secret })).toEqual([])
  })
})
