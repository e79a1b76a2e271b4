import { beforeAll, describe, expect, it } from 'vitest'
import { FIXTURE_TIMEOUT_MS, type FixtureTest, runFixture } from '../test/run-fixture'
import { CONTRACT_CASES } from './contract/options'

// Proves each contract case can fail: the whole contract runs (in a child vitest) on the sample
// adapter with one deliberate mistake per suite, and exactly the cases that should notice it do.
const EXPECTED_FAILURES: Record<string, string[]> = {
  'leaks-token-in-reason': ['empty-body', 'faults', 'malformed-body', 'rate-limited', 'server-error'],
  'leaks-secret-in-log': ['declared-subjects', 'network-unmocked', 'no-secrets'],
  'ignores-invalid-token': ['already-revoked'],
  'wrong-content-type': ['request-shape'],
  'throws-on-malformed': ['empty-body', 'malformed-body', 'server-error'],
  'drops-retry-after': ['faults', 'rate-limited', 'server-error'],
  'undeclared-cascade': ['declared-subjects', 'revoked'],
  'ignores-origin': ['network-reset'],
  'ignores-unsupported': ['unsupported-token-type'],
  'leaks-signing-key': ['empty-body', 'malformed-body', 'no-secrets', 'rate-limited', 'server-error'],
}

function caseOf(test: FixtureTest, suite: string): string | undefined {
  if (!test.fullName.startsWith(`${suite} `)) return undefined
  const rest = test.fullName.slice(suite.length + 1)
  return CONTRACT_CASES.find((name) => rest.startsWith(`${name} `) || rest.startsWith(`${name}:`))
}

describe('the contract catches broken adapters', () => {
  let run: ReturnType<typeof runFixture>
  beforeAll(() => {
    run = runFixture([
      'test/fixtures/broken.fixture.ts',
      'test/fixtures/skip.fixture.ts',
      'test/fixtures/guard.fixture.ts',
      'test/fixtures/hook.fixture.ts',
    ])
  }, FIXTURE_TIMEOUT_MS + 10_000)

  it.each(Object.entries(EXPECTED_FAILURES))('flaw %s fails exactly the cases %j', (flaw, expected) => {
    const suite = `sample adapter contract (flaw: ${flaw})`
    const mine = run.tests.filter((t) => caseOf(t, suite))
    expect(mine.length, `tests of ${suite}`).toBeGreaterThan(20)
    const failing = [
      ...new Set(mine.filter((t) => t.status === 'failed').map((t) => caseOf(t, suite))),
    ].sort()
    expect(failing).toEqual(expected)
    expect(mine.some((t) => t.status === 'passed')).toBe(true)
  })

  it('an adapter that drops Retry-After fails exactly the two 429 fault cases', () => {
    const suite = 'sample adapter contract (flaw: drops-retry-after) faults '
    const failing = run.tests
      .filter((t) => t.fullName.startsWith(suite) && t.status === 'failed')
      .map((t) => t.fullName.slice(suite.length).split(':')[0])
      .sort()
    expect(failing).toEqual(['429-retry-after-date', '429-retry-after-seconds'])
  })

  it('a skipped case is reported as skipped with its reason, and the rest still run', () => {
    const suite = 'sample adapter contract (skips timeout)'
    const mine = run.tests.filter((t) => t.fullName.startsWith(suite))
    const skipped = mine.filter((t) => t.status === 'skipped' || t.status === 'pending')
    expect(skipped.map((t) => t.fullName)).toEqual([
      `${suite} timeout: skipped: this provider fixture answers instantly by design`,
      `${suite} faults: skipped: the kit runs its fault cases on the sample adapter in the suites that ask for them`,
    ])
    expect(mine.filter((t) => t.status === 'passed').length).toBeGreaterThan(20)
    expect(run.output).toContain('skipping "timeout": this provider fixture answers instantly by design')
  })

  it('an adapter whose own secret only its redact hook hides passes every case: the dispatch runs the hook', () => {
    const suite = 'sample adapter contract (redact hook)'
    const mine = run.tests.filter((t) => t.fullName.startsWith(`${suite} `))
    expect(mine.length, `tests of ${suite}`).toBeGreaterThan(20)
    // Its `faults` case is skipped (the sample adapter runs it elsewhere); nothing else may be.
    expect(
      mine
        .filter((t) => t.status !== 'passed' && !t.fullName.startsWith(`${suite} faults:`))
        .map((t) => t.fullName),
    ).toEqual([])
  })

  it('useNock fails a test that leaves a cassette interaction unrequested, then cleans up', () => {
    const byName = (name: string) => run.tests.find((t) => t.fullName === `nock guard ${name}`)
    const unused = byName('leaves a cassette interaction unrequested')
    expect(unused?.status).toBe('failed')
    expect(unused?.failureMessages.join('\n')).toContain('these cassette interactions were never requested')
    expect(byName('starts the next test clean')?.status).toBe('passed')
    expect(byName('lets no request leave the machine')?.status).toBe('passed')
  })
})
