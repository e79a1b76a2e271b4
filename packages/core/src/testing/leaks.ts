import { failed, type RevocationAdapter, revoked } from '../adapter'
import type { AccountRecord } from '../model'
import type { Store } from '../store'

/**
 * The parts of `secrets` that show in `text`: every run of `window` or more consecutive
 * characters of a secret, found in the text itself and in the text with JSON string escapes
 * (once or twice) and percent- or form-encoding undone, so a secret quoted inside a JSON body,
 * a log line or a URL counts as well. An empty answer means nothing leaked. Secrets shorter
 * than `window` are looked for whole.
 *
 * @example
 * ```ts
 * expect(leaksWindow(JSON.stringify(result), [token, clientSecret], 8)).toEqual([])
 * ```
 */
export function leaksWindow(text: string, secrets: Iterable<string>, window = 8): string[] {
  const owners = new Map<string, number>()
  const list = [...secrets]
  list.forEach((secret, n) => {
    if (secret.length === 0) return
    if (secret.length < window) owners.set(secret, n)
    for (let i = 0; i + window <= secret.length; i++) owners.set(secret.slice(i, i + window), n)
  })
  const found = new Map<number, string>()
  for (const view of views(contentOf(text))) {
    for (const [piece, n] of owners) {
      if (!found.has(n) && piece.length < window && view.includes(piece)) found.set(n, piece)
    }
    for (let i = 0; i + window <= view.length; i++) {
      const n = owners.get(view.slice(i, i + window))
      if (n !== undefined && !found.has(n)) found.set(n, view.slice(i, i + window))
    }
  }
  return [...found].map(([n, piece]) => `secret #${n + 1} shows ${JSON.stringify(piece)}`)
}

/** The text, and the text decoded every way a secret may have been encoded inside it. */
function views(text: string): Set<string> {
  const unescaped = unescapeJson(text)
  const seen = new Set([text, unescaped, unescapeJson(unescaped)])
  for (const view of [...seen]) {
    seen.add(percentDecode(view))
    seen.add(percentDecode(view.replaceAll('+', ' ')))
  }
  return seen
}

/**
 * The text with each line that is a JSON document replaced by its strings (keys and values), one
 * per line: JSON's own quotes are framing, not content, so a 7-character part followed by the
 * closing quote must not count as 8 characters of a secret that ends in `"`.
 */
function contentOf(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim()
      if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return line
      try {
        return stringsIn(JSON.parse(trimmed)).join('\n')
      } catch {
        return line
      }
    })
    .join('\n')
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  if (Array.isArray(value)) return value.flatMap(stringsIn)
  return Object.entries(value).flatMap(([key, item]) => [key, ...stringsIn(item)])
}

function unescapeJson(text: string): string {
  return text.replace(/\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))/g, (_m, hex: string, c: string) => {
    if (hex) return String.fromCharCode(Number.parseInt(hex, 16))
    return ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? c
  })
}

/** Percent-decoding that never throws: runs of `%XX` become UTF-8 text (bad bytes as U+FFFD). */
function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'),
  )
}

/**
 * Characters for generated secrets in leak tests: letters, digits, everything that URL, form
 * and JSON encodings change (`+ / = % & " \` and a space) and non-ASCII text, one of it outside
 * the Basic Multilingual Plane.
 */
export const SECRET_CHARS: readonly string[] = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  ...'+/=%&"\\ -_.~:',
  'é',
  'ß',
  '€',
  '中',
  '😀',
]

/** How a hostile provider echoes what it was sent in an error answer. */
export type EchoFormat = 'raw' | 'json' | 'form' | 'www-authenticate'

/** Every {@link EchoFormat}. */
export const ECHO_FORMATS: readonly EchoFormat[] = ['raw', 'json', 'form', 'www-authenticate']

/**
 * The error answer of a provider that echoes `fragment`: as plain text, inside a JSON body's
 * `error_description` (JSON-escaped), form-encoded, or URL-encoded in a `WWW-Authenticate`
 * challenge's `error_description` (header values cannot carry every character raw).
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-3
 */
export function echoAnswer(
  fragment: string,
  format: EchoFormat,
): { status: number; headers: Record<string, string>; body: string } {
  const said = `the token ${fragment} is not valid`
  switch (format) {
    case 'raw':
      return { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: said }
    case 'json':
      return {
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'invalid_token', error_description: said }),
      }
    case 'form':
      return {
        status: 400,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ error: 'invalid_token', error_description: said }).toString(),
      }
    case 'www-authenticate':
      return {
        status: 401,
        headers: {
          'www-authenticate': `Bearer realm="revoke", error="invalid_token", error_description="${encodeURIComponent(wellFormed(said))}"`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ error: 'invalid_client' }),
      }
  }
}

/** Where a provider cuts a secret it echoes: its head, its tail, a middle part, or all of it. */
export type EchoWindow = 'prefix' | 'suffix' | 'middle' | 'whole'

/**
 * The part of `secret` a provider echoes: `length` characters (at least `min`, at most all) from
 * the start, the end, or from `offset`.
 */
