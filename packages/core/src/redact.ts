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
 * given to {@link createRedactor} or {@link Redactor.with}.
 */
export interface Redactor {
  (text: string): string
  /** A redactor that also hides these exact values (short or empty values are ignored). */
  with(values: Iterable<string | null | undefined>): Redactor
}

// Values shorter than this are too likely to collide with ordinary text to replace blindly;
// the pattern rules still cover them when they appear labelled.
const MIN_KNOWN_SECRET_LENGTH = 4

/**
 * Builds a {@link Redactor} that knows these exact secret values.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude
 */
export function createRedactor(values: Iterable<string | null | undefined> = []): Redactor {
  const given = [...values]
  // Built on first use: most revokes succeed and never redact anything, so the set of known
  // values (with their encodings) is only worth computing when text actually needs hiding.
  let ordered: string[] | undefined
  const known = () => {
    if (!ordered) {
      const set = new Set<string>()
      for (const value of given) addKnown(set, value)
      // Longest first, so a secret that contains another is hidden whole.
      ordered = [...set].sort((a, b) => b.length - a.length)
    }
    return ordered
  }

  const redactor = ((text: string): string => {
    if (typeof text !== 'string' || text.length === 0) return text
    let out = text
    for (const secret of known()) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    }
    for (const [pattern, replace] of RULES) out = out.replace(pattern, replace)
    return out
  }) as Redactor
  redactor.with = (more) => createRedactor([...given, ...more])
  return redactor
}

function addKnown(known: Set<string>, value: string | null | undefined) {
  if (typeof value !== 'string' || value.length < MIN_KNOWN_SECRET_LENGTH) return
  known.add(value)
  // Secrets also travel encoded: form-encoded in bodies, base64 inside Basic credentials.
  const encoded = encodeURIComponent(value)
  if (encoded !== value) known.add(encoded)
  const formEncoded = encoded.replaceAll('%20', '+')
  if (formEncoded !== encoded) known.add(formEncoded)
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
