import { Agent, type Dispatcher, interceptors, request as undiciRequest } from 'undici'
import { type Logger, silentLogger } from './logger'
import { isSecretKey, learningRedactor, redact as patternRedact, type Redactor } from './redact'
import {
  type BackoffOptions,
  backoffDelay,
  parseRetryAfter,
  RETRYABLE_ERROR_CODES,
  RETRYABLE_STATUSES,
} from './retry'

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
  /** Set `false` for a request that must not be retried. @default true */
  retry?: boolean
}

/** A provider's answer, fully read (bodies are capped, so this is safe). */
export interface HttpResponse {
  readonly status: number
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The body parsed as JSON, or `undefined` when it is empty or not JSON. */
  json(): unknown
  /** The final response's `Retry-After`, in ms from when it arrived. */
  readonly retryAfterMs: number | undefined
  /** How many attempts this request took. */
  readonly attempts: number
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
 */
export class TransportError extends Error {
  override readonly name = 'TransportError'
  readonly kind: TransportErrorKind
  readonly retryable: boolean
  readonly attempts: number
  readonly suggestedFix: string | undefined

  constructor(
    kind: TransportErrorKind,
    message: string,
    options: { attempts: number; suggestedFix?: string; cause?: unknown },
  ) {
    super(message)
    this.kind = kind
    this.retryable = kind === 'network' || kind === 'timeout' || kind === 'deadline'
    this.attempts = options.attempts
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

/** How many attempts one subject may spend, shared by transport retries and engine retries. */
export interface AttemptBudget {
  used: number
  readonly max: number
}

/** The limits one dispatch runs under. */
export interface TransportScope {
  readonly signal: AbortSignal
  /** Epoch ms. */
  readonly deadline: number
  readonly budget: AttemptBudget
  readonly logger?: Logger
  readonly redact?: Redactor
  /** Told every secret a request puts on the wire (lazily), so the caller can hide them too. */
  readonly learn?: (secrets: () => readonly string[]) => void
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
  /** Retry delays when the provider gives no `Retry-After`. */
  backoff?: BackoffOptions
  /** @default 'revokit' */
  userAgent?: string
  /** @default Date.now */
  clock?: () => number
}

/** Makes {@link HttpClient}s bound to one dispatch's deadline and attempt budget. */
export interface HttpTransport {
  client(scope: TransportScope): HttpClient
  /** Closes the pooled connections if the transport created them. */
  close(): Promise<void>
}

const RETRIED_METHODS: Dispatcher.HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']

/**
 * The transport every adapter's requests go through. Retries use undici's own retry
 * interceptor with a revokit policy: only network errors, 408/429/5xx; `Retry-After` (seconds
 * or HTTP-date) wins over exponential backoff with jitter; never past the deadline or the
 * subject's attempt budget. Redirects are never followed: a revocation request carries a token
 * and often a client secret, and must not be replayed at another origin.
 *
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/RetryHandler.md (the interceptor)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3 (Retry-After)
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4 (429 Too Many Requests)
 */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024
  const userAgent = options.userAgent ?? 'revokit'
  const clock = options.clock ?? Date.now
  const owned = options.dispatcher
    ? undefined
    : new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connect: { timeout: timeoutMs } })
  const base = options.dispatcher ?? (owned as Agent)
  const dispatcher = base.compose(
    interceptors.retry({
      throwOnError: false,
      methods: RETRIED_METHODS,
      statusCodes: [...RETRYABLE_STATUSES],
      errorCodes: [...RETRYABLE_ERROR_CODES],
    }),
  )

