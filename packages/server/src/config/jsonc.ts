import { jsonErrorLocation } from '../json-error'
import { configError } from './problems'

/**
 * Parses a config file's text: JSON with `//` and block comments (and a byte-order mark)
 * allowed. A syntax error names the line and column, never the text there (it may be a secret).
 */
export function parseJsonc(text: string, file: string | undefined): unknown {
  const stripped = stripComments(text.replace(/^\uFEFF/, ''))
  try {
    return JSON.parse(stripped)
  } catch {
    throw configError(
      file,
      [`${file ?? 'config'}: invalid JSON, ${jsonErrorLocation(stripped)}`],
      'Fix the JSON syntax there: look for a missing comma, quote or brace, or a trailing comma.',
    )
  }
}

/**
 * Removes `//` and block comments outside strings, keeping every newline and the length of each
 * line, so a JSON error position still points at the right line and column.
 */
export function stripComments(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '"') {
      const start = i++
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
      i++
      out += text.slice(start, i)
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') {
        out += ' '
        i++
      }
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      const stop = end === -1 ? text.length : end + 2
      out += text.slice(i, stop).replace(/[^\n]/g, ' ')
      i = stop
    } else {
      out += ch
      i++
    }
  }
  return out
}
