import { isRevokitError, RevokitError, toRevokitError } from '@revokit/core'
import { openRevokit } from '../runtime'
import { CONFIG_OPTION, integer, list, load, parse, projectOption } from './args'
import { CONNECT_HELP, DEFAULT_CONNECT_TIMEOUT_S } from './help'
import { type CliIO, EXIT_FAILED, EXIT_OK, print, printError, UsageError } from './io'
import { createSpinner } from './spinner'

/**
 * `revokit connect --user U --toolkit T`: starts connecting an account, prints the provider's
 * consent URL, and waits until the account is ACTIVE. The redirect back is handled by
 * `revokit serve` running with the same config (it shares the store); this command only waits,
 * so it prints no token: once ACTIVE, it prints the account id and status.
 */
export async function connect(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...CONFIG_OPTION,
      project: { type: 'string' },
      user: { type: 'string', short: 'u' },
      toolkit: { type: 'string', short: 't' },
      timeout: { type: 'string' },
      scopes: { type: 'string', multiple: true },
      'callback-url': { type: 'string' },
      'allow-multiple': { type: 'boolean' },
    },
    'connect',
  )
  if (values.help) return print(io, CONNECT_HELP)
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'connect')
  if (!values.user) throw new UsageError('say whose account: --user U', 'connect')
  if (!values.toolkit) throw new UsageError('say which toolkit: --toolkit T', 'connect')
  const timeoutS = integer(values.timeout, 'timeout', 1, 3600, 'connect') ?? DEFAULT_CONNECT_TIMEOUT_S
  const scopes = list(values.scopes)
  const config = await load(values.config, io)
  if (config.store.kind === 'memory') {
    throw new UsageError(
      "connect needs the store 'revokit serve' uses (it finishes the authorization): a memory store is private to each process — use a sqlite store",
      'connect',
    )
  }
  const projectId = projectOption(values.project, config, true) as string
  const revokit = await openRevokit(config)
  const controller = new AbortController()
  const onSignal = () => controller.abort()
  if (io.signals) {
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  }
  try {
    let linked: Awaited<ReturnType<typeof revokit.engine.initiate>>
    try {
      linked = await revokit.engine.initiate(
        {
          userId: values.user,
          toolkit: values.toolkit,
          ...(scopes?.length ? { scopes } : {}),
          ...(values['callback-url'] !== undefined ? { callbackUrl: values['callback-url'] } : {}),
          ...(values['allow-multiple'] ? { allowMultiple: true } : {}),
        },
        { projectId },
      )
    } catch (error) {
      printError(io, toRevokitError(error))
      return EXIT_FAILED
    }
    io.stdout.write(
      `Open this link in a browser to connect ${values.user}'s ${values.toolkit} account (it works once, until ${linked.expiresAt}):\n\n  ${linked.redirectUrl}\n\n`,
    )
    const spinner = createSpinner(
      io.stderr,
      `waiting for ${linked.id} to become ACTIVE (up to ${timeoutS} s; 'revokit serve' must be running)…`,
      io.progress?.redrawMs !== undefined ? { redrawMs: Math.max(io.progress.redrawMs, 10) } : {},
    )
    try {
      const account = await revokit.engine.waitForConnection(linked.id, {
        projectId,
        timeoutMs: timeoutS * 1000,
        signal: controller.signal,
      })
      spinner.stop()
      io.stdout.write(
        `connected ${account.id}: ${account.status} (${account.toolkit}, user ${account.userId})\n`,
      )
      return EXIT_OK
    } catch (error) {
      spinner.stop()
      printError(io, waitError(error, linked.id, timeoutS, controller.signal.aborted))
      // 130, like the shell after Ctrl-C, when interrupted.
      return controller.signal.aborted ? 130 : EXIT_FAILED
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await revokit.close()
  }
}

function waitError(error: unknown, id: string, timeoutS: number, interrupted: boolean): RevokitError {
  if (interrupted) {
    return new RevokitError('connection_timeout', {
      message: `Stopped waiting for ${id}.`,
      suggestedFix: `The link still works until it expires; check later with 'revokit accounts list'.`,
    })
  }
  if (isRevokitError(error) && error.slug === 'connection_timeout') {
    return new RevokitError('connection_timeout', {
      message: `${id} did not become ACTIVE within ${timeoutS} s: the authorization was not completed.`,
      suggestedFix: `Open the link and consent (with 'revokit serve' running on the same config), or run 'revokit connect' again with a longer --timeout.`,
      cause: error,
    })
  }
  return toRevokitError(error)
}
