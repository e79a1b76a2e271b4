import { describePostgres, TEST_DATABASE_URL, testSchemas, withClient } from '@revokit/presets/postgres'
import { scaled } from '@revokit/presets/time'
import { expect, it } from 'vitest'
// The crash loop is store-agnostic and lives with the SQLite store's tests, where it started.
import { type CrashTarget, crashLoop } from '../../store-sqlite/test/crash/harness'

// The SQLite store's crash loop (packages/store-sqlite/src/crash-loop.test.ts) on PostgreSQL: a
// child process revoking on one schema is SIGKILLed at seeded points; every account must then be
// in a state the transition table allows and consistent with what the provider saw, and a later
// revoke must converge with exactly the expected upstream calls. `pnpm soak` (REVOKIT_SOAK=1) runs
// 100 kills; REVOKIT_CRASH_SEED repeats a run's kill points.

const soak = process.env.REVOKIT_SOAK === '1'
const iterations = Number(process.env.REVOKIT_CRASH_ITERATIONS) || (soak ? 100 : 10)
const seed = Number(process.env.REVOKIT_CRASH_SEED) || Math.floor(Math.random() * 2 ** 31)
const schemaName = testSchemas()

const postgres: CrashTarget = {
  name: 'postgres',
  // A file URL, so the child (started from the SQLite package) loads this package's source.
  fresh: () => ({
    module: new URL('./index.ts', import.meta.url).href,
    factory: 'postgresStore',
    options: { url: TEST_DATABASE_URL, schema: schemaName() },
  }),
  // PostgreSQL's own WAL makes a killed client harmless to the files; what can go wrong is the
  // store's schema: every table must still be readable.
  async integrity(spec) {
    const schema = spec.options.schema as string
    return withClient(async (client) => {
      const problems: string[] = []
      for (const table of ['accounts', 'secrets', 'events'])
        await client.query(`SELECT count(*) FROM "${schema}".${table}`).catch((error: Error) => {
          problems.push(`${table}: ${error.message}`)
        })
      return problems
    })
  },
  // Live rows only: dead row versions until VACUUM are PostgreSQL's, as the store's README says.
  async leftovers(spec, values) {
    const schema = spec.options.schema as string
    const text = await withClient(async (client) => {
      const rows: string[] = []
      for (const table of ['accounts', 'secrets', 'events']) {
        const result = await client.query(`SELECT t::text AS row FROM "${schema}".${table} AS t`)
        for (const row of result.rows) rows.push(row.row as string)
      }
      return rows.join('\n')
    })
    return values.filter((value) => text.includes(value))
  },
}

await describePostgres('crash loop on PostgreSQL', () => {
  it(
    `survives ${iterations} SIGKILLs of a revoking process and converges (seed ${seed})`,
    async () => {
      console.log(
        `crash loop (postgres): seed ${seed}, ${iterations} iterations; REVOKIT_CRASH_SEED=${seed} repeats it`,
      )
      const started = Date.now()
      const report = await crashLoop({
        target: postgres,
        iterations,
        seed,
        ...(soak || process.env.REVOKIT_CRASH_VERBOSE ? { log: (line: string) => console.log(line) } : {}),
      })
      console.log(`crash loop (postgres) in ${Date.now() - started} ms: ${JSON.stringify(report)}`)
      expect(report.iterations).toBe(iterations)
      const killed = Object.values(report.kills).reduce((sum, n) => sum + n, 0)
      expect(killed).toBeGreaterThanOrEqual(Math.ceil(iterations / 2))
      expect(report.atKill.active + report.atKill.pending).toBeGreaterThan(0)
      expect(report.upstream.laterRequests).toBeGreaterThan(0)
    },
    scaled(iterations * 15_000),
  )
})
