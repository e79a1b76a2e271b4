import { type Redactor, redact, redactValue } from './redact'

/**
 * The logger revokit writes to: pino's call shape, so a pino (or compatible) instance can be
 * passed as is. revokit logs nothing unless you give it one.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void
  info(fields: Record<string, unknown>, message?: string): void
  warn(fields: Record<string, unknown>, message?: string): void
  error(fields: Record<string, unknown>, message?: string): void
}

const noop = () => {}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }

const LEVELS = ['debug', 'info', 'warn', 'error'] as const

/**
 * Wraps `inner` so every field and message passes through `redactor` and secret-named fields
 * are replaced, whatever the caller hands it. A logger that throws is ignored: logging must
 * never break a revoke.
 */
export function redactingLogger(inner: Logger | undefined, redactor: Redactor = redact): Logger {
  if (!inner || inner === silentLogger) return silentLogger
  const wrapped = {} as Logger
  for (const level of LEVELS) {
    wrapped[level] = (fields, message) => {
      try {
        const safeFields = redactValue(fields, redactor) as Record<string, unknown>
        if (message === undefined) inner[level](safeFields)
        else inner[level](safeFields, redactor(message))
      } catch {
        // Deliberately swallowed: see above.
      }
    }
  }
  return wrapped
}
