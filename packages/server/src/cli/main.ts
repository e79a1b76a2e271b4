import { isRevokitError, toRevokitError } from '@revokit/core'
import packageJson from '../../package.json' with { type: 'json' }
import { builtinKinds } from '../kinds'
import { accounts } from './accounts'
import { connect } from './connect'
import { helpOf, ROOT_HELP } from './help'
import { type CliIO, EXIT_FAILED, EXIT_OK, EXIT_USAGE, printError, UsageError } from './io'
import { keygen, rotateKey } from './keys'
import { revoke } from './revoke'
import { serve } from './serve'
import { worker } from './worker'

// The `revokit` command line: this file picks the command; each command is its own file.

export type { CliIO } from './io'

/**
 * Runs the `revokit` CLI with `argv` (without the node and script paths) and resolves the exit
 * code: 0 done, 1 failed, 2 wrong usage. Never calls `process.exit`.
 */
export async function main(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const full: CliIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    kinds: io.kinds ?? builtinKinds,
    signals: io.signals ?? true,
    ...(io.onListening ? { onListening: io.onListening } : {}),
    ...(io.onWorker ? { onWorker: io.onWorker } : {}),
    ...(io.progress ? { progress: io.progress } : {}),
  }
  try {
    return await run([...argv], full)
  } catch (error) {
    if (error instanceof UsageError) {
      full.stderr.write(`revokit: ${error.message}\n`)
      full.stderr.write(`Run 'revokit ${error.command ? `${error.command} ` : ''}--help' for usage.\n`)
      return EXIT_USAGE
    }
    printError(full, toRevokitError(error))
    if (!isRevokitError(error)) full.stderr.write(`  (${error instanceof Error ? error.name : 'error'})\n`)
    return EXIT_FAILED
  }
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined
    io.stdout.write(topic ? helpOf(topic) : ROOT_HELP)
    return EXIT_OK
  }
  if (command === '-v' || command === '--version') {
    io.stdout.write(`${packageJson.version}\n`)
    return EXIT_OK
  }
  switch (command) {
    case 'serve':
      return serve(rest, io)
    case 'revoke':
      return revoke(rest, io)
    case 'accounts':
      return accounts(rest, io)
    case 'connect':
      return connect(rest, io)
    case 'worker':
      return worker(rest, io)
    case 'keygen':
      return keygen(rest, io)
    case 'rotate-key':
      return rotateKey(rest, io)
    default:
      throw new UsageError(
        command.startsWith('-')
          ? `unknown option '${command}' (options come after the command)`
          : `unknown command '${command}' — commands: serve, worker, connect, revoke, accounts, keygen, rotate-key`,
        '',
      )
  }
}
