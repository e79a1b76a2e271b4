import { beforeAll, describe, expect, it } from 'vitest'
import { type FixtureTest, runFixture } from '../test/run-fixture'
import { CONNECTOR_CASES } from './connect/options'

// Proves the connector contract can fail: it runs (in a child vitest) on a sample connector that
// is correct, then once per deliberate mistake, and exactly the cases that should notice do.
const EXPECTED_FAILURES: Record<string, string[]> = {
  none: [],
  'drops-nested-user': ['exchange'],
  'error-200-as-tokens': ['provider-errors'],
  'outage-is-dead': ['server-error'],
  'secret-on-property': ['no-secrets'],
  'drops-rotation': ['engine-refresh', 'refresh-rotation'],
  'secret-in-description': ['provider-errors'],
  'wrong-scope-separator': ['authorization-url'],
}

function caseOf(test: FixtureTest, suite: string): string | undefined {
  if (!test.fullName.startsWith(`${suite} `)) return undefined
  const rest = test.fullName.slice(suite.length + 1)
  return CONNECTOR_CASES.find((name) => rest.startsWith(`${name} `) || rest.startsWith(`${name}:`))
}

describe('the connector contract catches broken connectors', () => {
  let run: ReturnType<typeof runFixture>
  beforeAll(() => {
    run = runFixture(['test/fixtures/broken-connector.fixture.ts'])
  }, 240_000)

  it.each(Object.entries(EXPECTED_FAILURES))('flaw %s fails exactly the cases %j', (flaw, expected) => {
    const suite = `sample connector contract (flaw: ${flaw})`
    const mine = run.tests.filter((t) => caseOf(t, suite))
    expect(mine.length, `tests of ${suite}`).toBeGreaterThan(15)
    const failing = [
      ...new Set(mine.filter((t) => t.status === 'failed').map((t) => caseOf(t, suite))),
    ].sort()
    expect(failing).toEqual(expected)
    expect(mine.some((t) => t.status === 'passed')).toBe(true)
  })
})
