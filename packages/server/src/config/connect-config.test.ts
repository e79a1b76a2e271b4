// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files spell environment variables as ${VAR}
// The config's connect settings: publicUrl (and the redirect URI made from it, or from the
// listening address when it is absent), API keys that may read credentials, and each toolkit's
// connect options reaching its adapter's factory.
import { isRevokitError, type RevokitError } from '@revokit/core'
import { describe, expect, it } from 'vitest'
import { testKinds } from '../../test/kinds'
import { createKeyMatcher } from '../auth'
import { parseConfig } from '../config'
import { redirectUriFor } from '../public-url'
import { openRevokit } from '../runtime'

const KEY = 'config-test-key-000001'
const TOKENS_KEY = 'config-test-key-tokens-01'
const base = (extra: Record<string, unknown> = {}) => ({
  store: { kind: 'memory' },
  projects: [{ id: 'default', apiKeys: [KEY] }],
  toolkits: { acme: { adapter: 'test' } },
  ...extra,
})

async function problems(config: unknown, env: Record<string, string> = {}): Promise<readonly string[]> {
  const { kinds } = testKinds()
  try {
    await parseConfig(JSON.stringify(config), { kinds, env })
  } catch (error) {
    expect(isRevokitError(error)).toBe(true)
    return (error as RevokitError).errors
  }
  throw new Error('expected the config to be refused')
}

describe('publicUrl and the redirect URI', () => {
  it('https, or plain http on loopback; kept without a trailing slash; the redirect URI under it', async () => {
    const { kinds } = testKinds()
    for (const [publicUrl, redirect] of [
      ['https://revokit.example.com', 'https://revokit.example.com/api/v3/toolkits/auth/callback'],
      ['https://example.com/revokit/', 'https://example.com/revokit/api/v3/toolkits/auth/callback'],
      ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/api/v3/toolkits/auth/callback'],
      ['http://localhost:3000', 'http://localhost:3000/api/v3/toolkits/auth/callback'],
    ] as const) {
      const config = await parseConfig(JSON.stringify(base({ publicUrl })), { kinds, env: {} })
      const revokit = await openRevokit(config)
      try {
        expect(revokit.redirectUri).toBe(redirect)
      } finally {
        await revokit.close()
      }
    }
  })

  it('refuses plain http elsewhere, relative URLs, queries, fragments and user info — naming publicUrl', async () => {
    for (const publicUrl of [
      'http://revokit.example.com',
      'revokit.example.com',
      'https://revokit.example.com/?x=1',
      'https://revokit.example.com/#top',
      'https://user:pw@revokit.example.com',
      'ftp://revokit.example.com',
      42,
    ]) {
      const lines = await problems(base({ publicUrl }))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^publicUrl: /)
    }
    expect((await problems(base({ publicUrl: 'http://revokit.example.com' })))[0]).toContain('https://')
  })

  it('without publicUrl: http://127.0.0.1:{port} only on a loopback address and a fixed port', () => {
    const path = '/api/v3/toolkits/auth/callback'
    expect(redirectUriFor(undefined, { port: 8080 })).toBe(`http://127.0.0.1:8080${path}`)
    expect(redirectUriFor(undefined, { host: 'localhost', port: 8080 })).toBe(`http://localhost:8080${path}`)
    expect(redirectUriFor(undefined, { host: '::1', port: 8080 })).toBe(`http://[::1]:8080${path}`)
    expect(redirectUriFor(undefined, { port: 0 })).toBeUndefined()
    expect(redirectUriFor(undefined, { host: '0.0.0.0', port: 8080 })).toBeUndefined()
    expect(redirectUriFor(undefined, { host: '10.0.0.5', port: 8080 })).toBeUndefined()
    expect(redirectUriFor('https://a.example', { host: '0.0.0.0', port: 0 })).toBe(`https://a.example${path}`)
  })
})

describe('API keys that may read credentials', () => {
  it('takes { key, credentials: true } beside plain keys, from the environment too, and hides the key', async () => {
    const { kinds } = testKinds()
    const config = await parseConfig(
      JSON.stringify(
        base({ projects: [{ id: 'default', apiKeys: [KEY, { key: '${TOKENS_KEY}', credentials: true }] }] }),
      ),
      { kinds, env: { TOKENS_KEY } },
    )
    const grantOf = createKeyMatcher(config.projects)
    expect(grantOf(KEY)).toMatchObject({ projectId: 'default', credentials: false })
    expect(grantOf(TOKENS_KEY)).toMatchObject({ projectId: 'default', credentials: true })
    expect(config.projects[0]?.apiKeys.map((k) => typeof k === 'object' && k.credentials)).toEqual([
      false,
      true,
    ])
    expect(config.redactor(`${KEY} ${TOKENS_KEY}`)).toBe('[REDACTED] [REDACTED]')
  })

  it('names the field of a bad key object', async () => {
    const at = (apiKey: unknown) => base({ projects: [{ id: 'p', apiKeys: [apiKey] }] })
    expect(await problems(at({ key: 'short', credentials: true }))).toEqual([
      'projects[0].apiKeys[0].key: must be at least 16 characters — generate one with: openssl rand -hex 32',
    ])
    expect(await problems(at({ key: KEY, credentials: true, scope: 'all' }))).toEqual([
      'projects[0].apiKeys[0].scope: unknown field — remove it (allowed: key, credentials)',
    ])
    expect((await problems(at({ key: KEY, credentials: 'yes' })))[0]).toMatch(
      /^projects\[0\]\.apiKeys\[0\]: /,
    )
    expect(await problems(at({ key: '${MISSING}', credentials: true }))).toEqual([
      'projects[0].apiKeys[0].key: ${MISSING} is not set — export it or put the key in the file',
    ])
    expect(
      await problems(base({ projects: [{ id: 'p', apiKeys: [KEY, { key: KEY, credentials: true }] }] })),
    ).toEqual([
      'projects[0].apiKeys[1]: the same key as projects[0].apiKeys[0] — each key must be unique, since it selects the project',
    ])
  })
})

describe("a toolkit's connect options", () => {
  it('reach the factory: client id, secret (kept secret), scopes and endpoints (https or loopback)', async () => {
    const { kinds, built } = testKinds()
    const config = await parseConfig(
      JSON.stringify(
        base({
          toolkits: {
            acme: {
              adapter: 'test',
              clientId: 'acme-client',
              clientSecret: '${ACME_SECRET}',
              scopes: ['read', 'write'],
              authorizationEndpoint: 'https://id.acme.example/authorize',
              tokenEndpoint: 'http://127.0.0.1:9/token',
            },
          },
        }),
      ),
      { kinds, env: { ACME_SECRET: 'fake-acme-client-secret' } },
    )
    const connect = built.get('acme')?.connect
    expect(connect).toMatchObject({ clientId: 'acme-client', scopes: ['read', 'write'] })
    expect(connect?.clientSecret?.()).toBe('fake-acme-client-secret')
    expect(config.secrets).toContain('fake-acme-client-secret')
    expect(JSON.stringify(config)).not.toContain('fake-acme-client-secret')
    const lines = await problems(
      base({ toolkits: { acme: { adapter: 'test', tokenEndpoint: 'http://id.acme.example/token' } } }),
    )
    expect(lines[0]).toMatch(/^toolkits\.acme\.tokenEndpoint: must use https:\/\//)
  })
})
