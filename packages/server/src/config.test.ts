// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files spell environment variables as ${VAR}
// The config loader: every kind of mistake is reported under its field path with a fix, and a
// valid file (the spec's own example included) builds one adapter per toolkit from the adapters'
// definitions. Long on purpose: the table of every config mistake and its exact message is one
// list a reader scans to find what the loader says.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AdapterDefinition, defineAdapter, isRevokitError, type RevokitError } from '@revokit/core'
import { scriptedAdapter } from '@revokit/core/testing'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { withTestKey } from '../test/encryption-key'
import { testKinds } from '../test/kinds'
import { createKeyMatcher } from './auth'
import { loadConfig, parseConfig } from './config'
import { adapterKinds, builtinDefinitions, type Kinds } from './kinds'
import { openRevokit } from './runtime'

const KEY = 'config-test-key-000001'
const base = () => ({
  port: 8080,
  store: { kind: 'memory' },
  projects: [{ id: 'default', apiKeys: [KEY] }],
  toolkits: { acme: { adapter: 'test' } },
})

const { kinds } = testKinds()

async function fail(text: string, options: Parameters<typeof parseConfig>[1] = {}): Promise<RevokitError> {
  try {
    await parseConfig(text, { kinds, env: withTestKey(), ...options })
  } catch (error) {
    expect(isRevokitError(error)).toBe(true)
    const failure = error as RevokitError
    expect(failure.slug).toBe('invalid_config')
    expect(failure.message).toContain(failure.errors[0] as string)
    return failure
  }
  throw new Error('expected the config to be refused')
}

const failWith = async (
  mutate: (config: ReturnType<typeof base> & Record<string, unknown>) => void,
  env = {},
) => {
  const config = base() as ReturnType<typeof base> & Record<string, unknown>
  mutate(config)
  return fail(JSON.stringify(config), { env })
}

