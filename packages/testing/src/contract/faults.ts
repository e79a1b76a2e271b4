import { createServer as createHttpServer, type ServerResponse } from 'node:http'
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net'
import nock from 'nock'
import { hangingReply } from '../nock'
import type { ExpectedRequest } from './options'

/** A real server on 127.0.0.1, and how to stop it. */
export interface FaultServer {
  readonly url: string
  /** Requests (or, for a raw socket server, connections) it received. */
  hits(): number
  close(): Promise<void>
}

/** An answer a fault server or a scripted endpoint gives: status, body, headers. */
export interface FaultAnswer {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string | readonly string[]>>
}

/** Listens on an ephemeral 127.0.0.1 port; `close` drops every connection still open. */
async function listen(server: Server, sockets: Set<Socket>, counter: () => number): Promise<FaultServer> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    // A client that gives up resets the socket; that is the client's business, not an error here.
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits: counter,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A real HTTP server on 127.0.0.1 whose `handle` answers every request. */
async function httpFaultServer(
  handle: (response: ServerResponse, timers: Set<ReturnType<typeof setTimeout>>) => void,
): Promise<FaultServer> {
  let hits = 0
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const sockets = new Set<Socket>()
  const server = createHttpServer((request, response) => {
    hits++
    // Read the request fully first, as a provider would, so the client is waiting on the answer.
    request.resume()
    request.on('end', () => handle(response, timers))
  })
  const running = await listen(server, sockets, () => hits)
  return {
    ...running,
    close: () => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      return running.close()
    },
  }
}

/** A raw TCP server on 127.0.0.1: `onRequest` gets the socket once the request has arrived. */
async function socketFaultServer(onRequest: (socket: Socket) => void): Promise<FaultServer> {
  let hits = 0
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    hits++
    socket.once('data', () => onRequest(socket))
  })
  return listen(server, sockets, () => hits)
}

/**
 * A provider that accepts each connection and resets it before answering: the transport sees a
 * socket error, not an HTTP answer. A real server, because nock cannot reset a socket under
 * undici.
 */
export async function resettingServer(): Promise<FaultServer> {
  return httpFaultServer((response) => response.socket?.destroy())
}

/**
 * A provider that accepts the connection, reads the request and never writes a byte back: the
 * attempt can only end by its own timeout or the deadline.
 */
export function silentServer(): Promise<FaultServer> {
  return socketFaultServer(() => {})
}

/**
 * A provider that sends the status line and headers of a 200 promising a body, then never sends
 * the body: the answer looks like a success until the body timeout.
 */
export function stallingServer(): Promise<FaultServer> {
  return httpFaultServer((response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' })
    response.flushHeaders()
  })
}

/**
 * A provider that starts a 200 answer, sends part of its body and resets the connection (TCP
 * RST) in the middle of it.
 */
export function midBodyResetServer(): Promise<FaultServer> {
  return socketFaultServer((socket) => {
    socket.write(
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 512\r\n\r\n{"revoked": tr',
      () => socket.resetAndDestroy(),
    )
  })
}

/** An origin on 127.0.0.1 where nothing listens: every connection is refused. */
export async function refusedOrigin(): Promise<string> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/** Serialises a {@link FaultAnswer}'s body as a provider sends it. */
const wireBody = (body: unknown): string =>
  body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body)

/**
 * A provider that holds every request for `delayMs` and then gives `answer` (the provider's
 * success): the request did reach the provider, which answered, too late. `whenAnswered`
 * resolves once every request received has had its answer (or found its client gone).
 */
export async function lateServer(
  answer: FaultAnswer,
  delayMs: number,
): Promise<FaultServer & { whenAnswered(): Promise<void> }> {
  let answered = 0
  let waiters: Array<() => void> = []
  const server = await httpFaultServer((response, timers) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      answered++
      if (!response.destroyed) {
        response.writeHead(answer.status, { ...answer.headers } as Record<string, string | string[]>)
        response.end(wireBody(answer.body))
      }
      if (answered >= server.hits()) {
        for (const wake of waiters) wake()
        waiters = []
      }
    }, delayMs)
    timers.add(timer)
  })
  return {
    ...server,
    whenAnswered: () =>
      answered >= server.hits() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
  }
}

/** What {@link hugeBodyServer} managed to send. */
export interface HugeBodyServer extends FaultServer {
  /** The most body bytes written on one request before its client hung up (or all of them). */
  sent(): number
  /** True once some request had the whole body written: its client read it all. */
  completed(): boolean
}

/**
 * A provider answering 200 with a JSON body of `bytes` bytes, written in 64 KiB chunks one timer
 * tick apart, so a client that stops reading at its cap hangs up long before the end.
 */
