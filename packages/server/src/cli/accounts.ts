import { ACCOUNT_STATUSES, type ConnectedAccount } from '@revokit/core'
import { openRevokit } from '../runtime'
import { accountJson } from '../wire'
import { CONFIG_OPTION, integer, list, load, parse } from './args'
import { ACCOUNTS_HELP } from './help'
import { type CliIO, EXIT_OK, print, table, UsageError } from './io'
import { refreshAccount } from './refresh'

/**
 * `revokit accounts list`: a table (or the API's JSON) of accounts, with filters and a cursor;
 * `revokit accounts refresh ID`: see {@link refreshAccount}.
 */
export async function accounts(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '-h' || sub === '--help') return print(io, ACCOUNTS_HELP)
  if (sub === 'refresh') return refreshAccount(rest, io)
  if (sub !== 'list')
    throw new UsageError(
      `unknown subcommand 'accounts ${sub}' — try 'accounts list' or 'accounts refresh ID'`,
      'accounts',
    )
  const { values, positionals } = parse(
    rest,
    {
      ...CONFIG_OPTION,
      project: { type: 'string' },
      user: { type: 'string', short: 'u', multiple: true },
      status: { type: 'string', short: 's', multiple: true },
      toolkit: { type: 'string', short: 't', multiple: true },
      limit: { type: 'string', short: 'n' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
    },
    'accounts',
  )
  if (values.help) return print(io, ACCOUNTS_HELP)
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'accounts')
  const statuses = list(values.status)?.map((s) => s.toUpperCase())
  for (const status of statuses ?? []) {
    if (!(ACCOUNT_STATUSES as readonly string[]).includes(status) || status === 'DELETED') {
      throw new UsageError(
        `--status must be one of INITIATED, ACTIVE, INACTIVE, EXPIRED, REVOKED (got '${status.slice(0, 20)}')`,
        'accounts',
      )
    }
  }
  const limit = integer(values.limit, 'limit', 1, 1000, 'accounts')
  const config = await load(values.config, io)
  if (values.project !== undefined && !config.projects.some((p) => p.id === values.project)) {
    throw new UsageError(
      `project '${values.project}' is not in the config (projects: ${config.projects.map((p) => p.id).join(', ')})`,
      'accounts',
    )
  }
  const revokit = await openRevokit(config)
  try {
    const users = list(values.user)
    const toolkits = list(values.toolkit)
    const page = await revokit.engine.list(
      {
        ...(users?.length ? { userIds: users } : {}),
        ...(statuses?.length ? { statuses: statuses as ConnectedAccount['status'][] } : {}),
        ...(toolkits?.length ? { toolkits } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(values.cursor !== undefined ? { cursor: values.cursor } : {}),
      },
      values.project !== undefined ? { projectId: values.project } : {},
    )
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ items: page.items.map(accountJson), next_cursor: page.nextCursor }, null, 2)}\n`,
      )
      return EXIT_OK
    }
    if (page.items.length === 0) {
      io.stdout.write('no accounts match\n')
      return EXIT_OK
    }
    io.stdout.write(
      table([
        ['ID', 'PROJECT', 'USER', 'TOOLKIT', 'STATUS', 'CREATED'],
        ...page.items.map((a) => [a.id, a.projectId, a.userId, a.toolkit, a.status, a.createdAt]),
      ]),
    )
    if (page.nextCursor) io.stdout.write(`more: pass --cursor ${page.nextCursor}\n`)
    return EXIT_OK
  } finally {
    await revokit.close()
  }
}
