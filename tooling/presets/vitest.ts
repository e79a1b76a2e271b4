import { availableParallelism, loadavg } from 'node:os'
import { defaultServerConditions } from 'vite'
import { defineConfig, type ViteUserConfig } from 'vitest/config'

// Timeouts bound how long a test may hang, never how fast something must be: on a loaded machine
// (turbo runs every package's tests at once on two cores) a child process can take many seconds
// to start, so the bound grows with the load.
const fromEnv = Number(process.env.REVOKIT_TEST_TIMEOUT_SCALE)
const load = loadavg()[0] ?? 0
const scale = Math.max(
  Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 1,
  process.env.CI ? 3 : 1,
  Math.min(6, 1 + load / availableParallelism()),
)

/** `ms` scaled for this machine's load (and 3× on CI, or `REVOKIT_TEST_TIMEOUT_SCALE`). */
export function scaled(ms: number): number {
  return Math.ceil(ms * scale)
}

// Tests run against source: the `@revokit/source` export condition points every workspace
// package at its `src/index.ts`, so nothing needs a build before `pnpm test`.
const conditions = ['@revokit/source', ...defaultServerConditions]

/** The vitest config every revokit package uses; `overrides.test` is merged into `test`. */
export function revokitVitest(overrides: ViteUserConfig = {}): ViteUserConfig {
  return defineConfig({
    ...overrides,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@revokit/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // A bound on a hang, never a speed budget: it grows with the machine's load (turbo runs every
      // package's tests at once on two cores), and is 3× on CI.
      testTimeout: scaled(20_000),
      hookTimeout: scaled(20_000),
      restoreMocks: true,
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest-report.json' },
      ...overrides.test,
    },
  })
}

export default revokitVitest()
