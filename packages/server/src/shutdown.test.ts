// `revokit serve` in a real child process: SIGTERM while a revoke is in flight stops new
// connections, lets the revoke finish and answer, closes the store, and exits 0. Each step waits
// for the child to say it got there (a log line), never for a guessed number of milliseconds.
import { connect } from 'node:net'
import { scaled } from '@revokit/presets/time'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI_WITH_TEST_KINDS } from '../test/cli'
import { type ServeChild, serveChild } from '../test/serve-child'
import { accountSchema, revokeResponseSchema } from './wire'

const KEY = 'shutdown-test-key-000001'
let child: ServeChild | undefined

afterEach(() => {
  child?.kill()
  child = undefined
})

/** Starts `revokit serve` on a memory store with `toolkits`; its `url` resolves once it listens. */
function serve(toolkits: Record<string, unknown>) {
  child = serveChild(
    { port: 0, store: { kind: 'memory' }, projects: [{ id: 'p', apiKeys: [KEY] }], toolkits },
    {},
    CLI_WITH_TEST_KINDS,
  )
  return child
}

const refused = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
  })

/** Connects until the port refuses: the listener closes just after "shutting down" is logged. */
async function untilRefused(port: number): Promise<string> {
  for (;;) {
    const result = await refused(port)
    if (result !== 'connected') return result
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('graceful shutdown', () => {
  it(
    'a revoke in flight when SIGTERM arrives completes; new connections are refused; exit 0',
    async () => {
      const server = serve({ held: { adapter: 'test', behaviour: 'gated' } })
      const url = await server.url
      const headers = { 'x-api-key': KEY, 'content-type': 'application/json' }
      const created = await fetch(`${url}/api/v3/connected_accounts`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          user_id: 'u',
          toolkit: 'held',
          credentials: { access_token: 'fake-held-access' },
        }),
      })
      const account = accountSchema.parse(await created.json())

      const inflight = fetch(`${url}/api/v3.1/connected_accounts/${account.id}/revoke`, {
        method: 'POST',
        headers: { 'x-api-key': KEY },
      })
      await server.logged('test: revoke started')
      server.proc.kill('SIGTERM')
      await server.logged('shutting down: no new connections, finishing requests in flight')
      expect(await untilRefused(Number(new URL(url).port))).toBe('ECONNREFUSED')
      // Still in flight: the gate is closed. Open it, and the revoke finishes and answers.
      expect(server.logs()).not.toContain('"msg":"stopped"')
      server.proc.kill('SIGUSR2')

      const response = await inflight
      expect(response.status).toBe(200)
      expect(response.headers.get('connection')).toBe('close')
      expect(revokeResponseSchema.parse(await response.json())).toMatchObject({
        revoked_tokens: ['access_token'],
        connected_account: { id: account.id, status: 'REVOKED' },
      })

      expect(await server.exited).toBe(0)
      const messages = server
        .logs()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg)
      expect(messages).toEqual(expect.arrayContaining(['signal received', 'stopped']))
      // The revoke's request line is written before the server stops.
      expect(messages.indexOf('stopped')).toBeGreaterThan(messages.lastIndexOf('request'))
      expect(server.stderr()).toBe('')
    },
    scaled(60_000),
  )

  it(
    'an idle server stops at once on SIGINT',
    async () => {
      const server = serve({})
      const url = await server.url
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
      server.proc.kill('SIGINT')
      // Nothing in flight, so nothing to wait for: it exits 0 without a drain warning.
      expect(await server.exited).toBe(0)
      expect(server.logs()).toContain('"msg":"stopped"')
      expect(server.logs()).not.toContain('dropping requests')
    },
    scaled(60_000),
  )
})
