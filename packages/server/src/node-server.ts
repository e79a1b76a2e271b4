import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { getRequestListener } from '@hono/node-server'
import { type Logger, RevokitError, silentLogger } from '@revokit/core'
import type { RevokitHandler } from './handler'
import { newRequestId } from './request-id'

/**
 * How long and how many: what keeps a slow or greedy client from holding the server. Every field
 * is optional; {@link DEFAULT_SERVER_LIMITS} fills the rest.
 * @see https://nodejs.org/api/http.html#serverheaderstimeout
 */
export interface ServerLimits {
  /** Time a client has to send the whole request head (line and headers). @default 10000 */
  readonly headersTimeoutMs?: number
  /** Time a client has to send the whole request, body included. @default 30000 */
  readonly requestTimeoutMs?: number
  /** How long an idle keep-alive connection stays open between requests. @default 5000 */
  readonly keepAliveTimeoutMs?: number
  /** Open connections at once; further ones are closed as they arrive. @default 1024 */
  readonly maxConnections?: number
}

/** The limits {@link startServer} applies where {@link ServerLimits} says nothing. */
export const DEFAULT_SERVER_LIMITS: Required<ServerLimits> = {
  headersTimeoutMs: 10_000,
  // Bodies are at most 64 KiB by default: a client that needs half a minute for one is stalling.
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
}

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
  /** Timeouts and the connection cap. @default DEFAULT_SERVER_LIMITS */
  limits?: ServerLimits
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
 * An answer sent before the request body was read (a 401, 404 or 400 decided on the headers)
 * ends the connection instead of leaving Node to read and discard the rest of the body, however
 * large: the response says `connection: close`, and the connection closes once it is flushed.
 */
function closeIfBodyUnread(request: IncomingMessage, response: ServerResponse): void {
  const writeHead = response.writeHead
  let closing = false
  response.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    if (!request.complete && !this.headersSent) {
      closing = true
      this.setHeader('connection', 'close')
      // Node ends a `connection: close` socket with destroySoon once the answer is written.
      const socket = request.socket as Socket
      socket.destroySoon = () => lingeringClose(socket)
    }
    return writeHead.apply(this, args)
  } as ServerResponse['writeHead']
  response.once('finish', () => {
    if (closing) lingeringClose(request.socket as Socket)
  })
}

/** What a client may still send after the answer (it has not seen the close yet): 1 MiB, 1 s. */
const LINGER_BYTES = 1024 * 1024
const LINGER_MS = 1000
const LINGERING = Symbol('lingering')

/**
 * Closes the write side (the answer is flushed, then a FIN), then destroys the socket when the
 * client closes its side, or after {@link LINGER_BYTES} or {@link LINGER_MS}, whichever first.
 * Destroying at once would reset a connection with unread bytes, and the reset can make the
 * client discard the answer before reading it.
 */
function lingeringClose(socket: Socket): void {
  const state = socket as Socket & { [LINGERING]?: true }
  if (state[LINGERING] || socket.destroyed) return
  state[LINGERING] = true
  const start = socket.bytesRead
  const done = () => {
    clearTimeout(timer)
    socket.destroy()
  }
  const timer = setTimeout(done, LINGER_MS)
  timer.unref()
  socket.on('data', () => {
    if (socket.bytesRead - start > LINGER_BYTES) done()
  })
  socket.once('end', done)
  socket.once('close', () => clearTimeout(timer))
  socket.end()
  // Nothing is read while paused, so the linger would last its full second for nothing.
  socket.resume()
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
  const listener = getRequestListener(
    (request, env) =>
      options.handler(request, { remoteAddr: { hostname: env.incoming.socket.remoteAddress } }),
    {
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
    },
  )
  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits }
  const server = createServer(
    {
      // Node refuses a head allowed longer than the whole request.
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node enforces the two timeouts only when it sweeps its connections: sweep often enough
      // that a timeout is a timeout, not up to 30 s more.
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(30_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
      ),
    },
    listener,
  )
  server.maxConnections = limits.maxConnections
  let dropped = 0
  let dropLogged = 0
  server.on('drop', () => {
    dropped += 1
    // One line per 10 s at most: a flood of connections must not become a flood of log lines.
    const now = Date.now()
    if (now - dropLogged < 10_000) return
    dropLogged = now
    logger.warn(
      { dropped, maxConnections: limits.maxConnections },
      'connection refused: maxConnections reached',
    )
    dropped = 0
  })
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

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    inflight.add(response)
    if (draining) response.setHeader('connection', 'close')
    closeIfBodyUnread(request, response)
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
