import { Agent, type Dispatcher } from 'undici'
import { type Logger, silentLogger } from './logger'
import { type Answer, Collector, Response } from './transport-handler'

/** One HTTP request an adapter makes. */
export interface HttpRequestInit {
  /** @default 'GET' */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD'
  headers?: Readonly<Record<string, string>>
  body?: string
  /**
   * Values to keep out of logs and errors besides the ones found automatically (the
   * Authorization header, and secret-named form or JSON fields of `body`).
   */
  secrets?: readonly (string | undefined)[]
}

/** A provider's answer, fully read (bodies are capped, so this is safe). */
export interface HttpResponse {
  readonly status: number
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The body parsed as JSON, or `undefined` when it is empty or not JSON. */
  json(): unknown
  /** The response's `Retry-After`, in ms from when it arrived. */
  readonly retryAfterMs: number | undefined
}

/** The HTTP client an adapter gets in its {@link RevokeContext}. */
export interface HttpClient {
  request(url: string | URL, init?: HttpRequestInit): Promise<HttpResponse>
}

/** Why a request produced no response an adapter could read. */
export type TransportErrorKind = 'network' | 'timeout' | 'deadline' | 'response_too_large' | 'redirect'

const TRANSPORT_BRAND = Symbol.for('@revokit/core.TransportError')

/**
 * Thrown by {@link HttpClient.request} when there is no response to classify. The engine turns
 * it into a failed outcome (retryable when `retryable`), so adapters usually let it propagate.
 * Its message names the method, origin and path and an error code, never a query, a header or
 * a body, so it carries no credential.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError'
  readonly kind: TransportErrorKind
  readonly retryable: boolean
  readonly suggestedFix: string | undefined

  constructor(
    kind: TransportErrorKind,
    message: string,
    options: { suggestedFix?: string; cause?: unknown } = {},
  ) {
    super(message)
    this.kind = kind
    this.retryable = kind === 'network' || kind === 'timeout' || kind === 'deadline'
    this.suggestedFix = options.suggestedFix
    if (options.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true })
    }
    Object.defineProperty(this, TRANSPORT_BRAND, { value: true, enumerable: false })
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[TRANSPORT_BRAND] === true
    )
  }
}

/** The limits and the bookkeeping of one dispatch's requests. */
export interface TransportScope {
  /** Epoch ms: no request outlives it (its timeouts shrink to fit). */
  readonly deadline: number
  /** Aborts every request of the scope early (a caller gave up). */
  readonly cancel?: AbortSignal | undefined
  readonly logger?: Logger
  /**
   * Every request the scope sent, kept as data so the secrets it put on the wire can be worked
   * out ({@link requestSecrets}) only if some text ever needs redacting.
   */
  readonly sent?: HttpRequestInit[]
}

/** Options of {@link createHttpTransport}. */
export interface HttpTransportOptions {
  /**
   * The undici dispatcher to send through: a `ProxyAgent` or `EnvHttpProxyAgent` for proxies,
   * a `MockAgent` in tests. Defaults to a pooled keep-alive `Agent` owned by the transport.
   */
  dispatcher?: Dispatcher
  /** One attempt's connect, headers and body-idle timeout. @default 10000 */
  timeoutMs?: number
  /** Larger response bodies are refused. Revocation answers are tiny. @default 65536 */
  maxResponseBytes?: number
  /** @default 'revokit' */
  userAgent?: string
  /** @default Date.now */
  clock?: () => number
}

/** Sends adapters' requests; one per engine, shared by every dispatch. */
export interface HttpTransport {
  /** Sends one request under `scope`'s deadline, exactly once (retries are the engine's). */
  send(scope: TransportScope, url: string | URL, init?: HttpRequestInit): Promise<HttpResponse>
  /** An {@link HttpClient} bound to one scope. */
  client(scope: TransportScope): HttpClient
  /** Closes the pooled connections if the transport created them. */
  close(): Promise<void>
}

interface Target {
  readonly origin: string
  readonly path: string
  /** origin + pathname: what messages and logs name (never the query). */
  readonly where: string
}

// Adapters call a handful of fixed endpoints; parsing each URL once saves a WHATWG parse per request.
const TARGET_CACHE_SIZE = 256

