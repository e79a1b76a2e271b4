import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { dottedPath, type FormatIssuesOptions, formatIssues } from './issues'

const SECRET = 'fake-secret-value-9f8e7d'

const schema = z.strictObject({
  clientId: z.string({ error: 'is required: the client id' }).min(1, 'must not be empty'),
  mode: z.enum(['token', 'grant']).optional(),
  count: z.number().optional(),
  nested: z.strictObject({ url: z.string() }).optional(),
  byName: z.record(z.string().regex(/^[a-z]+$/, 'must be lowercase letters'), z.number()).optional(),
})

function format(value: unknown, options?: FormatIssuesOptions): string[] {
  const result = schema.safeParse(value)
  if (result.success) throw new Error('expected issues')
  return formatIssues(result.error.issues, options)
}

describe('formatIssues', () => {
  it('adapter options: the schema words each line, unknown options grouped', () => {
    expect(
      format(
        { clientId: '', client_secret: SECRET, clientsecret: SECRET },
        { root: 'options', noun: 'option', messages: 'schema' },
      ),
    ).toEqual(['clientId: must not be empty', 'options: unknown options client_secret, clientsecret'])
    expect(
      format({ client_secret: SECRET }, { root: 'options', noun: 'option', messages: 'schema' }),
    ).toEqual(['clientId: is required: the client id', 'options: unknown option client_secret'])
  })

  it('engine input: plain words for types and values, unknown fields grouped', () => {
    expect(format({ clientId: 5, mode: SECRET, count: SECRET, color: 'red' }, { root: 'account' })).toEqual([
      'clientId: expected string',
      'mode: must be one of token, grant',
      'count: expected number',
      'account: unknown field color',
    ])
  })

  it('tells a missing value from a wrong one when given the value, or zod reported the input', () => {
    const options = { root: 'body', required: 'required', value: { count: SECRET } }
    expect(format({ count: SECRET }, options)).toEqual(['clientId: required', 'count: expected number'])
    const reported = schema.safeParse({ count: SECRET }, { reportInput: true })
    expect(formatIssues(reported.error?.issues ?? [], { root: 'body', required: 'required' })).toEqual([
      'clientId: required',
      'count: expected number',
    ])
    // Without either, a missing value still gets a safe line.
    expect(format({ clientId: undefined }, { required: 'required' })).toEqual(['clientId: expected string'])
  })

  it('one line per unknown key with its path and a hint, written by a custom path format', () => {
    const bracketed = (path: ReadonlyArray<PropertyKey>) =>
      path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p))).join('')
    expect(
      format(
        { clientId: 'c', nested: { url: 'u', extra: 1, more: 2 } },
        {
          root: 'config',
          unknownKeys: 'each',
          unknownHint: (path) => ` — remove it (allowed: ${path.length ? 'url' : 'clientId'})`,
          formatPath: bracketed,
          messages: 'schema',
        },
      ),
    ).toEqual([
      'nested.extra: unknown field — remove it (allowed: url)',
      'nested.more: unknown field — remove it (allowed: url)',
    ])
    expect(format({ clientId: 'c', extra: 1 }, { unknownKeys: 'each' })).toEqual(['extra: unknown field'])
  })

  it('an invalid record key says what is wrong with the key', () => {
    expect(format({ clientId: 'c', byName: { Bad: 1 } })).toEqual(['byName.Bad: must be lowercase letters'])
  })

  it('labels issues about the whole value with the root', () => {
    const result = z
      .object({})
      .refine(() => false, 'exactly one of a and b')
      .safeParse({})
    expect(formatIssues(result.error?.issues ?? [], { root: 'options' })).toEqual([
      'options: exactly one of a and b',
    ])
    expect(formatIssues(result.error?.issues ?? [])).toEqual(['input: exactly one of a and b'])
  })

  it.each([
    ['schema', { messages: 'schema' }],
    ['plain', {}],
    ['each', { unknownKeys: 'each' }],
  ] as const)('never quotes a value given in the wrong place (%s)', (_mode, options) => {
    const text = format(
      { clientId: 42, mode: SECRET, count: SECRET, nested: { url: SECRET, token: SECRET }, secret: SECRET },
      options,
    ).join('\n')
    expect(text).not.toContain(SECRET)
    expect(text).toContain('secret')
  })

  it('dottedPath joins parts with dots', () => {
    expect(dottedPath(['toolkits', 0, 'adapter'])).toBe('toolkits.0.adapter')
    expect(dottedPath([])).toBe('')
  })
})
