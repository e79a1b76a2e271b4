import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

// An adapter folder is only usable from revokit.json and the CLI once the server knows it. A new
// adapter is wired in four places; this check names each one that is missing, with the fix.

/** One problem per missing piece of wiring, e.g. `slack: packages/server/package.json …`. */
export function checkWiring(root: string): string[] {
  const adaptersDir = join(root, 'adapters')
  if (!existsSync(adaptersDir)) return []
  const names = readdirSync(adaptersDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort()
  const read = (path: string) => (existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : '')
  const serverPkg = JSON.parse(read('packages/server/package.json') || '{}') as {
    dependencies?: Record<string, string>
  }
  const kinds = read('packages/server/src/kinds.ts')
  const listed =
    /builtinDefinitions[^=]*=\s*\[([^\]]*)\]/
      .exec(kinds)?.[1]
      ?.split(/[\s,]+/)
      .filter(Boolean) ?? []
  const readme = read('README.md')

  const problems: string[] = []
  for (const name of names) {
    const pkg = `@revokit/${name}`
    const index = read(`adapters/${name}/src/index.ts`)
    if (!/export\s*\{[^}]*\bdefinition\b[^}]*\}\s*from/.test(index))
      problems.push(
        `${name}: adapters/${name}/src/index.ts does not export \`definition\` — add src/definition.ts (defineAdapter({ name, options, secrets, endpoints, create })) and export it`,
      )
    if (serverPkg.dependencies?.[pkg] !== 'workspace:^')
      problems.push(`${name}: packages/server/package.json must depend on "${pkg}": "workspace:^"`)
    const local = new RegExp(
      `import\\s*\\{\\s*definition\\s+as\\s+(\\w+)\\s*\\}\\s*from\\s*'${pkg.replace('/', '\\/')}'`,
    ).exec(kinds)?.[1]
    if (!local || !listed.includes(local))
      problems.push(
        `${name}: packages/server/src/kinds.ts must import { definition as ${camel(name)} } from '${pkg}' and list it in builtinDefinitions`,
      )
    if (!readme.includes(`[\`${pkg}\`](adapters/${name})`))
      problems.push(`${name}: README.md's packages table has no row [\`${pkg}\`](adapters/${name})`)
  }
  return problems
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}
