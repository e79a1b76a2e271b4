import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { scaled } from '@revokit/presets/vitest'
import { FAULT_CASES } from '@revokit/testing'
import { describe, expect, it } from 'vitest'
import { type FaultRun, faultSuites, renderFaults, runFaults, withoutTimes } from './faults'

const root = fileURLToPath(new URL('../../..', import.meta.url))

describe('docs/faults.md', () => {
  let run: FaultRun | undefined
  const fresh = async () => {
    run ??= await runFaults(root)
    return run
  }

  it(
    'every contract suite of every adapter ran every fault, and all of them passed',
    async () => {
      const { reports, failures, suites } = await fresh()
      expect(failures, 'fault cases failed').toEqual([])
      expect(suites.map((s) => s.adapter)).toEqual(
        expect.arrayContaining(['github', 'google', 'rfc7009', 'slack']),
      )
      expect(reports.length, 'one report per describeRevocationAdapter call').toBe(
        suites.reduce((n, s) => n + s.suites, 0),
      )
      for (const report of reports)
        expect(
          report.observations.map((o) => o.fault),
          report.suite,
        ).toEqual([...FAULT_CASES])
    },
    scaled(240_000),
  )

  it(
    'matches what the contract kit observes now, times aside (run `pnpm faults` to update it)',
    async () => {
      const { reports } = await fresh()
      const committed = readFileSync(join(root, 'docs/faults.md'), 'utf8')
      expect(withoutTimes(committed)).toBe(withoutTimes(renderFaults(reports)))
    },
    scaled(240_000),
  )
})

describe('the fault table check', () => {
  it('ignores times but not outcomes', () => {
    const table =
      '| `http-503` | failed, retryable (HTTP 503), 3 attempts | 136 ms | 500 | 327 ms | ACTIVE |\n'
    expect(withoutTimes(table)).toBe(withoutTimes(table.replace('136 ms', '4210 ms')))
    expect(withoutTimes(table)).not.toBe(withoutTimes(table.replace('3 attempts', '2 attempts')))
    expect(withoutTimes(table)).not.toBe(withoutTimes(table.replace('ACTIVE', 'REVOKED')))
  })

  it('finds every contract suite, the ones of a second test file included', () => {
    const rfc7009 = faultSuites(root).find((s) => s.adapter === 'rfc7009')
    expect(rfc7009?.files).toEqual(['src/adapter.test.ts', 'src/preset.test.ts'])
    expect(rfc7009?.suites).toBe(2)
  })
})
