import { RevokitError } from './errors'
import { formatIssues, type SchemaIssue } from './provider/issues'

/** What a toolkit slug looks like: `google`, `gmail`, `acme-id`. */
export const TOOLKIT_SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/

/**
 * Anything with zod's `safeParse` shape. Typed structurally so an adapter's own copy of zod
 * works with core's helpers whatever version each resolves.
 */
export interface OptionsSchema<T> {
  safeParse(value: unknown):
    | { success: true; data: T }
    | {
        success: false
        error: { issues: ReadonlyArray<SchemaIssue> }
      }
}

/**
 * Validates an adapter factory's options, or throws a 400 `invalid_config` whose details name
 * each bad option. Messages come from the schema's rules and never quote the value given, so a
 * secret passed in the wrong place is not echoed.
 *
 * @example
 * ```ts
 * const options = parseAdapterOptions(schema, input, { adapter: 'acme', usage: 'acme({ clientId, clientSecret })' })
 * ```
 */
export function parseAdapterOptions<T>(
  schema: OptionsSchema<T>,
  options: unknown,
  about: { adapter: string; usage: string },
): T {
  const result = schema.safeParse(options ?? {})
  if (result.success) return result.data
  // The adapters' schemas word every message themselves ("is required: the client ID …").
  const errors = formatIssues(result.error.issues, { root: 'options', noun: 'option', messages: 'schema' })
  throw new RevokitError('invalid_config', {
    message: `${about.adapter}(): invalid options: ${errors.join('; ')}`,
    suggestedFix: `Pass ${about.usage}.`,
    errors,
  })
}
