// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files spell environment variables as ${VAR}
// Canary: requests carry recognisable fake tokens, a client secret and API keys in bodies,
// headers, queries, paths and through a provider error path. None may appear in any log line,
// response body or response header — the credentials a client POSTs come back only masked.
import { leaksWindow } from '@revokit/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test/server'

const CANARY = {
  access: 'fake-canary-access-5e1d',
  refresh: 'fake-canary-refresh-8b2c',
  nested: 'fake-canary-nested-3f9a',
  secret: 'fake-canary-client-secret-77aa',
  bearer: 'fake-canary-bearer-41c0',
  wrongKey: 'fake-canary-wrong-api-key-9d3e',
  query: 'fake-canary-query-0c6b',
}

describe('no secret leaks through the server', () => {
  let server: TestServer
  const seen: string[] = []

  beforeAll(async () => {
    server = await startTestServer({
      env: { LEAKY_SECRET: CANARY.secret },
      toolkits: {
        acme: { adapter: 'test' },
        leaky: { adapter: 'test', behaviour: 'leaky', clientSecret: '${LEAKY_SECRET}' },
        buggy: { adapter: 'test', behaviour: 'throws', clientSecret: '${LEAKY_SECRET}' },
        cuts: { adapter: 'test', behaviour: 'cuts', clientSecret: '${LEAKY_SECRET}' },
      },
    })
  })
  afterAll(() => server.close())

  async function send(path: string, init: RequestInit & { key?: string | null } = {}) {
    const response = await server.request(path, init)
    const body = await response.text()
    seen.push(
      `${response.status}\n${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${body}`,
    )
    return { status: response.status, body }
  }

  const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

  it('runs every route with canaries in every input, then finds none in logs or responses', async () => {
    const credentials = {
      access_token: CANARY.access,
      refresh_token: CANARY.refresh,
      team: { token: CANARY.nested, list: [CANARY.nested] },
    }
    const ids: Record<string, string> = {}
    for (const toolkit of ['acme', 'leaky', 'buggy', 'cuts']) {
      const created = await send(
        '/api/v3/connected_accounts',
        json(
          'POST',
          { user_id: 'canary-user', toolkit, credentials },
          { authorization: `Bearer ${CANARY.bearer}` },
        ),
      )
      expect(created.status).toBe(201)
      ids[toolkit] = JSON.parse(created.body).id
    }
    const got = await send(`/api/v3/connected_accounts/${ids.acme}`, {
      headers: { cookie: `session=${CANARY.bearer}` },
    })
    expect(got.status).toBe(200)
    expect(JSON.parse(got.body).credentials.team.list).toEqual(['********'])
    expect((await send('/api/v3/connected_accounts?user_ids=canary-user')).status).toBe(200)

    // The provider error path: an adapter that copies its client secret and the token into
    // its failure reason, and one that throws an error naming the secret.
    const leaky = await send(`/api/v3.1/connected_accounts/${ids.leaky}/revoke`, { method: 'POST' })
    expect(leaky.status).toBe(500)
    expect(leaky.body).toContain('[REDACTED]')
    expect((await send(`/api/v3.1/connected_accounts/${ids.buggy}/revoke`, { method: 'POST' })).status).toBe(
      500,
    )
    // Parts of the secret and the token, cut by the provider and the adapter, in the 500 envelope.
    const cuts = await send(`/api/v3.1/connected_accounts/${ids.cuts}/revoke`, { method: 'POST' })
    expect(cuts.status).toBe(500)
    expect(JSON.parse(cuts.body).error.errors.join('\n')).toMatch(/invalid_client: .*\[REDACTED\]… rejected/)
    expect(
      (await send(`/api/v3/connected_accounts/${ids.leaky}?revoke=true`, { method: 'DELETE' })).status,
    ).toBe(500)
    expect((await send(`/api/v3.1/connected_accounts/${ids.acme}/revoke`, { method: 'POST' })).status).toBe(
      200,
    )

    // Secrets in the wrong places.
    expect((await send('/api/v3/connected_accounts', { key: CANARY.wrongKey })).status).toBe(401)
    expect(
      (
        await send('/api/v3/connected_accounts', {
          key: null,
          headers: { 'x-api-key': `${CANARY.wrongKey}  ` },
        })
      ).status,
    ).toBe(401)
    expect(
      (await send(`/api/v3/connected_accounts?access_token=${CANARY.query}&user_ids=${CANARY.query}`)).status,
    ).toBe(400)
    expect((await send(`/api/v3/connected_accounts?cursor=${CANARY.query}`)).status).toBe(400)
    expect(
      (
        await send(
          '/api/v3/connected_accounts',
          json('POST', `{"user_id": "u", "credentials": {"access_token": ${CANARY.access}}}`),
        )
      ).status,
    ).toBe(400)
    expect(
      (
        await send(
          '/api/v3/connected_accounts',
          json('POST', {
            user_id: { access_token: CANARY.access },
            toolkit: CANARY.refresh,
            credentials: { access_token: [CANARY.access], refresh_token: 5 },
            client_secret: CANARY.secret,
          }),
        )
      ).status,
    ).toBe(400)
    expect(
      (
        await send('/api/v3/connected_accounts', {
          ...json('POST', { user_id: 'u' }),
          headers: { 'content-type': `text/${CANARY.bearer}` },
        })
      ).status,
    ).toBe(415)
    expect(
      (await send(`/api/v3/connected_accounts/${ids.acme}/status`, json('PATCH', { enabled: CANARY.access })))
        .status,
    ).toBe(400)
    const nowhere = await send(`/nowhere/${CANARY.secret}/${CANARY.wrongKey}/${ids.acme}`)
    expect(nowhere.status).toBe(404)
    expect(JSON.parse(nowhere.body).error.message).toBe(`No route matches GET /nowhere/*/*/${ids.acme}.`)
    // An API key sent as the request id must not be echoed into logs and envelopes.
    const keyAsId = await send('/nowhere', { headers: { 'x-request-id': 'test-key-project-a-0001' } })
    expect(keyAsId.status).toBe(404)
    expect(keyAsId.body).not.toContain('test-key-project-a-0001')
    expect((await send(`/api/v3/connected_accounts/${ids.acme}`, { method: 'DELETE' })).status).toBe(200)

    const everything = `${seen.join('\n')}\n${server.logText()}`
    expect(server.logs().length).toBeGreaterThan(20)
    // Not even 8 consecutive characters of the values the provider path cut (the other canaries
    // are spelt like ordinary words: "-api-key" is a window of one).
    expect(leaksWindow(everything, [CANARY.secret, CANARY.access, CANARY.refresh], 8)).toEqual([])
    for (const [name, value] of Object.entries(CANARY)) {
      const at = everything.indexOf(value)
      expect(at === -1, `${name} canary leaked: …${everything.slice(Math.max(0, at - 300), at + 60)}…`).toBe(
        true,
      )
    }
    // The configured API keys never appear either (they authenticate every request above).
    for (const key of ['test-key-project-a-0001', 'test-key-project-a-0002', 'test-key-project-b-0001']) {
      const at = everything.indexOf(key)
      expect(at === -1, `API key ${key} leaked: …${everything.slice(Math.max(0, at - 300), at + 60)}…`).toBe(
        true,
      )
    }
  })
})
