import type { RevokeManySummary } from '@revokit/core'

/** Where CLI output goes; `isTTY` decides whether the progress bar redraws in place. */
export interface OutputStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Plain (non-TTY) mode prints at most one line per interval, plus every 10 %. @default 2000 */
  intervalMs?: number
  /** TTY redraws at most this often. @default 80 */
  redrawMs?: number
  /** @default Date.now */
  clock?: () => number
}

/** Counts shown while a bulk revoke runs. */
export type ProgressCounts = Pick<
  RevokeManySummary,
  'revoked' | 'partial' | 'alreadyRevoked' | 'notSupported' | 'skipped' | 'failed'
>

/**
 * A progress bar on `stream` (stderr). On a terminal it redraws one line in place; otherwise
 * (a log file, CI) it prints a plain line every `intervalMs` and at each 10 %, so logs stay short.
 */
export function createProgress(stream: OutputStream, total: number, options: ProgressOptions = {}) {
  const clock = options.clock ?? Date.now
  const tty = stream.isTTY === true
  const intervalMs = options.intervalMs ?? 2000
  const redrawMs = options.redrawMs ?? 80
  const started = clock()
  let lastDraw = Number.NEGATIVE_INFINITY
  let lastDecile = -1
  let lastPrinted = -1

  const counts = (c: ProgressCounts) =>
    [
      `revoked ${c.revoked}`,
      c.partial ? `partial ${c.partial}` : '',
      c.alreadyRevoked ? `already revoked ${c.alreadyRevoked}` : '',
      c.notSupported ? `not supported ${c.notSupported}` : '',
      c.skipped ? `skipped ${c.skipped}` : '',
      `failed ${c.failed}`,
    ]
      .filter(Boolean)
      .join(', ')

  const percent = (done: number) => (total === 0 ? 100 : Math.floor((done / total) * 100))

  function line(done: number, c: ProgressCounts): string {
    const seconds = Math.max((clock() - started) / 1000, 0.001)
    const rate = done / seconds
    const width = 24
    const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width))
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
    return `[${bar}] ${String(percent(done)).padStart(3)}% ${done}/${total}  ${counts(c)}  ${rate.toFixed(1)}/s`
  }

  return {
    /** Call after each account. */
    update(done: number, c: ProgressCounts) {
      const now = clock()
      if (tty) {
        if (now - lastDraw < redrawMs && done < total) return
        lastDraw = now
        const text = line(done, c)
        const columns = stream.columns ?? 120
        stream.write(`\r\x1b[2K${text.length > columns ? text.slice(0, columns - 1) : text}`)
        return
      }
      const decile = Math.floor(percent(done) / 10)
      if (decile === lastDecile && now - lastDraw < intervalMs) return
      lastDecile = decile
      lastDraw = now
      lastPrinted = done
      stream.write(`progress: ${done}/${total} (${percent(done)}%) ${counts(c)}\n`)
    },
    /** Leaves the terminal on a fresh line. */
    finish(done: number, c: ProgressCounts) {
      if (tty) {
        stream.write(`\r\x1b[2K${line(done, c)}\n`)
      } else if (lastPrinted !== done) {
        stream.write(`progress: ${done}/${total} (${percent(done)}%) ${counts(c)}\n`)
      }
    },
  }
}
