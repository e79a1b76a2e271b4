import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { formatIssues } from './issues'
import { toolkitSlugMessage, toolkitSlugSchema } from './slug'

const lines = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value)
  return result.success ? [] : formatIssues(result.error.issues, { root: 'options', messages: 'schema' })
}

describe('toolkitSlugSchema', () => {
  it.each(['google', 'gmail', 'acme-id', 'acme_2', '0auth'])('accepts %j', (slug) => {
    expect(toolkitSlugSchema().parse(slug)).toBe(slug)
  })

  it.each(['Google', 'acme id', '-acme', '', 'a'.repeat(65), 'acme!'])(
    'refuses %j without quoting it',
    (slug) => {
      const problems = lines(z.object({ toolkit: toolkitSlugSchema({ examples: 'acme' }) }), {
        toolkit: slug,
      })
      expect(problems).toEqual(['toolkit: must be a lowercase slug such as "acme" (a-z, 0-9, - and _)'])
    },
  )

  it('says a missing slug is required, and a wrong type what it should be', () => {
    const schema = z.object({ toolkit: toolkitSlugSchema({ examples: 'acme' }) })
    expect(lines(schema, {})).toEqual(['toolkit: is required: a toolkit slug such as "acme"'])
    expect(lines(schema, { toolkit: 7 })).toEqual(['toolkit: must be a toolkit slug such as "acme"'])
  })

  it('words the standard message with the examples and noun given', () => {
    expect(toolkitSlugMessage()).toBe(
      'must be a lowercase slug such as "google" or "gmail" (a-z, 0-9, - and _)',
    )
    expect(toolkitSlugMessage({ noun: 'toolkit slug' })).toBe(
      'must be a lowercase toolkit slug such as "google" or "gmail" (a-z, 0-9, - and _)',
    )
    expect(toolkitSlugMessage({ examples: ['slack'] })).toBe(
      'must be a lowercase slug such as "slack" (a-z, 0-9, - and _)',
    )
  })
})
