/**
 * One validation issue, typed structurally: zod 4's issues fit, whichever copy of zod produced
 * them (an adapter's own, or core's).
 */
export interface SchemaIssue {
  readonly code?: string
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
  /** `unrecognized_keys`: the unknown names. */
  readonly keys?: readonly string[]
  /** `invalid_type`: what was expected, e.g. `string`. */
  readonly expected?: string
  /** `invalid_value`: the allowed values. */
  readonly values?: readonly unknown[]
  /** The value at the path, only when the schema was parsed with `reportInput`. */
  readonly input?: unknown
  /** `invalid_key`: what is wrong with the key; `invalid_union`: the branches' issues. */
  readonly issues?: ReadonlyArray<unknown>
}

/** How {@link formatIssues} words its lines. */
export interface FormatIssuesOptions {
  /** What an issue about the whole value is labelled, e.g. `options`, `config`, `body`. @default 'input' */
  readonly root?: string
  /** What a key is called in `unknown option a` / `unknown field a`. @default 'field' */
  readonly noun?: string
  /**
   * `grouped`: one line per issue, `options: unknown options a, b`. `each`: one line per key,
   * with the key in the path, `store.path: unknown field`. @default 'grouped'
   */
  readonly unknownKeys?: 'grouped' | 'each'
  /** Appended to an unknown-key line, given the path of the object, e.g. ` — remove it (allowed: id)`. */
  readonly unknownHint?: (path: ReadonlyArray<PropertyKey>) => string
  /**
   * `schema`: use the schema's messages (for schemas whose every message is written by hand).
   * `plain`: say `invalid_type` as `expected string` (or {@link FormatIssuesOptions.required}
   * when the value is missing) and `invalid_value` as `must be one of a, b`, whatever the schema
   * says. @default 'plain'
   */
  readonly messages?: 'schema' | 'plain'
  /**
   * With `plain` messages: the text of an `invalid_type` issue whose value is missing. Known
   * missing when the issue carries `input` (zod's `reportInput`) or `value` is given.
   * Without either, missing values read `expected <type>`.
   */
  readonly required?: string
  /** The value that was validated, to tell a missing value from a wrong one (never quoted). */
  readonly value?: unknown
  /** How a path is written. @default dotted: `credentials.access_token`, `toolkits.0` */
  readonly formatPath?: (path: ReadonlyArray<PropertyKey>) => string
}

/** `a.b.0`: each part as a string, joined with dots. */
export function dottedPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('.')
}

function valueAt(value: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let at = value
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as Record<PropertyKey, unknown>)[part]
  }
  return at
}

function plural(noun: string, count: number): string {
  return count > 1 ? `${noun}s` : noun
}

/**
 * Validation issues as lines of `path: what is wrong`, for an error's `errors` list. Lines never
 * quote the value given: a token or secret passed in the wrong place is not echoed (zod's own
 * messages name types, allowed values and limits, not inputs). Unknown keys are named, because a
 * key is a name the caller wrote, not a value. `invalid_key` says what is wrong with the key.
 *
 * @example
 * ```ts
 * formatIssues(result.error.issues, { root: 'options', noun: 'option', messages: 'schema' })
 * // ['clientId: is required', 'options: unknown option client_secret']
 * ```
 * @see https://zod.dev/error-formatting
 */
export function formatIssues(
  issues: ReadonlyArray<SchemaIssue>,
  options: FormatIssuesOptions = {},
): string[] {
  const {
    root = 'input',
    noun = 'field',
    unknownKeys = 'grouped',
    unknownHint,
    messages = 'plain',
    formatPath = dottedPath,
  } = options
  const where = (path: ReadonlyArray<PropertyKey>) => formatPath(path) || root
  return issues.flatMap((issue): string[] => {
    if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
      const hint = unknownHint?.(issue.path) ?? ''
      if (unknownKeys === 'each') {
        return issue.keys.map((key) => `${where([...issue.path, key])}: unknown ${noun}${hint}`)
      }
      return [
        `${where(issue.path)}: unknown ${plural(noun, issue.keys.length)} ${issue.keys.join(', ')}${hint}`,
      ]
    }
    if (issue.code === 'invalid_key') {
      const inner = issue.issues?.[0] as { message?: unknown } | undefined
      return [`${where(issue.path)}: ${typeof inner?.message === 'string' ? inner.message : 'invalid key'}`]
    }
    if (messages === 'plain' && issue.code === 'invalid_type') {
      const missing =
        'input' in issue
          ? issue.input === undefined
          : options.value !== undefined && valueAt(options.value, issue.path) === undefined
      const text = missing && options.required !== undefined ? options.required : `expected ${issue.expected}`
      return [`${where(issue.path)}: ${text}`]
    }
    if (messages === 'plain' && issue.code === 'invalid_value' && issue.values) {
      return [`${where(issue.path)}: must be one of ${issue.values.map(String).join(', ')}`]
    }
    return [`${where(issue.path)}: ${issue.message}`]
  })
}
