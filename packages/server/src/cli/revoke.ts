import { type RevokeResult, toRevokitError } from '@revokit/core'
import type { Revokit } from '../runtime'
import { openRevokit } from '../runtime'
import { revokeJson } from '../wire'
import { CONFIG_OPTION, integer, list, load, parse, projectOption } from './args'
import { revokeBulk } from './bulk-revoke'
import { REVOKE_HELP } from './help'
import { type CliIO, EXIT_FAILED, EXIT_OK, print, printError, table, UsageError } from './io'

/** `revokit revoke ID` (one account) or `revokit revoke --user U / --toolkit T` (many). */
export async function revoke(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...CONFIG_OPTION,
      project: { type: 'string' },
      user: { type: 'string', short: 'u', multiple: true },
      toolkit: { type: 'string', short: 't', multiple: true },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'retry-pending': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    'revoke',
  )
  if (values.help) return print(io, REVOKE_HELP)
  const users = list(values.user)
  const toolkits = list(values.toolkit)
  const bulk = (users?.length ?? 0) > 0 || (toolkits?.length ?? 0) > 0
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, 'revoke')
  const id = positionals[0]
  if (id !== undefined && bulk) {
    throw new UsageError('give either an account ID or --user/--toolkit, not both', 'revoke')
  }
  if (id === undefined && !bulk) {
    throw new UsageError('say what to revoke: an account ID, or --user U / --toolkit T for many', 'revoke')
  }
  if (!bulk && (values.concurrency !== undefined || values['dry-run'])) {
    throw new UsageError(
      '--concurrency and --dry-run apply to bulk revokes (--user/--toolkit) only',
      'revoke',
    )
  }
  const concurrency = integer(values.concurrency, 'concurrency', 1, 64, 'revoke')
  const config = await load(values.config, io)
  const projectId = projectOption(values.project, config, bulk)
  const revokit = await openRevokit(config)
  try {
    if (id !== undefined) {
      return await revokeOne(
        revokit,
        id,
        { projectId, retryPending: values['retry-pending'] === true },
        values.json === true,
        io,
      )
    }
    return await revokeBulk(
      revokit,
      { ...(users?.length ? { userIds: users } : {}), ...(toolkits?.length ? { toolkits } : {}) },
      {
        projectId: projectId as string,
        concurrency: concurrency ?? 4,
        dryRun: values['dry-run'] === true,
        json: values.json === true,
      },
      io,
    )
  } finally {
    await revokit.close()
  }
}

async function revokeOne(
  revokit: Revokit,
  id: string,
  options: { projectId: string | undefined; retryPending: boolean },
  json: boolean,
  io: CliIO,
): Promise<number> {
  let result: RevokeResult
  try {
    result = await revokit.engine.revoke(id, {
      ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
      ...(options.retryPending ? { retryPending: true } : {}),
    })
  } catch (error) {
    const failure = toRevokitError(error)
    if (json) io.stdout.write(`${JSON.stringify(failure.toEnvelope(), null, 2)}\n`)
    printError(io, failure)
    return EXIT_FAILED
  }
  if (json) {
    io.stdout.write(`${JSON.stringify(revokeJson(result), null, 2)}\n`)
    return EXIT_OK
  }
  const { revokedTokens, connectedAccount, subjects } = result
  const headline =
    revokedTokens.length > 0
      ? `revoked ${connectedAccount.id}: ${revokedTokens.join(' and ')} killed at the provider`
      : Object.keys(result.details).length === 0
        ? `${connectedAccount.id} was already revoked: nothing sent to the provider`
        : `revoked ${connectedAccount.id}: its tokens were already dead at the provider`
  const rows = (['access_token', 'refresh_token'] as const).map((s) => [
    `  ${s}`,
    subjects[s].replace('_', ' '),
  ])
  io.stdout.write(`${headline}\nstatus: ${connectedAccount.status}\n${table(rows)}`)
  const pending = (['access_token', 'refresh_token'] as const).filter((s) => subjects[s] === 'failed')
  if (pending.length > 0) {
    io.stdout.write(
      `note: ${pending.join(' and ')} could not be revoked and may still be live; it is kept as pending: run 'revokit revoke ${connectedAccount.id} --retry-pending' later\n`,
    )
  }
  return EXIT_OK
}