describe('config file', () => {
  it('accepts the spec’s example as written (comments included) and builds one adapter per toolkit key', async () => {
    const example = `{ "port": 8080,
  "store": { "kind": "sqlite", "path": "./revokit.db" },          // or { "kind": "memory" }
  "projects": [ { "id": "default", "apiKeys": ["\${REVOKIT_API_KEY}"] } ],
  "toolkits": {                                                    // key = toolkit slug
    "google": { "adapter": "google" },
    "github": { "adapter": "github", "clientId": "...", "clientSecret": "\${GITHUB_CLIENT_SECRET}", "mode": "token" },
    "slack":  { "adapter": "slack" },
    "acme":   { "adapter": "rfc7009", "issuer": "https://id.acme.example", "clientId": "...",
                "clientSecret": "\${ACME_SECRET}", "authMethod": "client_secret_basic" } } }`
    const received: Record<string, Record<string, unknown>> = {}
    // The real definitions (their schemas validate the example), with factories that record.
    const record = (definition: AdapterDefinition): AdapterDefinition => ({
      ...definition,
      create: (options) => {
        received[options.toolkit as string] = options
        return scriptedAdapter({ toolkit: options.toolkit as string })
      },
    })
    const stores: Record<string, unknown>[] = []
    const specKinds: Kinds = {
      adapters: adapterKinds(builtinDefinitions.map(record)),
      stores: {
        sqlite: (options) => {
          stores.push(options)
          return kinds.stores.memory?.({}) as never
        },
      },
    }
    const dir = mkdtempSync(join(tmpdir(), 'revokit-config-'))
    const file = join(dir, 'revokit.json')
    writeFileSync(file, example)
    const config = await loadConfig(file, {
      kinds: specKinds,
      env: withTestKey({
        REVOKIT_API_KEY: 'fake-api-key-from-env-0001',
        GITHUB_CLIENT_SECRET: 'fake-github-secret',
        ACME_SECRET: 'fake-acme-secret',
      }),
    })
    expect(config.port).toBe(8080)
    expect(config.store).toEqual({ kind: 'sqlite', path: join(dir, 'revokit.db') })
    expect(config.projects.map((p) => p.id)).toEqual(['default'])
    expect(createKeyMatcher(config.projects)('fake-api-key-from-env-0001')?.projectId).toBe('default')
    expect(config.adapters.map((a) => a.toolkit)).toEqual(['google', 'github', 'slack', 'acme'])
    expect(received.github).toEqual({
      toolkit: 'github',
      clientId: '...',
      clientSecret: 'fake-github-secret',
      mode: 'token',
    })
    expect(received.acme).toEqual({
      toolkit: 'acme',
      issuer: 'https://id.acme.example',
      clientId: '...',
      clientSecret: 'fake-acme-secret',
      authMethod: 'client_secret_basic',
    })
    expect(received.google).toEqual({ toolkit: 'google' })
    expect(config.toolkits).toEqual({
      google: { adapter: 'google' },
      github: { adapter: 'github' },
      slack: { adapter: 'slack' },
      acme: { adapter: 'rfc7009' },
    })
    // Secrets are known for redaction but not printed with the config.
    expect(config.secrets).toEqual(expect.arrayContaining(['fake-github-secret', 'fake-acme-secret']))
    expect(config.redactor('fake-api-key-from-env-0001')).toBe('[REDACTED]')
    expect(JSON.stringify(config)).not.toContain('fake-github-secret')
    expect(JSON.stringify(config)).not.toContain('fake-acme-secret')
  })

  it('reads limits and rateLimit, defaulting to none set and the default rate', async () => {
    const plain = await parseConfig(JSON.stringify(base()), { kinds })
    expect(plain.limits).toEqual({})
    expect(plain.rateLimit).toEqual({})
    const set = await parseConfig(
      JSON.stringify({
        ...base(),
        limits: {
          headersTimeoutMs: 2000,
          requestTimeoutMs: 4000,
          keepAliveTimeoutMs: 65000,
          maxConnections: 50,
        },
        rateLimit: { requestsPerMinute: 120, burst: 20 },
      }),
      { kinds },
    )
    expect(set.limits).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      keepAliveTimeoutMs: 65000,
      maxConnections: 50,
    })
    expect(set.rateLimit).toEqual({ requestsPerMinute: 120, burst: 20 })
    const off = await parseConfig(JSON.stringify({ ...base(), rateLimit: false }), { kinds })
    expect(off.rateLimit).toBe(false)
  })

  it('defaults port to 8080 and toolkits to none; takes a port from the environment', async () => {
    const config = await parseConfig(
      JSON.stringify({ store: { kind: 'memory' }, projects: [{ id: 'p', apiKeys: [KEY] }] }),
      { kinds, env: withTestKey() },
    )
    expect(config.port).toBe(8080)
    expect(config.adapters).toEqual([])
    const fromEnv = await parseConfig(JSON.stringify({ ...base(), port: '${PORT}' }), {
      kinds,
      env: { PORT: '9091' },
    })
    expect(fromEnv.port).toBe(9091)
  })

  it('a missing file, a directory, and invalid JSON name the file and say where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revokit-config-'))
    for (const [file, says] of [
      [join(dir, 'nope.json'), 'does not exist'],
      [dir, 'is a directory'],
    ] as const) {
      try {
        await loadConfig(file, { kinds })
        throw new Error('expected a failure')
      } catch (error) {
        const failure = error as RevokitError
        expect(failure.slug).toBe('invalid_config')
        expect(failure.errors[0]).toBe(
          `${file}: ${says === 'is a directory' ? 'it is a directory, not a file' : 'the file does not exist'}`,
        )
        expect(failure.suggestedFix).toContain('--config')
      }
    }
    const bad = join(dir, 'bad.json')
    writeFileSync(
      bad,
      '{\n  "port": 8080,\n  "projects": [{ "id": "default", "apiKeys": [fake-unquoted-secret-key] }]\n}',
    )
    try {
      await loadConfig(bad, { kinds })
      throw new Error('expected a failure')
    } catch (error) {
      const failure = error as RevokitError
      expect(failure.errors[0]).toBe(`${bad}: invalid JSON, unexpected character at line 3, column 49`)
      expect(JSON.stringify({ ...failure, message: failure.message })).not.toContain('fake-unquoted')
    }
  })

  it('a missing or empty environment variable names the field and the variable, never a value', async () => {
    const error = await failWith((c) => {
      c.projects = [{ id: 'default', apiKeys: [KEY, '${REVOKIT_API_KEY}'] }]
    })
    expect(error.errors).toEqual([
      'projects[0].apiKeys[1]: ${REVOKIT_API_KEY} is not set — export it or put the key in the file',
    ])
    const empty = await failWith(
      (c) => {
        c.toolkits = { acme: { adapter: 'test', clientSecret: '${ACME_SECRET}' } as never }
      },
      { ACME_SECRET: '' },
    )
    expect(empty.errors).toEqual([
      'toolkits.acme.clientSecret: ${ACME_SECRET} is empty — export a value or put the value in the file',
    ])
    const badName = await failWith((c) => {
      c.store = { kind: '${not a name}' }
    })
    expect(badName.errors[0]).toMatch(/^store\.kind: \$\{not a name\} is not a variable reference/)
  })

  it('$${NAME} is a literal ${NAME}, and variables interpolate inside longer strings', async () => {
    const config = await parseConfig(
      JSON.stringify({
        ...base(),
        projects: [{ id: 'p', apiKeys: ['$${NOT_EXPANDED}-0123456789', 'prefix-${PART}-suffix'] }],
      }),
      { kinds, env: { PART: 'middle0123' } },
    )
    const grantOf = createKeyMatcher(config.projects)
    expect(grantOf('${NOT_EXPANDED}-0123456789')?.projectId).toBe('p')
    expect(grantOf('prefix-middle0123-suffix')?.projectId).toBe('p')
  })

  it.each([
    [
      'an unknown top-level field',
      (c: Record<string, unknown>) => (c.listen = 1),
      'listen: unknown field — remove it (allowed: port, publicUrl, store, projects, toolkits, revoke, limits, rateLimit, encryption)',
    ],
    [
      'a port that is not a number',
      (c: Record<string, unknown>) => (c.port = 'eighty'),
      'port: must be a port number such as 8080',
    ],
    [
      'a port out of range',
      (c: Record<string, unknown>) => (c.port = 70000),
      'port: must be from 0 to 65535',
    ],
    [
      'a fractional port',
      (c: Record<string, unknown>) => (c.port = 80.5),
      'port: must be a whole number such as 8080',
    ],
    [
      'no store',
      (c: Record<string, unknown>) => delete c.store,
      'store: is required — add "store": { "kind": "sqlite", "path": "./revokit.db" }',
    ],
    [
      'a store that is not an object',
      (c: Record<string, unknown>) => (c.store = 'sqlite'),
      'store: must be an object such as { "kind": "sqlite", "path": "./revokit.db" } or { "kind": "memory" }',
    ],
    [
      'a sqlite store without a path',
      (c: Record<string, unknown>) => (c.store = { kind: 'sqlite' }),
      'store.path: is required — add "path": "./revokit.db"',
    ],
    [
      'an unknown store field',
      (c: Record<string, unknown>) => (c.store = { kind: 'memory', path: 'x' }),
      'store.path: unknown field — remove it (allowed: kind)',
    ],
    [
      'an unknown store kind',
      (c: Record<string, unknown>) => (c.store = { kind: 'redis' }),
      'store.kind: "redis" is not available in this build of @revokit/server — use "memory" or "sqlite" or "postgres" or "shared"',
    ],
    [
      'a postgres store without a url',
      (c: Record<string, unknown>) => (c.store = { kind: 'postgres' }),
      'store.url: is required — add "url": "${DATABASE_URL}"',
    ],
    [
      'a postgres store whose url is not a postgres:// URL (not echoed: it may hold a password)',
      (c: Record<string, unknown>) => (c.store = { kind: 'postgres', url: 'mysql://root:fake-pw-999@db/x' }),
      'store.url: must be a postgres:// URL such as "${DATABASE_URL}"',
    ],
    [
      'an unknown postgres store field',
      (c: Record<string, unknown>) => (c.store = { kind: 'postgres', url: 'postgres://db/x', path: 'x' }),
      'store.path: unknown field — remove it (allowed: kind, url, schema)',
    ],
    [
      'no projects',
      (c: Record<string, unknown>) => delete c.projects,
      'projects: is required — add "projects": [{ "id": "default", "apiKeys": ["${REVOKIT_API_KEY}"] }]',
    ],
    [
      'an empty project list',
      (c: Record<string, unknown>) => (c.projects = []),
      'projects: needs at least one project, e.g. [{ "id": "default", "apiKeys": ["${REVOKIT_API_KEY}"] }]',
    ],
    [
      'a project without an id',
      (c: Record<string, unknown>) => (c.projects = [{ apiKeys: [KEY] }]),
      'projects[0].id: is required — add "id": "default"',
    ],
    [
      'a project without keys',
      (c: Record<string, unknown>) => (c.projects = [{ id: 'p', apiKeys: [] }]),
      'projects[0].apiKeys: needs at least one key, e.g. ["${REVOKIT_API_KEY}"]',
    ],
    [
      'a short API key',
      (c: Record<string, unknown>) => (c.projects = [{ id: 'p', apiKeys: [KEY, 'short'] }]),
      'projects[0].apiKeys[1]: must be at least 16 characters — generate one with: openssl rand -hex 32',
    ],
    [
      'an API key with a trailing space (it could never authenticate)',
      (c: Record<string, unknown>) => (c.projects = [{ id: 'p', apiKeys: [`${KEY} `] }]),
      'projects[0].apiKeys[0]: must be printable ASCII without spaces — check the value for a stray space, newline or non-ASCII character',
    ],
    [
      'an API key with a non-ASCII character',
      (c: Record<string, unknown>) => (c.projects = [{ id: 'p', apiKeys: [`${KEY}é`] }]),
      'projects[0].apiKeys[0]: must be printable ASCII without spaces — check the value for a stray space, newline or non-ASCII character',
    ],
    [
      'a key that is not a string',
      (c: Record<string, unknown>) => (c.projects = [{ id: 'p', apiKeys: [12345] }]),
      'projects[0].apiKeys[0]: must be a string such as "${REVOKIT_API_KEY}", or { "key": "${REVOKIT_API_KEY}", "credentials": true } for a key that may read tokens',
    ],
    [
      'an unknown project field',
      (c: Record<string, unknown>) => (c.projects = [{ id: 'p', apiKeys: [KEY], name: 'x' }]),
      'projects[0].name: unknown field — remove it (allowed: id, apiKeys)',
    ],
    [
      'two projects with one id',
      (c: Record<string, unknown>) =>
        (c.projects = [
          { id: 'p', apiKeys: [KEY] },
          { id: 'p', apiKeys: [`${KEY}-2`] },
        ]),
      'projects[1].id: "p" is used twice — give each project its own id',
    ],
    [
      'one key in two projects',
      (c: Record<string, unknown>) =>
        (c.projects = [
          { id: 'p', apiKeys: [KEY] },
          { id: 'q', apiKeys: [KEY] },
        ]),
      'projects[1].apiKeys[0]: the same key as projects[0].apiKeys[0] — each key must be unique, since it selects the project',
    ],
    [
      'a toolkit key that is not a slug',
      (c: Record<string, unknown>) => (c.toolkits = { 'Google Drive': { adapter: 'test' } }),
      'toolkits["Google Drive"]: must be a lowercase toolkit slug such as "google" or "gmail" (a-z, 0-9, - and _)',
    ],
    [
      'a toolkit without an adapter',
      (c: Record<string, unknown>) => (c.toolkits = { acme: { clientId: 'x' } }),
      'toolkits.acme.adapter: is required — add "adapter": "google" (or "github", "slack", "rfc7009")',
    ],
    [
      'a toolkit that sets toolkit',
      (c: Record<string, unknown>) => (c.toolkits = { gmail: { adapter: 'test', toolkit: 'google' } }),
      'toolkits.gmail.toolkit: remove it: the entry’s key is the toolkit slug',
    ],
    [
      'an unknown adapter kind',
      (c: Record<string, unknown>) => (c.toolkits = { acme: { adapter: 'okta' } }),
      'toolkits.acme.adapter: "okta" is not an adapter kind this build knows — use one of "google", "github", "slack", "rfc7009", "test", "strict"',
    ],
    [
      'a plain-http endpoint off loopback',
      (c: Record<string, unknown>) =>
        (c.toolkits = { acme: { adapter: 'test', revocationEndpoint: 'http://auth.example.com/revoke' } }),
      'toolkits.acme.revocationEndpoint: must use https://; plain http:// is only accepted for loopback hosts such as 127.0.0.1',
    ],
    [
      'a plain-http *.localhost name (only some resolvers send it to loopback)',
      (c: Record<string, unknown>) =>
        (c.toolkits = { acme: { adapter: 'test', revocationEndpoint: 'http://auth.localhost:8080/revoke' } }),
      'toolkits.acme.revocationEndpoint: must use https://; plain http:// is only accepted for loopback hosts such as 127.0.0.1',
    ],
    [
      'a plain-http publicUrl on a *.localhost name',
      (c: Record<string, unknown>) => (c.publicUrl = 'http://revokit.localhost:8080'),
      'publicUrl: must use https://; plain http:// is only accepted for loopback hosts such as 127.0.0.1',
    ],
    [
      'a plain-http issuer off loopback',
      (c: Record<string, unknown>) => (c.toolkits = { acme: { adapter: 'test', issuer: 'http://10.0.0.5' } }),
      'toolkits.acme.issuer: must use https://; plain http:// is only accepted for loopback hosts such as 127.0.0.1',
    ],
    [
      'a base URL that is not a URL',
      (c: Record<string, unknown>) =>
        (c.toolkits = { ghe: { adapter: 'test', baseUrl: 'github.example.com' } }),
      'toolkits.ghe.baseUrl: must be an absolute URL such as https://auth.example.com/revoke',
    ],
    [
      'an adapter option the factory refuses',
      (c: Record<string, unknown>) => (c.toolkits = { acme: { adapter: 'strict' } }),
      'toolkits.acme.clientId: strict: clientId is required (a string)',
    ],
    [
      'another adapter option the factory refuses',
      (c: Record<string, unknown>) =>
        (c.toolkits = { acme: { adapter: 'strict', clientId: 'x', authMethod: 'private_key_jwt' } }),
      'toolkits.acme.authMethod: strict: authMethod must be "client_secret_basic"',
    ],
    [
      'a timeout below its minimum',
      (c: Record<string, unknown>) => (c.limits = { headersTimeoutMs: 5 }),
      'limits.headersTimeoutMs: must be at least 100 ms',
    ],
    [
      'headers allowed longer than the whole request',
      (c: Record<string, unknown>) => (c.limits = { headersTimeoutMs: 20000, requestTimeoutMs: 10000 }),
      'limits.headersTimeoutMs: must not be more than requestTimeoutMs — the headers are part of the request',
    ],
    [
      'an unknown limit',
      (c: Record<string, unknown>) => (c.limits = { maxBody: 1 }),
      'limits.maxBody: unknown field — remove it (allowed: headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections)',
    ],
    [
      'a rate limit that is neither false nor an object',
      (c: Record<string, unknown>) => (c.rateLimit = true),
      'rateLimit: must be false, or an object such as { "requestsPerMinute": 600, "burst": 100 }',
    ],
  ])('names the field for %s', async (_what, mutate, line) => {
    const error = await failWith(mutate as (c: Record<string, unknown>) => void)
    expect(error.errors).toContain(line)
    expect(error.suggestedFix.length).toBeGreaterThan(10)
  })

  it('accepts plain http on loopback (local test servers)', async () => {
    const config = await parseConfig(
      JSON.stringify({
        ...base(),
        toolkits: { acme: { adapter: 'test', revocationEndpoint: 'http://127.0.0.1:9000/revoke' } },
      }),
      { kinds, env: withTestKey() },
    )
    expect(config.adapters).toHaveLength(1)
  })

  it('reports every problem at once, not just the first', async () => {
    const error = await failWith((c) => {
      c.port = -1
      c.projects = []
      c.toolkits = { acme: {} } as never
    })
    expect(error.errors).toHaveLength(3)
    expect(error.message).toContain('(and 2 more)')
  })

  it('reports a definition’s schema issues under each issue’s path, and never echoes a secret a factory names', async () => {
    const zodded = defineAdapter({
      name: 'zodded',
      options: z.strictObject({
        toolkit: z.string(),
        clientId: z.string(),
        clientSecret: z.string().min(40),
      }),
      secrets: ['clientSecret'],
      endpoints: [],
      create: (options) => scriptedAdapter({ toolkit: options.toolkit }),
    })
    const echoes = defineAdapter({
      name: 'echoes',
      options: z.looseObject({ toolkit: z.string(), clientSecret: z.string() }),
      secrets: ['clientSecret'],
      endpoints: [],
      create: (options) => {
        throw new Error(`echoes: clientSecret "${options.clientSecret}" was rejected`)
      },
    })
    const zodKinds: Kinds = { adapters: adapterKinds([zodded, echoes]), stores: kinds.stores }
    const zoddedError = await fail(
      JSON.stringify({
        ...base(),
        toolkits: { acme: { adapter: 'zodded', clientSecret: 'short', extra: 1 } },
      }),
      {
        kinds: zodKinds,
      },
    )
    expect(zoddedError.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^toolkits\.acme\.clientId: /),
        expect.stringMatching(/^toolkits\.acme\.clientSecret: /),
        expect.stringMatching(/^toolkits\.acme: .*extra/),
      ]),
    )
    const echoed = await fail(
      JSON.stringify({ ...base(), toolkits: { acme: { adapter: 'echoes', clientSecret: '${SECRET}' } } }),
      { kinds: zodKinds, env: { SECRET: 'fake-secret-value-echoed' } },
    )
    expect(echoed.errors[0]).toMatch(/^toolkits\.acme: echoes: clientSecret "\[REDACTED\]" was rejected$/)
    expect(JSON.stringify(echoed.toEnvelope())).not.toContain('fake-secret-value-echoed')
  })

  it('resolves a relative store path against the config file’s directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revokit-config-'))
    mkdirSync(join(dir, 'conf'))
    const file = join(dir, 'conf', 'revokit.json')
    writeFileSync(file, JSON.stringify({ ...base(), store: { kind: 'sqlite', path: '../data/revokit.db' } }))
    const sqliteKinds: Kinds = { adapters: kinds.adapters, stores: { sqlite: () => ({}) as never } }
    expect((await loadConfig(file, { kinds: sqliteKinds, env: withTestKey() })).store).toEqual({
      kind: 'sqlite',
      path: join(dir, 'data', 'revokit.db'),
    })
    const absolute = await parseConfig(
      JSON.stringify({ ...base(), store: { kind: 'sqlite', path: '/var/lib/revokit.db' } }),
      {
        kinds: sqliteKinds,
        env: withTestKey(),
        file,
      },
    )
    expect(absolute.store.path).toBe('/var/lib/revokit.db')
  })

  it('a store that cannot be opened is a config error under store.path, without secrets', async () => {
    const failing: Kinds = {
      adapters: kinds.adapters,
      stores: {
        sqlite: (options) => {
          throw new Error(
            `SQLITE_CANTOPEN: unable to open database file ${String(options.path)} (token=fake-in-driver-msg)`,
          )
        },
      },
    }
    const config = await parseConfig(
      JSON.stringify({ ...base(), store: { kind: 'sqlite', path: '/nonexistent/dir/x.db' } }),
      {
        kinds: failing,
        env: withTestKey(),
      },
    )
    const error = await openRevokit(config).then(
      () => undefined,
      (e: RevokitError) => e,
    )
    expect(error?.slug).toBe('invalid_config')
    expect(error?.errors[0]).toMatch(
      /^store\.path: SQLITE_CANTOPEN: unable to open database file \/nonexistent\/dir\/x\.db/,
    )
    expect(error?.errors[0]).not.toContain('fake-in-driver-msg')
    expect(error?.suggestedFix).toContain('directory of store.path exists')
  })

  it('takes a postgres store from ${DATABASE_URL} and hides its password like an API key', async () => {
    const config = await parseConfig(
      JSON.stringify({ ...base(), store: { kind: 'postgres', url: '${DATABASE_URL}', schema: 'tenant_a' } }),
      { kinds, env: withTestKey({ DATABASE_URL: 'postgres://revokit:fake-db-pw-42@db.internal:5432/app' }) },
    )
    expect(config.store).toEqual({
      kind: 'postgres',
      url: 'postgres://revokit:fake-db-pw-42@db.internal:5432/app',
      schema: 'tenant_a',
    })
    expect(config.secrets).toContain('fake-db-pw-42')
  })

  it('a postgres store is persistent: without REVOKIT_ENCRYPTION_KEY it is refused, naming the variable', async () => {
    const error = await parseConfig(
      JSON.stringify({ ...base(), store: { kind: 'postgres', url: '${DATABASE_URL}' } }),
      {
        kinds,
        env: { DATABASE_URL: 'postgres://revokit:fake-db-pw-44@db.internal:5432/app' },
      },
    ).then(
      () => undefined,
      (e: RevokitError) => e,
    )
    expect(error?.slug).toBe('invalid_config')
    expect(error?.errors.join('\n')).toContain('REVOKIT_ENCRYPTION_KEY')
    expect(JSON.stringify(error?.toEnvelope())).not.toContain('fake-db-pw-44')
  })

  it('a postgres store that cannot be reached is a config error under store.url, without the password', async () => {
    const config = await parseConfig(
      JSON.stringify({ ...base(), store: { kind: 'postgres', url: '${DATABASE_URL}' } }),
      { kinds, env: withTestKey({ DATABASE_URL: 'postgres://revokit:fake-db-pw-43@127.0.0.1:1/app' }) },
    )
    const error = await openRevokit(config).then(
      () => undefined,
      (e: RevokitError) => e,
    )
    expect(error?.slug).toBe('invalid_config')
    expect(error?.errors[0]).toMatch(
      /^store\.url: postgresStore\(revokit\): migrate failed: connect ECONNREFUSED/,
    )
    expect(error?.suggestedFix).toContain('reachable at store.url')
    expect(JSON.stringify(error?.toEnvelope())).not.toContain('fake-db-pw-43')
  })

  it('says the sqlite store needs its package when this build lacks it', async () => {
    const noSqlite: Kinds = { adapters: kinds.adapters, stores: { memory: kinds.stores.memory as never } }
    const error = await fail(JSON.stringify({ ...base(), store: { kind: 'sqlite', path: './x.db' } }), {
      kinds: noSqlite,
    })
    expect(error.errors).toEqual([
      'store.kind: "sqlite" is not available in this build of @revokit/server — use "memory" (the sqlite store comes with @revokit/store-sqlite)',
    ])
  })
})

describe('config file: the optional revoke section', () => {
  it('sets the engine limits, and names a bad one', async () => {
    const good = await parseConfig(
      JSON.stringify({ ...base(), revoke: { timeoutMs: 5000, deadlineMs: 60000, maxAttempts: 5 } }),
      { env: withTestKey(), kinds },
    )
    expect(good.revoke).toEqual({ timeoutMs: 5000, deadlineMs: 60000, maxAttempts: 5 })
    expect((await parseConfig(JSON.stringify(base()), { env: withTestKey(), kinds })).revoke).toEqual({})
    const error = await fail(JSON.stringify({ ...base(), revoke: { deadlineMs: 10, retries: 2 } }))
    expect(error.errors.join('\n')).toMatch(/revoke\.deadlineMs: .*1000/)
    expect(error.errors.join('\n')).toMatch(/revoke\.retries/)
  })
})
