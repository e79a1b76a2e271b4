import type { AdapterNames } from './generate-adapter'

// The source files of `pnpm new:adapter NAME --preset`: an RFC 7009-shaped provider declared
// with `rfc7009Preset` from @revokit/rfc7009. The package files, README skeleton and cassettes
// are the custom adapter's (generate-adapter.ts).

/** `src/adapter.ts` of a preset: the declaration, every field a TODO to check against the docs. */
export function presetAdapterSource(n: AdapterNames): string {
  return `import { rfc7009Preset } from '@revokit/rfc7009'

/** The toolkit slug this adapter serves unless told otherwise. */
export const ${n.constant}_PROVIDER = '${n.slug}'

/**
 * TODO: ${n.pascal}'s RFC 7009 revocation endpoint, copied from its documentation (or declare
 * \`issuer\` instead, to discover it from the metadata; or a function of an extra option, such
 * as a tenant domain).
 * @see TODO: the provider's revocation documentation URL
 */
export const ${n.constant}_REVOCATION_ENDPOINT = 'https://todo-${n.slug}.invalid/revoke'

/** TODO: where ${n.pascal} documents revocation; named in suggested fixes. */
export const ${n.constant}_DOCS_URL = 'https://todo-${n.slug}.invalid/docs'

/**
 * Revokes ${n.pascal} OAuth tokens at its RFC 7009 endpoint. Options: \`{ toolkit?, clientId,
 * clientSecret, revocationEndpoint? }\`; \`${n.factory}.definition\` is its adapter definition.
 *
 * TODO: one sentence on what ${n.pascal} revokes, and each documented deviation from RFC 7009.
 *
 * @see TODO: the provider's revocation documentation URL
 */
export const ${n.factory} = rfc7009Preset({
  name: ${n.constant}_PROVIDER,
  title: '${n.pascal}',
  revocationEndpoint: ${n.constant}_REVOCATION_ENDPOINT,
  // TODO: the client authentication ${n.pascal} documents: client_secret_basic,
  // client_secret_post, none (client_id only) or anonymous (nothing but the token).
  authMethod: 'client_secret_basic',
  // TODO: what ${n.pascal} documents it revokes, and what dies with what.
  subjects: { access: true, refresh: true },
  cascades: {},
  // TODO: keep only if ${n.pascal} documents a 400 with this code for a dead token (RFC 7009
  // says 200); otherwise remove it and the invalid-token cassette.
  alreadyRevokedErrors: ['invalid_token'],
  docsUrl: ${n.constant}_DOCS_URL,
})

/** Options of {@link ${n.factory}}. */
export type ${n.pascal}Options = NonNullable<Parameters<typeof ${n.factory}>[0]>
`
}

/** `src/definition.ts` of a preset: the one the preset already built. */
export function presetDefinitionSource(n: AdapterNames): string {
  return `import { ${n.factory} } from './adapter'

/** What \`revokit.json\` and the CLI build this adapter from: name, options, secrets, endpoints. */
export const definition = ${n.factory}.definition
`
}

/** `src/index.ts` of a preset. */
export function presetIndexSource(n: AdapterNames): string {
  return `export {
  ${n.constant}_DOCS_URL,
  ${n.constant}_PROVIDER,
  ${n.constant}_REVOCATION_ENDPOINT,
  type ${n.pascal}Options,
  ${n.factory},
} from './adapter'
export { definition } from './definition'
`
}

/** `src/adapter.test.ts` of a preset: the shared contract, red until the cassettes are real. */
export function presetTestSource(n: AdapterNames): string {
  return `import { readdirSync } from 'node:fs'
import { type AdapterContractOptions, describeRevocationAdapter, readCassette, useNock } from '@revokit/testing'
import { describe, expect, it } from 'vitest'
import { ${n.factory} } from './adapter'

const cassetteDir = new URL('../cassettes/', import.meta.url)

// RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
const formEncode = (value: string) => new URLSearchParams([['v', value]]).toString().slice(2)

const contract: AdapterContractOptions = {
  provider: '${n.slug}',
  // TODO: the provider's real origin; the cassettes are written against it.
  origin: 'https://todo-${n.slug}.invalid',
  vars: { client_id: 'fake-${n.slug}-client' },
  secrets: ['client_secret'],
  create: ({ origin, vars }) =>
    ${n.factory}({
      clientId: vars.client_id as string,
      clientSecret: vars.client_secret as string,
      revocationEndpoint: \`\${origin}/revoke\`,
    }),
  // TODO: what ${n.pascal} documents it kills along with each subject (as declared in the preset).
  cascades: {},
  // TODO: the documented request, exactly.
  request: ({ subject, token, origin, vars }) => ({
    method: 'POST',
    url: \`\${origin}/revoke\`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: \`Basic \${Buffer.from(
        \`\${formEncode(vars.client_id as string)}:\${formEncode(vars.client_secret as string)}\`,
      ).toString('base64')}\`,
    },
    body: \`token=\${encodeURIComponent(token)}&token_type_hint=\${subject}\`,
  }),
  cassetteDir,
  cassettes: {
    revoked: 'revoked.cassette.json',
    alreadyRevoked: 'invalid-token.cassette.json',
    serverError: 'server-error.cassette.json',
    rateLimited: 'rate-limited.cassette.json',
    unsupported: 'unsupported-token-type.cassette.json',
    malformed: { cassette: 'malformed.cassette.json', outcome: 'failed', retryable: false },
    empty: { cassette: 'empty.cassette.json', outcome: 'revoked' },
  },
  // TODO: name the env vars a REVOKIT_RECORD=1 run reads, and list them in the README.
  record: {
    env: {
      token: '${n.constant}_RECORD_TOKEN',
      client_id: '${n.constant}_CLIENT_ID',
      client_secret: '${n.constant}_CLIENT_SECRET',
    },
  },
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
