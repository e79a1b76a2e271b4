// Prints one closing line for the whole monorepo from each package's vitest JSON report
// (written by the shared vitest preset), so a CI log ends with the real totals.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('../..', import.meta.url).pathname
let passed = 0
let failed = 0
let skipped = 0
const rows = []
for (const group of ['packages', 'adapters', 'tooling', 'examples']) {
  const dir = join(root, group)
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, '.vitest-report.json')
    if (!existsSync(file)) continue
    const report = JSON.parse(readFileSync(file, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + report.numTodoTests
    rows.push(`  ${`${group}/${name}`.padEnd(28)} ${String(report.numPassedTests).padStart(4)} passed`)
  }
}
console.log(`\ntests by package:\n${rows.join('\n')}`)
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
