import {
  type AccountCredentials,
  credentialsSchema,
  type InitiateResult,
  type RefreshResult,
  TOOLKIT_SLUG,
} from '@revokit/core'
import * as z from 'zod'
import { allowMultipleSchema, statusEnum, timestamp } from './wire'

// The wire format of the routes that connect accounts and keep them alive (link, the provider's
// redirect, refresh, credentials, replaced tokens); the rest of the API's is in ./wire.

const SLUG = TOOLKIT_SLUG

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

// ── responses ────────────────────────────────────────────────────────────────

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
