import type { Dispatcher } from 'undici'
import { parseRetryAfter } from './retry'
import { type HttpResponse, TransportError } from './transport'

export interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}

/** The response an adapter reads; `json()` parses once, on demand. */
export class Response implements HttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly #arrived: number
  #parsed: { value: unknown } | undefined

  constructor(status: number, headers: Record<string, string>, body: string, arrived: number) {
    this.status = status
    this.headers = headers
    this.body = body
    this.#arrived = arrived
  }

  json(): unknown {
    if (!this.#parsed) {
      try {
        this.#parsed = { value: this.body.length ? JSON.parse(this.body) : undefined }
      } catch {
        this.#parsed = { value: undefined }
      }
    }
    return this.#parsed.value
  }

  get retryAfterMs(): number | undefined {
    return parseRetryAfter(this.headers['retry-after'], this.#arrived)
  }
}

/**
 * Collects one response into a string. Plain undici dispatch handler: no stream, no async
 * resource, which is most of what `undici.request` costs on top of the socket.
 */
export class Collector implements Dispatcher.DispatchHandler {
  #status = 0
  #headers: Record<string, string> = {}
  #chunks: Buffer[] = []
  #size = 0
  #onAbort: (() => void) | undefined
  readonly #resolve: (answer: Answer) => void
  readonly #reject: (error: unknown) => void
  readonly #max: number
  readonly #signal: AbortSignal | undefined

  constructor(
    resolve: (answer: Answer) => void,
    reject: (error: unknown) => void,
    max: number,
    signal: AbortSignal | undefined,
  ) {
    this.#resolve = resolve
    this.#reject = reject
    this.#max = max
    this.#signal = signal
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    const signal = this.#signal
    if (!signal) return
    if (signal.aborted) {
      controller.abort(new DOMException('aborted', 'AbortError'))
      return
    }
    this.#onAbort = () => controller.abort(new DOMException('aborted', 'AbortError'))
    signal.addEventListener('abort', this.#onAbort, { once: true })
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.#status = statusCode
    const flat: Record<string, string> = {}
    for (const name in headers) {
      const value = headers[name]
      if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
    }
    this.#headers = flat
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length
    if (this.#size > this.#max) {
      controller.abort(
        new TransportError('response_too_large', `the provider's response exceeded ${this.#max} bytes`, {
          suggestedFix:
            'Check that the endpoint is a revocation endpoint; raise maxResponseBytes only if it is.',
        }),
      )
      return
    }
    this.#chunks.push(chunk)
  }

  onResponseEnd(): void {
    this.#detach()
    const chunks = this.#chunks
    const body =
      chunks.length === 0
        ? ''
        : chunks.length === 1
          ? (chunks[0] as Buffer).toString('utf8')
          : Buffer.concat(chunks).toString('utf8')
    this.#resolve({ status: this.#status, headers: this.#headers, body })
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#detach()
    this.#reject(error)
  }

  #detach() {
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort)
    this.#onAbort = undefined
  }
}
