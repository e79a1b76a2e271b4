// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the messages show users the literal ${VAR} syntax of the config file
import { endpointProblem, formatIssues, type SchemaIssue, toolkitSlugSchema } from '@revokit/core'
import * as z from 'zod'
import { builtinDefinitions } from '../kinds'
import { formatPath } from './problems'

// The shape of a config file. What a toolkit entry may hold besides `adapter` is not here: each
// adapter's own definition validates it (see ./toolkits).

const ROOT_FIELDS = 'port, publicUrl, store, projects, toolkits, revoke, limits, rateLimit, encryption'

// The adapter kinds named in messages: the built-in definitions, in their order.
const names = builtinDefinitions.map((d) => `"${d.name}"`)
const [firstName = '"google"', ...otherNames] = names

// zod messages that say what is wrong AND what to write instead. `iss.input === undefined` is a
// missing field.
const expect =
  (required: string, wrong: string) =>
  (iss: { input?: unknown }): string =>
    iss.input === undefined ? `is required — ${required}` : wrong

const keyString = z
  .string({ error: 'must be a string — write "${REVOKIT_API_KEY}" to take it from the environment' })
  .min(16, 'must be at least 16 characters — generate one with: openssl rand -hex 32')
  .max(512, 'must be at most 512 characters')
  // A header carries the key: spaces at either end are stripped by HTTP parsers and non-ASCII
  // bytes are not sent as written, so such a key could never authenticate.
  .regex(
    /^[\x21-\x7e]+$/,
    'must be printable ASCII without spaces — check the value for a stray space, newline or non-ASCII character',
  )

// A key is a string, or an object that also grants reading live tokens through the credentials route.
const apiKeySchema = z.union(
  [
    keyString,
    z.strictObject({
      key: keyString,
      credentials: z.boolean({ error: 'must be true or false' }).optional(),
    }),
  ],
  {
    error:
      'must be a string such as "${REVOKIT_API_KEY}", or { "key": "${REVOKIT_API_KEY}", "credentials": true } for a key that may read tokens',
  },
)

/**
 * `publicUrl`: the origin (and optional path prefix) browsers reach this server at. https, or
 * plain http for loopback hosts; no query or fragment. Kept without a trailing slash.
 */
const publicUrlSchema = z
  .string({ error: 'must be a URL such as "https://revokit.example.com"' })
  .superRefine((value, ctx) => {
    const problem = endpointProblem(value, 'publicUrl')
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem.replace(/^publicUrl /, '') })
      return
    }
    if (new URL(value).search)
      ctx.addIssue({
        code: 'custom',
        message: 'must not contain a ?query — give the origin, e.g. "https://revokit.example.com"',
      })
  })
  .transform((value) => {
    const url = new URL(value)
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
  })

const projectSchema = z.strictObject(
  {
    id: z
      .string({ error: expect('add "id": "default"', 'must be a string such as "default"') })
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be 1 to 128 of A-Z a-z 0-9 _ . - such as "default"'),
    apiKeys: z
      .array(apiKeySchema, {
        error: expect(
          'add "apiKeys": ["${REVOKIT_API_KEY}"]',
          'must be a list such as ["${REVOKIT_API_KEY}"]',
        ),
      })
      .min(1, 'needs at least one key, e.g. ["${REVOKIT_API_KEY}"]'),
  },
  { error: 'must be an object such as { "id": "default", "apiKeys": ["${REVOKIT_API_KEY}"] }' },
)

const STORE_KINDS =
  'must be "sqlite" (one file on disk), "postgres" (several instances on one database) or "memory" (tests only: lost on exit)'
const sqliteStoreSchema = z.strictObject({
  kind: z.literal('sqlite'),
  path: z
    .string({ error: expect('add "path": "./revokit.db"', 'must be a file path such as "./revokit.db"') })
    .min(1, 'must be a file path such as "./revokit.db"'),
})
const POSTGRES_URL = 'a postgres:// URL such as "${DATABASE_URL}"'
const postgresStoreSchema = z.strictObject({
  kind: z.literal('postgres'),
  url: z
    .string({ error: expect('add "url": "${DATABASE_URL}"', `must be ${POSTGRES_URL}`) })
    // The value is not echoed: it may hold a password.
    .regex(/^postgres(ql)?:\/\/./, `must be ${POSTGRES_URL}`),
  schema: z
    .string({ error: 'must be a schema name such as "revokit"' })
    .regex(
      /^[a-z_][a-z0-9_]{0,62}$/,
      'must be a lower-case schema name (letters, digits, _) such as "revokit"',
    )
    .optional(),
})
const memoryStoreSchema = z.strictObject({ kind: z.literal('memory') })

// `kind` picks the store; sqlite, postgres and memory have fixed shapes, and a kind a program registers
// itself (see Kinds) takes whatever options its factory validates.
const storeSchema = z
  .looseObject(
    {
      kind: z
        .string({
          error: expect('add "kind": "sqlite"', STORE_KINDS),
        })
        .min(1, STORE_KINDS),
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
      value.kind === 'sqlite'
        ? sqliteStoreSchema
        : value.kind === 'postgres'
          ? postgresStoreSchema
          : value.kind === 'memory'
            ? memoryStoreSchema
            : undefined
    const result = schema?.safeParse(value)
    if (result && !result.success)
      for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never)
  })

