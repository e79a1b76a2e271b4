import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import {
  ACCOUNT_STATUSES,
  type ConnectedAccount,
  isRevokitError,
  type RevokeManyItem,
  type RevokeManyOutcome,
  type RevokeManySummary,
  type RevokeResult,
  type RevokitError,
  toRevokitError,
} from '@revokit/core'
import packageJson from '../../package.json' with { type: 'json' }
import { loadConfig, type RevokitConfig } from '../config'
import { builtinKinds, type Kinds } from '../kinds'
import { jsonLogger } from '../log'
import { type RunningServer, startServer } from '../node-server'
import { openRevokit, type Revokit } from '../runtime'
import { accountJson, revokeJson } from '../wire'
import { ACCOUNTS_HELP, REVOKE_HELP, ROOT_HELP, SERVE_HELP } from './help'
import { createProgress, type OutputStream } from './progress'

/** What the CLI reads and writes; tests pass their own. */
export interface CliIO {
  stdout: OutputStream
  stderr: OutputStream
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  /** Adapter and store kinds the config may name. @default builtinKinds */
  kinds: Kinds
  /** Install SIGTERM/SIGINT handlers (serve, bulk revoke). @default true */
  signals: boolean
  /** Called once `serve` listens (tests use it to find the port and stop the server). */
  onListening?: (server: RunningServer) => void
  /** Progress bar timing, for tests. */
  progress?: { intervalMs?: number; redrawMs?: number }
}

/** Wrong usage: exit code 2 with a pointer to the command's help. */
class UsageError extends Error {
  readonly command: string
  constructor(message: string, command: string) {
    super(message)
    this.command = command
  }
}

const EXIT_OK = 0
const EXIT_FAILED = 1
const EXIT_USAGE = 2

/**
 * Runs the `revokit` CLI with `argv` (without the node and script paths) and resolves the exit
 * code: 0 done, 1 failed, 2 wrong usage. Never calls `process.exit`.
 */
export async function main(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const full: CliIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    kinds: io.kinds ?? builtinKinds,
    signals: io.signals ?? true,
    ...(io.onListening ? { onListening: io.onListening } : {}),
    ...(io.progress ? { progress: io.progress } : {}),
  }
  try {
    return await run([...argv], full)
  } catch (error) {
    if (error instanceof UsageError) {
      full.stderr.write(`revokit: ${error.message}\n`)
      full.stderr.write(`Run 'revokit ${error.command ? `${error.command} ` : ''}--help' for usage.\n`)
      return EXIT_USAGE
    }
    printError(full, toRevokitError(error))
    if (!isRevokitError(error)) full.stderr.write(`  (${error instanceof Error ? error.name : 'error'})\n`)
    return EXIT_FAILED
  }
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined
    io.stdout.write(topic ? helpOf(topic) : ROOT_HELP)
    return EXIT_OK
  }
  if (command === '-v' || command === '--version') {
    io.stdout.write(`${packageJson.version}\n`)
    return EXIT_OK
  }
  switch (command) {
    case 'serve':
      return serve(rest, io)
    case 'revoke':
      return revoke(rest, io)
    case 'accounts':
      return accounts(rest, io)
    default:
      throw new UsageError(
        command.startsWith('-')
          ? `unknown option '${command}' (options come after the command)`
          : `unknown command '${command}' — commands: serve, revoke, accounts`,
        '',
      )
  }
}

function helpOf(topic: string): string {
  if (topic === 'serve') return SERVE_HELP
  if (topic === 'revoke') return REVOKE_HELP
  if (topic === 'accounts') return ACCOUNTS_HELP
  throw new UsageError(`no help for '${topic}' — commands: serve, revoke, accounts`, '')
}

const CONFIG_OPTION = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options']

function parse<T extends Options>(args: string[], options: T, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    const code = (error as { code?: string }).code
    const message = error instanceof Error ? error.message : String(error)
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? 'option'
      throw new UsageError(`unknown option '${flag}' for 'revokit ${command}'`, command)
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(message.split('\n')[0]?.replace(/^Option /, 'option ') ?? message, command)
    }
    throw new UsageError(message, command)
  }
}

