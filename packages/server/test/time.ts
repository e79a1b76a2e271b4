// Timeouts for tests that wait on child processes. They bound how long a test may hang, never how
// fast something must be: on a loaded machine (turbo runs every package's tests at once on two
// cores) a child process can take many seconds to start, so the bound grows with the load.
import { availableParallelism, loadavg } from 'node:os'

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
