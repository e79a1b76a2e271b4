#!/usr/bin/env node
// The `revokit` bin. All the work is in ./cli/main, which tests call directly.
import { main } from './cli/main'

// `revokit accounts list | head` closes the pipe early: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error('revokit: unexpected failure', error instanceof Error ? error.name : typeof error)
    process.exitCode = 1
  },
)
