import {
  ACCOUNT_STATUSES,
  type AccountStatus,
  type ConnectedAccount,
  credentialsSchema,
  type RevokeResult,
  TOOLKIT_SLUG,
} from '@revokit/core'
import * as z from 'zod'

// The wire format of the connected-accounts API: snake_case fields, `toolkit: { slug }`, the
// revoke body `{ revoked_tokens, connected_account }` plus `subjects`, and the error envelope.
// Every schema here validates input AND generates the OpenAPI document, so the two cannot drift.

/** What credential values are replaced with on `GET /api/v3/connected_accounts/{nanoid}`. */
export const MASK = '********'

// Core's isAccountId, spelled as a pattern so the OpenAPI document carries it (a test keeps the two equal).
export const ACCOUNT_ID = /^ca_[A-Za-z0-9_-]{6,64}$/
const SLUG = TOOLKIT_SLUG
/** Account statuses on the wire. */
export const statusEnum = z.enum(ACCOUNT_STATUSES as [AccountStatus, ...AccountStatus[]])
/** `allow_multiple` on create and link. */
export const allowMultipleSchema = z.boolean().optional().meta({
  description:
    'Allow a second live account for this user and toolkit; without it the request answers 409 naming the existing account.',
})
const subjectEnum = z.enum(['access_token', 'refresh_token'])
const outcomeEnum = z.enum(['revoked', 'already_revoked', 'unsupported', 'failed', 'not_held'])

/** The `{nanoid}` path parameter. */
export const accountIdSchema = z.string().regex(ACCOUNT_ID, 'must look like ca_1a2b3c4d5e6f').meta({
  description: 'The connected account id: "ca_" and 6 to 64 of A-Z a-z 0-9 _ -.',
  example: 'ca_1a2b3c4d5e6f',
})

/** `POST /api/v3/connected_accounts` body. */
export const createBodySchema = z
  .strictObject({
    user_id: z.string().min(1).max(256).meta({ description: 'Your id for the user who owns the account.' }),
    toolkit: z
      .string()
      .regex(SLUG, 'must be a lowercase toolkit slug such as "google" or "gmail"')
      .meta({ description: 'Toolkit slug; it selects the revocation adapter.', example: 'google' }),
    credentials: credentialsSchema.meta({
      description:
        'The tokens the provider issued: access_token, optionally refresh_token, expires_at, scope, token_type and provider extras.',
    }),
    status: z
      .enum(['INITIATED', 'ACTIVE', 'INACTIVE', 'EXPIRED'])
      .optional()
      .meta({ description: 'Defaults to ACTIVE when credentials hold an access token, else INITIATED.' }),
    allow_multiple: allowMultipleSchema,
  })
  .meta({ id: 'CreateConnectedAccountRequest' })

/** `PATCH /api/v3/connected_accounts/{nanoid}/status` body. */
export const statusBodySchema = z
  .strictObject({
    enabled: z
      .boolean()
      .meta({ description: 'false disables (ACTIVE → INACTIVE), true enables (INACTIVE → ACTIVE).' }),
  })
  .meta({ id: 'UpdateConnectedAccountStatusRequest' })

/** Bodies of routes that take none: nothing, or an empty JSON object. */
export const emptyBodySchema = z.strictObject({})

const csv = <T extends z.ZodType<unknown, string>>(item: T, max: number) =>
  z
    .string()
    .max(8192)
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item).min(1, 'must name at least one value').max(max))

/** `GET /api/v3/connected_accounts` query (values as they arrive on the wire). */
export const listQuerySchema = z.strictObject({
  user_ids: csv(z.string().min(1).max(256), 100)
    .optional()
    .meta({ description: 'Comma-separated user ids.', example: 'alice,bob' }),
  statuses: csv(
    z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(statusEnum),
    6,
  )
    .optional()
    .meta({
      description: `Comma-separated statuses: ${ACCOUNT_STATUSES.join(', ')}.`,
      example: 'ACTIVE,INACTIVE',
    }),
  toolkit_slugs: csv(z.string().regex(SLUG, 'must be a lowercase toolkit slug'), 100)
    .optional()
    .meta({ description: 'Comma-separated toolkit slugs.', example: 'google,github' }),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'))
    .optional()
    .meta({ description: 'Page size, 1 to 1000. Default 50.', example: '50' }),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .meta({ description: 'The next_cursor of the previous page.' }),
})

/** `DELETE /api/v3/connected_accounts/{nanoid}` query. */
export const deleteQuerySchema = z.strictObject({
  revoke: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .meta({
      description: 'true revokes the tokens at the provider first, and deletes only if that succeeds.',
    }),
})

/** Routes that take no query parameters. */
export const noQuerySchema = z.strictObject({})

// ── responses ────────────────────────────────────────────────────────────────

/** An ISO 8601 time on the wire. */
export const timestamp = z.string().meta({ description: 'ISO 8601', example: '2026-05-12T09:30:00.000Z' })

