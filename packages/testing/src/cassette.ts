import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as z from 'zod'

/**
 * Marks a value the recorder hid because it did not know its name. In a request body or path it
 * matches anything on replay; in a request header the header is not matched at all.
 */
export const REDACTED_PLACEHOLDER = '{{redacted}}'

const PLACEHOLDER = /\{\{([A-Za-z0-9_]+)\}\}/g
const isoDate = z.iso.datetime({ offset: true })
const docUrl = z.url({ protocol: /^https?$/ })

const writtenMeta = z
  .object({
    recorded: z.literal(false),
    provider: z.string().min(1),
    /** The documentation page the interactions were written from. */
    source: docUrl,
    writtenAt: isoDate,
    note: z.string().optional(),
  })
  .strict()

const recordedMeta = z
  .object({
    recorded: z.literal(true),
    provider: z.string().min(1),
    /** The documentation page of the endpoint that was recorded. */
    source: docUrl,
    recordedAt: isoDate,
    note: z.string().optional(),
  })
  .strict()

/**
 * What a cassette says about itself. A cassette written by hand from documentation says
 * `recorded: false` and names the page in `source`; only the recorder writes `recorded: true`,
 * always with `recordedAt`.
 */
export const cassetteMetaSchema = z.discriminatedUnion('recorded', [writtenMeta, recordedMeta])

const headerValues = z.record(z.string(), z.union([z.string(), z.array(z.string())]))

/**
 * One nock-definable interaction (`nock.define` shape, the subset revokit uses). Strings may hold
 * `{{name}}` placeholders that are filled with the run's values when the cassette is mounted.
 * @see https://github.com/nock/nock#expectations
 */
export const cassetteInteractionSchema = z
  .object({
    /** The origin, e.g. `https://oauth2.googleapis.com`. */
    scope: z.url({ protocol: /^https?$/ }),
    method: z.string().regex(/^[A-Za-z]+$/),
    /** Path and query, starting with `/`. */
    path: z.string().startsWith('/'),
    /** The request body the interaction matches: exact text, or JSON compared deeply. */
    body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
    /** Request headers the interaction matches. */
    reqheaders: z.record(z.string(), z.string()).optional(),
    status: z.number().int().min(100).max(599),
    response: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
    rawHeaders: headerValues.optional(),
  })
  .strict()

/** A cassette file: what it is and where it came from, then the interactions, in order. */
export const cassetteSchema = z
  .object({
    meta: cassetteMetaSchema,
    interactions: z.array(cassetteInteractionSchema).min(1),
  })
  .strict()

export type CassetteMeta = z.infer<typeof cassetteMetaSchema>
export type CassetteInteraction = z.infer<typeof cassetteInteractionSchema>
export type Cassette = z.infer<typeof cassetteSchema>

/** A cassette that fails validation; the message names the file and every problem. */
export class CassetteError extends Error {
  override readonly name = 'CassetteError'
}

/**
 * Validates parsed cassette JSON. Rejects a cassette that claims `recorded: true` without a
 * `recordedAt`, one without a documentation `source`, and any interaction nock could not define.
 */
export function parseCassette(value: unknown, where = 'cassette'): Cassette {
  const result = cassetteSchema.safeParse(value)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(root)'
    return `  - ${path}: ${issue.message}`
  })
  throw new CassetteError(`${where} is not a valid revokit cassette:\n${problems.join('\n')}`)
}

/** Reads and validates a cassette file. */
export function readCassette(file: string | URL): Cassette {
  const path = file instanceof URL ? fileURLToPath(file) : file
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new CassetteError(`cannot read cassette ${path}: ${(error as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new CassetteError(`cassette ${path} is not JSON: ${(error as Error).message}`)
  }
  return parseCassette(json, path)
}

/** Where a placeholder sits decides how its value is encoded. */
type Context = 'raw' | 'form' | 'json' | 'path'

function encode(value: string, context: Context): string {
  switch (context) {
    case 'form':
      return encodeURIComponent(value).replaceAll('%20', '+')
    case 'path':
      return encodeURIComponent(value)
    case 'json':
      return JSON.stringify(value).slice(1, -1)
    default:
      return value
  }
}

/** The names of every `{{placeholder}}` in a cassette (except `{{redacted}}`). */
export function placeholders(cassette: Cassette): string[] {
  const names = new Set<string>()
  const text = JSON.stringify(cassette.interactions)
  for (const match of text.matchAll(PLACEHOLDER)) if (match[1] !== 'redacted') names.add(match[1] as string)
  return [...names].sort()
}

/**
 * Replaces `{{name}}` placeholders with `vars[name]`, encoded for where they sit. A placeholder
 * with no value is an error naming it, so a cassette never silently matches the wrong thing.
 */
export function fillPlaceholders(
  cassette: Cassette,
  vars: Readonly<Record<string, string>>,
  where = 'cassette',
): CassetteInteraction[] {
  const missing = placeholders(cassette).filter((name) => vars[name] === undefined)
  if (missing.length) {
    throw new CassetteError(
      `${where} uses ${missing.map((m) => `{{${m}}}`).join(', ')} but the run gives no value for ${
        missing.length === 1 ? 'it' : 'them'
      } (known: ${Object.keys(vars).sort().join(', ') || 'none'})`,
    )
  }
  const fill = (text: string, context: Context) =>
    text.replace(PLACEHOLDER, (whole, name: string) =>
      name === 'redacted' ? whole : encode(vars[name] as string, context),
    )
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return fill(value, 'raw')
    if (Array.isArray(value)) return value.map(deep)
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]))
    return value
  }
  return cassette.interactions.map((interaction) => {
    const { body, reqheaders, response, rawHeaders } = interaction
    const bodyContext: Context = typeof body === 'string' && /^\s*[[{]/.test(body) ? 'json' : 'form'
    return {
      ...interaction,
      path: fill(interaction.path, 'path'),
      ...(body === undefined
        ? {}
        : {
            body:
              typeof body === 'string' ? fill(body, bodyContext) : (deep(body) as Record<string, unknown>),
          }),
      ...(reqheaders ? { reqheaders: deep(reqheaders) as Record<string, string> } : {}),
      ...(response === undefined
        ? {}
        : {
            response:
              typeof response === 'string'
                ? fill(response, /^\s*[[{]/.test(response) ? 'json' : 'raw')
                : (deep(response) as Record<string, unknown>),
          }),
      ...(rawHeaders ? { rawHeaders: deep(rawHeaders) as Record<string, string | string[]> } : {}),
    }
  })
}

/** A text with `{{redacted}}` holes as a RegExp that accepts any value in each hole. */
export function redactedMatcher(text: string): RegExp {
  const parts = text.split(REDACTED_PLACEHOLDER).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${parts.join('[^&"\\s]*')}$`)
}