export async function hugeBodyServer(bytes: number): Promise<HugeBodyServer> {
  const chunk = Buffer.alloc(64 * 1024, 'x')
  let most = 0
  let completed = false
  const server = await httpFaultServer((response, timers) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes) })
    let sent = 0
    const pump = () => {
      if (response.destroyed || response.writableEnded) return
      const size = Math.min(chunk.length, bytes - sent)
      sent += size
      most = Math.max(most, sent)
      if (sent >= bytes) {
        response.end(chunk.subarray(0, size), () => {
          completed = true
        })
        return
      }
      response.write(chunk.subarray(0, size))
      const timer = setTimeout(() => {
        timers.delete(timer)
        pump()
      }, 1)
      timers.add(timer)
    }
    pump()
  })
  return { ...server, sent: () => most, completed: () => completed }
}

/**
 * Makes the documented endpoint accept `times` requests and answer none of them in time (nock
 * holds each for 30 s; the kit's `useNock` drops the held replies after the test).
 */
export function hangingEndpoint(expected: ExpectedRequest, times = 1): nock.Scope {
  const url = new URL(expected.url)
  return nock(url.origin)
    .intercept(`${url.pathname}${url.search}`, expected.method)
    .times(times)
    .reply(hangingReply(30_000))
}

/** A nock endpoint answering request number `n` (from 0) with `script(n)`. */
export interface ScriptedEndpoint {
  /** When each request arrived (epoch ms), in order. */
  readonly arrivals: readonly number[]
  /** The answers given, in order (headers as sent, so a `Retry-After` date can be checked). */
  readonly answers: readonly FaultAnswer[]
  /** Stops answering; the interceptor goes once no other run uses it. */
  remove(): void
}

interface Route {
  /** Values only this run's requests carry (its canary tokens). */
  readonly owns: readonly string[]
  readonly script: (n: number) => FaultAnswer
  readonly arrivals: number[]
  readonly answers: FaultAnswer[]
}

// One interceptor per endpoint, shared by the runs that script it at the same time (a fault case
// dispatches and revokes through the engine at once): each request goes to the run whose token
// it carries, so two runs never answer each other's requests.
const shared = new Map<string, { interceptor: nock.Interceptor; routes: Set<Route> }>()

/**
 * Serves every request to the documented endpoints (`expected`: one per subject; the same URL
 * counts once) that carries one of `owns` (the run's tokens) from `script`, until `remove()`.
 * The request's shape is not matched: the `request-shape` case checks that; a fault case is
 * about the answer.
 */
export function scriptedEndpoint(
  expected: readonly ExpectedRequest[],
  owns: readonly string[],
  script: (n: number) => FaultAnswer,
): ScriptedEndpoint {
  const route: Route = { owns, script, arrivals: [], answers: [] }
  const keys = new Set<string>()
  for (const request of expected) {
    const url = new URL(request.url)
    const key = `${request.method} ${url.origin}${url.pathname}${url.search}`
    if (keys.has(key)) continue
    keys.add(key)
    let entry = shared.get(key)
    if (!entry) {
      const routes = new Set<Route>()
      const interceptor = nock(url.origin).persist().intercept(`${url.pathname}${url.search}`, request.method)
      // nock 15 hands a reply function the request (a Fetch `Request`), body unread.
      interceptor.reply(async (request: Request) => {
        const text = `${await request.clone().text()} ${JSON.stringify([...request.headers])}`
        const owner = [...routes].find((r) => r.owns.some((value) => text.includes(value)))
        if (!owner) return [421, 'no fault script owns this request']
        owner.arrivals.push(Date.now())
        const answer = owner.script(owner.answers.length)
        owner.answers.push(answer)
        return [answer.status, wireBody(answer.body), { ...answer.headers } as Record<string, string>]
      })
      entry = { interceptor, routes }
      shared.set(key, entry)
    }
    entry.routes.add(route)
  }
  return {
    arrivals: route.arrivals,
    answers: route.answers,
    remove() {
      for (const key of keys) {
        const entry = shared.get(key)
        if (!entry) continue
        entry.routes.delete(route)
        if (entry.routes.size === 0) {
          nock.removeInterceptor(entry.interceptor)
          shared.delete(key)
        }
      }
    },
  }
}

const watchers = new Map<string, { requests: string[]; users: number; interceptors: nock.Interceptor[] }>()

/**
 * An origin that records every request sent to it, for faults that must never reach it (a
 * redirect's target). Runs watching the same origin at once share what it saw.
 */
export function watchedOrigin(origin: string): { readonly requests: readonly string[]; remove(): void } {
  let watcher = watchers.get(origin)
  if (!watcher) {
    const requests: string[] = []
    const scope = nock(origin).persist()
    const interceptors: nock.Interceptor[] = []
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']) {
      const interceptor = scope.intercept(/.*/, method)
      interceptors.push(interceptor)
      interceptor.optionally().reply((request: Request) => {
        requests.push(`${method} ${request.url}`)
        return [200, '']
      })
    }
    watcher = { requests, users: 0, interceptors }
    watchers.set(origin, watcher)
  }
  watcher.users++
  const current = watcher
  return {
    requests: current.requests,
    remove() {
      if (--current.users > 0) return
      for (const interceptor of current.interceptors) nock.removeInterceptor(interceptor)
      watchers.delete(origin)
    },
  }
}
