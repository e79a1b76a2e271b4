import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { getRequestListener } from '@hono/node-server'
import { type Logger, RevokitError, silentLogger } from '@revokit/core'
import type { RevokitHandler } from './handler'
import { newRequestId } from './request-id'

/** Options of {@link startServer}. */
export interface StartServerOptions {
  handler: RevokitHandler
  /** @default 8080; 0 picks a free port (read it from the result). */
  port?: number
  /** @default '127.0.0.1': only this machine can connect. Use '0.0.0.0' behind a proxy you trust. */
  host?: string
  /** Lifecycle lines (listening, shutting down). Request lines come from the handler's logger. */
  logger?: Logger
  /** Runs after the last request has finished, e.g. `engine.close()`. */
  onClose?: () => Promise<void> | void
  /**
   * Signals that start a graceful shutdown; a second one forces it. The CLI passes
   * `['SIGTERM', 'SIGINT']`. @default []
   */
  signals?: readonly NodeJS.Signals[]
  /** How long a shutdown waits for requests in flight before dropping them. @default 35000 */
  drainTimeoutMs?: number
}

/** A listening server. */
export interface RunningServer {
  readonly server: Server
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string
  readonly host: string
  readonly port: number
  /**
   * Graceful shutdown: stops accepting connections, lets requests in flight finish (up to
   * `drainTimeoutMs`), closes idle keep-alive connections, then runs `onClose`. Idempotent.
   */
  close(): Promise<void>
  /** Settles when the server has shut down, however that started. */
  readonly closed: Promise<void>
}

/**
 * Serves a {@link RevokitHandler} with node:http, with graceful shutdown.
 *
 * @example
 * ```ts
 * const running = await startServer({ handler, port: 8080, signals: ['SIGTERM', 'SIGINT'], onClose: () => engine.close() })
 * ```
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger
  const host = options.host ?? '127.0.0.1'
  const drainTimeoutMs = options.drainTimeoutMs ?? 35_000
  const listener = getRequestListener((request) => options.handler(request), {
    overrideGlobalObjects: false,
    // A request Node could not even turn into a `Request` (a malformed URL, say) still gets the
    // envelope and a request id.
    errorHandler: () => {
      const requestId = newRequestId()
      const error = new RevokitError('validation_failed', {
        message: 'The HTTP request could not be read.',
        suggestedFix: 'Send a well-formed HTTP request with an absolute path.',
        requestId,
      })
      return new Response(JSON.stringify(error.toEnvelope()), {
        status: 400,
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId },
      })
    },
  })
  const server = createServer(listener)
  // Requests Node's parser refuses (an unknown method, a malformed request line, headers over
  // 16 KiB) never reach the handler; they still get the envelope and a request id.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    const requestId = newRequestId()
    const body = JSON.stringify(
      new RevokitError('validation_failed', {
        message:
          error.code === 'HPE_HEADER_OVERFLOW'
            ? 'The request headers are too large.'
            : 'The HTTP request could not be parsed.',
        suggestedFix:
          error.code === 'HPE_HEADER_OVERFLOW'
            ? 'Send at most 16 KiB of headers.'
            : 'Send a well-formed HTTP/1.1 request with a standard method (GET, POST, PATCH, DELETE).',
        requestId,
      }).toEnvelope(),
    )
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nx-request-id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  })
  const inflight = new Set<ServerResponse>()
  let draining = false
  let drained: (() => void) | undefined

  server.on('request', (_request, response: ServerResponse) => {
    inflight.add(response)
    if (draining) response.setHeader('connection', 'close')
    response.on('close', () => {
      inflight.delete(response)
      if (draining && inflight.size === 0) drained?.()
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${shownHost}:${address.port}`
  logger.info({ url, host: address.address, port: address.port }, 'listening')

  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve
  })
  let closing: Promise<void> | undefined

  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true
      logger.info(
        { inflight: inflight.size },
        'shutting down: no new connections, finishing requests in flight',
      )
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Requests in flight answer with `connection: close` (merged into the handler's headers by
      // writeHead), so their keep-alive sockets end with them.
      for (const response of inflight) if (!response.headersSent) response.setHeader('connection', 'close')
      server.closeIdleConnections()
      if (inflight.size > 0) {
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), drainTimeoutMs)
          drained = () => {
            clearTimeout(timer)
            resolve(false)
          }
        })
        if (timedOut) logger.warn({ inflight: inflight.size }, 'shutdown: dropping requests still in flight')
      }
      server.closeAllConnections()
      await serverClosed
      try {
        await options.onClose?.()
      } finally {
        logger.info({}, 'stopped')
        resolveClosed()
      }
    })()
    return closing
  }

  const signals = options.signals ?? []
  if (signals.length > 0) {
    const onSignal = (signal: NodeJS.Signals) => {
      if (closing) {
        logger.warn({ signal }, 'second signal: dropping requests in flight')
        server.closeAllConnections()
        return
      }
      logger.info({ signal }, 'signal received')
      close().catch((error) => logger.error({ error }, 'shutdown failed'))
    }
    for (const signal of signals) process.on(signal, onSignal)
    void closed.then(() => {
      for (const signal of signals) process.off(signal, onSignal)
    })
  }

  return { server, url, host: address.address, port: address.port, close, closed }
}
