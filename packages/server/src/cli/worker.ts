import type { Engine } from '@revokit/core'
import { jsonLogger } from '../log'
import { openRevokit, type Revokit } from '../runtime'
import { CONFIG_OPTION, integer, load, parse } from './args'
import { WORKER_HELP } from './help'
import { type CliIO, EXIT_OK, print, UsageError } from './io'

/** `--interval N`, which `worker` and `serve --worker` take. */
export const INTERVAL_OPTION = { interval: { type: 'string' } } as const

/** Seconds between reconcile passes when `--interval` is not given. */
export const DEFAULT_INTERVAL_S = 30

/** `--interval`'s value in milliseconds. */
export function intervalMs(value: string | undefined, command: string): number {
  return (integer(value, 'interval', 1, 86_400, command) ?? DEFAULT_INTERVAL_S) * 1000
}

/**
 * Runs `engine.reconcile()` every `intervalMs` until `signal` aborts, then resolves once the pass
 * in flight has stopped. A pass that fails is logged and the next one runs on time: the work is
 * derived from the store, so nothing is lost by skipping a pass.
 */
export async function reconcileLoop(
  engine: Engine,
  logger: NonNullable<Revokit['logger']>,
  intervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const summary = await engine.reconcile({ signal })
      if (Object.values(summary).some((n) => n > 0)) logger.info({ ...summary }, 'worker: reconcile pass')
    } catch (error) {
      logger.error({ error }, 'worker: reconcile pass failed; retrying at the next interval')
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs)
      signal.addEventListener('abort', done, { once: true })
      function done() {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
    })
  }
}

/** `revokit worker`: background work (`engine.reconcile`) on an interval until SIGTERM/SIGINT. */
export async function worker(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, { ...CONFIG_OPTION, ...INTERVAL_OPTION }, 'worker')
  if (values.help) return print(io, WORKER_HELP)
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'worker')
  const every = intervalMs(values.interval, 'worker')
  const config = await load(values.config, io)
  const revokit = await openRevokit(config, { logger: jsonLogger({ stream: io.stdout }) })
  const logger = revokit.logger as NonNullable<Revokit['logger']>
  if (config.store.kind === 'memory') {
    logger.warn(
      { store: 'memory' },
      'the memory store is private to this process: the worker sees no accounts of a server',
    )
  }
  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received: stopping after the current account')
    stop.abort()
  }
  if (io.signals) for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal)
  try {
    logger.info({ intervalMs: every }, 'worker: started')
    io.onWorker?.({ stop: () => stop.abort() })
    await reconcileLoop(revokit.engine, logger, every, stop.signal)
  } finally {
    if (io.signals) for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, onSignal)
    await revokit.close()
  }
  return EXIT_OK
}
