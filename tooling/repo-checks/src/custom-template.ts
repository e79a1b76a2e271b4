import type { AdapterNames } from './generate-adapter'

// The source files of `pnpm new:adapter NAME`: a custom adapter written against core's provider
// vocabulary. The package files, README skeleton and cassettes are in generate-adapter.ts.

/** `src/adapter.ts`: options schema and factory, every provider fact a TODO. */
export function adapterSource(n: AdapterNames): string {
  return `import {
  checkEndpoint,
  failedFromResponse,
  parseAdapterOptions,
  parseOAuthError,
  type RevocationAdapter,
  revoked,
  toolkitSlugSchema,
} from '@revokit/core'
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

const endpoint = z.string().superRefine(checkEndpoint('revocationEndpoint'))

/** Options of {@link ${n.factory}}, validated when the adapter is created. */
export const ${n.factory}OptionsSchema = z.strictObject({
  /** The toolkit slug to serve. @default '${n.slug}' */
  toolkit: toolkitSlugSchema({ examples: '${n.slug}' }).optional(),
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
      const oauth = parseOAuthError(res.json())
      // Retryable exactly for core's transient statuses (408, 429, 500, 502, 503, 504).
      return failedFromResponse(res, {
        provider: '${n.pascal}',
        detail: oauth ? \` \${oauth.error}\` : '',
        suggestedFix: \`See \${${n.constant}_DOCS_URL}\`,
      })
    },
  } satisfies RevocationAdapter
}
`
}

/** `src/definition.ts`: the adapter definition the server builds it from. */
export function definitionSource(n: AdapterNames): string {
  return `import { defineAdapter } from '@revokit/core'
import { ${n.constant}_DOCS_URL, ${n.constant}_PROVIDER, ${n.factory}, ${n.factory}OptionsSchema } from './adapter'

/** What \`revokit.json\` and the CLI build this adapter from: name, options, secrets, endpoints. */
export const definition = defineAdapter({
  name: ${n.constant}_PROVIDER,
  options: ${n.factory}OptionsSchema,
  // TODO: the option names whose values are secrets (a client secret).
  secrets: [],
  endpoints: ['revocationEndpoint'],
  create: ${n.factory},
  docsUrl: ${n.constant}_DOCS_URL,
})
`
}

/** `src/index.ts`: re-exports only. */
export function indexSource(n: AdapterNames): string {
  return `export {
  ${n.constant}_DOCS_URL,
  ${n.constant}_PROVIDER,
  ${n.constant}_REVOCATION_ENDPOINT,
  type ${n.pascal}Options,
  ${n.factory},
  ${n.factory}OptionsSchema,
} from './adapter'
export { definition } from './definition'
`
}

/** `src/adapter.test.ts`: the shared contract, red until the cassettes are real. */
export function testSource(n: AdapterNames): string {
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
