import type * as z from 'zod'
import {
  accountSchema,
  createBodySchema,
  deleteQuerySchema,
  deleteResponseSchema,
  healthSchema,
  listQuerySchema,
  listResponseSchema,
  maskedAccountSchema,
  revokeResponseSchema,
  statusBodySchema,
  statusResponseSchema,
} from './wire'

/** HTTP methods the API uses. */
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/** One route of the API: what the router, the 405 logic and the OpenAPI document all read. */
export interface RouteSpec {
  readonly operationId: string
  readonly method: Method
  /** OpenAPI style: `/api/v3/connected_accounts/{nanoid}`. */
  readonly path: string
  readonly summary: string
  readonly description?: string
  readonly tag: 'Connected accounts' | 'Operations'
  /** Needs `x-api-key`. */
  readonly auth: boolean
  readonly query?: z.ZodObject
  readonly body?: z.ZodType
  /** Success status → schema (undefined for non-JSON bodies). */
  readonly success: { readonly status: 200 | 201; readonly schema: z.ZodType; readonly description: string }
  /** Error statuses this route can answer with, besides 400/401 for bad input and keys. */
  readonly errors: readonly number[]
}

/** Every route of the connected-accounts API, plus the unauthenticated operational ones. */
export const ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'createConnectedAccount',
    method: 'POST',
    path: '/api/v3/connected_accounts',
    summary: 'Create or import a connected account',
    description:
      'Stores the credentials a user granted. Status defaults to ACTIVE when credentials hold an access_token, else INITIATED.',
    tag: 'Connected accounts',
    auth: true,
    body: createBodySchema,
    success: {
      status: 201,
      schema: accountSchema,
      description: 'The new account (credentials are never echoed).',
    },
    errors: [409, 413, 415],
  },
  {
    operationId: 'listConnectedAccounts',
    method: 'GET',
    path: '/api/v3/connected_accounts',
    summary: 'List connected accounts',
    description: 'Oldest first. DELETED accounts are never listed. Filters are comma-separated.',
    tag: 'Connected accounts',
    auth: true,
    query: listQuerySchema,
    success: { status: 200, schema: listResponseSchema, description: 'One page of accounts.' },
    errors: [],
  },
  {
    operationId: 'getConnectedAccount',
    method: 'GET',
    path: '/api/v3/connected_accounts/{nanoid}',
    summary: 'Get a connected account',
    description: 'Credential keys are kept and every value is masked as "********".',
    tag: 'Connected accounts',
    auth: true,
    success: { status: 200, schema: maskedAccountSchema, description: 'The account, credentials masked.' },
    errors: [404],
  },
  {
    operationId: 'updateConnectedAccountStatus',
    method: 'PATCH',
    path: '/api/v3/connected_accounts/{nanoid}/status',
    summary: 'Enable or disable a connected account',
    description: '{"enabled": false} moves ACTIVE to INACTIVE; {"enabled": true} moves INACTIVE to ACTIVE.',
    tag: 'Connected accounts',
    auth: true,
    body: statusBodySchema,
    success: { status: 200, schema: statusResponseSchema, description: 'The account after the change.' },
    errors: [404, 409, 413, 415],
  },
  {
    operationId: 'deleteConnectedAccount',
    method: 'DELETE',
    path: '/api/v3/connected_accounts/{nanoid}',
    summary: 'Delete a connected account',
    description:
      'Scrubs the stored credentials. Does NOT revoke them at the provider unless ?revoke=true, which revokes first and deletes only if the revoke succeeded.',
    tag: 'Connected accounts',
    auth: true,
    query: deleteQuerySchema,
    success: { status: 200, schema: deleteResponseSchema, description: 'The account is gone.' },
    errors: [404, 409, 500],
  },
  {
    operationId: 'revokeConnectedAccount',
    method: 'POST',
    path: '/api/v3.1/connected_accounts/{nanoid}/revoke',
    summary: 'Revoke a connected account at the provider',
    description:
      'Best-effort upstream revocation. On success the account becomes REVOKED and revoked_tokens lists exactly the subjects killed at the provider during this call. 400 when the toolkit cannot revoke, 409 when the account is not ACTIVE or REVOKED, 500 when every upstream dispatch failed (the account stays ACTIVE; retry later).',
    tag: 'Connected accounts',
    auth: true,
    success: { status: 200, schema: revokeResponseSchema, description: 'Revoked, or already revoked.' },
    errors: [404, 409, 413, 415, 500],
  },
  {
    operationId: 'health',
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness',
    tag: 'Operations',
    auth: false,
    success: { status: 200, schema: healthSchema, description: 'The process is up.' },
    errors: [],
  },
  {
    operationId: 'ready',
    method: 'GET',
    path: '/readyz',
    summary: 'Readiness: the store answers',
    tag: 'Operations',
    auth: false,
    success: { status: 200, schema: healthSchema, description: 'Ready to serve.' },
    errors: [503],
  },
]

/** The OpenAPI document's own route (its body is the document, not a zod schema). */
export const OPENAPI_PATH = '/openapi.json'

/** Hono's spelling of a path: `{nanoid}` → `:nanoid`. */
export const honoPath = (path: string) => path.replaceAll(/\{(\w+)\}/g, ':$1')

const PATTERNS = [...ROUTES.map((r) => r.path), OPENAPI_PATH].map((path) => ({
  path,
  regex: new RegExp(`^${path.replaceAll('.', '\\.').replaceAll(/\{\w+\}/g, '[^/]+')}$`),
}))

/** The methods a path answers to (with HEAD for GET routes), or `[]` when no route has this path. */
export function allowedMethods(pathname: string): string[] {
  const methods = new Set<string>()
  for (const pattern of PATTERNS) {
    if (!pattern.regex.test(pathname)) continue
    if (pattern.path === OPENAPI_PATH) methods.add('GET')
    for (const route of ROUTES) if (route.path === pattern.path) methods.add(route.method)
  }
  if (methods.has('GET')) methods.add('HEAD')
  if (methods.size > 0) methods.add('OPTIONS')
  return [...methods].sort()
}
