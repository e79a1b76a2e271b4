// The handler as a library: mounted in a Hono app under a prefix, called with plain Requests,
// and the README's first example run as written.
import { fileURLToPath } from 'node:url'
import { createEngine, memoryStore } from '@revokit/core'
import { scriptedAdapter } from '@revokit/core/testing'
import { runReadmeExample } from '@revokit/presets/readme-example'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { scaled } from '../test/time'
import { createHandler } from './handler'
import { jsonLogger } from './log'
import { revokeResponseSchema } from './wire'

const KEY = 'mount-test-key-00000001'

describe('createHandler as a library', () => {
  it('mounts in a Hono app under a prefix', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [scriptedAdapter({ toolkit: 'acme' })] })
    const app = new Hono()
    app.get('/', (c) => c.text('the host app'))
    app.mount('/revokit', createHandler({ engine, projects: [{ id: 'p', apiKeys: [KEY] }] }))
    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' }
    const created = await app.request('/revokit/api/v3/connected_accounts', {
      method: 'POST',
      headers,
      body: JSON.stringify({ user_id: 'u', toolkit: 'acme', credentials: { access_token: 'fake-mounted' } }),
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    const revoked = await app.request(`/revokit/api/v3.1/connected_accounts/${id}/revoke`, {
      method: 'POST',
      headers,
    })
    expect(revokeResponseSchema.parse(await revoked.json()).revoked_tokens).toEqual(['access_token'])
    expect(await (await app.request('/')).text()).toBe('the host app')
    expect((await app.request('/revokit/healthz')).headers.get('x-request-id')).toMatch(/^req_/)
    await engine.close()
  })

  it('refuses to start without an engine or without any API key', () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    expect(() => createHandler({ projects: [] } as never)).toThrow('options.engine is required')
    expect(() => createHandler({ engine, projects: [{ id: 'p', apiKeys: [] }] })).toThrow(
      'at least one API key',
    )
  })

  it('logs through any pino-shaped logger, redacted', async () => {
    const lines: string[] = []
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    const handler = createHandler({
      engine,
      projects: [{ id: 'p', apiKeys: [KEY] }],
      secrets: ['fake-configured-secret-1'],
      logger: jsonLogger({ stream: { write: (l: string) => lines.push(l) } }),
    })
    await handler(new Request('http://x/nope/fake-configured-secret-1', { headers: { 'x-api-key': KEY } }))
    await handler(
      new Request('http://x/api/v3/connected_accounts', {
        headers: { 'x-api-key': 'fake-configured-secret-1' },
      }),
    )
    expect(lines).toHaveLength(2)
    expect(lines.join('')).not.toContain('fake-configured-secret-1')
    expect(JSON.parse(lines[1] as string)).toMatchObject({
      level: 30,
      status: 401,
      slug: 'unauthorized',
      msg: 'request',
    })
  })

  // A real child process (Node running the README's TypeScript): the bound grows with the
  // machine's load, it is not a speed budget.
  it(
    'the README example runs as written and prints what its comments say',
    async () => {
      const { expected, printed } = await runReadmeExample(
        fileURLToPath(new URL('../README.md', import.meta.url)),
      )
      expect(expected).toEqual(['200', 'access_token, refresh_token', 'REVOKED'])
      expect(printed).toEqual(expected)
    },
    scaled(60_000),
  )
})
