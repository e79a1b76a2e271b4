import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { createRedactor, type EncryptionOptions, type Redactor, type RevocationAdapter } from '@revokit/core'
import { hashApiKey, keyOf, type ProjectKeys } from './auth'
import { encryptionOf } from './config/encryption'
import { interpolate } from './config/interpolate'
import { parseJsonc } from './config/jsonc'
import { configError } from './config/problems'
import { type ConfigData, configIssueLines, configSchema } from './config/schema'
import { buildToolkit, resolveDefinitions, type ToolkitEntry, toolkitSecrets } from './config/toolkits'
import { builtinKinds, type Kinds } from './kinds'
import type { ServerLimits } from './node-server'
import type { RateLimitOptions } from './rate-limit'

/**
 * The store entry of a config file: `{ kind: "sqlite", path }`, `{ kind: "postgres", url, schema? }`,
 * `{ kind: "memory" }`, or a registered kind's options.
 */
export type StoreConfig = {
  readonly kind: string
  readonly path?: string
  readonly [option: string]: unknown
}

/**
 * A validated config file with its adapters built. API keys are kept only as digests, and the
 * adapters' secrets are on no enumerable property, so logging a config prints no secret.
 */
export interface RevokitConfig {
  /** Absolute path of the file, when loaded from one. */
  readonly file: string | undefined
  /** @default 8080 */
  readonly port: number
  /**
   * The server's external origin (and path prefix, if any), without a trailing slash: the OAuth
   * redirect URI is `{publicUrl}/api/v3/toolkits/auth/callback`. See {@link redirectUriFor}.
   */
  readonly publicUrl: string | undefined
  /** A sqlite `path` is absolute: resolved against the config file's directory. */
  readonly store: StoreConfig
  /**
   * The projects with their API keys as digests only ({@link HashedApiKey}, each keeping its
   * `credentials` flag): the keys themselves are not kept once the config is loaded.
   */
  readonly projects: readonly ProjectKeys[]
  /** Toolkit slug → adapter kind (options are not kept here: they hold secrets). */
  readonly toolkits: Readonly<Record<string, { readonly adapter: string }>>
  /** Engine limits from the optional `revoke` section (`timeoutMs`, `deadlineMs`, `maxAttempts`). */
  readonly revoke: {
    readonly timeoutMs?: number
    readonly deadlineMs?: number
    readonly maxAttempts?: number
  }
  /** node:http timeouts and the connection cap from the optional `limits` section. */
  readonly limits: ServerLimits
  /** The optional `rateLimit` section: per-key request rates, or false for none. */
  readonly rateLimit: RateLimitOptions | false
  /** One adapter per toolkit, built by the definitions' factories. */
  readonly adapters: readonly RevocationAdapter[]
  /** Values to hide from logs and responses: the options adapters declare secret. */
  readonly secrets: readonly string[]
  /**
   * Hides the API keys and {@link secrets} in text. The keys live only inside it (a closure, not
   * a property), so nothing that inspects the config finds them.
   */
  readonly redactor: Redactor
  /** The registry the config was built with (it also opens the store). */
  readonly kinds: Kinds
  /**
   * The engine's encryption keys, from `REVOKIT_ENCRYPTION_KEY` (current) and
   * `REVOKIT_ENCRYPTION_KEYS_PREVIOUS`; undefined when unset or `"encryption": "off"`. Not
   * enumerable, like `secrets`.
   */
  readonly encryption: EncryptionOptions | undefined
}

/** Options of {@link loadConfig} and {@link parseConfig}. */
export interface ConfigOptions {
  /** Where `${VAR}` values come from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
  /** Adapter and store kinds. @default builtinKinds */
  kinds?: Kinds
}

/**
 * Reads and validates a config file: JSON (with `//` and block comments allowed), `${ENV_VAR}`
 * interpolation in any string, zod validation, and every toolkit's adapter built from its
 * definition (a registered kind, or an npm package or `./path` exporting one, resolved from the
 * file's directory). Rejects with a `RevokitError` (`invalid_config`) whose `errors` name each
 * bad field and the fix, e.g. `projects[0].apiKeys[1]: ${REVOKIT_API_KEY} is not set — export it
 * or put the key in the file`.
 */
