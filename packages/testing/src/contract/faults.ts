import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import nock from 'nock'
import { hangingReply } from '../nock'
import type { ExpectedRequest } from './options'

/** A real server on 127.0.0.1, and how to stop it. */
export interface FaultServer {
  readonly url: string
  /** Requests it received. */
  hits(): number
  close(): Promise<void>
}

/**
 * A provider that accepts each connection and resets it before answering: the transport sees a
 * socket error, not an HTTP answer. A real server, because nock cannot reset a socket under
 * undici.
 */
export async function resettingServer(): Promise<FaultServer> {
  let hits = 0
  const server = createServer((request) => {
    hits++
    request.socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
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
