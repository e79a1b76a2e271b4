import { revokitTsup } from '@revokit/presets/tsup'

export default revokitTsup({ entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' } })