export function secretPart(secret: string, where: EchoWindow, length: number, offset = 0, min = 8): string {
  const n = Math.min(secret.length, Math.max(min, length))
  if (where === 'whole') return secret
  if (where === 'prefix') return secret.slice(0, n)
  if (where === 'suffix') return secret.slice(secret.length - n)
  const start = offset % (secret.length - n + 1)
  return secret.slice(start, start + n)
}

/** `text` with every lone surrogate (half of a pair a cut split) replaced by U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

/** What a hostile provider is sent and echoes in one generated leak test case. */
export interface EchoScenario {
  readonly access: string
  readonly refresh: string
  readonly clientSecret: string
  /** A provider extra (an OpenID Connect `id_token`): a secret the engine never sends. */
  readonly idToken: string
  readonly format: EchoFormat
  readonly where: EchoWindow
  /** The echoed part's length (see {@link secretPart}). */
  readonly length: number
  readonly offset: number
  /** Where an adapter cuts the provider's text before the engine sees it; undefined: no cut. */
  readonly cut: number | undefined
}

const WHERE: readonly EchoWindow[] = ['prefix', 'suffix', 'middle', 'whole']
// Strides coprime to the alphabet's size: equal seeds still give four secrets that share no window.
const STRIDES = [13, 17, 19, 23]

/**
 * A leak test case from `seed` (any numbers, e.g. a property-test library's `array(nat())`), so
 * every package's property tests generate the same shapes: four secrets of 8 to 40 characters
 * drawn from {@link SECRET_CHARS}, and how the provider cuts and encodes what it echoes.
 */
export function echoScenario(seed: readonly number[]): EchoScenario {
  let next = 0
  const take = () => Math.abs(Math.trunc(seed[next++ % Math.max(1, seed.length)] ?? 0))
  const n = SECRET_CHARS.length
  const secret = (k: number) => {
    const length = 8 + (take() % 33)
    let out = ''
    for (let i = 0; i < length; i++) out += SECRET_CHARS[(take() + i * (STRIDES[k] as number)) % n]
    return out
  }
  const [access, refresh, clientSecret, idToken] = [0, 1, 2, 3].map(secret) as [
    string,
    string,
    string,
    string,
  ]
  const cut = take()
  return {
    access,
    refresh,
    clientSecret,
    idToken,
    format: ECHO_FORMATS[take() % ECHO_FORMATS.length] as EchoFormat,
    where: WHERE[take() % WHERE.length] as EchoWindow,
    length: 8 + (take() % 57),
    offset: take(),
    cut: cut % 3 === 0 ? undefined : cut,
  }
}

/** What {@link carelessAdapter} is configured with; read at every call. */
export interface CarelessSettings {
  /** The hostile provider's origin: the adapter POSTs to `<url>/revoke`. */
  readonly url: string
  readonly clientSecret: string
  /** Where the adapter cuts the provider's text (modulo its length); undefined: no cut. */
  readonly cut: number | undefined
  /** Where the text goes: the failure reason (default), a thrown error, or a log line. */
  readonly via?: 'reason' | 'throw' | 'log'
}

/** The HTTP Basic credential {@link carelessAdapter} sends: base64 of `client:<secret>`. */
export const carelessCredential = (clientSecret: string) =>
  Buffer.from(`client:${clientSecret}`, 'utf8').toString('base64')

/**
 * An adapter careless on purpose, for leak tests: it POSTs the token (form body, Basic client
 * authentication) and copies the provider's body and `WWW-Authenticate` challenge, cut where
 * `cut` says, into its reason, an error it throws or a log line. It has no `redact` hook, so
 * only what the engine knows can hide what it passes on.
 */
export function carelessAdapter(settings: () => CarelessSettings, toolkit = 'careless'): RevocationAdapter {
  return {
    toolkit,
    supportsAccess: true,
    supportsRefresh: true,
    async revoke(request, { http, logger }) {
      const { url, clientSecret, cut, via = 'reason' } = settings()
      const res = await http.request(`${url}/revoke`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${carelessCredential(clientSecret)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: request.token, token_type_hint: request.subject }).toString(),
      })
      if (res.status === 200) return revoked()
      const whole = `${res.body} ${res.headers['www-authenticate'] ?? ''}`
      const said = cut === undefined ? whole : whole.slice(0, cut % (whole.length + 1))
      if (via === 'throw') throw new Error(`the provider said ${said}`)
      if (via === 'log') logger.warn({ answer: whole, said }, `the provider said ${said}`)
      return failed({
        retryable: false,
        reason: `the provider said ${said}`,
        suggestedFix: `compare ${whole}`,
      })
    },
  }
}

/**
 * Everything `store` keeps about account `id` but its credentials (which may rightly still hold
 * live tokens): the record's other fields (the last failures, the status reason) and its audit
 * events, as JSON, for leak checks.
 */
export async function storedText(store: Store, id: string): Promise<string> {
  const record = await store.get(id)
  const { credentials: _held, ...rest } = record ?? ({ credentials: {} } as AccountRecord)
  return `${JSON.stringify(rest)}\n${JSON.stringify(await store.events(id))}`
}
