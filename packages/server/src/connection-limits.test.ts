// The server's defences against clients that send too much, too slowly, or too many connections,
// over real sockets: what a hostile or broken client on the network can do.
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test/server'
import { pause, rawConnect, statusOf, write } from '../test/socket'

const MB = 1024 * 1024

describe('connection limits', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  /** The sockets the server accepted, to read how many bytes it took from each. */
  function serverSockets(test: TestServer): Socket[] {
    const sockets: Socket[] = []
    test.server.on('connection', (socket: Socket) => sockets.push(socket))
    return sockets
  }

  it('answers an unauthenticated 50 MB upload with 401 and closes instead of draining it', async () => {
    server = await startTestServer()
    const accepted = serverSockets(server)
    const client = await rawConnect(server.url)
    const total = 50 * MB
    await write(
      client.socket,
      `POST /api/v3/connected_accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`,
    )
    const chunk = new Uint8Array(256 * 1024).fill(0x20)
    let sent = 0
    // Keeps sending until the server hangs up, as a client pushing a body would.
    while (sent < total && !client.isClosedByServer()) {
      if (!(await write(client.socket, chunk))) break
      sent += chunk.byteLength
      await pause(1)
    }
    await client.closedByServer
    expect(accepted).toHaveLength(1)
    expect(accepted[0]?.bytesRead).toBeLessThan(8 * MB)
    expect(sent).toBeLessThan(total)
    expect(statusOf(client.received())).toBe(401)
    expect(client.received()).toMatch(/\r\nconnection: close\r\n/i)
    client.socket.destroy()
  }, 60_000)

  it('closes after a 404 answered before a body of unknown length was read', async () => {
    server = await startTestServer()
    const accepted = serverSockets(server)
    const client = await rawConnect(server.url)
    await write(
      client.socket,
      'POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    )
    const chunk = `40000\r\n${' '.repeat(0x40000)}\r\n`
    let sent = 0
    while (sent < 50 * MB && !client.isClosedByServer()) {
      if (!(await write(client.socket, chunk))) break
      sent += 0x40000
      await pause(1)
    }
    await client.closedByServer
    expect(statusOf(client.received())).toBe(404)
    expect(sent).toBeLessThan(50 * MB)
    expect(accepted[0]?.bytesRead).toBeLessThan(8 * MB)
    client.socket.destroy()
  }, 60_000)

  it('keeps the connection of a request whose body it read for the next request', async () => {
    server = await startTestServer()
    const client = await rawConnect(server.url)
    const body = '{"enabled": false}'
    await write(
      client.socket,
      `PATCH /api/v3/connected_accounts/ca_doesnotexist/status HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: test-key-project-a-0001\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    )
    while (!/\r\n\r\n[\s\S]*\}$/.test(client.received())) await pause(5)
    expect(statusOf(client.received())).toBe(404)
    expect(client.received()).not.toMatch(/\r\nconnection: close\r\n/i)
    await write(client.socket, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    while (!client.received().includes('"ok"')) await pause(5)
    expect(client.isClosedByServer()).toBe(false)
    client.socket.destroy()
  })

  it('cuts a client that sends its headers byte by byte once headersTimeoutMs passes', async () => {
    server = await startTestServer({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } })
    const client = await rawConnect(server.url)
    const headers = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(600)}`
    // Bounded: 600 bytes at one per 20 ms outlast the configured timeout many times over (but
    // not Node's default of a minute).
    for (const byte of headers) {
      if (client.isClosedByServer()) break
      if (!(await write(client.socket, byte))) break
      await pause(20)
    }
    expect(client.isClosedByServer()).toBe(true)
    expect(statusOf(client.received())).toBe(408)
    client.socket.destroy()
  }, 120_000)

  it('refuses connections beyond maxConnections while the connected clients are served', async () => {
    server = await startTestServer({ limits: { maxConnections: 2 } })
    const accepted = serverSockets(server)
    const first = await rawConnect(server.url)
    const second = await rawConnect(server.url)
    while (accepted.length < 2) await pause(5)

    const third = await rawConnect(server.url)
    await write(third.socket, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await third.closedByServer
    expect(third.received()).toBe('')
    expect(server.logs()).toContainEqual(
      expect.objectContaining({ msg: 'connection refused: maxConnections reached', maxConnections: 2 }),
    )

    for (const client of [first, second]) {
      await write(client.socket, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
      while (!client.received().includes('"ok"')) await pause(5)
      expect(statusOf(client.received())).toBe(200)
    }

    // A freed place is taken by the next client.
    first.socket.destroy()
    while (accepted.filter((s) => !s.destroyed).length > 1) await pause(5)
    const fourth = await rawConnect(server.url)
    await write(fourth.socket, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    while (!fourth.received().includes('"ok"') && !fourth.isClosedByServer()) await pause(5)
    expect(statusOf(fourth.received())).toBe(200)
    for (const client of [second, third, fourth]) client.socket.destroy()
  })
})
