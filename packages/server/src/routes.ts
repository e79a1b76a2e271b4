import type * as z from 'zod'
import {
  callbackQuerySchema,
  credentialsResponseSchema,
  linkBodySchema,
  linkResponseSchema,
  refreshBodySchema,
  refreshResponseSchema,
  updateCredentialsBodySchema,
} from './connect-wire'
import { CALLBACK_PATH } from './public-url'
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
  readonly tag: 'Connected accounts' | 'Connecting' | 'Operations'
  /** Needs `x-api-key`. */
  readonly auth: boolean
  /** Needs an API key configured with `"credentials": true` (others get 403). */
  readonly credentialsPermission?: boolean
  /** Also served with `/api/v3.1/` in place of `/api/v3/` (Composio's current clients call v3.1). */
  readonly v31?: boolean
  readonly query?: z.ZodObject
  readonly body?: z.ZodType
  /** The body may be left out altogether (then it is parsed as `{}`). */
  readonly bodyOptional?: boolean
  /**
   * Answers a browser rather than an API client: a 303 redirect or a small HTML page (and its
   * errors as a page when the client accepts HTML).
   */
  readonly browser?: boolean
  /** Success status → schema (undefined for non-JSON bodies). */
  readonly success: {
    readonly status: 200 | 201 | 303
    readonly schema?: z.ZodType
    readonly description: string
  }
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
    operationId: 'linkConnectedAccount',
    method: 'POST',
    path: '/api/v3/connected_accounts/link',
    summary: 'Start connecting an account (OAuth authorization link)',
    description:
      'Creates the account INITIATED and answers the provider\'s consent URL: send the user\'s browser to redirect_url. The provider sends the browser back to GET /api/v3/toolkits/auth/callback, which makes the account ACTIVE and forwards the user to callback_url. Give toolkit or auth_config_id ("ac_" + the toolkit key). 409 when the user already has a live account of this toolkit, unless allow_multiple.',
    tag: 'Connecting',
    auth: true,
    v31: true,
    body: linkBodySchema,
    success: {
      status: 201,
      schema: linkResponseSchema,
      description: 'The link: send the user to redirect_url.',
    },
    errors: [409, 413, 415],
  },
  {
    operationId: 'authorizationCallback',
    method: 'GET',
    path: CALLBACK_PATH,
    summary: "The provider's redirect back (the OAuth redirect URI)",
    description:
      "No API key: the one-time state is the capability. On success the account becomes ACTIVE and the browser is sent (303) to the link's callback_url with ?status=success&connected_account_id=…; without a callback_url, a small HTML page says it is done. A provider error (error=access_denied, …) answers 400 authorization_failed (the account stays INITIATED and the link stays usable until it expires); an unknown, used or expired state 400 invalid_state. Errors are an HTML page when the client accepts text/html, else the error envelope. Never echoes the code or the state; never cached; no referrer.",
    tag: 'Connecting',
    auth: false,
    v31: true,
    browser: true,
    query: callbackQuerySchema,
    success: {
      status: 303,
      description: "To the link's callback_url (Location), or 200 with an HTML page when there is none.",
    },
    errors: [400, 409, 502, 503],
  },
  {
    operationId: 'refreshConnectedAccount',
    method: 'POST',
    path: '/api/v3/connected_accounts/{nanoid}/refresh',
    summary: "Refresh an account's tokens",
    description:
      'Uses the refresh grant when it can (redirect_url: null). When there is no refresh token or the provider refuses it, starts a new authorization for the same account and answers its consent URL; the account keeps its status until the user completes it.',
    tag: 'Connecting',
    auth: true,
    v31: true,
    body: refreshBodySchema,
    bodyOptional: true,
    success: { status: 200, schema: refreshResponseSchema, description: 'Refreshed, or a consent link.' },
    errors: [404, 409, 413, 415, 502, 503],
  },
  {
    operationId: 'getConnectedAccountCredentials',
    method: 'GET',
    path: '/api/v3/connected_accounts/{nanoid}/credentials',
    summary: 'Get usable credentials (live tokens)',
    description:
      'The live tokens, refreshed first when the access token is about to expire. Only for API keys configured with "credentials": true (others: 403). 409 unless the account is ACTIVE; 503 refresh_failed (retryable, see retry-after) when the provider could not be reached to refresh.',
    tag: 'Connecting',
    auth: true,
    credentialsPermission: true,
    v31: true,
    success: {
      status: 200,
      schema: credentialsResponseSchema,
      description: 'The tokens. Not cached (no-store).',
    },
    errors: [403, 404, 409, 503],
  },
  {
    operationId: 'updateConnectedAccount',
    method: 'PATCH',
    path: '/api/v3/connected_accounts/{nanoid}',
    summary: "Replace an account's tokens",
    description:
      'For tokens rotated outside revokit: the new credentials replace the stored ones, whose values are scrubbed.',
    tag: 'Connected accounts',
    auth: true,
    v31: true,
    body: updateCredentialsBodySchema,
    success: {
      status: 200,
      schema: accountSchema,
      description: 'The account (credentials are never echoed).',
    },
    errors: [404, 409, 413, 415],
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

/** Where a route is served: its path, and its `/api/v3.1/` twin when it has one. */
export function servedPaths(route: RouteSpec): string[] {
  return route.v31 ? [route.path, route.path.replace(/^\/api\/v3\//, '/api/v3.1/')] : [route.path]
}

const PATTERNS = [...ROUTES.flatMap(servedPaths), OPENAPI_PATH].map((path) => ({
  path,
  regex: new RegExp(`^${path.replaceAll('.', '\\.').replaceAll(/\{\w+\}/g, '[^/]+')}$`),
}))

/** The methods a path answers to (with HEAD for GET routes), or `[]` when no route has this path. */
export function allowedMethods(pathname: string): string[] {
  const methods = new Set<string>()
  for (const pattern of PATTERNS) {
    if (!pattern.regex.test(pathname)) continue
    if (pattern.path === OPENAPI_PATH) methods.add('GET')
    for (const route of ROUTES) if (servedPaths(route).includes(pattern.path)) methods.add(route.method)
  }
  if (methods.has('GET')) methods.add('HEAD')
  if (methods.size > 0) methods.add('OPTIONS')
  return [...methods].sort()
}
