// `pnpm faults`: runs every adapter's `faults` contract case and writes docs/faults.md.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderFaults, runFaults } from './faults'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const run = await runFaults(root)
if (run.failures.length) {
  console.error(`fault cases failed; docs/faults.md left as it was:\n\n${run.failures.join('\n\n')}`)
  process.exit(1)
}
const cases = run.reports.reduce((n, report) => n + report.observations.length, 0)
writeFileSync(join(root, 'docs/faults.md'), renderFaults(run.reports))
console.log(
  `docs/faults.md: ${cases} fault cases (${run.reports.length} contract suites in ${run.suites.length} adapters) in ${(run.ms / 1000).toFixed(1)} s`,
)
