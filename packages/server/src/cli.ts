#!/usr/bin/env node
// The `revokit` bin. All the work is in ./cli/main, which tests call directly.
import { main } from './cli/main'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error('revokit: unexpected failure', error instanceof Error ? error.name : typeof error)
    process.exitCode = 1
  },
)