const toolkitSchema = z.looseObject(
  {
    adapter: z
      .string({
        error: expect(
          `add "adapter": ${firstName} (or ${otherNames.join(', ')})`,
          `must name an adapter kind such as ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`,
        ),
      })
      .min(1, `must name an adapter kind such as ${firstName}`),
    toolkit: z.never({ error: 'remove it: the entry’s key is the toolkit slug' }).optional(),
  },
  { error: `must be an object such as { "adapter": ${firstName} }` },
)

const ms = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number of ms from ${min} to ${max}` })
    .int('must be a whole number of ms')
    .min(min, `must be at least ${min} ms`)
    .max(max, `must be at most ${max} ms`)

// `limits`: how long a client may take and how many connections it may hold (node:http's own).
const limitsSchema = z
  .strictObject(
    {
      headersTimeoutMs: ms(100, 600_000).optional(),
      requestTimeoutMs: ms(100, 3_600_000).optional(),
      keepAliveTimeoutMs: ms(100, 600_000).optional(),
      maxConnections: z
        .number({ error: 'must be a whole number such as 1024' })
        .int('must be a whole number such as 1024')
        .min(1, 'must be at least 1')
        .max(1_000_000, 'must be at most 1000000')
        .optional(),
    },
    { error: 'must be an object such as { "headersTimeoutMs": 10000, "maxConnections": 1024 }' },
  )
  .refine(
    (l) =>
      l.headersTimeoutMs === undefined ||
      l.requestTimeoutMs === undefined ||
      l.headersTimeoutMs <= l.requestTimeoutMs,
    {
      path: ['headersTimeoutMs'],
      message: 'must not be more than requestTimeoutMs — the headers are part of the request',
    },
  )

// `rateLimit`: a token bucket per API key (and per client address for failed authentication),
// or false for none (a proxy in front does it).
const rateLimitSchema = z.union(
  [
    z.literal(false),
    z.strictObject({
      requestsPerMinute: z
        .number({ error: 'must be a whole number such as 600' })
        .int('must be a whole number such as 600')
        .min(1, 'must be at least 1')
        .max(1_000_000, 'must be at most 1000000')
        .optional(),
      burst: z
        .number({ error: 'must be a whole number such as 100' })
        .int('must be a whole number such as 100')
        .min(1, 'must be at least 1')
        .max(1_000_000, 'must be at most 1000000')
        .optional(),
    }),
  ],
  { error: 'must be false, or an object such as { "requestsPerMinute": 600, "burst": 100 }' },
)

/** A config file's shape; toolkit entries keep their options for the adapters' definitions. */
export const configSchema = z.strictObject(
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
    // The server's external origin: the OAuth redirect URI is {publicUrl}/api/v3/toolkits/auth/callback.
    publicUrl: publicUrlSchema.optional(),
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
      .record(toolkitSlugSchema({ noun: 'toolkit slug' }), toolkitSchema, {
        error: 'must be an object of toolkit slug → { "adapter": …, …options }',
      })
      .default({}),
    // Optional: how long revokes may take. Slow providers want more, impatient callers less.
    revoke: z
      .strictObject({
        timeoutMs: z.number().int('must be a whole number of ms').min(100).max(600_000).optional(),
        deadlineMs: z.number().int('must be a whole number of ms').min(1_000).max(3_600_000).optional(),
        maxAttempts: z.number().int('must be a whole number').min(1).max(10).optional(),
      })
      .optional(),
    // Optional: node:http timeouts and the connection cap (defaults in DEFAULT_SERVER_LIMITS).
    limits: limitsSchema.optional(),
    // Optional: per-key request rate (defaults in DEFAULT_RATE_LIMIT); false turns it off.
    rateLimit: rateLimitSchema.optional(),
    // Encryption at rest takes its key from REVOKIT_ENCRYPTION_KEY; only "off" is written here,
    // so storing tokens in plaintext on disk is a decision the config states.
    encryption: z
      .literal('off', {
        error: 'must be "off" (or left out: the key comes from REVOKIT_ENCRYPTION_KEY, never from the file)',
      })
      .optional(),
  },
  { error: `must be a JSON object with ${ROOT_FIELDS}` },
)

/** A config that passed {@link configSchema}. */
export type ConfigData = z.output<typeof configSchema>

function allowedFields(path: readonly PropertyKey[], root: unknown): string {
  if (path.length === 0) return ROOT_FIELDS
  if (path[0] === 'projects' && path.length === 2) return 'id, apiKeys'
  if (path[0] === 'limits' && path.length === 1)
    return 'headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections'
  if (path[0] === 'rateLimit' && path.length === 1) return 'requestsPerMinute, burst'
  if (path[0] === 'projects' && path[2] === 'apiKeys' && path.length === 4) return 'key, credentials'
  if (path[0] === 'store' && path.length === 1) {
    const kind = (root as { store?: { kind?: unknown } })?.store?.kind
    return kind === 'sqlite' ? 'kind, path' : kind === 'postgres' ? 'kind, url, schema' : 'kind'
  }
  return ''
}

/** {@link configSchema}'s issues as `field.path: problem — fix` lines. */
export function configIssueLines(issues: readonly SchemaIssue[], root: unknown): string[] {
  return formatIssues(issues, {
    root: 'config',
    noun: 'field',
    unknownKeys: 'each',
    unknownHint: (path) => {
      const allowed = allowedFields(path, root)
      return ` — remove it${allowed ? ` (allowed: ${allowed})` : ''}`
    },
    messages: 'schema',
    formatPath,
  })
}
