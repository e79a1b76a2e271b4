import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig, type RevokitConfig } from '../config'
import { type CliIO, UsageError } from './io'

// Flags, the config file, and the values commands share.

/** `--config FILE` and `--help`, which every command takes. */
export const CONFIG_OPTION = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options']

/** `parseArgs`, with its errors as usage errors naming the command. */
export function parse<T extends Options>(args: string[], options: T, command: string) {
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

/** The config file of `--config`, $REVOKIT_CONFIG, or ./revokit.json, loaded. */
export function load(value: string | undefined, io: CliIO): Promise<RevokitConfig> {
  return loadConfig(configPath(value, io), { env: io.env, kinds: io.kinds })
}

/** A whole-number flag within [min, max], or a usage error. */
export function integer(value: string | undefined, name: string, min: number, max: number, command: string) {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max} (got '${value.slice(0, 20)}')`,
      command,
    )
  }
  return Number(value)
}

/** Repeated and comma-separated flag values, trimmed. */
export const list = (values: readonly string[] | undefined) =>
  values
    ?.flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)

/** `--project`, checked against the config; bulk revokes default to the first project. */
export function projectOption(
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
