/**
 * Where a JSON text stops being valid, as "line L, column C". JSON.parse's own message quotes the
 * text around the error, which may be someone's token or client secret, and only sometimes gives
 * a position; this scanner finds the position without echoing anything.
 */
export function jsonErrorLocation(text: string): string {
  const offset = jsonErrorOffset(text)
  if (offset === undefined) return 'it could not be parsed'
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  const what = offset >= text.length ? 'unexpected end' : 'unexpected character'
  return `${what} at line ${line}, column ${column}`
}

const HEX4 = /^[0-9a-fA-F]{4}/
const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9'

/** The offset of the first syntax error in `text` (RFC 8259), -1 if none, undefined if unknown. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0
  const fail = (): never => {
    throw i
  }
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++
  }
  const string = () => {
    i++
    while (i < text.length) {
      const ch = text[i] as string
      if (ch === '"') {
        i++
        return
      }
      if (ch === '\\') {
        const next = text[i + 1] ?? ''
        if (next !== '' && '"\\/bfnrt'.includes(next)) i += 2
        else if (next === 'u' && HEX4.test(text.slice(i + 2, i + 6))) i += 6
        else {
          // Point at the bad escape character (or the first bad hex digit), as V8 does.
          i++
          if (next === 'u') {
            i++
            while (i < text.length && /[0-9a-fA-F]/.test(text[i] as string)) i++
          }
          fail()
        }
      } else if (ch < ' ') fail()
      else i++
    }
    fail()
  }
  const digits = () => {
    if (!isDigit(text[i])) fail()
    while (isDigit(text[i])) i++
  }
  const number = () => {
    if (text[i] === '-') i++
    if (text[i] === '0') i++
    else digits()
    if (text[i] === '.') {
      i++
      digits()
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++
      if (text[i] === '+' || text[i] === '-') i++
      digits()
    }
  }
  const value = (): void => {
    ws()
    const ch = text[i]
    if (ch === '{') {
      i++
      ws()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail()
        string()
        ws()
        if (text[i] !== ':') fail()
        i++
        value()
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return
        }
        fail()
      }
    }
    if (ch === '[') {
      i++
      ws()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value()
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return
        }
        fail()
      }
    }
    if (ch === '"') {
      string()
      return
    }
    if (ch === '-' || isDigit(ch)) {
      number()
      return
    }
    for (const literal of ['true', 'false', 'null']) {
      if (literal[0] !== ch) continue
      // Point at the first character that breaks the literal, as V8 does.
      for (const expected of literal) {
        if (text[i] !== expected) fail()
        i++
      }
      return
    }
    fail()
  }
  try {
    value()
    ws()
    if (i < text.length) fail()
    return -1
  } catch (error) {
    if (typeof error === 'number') return error
    return undefined // nesting deep enough to exhaust the stack
  }
}
