import * as z from 'zod'
import { RevokitError } from './errors'
import { isAccountId } from './ids'
import { ACCOUNT_STATUSES, type AccountStatus, type Credentials } from './model'
import { formatIssues } from './provider/issues'
import { toolkitSlugSchema } from './provider/slug'
import type { StoreCursor } from './store'

const MAX_TOKEN_LENGTH = 16 * 1024
const MAX_CREDENTIALS_BYTES = 64 * 1024

const slug = toolkitSlugSchema()

// C0 and C1 controls (ESC starts terminal escapes, CR rewrites a line) and the bidirectional
// overrides that reorder what a terminal or a page shows: no identifier needs them, and an
// identifier is printed by the CLI and shown in logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u

/**
 * A caller-chosen identifier or label (`userId`, `projectId`, `alias`): 1 to `max` characters,
 * none of them a control character or a bidirectional override.
 * @see https://unicode.org/reports/tr9/#Explicit_Directional_Overrides
 */
export function labelSchema(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine(
      (value) => !UNPRINTABLE.test(value),
      'must not contain control characters or bidirectional overrides',
    )
}

/** Credentials as the engine accepts them; provider extras pass through. */
export const credentialsSchema = z
  .looseObject({
    access_token: z.string().min(1).max(MAX_TOKEN_LENGTH).optional(),
    refresh_token: z.string().min(1).max(MAX_TOKEN_LENGTH).optional(),
    expires_at: z.union([z.string().max(64), z.number().finite()]).optional(),
    scope: z.string().max(4096).optional(),
    token_type: z.string().max(64).optional(),
  })
  .refine((value) => jsonSize(value) <= MAX_CREDENTIALS_BYTES, {
    message: `must serialise to at most ${MAX_CREDENTIALS_BYTES} bytes of JSON`,
  })

/** `engine.create` input. */
export const createInputSchema = z.strictObject({
  id: z.string().refine(isAccountId, 'must look like ca_1a2b3c4d5e6f').optional(),
  userId: labelSchema(256),
  toolkit: slug,
  credentials: credentialsSchema.optional(),
  status: z.enum(['INITIATED', 'ACTIVE', 'INACTIVE', 'EXPIRED']).optional(),
  projectId: labelSchema(128).optional(),
  /** Allow a second live account for this user and toolkit. */
  allowMultiple: z.boolean().optional(),
})

/** Input of `engine.create`. */
export type CreateInput = z.input<typeof createInputSchema> & { credentials?: Credentials }

/** `engine.activate` input. */
export const activateInputSchema = z.strictObject({ credentials: credentialsSchema.optional() })

/** Filters and page of `engine.list`. */
export const listQuerySchema = z.strictObject({
  userIds: z.array(labelSchema(256)).max(100).optional(),
  statuses: z
    .array(z.enum(ACCOUNT_STATUSES as [AccountStatus, ...AccountStatus[]]))
    .max(6)
    .optional(),
  toolkits: z.array(slug).max(100).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(512).nullable().optional(),
})

/** Input of `engine.list`. */
export type ListQuery = z.input<typeof listQuerySchema>

/** Parses `value` or throws a 400 `validation_failed` listing every problem by field path. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw validationError(result.error, what)
}

/** A 400 `validation_failed` naming each field and what is wrong with it. */
export function validationError(error: z.ZodError, what: string): RevokitError {
  // zod's messages for a wrong type or value are replaced with plain ones that name no input.
  const errors = formatIssues(error.issues, { root: what })
  return new RevokitError('validation_failed', {
    message: `Invalid ${what}: ${errors[0] ?? 'malformed input'}`,
    suggestedFix: `Fix the listed field${errors.length > 1 ? 's' : ''} of the ${what} and send it again.`,
    errors,
  })
}

function jsonSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value))
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/** An opaque list cursor for a keyset position. */
export function encodeCursor(cursor: StoreCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url')
}

/** Decodes a list cursor or throws a 400 `invalid_cursor`. */
export function decodeCursor(value: string): StoreCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && isAccountId(parsed[1])) {
      return { createdAt: parsed[0], id: parsed[1] }
    }
  } catch {}
  throw new RevokitError('invalid_cursor', {
    message: 'The cursor is not one this server issued.',
    suggestedFix: 'Pass the next_cursor value from the previous page unchanged, or omit it to start over.',
  })
}

/** Throws a 400 `invalid_connected_account_id` unless `id` looks like an account id. */
export function assertAccountId(id: unknown): asserts id is string {
  if (isAccountId(id)) return
  throw accountIdError()
}

/**
 * The 400 for a malformed connected-account id, wherever it was given: the engine's argument
 * (`id`) or, from the HTTP server, the path segment (`{ field: 'nanoid', where: ' in the path' }`).
 */
export function accountIdError(options: { field?: string; where?: string } = {}): RevokitError {
  const where = options.where ?? ''
  return new RevokitError('invalid_connected_account_id', {
    message: `The connected account id${where} is malformed.`,
    suggestedFix: `Use the id returned when the account was created: "ca_" followed by 6 to 64 of A-Z a-z 0-9 _ -${where ? ', e.g. ca_1a2b3c4d5e6f' : ''}.`,
    errors: [`${options.field ?? 'id'}: must look like ca_1a2b3c4d5e6f`],
  })
}
