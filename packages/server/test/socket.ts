// Raw HTTP/1.1 clients over node:net, for what fetch hides: when the server closes, how much of a
// body it took, a client that never finishes its headers.
import { connect, type Socket } from 'node:net'

/** A raw connection to a test server, with everything it received and how it ended. */
export interface RawConnection {
  readonly socket: Socket
  /** Everything the server sent, as text. */
  received(): string
  /** Settles when the server ended or reset the connection (not when this side did). */
  readonly closedByServer: Promise<void>
  /** True once the server ended or reset the connection. */
  isClosedByServer(): boolean
}

/** Opens a connection to `url`'s host and port and waits until it is connected. */
export async function rawConnect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port) })
  const chunks: Buffer[] = []
  let closed = false
  let markClosed!: () => void
  const closedByServer = new Promise<void>((resolve) => {
    markClosed = () => {
      closed = true
      resolve()
    }
  })
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  // A FIN from the server is 'end'; a reset is 'error' (ECONNRESET) then 'close'.
  socket.on('end', markClosed)
  socket.on('error', () => markClosed())
  socket.on('close', markClosed)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return {
    socket,
    received: () => Buffer.concat(chunks).toString('latin1'),
    closedByServer,
    isClosedByServer: () => closed,
  }
}

/** Writes and waits until the bytes are handed to the kernel; false when the socket is gone. */
export function write(socket: Socket, data: string | Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed || !socket.writable) {
      resolve(false)
      return
    }
    socket.write(data, (error) => resolve(!error))
  })
}

/** The status code of the first response in `text`, if a status line arrived. */
export function statusOf(text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(text)
  return match ? Number(match[1]) : undefined
}

/** Resolves after `ms`: the pace of a slow client, never an assertion's budget. */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
