import {
  ACCOUNT_STATUSES,
  type AccountCredentials,
  type AccountStatus,
  type ConnectedAccount,
  credentialsSchema,
  type InitiateResult,
  type RefreshResult,
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
const statusEnum = z.enum(ACCOUNT_STATUSES as [AccountStatus, ...AccountStatus[]])
const allowMultipleSchema = z.boolean().optional().meta({
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

/** Where a user's browser may be sent: an absolute http(s) URL, nothing that runs script. */
const webUrl = (example: string) =>
  z
    .string()
    .max(2048)
    .refine(isWebUrl, `must be an absolute http(s) URL such as ${example}`)
    .meta({ example })

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password
  } catch {
    return false
  }
}

/** Auth config ids: `ac_` + the toolkit key (each configured toolkit is one auth config). */
export const AUTH_CONFIG_PREFIX = 'ac_'

/** `POST /api/v3/connected_accounts/link` body. */
export const linkBodySchema = z
  .strictObject({
    user_id: z.string().min(1).max(256).meta({ description: 'Your id for the user who connects.' }),
    toolkit: z
      .string()
      .regex(SLUG, 'must be a lowercase toolkit slug such as "google" or "gmail"')
      .optional()
      .meta({ description: 'Toolkit slug to connect. Give this or auth_config_id.', example: 'google' }),
    auth_config_id: z
      .string()
      .max(140)
      .regex(/^ac_[a-z0-9][a-z0-9_-]*$/, 'must be "ac_" and a toolkit slug, such as "ac_google"')
      .optional()
      .meta({
        description: 'The auth config: "ac_" + the toolkit key. Give this or toolkit.',
        example: 'ac_google',
      }),
    callback_url: webUrl('https://app.example.com/connected').optional().meta({
      description:
        'Where the user lands once connected, with ?status=success&connected_account_id=… added. Without it, a small page says it is done.',
    }),
    scopes: z
      .array(
        z
          .string()
          .min(1)
          .max(256)
          .regex(/^[!#-[\]-~]+$/, 'must be one scope, without spaces or quotes'),
      )
      .max(100)
      .optional()
      .meta({ description: "Replaces the toolkit's default scopes for this connection." }),
    allow_multiple: allowMultipleSchema,
    alias: z.string().min(1).max(128).optional().meta({ description: 'A label of your choosing.' }),
  })
  .meta({ id: 'LinkConnectedAccountRequest' })

/** `POST /api/v3/connected_accounts/{nanoid}/refresh` body (optional). */
export const refreshBodySchema = z
  .strictObject({
    redirect_url: webUrl('https://app.example.com/reconnected').optional().meta({
      description:
        'When the tokens cannot be refreshed and the user must consent again: where they land afterwards.',
    }),
  })
  .meta({ id: 'RefreshConnectedAccountRequest' })

/** `PATCH /api/v3/connected_accounts/{nanoid}` body. */
export const updateCredentialsBodySchema = z
  .strictObject({
    credentials: credentialsSchema.meta({
      description: 'The new tokens (rotated outside revokit); they replace the old ones, which are scrubbed.',
    }),
  })
  .meta({ id: 'UpdateConnectedAccountRequest' })

/**
 * The provider's redirect to `GET /api/v3/toolkits/auth/callback`. Providers add parameters of
 * their own (`scope`, `authuser`, `hd`, …), so unknown ones are kept and passed on.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2
 * @see https://datatracker.ietf.org/doc/html/rfc9207 (iss)
 */
export const callbackQuerySchema = z.looseObject({
  code: z.string().optional().meta({ description: 'The authorization code (success).' }),
  state: z.string().optional().meta({ description: 'The one-time state revokit sent.' }),
  error: z.string().optional().meta({ description: 'The provider’s error code, e.g. access_denied.' }),
  error_description: z.string().optional().meta({ description: 'The provider’s description.' }),
  iss: z.string().optional().meta({ description: 'The issuer (RFC 9207), when the provider sends it.' }),
})

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

const timestamp = z.string().meta({ description: 'ISO 8601', example: '2026-05-12T09:30:00.000Z' })

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

/** `POST …/link` 201 answer. */
export const linkResponseSchema = z
  .strictObject({
    link_token: z.string().meta({ description: 'Names this link; not a credential.' }),
    connected_account_id: z.string().meta({ example: 'ca_1a2b3c4d5e6f' }),
    redirect_url: z
      .string()
      .meta({ description: "The provider's consent page: send the user's browser here." }),
    expires_at: timestamp.meta({ description: 'The link is refused after this (ISO 8601).' }),
    status: z.literal('INITIATED'),
  })
  .meta({ id: 'LinkConnectedAccountResponse' })

/** `POST …/{nanoid}/refresh` answer. */
export const refreshResponseSchema = z
  .strictObject({
    id: z.string(),
    status: statusEnum,
    redirect_url: z.string().nullable().meta({
      description:
        'null when the tokens were refreshed; else a new consent link for this same account, which keeps its status until the user completes it.',
    }),
  })
  .meta({ id: 'RefreshConnectedAccountResponse' })

/** `GET …/{nanoid}/credentials` answer. */
export const credentialsResponseSchema = z
  .strictObject({
    auth_scheme: z.literal('OAUTH2'),
    val: z.record(z.string(), z.unknown()).meta({
      description: 'The live tokens: access_token, and refresh_token, scope, token_type, … as stored.',
    }),
    expires_at: timestamp.nullable().meta({ description: 'When the access token expires; null if unknown.' }),
  })
  .meta({ id: 'ConnectedAccountCredentials' })

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

/** The link 201 body. */
export function linkJson(result: InitiateResult): z.infer<typeof linkResponseSchema> {
  return {
    link_token: result.linkToken,
    connected_account_id: result.id,
    redirect_url: result.redirectUrl,
    expires_at: result.expiresAt,
    status: 'INITIATED',
  }
}

/** The refresh body. */
export function refreshJson(result: RefreshResult): z.infer<typeof refreshResponseSchema> {
  return { id: result.id, status: result.status, redirect_url: result.redirectUrl }
}

/** The credentials body. */
export function credentialsJson(result: AccountCredentials): z.infer<typeof credentialsResponseSchema> {
  return { auth_scheme: result.authScheme, val: { ...result.val }, expires_at: result.expiresAt }
}

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
