import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { checkWiring } from './wiring'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const temps: string[] = []
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})

/** The wiring files of this repo, copied into a temporary root, plus one more adapter folder. */
function copyWithExtraAdapter(name: string) {
  const at = mkdtempSync(join(tmpdir(), 'revokit-wiring-'))
  temps.push(at)
  for (const path of ['README.md', 'packages/server/package.json', 'packages/server/src/kinds.ts']) {
    mkdirSync(join(at, path, '..'), { recursive: true })
    cpSync(join(root, path), join(at, path))
  }
  cpSync(join(root, 'adapters'), join(at, 'adapters'), {
    recursive: true,
    filter: (source) => !source.includes('node_modules') && !source.includes('/dist'),
  })
  mkdirSync(join(at, 'adapters', name, 'src'), { recursive: true })
  writeFileSync(join(at, 'adapters', name, 'src/index.ts'), `export { ${name} } from './adapter'\n`)
  return at
}

describe('every adapter folder is wired into the server and the README', () => {
  it('holds for this repository', () => {
    expect(checkWiring(root)).toEqual([])
  })

  it('names each missing piece for an adapter nobody wired', () => {
    expect(checkWiring(copyWithExtraAdapter('acme'))).toEqual([
      'acme: adapters/acme/src/index.ts does not export `definition` — add src/definition.ts (defineAdapter({ name, options, secrets, endpoints, create })) and export it',
      'acme: packages/server/package.json must depend on "@revokit/acme": "workspace:^"',
      "acme: packages/server/src/kinds.ts must import { definition as acme } from '@revokit/acme' and list it in builtinDefinitions",
      "acme: README.md's packages table has no row [`@revokit/acme`](adapters/acme)",
    ])
  })

  it('fails when an adapter is imported but left out of builtinDefinitions', () => {
    const at = copyWithExtraAdapter('acme')
    const kinds = join(at, 'packages/server/src/kinds.ts')
    writeFileSync(kinds, readFileSync(kinds, 'utf8').replace(/\[google, /, '['))
    expect(checkWiring(at)).toContain(
      "google: packages/server/src/kinds.ts must import { definition as google } from '@revokit/google' and list it in builtinDefinitions",
    )
  })
})
