import { revokitVitest } from '@revokit/presets/vitest'

// `pnpm faults` and the fault table check: every adapter's contract files in one vitest process
// at the repository root (each module transformed once), one worker per file, since the fault
// cases mostly wait on sockets and timers rather than use the CPU.
export default revokitVitest({
  test: {
    include: ['adapters/*/src/**/*.test.ts'],
    maxWorkers: 8,
    reporters: ['dot'],
  },
})
