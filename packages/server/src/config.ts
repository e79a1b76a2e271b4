// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the messages show users the literal ${VAR} syntax of the config file
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import {
  createRedactor,
  endpointProblem,
  isSecretKey,
  type RevocationAdapter,
  RevokitError,
  TOOLKIT_SLUG,
} from '@revokit/core'
import * as z from 'zod'
import type { ProjectKeys } from './auth'
import { jsonErrorLocation } from './json-error'
import { builtinKinds, type Kinds } from './kinds'

/** The store entry of a config file: `{ kind: "sqlite", path }`, `{ kind: "memory" }`, or a registered kind's options. */
export type StoreConfig = {
  readonly kind: string
  readonly path?: string
  readonly [option: string]: unknown
}

/**
 * A validated config file (SPEC §5) with its adapters built. Secrets are not on any enumerable
 * property except the projects' API keys, so logging a config does not print client secrets.
 */
export interface RevokitConfig {
  /** Absolute path of the file, when loaded from one. */
  readonly file: string | undefined
  /** @default 8080 */
  readonly port: number
  /** A sqlite `path` is absolute: resolved against the config file's directory. */
  readonly store: StoreConfig
  readonly projects: readonly ProjectKeys[]
  /** Toolkit slug → adapter kind (options are not kept here: they hold secrets). */
  readonly toolkits: Readonly<Record<string, { readonly adapter: string }>>
  /** Engine limits from the optional `revoke` section (`timeoutMs`, `deadlineMs`, `maxAttempts`). */
  readonly revoke: {
    readonly timeoutMs?: number
    readonly deadlineMs?: number
    readonly maxAttempts?: number
  }
  /** One adapter per toolkit, built by the registry's factories. */
  readonly adapters: readonly RevocationAdapter[]
  /** Values to hide from logs and responses: API keys and secret-looking toolkit options. */
  readonly secrets: readonly string[]
  /** The registry the config was built with (it also opens the store). */
  readonly kinds: Kinds
}

/** Options of {@link loadConfig} and {@link parseConfig}. */
export interface ConfigOptions {
  /** Where `${VAR}` values come from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
  /** Adapter and store kinds. @default builtinKinds */
  kinds?: Kinds
}

const SLUG = TOOLKIT_SLUG
const ROOT_FIELDS = 'port, store, projects, toolkits, revoke'

// zod messages that say what is wrong AND what to write instead. `iss.input === undefined` is a
// missing field.
const expect =
  (required: string, wrong: string) =>
  (iss: { input?: unknown }): string =>
    iss.input === undefined ? `is required — ${required}` : wrong

const projectSchema = z.strictObject(
  {
    id: z
      .string({ error: expect('add "id": "default"', 'must be a string such as "default"') })
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be 1 to 128 of A-Z a-z 0-9 _ . - such as "default"'),
    apiKeys: z
      .array(
        z
          .string({ error: 'must be a string — write "${REVOKIT_API_KEY}" to take it from the environment' })
          .min(16, 'must be at least 16 characters — generate one with: openssl rand -hex 32')
          .max(512, 'must be at most 512 characters'),
        {
          error: expect(
            'add "apiKeys": ["${REVOKIT_API_KEY}"]',
            'must be a list such as ["${REVOKIT_API_KEY}"]',
          ),
        },
      )
      .min(1, 'needs at least one key, e.g. ["${REVOKIT_API_KEY}"]'),
  },
  { error: 'must be an object such as { "id": "default", "apiKeys": ["${REVOKIT_API_KEY}"] }' },
)

const sqliteStoreSchema = z.strictObject({
  kind: z.literal('sqlite'),
  path: z
    .string({ error: expect('add "path": "./revokit.db"', 'must be a file path such as "./revokit.db"') })
    .min(1, 'must be a file path such as "./revokit.db"'),
})
const memoryStoreSchema = z.strictObject({ kind: z.literal('memory') })

// `kind` picks the store; sqlite and memory have fixed shapes, and a kind a program registers
// itself (see Kinds) takes whatever options its factory validates.
const storeSchema = z
  .looseObject(
    {
      kind: z
        .string({
          error: expect(
            'add "kind": "sqlite"',
            'must be "sqlite" (one file on disk) or "memory" (tests only: lost on exit)',
          ),
        })
        .min(1, 'must be "sqlite" (one file on disk) or "memory" (tests only: lost on exit)'),
    },
    {
      error: expect(
        'add "store": { "kind": "sqlite", "path": "./revokit.db" }',
        'must be an object such as { "kind": "sqlite", "path": "./revokit.db" } or { "kind": "memory" }',
      ),
    },
  )
  .superRefine((value, ctx) => {
    const schema =
      value.kind === 'sqlite' ? sqliteStoreSchema : value.kind === 'memory' ? memoryStoreSchema : undefined
    const result = schema?.safeParse(value)
    if (result && !result.success)
      for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never)
  })