/**
 * The transport every adapter's requests go through: one attempt per request on a pooled
 * keep-alive undici `Agent`, read into a string by a minimal dispatch handler (no stream per
 * response), with a per-attempt timeout that shrinks to the dispatch's deadline, a body cap, and
 * no redirects: a revocation request carries a token and often a client secret, and must not be
 * replayed at another origin. It never retries: the engine retries whole dispatches, once, in
 * one place, with one attempt budget, honouring `Retry-After`.
 *
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/Dispatcher.md#dispatcherdispatchoptions-handler
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.4 (redirects are not followed)
 */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024
  const userAgent = options.userAgent ?? 'revokit'
  const clock = options.clock ?? Date.now
  const owned = options.dispatcher
    ? undefined
    : new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connect: { timeout: timeoutMs } })
  const dispatcher = options.dispatcher ?? (owned as Agent)
  const targets = new Map<string, Target>()

  function target(url: string | URL): Target {
    const key = typeof url === 'string' ? url : url.href
    let found = targets.get(key)
    if (!found) {
      const parsed = new URL(key)
      found = {
        origin: parsed.origin,
        path: `${parsed.pathname}${parsed.search}`,
        where: `${parsed.origin}${parsed.pathname}`,
      }
      if (targets.size >= TARGET_CACHE_SIZE) targets.clear()
      targets.set(key, found)
    }
    return found
  }

  async function send(scope: TransportScope, url: string | URL, init: HttpRequestInit = {}) {
    const to = target(url)
    const method = init.method ?? 'GET'
    scope.sent?.push(init)
    const logger = scope.logger ?? silentLogger
    const started = clock()
    const left = scope.deadline - started
    if (left <= 0 || scope.cancel?.aborted) throw deadlineError(method, to.where)
    // The attempt's own timeout, cut short by the deadline: undici's parser timers enforce both.
    const limit = Math.max(1, Math.min(timeoutMs, Math.ceil(left)))
    const headers: Record<string, string> = { 'user-agent': userAgent }
    if (init.headers) for (const name in init.headers) headers[name] = init.headers[name] as string

    let answer: Answer
    try {
      answer = await new Promise<Answer>((resolve, reject) => {
        const handler = new Collector(resolve, reject, maxResponseBytes, scope.cancel)
        dispatcher.dispatch(
          {
            origin: to.origin,
            path: to.path,
            method,
            headers,
            body: init.body ?? null,
            headersTimeout: limit,
            bodyTimeout: limit,
          },
          handler,
        )
      })
    } catch (error) {
      if (error instanceof TransportError) throw error
      const pastDeadline = clock() >= scope.deadline || scope.cancel?.aborted === true
      throw failure(error, method, to.where, pastDeadline ? undefined : limit)
    }

    const status = answer.status
    if (status >= 300 && status < 400) throw redirectError(method, to, status, answer.headers.location)
    if (logger !== silentLogger) {
      logger.debug({ method, url: to.where, status, ms: clock() - started }, 'revokit: provider answered')
    }
    return new Response(status, answer.headers, answer.body, clock())
  }

  return {
    send,
    client: (scope) => ({ request: (url, init) => send(scope, url, init) }),
    async close() {
      await owned?.close()
    },
  }
}

function deadlineError(method: string, where: string): TransportError {
  return new TransportError('deadline', `${method} ${where} gave up: the revoke deadline passed`, {
    suggestedFix: 'The provider is slow or unreachable; retry later or raise deadlineMs.',
  })
}

function failure(
  error: unknown,
  method: string,
  where: string,
  timeoutMs: number | undefined,
): TransportError {
  if (timeoutMs === undefined) {
    const e = deadlineError(method, where)
    Object.defineProperty(e, 'cause', { value: error, enumerable: false, writable: true })
    return e
  }
  const code = (error as { code?: unknown } | undefined)?.code
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new TransportError('timeout', `${method} ${where} timed out after ${timeoutMs} ms`, {
      suggestedFix: 'The provider did not answer in time; retry later or raise timeoutMs.',
      cause: error,
    })
  }
  const what = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error'
  return new TransportError('network', `${method} ${where} failed: ${what}`, {
    suggestedFix: 'Check that the endpoint is reachable from this host (DNS, firewall, proxy), then retry.',
    cause: error,
  })
}

function redirectError(method: string, from: Target, status: number, location: string | undefined) {
  let to = 'another location'
  try {
    const next = new URL(location ?? '', `${from.origin}${from.path}`)
    to = next.origin === from.origin ? `${next.origin}${next.pathname}` : `another origin (${next.origin})`
  } catch {}
  return new TransportError(
    'redirect',
    `${method} ${from.where} answered ${status} redirecting to ${to}; revokit does not follow redirects`,
    {
      suggestedFix:
        'Configure the final endpoint URL: revocation requests carry tokens and client secrets and are never replayed to a redirect target.',
    },
  )
}

export { requestSecrets } from './request-secrets'
