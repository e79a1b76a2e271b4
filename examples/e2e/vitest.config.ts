import { revokitVitest, scaled } from '@revokit/presets/vitest'

// A browser start and a consent walk take seconds, and much longer when turbo runs every package's
// tests at once: the hang bounds are wider here than the preset's (still scaled with the load).
export default revokitVitest({ test: { testTimeout: scaled(90_000), hookTimeout: scaled(90_000) } })