const toolkitSchema = z.looseObject(
  {
    adapter: z
      .string({
        error: expect(
          'add "adapter": "google" (or "github", "slack", "rfc7009")',
          'must name an adapter kind such as "google", "github", "slack" or "rfc7009"',
        ),
      })
      .min(1, 'must name an adapter kind such as "google"'),
    toolkit: z.never({ error: 'remove it: the entry’s key is the toolkit slug' }).optional(),
  },
  { error: 'must be an object such as { "adapter": "google" }' },
)

const configSchema = z.strictObject(
  {
    port: z
      .union(
        [
          z.number(),
          z
            .string()
            .regex(/^\d{1,5}$/)
            .transform(Number),
        ],
        {
          error: 'must be a port number such as 8080',
        },
      )
      .pipe(
        z
          .number()
          .int('must be a whole number such as 8080')
          .min(0, 'must be from 0 to 65535')
          .max(65535, 'must be from 0 to 65535'),
      )
      .default(8080),
    store: storeSchema,
    projects: z
      .array(projectSchema, {
        error: expect(
          'add "projects": [{ "id": "default", "apiKeys": ["${REVOKIT_API_KEY}"] }]',
          'must be a list such as [{ "id": "default", "apiKeys": ["${REVOKIT_API_KEY}"] }]',
        ),
      })
      .min(1, 'needs at least one project, e.g. [{ "id": "default", "apiKeys": ["${REVOKIT_API_KEY}"] }]'),
    toolkits: z
      .record(
        z
          .string()
          .regex(SLUG, 'must be a lowercase toolkit slug such as "google" or "gmail" (a-z, 0-9, - and _)'),
        toolkitSchema,
        { error: 'must be an object of toolkit slug → { "adapter": …, …options }' },
      )
      .default({}),
    // Optional: how long revokes may take. Slow providers want more, impatient callers less.
    revoke: z
      .strictObject({
        timeoutMs: z.number().int('must be a whole number of ms').min(100).max(600_000).optional(),
        deadlineMs: z.number().int('must be a whole number of ms').min(1_000).max(3_600_000).optional(),
        maxAttempts: z.number().int('must be a whole number').min(1).max(10).optional(),
      })
      .optional(),
  },
  { error: `must be a JSON object with ${ROOT_FIELDS}` },
)

/**
 * Reads and validates a config file (SPEC §5): JSON (with `//` and block comments allowed),
 * `${ENV_VAR}` interpolation in any string, zod validation, and every toolkit's adapter built
 * through `kinds`. Throws a `RevokitError` (`invalid_config`) whose `errors` name each bad field
 * and the fix, e.g. `projects[0].apiKeys[1]: ${REVOKIT_API_KEY} is not set — export it or put
 * the key in the file`.
 */
export function loadConfig(file: string, options: ConfigOptions = {}): RevokitConfig {
  const path = resolve(file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const problem =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EACCES'
          ? 'the file is not readable (permission denied)'
          : code === 'EISDIR'
            ? 'it is a directory, not a file'
            : `it could not be read (${code ?? 'unknown error'})`
    throw configError(
      path,
      [`${file}: ${problem}`],
      'Pass --config with the path of your revokit JSON config file.',
    )
  }
  return parseConfig(text, { ...options, file: path })
}

