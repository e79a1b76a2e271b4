import {
  type CallOptions,
  createRedactor,
  type Engine,
  type Logger,
  type Redactor,
  type RevokitError,
  redactingLogger,
  silentLogger,
  toRevokitError,
} from '@revokit/core'
import { Hono } from 'hono'
import { createKeyMatcher, keyOf, type ProjectKeys } from './auth'
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './body'
import { CALLBACK_HEADERS, errorPage, wantsHtml } from './callback'
import { connectRoutes } from './connect-routes'
import {
  bodyRequired,
  forbidden,
  invalidInput,
  malformedId,
  methodNotAllowed,
  rateLimited,
  routeNotFound,
  serviceUnavailable,
  unauthorized,
} from './http-errors'
import { buildOpenApiDocument } from './openapi'
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit'
import { newRequestId, requestIdOf } from './request-id'
import { log, loggablePath } from './request-log'
import { JSON_HEADERS, json, type RequestState, type RouteContext } from './route-context'
import { allowedMethods, honoPath, OPENAPI_PATH, ROUTES, type RouteSpec, servedPaths } from './routes'
import {
  accountIdSchema,
  accountJson,
  createBodySchema,
  deleteQuerySchema,
  emptyBodySchema,
  listQuerySchema,
  maskedAccountJson,
  noQuerySchema,
  revokeJson,
  statusBodySchema,
} from './wire'

/** Options of {@link createHandler}. */
export interface HandlerOptions {
  /** The engine every route calls; build it with `createEngine` (or from a config file). */
  engine: Engine
  /**
   * Which API keys act in which project. A key's project scopes everything it can see; only keys
   * given as `{ key, credentials: true }` may read live tokens.
   */
  projects: readonly ProjectKeys[]
  /**
   * pino, or anything with its call shape (`jsonLogger()` writes JSON lines). One line per
   * request; everything passes through a redactor that knows the API keys and `secrets`.
   */
  logger?: Logger
  /** More values to hide from logs and error bodies: adapters' client secrets, say. */
  secrets?: Iterable<string>
  /** A redactor that already knows values to hide (a loaded config's `redactor`); `secrets` add to it. */
  redactor?: Redactor
  /**
   * Requests per API key: a token bucket per key, and one per client address for requests
   * whose key is missing or wrong (answered 429 with `retry-after` when empty). `false` turns it
   * off (a proxy in front limits instead). @default DEFAULT_RATE_LIMIT (600 a minute, bursts of 100)
   */
  rateLimit?: RateLimitOptions | false
  /** The rate limiter's clock in ms (tests move it instead of sleeping). @default performance.now */
  now?: () => number
  /** Request bodies above this size are refused with 413. @default 65536 */
  maxBodyBytes?: number
  /** How long `/readyz` waits for the store. @default 2000 */
  readinessTimeoutMs?: number
}

/**
 * What the server running the handler knows about the connection: the shape Deno.serve passes,
 * and what {@link startServer} passes. Without it, failed authentication is not limited per address.
 * @see https://docs.deno.com/api/deno/~/Deno.ServeHandlerInfo
 */
export interface ClientInfo {
  readonly remoteAddr?: { readonly hostname?: string }
}

/** A web-standard request handler: mount it in any framework that speaks `Request`/`Response`. */
export type RevokitHandler = (request: Request, info?: ClientInfo) => Promise<Response>

type Env = { Bindings: RequestState }

const BODY_EXAMPLES: Record<string, string> = {
  createConnectedAccount:
    '{"user_id": "alice", "toolkit": "google", "credentials": {"access_token": "…", "refresh_token": "…"}}',
  updateConnectedAccountStatus: '{"enabled": false}',
  linkConnectedAccount:
    '{"user_id": "alice", "toolkit": "google", "callback_url": "https://app.example.com/connected"}',
  refreshConnectedAccount: '{"redirect_url": "https://app.example.com/reconnected"} (or no body)',
  updateConnectedAccount: '{"credentials": {"access_token": "…", "refresh_token": "…"}}',
}

