import type { RevocationAdapter, RevokeContext, RevokeOutcome, RevokeRequest } from '../adapter'
import { type Logger, redactingLogger, silentLogger } from '../logger'
import { type AccountRecord, credentialSecrets, type TokenSubject } from '../model'
import { createRedactor, type Redactor } from '../redact'
import { type BackoffOptions, backoffDelay } from '../retry'
import {
  createHttpTransport,
  type HttpClient,
  type HttpRequestInit,
  type HttpResponse,
  type HttpTransport,
  requestSecrets,
  type TransportScope,
} from '../transport'
import { DeadlineWatch } from './deadline-watch'
import { deadlineOutcome, fromError, sanitise, type TextHider } from './outcome'

export { DeadlineWatch }

/**
 * What outlives one dispatch: built once per engine (or once per contract-kit run) and shared by
 * every dispatch, so a revoke creates no transport, timer or closure of its own.
 */
export interface DispatchRuntime {
  readonly transport: HttpTransport
  /** The caller's logger, unwrapped; a dispatch wraps it with its own secrets only when set. */
  readonly logger: Logger
  readonly clock: () => number
  /** Calls of the adapter per subject, the first included. */
  readonly maxAttempts: number
  readonly backoff: BackoffOptions | undefined
  /** Values every dispatch hides besides its own (the engine's `secrets` option). */
  readonly secrets: readonly string[]
  /** Resolves hung dispatches at their deadline (one timer for all of them). */
  readonly watch: DeadlineWatch
}

/** Options of {@link createDispatchRuntime}. */
export interface DispatchRuntimeOptions {
  /** A ready transport; otherwise one is made (and closed by {@link DispatchRuntime}'s owner). */
  transport?: HttpTransport
  /** Passed to the transport it makes. */
  dispatcher?: import('undici').Dispatcher
  /** One attempt's timeout, for the transport it makes. @default 10000 */
  timeoutMs?: number
  /** @default 3 */
  maxAttempts?: number
  backoff?: BackoffOptions
  logger?: Logger
  /** @default Date.now */
  clock?: () => number
  /** Values every dispatch hides besides its own. */
  secrets?: readonly string[]
}

/** Builds a {@link DispatchRuntime}; `close` closes the transport only if it made it. */
export function createDispatchRuntime(
  options: DispatchRuntimeOptions = {},
): DispatchRuntime & { close(): Promise<void> } {
  const clock = options.clock ?? Date.now
  const owns = !options.transport
  const transport =
    options.transport ??
    createHttpTransport({
      clock,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    })
  return {
    transport,
    logger: options.logger ?? silentLogger,
    clock,
    maxAttempts: options.maxAttempts ?? 3,
    backoff: options.backoff,
    secrets: options.secrets ?? [],
    watch: new DeadlineWatch(),
    async close() {
      if (owns) await transport.close()
    },
  }
}

/** The limits of one subject's dispatch. */
export interface DispatchLimits {
  /** Epoch ms (by the runtime's clock) after which the engine stops waiting. */
  readonly deadline: number
  /** Aborts early (the caller gave up). */
  readonly signal?: AbortSignal
}

/** How one subject's dispatch ended. Every text in `outcome` is already redacted. */
export interface SubjectDispatch {
  readonly outcome: RevokeOutcome
  /** Calls of the adapter this took (the first included). */
  readonly attempts: number
  /** The failure came from the transport (no answer to classify), not from the provider. */
  readonly transport: boolean
}

/**
 * Dispatches one subject: builds the one {@link RevokeContext} an adapter ever gets, calls
 * `adapter.revoke`, turns throws, hangs past the deadline and answers that break the contract
 * into outcomes, and retries a retryable failure (network errors, 5xx, 429, `Retry-After`
 * honoured) up to `maxAttempts` calls inside the deadline: the only retry level revokit has.
 * Adapter-provided text is redacted here, once, with everything the dispatch knows: the
 * account's tokens, every secret its requests put on the wire, and the adapter's `redact` hook.
 *
 * The engine calls it for every subject; `@revokit/testing` calls it to prove adapters, so the
 * contract kit exercises exactly the production path.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.2.1 (503 and retrying later)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3 (Retry-After)
 */
export async function dispatchSubject(
  runtime: DispatchRuntime,
  adapter: RevocationAdapter,
  request: RevokeRequest,
  limits: DispatchLimits,
): Promise<SubjectDispatch> {
  const secrets = new DispatchSecrets(request, adapter, runtime.secrets)
  const { clock, maxAttempts } = runtime
  const { deadline, signal } = limits
  let attempt = 1
  for (;;) {
    const context = new Context(runtime, secrets, deadline, attempt, signal)
    const settled = await invoke(runtime, adapter, request, context)
    context.done()
    const outcome = sanitise(settled.outcome, secrets)
    if (runtime.logger !== silentLogger) {
      context.logger.debug(
        { accountId: request.account.id, subject: request.subject, attempt, outcome: outcome.type },
        'revokit: dispatch answered',
      )
    }
    const done = { outcome, attempts: attempt, transport: settled.transport }
    if (outcome.type !== 'failed' || !outcome.retryable || attempt >= maxAttempts) return done
    if (signal?.aborted) return done
    const delay = outcome.retryAfterMs ?? backoffDelay(attempt, runtime.backoff)
    if (clock() + delay >= deadline) return done
    if (!(await sleep(delay, signal))) return done
    attempt++
  }
}

