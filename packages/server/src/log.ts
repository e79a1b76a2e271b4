import { hostname } from 'node:os'
import type { Logger } from '@revokit/core'

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']
// pino's numbers, so log pipelines that already read pino read these lines unchanged.
const PINO_LEVEL: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 }

/** Options of {@link jsonLogger}. */
export interface JsonLoggerOptions {
  /** Where lines go. @default process.stdout */
  stream?: { write(line: string): unknown }
  /** Lines below this level are dropped. @default 'info' */
  level?: LogLevel
  /** @default Date.now */
  clock?: () => number
}

/**
 * A small structured logger: one JSON object per line, with pino's fields (`level` as pino's
 * number, `time` in epoch ms, `pid`, `hostname`, `msg`). It does no redaction of its own; the
 * server wraps it (or your pino) in core's `redactingLogger` with every configured secret.
 */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stdout
  const min = LEVELS.indexOf(options.level ?? 'info')
  const clock = options.clock ?? Date.now
  const base = { pid: process.pid, hostname: hostname() }
  const write = (level: LogLevel) => (fields: Record<string, unknown>, message?: string) => {
    if (LEVELS.indexOf(level) < min) return
    let line: string
    try {
      line = JSON.stringify({
        level: PINO_LEVEL[level],
        time: clock(),
        ...base,
        ...fields,
        ...(message !== undefined ? { msg: message } : {}),
      })
    } catch {
      line = JSON.stringify({
        level: PINO_LEVEL[level],
        time: clock(),
        ...base,
        msg: message ?? 'unserialisable log fields',
      })
    }
    stream.write(`${line}\n`)
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}
