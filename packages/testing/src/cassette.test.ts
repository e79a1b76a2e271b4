import { describe, expect, it } from 'vitest'
import { CassetteError, fillPlaceholders, parseCassette, placeholders, readCassette } from './cassette'

const interaction = {
  scope: 'https://auth.example.test',
  method: 'POST',
  path: '/revoke',
  body: 'token={{token}}',
  status: 200,
}
const written = {
  recorded: false,
  provider: 'example',
  source: 'https://docs.example.test/revoke',
  writtenAt: '2026-11-22T00:00:00Z',
}

describe('cassette loader', () => {
  it('accepts a written cassette that names its documentation source', () => {
    const cassette = parseCassette({ meta: written, interactions: [interaction] })
    expect(cassette.meta.recorded).toBe(false)
    expect(placeholders(cassette)).toEqual(['token'])
  })

  it('rejects recorded: true without recordedAt', () => {
    expect(() =>
      parseCassette(
        { meta: { ...written, recorded: true, writtenAt: undefined }, interactions: [interaction] },
        'x.json',
      ),
    ).toThrow(/x\.json is not a valid revokit cassette[\s\S]*meta\.recordedAt/)
  })

  it('rejects a cassette that does not say where it came from, or claims both', () => {
    expect(() =>
      parseCassette({ meta: { ...written, source: undefined }, interactions: [interaction] }),
    ).toThrow(/meta\.source/)
    expect(() =>
      parseCassette({
        meta: { ...written, recordedAt: '2026-11-22T00:00:00Z' },
        interactions: [interaction],
      }),
    ).toThrow(CassetteError)
    expect(() =>
      parseCassette({ meta: { ...written, recorded: undefined }, interactions: [interaction] }),
    ).toThrow(/meta\.recorded/)
  })

  it('rejects interactions nock could not define, naming the field', () => {
    expect(() =>
      parseCassette({ meta: written, interactions: [{ ...interaction, path: 'revoke' }] }),
    ).toThrow(/interactions\.0\.path/)
    expect(() => parseCassette({ meta: written, interactions: [{ ...interaction, status: 'ok' }] })).toThrow(
      /interactions\.0\.status/,
    )
    expect(() => parseCassette({ meta: written, interactions: [{ ...interaction, delay: 5 }] })).toThrow(
      /interactions\.0/,
    )
    expect(() => parseCassette({ meta: written, interactions: [] })).toThrow(/interactions/)
  })

  it('fills placeholders encoded for where they sit, and names a missing one', () => {
    const cassette = parseCassette({
      meta: written,
      interactions: [
        {
          ...interaction,
          path: '/revoke?token={{token}}',
          body: 'token={{token}}',
          response: '{"echo":"{{token}}"}',
        },
        {
          ...interaction,
          body: { access_token: '{{token}}' },
          reqheaders: { authorization: 'Bearer {{token}}' },
        },
      ],
    })
    const [form, json] = fillPlaceholders(cassette, { token: 'a b/"c' })
    expect(form?.path).toBe('/revoke?token=a%20b%2F%22c')
    expect(form?.body).toBe('token=a+b%2F%22c')
    expect(form?.response).toBe('{"echo":"a b/\\"c"}')
    expect(json?.body).toEqual({ access_token: 'a b/"c' })
    expect(json?.reqheaders).toEqual({ authorization: 'Bearer a b/"c' })
    expect(() => fillPlaceholders(cassette, {}, 'y.json')).toThrow(
      /y\.json uses \{\{token\}\} but the run gives no value/,
    )
  })

  it('reads a file and reports a missing or non-JSON one by path', () => {
    expect(() => readCassette('/nonexistent/revoked.cassette.json')).toThrow(/cannot read cassette/)
    expect(
      readCassette(new URL('../test/fixtures/cassettes/revoked.cassette.json', import.meta.url)).meta
        .provider,
    ).toBe('sample')
  })
})
