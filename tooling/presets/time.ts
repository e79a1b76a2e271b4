// For tests that wait on child processes: `scaled(ms)` grows a hang bound with the machine's load.
export { scaled } from './vitest'
