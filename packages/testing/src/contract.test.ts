import { sampleContract } from '../test/fixtures/sample-contract'
import { describeRevocationAdapter } from './contract'

// The kit's own contract run on a healthy adapter: every case must pass. That each case can
// also fail is proven in kit-catches.test.ts, on deliberately broken adapters.
describeRevocationAdapter(sampleContract('none', {}, { faults: true }))
