import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { availability, probe } from '@revokit/presets/postgres'
import { scaled } from '@revokit/presets/time'
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

  it('fails on CI instead of skipping, however CI is spelled', () => {
    for (const CI of ['true', '1', 'TRUE']) {
      expect(() => availability('connect ECONNREFUSED 127.0.0.1:5432', { CI })).toThrow(
        /unreachable .*CI must run the PostgreSQL suites/,
      )
    }
    for (const CI of ['', '0', 'false']) {
      expect(availability('connect ECONNREFUSED 127.0.0.1:5432', { CI }).run).toBe(false)
    }
  })

  it('probing a port nobody listens on reports the connection failure', async () => {
    expect(await probe('postgres://postgres@127.0.0.1:1/test')).toMatch(/ECONNREFUSED/)
  })
})

describe('a PostgreSQL suite where the database is unreachable', () => {
  /** Runs this package's vitest on one file against a port nobody listens on. */
  function vitest(file: string, ci: string) {
    return new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url)),
          'run',
          file,
          '--reporter=default',
        ],
        {
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          env: { ...process.env, CI: ci, REVOKIT_TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8')
      })
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8')
      })
      child.on('exit', (code) => resolve({ code, output }))
    })
  }

  it(
    'fails the run on CI, and is skipped with the reason elsewhere',
    async () => {
      const [onCi, offCi] = await Promise.all([
        vitest('src/conformance.test.ts', '1'),
        vitest('src/conformance.test.ts', ''),
      ])
      expect(onCi.code).toBe(1)
      expect(onCi.output).toContain('CI must run the PostgreSQL suites')
      expect(offCi.code).toBe(0)
      expect(offCi.output).toContain('skipping the PostgreSQL suites')
      expect(offCi.output).toMatch(/skipped/)
    },
    scaled(120_000),
  )
})
