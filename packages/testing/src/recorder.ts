import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, type Dispatcher } from 'undici'
import { type Cassette, type CassetteInteraction, parseCassette } from './cassette'
import { findLeaks, type RawInteraction, type ScrubValues, scrubInteraction } from './scrub'

/** Options of {@link createRecorder}. */
export interface RecorderOptions extends ScrubValues {
  /** The real dispatcher to send through. @default a new undici `Agent` owned by the recorder */
  dispatcher?: Dispatcher
}

/** What a recorded cassette says about itself besides `recorded: true` and the time. */
export interface RecordedMeta {
  provider: string
  /** The documentation page of the endpoint recorded. */
  source: string
  note?: string
  /**
   * Write the interactions at this origin instead of the live one, so a generic adapter's
   * cassettes recorded against some real server replay at the contract's own origin.
   */
  scope?: string
}

/** Records real traffic of the production transport and writes scrubbed, nock-loadable cassettes. */
export interface Recorder {
  /**
   * Pass as `createEngine({ dispatcher })`, `createDispatchRuntime({ dispatcher })`,
   * `createHttpTransport({ dispatcher })` or the kit's `settleRevoke(…, { dispatcher })`. The
   * transport sends each request through it exactly once, so every attempt of a retried dispatch
   * is recorded as its own interaction.
   */
  readonly dispatcher: Dispatcher
  /** Exchanges recorded since the last {@link Recorder.write}. */
  readonly pending: number
  /** The exchanges since the last write, scrubbed (secrets never leave the recorder otherwise). */
  interactions(): CassetteInteraction[]
  /**
   * Scrubs the exchanges since the last write, refuses to continue if any known secret or
   * token-shaped value survived, validates the cassette, then writes it (creating folders).
   */
  write(file: string | URL, meta: RecordedMeta): Promise<Cassette>
  /** Forgets unwritten exchanges. */
  discard(): void
  /** Closes the agent the recorder created. */
  close(): Promise<void>
}

type Headers = Dispatcher.DispatchOptions['headers']

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  if (!headers) return out
  const put = (name: string, value: unknown) => {
    if (value === undefined || value === null) return
    const text = Array.isArray(value) ? value.join(', ') : String(value)
    const key = name.toLowerCase()
    out[key] = out[key] === undefined ? text : `${out[key]}, ${text}`
  }
  if (Array.isArray(headers)) {
    if (headers.length && Array.isArray(headers[0])) {
      for (const [name, value] of headers as unknown as Array<[string, string]>) put(name, value)
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) put(String(headers[i]), headers[i + 1])
    }
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, string]>) put(name, value)
  } else {
    for (const [name, value] of Object.entries(headers)) put(name, value)
  }
  return out
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8')
  // Streams and iterables are not replayable as text; revokit's transport only sends strings.
  return '[unrecorded streamed body]'
}

/**
 * A recorder for `REVOKIT_RECORD=1` runs. It wraps a real undici dispatcher with an interceptor
 * that copies each request and response as it passes, so what is recorded is exactly what the
 * production transport sent and received. Nothing is written until {@link Recorder.write}, and
 * what is written has been scrubbed and checked: the values in `secrets` and `vars` become
 * `{{name}}` placeholders, other secret-named fields and headers are hidden, and the write fails
 * if a known secret or a token-shaped string is still in the text.
 *
 * (`nock.back` records nothing from undici, and undici's `SnapshotAgent` writes its own format
 * with request bodies unscrubbed; this writes nock-definable cassettes with no secret in them.)
 *
 * @example
 * ```ts
 * const recorder = createRecorder({ secrets: { token, client_secret }, vars: { client_id } })
 * const engine = createEngine({ store: memoryStore(), adapters: [acme(…)], dispatcher: recorder.dispatcher })
 * await engine.revoke(account.id)
 * await recorder.write(new URL('../cassettes/revoked.cassette.json', import.meta.url), { provider: 'acme', source: 'https://docs.acme.example/revoke' })
 * ```
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/Dispatcher.md#dispatchercomposeinterceptors-interceptor (the interceptor it is built on)
 */
export function createRecorder(options: RecorderOptions = {}): Recorder {
  const owned = options.dispatcher ? undefined : new Agent()
  const base = options.dispatcher ?? (owned as Agent)
  const raw: RawInteraction[] = []
  const values: ScrubValues = {
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.vars ? { vars: options.vars } : {}),
    ...(options.exact ? { exact: options.exact } : {}),
  }

  const intercept: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
    const origin = String(opts.origin ?? '').replace(/\/$/, '')
    const request = {
      origin,
      method: opts.method,
      path: opts.path,
      requestHeaders: headerRecord(opts.headers),
      requestBody: bodyText(opts.body),
    }
    let status = 0
    let responseHeaders: Record<string, string | string[]> = {}
    const chunks: Buffer[] = []
    const target = handler as Dispatcher.DispatchHandler & Record<string | symbol, unknown>
    // A proxy rather than a copy: the handler underneath (core's transport's, or another
    // dispatcher's) may have more callbacks than these, and they must keep working with their
    // own `this`.
    const wrapped = new Proxy(target, {
      get(object, property) {
        switch (property) {
          case 'onResponseStart':
            return (
              controller: Dispatcher.DispatchController,
              statusCode: number,
              headers: Record<string, string | string[]>,
              message?: string,
            ) => {
              status = statusCode
              responseHeaders = headers
              return object.onResponseStart?.(controller, statusCode, headers, message)
            }
          case 'onResponseData':
            return (controller: Dispatcher.DispatchController, chunk: Buffer) => {
              chunks.push(Buffer.from(chunk))
              return object.onResponseData?.(controller, chunk)
            }
          case 'onResponseEnd':
            return (
              controller: Dispatcher.DispatchController,
              trailers: Record<string, string | string[]>,
            ) => {
              raw.push({ ...request, status, responseHeaders, responseBody: Buffer.concat(chunks) })
              return object.onResponseEnd?.(controller, trailers)
            }
          default: {
            const value = Reflect.get(object, property)
            return typeof value === 'function' ? value.bind(object) : value
          }
        }
      },
    })
    return dispatch(opts, wrapped)
  }

  const dispatcher = base.compose(intercept)

  function scrubbed(): CassetteInteraction[] {
    return raw.map((interaction) => scrubInteraction(interaction, values))
  }

  return {
    dispatcher,
    get pending() {
      return raw.length
    },
    interactions: scrubbed,
    async write(file, meta) {
      if (raw.length === 0) throw new Error('recorder: nothing was recorded since the last write')
      const cassette = parseCassette(
        {
          meta: {
            recorded: true,
            provider: meta.provider,
            source: meta.source,
            recordedAt: new Date().toISOString(),
            note:
              meta.note ??
              'Recorded with REVOKIT_RECORD=1 through the production undici transport; secrets replaced by {{placeholders}} before writing.',
          },
          interactions: meta.scope
            ? scrubbed().map((i) => ({ ...i, scope: meta.scope as string }))
            : scrubbed(),
        },
        'recorded cassette',
      )
      const text = `${JSON.stringify(cassette, null, 2)}\n`
      const leaks = findLeaks(text, options.secrets ?? {})
      if (leaks.length) {
        raw.length = 0
        throw new Error(
          `recorder: refusing to write a cassette that still holds a secret (${leaks.join('; ')}). Nothing was written.`,
        )
      }
      const path = file instanceof URL ? fileURLToPath(file) : file
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, text, 'utf8')
      raw.length = 0
      return cassette
    },
    discard() {
      raw.length = 0
    },
    async close() {
      await owned?.close()
    },
  }
}
