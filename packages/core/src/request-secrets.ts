import { isSecretKey } from './redact'
import type { HttpRequestInit } from './transport'

/**
 * The values a request put on the wire that must never show up in a log or an error: its
 * declared `secrets`, secret-named headers (and the secret half of Basic credentials), and
 * secret-named form or JSON body fields.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 (Basic: form-encoded id:secret)
 */
export function requestSecrets(init: HttpRequestInit): string[] {
  const found: string[] = []
  for (const secret of init.secrets ?? []) if (secret) found.push(secret)
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (!isSecretKey(name)) continue
    const [scheme, credential] = value.split(/\s+/, 2)
    // Only the credential of a scheme: windows of "Bearer " plus its first letters would also
    // hide ordinary prose such as "Bearer token expired".
    if (!credential) found.push(value)
    else {
      found.push(credential)
      if (scheme?.toLowerCase() === 'basic') {
        // The client id is not a secret (GitHub puts it in the URL path); only the part after
        // the first colon is.
        const decoded = Buffer.from(credential, 'base64').toString('utf8')
        const secret = decoded.slice(decoded.indexOf(':') + 1)
        found.push(secret)
        try {
          found.push(decodeURIComponent(secret.replaceAll('+', ' ')))
        } catch {}
      }
    }
  }
  if (init.body) {
    const body = init.body.trim()
    if (body.startsWith('{')) {
      try {
        collectJsonSecrets(JSON.parse(body), found)
      } catch {}
    } else {
      for (const [name, value] of new URLSearchParams(body)) if (isSecretKey(name)) found.push(value)
    }
  }
  return found
}

function collectJsonSecrets(value: unknown, found: string[]) {
  if (!value || typeof value !== 'object') return
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' && isSecretKey(key)) found.push(item)
    else collectJsonSecrets(item, found)
  }
}

/**
 * The Basic credentials `clientId` and `clientSecret` may travel in, as base64 of `id:secret`:
 * raw, form-encoded (RFC 6749 §2.3.1) and strictly form-encoded (Appendix B, as oauth4webapi writes
 * them). A provider that echoes the Authorization header echoes one of these.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function basicCredentials(clientId: string, clientSecret: string): string[] {
  const form = (v: string) => new URLSearchParams([['v', v]]).toString().slice(2)
  const strict = (v: string) =>
    encodeURIComponent(v)
      .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replaceAll('%20', '+')
  const base64 = (id: string, secret: string) => Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')
  return [
    ...new Set([
      base64(clientId, clientSecret),
      base64(form(clientId), form(clientSecret)),
      base64(strict(clientId), strict(clientSecret)),
    ]),
  ]
}
