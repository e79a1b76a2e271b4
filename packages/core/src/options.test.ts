import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { parseAdapterOptions, TOOLKIT_SLUG } from './options'

describe('parseAdapterOptions', () => {
  const schema = z.strictObject({
    toolkit: z.string().regex(TOOLKIT_SLUG, 'must be a slug'),
    clientSecret: z.string().min(8),
  })
  const about = { adapter: 'acme', usage: 'acme({ toolkit, clientSecret })' }

  it('returns the parsed options', () => {
    expect(parseAdapterOptions(schema, { toolkit: 'acme', clientSecret: 'fake-secret-123' }, about)).toEqual({
      toolkit: 'acme',
      clientSecret: 'fake-secret-123',
    })
  })

  it('throws a 400 invalid_config naming every bad option, unknown ones included, never the value', () => {
    let error: unknown
    try {
      parseAdapterOptions(
        schema,
        { toolkit: 'Bad Slug', clientSecret: 'short', client_secret: 'fake-misplaced-1' },
        about,
      )
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ status: 400, slug: 'invalid_config' })
    const e = error as { errors: string[]; suggestedFix: string; message: string }
    expect(e.errors).toEqual([
      'toolkit: must be a slug',
      'clientSecret: Too small: expected string to have >=8 characters',
      'options: unknown option client_secret',
    ])
    expect(e.suggestedFix).toBe('Pass acme({ toolkit, clientSecret }).')
    expect(JSON.stringify(error)).not.toContain('fake-misplaced-1')
    expect(e.message).toMatch(/^acme\(\): invalid options: /)
  })
})
