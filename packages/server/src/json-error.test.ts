// The JSON error locator agrees with JSON.parse on what is valid, and points where V8 does when
// V8 says where (V8 only sometimes does, and quotes the text around it: we never do).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonErrorLocation, jsonErrorOffset } from './json-error'

const parses = (text: string) => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe('jsonErrorOffset', () => {
  it('finds no error exactly when JSON.parse succeeds', () => {
    const mutated = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\\', '\n', '{', '[', '-', '0', 'e'),
      )
      .map(([json, at, insert]) => {
        const i = at % (json.length + 1)
        return json.slice(0, i) + insert + json.slice(i + (insert ? 0 : 1))
      })
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated, fc.string()), (text) => {
        expect(jsonErrorOffset(text) === -1).toBe(parses(text))
      }),
      { numRuns: 2000 },
    )
  })

  it('points where V8 points when V8 gives a position', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), (json, at) => {
        const i = at % (json.length + 1)
        const text = `${json.slice(0, i)}}${json.slice(i)}`
        try {
          JSON.parse(text)
        } catch (error) {
          const position = /position (\d+)/.exec((error as Error).message)
          if (position) expect(jsonErrorOffset(text)).toBe(Number(position[1]))
        }
      }),
      { numRuns: 500 },
    )
  })

  it('says line and column, never the text', () => {
    expect(jsonErrorLocation('{\n  "a": fake-secret-value\n}')).toBe(
      'unexpected character at line 2, column 10',
    )
    expect(jsonErrorLocation('{"a": 1')).toBe('unexpected end at line 1, column 8')
    expect(jsonErrorLocation('[1,]')).toBe('unexpected character at line 1, column 4')
  })
})
