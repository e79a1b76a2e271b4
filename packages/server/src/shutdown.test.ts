// `revokit serve` in a real child process: SIGTERM while a revoke is in flight stops new
// connections, lets the revoke finish and answer, closes the store, and exits 0.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI_WITH_TEST_KINDS, spawnCli } from '../test/cli'
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
  proc.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  const url = new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (chunk) => {
      stdout += chunk
      const line = stdout.split('\n').find((l) => l.includes('"msg":"listening"'))
      if (line) resolve(JSON.parse(line).url)
    })
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${stderr}`)))
  })
  return { proc, url, exited, logs: () => stdout, stderr: () => stderr }
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

describe('graceful shutdown', () => {
  it('a revoke in flight when SIGTERM arrives completes; new connections are refused; exit 0', async () => {
    const server = serve({ slow: { adapter: 'test', behaviour: 'slow', delayMs: 1500 } })
    const url = await server.url
    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' }
    const created = await fetch(`${url}/api/v3/connected_accounts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        user_id: 'u',
        toolkit: 'slow',
        credentials: { access_token: 'fake-slow-access' },
      }),
    })
    const account = accountSchema.parse(await created.json())

    const started = Date.now()
    const inflight = fetch(`${url}/api/v3.1/connected_accounts/${account.id}/revoke`, {
      method: 'POST',
      headers: { 'x-api-key': KEY },
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    server.proc.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await refused(Number(new URL(url).port))).toBe('ECONNREFUSED')

    const response = await inflight
    expect(response.status).toBe(200)
    expect(response.headers.get('connection')).toBe('close')
    expect(revokeResponseSchema.parse(await response.json())).toMatchObject({
      revoked_tokens: ['access_token'],
      connected_account: { id: account.id, status: 'REVOKED' },
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400)

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
  })

  it('an idle server stops at once on SIGINT', async () => {
    const server = serve({})
    const url = await server.url
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const started = Date.now()
    server.proc.kill('SIGINT')
    expect(await server.exited).toBe(0)
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
