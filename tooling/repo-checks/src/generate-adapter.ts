import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { adapterSource, definitionSource, indexSource, testSource } from './custom-template'
import {
  presetAdapterSource,
  presetDefinitionSource,
  presetIndexSource,
  presetTestSource,
} from './preset-template'

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
const RESERVED = new Set(['core', 'testing', 'server', 'store-sqlite', 'store-postgres', 'presets'])

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

/** `custom`: an adapter written against core. `preset`: an RFC 7009 preset over `@revokit/rfc7009`. */
export type AdapterKind = 'custom' | 'preset'

function packageJson(n: AdapterNames, kind: AdapterKind): string {
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
    // A preset is a declaration over the generic RFC 7009 adapter, which does the work.
    dependencies: kind === 'preset' ? { '@revokit/rfc7009': 'workspace:^' } : { zod: 'catalog:' },
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

function readme(n: AdapterNames, kind: AdapterKind): string {
  const preset = kind === 'preset'
  const call = preset ? `${n.factory}({ clientId, clientSecret })` : `${n.factory}()`
  return `# @revokit/${n.slug}

TODO: one sentence: what this revokes at ${n.pascal}, and what a user gets.${
    preset
      ? `

${n.pascal}'s endpoint is RFC 7009-shaped: this package declares it with \`rfc7009Preset\` from
\`@revokit/rfc7009\`, which does the request, the client authentication and the classification.`
      : ''
  }

## Usage

\`\`\`ts
import { createEngine, memoryStore } from '@revokit/core'
import { ${n.factory} } from '@revokit/${n.slug}'

const engine = createEngine({ store: memoryStore(), adapters: [${call}] })
const account = await engine.create({ userId: 'user-1', toolkit: '${n.slug}', credentials: { access_token: '…' } })
await engine.revoke(account.id)
\`\`\`

## Options

| option | default | what it does |
|---|---|---|
| \`toolkit\` | \`'${n.slug}'\` | The toolkit slug served. |
${
  preset
    ? `| \`clientId\` | required | TODO: the OAuth client the tokens were issued to. |
| \`clientSecret\` | required | TODO: its secret (a secret: never logged). |
`
    : ''
}| \`revocationEndpoint\` | TODO | Where to send the request. Must be \`https://\`. |

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
  kind: AdapterKind,
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
        body: kind === 'preset' ? 'token={{token}}&token_type_hint={{subject}}' : 'token={{token}}',
        status,
        response,
        ...(Object.keys(headers).length ? { rawHeaders: headers } : {}),
      },
    ],
  })
}

/** Every file a new adapter starts with, by path relative to the repository root. */
export function adapterFiles(n: AdapterNames, kind: AdapterKind = 'custom'): Record<string, string> {
  const dir = `adapters/${n.slug}`
  const jsonType = { 'content-type': 'application/json' }
  const preset = kind === 'preset'
  const tape = (status: number, response: unknown, headers: Record<string, string>, note: string) =>
    cassette(n, kind, status, response, headers, note)
  return {
    [`${dir}/package.json`]: packageJson(n, kind),
    [`${dir}/tsup.config.ts`]:
      "import { revokitTsup } from '@revokit/presets/tsup'\n\nexport default revokitTsup()\n",
    [`${dir}/vitest.config.ts`]: "export { default } from '@revokit/presets/vitest'\n",
    [`${dir}/tsconfig.json`]: json({
      extends: '@revokit/presets/tsconfig.base.json',
      include: ['src', '*.config.ts'],
    }),
    [`${dir}/README.md`]: readme(n, kind),
    [`${dir}/src/index.ts`]: preset ? presetIndexSource(n) : indexSource(n),
    [`${dir}/src/adapter.ts`]: preset ? presetAdapterSource(n) : adapterSource(n),
    [`${dir}/src/definition.ts`]: preset ? presetDefinitionSource(n) : definitionSource(n),
    [`${dir}/src/adapter.test.ts`]: preset ? presetTestSource(n) : testSource(n),
    [`${dir}/cassettes/revoked.cassette.json`]: tape(200, '', {}, 'the documented success answer'),
    [`${dir}/cassettes/invalid-token.cassette.json`]: tape(
      400,
      { error: 'invalid_token' },
      jsonType,
      'the documented answer for an invalid, expired or revoked token',
    ),
    [`${dir}/cassettes/server-error.cassette.json`]: tape(
      503,
      '',
      { 'retry-after': '10' },
      'a 5xx, as documented or as any HTTP server may send',
    ),
    [`${dir}/cassettes/rate-limited.cassette.json`]: tape(
      429,
      '',
      { 'retry-after': '30' },
      'the documented rate-limit answer',
    ),
    ...(preset
      ? {
          [`${dir}/cassettes/unsupported-token-type.cassette.json`]: tape(
            400,
            { error: 'unsupported_token_type' },
            jsonType,
            'RFC 7009 §2.2.1: the answer for a token type the server does not revoke',
          ),
        }
      : {}),
    [`${dir}/cassettes/malformed.cassette.json`]: tape(
      400,
      '<html>not the documented body</html>',
      { 'content-type': 'text/html' },
      'a body that is not what the provider documents',
    ),
    [`${dir}/cassettes/empty.cassette.json`]: tape(200, '', {}, 'an empty body'),
    [`.changeset/${n.slug}-adapter.md`]: `---\n"@revokit/${n.slug}": minor\n---\n\nNew adapter: \`${n.factory}()\` revokes TODO at ${n.pascal}.\n`,
  }
}

/**
 * Writes a new adapter folder under `root/adapters/<slug>` (and its changeset) and returns the
 * paths written: a custom adapter, or with `kind: 'preset'` an RFC 7009 preset. Refuses to touch
 * an existing folder.
 */
export function generateAdapter(root: string, slug: string, options: { kind?: AdapterKind } = {}): string[] {
  const names = adapterNames(slug)
  const dir = join(root, 'adapters', names.slug)
  if (existsSync(dir)) throw new Error(`adapters/${names.slug} already exists; pick another name or edit it`)
  const files = adapterFiles(names, options.kind)
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
