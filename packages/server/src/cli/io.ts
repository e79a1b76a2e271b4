import type { RevokitError } from '@revokit/core'
import type { Kinds } from '../kinds'
import type { RunningServer } from '../node-server'
import type { OutputStream } from './progress'

// What every command shares: its input and output, its exit codes, and how it reports.

/** What the CLI reads and writes; tests pass their own. */
export interface CliIO {
  stdout: OutputStream
  stderr: OutputStream
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  /** Adapter and store kinds the config may name. @default builtinKinds */
  kinds: Kinds
  /** Install SIGTERM/SIGINT handlers (serve, bulk revoke). @default true */
  signals: boolean
  /** Called once `serve` listens (tests use it to find the port and stop the server). */
  onListening?: (server: RunningServer) => void
  /** Progress bar timing, for tests. */
  progress?: { intervalMs?: number; redrawMs?: number }
}

/** Wrong usage: exit code 2 with a pointer to the command's help. */
export class UsageError extends Error {
  readonly command: string
  constructor(message: string, command: string) {
    super(message)
    this.command = command
  }
}

/** Done. */
export const EXIT_OK = 0
/** Failed: the error and its fix are on stderr. */
export const EXIT_FAILED = 1
/** Wrong usage: a pointer to the command's help is on stderr. */
export const EXIT_USAGE = 2

/** Writes `text` to stdout; exit code 0. */
export function print(io: CliIO, text: string): number {
  io.stdout.write(text)
  return EXIT_OK
}

/** An error's message, details and fix, on stderr. */
export function printError(io: CliIO, error: RevokitError) {
  io.stderr.write(`error: ${error.message}\n`)
  for (const line of error.errors) if (!error.message.includes(line)) io.stderr.write(`  - ${line}\n`)
  io.stderr.write(`fix: ${error.suggestedFix}\n`)
}

/** Left-aligned columns (right-aligned where `right` says), two spaces apart. */
export function table(rows: string[][], right: boolean[] = []): string {
  const widths: number[] = []
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length)
  }
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) => (right[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('')
}
