import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { scaled } from '@revokit/presets/time'

/** How long a fixture run may take; the hooks that start one wait a little longer. */
export const FIXTURE_TIMEOUT_MS = scaled(240_000)

const root = fileURLToPath(new URL('..', import.meta.url))
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

/** One test of a fixture run, as vitest's JSON reporter describes it. */
export interface FixtureTest {
  fullName: string
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo'
  failureMessages: string[]
}

/** Runs fixture files under `test/fixtures/` in a child vitest and returns every test's result. */
export function runFixture(
  files: string[],
  env: Record<string, string> = {},
): { tests: FixtureTest[]; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-fixture-'))
  const report = join(dir, 'report.json')
  try {
    const child = spawnSync(
      process.execPath,
      [vitestBin, 'run', '--config', 'test/fixtures/vitest.fixtures.config.ts', ...files],
      {
        cwd: root,
        env: { ...process.env, ...env, REVOKIT_FIXTURE_REPORT: report, FORCE_COLOR: '0' },
        encoding: 'utf8',
        // The fixtures run ~330 contract cases in a child vitest: minutes on a loaded 2-core box.
        timeout: FIXTURE_TIMEOUT_MS,
      },
    )
    const output = `${child.stdout}\n${child.stderr}`
    let parsed: { testResults: Array<{ assertionResults: FixtureTest[] }> }
    try {
      parsed = JSON.parse(readFileSync(report, 'utf8'))
    } catch {
      throw new Error(`the fixture run wrote no report (exit ${child.status}):\n${output}`)
    }
    return { tests: parsed.testResults.flatMap((file) => file.assertionResults), output }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
