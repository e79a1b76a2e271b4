import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { isSecretKey, REDACTED, redact } from '@revokit/core'
import { type CassetteInteraction, REDACTED_PLACEHOLDER } from './cassette'

/** One exchange exactly as it crossed the wire, secrets included. Never written anywhere. */
export interface RawInteraction {
  /** `https://host[:port]` */
  readonly origin: string
  readonly method: string
  /** Path and query. */
  readonly path: string
  /** Lower-cased names. */
  readonly requestHeaders: Readonly<Record<string, string>>
  readonly requestBody: string | undefined
  readonly status: number
  /** Lower-cased names. */
  readonly responseHeaders: Readonly<Record<string, string | string[]>>
  readonly responseBody: Uint8Array
}

/** What the scrubber knows by name: each value becomes `{{name}}` wherever it appears. */
export interface ScrubValues {
  /** Secrets (tokens, client secrets): replaced, and their absence is checked before writing. */
  readonly secrets?: Readonly<Record<string, string | undefined>>
  /** Known non-secret values (a client id): replaced so a cassette replays with fake ones. */
  readonly vars?: Readonly<Record<string, string | undefined>>
  /**
   * Values replaced only where a whole form, query or JSON value equals them, never inside
   * other text or in field names: `{ subject: 'refresh_token' }` makes `token_type_hint=
   * refresh_token` replay for either subject without touching a `refresh_token` field name.
   */
  readonly exact?: Readonly<Record<string, string | undefined>>
}

// Hop-by-hop and per-connection headers say nothing about the provider, and a content-length
// would be wrong once a value inside the body is replaced.
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
  'te',
  'upgrade',
])
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'content-encoding',
])

const ONLY_PLACEHOLDER = /^\{\{[A-Za-z0-9_]+\}\}$/
const SCHEME_AND_PLACEHOLDER = /^(?:Bearer|Token|token|bearer)\s+\{\{[A-Za-z0-9_]+\}\}$/

/** Replaces every known value, in each encoding it may travel in, with its `{{name}}`. */
export function placeholderReplacer(values: ScrubValues): (text: string) => string {
  const pairs: Array<[string, string]> = []
  const add = (name: string, value: string | undefined) => {
    // Very short values would match ordinary text; they cannot be secrets worth the name.
    if (typeof value !== 'string' || value.length < 4) return
    const forms = new Set([
      value,
      encodeURIComponent(value),
      encodeURIComponent(value).replaceAll('%20', '+'),
      JSON.stringify(value).slice(1, -1),
    ])
    for (const form of forms) pairs.push([form, `{{${name}}}`])
  }
  // Secrets first, so a secret that happens to contain a var is hidden whole.
  for (const [name, value] of Object.entries(values.secrets ?? {})) add(name, value)
  for (const [name, value] of Object.entries(values.vars ?? {})) add(name, value)
  pairs.sort((a, b) => b[0].length - a[0].length)
  return (text) => {
    let out = text
    for (const [form, placeholder] of pairs) if (out.includes(form)) out = out.split(form).join(placeholder)
    return out
  }
}

function exactReplacer(values: ScrubValues): (value: string) => string {
  const byValue = new Map<string, string>()
  for (const [name, value] of Object.entries(values.exact ?? {})) if (value) byValue.set(value, `{{${name}}}`)
  return (value) => byValue.get(value) ?? value
}

function scrubQuery(path: string, exact: (value: string) => string): string {
  const at = path.indexOf('?')
  if (at === -1) return path
  const pairs = path
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq === -1) return pair
      const key = safeDecode(pair.slice(0, eq))
      const value = pair.slice(eq + 1)
      if (isSecretKey(key) && !ONLY_PLACEHOLDER.test(value))
        return `${pair.slice(0, eq)}=${REDACTED_PLACEHOLDER}`
      return `${pair.slice(0, eq)}=${exact(safeDecode(value)) === safeDecode(value) ? value : exact(safeDecode(value))}`
    })
  return `${path.slice(0, at)}?${pairs.join('&')}`
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    return text
  }
}

/** Walks JSON, hiding every secret-named string field that is not already a placeholder. */
function scrubJson(value: unknown, hidden: string, exact: (value: string) => string = (v) => v): unknown {
  if (typeof value === 'string') return exact(value)
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, hidden, exact))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        isSecretKey(key) && item != null && !(typeof item === 'string' && ONLY_PLACEHOLDER.test(item))
          ? hidden
          : scrubJson(item, hidden, exact),
      ]),
    )
  }
  return value
}

function parseJson(text: string): { value: unknown } | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

function scrubRequestBody(
  body: string,
  replace: (t: string) => string,
  exact: (value: string) => string,
): CassetteInteraction['body'] {
  const text = replace(body)
  const json = parseJson(text)
  if (json) return scrubJson(json.value, REDACTED_PLACEHOLDER, exact) as CassetteInteraction['body']
  if (/^[^\s=&]+=[^\s&]*(?:&[^\s=&]+=[^\s&]*)*$/.test(text)) {
    return text
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=')
        const key = safeDecode(pair.slice(0, eq))
        const value = pair.slice(eq + 1)
        if (isSecretKey(key) && !ONLY_PLACEHOLDER.test(value))
          return `${pair.slice(0, eq)}=${REDACTED_PLACEHOLDER}`
        const swapped = exact(safeDecode(value))
        return swapped === safeDecode(value) ? pair : `${pair.slice(0, eq)}=${swapped}`
      })
      .join('&')
  }
  return redact(text)
}

