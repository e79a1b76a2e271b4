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
    found.push(value)
    const [scheme, credential] = value.split(/\s+/, 2)
    if (credential) {
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
