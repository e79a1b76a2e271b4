import { type RefreshResult, toRevokitError } from '@revokit/core'
import { refreshJson } from '../connect-wire'
import { openRevokit } from '../runtime'
import { CONFIG_OPTION, load, parse, projectOption } from './args'
import { ACCOUNTS_HELP } from './help'
import { type CliIO, EXIT_FAILED, EXIT_OK, print, printError, UsageError } from './io'

/**
 * `revokit accounts refresh ID`: refreshes the account's tokens (the refresh grant), or — when
 * the provider refuses it — prints the consent link that reconnects the same account. Never
 * prints a token.
 */
export async function refreshAccount(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...CONFIG_OPTION,
      project: { type: 'string' },
      'redirect-url': { type: 'string' },
      json: { type: 'boolean' },
    },
    'accounts',
  )
  if (values.help) return print(io, ACCOUNTS_HELP)
  const [id, extra] = positionals
  if (id === undefined) throw new UsageError('say which account: revokit accounts refresh ID', 'accounts')
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`, 'accounts')
  const config = await load(values.config, io)
  const projectId = projectOption(values.project, config, false)
  const revokit = await openRevokit(config)
  try {
    let result: RefreshResult
    try {
      result = await revokit.engine.refresh(id, {
        ...(projectId !== undefined ? { projectId } : {}),
        ...(values['redirect-url'] !== undefined ? { callbackUrl: values['redirect-url'] } : {}),
      })
    } catch (error) {
      const failure = toRevokitError(error)
      if (values.json) io.stdout.write(`${JSON.stringify(failure.toEnvelope(), null, 2)}\n`)
      printError(io, failure)
      return EXIT_FAILED
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(refreshJson(result), null, 2)}\n`)
      return EXIT_OK
    }
    if (result.redirectUrl === null) {
      io.stdout.write(`refreshed ${result.id}: new tokens stored (status ${result.status})\n`)
    } else {
      io.stdout.write(
        `${result.id} could not be refreshed: the user must consent again (status stays ${result.status}). Open this link in a browser:\n\n  ${result.redirectUrl}\n\n`,
      )
    }
    return EXIT_OK
  } finally {
    await revokit.close()
  }
}