function scrubRequestHeader(name: string, value: string, replace: (t: string) => string): string {
  const replaced = replace(value)
  if (!isSecretKey(name)) return replaced
  if (ONLY_PLACEHOLDER.test(replaced) || SCHEME_AND_PLACEHOLDER.test(replaced)) return replaced
  const scheme = /^(\w+)\s+/.exec(replaced)?.[1]
  // Basic credentials are base64("id:secret"): a placeholder cannot live inside base64, so the
  // header is hidden whole and not matched on replay.
  return scheme ? `${scheme} ${REDACTED_PLACEHOLDER}` : REDACTED_PLACEHOLDER
}

function decodeBody(body: Uint8Array, encoding: string | undefined): string {
  const buffer = Buffer.from(body)
  try {
    switch (encoding?.trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(buffer).toString('utf8')
      case 'deflate':
        return inflateSync(buffer).toString('utf8')
      case 'br':
        return brotliDecompressSync(buffer).toString('utf8')
      default:
        return buffer.toString('utf8')
    }
  } catch {
    return buffer.toString('utf8')
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * Turns a raw exchange into a cassette interaction with no secret left in it:
 * - every known value (tokens, client secret, client id) becomes its `{{name}}`, in whatever
 *   encoding it travelled (raw, URL/form-encoded, JSON-escaped);
 * - any other secret-named query, form or JSON field of the request becomes `{{redacted}}`
 *   (matches anything on replay), and of the response `[REDACTED]`;
 * - secret request headers (Authorization, Cookie, API keys) keep only a placeholder, and
 *   secret response headers (Set-Cookie) become `[REDACTED]`;
 * - free text bodies go through core's pattern redaction (auth schemes, token shapes).
 */
export function scrubInteraction(raw: RawInteraction, values: ScrubValues = {}): CassetteInteraction {
  const replace = placeholderReplacer(values)
  const exact = exactReplacer(values)

  const reqheaders: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw.requestHeaders)) {
    const key = name.toLowerCase()
    if (DROPPED_REQUEST_HEADERS.has(key)) continue
    reqheaders[key] = scrubRequestHeader(key, value, replace)
  }

  const rawHeaders: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw.responseHeaders)) {
    const key = name.toLowerCase()
    const text = headerText(value)
    if (DROPPED_RESPONSE_HEADERS.has(key) || text === undefined) continue
    rawHeaders[key] = isSecretKey(key) ? REDACTED : replace(text)
  }

  const responseText = replace(
    decodeBody(raw.responseBody, headerText(raw.responseHeaders['content-encoding'])),
  )
  const responseJson = parseJson(responseText)
  const response = responseJson
    ? (scrubJson(responseJson.value, REDACTED) as CassetteInteraction['response'])
    : redact(responseText)

  const body = raw.requestBody ? scrubRequestBody(raw.requestBody, replace, exact) : undefined
  return {
    scope: raw.origin,
    method: raw.method.toUpperCase(),
    path: scrubQuery(replace(raw.path), exact),
    ...(body !== undefined ? { body } : {}),
    ...(Object.keys(reqheaders).length ? { reqheaders } : {}),
    status: raw.status,
    response,
    ...(Object.keys(rawHeaders).length ? { rawHeaders } : {}),
  }
}

// Shapes of real provider tokens (Google, GitHub, Slack, JWTs). A cassette holding one was not
// scrubbed, whatever its field was called.
const TOKEN_SHAPES: readonly RegExp[] = [
  /\bya29\.[A-Za-z0-9._-]{8,}/,
  /\b1\/\/0[A-Za-z0-9._-]{8,}/,
  /\bgh[opusr]_[A-Za-z0-9]{16,}/,
  /\bgithub_pat_[A-Za-z0-9_]{16,}/,
  /\bxox[abpre]-[A-Za-z0-9-]{8,}/,
  /\bxoxe[.-][A-Za-z0-9.-]{8,}/,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/,
]

/**
 * Finds secrets in text about to be written: any known secret in any encoding (including inside
 * base64, as in Basic credentials), and anything shaped like a real provider token. Returns a
 * description of each problem, never the secret itself.
 */
export function findLeaks(text: string, secrets: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = []
  const known = Object.entries(secrets).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].length >= 4,
  )
  const decodedRuns = [...text.matchAll(/[A-Za-z0-9+/]{8,}={0,2}/g)].map((m) =>
    Buffer.from(m[0], 'base64').toString('utf8'),
  )
  for (const [name, value] of known) {
    // The strict form encoding is how oauth4webapi puts client credentials in a Basic header.
    const strict = encodeURIComponent(value)
      .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replaceAll('%20', '+')
    const forms = [value, encodeURIComponent(value), strict, JSON.stringify(value).slice(1, -1)]
    if (forms.some((form) => text.includes(form))) problems.push(`the value of ${name} appears as text`)
    else if (decodedRuns.some((decoded) => decoded.includes(value) || decoded.includes(strict)))
      problems.push(`the value of ${name} appears base64-encoded`)
  }
  for (const shape of TOKEN_SHAPES) {
    if (shape.test(text)) problems.push(`something shaped like a provider token matches ${shape}`)
  }
  return problems
}
