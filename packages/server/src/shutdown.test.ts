// `revokit serve` in a real child process: SIGTERM while a revoke is in flight stops new
// connections, lets the revoke finish and answer, closes the store, and exits 0. Each step waits
// for the child to say it got there (a log line), never for a guessed number of milliseconds.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI_WITH_TEST_KINDS, spawnCli } from '../test/cli'
import { scaled } from '../test/time'
import { accountSchema, revokeResponseSchema } from './wire'

const KEY = 'shutdown-test-key-000001'
let child: ChildProcess | undefined

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  child = undefined
})

/** Starts `revokit serve` and resolves its URL once it logs "listening". */
function serve(toolkits: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-shutdown-'))
  const file = join(dir, 'revokit.json')
  writeFileSync(
    file,
    JSON.stringify({ port: 0, store: { kind: 'memory' }, projects: [{ id: 'p', apiKeys: [KEY] }], toolkits }),
  )
  const proc = spawnCli(['serve', '--config', file], {}, CLI_WITH_TEST_KINDS)
  child = proc
  let stdout = ''
  let stderr = ''
  const waiting: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = []
  // Complete lines only: a chunk may end mid-line.
  const lines = () =>
    stdout
      .slice(0, stdout.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  proc.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  proc.stdout?.on('data', (chunk) => {
    stdout += chunk
    for (const w of [...waiting]) {
      const line = lines().find((l) => l.msg === w.msg)
      if (line) {
        waiting.splice(waiting.indexOf(w), 1)
        w.resolve(line)
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  /** Resolves with the first log line whose msg is `msg` (or rejects if the server exits first). */
  const logged = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const line = lines().find((l) => l.msg === msg)
      if (line) return resolve(line)
      waiting.push({ msg, resolve })
      void exited.then((code) => reject(new Error(`serve exited ${code} before logging "${msg}": ${stderr}`)))
    })
  const url = logged('listening').then((line) => line.url as string)
  return { proc, url, exited, logged, logs: () => stdout, stderr: () => stderr }
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
