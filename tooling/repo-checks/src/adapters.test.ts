import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isAdapterDefinition, isRevokitError, type RevocationAdapter } from '@revokit/core'
import { findLeaks, readCassette } from '@revokit/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { type AdapterKind, adapterNames, generateAdapter } from './generate-adapter'
import { checkAdapter, checkAdapters } from './skeleton'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const temps: string[] = []
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})
function tempRoot() {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-repo-'))
  temps.push(dir)
  return dir
}

describe('every adapter in adapters/', () => {
  const reports = checkAdapters(join(root, 'adapters'))

  it('includes the providers this repo ships', () => {
    expect(reports.map((r) => r.name)).toEqual(expect.arrayContaining(['github', 'google', 'slack']))
  })

  it.each(reports.map((r) => [r.name, r] as const))(
    '%s has the skeleton and runs the shared contract',
    (_name, report) => {
      expect(report.problems).toEqual([])
    },
  )

  const cassettes = reports.flatMap((r) =>
    readdirSync(join(r.dir, 'cassettes'))
      .filter((f) => f.endsWith('.cassette.json'))
      .map((f) => [`${r.name}/cassettes/${f}`, join(r.dir, 'cassettes', f)] as const),
  )
  it.each(cassettes)('%s is a valid, labelled cassette with nothing token-shaped in it', (_label, file) => {
    const cassette = readCassette(file)
    if (!cassette.meta.recorded) expect(cassette.meta.source).toMatch(/^https:\/\//)
    expect(findLeaks(readFileSync(file, 'utf8'), {})).toEqual([])
  })
})

describe('the skeleton check fails for a broken adapter', () => {
  function fresh() {
    const at = tempRoot()
    generateAdapter(at, 'acme')
    return join(at, 'adapters', 'acme')
  }

  it.each(['custom', 'preset'] as const)('passes a freshly generated %s adapter', (kind) => {
    const at = tempRoot()
    generateAdapter(at, 'acme', { kind })
    expect(checkAdapter(join(at, 'adapters', 'acme')).problems).toEqual([])
  })

  it.each([
    [
      'a missing skeleton file',
      (dir: string) => unlinkSync(join(dir, 'tsup.config.ts')),
      'tsup.config.ts is missing',
    ],
    [
      'no test file',
      (dir: string) => unlinkSync(join(dir, 'src/adapter.test.ts')),
      'src/adapter.test.ts is missing',
    ],
    [
      'a test file that skips the shared contract',
      (dir: string) =>
        writeFileSync(
          join(dir, 'src/adapter.test.ts'),
          "import { it } from 'vitest'\nit('works', () => {})\n",
        ),
      'src/adapter.test.ts does not call describeRevocationAdapter()',
    ],
    [
      'no cassettes',
      (dir: string) => {
        for (const f of readdirSync(join(dir, 'cassettes'))) unlinkSync(join(dir, 'cassettes', f))
      },
      'cassettes/ holds no *.cassette.json',
    ],
    [
      'a README without an Errors section',
      (dir: string) =>
        writeFileSync(join(dir, 'README.md'), '# x\n## Usage\n## Options\n## Capabilities\n## Quirks\n'),
      'README.md has no "## Errors" section',
    ],
    [
      'README sections out of order',
      (dir: string) =>
        writeFileSync(
          join(dir, 'README.md'),
          '# x\n## Usage\n## Capabilities\n## Options\n## Errors\n## Quirks\n',
        ),
      'README.md: "## Capabilities" is out of order',
    ],
    [
      'an index with code in it',
      (dir: string) =>
        writeFileSync(join(dir, 'src/index.ts'), "export { acme } from './adapter'\nexport const x = 1\n"),
      'src/index.ts must only re-export',
    ],
    [
      'a package named after another folder',
      (dir: string) => {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, name: '@revokit/other' }))
      },
      'package.json name must be "@revokit/acme"',
    ],
    [
      'undici as a runtime dependency',
      (dir: string) => {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, dependencies: { undici: '^8' } }))
      },
      'package.json must not depend on undici',
    ],
  ])('%s', (_what, breakIt, problem) => {
    const dir = fresh()
    breakIt(dir)
    const { problems } = checkAdapter(dir)
    expect(
      problems.some((p) => p.startsWith(problem)),
      problems.join('\n'),
    ).toBe(true)
  })

  it('checkAdapters reports the broken folder by name among healthy ones', () => {
    const at = tempRoot()
    generateAdapter(at, 'good')
    generateAdapter(at, 'bad')
    unlinkSync(join(at, 'adapters/bad/src/adapter.ts'))
    const reports = checkAdapters(join(at, 'adapters'))
    expect(reports.map((r) => [r.name, r.problems])).toEqual([
      ['bad', ['src/adapter.ts is missing']],
      ['good', []],
    ])
  })
})

