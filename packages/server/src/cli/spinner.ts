import type { OutputStream } from './progress'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** Options of {@link createSpinner}. */
export interface SpinnerOptions {
  /** TTY frames this often. @default 80 */
  redrawMs?: number
  /** Plain (non-TTY) mode prints a "still waiting" line this often. @default 30000 */
  intervalMs?: number
  /** @default Date.now */
  clock?: () => number
}

/**
 * A "waiting…" indicator on `stream` (stderr): on a terminal one line redrawn in place with the
 * seconds waited; otherwise (a log file, CI) the text once, then a plain line every
 * `intervalMs`, so logs stay short. Its timer never keeps the process alive.
 */
export function createSpinner(stream: OutputStream, text: string, options: SpinnerOptions = {}) {
  const clock = options.clock ?? Date.now
  const started = clock()
  const tty = stream.isTTY === true
  const seconds = () => Math.floor((clock() - started) / 1000)
  let frame = 0
  const draw = () => {
    const line = `${FRAMES[frame++ % FRAMES.length]} ${text} ${seconds()}s`
    const columns = stream.columns ?? 120
    stream.write(`\r\x1b[2K${line.length > columns ? line.slice(0, columns - 1) : line}`)
  }
  if (tty) draw()
  else stream.write(`${text}\n`)
  const timer = setInterval(
    () => (tty ? draw() : stream.write(`still waiting (${seconds()} s)\n`)),
    tty ? (options.redrawMs ?? 80) : (options.intervalMs ?? 30_000),
  )
  timer.unref?.()
  return {
    /** Stops, leaving the terminal on a fresh line. */
    stop() {
      clearInterval(timer)
      if (tty) stream.write('\r\x1b[2K')
    },
  }
}
