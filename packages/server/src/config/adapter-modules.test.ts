// A config's "adapter" may name an npm package or a path whose module exports an adapter
// definition: a community adapter works from revokit.json without a fork. The fixture package
// lives in test/fixtures/acme-adapter (outside the workspace), installed into a temporary
// node_modules or named by its path.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createEngine, memoryStore, type RevokitError } from '@revokit/core'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config'

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/acme-adapter', import.meta.url))
const KEY = 'adapter-module-key-0001'

/** A directory with revokit.json naming `adapter` for toolkit `acme`, and the fixture installed. */
function project(adapter: string, options: Record<string, unknown> = {}, files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-adapter-module-'))
  mkdirSync(join(dir, 'node_modules', '@acme'), { recursive: true })
  symlinkSync(FIXTURE, join(dir, 'node_modules', '@acme', 'revokit-adapter'), 'dir')
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  const file = join(dir, 'conf', 'revokit.json')
  mkdirSync(join(dir, 'conf'))
  writeFileSync(
    file,
    JSON.stringify({
      store: { kind: 'memory' },
      projects: [{ id: 'p', apiKeys: [KEY] }],
      toolkits: { acme: { adapter, ...options } },
    }),
  )
  return { dir, file }
}

const refused = (file: string) =>
  loadConfig(file, { env: {} }).then(
    () => {
      throw new Error('expected the config to be refused')
    },
    (error: RevokitError) => error,
  )

describe('an adapter named by package or path', () => {
  it('loads an installed package’s definition, validates with its schema, hides its secrets, and revokes', async () => {
    const { file } = project('@acme/revokit-adapter', {
      clientId: 'acme-app',
      clientSecret: 'fake-acme-secret-1',
    })
    const config = await loadConfig(file, { env: {} })
    expect(config.toolkits).toEqual({ acme: { adapter: '@acme/revokit-adapter' } })
    expect(config.adapters.map((a) => a.toolkit)).toEqual(['acme'])
    expect(config.secrets).toContain('fake-acme-secret-1')
    expect(JSON.stringify(config)).not.toContain('fake-acme-secret-1')
    const engine = createEngine({ store: memoryStore(), adapters: config.adapters })
    const account = await engine.create({
      userId: 'u',
      toolkit: 'acme',
      projectId: 'p',
      credentials: { access_token: 'fake-acme-token' },
    })
    expect((await engine.revoke(account.id)).revokedTokens).toEqual(['access_token'])
    await engine.close()
  })

  it('reports the package schema’s issues and its endpoints under toolkits.acme.<option>', async () => {
    const { file } = project('@acme/revokit-adapter', {
      clientSecret: 'short',
      endpoint: 'http://acme.example.com/revoke',
      region: 'eu',
    })
    const error = await refused(file)
    expect(error.errors).toEqual(
      expect.arrayContaining([
        'toolkits.acme.endpoint: must use https://; plain http:// is only accepted for loopback hosts such as 127.0.0.1',
        'toolkits.acme.clientId: is required: the Acme client id',
        'toolkits.acme.clientSecret: must be at least 8 characters',
        'toolkits.acme: unknown option region — remove it (options of "acme": clientId, clientSecret, endpoint)',
      ]),
    )
    expect(error.errors).toHaveLength(4)
  })

  it('loads a local adapter by a path relative to the config file, a file or a package directory', async () => {
    const local = `export const definition = {
  name: 'local',
  options: { safeParse: (value) => ({ success: true, data: value }) },
  secrets: ['token'],
  endpoints: [],
  create: (options) => ({ toolkit: options.toolkit, supportsAccess: true, supportsRefresh: false, revoke: async () => ({ type: 'revoked' }) }),
}
`
    const byFile = project(
      '../adapters/local.mjs',
      { token: 'fake-local-token-1' },
      { 'adapters/local.mjs': local },
    )
    const config = await loadConfig(byFile.file, { env: {} })
    expect(config.adapters.map((a) => a.toolkit)).toEqual(['acme'])
    expect(config.secrets).toContain('fake-local-token-1')
    const byDir = project(FIXTURE, { clientId: 'a', clientSecret: 'fake-acme-secret-2' })
    expect((await loadConfig(byDir.file, { env: {} })).adapters).toHaveLength(1)
  })

  it('says what is wrong, and the fix, when the package is missing, the path is wrong, or the module exports no definition', async () => {
    const missing = await refused(project('@acme/not-installed').file)
    expect(missing.errors).toEqual([
      'toolkits.acme.adapter: "@acme/not-installed" is not installed where the config file is — install it there (npm install @acme/not-installed), or use one of "google", "github", "slack", "rfc7009"',
    ])
    const wrongPath = await refused(project('./nope.js').file)
    expect(wrongPath.errors[0]).toMatch(
      /^toolkits\.acme\.adapter: "\.\/nope\.js" does not exist \(looked for \/.*\/conf\/nope\.js\) — give the path/,
    )
    const plain = await refused(
      project('../lib/plain.mjs', {}, { 'lib/plain.mjs': 'export const acme = () => ({})\n' }).file,
    )
    expect(plain.errors).toEqual([
      'toolkits.acme.adapter: "../lib/plain.mjs" exports no adapter definition — the module must export `definition` (or a default export) made with defineAdapter() from @revokit/core',
    ])
    const broken = await refused(
      project('../lib/broken.mjs', {}, { 'lib/broken.mjs': 'export const definition = {\n' }).file,
    )
    expect(broken.errors[0]).toMatch(
      /^toolkits\.acme\.adapter: "\.\.\/lib\/broken\.mjs" could not be loaded: /,
    )
    // A plain word that is no installed package is an unknown kind, as before.
    const word = await refused(project('okta').file)
    expect(word.errors[0]).toMatch(
      /^toolkits\.acme\.adapter: "okta" is not an adapter kind this build knows — use one of "google"/,
    )
  })
})
