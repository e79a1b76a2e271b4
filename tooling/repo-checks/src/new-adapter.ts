// `pnpm new:adapter <name> [--preset]`: writes adapters/<name> with the skeleton, wired to the
// shared contract, and a placeholder cassette test that fails until the cassettes are real.
// `--preset` declares an RFC 7009-shaped provider over @revokit/rfc7009 instead of coding one.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateAdapter } from './generate-adapter'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const args = process.argv.slice(2)
const preset = args.includes('--preset')
const names = args.filter((arg) => arg !== '--preset')
const name = names[0]

if (!name || names.length > 1 || name.startsWith('-')) {
  console.error(
    'usage: pnpm new:adapter <provider-name> [--preset]   (e.g. pnpm new:adapter acme, or --preset for an RFC 7009-shaped provider)',
  )
  process.exit(1)
}

try {
  const files = generateAdapter(root, name, { kind: preset ? 'preset' : 'custom' })
  // House formatting, so the new folder passes `biome ci` before anyone edits it.
  spawnSync(
    process.execPath,
    [join(root, 'node_modules/@biomejs/biome/bin/biome'), 'format', '--write', ...files],
    { cwd: root, stdio: 'ignore' },
  )
  console.log(`created ${files.length} files:\n  ${files.join('\n  ')}`)
  console.log(`
next:
  1. pnpm install
  2. pnpm --filter @revokit/${name} test      # red on purpose: start here
  3. follow "Adding a provider" in CONTRIBUTING.md until it is green`)
} catch (error) {
  console.error(`new:adapter: ${(error as Error).message}`)
  process.exit(1)
}
