import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import parse from '@changesets/parse'
import { describe, expect, it } from 'vitest'

// `changeset version` refuses to run if any changeset is malformed, which would block every
// release; a formatter once turned a frontmatter line into a Markdown heading. These checks run
// with the tests so that cannot land again.
const root = new URL('../../../', import.meta.url).pathname
const dir = join(root, '.changeset')
const changesets = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')

const published = new Map<string, string>()
for (const group of ['packages', 'adapters']) {
  for (const name of readdirSync(join(root, group))) {
    try {
      const pkg = JSON.parse(readFileSync(join(root, group, name, 'package.json'), 'utf8'))
      if (!pkg.private) published.set(pkg.name, `${group}/${name}`)
    } catch {}
  }
}

describe('changesets', () => {
  it.each(changesets)('%s parses, names published packages and says something to users', (file) => {
    const { releases, summary } = parse(readFileSync(join(dir, file), 'utf8'))
    expect(releases.length, 'frontmatter names at least one package').toBeGreaterThan(0)
    for (const release of releases) {
      expect(published.has(release.name), `${release.name} is a published workspace package`).toBe(true)
      expect(['patch', 'minor', 'major']).toContain(release.type)
    }
    expect(summary.trim().length, 'a sentence for users').toBeGreaterThan(30)
    expect(summary, 'written for users, not a commit prefix').not.toMatch(/^(fix|feat|chore)(\(.+\))?:/i)
  })

  it('every published package has a release note', () => {
    const named = new Set(
      changesets.flatMap((file) => parse(readFileSync(join(dir, file), 'utf8')).releases.map((r) => r.name)),
    )
    expect([...published.keys()].filter((name) => !named.has(name))).toEqual([])
  })

  it('a frontmatter mangled into a heading names no package, so the first check fails on it', () => {
    const mangled =
      '---\n\n## "@revokit/core": minor\n\n---\n\nFirst release of the engine, for users to read.\n'
    let named = 0
    try {
      named = parse(mangled).releases.length
    } catch {}
    expect(named).toBe(0)
  })
})
