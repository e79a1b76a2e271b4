export { default } from '@revokit/presets/tsup'
