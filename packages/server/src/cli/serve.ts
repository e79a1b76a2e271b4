import { jsonLogger } from '../log'
import { type RunningServer, startServer } from '../node-server'
import { openRevokit, type Revokit } from '../runtime'
import { CONFIG_OPTION, integer, load, parse } from './args'
import { SERVE_HELP } from './help'
import { type CliIO, EXIT_FAILED, EXIT_OK, print, UsageError } from './io'
import { rotationLine } from './keys'
import { INTERVAL_OPTION, intervalMs, reconcileLoop } from './worker'

/** `revokit serve`: the HTTP API on this machine until SIGTERM/SIGINT (graceful shutdown). */
export async function serve(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...CONFIG_OPTION,
      ...INTERVAL_OPTION,
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      worker: { type: 'boolean' },
    },
    'serve',
  )
  if (values.help) return print(io, SERVE_HELP)
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'serve')
  const port = integer(values.port, 'port', 0, 65535, 'serve')
  if (values.interval !== undefined && !values.worker)
    throw new UsageError('--interval needs --worker', 'serve')
  const every = intervalMs(values.interval, 'serve')
  const config = await load(values.config, io)
  const logger = jsonLogger({ stream: io.stdout })
  const host = values.host ?? '127.0.0.1'
  const revokit = await openRevokit(config, { logger, listen: { host, port: port ?? config.port } })
  if (config.store.kind === 'memory') {
    logger.warn({ store: 'memory' }, 'the memory store keeps accounts only until this process exits')
  }
  if (revokit.redirectUri === undefined) {
    logger.warn(
      { publicUrl: null },
      'no publicUrl in the config and no loopback address with a fixed port to default to: connecting accounts (POST /api/v3/connected_accounts/link) answers 400 redirect_uri_required until publicUrl is set',
    )
  }
  // Records still sealed with a previous key (or stored before encryption was on) are
  // re-encrypted while the server runs; shutting down stops the scan after its current page.
  // The same signal stops the background work (`--worker`) after its current account.
  const background = new AbortController()
  let rotating: Promise<void> = Promise.resolve()
  let working: Promise<void> = Promise.resolve()
  const close = async () => {
    background.abort()
    await rotating
    await working
    await revokit.close()
  }
  let running: RunningServer
  try {
    running = await startServer({
      handler: revokit.handler,
      port: port ?? config.port,
      host,
      limits: config.limits,
      logger: revokit.logger as NonNullable<Revokit['logger']>,
      onClose: close,
      signals: io.signals ? ['SIGTERM', 'SIGINT'] : [],
    })
  } catch (error) {
    await revokit.close()
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      io.stderr.write(
        `error: cannot listen on ${values.host ?? '127.0.0.1'}:${port ?? config.port} (${code})\nfix: ${
          code === 'EADDRINUSE'
            ? 'pick another --port, or stop what is using this one'
            : 'check --host and --port'
        }\n`,
      )
      return EXIT_FAILED
    }
    throw error
  }
  if (config.encryption) rotating = rotateInBackground(revokit, background.signal)
  if (values.worker) {
    const logger = revokit.logger as NonNullable<Revokit['logger']>
    logger.info({ intervalMs: every }, 'worker: started')
    working = reconcileLoop(revokit.engine, logger, every, background.signal)
  }
  io.onListening?.(running)
  await running.closed
  return EXIT_OK
}

async function rotateInBackground(revokit: Revokit, signal: AbortSignal): Promise<void> {
  const logger = revokit.logger as NonNullable<Revokit['logger']>
  try {
    const summary = await revokit.engine.rotateKeys({ signal })
    if (summary.rewritten === 0 && summary.skipped === 0 && summary.failed === 0) return
    const counts = { rewritten: summary.rewritten, skipped: summary.skipped, failed: summary.failed }
    if (summary.failed > 0) {
      logger.error(
        { ...counts, errors: summary.errors.slice(0, 20) },
        `encryption: ${rotationLine(summary)} — give the missing keys in REVOKIT_ENCRYPTION_KEYS_PREVIOUS`,
      )
    } else {
      logger.info(
        counts,
        `encryption: ${rotationLine(summary)}${summary.skipped > 0 ? ' — skipped records are re-encrypted on their next write, or run revokit rotate-key' : ''}`,
      )
    }
  } catch (error) {
    logger.error(
      { error },
      'encryption: re-encrypting records under previous keys failed; run revokit rotate-key',
    )
  }
}