describe('pnpm new:adapter', () => {
  it('derives every name from the provider slug', () => {
    expect(adapterNames('acme-id')).toEqual({
      slug: 'acme-id',
      factory: 'acmeId',
      pascal: 'AcmeId',
      constant: 'ACME_ID',
    })
  })

  it.each(['Acme', 'acme_id', '1acme', 'acme-', '', 'core', 'testing'])('refuses the name %j', (name) => {
    expect(() => adapterNames(name)).toThrow()
  })

  it('writes the skeleton wired to the contract, a changeset, and cassettes labelled as templates', () => {
    const at = tempRoot()
    const files = generateAdapter(at, 'acme')
    expect(files).toContain('.changeset/acme-adapter.md')
    const test = readFileSync(join(at, 'adapters/acme/src/adapter.test.ts'), 'utf8')
    expect(test).toMatch(/describeRevocationAdapter\(contract\)/)
    // The placeholder test is red until the cassettes are rewritten: they say TODO.
    expect(test).toMatch(/not\.toMatch\(\/todo\/i\)/)
    for (const file of readdirSync(join(at, 'adapters/acme/cassettes'))) {
      const cassette = readCassette(join(at, 'adapters/acme/cassettes', file))
      expect(cassette.meta).toMatchObject({ recorded: false, provider: 'acme' })
      expect(JSON.stringify(cassette)).toMatch(/todo/i)
    }
  })

  it('refuses to overwrite an existing adapter, and writes nothing', () => {
    const at = tempRoot()
    generateAdapter(at, 'acme')
    writeFileSync(join(at, 'adapters/acme/src/adapter.ts'), '// mine\n')
    expect(() => generateAdapter(at, 'acme')).toThrow(/already exists/)
    expect(readFileSync(join(at, 'adapters/acme/src/adapter.ts'), 'utf8')).toBe('// mine\n')
  })

  it('refuses when only the changeset name is taken, and writes nothing', () => {
    const at = tempRoot()
    generateAdapter(at, 'acme')
    rmSync(join(at, 'adapters/acme'), { recursive: true })
    expect(() => generateAdapter(at, 'acme')).toThrow(/\.changeset\/acme-adapter\.md already exists/)
    expect(() => readdirSync(join(at, 'adapters/acme'))).toThrow()
  })

  it('--preset writes a declaration over @revokit/rfc7009, its definition, and cassettes of its request', () => {
    const at = tempRoot()
    const files = generateAdapter(at, 'acme', { kind: 'preset' })
    expect(files).toEqual(
      expect.arrayContaining([
        'adapters/acme/src/adapter.ts',
        'adapters/acme/src/definition.ts',
        'adapters/acme/src/adapter.test.ts',
        'adapters/acme/cassettes/unsupported-token-type.cassette.json',
        '.changeset/acme-adapter.md',
      ]),
    )
    const read = (file: string) => readFileSync(join(at, 'adapters/acme', file), 'utf8')
    expect(read('src/adapter.ts')).toMatch(/export const acme = rfc7009Preset\(\{/)
    expect(read('src/definition.ts')).toMatch(/export const definition = acme\.definition/)
    expect(read('src/index.ts')).toMatch(/export \{ definition \} from '\.\/definition'/)
    const pkg = JSON.parse(read('package.json'))
    expect(pkg.dependencies).toEqual({ '@revokit/rfc7009': 'workspace:^' })
    expect(pkg.peerDependencies).toEqual({ '@revokit/core': 'workspace:^' })
    const test = read('src/adapter.test.ts')
    expect(test).toMatch(/describeRevocationAdapter\(contract\)/)
    expect(test).toMatch(/not\.toMatch\(\/todo\/i\)/)
    for (const file of readdirSync(join(at, 'adapters/acme/cassettes'))) {
      const cassette = readCassette(join(at, 'adapters/acme/cassettes', file))
      expect(cassette.meta).toMatchObject({ recorded: false, provider: 'acme' })
      expect(cassette.interactions[0]?.body).toBe('token={{token}}&token_type_hint={{subject}}')
    }
  })

  it("every generated adapter uses core's retry rule, not its own status list", () => {
    for (const kind of ['custom', 'preset'] as const) {
      const at = tempRoot()
      generateAdapter(at, 'acme', { kind })
      const source = readFileSync(join(at, 'adapters/acme/src/adapter.ts'), 'utf8')
      expect(source).not.toMatch(/status\s*(?:===|>=)\s*(?:429|500)/)
    }
  })

  it.each(['custom', 'preset'] as const)(
    'generates code that passes the repo lint rules once formatted, as the CLI does (%s)',
    (kind) => {
      const at = tempRoot()
      const files = generateAdapter(at, 'acme-id', { kind })
      // The repo's rules, minus the git integration (the temp folder is not a repository).
      const { $schema: _, ...config } = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'))
      writeFileSync(join(at, 'biome.json'), JSON.stringify({ ...config, vcs: { enabled: false } }))
      const biome = join(root, 'node_modules/@biomejs/biome/bin/biome')
      spawnSync(process.execPath, [biome, 'format', '--write', ...files], { cwd: at })
      const lint = spawnSync(process.execPath, [biome, 'ci', '--colors=off', ...files], {
        cwd: at,
        encoding: 'utf8',
      })
      expect(lint.status, `${lint.stdout}\n${lint.stderr}`).toBe(0)
    },
    // Two biome processes: on a loaded machine they may take a while to start; this bounds a
    // hang, it is not a speed budget.
    120_000,
  )
})

describe('generated code runs: the factory builds an adapter and the package exports its definition', () => {
  // Generated inside this package so the generated sources resolve @revokit/core and
  // @revokit/rfc7009 the way they will in adapters/<name>.
  const here = fileURLToPath(new URL('..', import.meta.url))
  async function load(kind: AdapterKind) {
    const at = mkdtempSync(join(here, '.generated-'))
    temps.push(at)
    generateAdapter(at, 'acme', { kind })
    return (await import(pathToFileURL(join(at, 'adapters/acme/src/index.ts')).href)) as {
      acme: (options?: Record<string, unknown>) => RevocationAdapter
      definition: unknown
    }
  }
  function refusal(build: () => unknown): string[] {
    try {
      build()
    } catch (error) {
      if (isRevokitError(error)) return [...(error.errors ?? [])]
      throw error
    }
    throw new Error('expected the options to be refused')
  }

  it('custom: acme() serves the acme toolkit; its definition builds the same adapter', async () => {
    const { acme, definition } = await load('custom')
    expect(acme()).toMatchObject({ toolkit: 'acme', supportsAccess: true })
    expect(isAdapterDefinition(definition)).toBe(true)
    expect(definition).toMatchObject({ name: 'acme', secrets: [], endpoints: ['revocationEndpoint'] })
    expect(refusal(() => acme({ toolkit: 'Acme' }))).toEqual([
      'toolkit: must be a lowercase slug such as "acme" (a-z, 0-9, - and _)',
    ])
  })

  it('preset: acme({ clientId, clientSecret }) builds an RFC 7009 adapter; the definition names the secret', async () => {
    const { acme, definition } = await load('preset')
    expect(acme({ clientId: 'fake-client', clientSecret: 'fake-secret-1' })).toMatchObject({
      toolkit: 'acme',
      supportsAccess: true,
      supportsRefresh: true,
    })
    expect(isAdapterDefinition(definition)).toBe(true)
    expect(definition).toMatchObject({
      name: 'acme',
      secrets: ['clientSecret'],
      endpoints: ['revocationEndpoint'],
    })
    expect(refusal(() => acme({ clientId: 'fake-client' }))).toEqual([
      'clientSecret: is required: Acme authenticates the client with client_secret_basic',
    ])
  })
})
