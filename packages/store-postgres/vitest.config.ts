export { default } from '@revokit/presets/vitest'
