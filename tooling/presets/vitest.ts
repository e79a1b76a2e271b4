import { defaultServerConditions } from 'vite'
import { defineConfig, type ViteUserConfig } from 'vitest/config'

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
      testTimeout: 20_000,
      hookTimeout: 20_000,
      restoreMocks: true,
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest-report.json' },
      ...overrides.test,
    },
  })
}

export default revokitVitest()