const accountShape = {
  id: z.string().meta({ example: 'ca_1a2b3c4d5e6f' }),
  status: statusEnum,
  user_id: z.string(),
  toolkit: z.strictObject({ slug: z.string() }),
  created_at: timestamp,
  updated_at: timestamp,
}

/** A connected account on the wire. */
export const accountSchema = z.strictObject(accountShape).meta({ id: 'ConnectedAccount' })

/** A connected account with its credentials' keys and every value masked. */
export const maskedAccountSchema = z
  .strictObject({
    ...accountShape,
    credentials: z.record(z.string(), z.unknown()).meta({
      description: `Every credential key the account holds; every value (nested ones too) is "${MASK}", null stays null.`,
    }),
  })
  .meta({ id: 'ConnectedAccountWithMaskedCredentials' })

/** `GET /api/v3/connected_accounts` answer. */
export const listResponseSchema = z
  .strictObject({
    items: z.array(accountSchema),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as cursor for the next page; null on the last.' }),
  })
  .meta({ id: 'ConnectedAccountList' })

/** `PATCH …/status` answer. */
export const statusResponseSchema = z
  .strictObject({ ...accountShape, success: z.literal(true) })
  .meta({ id: 'UpdateConnectedAccountStatusResponse' })

const subjectsSchema = z.strictObject({ access_token: outcomeEnum, refresh_token: outcomeEnum }).meta({
  id: 'RevokeSubjects',
  description:
    'What happened to each token subject: revoked (killed by this call), already_revoked (dead at the provider already), unsupported (the provider refuses it; it may still be live), failed (pending; retry later), not_held.',
})

/** `DELETE …` answer. */
export const deleteResponseSchema = z
  .strictObject({
    success: z.literal(true),
    id: z.string(),
    status: z.literal('DELETED'),
    revoked_tokens: z.array(subjectEnum).optional().meta({ description: 'Only with ?revoke=true.' }),
    subjects: subjectsSchema.optional().meta({ description: 'Only with ?revoke=true.' }),
  })
  .meta({ id: 'DeleteConnectedAccountResponse' })

/** `POST /api/v3.1/connected_accounts/{nanoid}/revoke` 200 answer. */
export const revokeResponseSchema = z
  .strictObject({
    revoked_tokens: z.array(subjectEnum).meta({
      description:
        'Exactly the subjects killed at the provider during this call (cascades included). Empty: already REVOKED, nothing dispatched.',
    }),
    connected_account: z.strictObject({ id: z.string(), status: statusEnum }),
    subjects: subjectsSchema,
  })
  .meta({ id: 'RevokeConnectedAccountResponse' })

/** The error envelope of every non-2xx answer. */
export const errorEnvelopeSchema = z
  .strictObject({
    error: z.strictObject({
      message: z.string(),
      code: z.number().int().meta({ description: 'Stable per slug.' }),
      slug: z.string(),
      status: z.number().int(),
      request_id: z.string().nullable(),
      suggested_fix: z.string(),
      errors: z.array(z.string()),
    }),
  })
  .meta({ id: 'ErrorEnvelope' })

/** `/healthz` and `/readyz` answer. */
export const healthSchema = z.strictObject({ status: z.enum(['ok', 'ready']) }).meta({ id: 'Health' })

// ── mapping ──────────────────────────────────────────────────────────────────

/** A connected account as wire JSON (no credentials). */
export function accountJson(account: ConnectedAccount): z.infer<typeof accountSchema> {
  return {
    id: account.id,
    status: account.status,
    user_id: account.userId,
    toolkit: { slug: account.toolkit },
    created_at: account.createdAt,
    updated_at: account.updatedAt,
  }
}

/** A connected account as wire JSON with masked credentials. */
export function maskedAccountJson(account: ConnectedAccount): z.infer<typeof maskedAccountSchema> {
  return { ...accountJson(account), credentials: mask(account.credentials) as Record<string, unknown> }
}

/**
 * Keeps the shape, hides every value: objects keep their keys, arrays their length, `null`
 * stays `null` (so a client can tell "absent" from "set"), everything else becomes {@link MASK}.
 */
export function mask(value: unknown, depth = 0): unknown {
  if (value === null) return null
  if (typeof value !== 'object') return MASK
  if (depth > 16) return MASK
  if (Array.isArray(value)) return value.map((item) => mask(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) out[key] = mask(item, depth + 1)
  return out
}

/** The revoke 200 body: exactly `revoked_tokens`, `connected_account` and `subjects`. */
export function revokeJson(result: RevokeResult): z.infer<typeof revokeResponseSchema> {
  return {
    revoked_tokens: [...result.revokedTokens],
    connected_account: { id: result.connectedAccount.id, status: result.connectedAccount.status },
    subjects: { access_token: result.subjects.access_token, refresh_token: result.subjects.refresh_token },
  }
}
