import { availability, probe } from '@revokit/presets/postgres'
import { describe, expect, it } from 'vitest'

// The shared gate every PostgreSQL suite here goes through: skipped with a reason on a machine
// without PostgreSQL, but a failure on CI, so a skipped suite cannot pass as green there.
describe('the PostgreSQL test gate', () => {
  it('runs the suites when the database answers', () => {
    expect(availability(undefined, { CI: 'true' })).toEqual({ run: true })
    expect(availability(undefined, {})).toEqual({ run: true })
  })

  it('skips with a message saying why and how to run them, off CI', () => {
    const state = availability('connect ECONNREFUSED 127.0.0.1:5432', {})
    expect(state.run).toBe(false)
    expect(state.run === false && state.message).toMatch(
      /unreachable \(connect ECONNREFUSED 127\.0\.0\.1:5432\): skipping the PostgreSQL suites\. .*REVOKIT_TEST_DATABASE_URL/,
    )
  })

  it('fails on CI instead of skipping', () => {
    expect(() => availability('connect ECONNREFUSED 127.0.0.1:5432', { CI: 'true' })).toThrow(
      /unreachable .*CI must run the PostgreSQL suites/,
    )
  })

  it('probing a port nobody listens on reports the connection failure', async () => {
    expect(await probe('postgres://postgres@127.0.0.1:1/test')).toMatch(/ECONNREFUSED/)
  })
})