/** {@link loadConfig} for a config given as text. `file` resolves a relative sqlite path. */
export function parseConfig(text: string, options: ConfigOptions & { file?: string } = {}): RevokitConfig {
  const file = options.file
  const env = options.env ?? process.env
  const kinds = options.kinds ?? builtinKinds
  const where = file ?? 'config'

  let raw: unknown
  const stripped = stripComments(text.replace(/^\uFEFF/, ''))
  try {
    raw = JSON.parse(stripped)
  } catch {
    throw configError(
      file,
      [`${where}: invalid JSON, ${jsonErrorLocation(stripped)}`],
      'Fix the JSON syntax there: look for a missing comma, quote or brace, or a trailing comma.',
    )
  }

  const problems: string[] = []
  const interpolated = interpolate(raw, [], env, problems)
  if (problems.length > 0) {
    throw configError(
      file,
      problems,
      'Export the missing variables (or write the values into the file), then start again.',
    )
  }

  const parsed = configSchema.safeParse(interpolated)
  if (!parsed.success) {
    throw configError(
      file,
      parsed.error.issues.flatMap((issue) => issueLines(issue, interpolated)),
      'Fix the listed fields; SPEC §5 and the @revokit/server README show a complete config file.',
    )
  }
  const data = parsed.data

  const seenProjects = new Set<string>()
  const seenKeys = new Map<string, string>()
  data.projects.forEach((project, i) => {
    if (seenProjects.has(project.id))
      problems.push(`projects[${i}].id: "${project.id}" is used twice — give each project its own id`)
    seenProjects.add(project.id)
    project.apiKeys.forEach((key, j) => {
      const first = seenKeys.get(key)
      if (first !== undefined)
        problems.push(
          `projects[${i}].apiKeys[${j}]: the same key as ${first} — each key must be unique, since it selects the project`,
        )
      else seenKeys.set(key, `projects[${i}].apiKeys[${j}]`)
    })
  })

  const secrets = new Set<string>(data.projects.flatMap((p) => p.apiKeys))
  const toolkitEntries = Object.entries(data.toolkits)
  for (const [, entry] of toolkitEntries) collectSecrets(entry, secrets)
  const redactor = createRedactor(secrets)

  const adapters: RevocationAdapter[] = []
  const toolkits: Record<string, { adapter: string }> = {}
  for (const [slug, entry] of toolkitEntries) {
    const base = `toolkits.${slug}`
    const {
      adapter: kind,
      toolkit: _ignored,
      ...factoryOptions
    } = entry as Record<string, unknown> & { adapter: string }
    toolkits[slug] = { adapter: kind }
    const endpointProblems = urlProblems(factoryOptions, base)
    if (endpointProblems.length > 0) {
      problems.push(...endpointProblems)
      continue
    }
    const factory = Object.hasOwn(kinds.adapters, kind) ? kinds.adapters[kind] : undefined
    if (!factory) {
      const known = Object.keys(kinds.adapters)
      problems.push(
        `${base}.adapter: "${kind.slice(0, 40)}" is not an adapter kind this build knows — ${
          known.length
            ? `use one of ${known.map((k) => `"${k}"`).join(', ')}`
            : 'no adapter kinds are registered in this build'
        }`,
      )
      continue
    }
    try {
      const adapter = factory({ ...factoryOptions, toolkit: slug })
      if (!adapter || typeof adapter.revoke !== 'function') {
        problems.push(`${base}.adapter: the "${kind}" factory did not return an adapter`)
      } else if (adapter.toolkit !== slug) {
        problems.push(
          `${base}.adapter: the "${kind}" adapter ignored the toolkit option (it serves "${adapter.toolkit}")`,
        )
      } else {
        adapters.push(adapter)
      }
    } catch (error) {
      problems.push(
        ...factoryProblems(error, base, Object.keys(factoryOptions)).map((line) => redactor(line)),
      )
    }
  }

  let store: StoreConfig = data.store
  if (typeof store.path === 'string' && store.path !== ':memory:' && !isAbsolute(store.path)) {
    store = { ...store, path: resolve(file ? dirname(file) : process.cwd(), store.path) }
  }
  if (!Object.hasOwn(kinds.stores, store.kind)) {
    const known = Object.keys(kinds.stores)
    problems.push(
      `store.kind: "${store.kind.slice(0, 40)}" is not available in this build of @revokit/server — use ${known.map((k) => `"${k}"`).join(' or ')}${
        store.kind === 'sqlite' ? ' (the sqlite store comes with @revokit/store-sqlite)' : ''
      }`,
    )
  }

  if (problems.length > 0) {
    throw configError(file, problems, 'Fix the listed fields, then start again.')
  }

  const config: RevokitConfig = {
    file,
    port: data.port,
    store,
    projects: data.projects.map((p) => ({ id: p.id, apiKeys: [...p.apiKeys] })),
    toolkits,
    adapters,
    revoke: data.revoke ?? {},
    secrets: [],
    kinds,
  }
  Object.defineProperty(config, 'secrets', { value: [...secrets], enumerable: false })
  return config
}

function configError(file: string | undefined, problems: string[], suggestedFix: string): RevokitError {
  const first = problems[0] ?? 'unknown problem'
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
  return new RevokitError('invalid_config', {
    message: `Invalid config${file ? ` ${file}` : ''}: ${first}${more}`,
    suggestedFix,
    errors: problems,
  })
}

