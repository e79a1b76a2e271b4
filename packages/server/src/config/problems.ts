import { RevokitError } from '@revokit/core'

/**
 * The one error a config file produces: `invalid_config`, its message the first problem (and how
 * many more), `errors` every problem as `field.path: what is wrong — what to write instead`.
 */
export function configError(file: string | undefined, problems: readonly string[], suggestedFix: string) {
  const first = problems[0] ?? 'unknown problem'
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
  return new RevokitError('invalid_config', {
    message: `Invalid config${file ? ` ${file}` : ''}: ${first}${more}`,
    suggestedFix,
    errors: problems,
  })
}

/** `a.b[0].c`, with `["odd key"]` for keys that are not plain words. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (typeof part === 'string' && /^[A-Za-z0-9_$-]+$/.test(part)) out += out ? `.${part}` : part
    else out += `[${JSON.stringify(String(part)).slice(0, 60)}]`
  }
  return out || 'config'
}
