import { DatabaseSync } from 'node:sqlite'
import { scaled } from '@revokit/presets/time'
import { afterAll, expect, it } from 'vitest'
import { type CrashTarget, crashLoop } from '../test/crash/harness'
import { findOnDisk, removeTempDirs, tempDbPath } from '../test/helpers'

// A child process revoking on a real SQLite file is SIGKILLed at random points; after each kill
// every account must be in a state the transition table allows, consistent with what the provider
// saw, and the file intact; a later revoke must converge with exactly the expected upstream calls.
// The suite runs a few iterations; `pnpm soak` (REVOKIT_SOAK=1) runs 100. REVOKIT_CRASH_SEED
// repeats a run's kill points.

afterAll(removeTempDirs)

const soak = process.env.REVOKIT_SOAK === '1'
const iterations = Number(process.env.REVOKIT_CRASH_ITERATIONS) || (soak ? 100 : 20)
const seed = Number(process.env.REVOKIT_CRASH_SEED) || Math.floor(Math.random() * 2 ** 31)

const sqlite: CrashTarget = {
  name: 'sqlite',
  fresh: () => ({ module: '@revokit/store-sqlite', factory: 'sqliteStore', options: { path: tempDbPath() } }),
  async integrity(spec) {
    const db = new DatabaseSync(spec.options.path as string)
    try {
      const rows = db.prepare('PRAGMA integrity_check').all() as Array<{ integrity_check: string }>
      const problems = rows.map((row) => row.integrity_check).filter((text) => text !== 'ok')
      const foreign = db.prepare('PRAGMA foreign_key_check').all()
      return foreign.length ? [...problems, `${foreign.length} foreign key violations`] : problems
    } finally {
      db.close()
    }
  },
  async leftovers(spec, values) {
    const found = findOnDisk(spec.options.path as string, values)
    return values.filter((_, i) => (found[i] as string[]).length > 0)
  },
}

it(
  `survives ${iterations} SIGKILLs of a revoking process and converges (seed ${seed})`,
  async () => {
    console.log(
      `crash loop (sqlite): seed ${seed}, ${iterations} iterations; REVOKIT_CRASH_SEED=${seed} repeats it`,
    )
    const started = Date.now()
    const report = await crashLoop({
      target: sqlite,
      iterations,
      seed,
      ...(soak || process.env.REVOKIT_CRASH_VERBOSE ? { log: (line: string) => console.log(line) } : {}),
    })
    console.log(`crash loop (sqlite) in ${Date.now() - started} ms: ${JSON.stringify(report)}`)

    expect(report.iterations).toBe(iterations)
    // The loop proves something only if most children really died mid-run, and some with work
    // unrecorded: accounts left ACTIVE or pending, and tokens the later revoke had to send.
    const killed = Object.values(report.kills).reduce((sum, n) => sum + n, 0)
    expect(killed).toBeGreaterThanOrEqual(Math.ceil(iterations / 2))
    expect(report.atKill.active + report.atKill.pending).toBeGreaterThan(0)
    expect(report.upstream.laterRequests).toBeGreaterThan(0)
  },
  scaled(iterations * 15_000),
)
