import * as z from 'zod'
import { TOOLKIT_SLUG } from '../options'

/** How {@link toolkitSlugSchema} words its messages. */
export interface ToolkitSlugOptions {
  /** Slugs named as examples. @default ['google', 'gmail'] */
  readonly examples?: string | readonly string[]
  /** What the value is called in the message: `slug` (under a `toolkit` option) or `toolkit slug`. @default 'slug' */
  readonly noun?: string
}

/**
 * The standard message for a value that is not a toolkit slug, e.g.
 * `must be a lowercase slug such as "acme" (a-z, 0-9, - and _)`.
 */
export function toolkitSlugMessage(options: ToolkitSlugOptions = {}): string {
  const examples =
    typeof options.examples === 'string' ? [options.examples] : (options.examples ?? ['google', 'gmail'])
  const named = examples.map((e) => `"${e}"`).join(' or ')
  return `must be a lowercase ${options.noun ?? 'slug'} such as ${named} (a-z, 0-9, - and _)`
}

/**
 * The zod schema of a toolkit slug ({@link TOOLKIT_SLUG}: `google`, `gmail`, `acme-id`): one
 * rule and one set of messages for every adapter's `toolkit` option, the engine's input and the
 * server's config. A missing value says `is required: a toolkit slug such as "acme"`; no message
 * quotes the value given.
 *
 * @example
 * ```ts
 * const acmeOptionsSchema = z.strictObject({ toolkit: toolkitSlugSchema({ examples: 'acme' }).optional() })
 * ```
 */
export function toolkitSlugSchema(options: ToolkitSlugOptions = {}): z.ZodString {
  const first = typeof options.examples === 'string' ? options.examples : (options.examples?.[0] ?? 'google')
  return z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `is required: a toolkit slug such as "${first}"`
          : `must be a toolkit slug such as "${first}"`,
    })
    .regex(TOOLKIT_SLUG, toolkitSlugMessage(options))
}
