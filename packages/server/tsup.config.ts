import { revokitTsup } from '@revokit/presets/tsup'

export default revokitTsup({ entry: { index: 'src/index.ts', cli: 'src/cli.ts' } })
