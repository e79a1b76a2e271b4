// API keys after start-up: only digests are kept, compared in constant time; the keys
// themselves are found nowhere a debugger, a log line or a crash dump of the objects would look.
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEY_A, KEY_A_TOKENS, KEY_A2, KEY_B, startTestServer, type TestServer } from '../test/server'
import { createKeyMatcher, hashApiKey } from './auth'

describe('API keys kept after start-up', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  const keys = [KEY_A, KEY_A2, KEY_A_TOKENS, KEY_B]

  it('are digests only: neither JSON nor a deep inspect of the config and runtime shows a key', async () => {
    const texts = [
      JSON.stringify(server.revokit.config),
      inspect(server.revokit.config, { showHidden: true, depth: 12, maxArrayLength: null }),
      inspect(server.revokit, { showHidden: true, depth: 12, maxArrayLength: null, maxStringLength: null }),
    ]
    for (const text of texts) for (const key of keys) expect(text).not.toContain(key)
    expect(server.revokit.config.projects[0]?.apiKeys).toEqual([
      { digest: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), credentials: false },
      { digest: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), credentials: false },
      { digest: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), credentials: true },
    ])
  })

  it('still authenticate, and a { key, credentials: true } key keeps its flag', async () => {
    const created = await server.request('/api/v3/connected_accounts', {
      method: 'POST',
      key: KEY_A,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'u', toolkit: 'acme', credentials: { access_token: 'fake-at-1' } }),
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    const path = `/api/v3.1/connected_accounts/${id}/credentials`
    expect((await server.request(path, { key: KEY_A })).status).toBe(403)
    expect((await server.request(path, { key: KEY_A_TOKENS })).status).toBe(200)
    expect((await server.request(path, { key: `${KEY_A_TOKENS}x` })).status).toBe(401)
  })

  it('hash the same within a process and match only the exact key', () => {
    const hashed = hashApiKey({ key: 'fake-key-for-hash-0001', credentials: true })
    expect(hashApiKey('fake-key-for-hash-0001').digest).toBe(hashed.digest)
    const grantOf = createKeyMatcher([{ id: 'p', apiKeys: [hashed, 'fake-key-plain-00002'] }])
    expect(grantOf('fake-key-for-hash-0001')).toMatchObject({ projectId: 'p', credentials: true })
    expect(grantOf('fake-key-plain-00002')).toMatchObject({ projectId: 'p', credentials: false })
    expect(grantOf('fake-key-for-hash-000')).toBeUndefined()
    expect(grantOf('')).toBeUndefined()
    expect(grantOf(null)).toBeUndefined()
  })
})