  function client(scope: TransportScope): HttpClient {
    const logger = scope.logger ?? silentLogger
    // Building log fields costs allocations on the hot path; skip it when nobody listens.
    const logging = logger !== silentLogger
    return {
      async request(url, init = {}) {
        const target = new URL(url)
        const where = `${target.origin}${target.pathname}`
        const method = init.method ?? 'GET'
        // Parsed only if something needs redacting (an error, a log line); success paths skip it.
        let secrets: string[] | undefined
        const sent = () => {
          secrets ??= requestSecrets(init)
          return secrets
        }
        scope.learn?.(sent)
        const redactor = learningRedactor(scope.redact ?? patternRedact)
        redactor.learn(sent)
        const started = clock()
        let attempts = 1
        scope.budget.used += 1

        const retry = (
          err: Error & {
            statusCode?: number
            code?: string
            headers?: Record<string, string | string[] | undefined>
          },
          state: { state: { counter: number } },
          next: (err?: Error | null) => void,
        ) => {
          const retryable =
            err.statusCode !== undefined
              ? RETRYABLE_STATUSES.has(err.statusCode)
              : err.code !== undefined && RETRYABLE_ERROR_CODES.has(err.code)
          if (
            !retryable ||
            init.retry === false ||
            scope.signal.aborted ||
            scope.budget.used >= scope.budget.max
          ) {
            return next(err)
          }
          const retryAfter = parseRetryAfter(err.headers?.['retry-after'], clock())
          const delay = retryAfter ?? backoffDelay(state.state.counter, options.backoff)
          if (clock() + delay >= scope.deadline) return next(err)
          scope.budget.used += 1
          attempts += 1
          if (logging) {
            logger.debug(
              { method, url: where, attempt: attempts, delayMs: delay, reason: err.statusCode ?? err.code },
              'revokit: retrying request',
            )
          }
          return setTimeout(() => next(null), delay)
        }

        // Read when it fails, so `attempts` counts the retries made by then.
        const failed = (error: unknown) =>
          failure(error, { method, where, attempts, timeoutMs, aborted: scope.signal.aborted, redactor })

        let res: Dispatcher.ResponseData<unknown>
        try {
          res = await undiciRequest(target, {
            method,
            headers: { 'user-agent': userAgent, ...init.headers },
            ...(init.body !== undefined ? { body: init.body } : {}),
            signal: scope.signal,
            dispatcher,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
            retryOptions: { retry },
          } as Parameters<typeof undiciRequest>[1])
        } catch (error) {
          throw failed(error)
        }

        if (res.statusCode >= 300 && res.statusCode < 400) {
          await res.body.dump().catch(() => {})
          const location = headerValue(res.headers.location)
          let to = 'another location'
          try {
            const next = new URL(location ?? '', target)
            to =
              next.origin === target.origin
                ? `${next.origin}${next.pathname}`
                : `another origin (${next.origin})`
          } catch {}
          throw new TransportError(
            'redirect',
            redactor(
              `${method} ${where} answered ${res.statusCode} redirecting to ${to}; revokit does not follow redirects`,
            ),
            {
              attempts,
              suggestedFix:
                'Configure the final endpoint URL: revocation requests carry tokens and client secrets and are never replayed to a redirect target.',
            },
          )
        }

        let body: string
        try {
          body = await readCapped(res.body, maxResponseBytes, attempts)
        } catch (error) {
          if (error instanceof TransportError) throw error
          throw failed(error)
        }
        const headers = flattenHeaders(res.headers)
        if (logging) {
          logger.debug(
            { method, url: where, status: res.statusCode, attempts, ms: clock() - started },
            'revokit: provider answered',
          )
        }
        let parsed: { value: unknown } | undefined
        return {
          status: res.statusCode,
          headers,
          body,
          json() {
            if (!parsed) {
              try {
                parsed = { value: body.length ? JSON.parse(body) : undefined }
              } catch {
                parsed = { value: undefined }
              }
            }
            return parsed.value
          },
          retryAfterMs: parseRetryAfter(headers['retry-after'], clock()),
          attempts,
        }
      },
    }
  }

  return {
    client,
    async close() {
      await owned?.close()
    },
  }
}

function failure(
  error: unknown,
  ctx: {
    method: string
    where: string
    attempts: number
    timeoutMs: number
    aborted: boolean
    redactor: Redactor
  },
): TransportError {
  const code = (error as { code?: unknown } | undefined)?.code
  const label = `${ctx.method} ${ctx.where}`
  const after = ctx.attempts === 1 ? '' : ` after ${ctx.attempts} attempts`
  if (ctx.aborted) {
    return new TransportError(
      'deadline',
      ctx.redactor(`${label} gave up: the revoke deadline passed${after}`),
      {
        attempts: ctx.attempts,
        suggestedFix: 'The provider is slow or unreachable; retry later or raise deadlineMs.',
        cause: error,
      },
    )
  }
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new TransportError(
      'timeout',
      ctx.redactor(`${label} timed out after ${ctx.timeoutMs} ms${after}`),
      {
        attempts: ctx.attempts,
        suggestedFix: 'The provider did not answer in time; retry later or raise timeoutMs.',
        cause: error,
      },
    )
  }
  const what = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error'
  return new TransportError('network', ctx.redactor(`${label} failed: ${what}${after}`), {
    attempts: ctx.attempts,
    suggestedFix: 'Check that the endpoint is reachable from this host (DNS, firewall, proxy), then retry.',
    cause: error,
  })
}

async function readCapped(
  body: Dispatcher.ResponseData<unknown>['body'],
  max: number,
  attempts: number,
): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > max) {
      body.destroy()
      throw new TransportError('response_too_large', `the provider's response exceeded ${max} bytes`, {
        attempts,
        suggestedFix:
          'Check that the endpoint is a revocation endpoint; raise maxResponseBytes only if it is.',
      })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

/** Values in a request that must never show up in a log or an error. */
function requestSecrets(init: HttpRequestInit): string[] {
  const found: string[] = []
  for (const secret of init.secrets ?? []) if (secret) found.push(secret)
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (!isSecretKey(name)) continue
    found.push(value)
    const [scheme, credential] = value.split(/\s+/, 2)
    if (credential) {
      found.push(credential)
      if (scheme?.toLowerCase() === 'basic') {
        // Basic credentials are base64("id:secret"), each part form-encoded (RFC 6749 §2.3.1).
        // The client id is not a secret (GitHub puts it in the URL path); only the part after
        // the first colon is.
        const decoded = Buffer.from(credential, 'base64').toString('utf8')
        const secret = decoded.slice(decoded.indexOf(':') + 1)
        found.push(secret)
        try {
          found.push(decodeURIComponent(secret.replaceAll('+', ' ')))
        } catch {}
      }
    }
  }
  if (init.body) {
    const body = init.body.trim()
    if (body.startsWith('{')) {
      try {
        collectJsonSecrets(JSON.parse(body), found)
      } catch {}
    } else {
      for (const [name, value] of new URLSearchParams(body)) if (isSecretKey(name)) found.push(value)
    }
  }
  return found
}

function collectJsonSecrets(value: unknown, found: string[]) {
  if (!value || typeof value !== 'object') return
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' && isSecretKey(key)) found.push(item)
    else collectJsonSecrets(item, found)
  }
}
