/** What every redacted secret becomes. */
export const REDACTED = '[REDACTED]'

/** Keys whose values are secrets wherever they appear (case-insensitive, `-` and `_` alike). */
const SECRET_KEYS = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_secret',
  'client_assertion',
  'assertion',
  'code_verifier',
  'password',
  'secret',
  'api_key',
  'apikey',
  'x_api_key',
  'authorization',
  'proxy_authorization',
  'cookie',
  'set_cookie',
  'private_key',
])

const normaliseKey = (key: string) => key.toLowerCase().replaceAll('-', '_')

/** True when a field or header with this name holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normaliseKey(key))
}

const KEY_ALTERNATION = [...SECRET_KEYS].flatMap((k) => (k.includes('_') ? [k, k.replaceAll('_', '-')] : [k]))
const KEY_SOURCE = KEY_ALTERNATION.sort((a, b) => b.length - a.length).join('|')

const VALUE_CHAR = `[^\\s&,;'"}\\]]`
const VALUE = `${VALUE_CHAR}+`
// Already hidden, or an auth scheme whose credential the scheme rule hides.
const SKIP_DONE = `(?!['"]?\\[REDACTED\\]|(?:Bearer|Basic|Token|Digest)\\s)`

type Rule = readonly [pattern: RegExp, replace: (match: string, label: string) => string]

const keepLabel = (_match: string, label: string) => `${label}${REDACTED}`
const keepJsonString = (_match: string, label: string) => `${label}"${REDACTED}"`

// Each rule keeps its label (group 1) and hides the value. Order matters: the auth-scheme rule
// runs first so "Authorization: Bearer x" becomes "Authorization: Bearer [REDACTED]" and the
// key rules then leave it alone.
const RULES: readonly Rule[] = [
  // HTTP auth schemes anywhere in text: "Bearer abc1", "Basic Zm9v=". Only a value that looks
  // like a credential (a digit or one of _~+/=, or 20+ characters) is hidden, so provider prose
  // such as "Token expired or revoked" or "the token belongs to another client" survives.
  [
    /\b((?:Bearer|Basic|Token|Digest)\s+)(?!\[REDACTED\])(?=[A-Za-z0-9._~+/=-]*[0-9_~+/=]|[A-Za-z0-9._~+/=-]{20})[A-Za-z0-9._~+/=-]{3,}/gi,
    keepLabel,
  ],
  // JSON: "client_secret": "value" (the result is still valid JSON)
  [new RegExp(`("(?:${KEY_SOURCE})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), keepJsonString],
  // Form, query and logfmt text: token=value, client_secret = value
  [new RegExp(`(\\b(?:${KEY_SOURCE})\\b['"]?\\s*=\\s*)${SKIP_DONE}['"]?${VALUE}`, 'gi'), keepLabel],
  // Header and YAML-ish text: "client_secret: value". Prose such as "refresh_token: failed" must
  // survive, so only values that look like secrets (a digit, or 12+ characters) are hidden.
  [
    new RegExp(
      `(\\b(?:${KEY_SOURCE})\\b['"]?\\s*:\\s*)${SKIP_DONE}['"]?(?=${VALUE_CHAR}*\\d|${VALUE_CHAR}{12})${VALUE}`,
      'gi',
    ),
    keepLabel,
  ],
  // Well-known provider token shapes, in case one travels without a label.
  [/()\bya29\.[A-Za-z0-9._-]{8,}/g, keepLabel],
  [/()\b1\/\/0[A-Za-z0-9._-]{8,}/g, keepLabel],
  [/()\bgh[opusr]_[A-Za-z0-9]{16,}/g, keepLabel],
  [/()\bgithub_pat_[A-Za-z0-9_]{16,}/g, keepLabel],
  [/()\bxox[abpre]-[A-Za-z0-9-]{8,}/g, keepLabel],
  [/()\bxoxe[.-][A-Za-z0-9.-]{8,}/g, keepLabel],
  [/()\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, keepLabel],
]

/**
 * Hides secrets in text. Calling it applies the pattern rules (auth headers, `key=value` and
 * JSON fields with secret names, well-known token shapes) and removes every known secret value
 * given to {@link createRedactor} or {@link Redactor.with}: the whole value, and any part of it
 * {@link SECRET_WINDOW} characters long or longer, raw or encoded.
 */
export interface Redactor {
  (text: string): string
  /** A redactor that also hides these values (short or empty values are ignored). */
  with(values: Iterable<string | null | undefined>): Redactor
}

/**
 * No run of this many consecutive characters of a known secret survives redaction: a provider
 * that echoes a prefix, a middle or the tail of a token (or text someone cut across a secret)
 * is hidden like one that echoes it whole.
 */
export const SECRET_WINDOW = 8

// Values shorter than this are too likely to collide with ordinary text to replace blindly;
// the pattern rules still cover them when they appear labelled. Values shorter than
// SECRET_WINDOW are hidden only whole.
const MIN_KNOWN_SECRET_LENGTH = 4

/** What a redactor knows, built once: every window of every long value, and the short values. */
interface KnownIndex {
  readonly windows: ReadonlySet<string>
  /**
   * The first two characters of every window, hashed: a position whose pair is not marked starts
   * no window, so most of a text is skipped without cutting a window out of it.
   */
  readonly pairs: Uint8Array
  /** Values shorter than {@link SECRET_WINDOW}, longest first. */
  readonly short: readonly string[]
}

const pairOf = (text: string, i: number) => ((text.charCodeAt(i) * 31) ^ text.charCodeAt(i + 1)) & 0xfff