/** `a.b[0].c`, with `["odd key"]` for keys that are not plain words. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (typeof part === 'string' && /^[A-Za-z0-9_$-]+$/.test(part)) out += out ? `.${part}` : part
    else out += `[${JSON.stringify(String(part)).slice(0, 60)}]`
  }
  return out || 'config'
}

const ENV_REF = /\$(\$?)\{([^}]*)\}/g
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Replaces `${NAME}` in every string (`$${NAME}` stays a literal `${NAME}`), noting each problem. */
function interpolate(
  value: unknown,
  path: (string | number)[],
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (match, escaped: string, name: string) => {
      if (escaped) return match.slice(1)
      const field = formatPath(path)
      if (!ENV_NAME.test(name)) {
        problems.push(
          `${field}: \${${name.slice(0, 40)}} is not a variable reference — names are letters, digits and _ (write $\${…} for a literal)`,
        )
        return ''
      }
      const found = env[name]
      const what = path.includes('apiKeys') ? 'the key' : 'the value'
      if (found === undefined) {
        problems.push(`${field}: \${${name}} is not set — export it or put ${what} in the file`)
        return ''
      }
      if (found === '') {
        problems.push(`${field}: \${${name}} is empty — export a value or put ${what} in the file`)
        return ''
      }
      return found
    })
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, [...path, i], env, problems))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value))
      out[key] = interpolate(item, [...path, key], env, problems)
    return out
  }
  return value
}

function allowedFields(path: readonly PropertyKey[], root: unknown): string {
  if (path.length === 0) return ROOT_FIELDS
  if (path[0] === 'projects' && path.length === 2) return 'id, apiKeys'
  if (path[0] === 'store' && path.length === 1) {
    const kind = (root as { store?: { kind?: unknown } })?.store?.kind
    return kind === 'sqlite' ? 'kind, path' : 'kind'
  }
  return ''
}

function issueLines(issue: z.core.$ZodIssue, root: unknown): string[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedFields(issue.path, root)
    return issue.keys.map(
      (key) =>
        `${formatPath([...issue.path, key])}: unknown field — remove it${allowed ? ` (allowed: ${allowed})` : ''}`,
    )
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? 'invalid key'
    return [`${formatPath(issue.path)}: ${inner}`]
  }
  return [`${formatPath(issue.path)}: ${issue.message}`]
}

const SECRET_NAME = /secret|password|passphrase|private|token|apikey|api_key|credential|assertion/i

function collectSecrets(value: unknown, into: Set<string>, key = ''): void {
  if (typeof value === 'string') {
    const snake = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
    if (value.length >= 4 && (isSecretKey(snake) || SECRET_NAME.test(key))) into.add(value)
    return
  }
  if (Array.isArray(value)) for (const item of value) collectSecrets(item, into, key)
  else if (value !== null && typeof value === 'object')
    for (const [k, item] of Object.entries(value)) collectSecrets(item, into, k)
}

// Options that name a URL revokit will send tokens or client secrets to.
const URL_OPTION = /(?:url|uri|endpoint|issuer)$/i

function urlProblems(options: Record<string, unknown>, base: string): string[] {
  const out: string[] = []
  for (const [key, value] of Object.entries(options)) {
    if (!URL_OPTION.test(key) || typeof value !== 'string') continue
    const field = `${base}.${key}`
    const problem = endpointProblem(value, field)
    if (problem) out.push(`${field}: ${problem.slice(field.length).trim()}`)
  }
  return out
}

const KNOWN_OPTIONS = [
  'clientId',
  'clientSecret',
  'revocationEndpoint',
  'issuer',
  'baseUrl',
  'mode',
  'authMethod',
  'toolkit',
]

/**
 * An adapter factory's error, as config problems under the toolkit's path. Factories validate
 * with zod and name the option in their message; the option is found in a zod error's issue
 * paths, in `errors` lines (`clientSecret: …`), or as a word of the message.
 */
function factoryProblems(error: unknown, base: string, optionKeys: readonly string[]): string[] {
  const issues = (error as { issues?: unknown })?.issues
  if (Array.isArray(issues) && issues.length > 0) {
    return issues.map((issue: { path?: PropertyKey[]; message?: string }) => {
      const path =
        Array.isArray(issue.path) && issue.path.length > 0 ? `${base}.${formatPath(issue.path)}` : base
      return `${path}: ${issue.message ?? 'invalid'}`
    })
  }
  const candidates = [...new Set([...optionKeys, ...KNOWN_OPTIONS])].sort((a, b) => b.length - a.length)
  const lines = (error as { errors?: unknown })?.errors
  const texts =
    Array.isArray(lines) && lines.length > 0 && lines.every((l) => typeof l === 'string')
      ? (lines as string[])
      : [error instanceof Error ? error.message : String(error)]
  return texts.map((text) => {
    const option = candidates.find((name) =>
      new RegExp(`(?:^|[^A-Za-z0-9_])${name}(?![A-Za-z0-9_])`).test(text),
    )
    const cleaned = option ? text.replace(new RegExp(`^(?:options\\.)?${option}\\s*:\\s*`), '') : text
    return `${option ? `${base}.${option}` : base}: ${cleaned}`
  })
}

/**
 * Removes `//` and block comments outside strings, keeping every newline and the length of each
 * line, so a JSON error position still points at the right line and column.
 */
function stripComments(text: string): string {
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