/** The request the engine passes for one subject of `record`: frozen copies, never the record. */
export function revokeRequestFor(
  record: Pick<AccountRecord, 'id' | 'projectId' | 'userId' | 'toolkit' | 'credentials'>,
  subject: TokenSubject,
): RevokeRequest {
  return Object.freeze({
    subject,
    token: record.credentials[subject] as string,
    credentials: Object.freeze({ ...record.credentials }),
    account: Object.freeze({
      id: record.id,
      projectId: record.projectId,
      userId: record.userId,
      toolkit: record.toolkit,
    }),
  })
}

/**
 * The secrets one dispatch knows, kept as data (the account's tokens, the requests it sent, the
 * adapter's hook) and turned into a redactor only when some text needs it: most dispatches
 * succeed with nothing to redact.
 */
class DispatchSecrets implements TextHider {
  readonly sent: HttpRequestInit[] = []
  #redactor: Redactor | undefined
  #learned = 0
  readonly #request: RevokeRequest
  readonly #adapter: RevocationAdapter
  readonly #extra: readonly string[]

  constructor(request: RevokeRequest, adapter: RevocationAdapter, extra: readonly string[]) {
    this.#request = request
    this.#adapter = adapter
    this.#extra = extra
  }

  /** This dispatch's secrets as a {@link Redactor}, for adapters that ask for one. */
  redactor(): Redactor {
    return Object.assign((text: string) => this.hide(text), {
      with: (values: Iterable<string | null | undefined>) => this.#known().with(values),
    })
  }

  #known(): Redactor {
    if (!this.#redactor || this.#learned !== this.sent.length) {
      const values: (string | undefined)[] = [...credentialSecrets(this.#request.credentials), ...this.#extra]
      for (const init of this.sent) values.push(...requestSecrets(init))
      this.#redactor = createRedactor(values)
      this.#learned = this.sent.length
    }
    return this.#redactor
  }

  /** Hides every secret known so far in `text`. */
  hide(text: string): string {
    if (typeof text !== 'string' || text.length === 0) return text
    const hook = this.#adapter.redact
    let out = text
    if (hook) {
      try {
        const hidden = hook.call(this.#adapter, out)
        if (typeof hidden === 'string') out = hidden
      } catch {
        // A broken hook must not break the dispatch; the other rules still run.
      }
    }
    return this.#known()(out)
  }
}

/** The one {@link RevokeContext} implementation. Its logger is made only if a logger is set. */
class Context implements RevokeContext, TransportScope, HttpClient {
  readonly deadline: number
  readonly attempt: number
  readonly sent: HttpRequestInit[]
  /** The caller's signal, if any: what the transport aborts on. */
  readonly cancel: AbortSignal | undefined
  readonly #runtime: DispatchRuntime
  readonly #secrets: DispatchSecrets
  #logger: Logger | undefined
  #redact: Redactor | undefined
  #controller: AbortController | undefined
  #unwatch: (() => void) | undefined

  constructor(
    runtime: DispatchRuntime,
    secrets: DispatchSecrets,
    deadline: number,
    attempt: number,
    parent: AbortSignal | undefined,
  ) {
    this.#runtime = runtime
    this.cancel = parent
    this.deadline = deadline
    this.attempt = attempt
    this.sent = secrets.sent
    this.#secrets = secrets
  }

  /** The context is its own HTTP client: one object per attempt instead of three. */
  get http(): HttpClient {
    return this
  }

  request(url: string | URL, init?: HttpRequestInit): Promise<HttpResponse> {
    return this.#runtime.transport.send(this, url, init)
  }

  get redact(): Redactor {
    this.#redact ??= this.#secrets.redactor()
    return this.#redact
  }

  /** Made on first use: few adapters read it (the transport enforces the deadline itself). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      const controller = new AbortController()
      this.#controller = controller
      const left = this.deadline - this.#runtime.clock()
      if (left <= 0 || this.cancel?.aborted) controller.abort(deadlineReason())
      else {
        this.#runtime.watch.add({
          due: performance.now() + left,
          expire: () => controller.abort(deadlineReason()),
        })
        this.cancel?.addEventListener('abort', () => controller.abort(deadlineReason()), { once: true })
      }
    }
    return this.#controller.signal
  }

  /** The attempt is over: its signal no longer needs watching. */
  done(): void {
    this.#unwatch?.()
    this.#unwatch = undefined
  }

  get logger(): Logger {
    this.#logger ??= redactingLogger(this.#runtime.logger, this.redact)
    return this.#logger
  }
}

const deadlineReason = () => new DOMException('The revoke deadline passed', 'TimeoutError')

/** Calls the adapter once, turning throws and hangs past the deadline into outcomes. */
function invoke(
  runtime: DispatchRuntime,
  adapter: RevocationAdapter,
  request: RevokeRequest,
  context: Context,
): Promise<{ outcome: unknown; transport: boolean }> {
  const left = context.deadline - runtime.clock()
  const parent = context.cancel
  if (left <= 0 || parent?.aborted) return Promise.resolve({ outcome: deadlineOutcome(), transport: false })
  return new Promise((resolve) => {
    let settled = false
    const onAbort = () => settle({ outcome: deadlineOutcome(), transport: false })
    const settle = (value: { outcome: unknown; transport: boolean }) => {
      if (settled) return
      settled = true
      remove()
      parent?.removeEventListener('abort', onAbort)
      resolve(value)
    }
    const remove = runtime.watch.add({ due: performance.now() + left, expire: onAbort })
    parent?.addEventListener('abort', onAbort, { once: true })
    let answer: Promise<RevokeOutcome>
    try {
      answer = adapter.revoke(request, context)
    } catch (error) {
      settle(fromError(error, runtime.clock() >= context.deadline))
      return
    }
    Promise.resolve(answer).then(
      (outcome) => settle({ outcome, transport: false }),
      (error: unknown) => settle(fromError(error, runtime.clock() >= context.deadline)),
    )
  })
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. Only retries sleep. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false)
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
