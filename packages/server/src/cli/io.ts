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
  /** Called once `worker` runs its loop (tests use it to stop the worker). */
  onWorker?: (worker: { stop(): void }) => void
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

// C0 and C1 controls and bidirectional overrides: what a terminal would act on (ESC starts an
// escape sequence, CR rewrites the line) rather than show.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu

/**
 * `text` made safe to print: every control character and bidirectional override is shown as an
 * escape (`\x1b`, `\u202e`) instead of being acted on. Everything the CLI prints that came from
 * stored data or a provider goes through it; ids are refused with such characters at the API
 * boundary, but a store may hold older ones, or be written by something else.
 * @see https://invisible-island.net/xterm/ctlseqs/ctlseqs.html (what ESC and CSI do)
 */
export function terminalSafe(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => {
    const code = ch.codePointAt(0) ?? 0
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/** An error's message, details and fix, on stderr. */
export function printError(io: CliIO, error: RevokitError) {
  io.stderr.write(`error: ${terminalSafe(error.message)}\n`)
  for (const line of error.errors) {
    if (!error.message.includes(line)) io.stderr.write(`  - ${terminalSafe(line)}\n`)
  }
  io.stderr.write(`fix: ${terminalSafe(error.suggestedFix)}\n`)
}

/** Left-aligned columns (right-aligned where `right` says), two spaces apart; cells are {@link terminalSafe}. */
export function table(input: string[][], right: boolean[] = []): string {
  const rows = input.map((row) => row.map(terminalSafe))
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
