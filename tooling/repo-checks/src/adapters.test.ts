import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findLeaks, readCassette } from '@revokit/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { adapterNames, generateAdapter } from './generate-adapter'
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

  it('passes a freshly generated adapter', () => {
    expect(checkAdapter(fresh()).problems).toEqual([])
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

  it('generates code that passes the repo lint rules once formatted, as the CLI does', () => {
    const at = tempRoot()
    const files = generateAdapter(at, 'acme-id')
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
    // Two biome processes: on a loaded machine they may take a while to start; this bounds a
    // hang, it is not a speed budget.
  }, 120_000)
})
