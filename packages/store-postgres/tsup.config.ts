import { revokitTsup } from '@revokit/presets/tsup'

export default revokitTsup()
