import type { Logger } from '@revokit/core'

/** A {@link Logger} that keeps every line, for asserting what would have been logged. */
export interface CaptureLogger extends Logger {
  /** Each call serialised the way a JSON logger writes it: `{ level, ...fields, msg }`. */
  readonly lines: string[]
  /** All lines joined, for substring checks. */
  text(): string
  clear(): void
}

/**
 * A logger that records every line as JSON. Pass it to `createEngine({ logger })` or a kit
 * context, then check `lines` for what must (or must never) be there.
 */
export function captureLogger(): CaptureLogger {
  const lines: string[] = []
  const write = (level: string) => (fields: Record<string, unknown>, message?: string) => {
    lines.push(JSON.stringify({ level, ...fields, msg: message }, errorsAsText))
  }
  return {
    lines,
    text: () => lines.join('\n'),
    clear: () => {
      lines.length = 0
    },
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  }
}

function errorsAsText(_key: string, value: unknown) {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value
}
