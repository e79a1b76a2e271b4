// Starts the real stack the way `revokit serve` does — config → registry → engine → handler →
// node:http on 127.0.0.1:0 — with logs captured as parsed JSON lines.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Store } from '@revokit/core'
import { parseConfig } from '../src/config'
import { jsonLogger } from '../src/log'
import { startServer } from '../src/node-server'
import { openRevokit, type Revokit } from '../src/runtime'
import { type Built, testKinds } from './kinds'

export const KEY_A = 'test-key-project-a-0001'
export const KEY_A2 = 'test-key-project-a-0002'
export const KEY_B = 'test-key-project-b-0001'

export interface TestServer {
  url: string
  revokit: Revokit
  built: Built
  /** Every log line, raw. */
  logText(): string
  /** Every log line, parsed. */
  logs(): Record<string, unknown>[]
  close(): Promise<void>
  request(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>
}

export async function startTestServer(
  options: {
    store?: (dir: string) => Record<string, unknown>
    toolkits?: Record<string, Record<string, unknown>>
    env?: Record<string, string>
    shared?: Store
    maxBodyBytes?: number
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-server-'))
  const { kinds, built } = testKinds(options.shared)
  const config = await parseConfig(
    JSON.stringify({
      port: 0,
      store: options.store ? options.store(dir) : { kind: 'memory' },
      projects: [
        { id: 'proj_a', apiKeys: [KEY_A, KEY_A2] },
        { id: 'proj_b', apiKeys: [KEY_B] },
      ],
      toolkits: options.toolkits ?? { acme: { adapter: 'test' } },
    }),
    { env: options.env ?? {}, kinds, file: join(dir, 'revokit.json') },
  )
  const lines: string[] = []
  const logger = jsonLogger({ stream: { write: (line: string) => lines.push(line) }, level: 'debug' })
  const revokit = await openRevokit(config, {
    logger,
    engine: { deadlineMs: 5000, backoff: { baseMs: 1, maxMs: 5 } },
    ...(options.maxBodyBytes ? { handler: { maxBodyBytes: options.maxBodyBytes } } : {}),
  })
  const running = await startServer({
    handler: revokit.handler,
    port: 0,
    logger,
    onClose: () => revokit.close(),
  })
  return {
    url: running.url,
    revokit,
    built,
    logText: () => lines.join(''),
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    async close() {
      await running.close()
      rmSync(dir, { recursive: true, force: true })
    },
    request(path, init = {}) {
      const { key = KEY_A, ...rest } = init
      const headers = new Headers(rest.headers)
      if (key !== null && !headers.has('x-api-key')) headers.set('x-api-key', key)
      return fetch(`${running.url}${path}`, { ...rest, headers })
    },
  }
}

/** POSTs JSON with the key of project A unless told otherwise. */
export function postJson(server: TestServer, path: string, body: unknown, key: string | null = KEY_A) {
  return server.request(path, {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}