const QUERY_FIXES: Record<string, string> = {
  listConnectedAccounts:
    'Use only user_ids, statuses, toolkit_slugs (comma-separated lists), limit (1-1000) and cursor, e.g. ?user_ids=alice&statuses=ACTIVE&limit=50.',
  deleteConnectedAccount: 'The only query parameter is revoke=true (revoke first) or revoke=false.',
  authorizationCallback: "This is the provider's redirect: open the link revokit gave you again.",
}

/**
 * Creates the connected-accounts HTTP API as a web-standard handler `(Request) => Promise<Response>`.
 *
 * @example
 * ```ts
 * const handler = createHandler({ engine, projects: [{ id: 'default', apiKeys: [process.env.REVOKIT_API_KEY!] }] })
 * // Node: startServer({ handler, port: 8080 }); Hono: app.mount('/', handler); Bun/Deno: serve(handler)
 * ```
 */
export function createHandler(options: HandlerOptions): RevokitHandler {
  const { engine } = options
  if (!engine || typeof engine.revoke !== 'function')
    throw new TypeError('createHandler: options.engine is required')
  if (!Array.isArray(options.projects))
    throw new TypeError('createHandler: options.projects must be an array')
  const projectOf = createKeyMatcher(options.projects)
  const redactor = (options.redactor ?? createRedactor()).with([
    ...options.projects.flatMap((p) => p.apiKeys.map(keyOf)),
    ...(options.secrets ?? []),
  ])
  const rate = options.rateLimit === false ? undefined : { ...DEFAULT_RATE_LIMIT, ...options.rateLimit }
  const limiter = rate && createRateLimiter(rate, options.now)
  const logger = options.logger ? redactingLogger(options.logger, redactor) : silentLogger
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2000
  let openapi: string | undefined

  const app = new Hono<Env>()

  const implementations: Record<string, (c: RouteContext) => Promise<Response>> = {
    async createConnectedAccount(c) {
      const body = c.body(createBodySchema)
      const account = await engine.create(
        {
          userId: body.user_id,
          toolkit: body.toolkit,
          credentials: body.credentials,
          ...(body.status ? { status: body.status } : {}),
          ...(body.allow_multiple !== undefined ? { allowMultiple: body.allow_multiple } : {}),
        },
        c.call,
      )
      return json(accountJson(account), 201, { location: `/api/v3/connected_accounts/${account.id}` })
    },
    async listConnectedAccounts(c) {
      const query = c.query(listQuerySchema)
      const page = await engine.list(
        {
          ...(query.user_ids ? { userIds: query.user_ids } : {}),
          ...(query.statuses ? { statuses: query.statuses } : {}),
          ...(query.toolkit_slugs ? { toolkits: query.toolkit_slugs } : {}),
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        },
        c.call,
      )
      return json({ items: page.items.map(accountJson), next_cursor: page.nextCursor }, 200)
    },
    async getConnectedAccount(c) {
      return json(maskedAccountJson(await engine.get(c.id(), c.call)), 200)
    },
    async updateConnectedAccountStatus(c) {
      const { enabled } = c.body(statusBodySchema)
      const id = c.id()
      const account = enabled ? await engine.enable(id, c.call) : await engine.disable(id, c.call)
      return json({ ...accountJson(account), success: true }, 200)
    },
    async deleteConnectedAccount(c) {
      const query = c.query(deleteQuerySchema)
      const id = c.id()
      if (query.revoke) {
        const { revoke, deleted } = await engine.revokeThenDelete(id, c.call)
        const wire = revokeJson(revoke)
        return json(
          {
            success: true,
            id: deleted.id,
            status: 'DELETED',
            revoked_tokens: wire.revoked_tokens,
            subjects: wire.subjects,
          },
          200,
        )
      }
      const deleted = await engine.delete(id, c.call)
      return json({ success: true, id: deleted.id, status: 'DELETED' }, 200)
    },
    async revokeConnectedAccount(c) {
      // The client's disconnect does not abort the revoke: tokens may already be dying at the
      // provider, and the outcome must be recorded either way.
      return json(revokeJson(await engine.revoke(c.id(), c.call)), 200)
    },
    async health() {
      return json({ status: 'ok' }, 200)
    },
    async ready(c) {
      try {
        await withTimeout(engine.list({ limit: 1 }), readinessTimeoutMs)
      } catch (error) {
        c.state.failure = error
        throw serviceUnavailable(
          error === TIMEOUT ? `the store did not answer within ${readinessTimeoutMs} ms` : 'the store failed',
        )
      }
      return json({ status: 'ready' }, 200)
    },
    ...connectRoutes(engine),
  }

  for (const route of ROUTES) {
    const implementation = implementations[route.operationId]
    if (!implementation) throw new Error(`no implementation for ${route.operationId}`)
    for (const path of servedPaths(route)) {
      app.on(route.method, honoPath(path), async (c) => {
        const context = await prepare(route, c.req.raw, c.env, (name) => c.req.param(name))
        return implementation(context)
      })
    }
  }
  app.get(OPENAPI_PATH, () => {
    openapi ??= JSON.stringify(buildOpenApiDocument())
    return new Response(openapi, {
      status: 200,
      headers: { ...JSON_HEADERS, 'cache-control': 'public, max-age=300' },
    })
  })

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname
    const allow = allowedMethods(path)
    if (allow.length === 0) return errorResponse(routeNotFound(c.req.method, displayPath(path)), c.env)
    if (c.req.method === 'OPTIONS')
      return new Response(null, { status: 204, headers: { allow: allow.join(', ') } })
    return errorResponse(methodNotAllowed(c.req.method, allow), c.env, { allow: allow.join(', ') })
  })
  app.onError((error, c) => {
    const failure = toRevokitError(error)
    if (failure.status >= 500 && c.env.failure === undefined) c.env.failure = error
    if (c.env.browser) {
      // The callback route answers a browser: its errors are a page when it takes HTML, and
      // like every callback answer are never cached nor leak the URL as a Referer.
      if (wantsHtml(c.req.raw)) {
        c.env.slug = failure.slug
        return withRetryHeaders(errorPage(failure, c.env.requestId, redactor), failure)
      }
      return errorResponse(failure, c.env, CALLBACK_HEADERS)
    }
    return errorResponse(failure, c.env)
  })

  async function prepare(
    route: RouteSpec,
    request: Request,
    state: RequestState,
    param: (name: string) => string | undefined,
  ): Promise<RouteContext> {
    let projectId: string | undefined
    if (route.browser) state.browser = true
    if (route.auth) {
      const key = request.headers.get('x-api-key')
      // An address that used up its failures gets no answer about any key until it refills:
      // otherwise a right guess would still stand out from the 429s.
      const failures = state.clientAddress === undefined ? undefined : `address:${state.clientAddress}`
      const blocked = failures === undefined ? undefined : limiter?.peek(failures)
      if (rate && blocked !== undefined) throw rateLimited(blocked, 'address', rate)
      const grant = projectOf(key)
      if (grant === undefined) {
        if (failures) limiter?.take(failures)
        throw unauthorized(key !== null && key.length > 0)
      }
      const wait = limiter?.take(`key:${grant.keyId}`)
      if (rate && wait !== undefined) throw rateLimited(wait, 'key', rate)
      projectId = grant.projectId
      state.projectId = projectId
      if (route.credentialsPermission && !grant.credentials) {
        throw forbidden(
          'read credentials',
          'Use a key the config lists as an object with "credentials": true in the project\'s apiKeys, e.g. { "key": "…", "credentials": true }; plain string keys cannot read tokens.',
        )
      }
    }
    let id: string | undefined
    if (route.path.includes('{nanoid}')) {
      const raw = param('nanoid')
      if (!accountIdSchema.safeParse(raw).success) throw malformedId()
      id = raw as string
    }
    const query = parseQuery(route, new URL(request.url).searchParams)
    let body: unknown
    if (route.method !== 'GET') {
      const raw = await readJsonBody(request, maxBodyBytes)
      if (route.body) {
        if (raw === undefined && !route.bodyOptional)
          throw bodyRequired(BODY_EXAMPLES[route.operationId] ?? '{}')
        const parsed = route.body.safeParse(raw ?? {}, { reportInput: true })
        if (!parsed.success) throw invalidInput(parsed.error, 'request body', bodyFix(route))
        body = parsed.data
      } else if (raw !== undefined) {
        const parsed = emptyBodySchema.safeParse(raw, { reportInput: true })
        if (!parsed.success)
          throw invalidInput(parsed.error, 'request body', 'This route takes no body: send none, or {}.')
      }
    }
    const call: CallOptions = {
      requestId: state.requestId,
      ...(projectId !== undefined ? { projectId } : {}),
    }
    return {
      state,
      call,
      request,
      id: () => id as string,
      query: () => query as never,
      body: () => body as never,
    }
  }

  function parseQuery(route: RouteSpec, params: URLSearchParams): unknown {
    const schema = route.query ?? noQuerySchema
    const values: Record<string, string> = {}
    for (const [key, value] of params) {
      values[key] = key in values ? `${values[key]},${value}` : value
    }
    const parsed = schema.safeParse(values, { reportInput: true })
    if (parsed.success) return parsed.data
    throw invalidInput(
      parsed.error,
      'query',
      QUERY_FIXES[route.operationId] ?? 'This route takes no query parameters; remove them.',
    )
  }

  function bodyFix(route: RouteSpec): string {
    const example = BODY_EXAMPLES[route.operationId]
    return `Send a JSON object like ${example}; unknown fields are refused. GET /openapi.json describes every field.`
  }

  function displayPath(path: string): string {
    return loggablePath(path, redactor)
  }

  function errorResponse(
    error: RevokitError,
    state: RequestState,
    headers: Record<string, string> = {},
  ): Response {
    state.slug = error.slug
    const envelope = error.toEnvelope(state.requestId)
    // Belt and braces: an adapter that put its client secret in a reason, or a key echoed in a
    // path, is hidden here even if nothing upstream caught it.
    envelope.error.message = redactor(envelope.error.message)
    envelope.error.suggested_fix = redactor(envelope.error.suggested_fix)
    envelope.error.errors = envelope.error.errors.map((line) => redactor(line))
    // Refused before the body was read: do not leave the rest of it in a reused connection.
    const close: Record<string, string> =
      error.status === 413 || error.status === 415 ? { connection: 'close' } : {}
    return withRetryHeaders(json(envelope, error.status, { ...close, ...headers }), error)
  }

  return async function revokitHandler(request: Request, info?: ClientInfo): Promise<Response> {
    const started = performance.now()
    const incoming = requestIdOf(request.headers)
    const address = info?.remoteAddr?.hostname
    // A caller who sends a secret as its request id (an API key, by mistake) does not get it
    // written to logs and error bodies.
    const state: RequestState = {
      requestId: redactor(incoming) === incoming ? incoming : newRequestId(),
      ...(typeof address === 'string' && address.length > 0 ? { clientAddress: address } : {}),
    }
    let response: Response
    try {
      response = await app.fetch(request, state)
    } catch (error) {
      state.failure = error
      response = errorResponse(toRevokitError(error), state)
    }
    response = withHeader(response, 'x-request-id', state.requestId)
    log(logger, redactor, request, response, state, performance.now() - started)
    return response
  }
}

/**
 * A 503 (a refresh the provider could not answer, a store that does not) or a 429 (too many
 * requests) is worth retrying:
 * `x-should-retry: true`, and `retry-after` in seconds when the error knows how long the
 * provider asked to wait.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
function withRetryHeaders(response: Response, error: RevokitError): Response {
  if (error.status !== 503 && error.status !== 429) return response
  response.headers.set('x-should-retry', 'true')
  const ms = (error as RevokitError & { retryAfterMs?: unknown }).retryAfterMs
  if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0)
    response.headers.set('retry-after', String(Math.ceil(ms / 1000)))
  return response
}

function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value)
    return response
  } catch {
    // Immutable headers (a response someone else built): copy it.
    const copy = new Response(response.body, response)
    copy.headers.set(name, value)
    return copy
  }
}

const TIMEOUT = Symbol('timeout')

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(TIMEOUT), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}
