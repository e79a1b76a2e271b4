import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'

/** The files every adapter folder has: one skeleton, so every provider package reads the same. */
export const SKELETON_FILES = [
  'package.json',
  'tsup.config.ts',
  'vitest.config.ts',
  'tsconfig.json',
  'README.md',
  'src/index.ts',
  'src/adapter.ts',
  'src/adapter.test.ts',
] as const

/** The README sections every adapter has, in this order. */
export const README_SECTIONS = ['Usage', 'Options', 'Capabilities', 'Errors', 'Quirks'] as const

/** What is wrong with one adapter folder. */
export interface AdapterReport {
  readonly name: string
  readonly dir: string
  readonly problems: string[]
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** Statements of a module with comments removed, for the "re-exports only" rule. */
function statements(source: string): string[] {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .split(/;\s*|\n(?=\s*(?:export|import|const|let|var|function|class)\b)/)
    .map((s) => s.trim())
    .filter(Boolean)
}

/**
 * Checks one adapter folder against the skeleton: the files, a cassette folder with cassettes,
 * a test that runs the shared contract, a README with the sections in order, the package
 * wiring, and an index that only re-exports. Returns one sentence per problem.
 */
export function checkAdapter(dir: string): AdapterReport {
  const name = basename(dir)
  const problems: string[] = []
  for (const file of SKELETON_FILES) {
    if (!existsSync(join(dir, file))) problems.push(`${file} is missing`)
  }

  const cassettes = join(dir, 'cassettes')
  if (!existsSync(cassettes) || !statSync(cassettes).isDirectory()) problems.push('cassettes/ is missing')
  else if (!readdirSync(cassettes).some((f) => f.endsWith('.cassette.json')))
    problems.push('cassettes/ holds no *.cassette.json')

  const test = read(join(dir, 'src/adapter.test.ts'))
  if (test !== undefined) {
    if (!/\bdescribeRevocationAdapter\s*\(/.test(test))
      problems.push('src/adapter.test.ts does not call describeRevocationAdapter() from @revokit/testing')
    else if (!/from\s+['"]@revokit\/testing['"]/.test(test))
      problems.push('src/adapter.test.ts does not import describeRevocationAdapter from @revokit/testing')
  }

  const readme = read(join(dir, 'README.md'))
  if (readme !== undefined) {
    let at = -1
    for (const section of README_SECTIONS) {
      const found = readme.search(new RegExp(`^##\\s+${section}\\b`, 'm'))
      if (found === -1) problems.push(`README.md has no "## ${section}" section`)
      else if (found < at)
        problems.push(`README.md: "## ${section}" is out of order (${README_SECTIONS.join(' → ')})`)
      else at = found
    }
  }

  const pkgText = read(join(dir, 'package.json'))
  if (pkgText !== undefined) {
    let pkg: Record<string, Record<string, string> | string | undefined> = {}
    try {
      pkg = JSON.parse(pkgText)
    } catch {
      problems.push('package.json is not JSON')
    }
    const deps = (key: string) => (pkg[key] ?? {}) as Record<string, string>
    if (pkgText && pkg.name !== `@revokit/${name}`)
      problems.push(`package.json name must be "@revokit/${name}"`)
    if (deps('peerDependencies')['@revokit/core'] !== 'workspace:^')
      problems.push('package.json must peer-depend on "@revokit/core": "workspace:^"')
    if (!deps('devDependencies')['@revokit/testing'])
      problems.push('package.json must dev-depend on @revokit/testing (the shared contract)')
    if (deps('dependencies').undici)
      problems.push("package.json must not depend on undici: requests go through core's transport")
  }

  const index = read(join(dir, 'src/index.ts'))
  if (index !== undefined) {
    const other = statements(index).filter(
      (s) => !/^export\s+(?:type\s+)?(?:\*|\{[\s\S]*\})\s+from\s+['"]/.test(s),
    )
    if (other.length) problems.push('src/index.ts must only re-export (export … from …)')
  }
  return { name, dir, problems }
}

/** Checks every folder in `adaptersDir`. */
export function checkAdapters(adaptersDir: string): AdapterReport[] {
  if (!existsSync(adaptersDir)) return []
  return readdirSync(adaptersDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => checkAdapter(join(adaptersDir, entry.name)))
}
