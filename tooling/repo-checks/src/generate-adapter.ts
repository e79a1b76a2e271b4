import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The names one provider slug turns into. */
export interface AdapterNames {
  /** `acme-id`: folder, package suffix, toolkit slug. */
  readonly slug: string
  /** `acmeId`: the factory. */
  readonly factory: string
  /** `AcmeId`: types. */
  readonly pascal: string
  /** `ACME_ID`: constants. */
  readonly constant: string
}

const SLUG = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/
const RESERVED = new Set(['core', 'testing', 'server', 'store-sqlite', 'presets'])

/** Derives every name from a provider slug, or explains why the slug will not do. */
export function adapterNames(slug: string): AdapterNames {
  if (!SLUG.test(slug) || slug.length > 40) {
    throw new Error(
      `"${slug}" is not a provider name: use lowercase letters, digits and single dashes, starting with a letter (e.g. "acme" or "acme-id")`,
    )
  }
  if (RESERVED.has(slug)) throw new Error(`"${slug}" is the name of a revokit package, not a provider`)
  const parts = slug.split('-')
  const pascal = parts.map((p) => p[0]?.toUpperCase() + p.slice(1)).join('')
  return {
    slug,
    factory: pascal[0]?.toLowerCase() + pascal.slice(1),
    pascal,
    constant: parts.map((p) => p.toUpperCase()).join('_'),
  }
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

function packageJson(n: AdapterNames): string {
  return json({
    name: `@revokit/${n.slug}`,
    version: '0.0.0',
    description: `revokit adapter for ${n.pascal}: TODO say what it revokes and where.`,
    license: 'MIT',
    keywords: ['oauth', 'token-revocation', n.slug, 'revokit-adapter'],
    type: 'module',
    sideEffects: false,
    engines: { node: '>=22.19' },
    main: './dist/index.cjs',
    module: './dist/index.js',
    types: './dist/index.d.cts',
    exports: {
      '.': {
        '@revokit/source': './src/index.ts',
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    },
    files: ['dist', 'src', '!src/**/*.test.ts'],
    scripts: {
      build: 'tsup',
      typecheck: 'tsc --noEmit',
      test: 'vitest run',
      lint: 'biome ci .',
      'check:package': 'publint --strict && attw --pack .',
    },
    peerDependencies: { '@revokit/core': 'workspace:^' },
    dependencies: { zod: 'catalog:' },
    devDependencies: {
      '@arethetypeswrong/cli': 'catalog:',
      '@revokit/core': 'workspace:*',
      '@revokit/presets': 'workspace:*',
      '@revokit/testing': 'workspace:*',
      '@types/node': 'catalog:',
      nock: 'catalog:',
      publint: 'catalog:',
      tsup: 'catalog:',
      typescript: 'catalog:',
      vitest: 'catalog:',
    },
  })
}

function adapterSource(n: AdapterNames): string {
  return `import { checkEndpoint, failed, parseAdapterOptions, type RevocationAdapter, revoked, TOOLKIT_SLUG } from '@revokit/core'
import * as z from 'zod'

/** The toolkit slug this adapter serves unless told otherwise. */
export const ${n.constant}_PROVIDER = '${n.slug}'

/**
 * TODO: ${n.pascal}'s revocation endpoint, copied from its documentation.
 * @see TODO: the provider's revocation documentation URL
 */
export const ${n.constant}_REVOCATION_ENDPOINT = 'https://todo-${n.slug}.invalid/revoke'

/** TODO: where ${n.pascal} documents revocation; named in suggested fixes. */
export const ${n.constant}_DOCS_URL = 'https://todo-${n.slug}.invalid/docs'

const slug = z.string().regex(TOOLKIT_SLUG, 'must be a lowercase slug such as "${n.slug}"')

const endpoint = z.string().superRefine(checkEndpoint('revocationEndpoint'))

/** Options of {@link ${n.factory}}, validated when the adapter is created. */
export const ${n.factory}OptionsSchema = z.strictObject({
  /** The toolkit slug to serve. @default '${n.slug}' */
  toolkit: slug.optional(),
  /** The revocation endpoint; override for tests. */
  revocationEndpoint: endpoint.optional(),
  // TODO: client credentials, if ${n.pascal} wants them. Secrets stay in the factory's closure.
})

/** Options of {@link ${n.factory}}. */
export type ${n.pascal}Options = z.input<typeof ${n.factory}OptionsSchema>

/**
 * Revokes ${n.pascal} OAuth tokens.
 *
 * TODO: the request, and how each documented answer maps to an outcome (revoked, already
 * revoked, unsupported, failed retryable or not).
 *
 * @see TODO: the provider's revocation documentation URL
 */
export function ${n.factory}(options: ${n.pascal}Options = {}): RevocationAdapter {
  const { toolkit = ${n.constant}_PROVIDER, revocationEndpoint = ${n.constant}_REVOCATION_ENDPOINT } = parseAdapterOptions(
    ${n.factory}OptionsSchema,
    options,
    { adapter: '${n.factory}', usage: '${n.factory}({ toolkit?, revocationEndpoint? }) with an https:// revocationEndpoint' },
  )

  return {
    toolkit,
    // TODO: declare exactly what ${n.pascal} documents it can revoke, and what dies with what.
    supportsAccess: true,
    supportsRefresh: false,
    docsUrl: ${n.constant}_DOCS_URL,

    async revoke(request, { http }) {
      // TODO: the documented method, URL, headers and body.
      const res = await http.request(revocationEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: request.token }).toString(),
      })
      if (res.status === 200) return revoked()
      // TODO: map the provider's "invalid, expired or revoked" answer to alreadyRevoked().
      if (res.status === 429 || res.status >= 500) {
        return failed({
          retryable: true,
          status: res.status,
          reason: \`${n.pascal} answered HTTP \${res.status}\`,
          ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
        })
      }
      return failed({ retryable: false, status: res.status, reason: \`${n.pascal} answered HTTP \${res.status}\` })
    },
  } satisfies RevocationAdapter
}
`
}

function indexSource(n: AdapterNames): string {
  return `export {
  ${n.constant}_DOCS_URL,
  ${n.constant}_PROVIDER,
  ${n.constant}_REVOCATION_ENDPOINT,
  type ${n.pascal}Options,
  ${n.factory},
  ${n.factory}OptionsSchema,
} from './adapter'
`
}

function testSource(n: AdapterNames): string {
  return `import { readdirSync } from 'node:fs'
import { type AdapterContractOptions, describeRevocationAdapter, readCassette, useNock } from '@revokit/testing'
import { describe, expect, it } from 'vitest'
import { ${n.factory} } from './adapter'

const cassetteDir = new URL('../cassettes/', import.meta.url)

const contract: AdapterContractOptions = {
  provider: '${n.slug}',
  // TODO: the provider's real origin; the cassettes are written against it.
  origin: 'https://todo-${n.slug}.invalid',
  create: ({ origin }) => ${n.factory}({ revocationEndpoint: \`\${origin}/revoke\` }),
  // TODO: what ${n.pascal} documents it kills along with each subject.
  cascades: {},
  // TODO: the documented request, exactly.
  request: ({ token, origin }) => ({
    method: 'POST',
    url: \`\${origin}/revoke\`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: \`token=\${token}\`,
  }),
  cassetteDir,
  cassettes: {
    revoked: 'revoked.cassette.json',
    alreadyRevoked: 'invalid-token.cassette.json',
    serverError: 'server-error.cassette.json',
    rateLimited: 'rate-limited.cassette.json',
    malformed: { cassette: 'malformed.cassette.json', outcome: 'failed' },
    empty: { cassette: 'empty.cassette.json', outcome: 'revoked' },
  },
  // TODO: name the env vars a REVOKIT_RECORD=1 run reads, and list them in the README.
  record: { env: { token: '${n.constant}_RECORD_TOKEN' } },
}

describeRevocationAdapter(contract)

describe('${n.slug}: cassettes', () => {
  // Red on purpose until every cassette is rewritten from ${n.pascal}'s documentation (or recorded).
  const files = readdirSync(cassetteDir).filter((file) => file.endsWith('.cassette.json'))
  it.each(files)('%s is written from the provider docs, not the generator template', (file) => {
    const cassette = readCassette(new URL(file, cassetteDir))
    expect(JSON.stringify(cassette)).not.toMatch(/todo/i)
  })
})

describe('${n.slug}: quirks', () => {
  useNock()
  it.todo('each documented quirk of ${n.pascal}, with a cassette and a source')
})
`
}

function readme(n: AdapterNames): string {
  return `# @revokit/${n.slug}

TODO: one sentence: what this revokes at ${n.pascal}, and what a user gets.

## Usage

\`\`\`ts
import { createEngine, memoryStore } from '@revokit/core'
import { ${n.factory} } from '@revokit/${n.slug}'

const engine = createEngine({ store: memoryStore(), adapters: [${n.factory}()] })
const account = await engine.create({ userId: 'user-1', toolkit: '${n.slug}', credentials: { access_token: '…' } })
await engine.revoke(account.id)
\`\`\`

## Options

| option | default | what it does |
|---|---|---|
| \`toolkit\` | \`'${n.slug}'\` | The toolkit slug served. |
| \`revocationEndpoint\` | TODO | Where to send the request. Must be \`https://\`. |

## Capabilities

TODO: the subjects (\`supportsAccess\`, \`supportsRefresh\`) and cascades, each with its source.

## Errors

| ${n.pascal} answers | outcome |
|---|---|
| TODO | TODO |

## Quirks

TODO: everything surprising, with sources.

## Testing and recording

TODO: the cassettes (written from which docs, or recorded) and the env vars of a
\`REVOKIT_RECORD=1\` run.

## Sources

- TODO
`
}

function cassette(
  n: AdapterNames,
  status: number,
  response: unknown,
  headers: Record<string, string>,
  note: string,
) {
  return json({
    meta: {
      recorded: false,
      provider: n.slug,
      source: `https://todo-${n.slug}.invalid/docs`,
      writtenAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      note: `TODO: ${note}`,
    },
    interactions: [
      {
        scope: `https://todo-${n.slug}.invalid`,
        method: 'POST',
        path: '/revoke',
        body: 'token={{token}}',
        status,
        response,
        ...(Object.keys(headers).length ? { rawHeaders: headers } : {}),
      },
    ],
  })
}

/** Every file a new adapter starts with, by path relative to the repository root. */
export function adapterFiles(n: AdapterNames): Record<string, string> {
  const dir = `adapters/${n.slug}`
  const jsonType = { 'content-type': 'application/json' }
  return {
    [`${dir}/package.json`]: packageJson(n),
    [`${dir}/tsup.config.ts`]:
      "import { revokitTsup } from '@revokit/presets/tsup'\n\nexport default revokitTsup()\n",
    [`${dir}/vitest.config.ts`]: "export { default } from '@revokit/presets/vitest'\n",
    [`${dir}/tsconfig.json`]: json({
      extends: '@revokit/presets/tsconfig.base.json',
      include: ['src', '*.config.ts'],
    }),
    [`${dir}/README.md`]: readme(n),
    [`${dir}/src/index.ts`]: indexSource(n),
    [`${dir}/src/adapter.ts`]: adapterSource(n),
    [`${dir}/src/adapter.test.ts`]: testSource(n),
    [`${dir}/cassettes/revoked.cassette.json`]: cassette(n, 200, '', {}, 'the documented success answer'),
    [`${dir}/cassettes/invalid-token.cassette.json`]: cassette(
      n,
      400,
      { error: 'invalid_token' },
      jsonType,
      'the documented answer for an invalid, expired or revoked token',
    ),
    [`${dir}/cassettes/server-error.cassette.json`]: cassette(
      n,
      503,
      '',
      { 'retry-after': '10' },
      'a 5xx, as documented or as any HTTP server may send',
    ),
    [`${dir}/cassettes/rate-limited.cassette.json`]: cassette(
      n,
      429,
      '',
      { 'retry-after': '30' },
      'the documented rate-limit answer',
    ),
    [`${dir}/cassettes/malformed.cassette.json`]: cassette(
      n,
      400,
      '<html>not the documented body</html>',
      { 'content-type': 'text/html' },
      'a body that is not what the provider documents',
    ),
    [`${dir}/cassettes/empty.cassette.json`]: cassette(n, 200, '', {}, 'an empty body'),
    [`.changeset/${n.slug}-adapter.md`]: `---\n"@revokit/${n.slug}": minor\n---\n\nNew adapter: \`${n.factory}()\` revokes TODO at ${n.pascal}.\n`,
  }
}

/**
 * Writes a new adapter folder under `root/adapters/<slug>` (and its changeset) and returns the
 * paths written. Refuses to touch an existing folder.
 */
export function generateAdapter(root: string, slug: string): string[] {
  const names = adapterNames(slug)
  const dir = join(root, 'adapters', names.slug)
  if (existsSync(dir)) throw new Error(`adapters/${names.slug} already exists; pick another name or edit it`)
  const files = adapterFiles(names)
  const taken = Object.keys(files).filter((path) => existsSync(join(root, path)))
  if (taken.length)
    throw new Error(`${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''}; nothing was written`)
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, content, { flag: 'wx' })
  }
  return Object.keys(files)
}
