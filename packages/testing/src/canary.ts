import { randomUUID } from 'node:crypto'

/**
 * A fake secret that is unique per call, easy to grep for, and cannot be mistaken for a real
 * token: `canary-<label>-<uuid>`. Only URL- and JSON-safe characters, so it travels unchanged
 * through form bodies, JSON and query strings, and a leak is found by a plain substring search.
 *
 * @example
 * ```ts
 * const token = canary('google-access')
 * // … run the adapter, collect every outcome, error and log line …
 * expect(seen).not.toContain(token)
 * ```
 */
export function canary(label: string): string {
  const safe = label.replace(/[^A-Za-z0-9_-]/g, '-')
  return `canary-${safe}-${randomUUID()}`
}

/** The random part of a {@link canary} (its UUID), which no other value or word shares. */
export function randomPart(value: string): string {
  return value.slice(-36)
}

/**
 * Every form a secret takes on the wire, for leak checks: the value, URL-encoded, and base64
 * inside HTTP Basic credentials when `basicUser` is given (`user:secret`).
 */
export function secretForms(secret: string, basicUser?: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)])
  if (basicUser !== undefined) {
    forms.add(Buffer.from(`${basicUser}:${secret}`).toString('base64'))
    forms.add(
      Buffer.from(`${encodeURIComponent(basicUser)}:${encodeURIComponent(secret)}`).toString('base64'),
    )
  }
  return [...forms]
}