function configPath(value: string | undefined, io: CliIO): string {
  if (value) return resolve(io.cwd, value)
  if (io.env.REVOKIT_CONFIG) return resolve(io.cwd, io.env.REVOKIT_CONFIG)
  const fallback = resolve(io.cwd, 'revokit.json')
  if (existsSync(fallback)) return fallback
  throw new UsageError(
    'no config file: pass --config FILE (or set REVOKIT_CONFIG, or create ./revokit.json)',
    '',
  )
}

function load(value: string | undefined, io: CliIO): Promise<RevokitConfig> {
  return loadConfig(configPath(value, io), { env: io.env, kinds: io.kinds })
}

function integer(value: string | undefined, name: string, min: number, max: number, command: string) {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max} (got '${value.slice(0, 20)}')`,
      command,
    )
  }
  return Number(value)
}

const list = (values: readonly string[] | undefined) =>
  values
    ?.flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)

// ── serve ────────────────────────────────────────────────────────────────────

async function serve(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...CONFIG_OPTION, port: { type: 'string', short: 'p' }, host: { type: 'string' } },
    'serve',
  )
  if (values.help) return print(io, SERVE_HELP)
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'serve')
  const port = integer(values.port, 'port', 0, 65535, 'serve')
  const config = await load(values.config, io)
  const logger = jsonLogger({ stream: io.stdout })
  const revokit = await openRevokit(config, { logger })
  if (config.store.kind === 'memory') {
    logger.warn({ store: 'memory' }, 'the memory store keeps accounts only until this process exits')
  }
  let running: RunningServer
  try {
    running = await startServer({
      handler: revokit.handler,
      port: port ?? config.port,
      host: values.host ?? '127.0.0.1',
      logger: revokit.logger as NonNullable<Revokit['logger']>,
      onClose: () => revokit.close(),
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
  io.onListening?.(running)
  await running.closed
  return EXIT_OK
}

// ── revoke ───────────────────────────────────────────────────────────────────

async function revoke(args: string[], io: CliIO): Promise<number> {
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

function projectOption(
  value: string | undefined,
  config: RevokitConfig,
  defaultToFirst: boolean,
): string | undefined {
  if (value === undefined) return defaultToFirst ? config.projects[0]?.id : undefined
  if (!config.projects.some((p) => p.id === value)) {
    throw new UsageError(
      `project '${value}' is not in the config (projects: ${config.projects.map((p) => p.id).join(', ')})`,
      'revoke',
    )
  }
  return value
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

interface BulkOptions {
  projectId: string
  concurrency: number
  dryRun: boolean
  json: boolean
}

const MAX_LISTED_FAILURES = 20

async function revokeBulk(
  revokit: Revokit,
  filter: { userIds?: string[]; toolkits?: string[] },
  options: BulkOptions,
  io: CliIO,
): Promise<number> {
  const what = [
    filter.userIds ? `user ${filter.userIds.join(', ')}` : '',
    filter.toolkits ? `toolkit ${filter.toolkits.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' and ')
  if (options.dryRun) {
    const total = await revokit.engine.count(
      { ...filter, statuses: ['ACTIVE'] },
      { projectId: options.projectId },
    )
    if (options.json) io.stdout.write(`${JSON.stringify({ dry_run: true, would_revoke: total })}\n`)
    else
      io.stdout.write(
        `dry run: ${total} ACTIVE account(s) of ${what} in project ${options.projectId} would be revoked\n`,
      )
    return EXIT_OK
  }

  io.stderr.write(
    `revoking ACTIVE accounts of ${what} in project ${options.projectId} (concurrency ${options.concurrency})\n`,
  )
  const controller = new AbortController()
  const onSignal = () => {
    if (controller.signal.aborted) return
    io.stderr.write('\ninterrupted: finishing the revokes in flight, starting no more\n')
    controller.abort()
  }
  if (io.signals) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  const failures: RevokeManyItem[] = []
  let progress: ReturnType<typeof createProgress> | undefined
  const counts = emptyCounts()
  let summary: RevokeManySummary
  try {
    summary = await revokit.engine.revokeMany(filter, {
      projectId: options.projectId,
      concurrency: options.concurrency,
      signal: controller.signal,
      onResult(item, { done, total }) {
        progress ??= createProgress(io.stderr, total, io.progress)
        counts[item.outcome]++
        if (item.status >= 500 && failures.length < MAX_LISTED_FAILURES) failures.push(item)
        progress.update(done, counts)
      },
    })
  } finally {
    if (io.signals) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
  if (progress) progress.finish(summary.processed, summary)

  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          total: summary.total,
          processed: summary.processed,
          revoked: summary.revoked,
          partial: summary.partial,
          already_revoked: summary.alreadyRevoked,
          not_supported: summary.notSupported,
          skipped: summary.skipped,
          failed: summary.failed,
          interrupted: controller.signal.aborted,
          failures: failures.map((f) => ({
            id: f.id,
            user_id: f.userId,
            toolkit: f.toolkit,
            ...f.error?.toEnvelope(),
          })),
        },
        null,
        2,
      )}\n`,
    )
  } else {
    io.stdout.write(summaryTable(summary))
    if (summary.total === 0)
      io.stdout.write(`no ACTIVE accounts of ${what} in project ${options.projectId}\n`)
  }
  for (const failure of failures) {
    io.stderr.write(
      `failed: ${failure.id} (user ${failure.userId}, toolkit ${failure.toolkit}): ${failure.error?.message ?? 'unknown error'}\n${(
        failure.error?.errors ?? []
      )
        .map((line) => `  ${line}\n`)
        .join('')}`,
    )
  }
  if (summary.failed > failures.length) {
    io.stderr.write(`… and ${summary.failed - failures.length} more failed\n`)
  }
  if (summary.failed > 0) {
    io.stderr.write(
      'fix: failed accounts stay ACTIVE with their tokens; run the same command again later to retry them\n',
    )
  }
  if (controller.signal.aborted) return 130
  return summary.failed > 0 ? EXIT_FAILED : EXIT_OK
}

function emptyCounts(): Record<RevokeManyOutcome, number> {
  return { revoked: 0, partial: 0, alreadyRevoked: 0, notSupported: 0, skipped: 0, failed: 0 }
}

/** The outcome table printed at the end of a bulk revoke. */
export function summaryTable(summary: RevokeManySummary): string {
  const rows: [string, number, string][] = [
    ['revoked', summary.revoked, 'every token held is dead at the provider'],
    ['partial', summary.partial, 'revoked, but a token failed or is unsupported and may be live'],
    ['already revoked', summary.alreadyRevoked, 'nothing to do'],
    ['not supported', summary.notSupported, 'no adapter, or nothing it can revoke'],
    ['skipped', summary.skipped, 'deleted or changed state during the run'],
    ['failed', summary.failed, 'nothing revoked; still ACTIVE, retry later'],
  ]
  const body = table(
    [
      ['outcome', 'accounts', ''],
      ...rows.map(([label, count, note]) => [label, String(count), count > 0 ? note : '']),
      [
        'total',
        String(summary.processed),
        summary.processed < summary.total ? `of ${summary.total} matching` : '',
      ],
    ],
    [false, true, false],
  )
  return body
}

// ── accounts ─────────────────────────────────────────────────────────────────

async function accounts(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '-h' || sub === '--help') return print(io, ACCOUNTS_HELP)
  if (sub !== 'list')
    throw new UsageError(`unknown subcommand 'accounts ${sub}' — try 'accounts list'`, 'accounts')
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

// ── output ───────────────────────────────────────────────────────────────────

function print(io: CliIO, text: string): number {
  io.stdout.write(text)
  return EXIT_OK
}

function printError(io: CliIO, error: RevokitError) {
  io.stderr.write(`error: ${error.message}\n`)
  for (const line of error.errors) if (!error.message.includes(line)) io.stderr.write(`  - ${line}\n`)
  io.stderr.write(`fix: ${error.suggestedFix}\n`)
}

/** Left-aligned columns (right-aligned where `right` says), two spaces apart. */
function table(rows: string[][], right: boolean[] = []): string {
  const widths: number[] = []
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length)
  }
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) => (right[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('')
}