/**
 * Builds a {@link Redactor} that knows these secret values. Each is also known in the forms a
 * secret travels in: URL-, form- and RFC 6749 Appendix B-encoded, and escaped inside a JSON
 * string (as `JSON.stringify` writes it, and ASCII-only with `\/` as other serialisers do).
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude
 */
export function createRedactor(values: Iterable<string | null | undefined> = []): Redactor {
  return chained([], [...values])
}

/**
 * A redactor knowing its parents' values and `given`. `with` adds a link instead of re-indexing
 * everything: adapters call it once per answer, with a value the dispatch often knows already.
 */
function chained(
  parents: readonly (() => KnownIndex)[],
  given: readonly (string | null | undefined)[],
): Redactor {
  // Built on first use: most revokes succeed and never redact anything, so the index of known
  // values (with their encodings) is only worth computing when text actually needs hiding.
  let index: KnownIndex | undefined
  const chain = [
    ...parents,
    () => {
      index ??= indexValues(given)
      return index
    },
  ]

  const redactor = ((text: string): string => {
    if (typeof text !== 'string' || text.length === 0) return text
    let out = hideKnown(
      text,
      chain.map((link) => link()),
    )
    for (const [pattern, replace] of RULES) out = out.replace(pattern, replace)
    return out
  }) as Redactor
  redactor.with = (more) => chained(chain, [...more])
  return redactor
}

/**
 * Redacts `text`, then bounds it to `max` characters (a cut ends in `…`). The one order that
 * cannot leak: cutting first could split a secret, and a redactor that knew only whole values
 * would then miss the visible half. Every site that shortens text that may hold a secret calls this.
 */
export function redactAndBound(text: string, redactor: (text: string) => string, max: number): string {
  const hidden = redactor(text)
  if (hidden.length <= max) return hidden
  // Never end on half a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(hidden.charAt(max - 1)) ? max - 1 : max
  return `${hidden.slice(0, end)}…`
}

function indexValues(values: readonly (string | null | undefined)[]): KnownIndex {
  const windows = new Set<string>()
  const pairs = new Uint8Array(0x1000)
  const short = new Set<string>()
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_KNOWN_SECRET_LENGTH) continue
    for (const form of encodings(value)) {
      if (form.length < SECRET_WINDOW) short.add(form)
      else
        for (let i = 0; i + SECRET_WINDOW <= form.length; i++) {
          windows.add(form.slice(i, i + SECRET_WINDOW))
          pairs[pairOf(form, i)] = 1
        }
    }
  }
  return { windows, pairs, short: [...short].sort((a, b) => b.length - a.length) }
}

/** The forms a secret travels in besides itself. */
function encodings(value: string): Set<string> {
  const forms = new Set([value])
  try {
    const encoded = encodeURIComponent(value)
    forms.add(encoded)
    forms.add(encoded.replaceAll('%20', '+'))
    // application/x-www-form-urlencoded as URLSearchParams writes it (WHATWG): unlike
    // encodeURIComponent it escapes ~ ! ' ( ), so a form body echoing "a~b" says "a%7Eb".
    forms.add(new URLSearchParams({ v: value }).toString().slice(2))
    // RFC 6749 Appendix B, as oauth4webapi encodes Basic client credentials.
    forms.add(
      encoded
        .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replaceAll('%20', '+'),
    )
  } catch {
    // A lone surrogate has no URL encoding, so it cannot travel URL-encoded either.
  }
  const json = JSON.stringify(value).slice(1, -1)
  forms.add(json)
  forms.add(
    json
      .replaceAll('/', '\\/')
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  )
  return forms
}

/**
 * Replaces every maximal run of text covered by windows of known values with one
 * {@link REDACTED}, in one pass: a window starting at each position is looked up once.
 */
function hideKnown(text: string, indexes: readonly KnownIndex[]): string {
  let out = text
  const known = (i: number) => {
    const pair = pairOf(text, i)
    let piece: string | undefined
    for (const index of indexes) {
      if (index.pairs[pair] === 0) continue
      piece ??= text.slice(i, i + SECRET_WINDOW)
      if (index.windows.has(piece)) return true
    }
    return false
  }
  if (indexes.some((index) => index.windows.size > 0) && text.length >= SECRET_WINDOW) {
    let result = ''
    let last = 0
    let runStart = -1
    let runEnd = -1
    for (let i = 0; i + SECRET_WINDOW <= text.length; i++) {
      if (!known(i)) continue
      if (runStart >= 0 && i <= runEnd) runEnd = i + SECRET_WINDOW
      else {
        if (runStart >= 0) {
          result += `${text.slice(last, runStart)}${REDACTED}`
          last = runEnd
        }
        runStart = i
        runEnd = i + SECRET_WINDOW
      }
    }
    if (runStart >= 0) out = `${result}${text.slice(last, runStart)}${REDACTED}${text.slice(runEnd)}`
  }
  for (const index of indexes)
    for (const value of index.short) if (out.includes(value)) out = out.split(value).join(REDACTED)
  return out
}

/** A redactor that knows no values: pattern rules only. */
export const redact: Redactor = createRedactor()

/**
 * Deep-copies `value` for logging: fields with secret names become `[REDACTED]`, strings pass
 * through `redactor`, errors become `{ name, message, code }`. Cycles and depth are bounded.
 */
export function redactValue(value: unknown, redactor: Redactor = redact, depth = 0): unknown {
  if (typeof value === 'string') return redactor(value)
  if (value === null || typeof value !== 'object') return value
  if (depth > 8) return '[Truncated]'
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code
    return {
      name: value.name,
      message: redactor(value.message),
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    }
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redactor, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) && item != null ? REDACTED : redactValue(item, redactor, depth + 1)
  }
  return out
}