export async function loadConfig(file: string, options: ConfigOptions = {}): Promise<RevokitConfig> {
  const path = resolve(file)
  let text: string
  try {
    text = await readFile(path, 'utf8')
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

/**
 * {@link loadConfig} for a config given as text. `file` is where relative paths (a sqlite path,
 * an adapter module) are resolved from; without it, the working directory.
 */
export async function parseConfig(
  text: string,
  options: ConfigOptions & { file?: string } = {},
): Promise<RevokitConfig> {
  const file = options.file
  const env = options.env ?? process.env
  const kinds = options.kinds ?? builtinKinds
  const dir = file ? dirname(file) : process.cwd()

  const raw = parseJsonc(text, file)
  const problems: string[] = []
  const interpolated = interpolate(raw, env, problems)
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
      configIssueLines(parsed.error.issues, interpolated),
      'Fix the listed fields; the @revokit/server README shows a complete config file.',
    )
  }
  const data = parsed.data

  problems.push(...projectProblems(data.projects))
  const entries: ToolkitEntry[] = Object.entries(data.toolkits).map(([slug, entry]) => {
    const {
      adapter: kind,
      toolkit: _forbidden,
      ...rest
    } = entry as Record<string, unknown> & {
      adapter: string
    }
    return { slug, kind, options: rest }
  })
  const definitions = await resolveDefinitions(entries, kinds, [...new Set([dir, process.cwd()])], problems)
  const store = storeOf(data.store, dir, kinds, problems)
  const encryption = encryptionOf(data.encryption, store, env, problems)
  const secrets = new Set<string>([
    ...toolkitSecrets(entries, definitions),
    ...storeSecrets(data.store),
    ...encryption.secrets,
  ])
  const redactor = createRedactor([...data.projects.flatMap((p) => p.apiKeys.map(keyOf)), ...secrets])
  const adapters: RevocationAdapter[] = []
  for (const entry of entries) {
    const definition = definitions.get(entry.slug)
    const adapter = definition && buildToolkit(entry, definition, redactor, problems)
    if (adapter) adapters.push(adapter)
  }

  if (problems.length > 0) {
    throw configError(file, problems, 'Fix the listed fields, then start again.')
  }

  const config: RevokitConfig = {
    file,
    port: data.port,
    publicUrl: data.publicUrl,
    store,
    projects: data.projects.map((p) => ({ id: p.id, apiKeys: p.apiKeys.map(hashApiKey) })),
    toolkits: Object.fromEntries(entries.map((e) => [e.slug, { adapter: e.kind }])),
    adapters,
    revoke: data.revoke ?? {},
    limits: data.limits ?? {},
    rateLimit: data.rateLimit ?? {},
    secrets: [],
    redactor,
    kinds,
    encryption: undefined,
  }
  Object.defineProperty(config, 'secrets', { value: [...secrets], enumerable: false })
  Object.defineProperty(config, 'redactor', { value: redactor, enumerable: false })
  Object.defineProperty(config, 'encryption', { value: encryption.options, enumerable: false })
  return config
}

/** Project ids and API keys must be unique: a key selects its project. */
function projectProblems(projects: ConfigData['projects']): string[] {
  const problems: string[] = []
  const seenProjects = new Set<string>()
  const seenKeys = new Map<string, string>()
  projects.forEach((project, i) => {
    if (seenProjects.has(project.id))
      problems.push(`projects[${i}].id: "${project.id}" is used twice — give each project its own id`)
    seenProjects.add(project.id)
    project.apiKeys
      .map((k) => (typeof k === 'string' ? k : k.key))
      .forEach((key, j) => {
        const first = seenKeys.get(key)
        if (first !== undefined)
          problems.push(
            `projects[${i}].apiKeys[${j}]: the same key as ${first} — each key must be unique, since it selects the project`,
          )
        else seenKeys.set(key, `projects[${i}].apiKeys[${j}]`)
      })
  })
  return problems
}

/** A store URL's password (and the URL holding it), hidden from logs and responses like API keys. */
function storeSecrets(store: StoreConfig): string[] {
  if (typeof store.url !== 'string') return []
  try {
    const password = decodeURIComponent(new URL(store.url).password)
    // The password alone: the rest of the URL (scheme, host, database) is not secret, and the
    // redactor hides any 8 characters of a known value, so the whole URL would hide host names.
    return password ? [password] : []
  } catch {
    return [store.url]
  }
}

/** The store entry with a relative `path` made absolute, if this build has its kind. */
function storeOf(entry: StoreConfig, dir: string, kinds: Kinds, problems: string[]): StoreConfig {
  let store = entry
  if (typeof store.path === 'string' && store.path !== ':memory:' && !isAbsolute(store.path)) {
    store = { ...store, path: resolve(dir, store.path) }
  }
  if (!Object.hasOwn(kinds.stores, store.kind)) {
    const known = Object.keys(kinds.stores)
    problems.push(
      `store.kind: "${store.kind.slice(0, 40)}" is not available in this build of @revokit/server — use ${known.map((k) => `"${k}"`).join(' or ')}${
        store.kind === 'sqlite' || store.kind === 'postgres'
          ? ` (the ${store.kind} store comes with @revokit/store-${store.kind})`
          : ''
      }`,
    )
  }
  return store
}
