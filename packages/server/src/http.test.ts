// Every route and status code of the API over real HTTP (node:http on 127.0.0.1:0), the stack
// built from a config the way `revokit serve` builds it. Runs once per store kind. Long on purpose:
// one server per store kind serves every route's cases, which a split by route would multiply.
import { isAccountId, memoryStore, type Store } from '@revokit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEY_A, KEY_A2, KEY_B, postJson, startTestServer, type TestServer } from '../test/server'
import { STORE_KINDS } from '../test/stores'
import {
  accountSchema,
  deleteResponseSchema,
  errorEnvelopeSchema,
  listResponseSchema,
  maskedAccountSchema,
  revokeResponseSchema,
  statusResponseSchema,
} from './wire'

const ACCOUNTS = '/api/v3/connected_accounts'
const revokePath = (id: string) => `/api/v3.1/connected_accounts/${id}/revoke`

async function envelope(response: Response, status: number, slug: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = errorEnvelopeSchema.parse(await response.json())
  expect(body.error.slug).toBe(slug)
  expect(body.error.status).toBe(status)
  expect(body.error.request_id).toBe(response.headers.get('x-request-id'))
  expect(body.error.suggested_fix.length).toBeGreaterThan(10)
  return body.error
}

describe.each(STORE_KINDS)('HTTP API on the $name store', ({ config: storeConfig }) => {
  let server: TestServer
  let seq = 0

  beforeAll(async () => {
    server = await startTestServer({
      store: storeConfig,
      toolkits: {
        acme: { adapter: 'test' },
        gmail: { adapter: 'test' },
        down: { adapter: 'test', behaviour: 'fail' },
        half: { adapter: 'test', behaviour: 'partial' },
        buggy: { adapter: 'test', behaviour: 'throws' },
        gone: { adapter: 'test', behaviour: 'already' },
        noapi: { adapter: 'test', supportsAccess: false, supportsRefresh: false },
        refuses: { adapter: 'test', behaviour: 'unsupported' },
      },
    })
  })
  afterAll(() => server.close())

  async function create(body: Record<string, unknown> = {}, key = KEY_A) {
    const response = await postJson(
      server,
      ACCOUNTS,
      {
        user_id: `user-${++seq}`,
        toolkit: 'acme',
        credentials: { access_token: `fake-access-${seq}`, refresh_token: `fake-refresh-${seq}` },
        ...body,
      },
      key,
    )
    expect(response.status).toBe(201)
    return accountSchema.parse(await response.json())
  }

  describe('POST /api/v3/connected_accounts', () => {
    it('201 with exactly the account fields, ACTIVE when an access token is given, and a Location', async () => {
      const response = await postJson(server, ACCOUNTS, {
        user_id: 'alice',
        toolkit: 'gmail',
        credentials: { access_token: 'fake-access-alice', scope: 'email' },
      })
      expect(response.status).toBe(201)
      const text = await response.text()
      expect(text).not.toContain('fake-access-alice')
      const account = accountSchema.parse(JSON.parse(text)) // strict: no extra keys
      expect(isAccountId(account.id)).toBe(true)
      expect(account).toMatchObject({ status: 'ACTIVE', user_id: 'alice', toolkit: { slug: 'gmail' } })
      expect(account.created_at).toBe(account.updated_at)
      expect(response.headers.get('location')).toBe(`${ACCOUNTS}/${account.id}`)
    })

    it('defaults to INITIATED without an access token, and honours an explicit status', async () => {
      expect((await create({ credentials: {} })).status).toBe('INITIATED')
      expect((await create({ status: 'INACTIVE' })).status).toBe('INACTIVE')
    })

    it('400 for unknown fields, wrong types, a bad toolkit slug or missing fields, naming each field', async () => {
      const cases: [unknown, string][] = [
        [{ user_id: 'u', toolkit: 'acme', credentials: {}, project_id: 'x' }, 'project_id'],
        [{ user_id: 42, toolkit: 'acme', credentials: {} }, 'user_id'],
        [{ user_id: 'u', toolkit: 'Not A Slug', credentials: {} }, 'toolkit'],
        [{ user_id: 'u', toolkit: 'acme' }, 'credentials'],
        [{ user_id: 'u', toolkit: 'acme', credentials: { access_token: 7 } }, 'credentials.access_token'],
        [{ user_id: 'u', toolkit: 'acme', credentials: {}, status: 'REVOKED' }, 'status'],
        [[1, 2, 3], 'request body'],
      ]
      for (const [body, field] of cases) {
        const error = await envelope(await postJson(server, ACCOUNTS, body), 400, 'validation_failed')
        expect(error.errors.some((line) => line.startsWith(`${field}:`))).toBe(true)
        expect(error.suggested_fix).toContain('user_id')
      }
    })

    it('400 without a body, and for an ACTIVE account without tokens', async () => {
      await envelope(await server.request(ACCOUNTS, { method: 'POST' }), 400, 'validation_failed')
      await envelope(
        await postJson(server, ACCOUNTS, {
          user_id: 'u',
          toolkit: 'acme',
          credentials: {},
          status: 'ACTIVE',
        }),
        400,
        'credentials_required',
      )
    })

    it('400 invalid_json with the position, never the text', async () => {
      const response = await server.request(ACCOUNTS, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"user_id": "u",\n "credentials": {"access_token": fake-secret-in-bad-json}}',
      })
      const error = await envelope(response, 400, 'invalid_json')
      expect(error.message).toContain('line 2, column 36')
      expect(JSON.stringify(error)).not.toContain('fake-secret-in-bad-json')
    })

    it('400 invalid_json for a body that is not UTF-8', async () => {
      const response = await server.request(ACCOUNTS, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      })
      await envelope(response, 400, 'invalid_json')
    })

    it('415 for a body that is not JSON, or has no content-type', async () => {
      await envelope(
        await server.request(ACCOUNTS, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: '{}',
        }),
        415,
        'unsupported_media_type',
      )
      await envelope(
        await server.request(ACCOUNTS, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=latin1' },
          body: '{}',
        }),
        415,
        'unsupported_media_type',
      )
      await envelope(
        await server.request(ACCOUNTS, { method: 'POST', body: new Uint8Array([0x7b, 0x7d]) }),
        415,
        'unsupported_media_type',
      )
    })

    it("an empty body is judged as no body, whatever content-type came with it (curl -d '')", async () => {
      const account = await create()
      const response = await server.request(revokePath(account.id), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      })
      expect(response.status).toBe(200)
    })

    it('413 for a declared body over 64 KiB, and for a streamed one (no content-length)', async () => {
      const big = JSON.stringify({ user_id: 'u', toolkit: 'acme', credentials: { pad: 'x'.repeat(70_000) } })
      await envelope(
        await server.request(ACCOUNTS, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: big,
        }),
        413,
        'payload_too_large',
      )
      // 80 KiB, then the client stalls without ending the body: a server that buffered the whole
      // body before checking would never answer; one that counts while streaming answers 413.
      const chunk = new TextEncoder().encode('x'.repeat(16 * 1024))
      let sent = 0
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 5) controller.enqueue(chunk)
          else return new Promise<void>(() => {})
        },
      })
      const abort = new AbortController()
      try {
        const response = await server.request(ACCOUNTS, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: stream,
          duplex: 'half',
          signal: abort.signal,
        } as RequestInit)
        expect(response.headers.get('connection')).toBe('close')
        await envelope(response, 413, 'payload_too_large')
      } finally {
        abort.abort()
      }
    })

    it('401 without a key or with a wrong one, before looking at the body', async () => {
      const missing = await envelope(
        await postJson(server, ACCOUNTS, 'not even an object', null),
        401,
        'unauthorized',
      )
      const wrong = await envelope(await postJson(server, ACCOUNTS, {}, `${KEY_A}x`), 401, 'unauthorized')
      expect(missing.message).not.toBe(wrong.message)
      await envelope(await postJson(server, ACCOUNTS, {}, ''), 401, 'unauthorized')
    })
  })

  describe('GET /api/v3/connected_accounts', () => {
    it('lists only the caller’s project, with filters and cursor pages that cover every account once', async () => {
      const user = `lister-${Date.now()}`
      const mine = [] as string[]
      for (let i = 0; i < 5; i++)
        mine.push(
          (await create({ user_id: user, toolkit: i % 2 ? 'gmail' : 'acme', allow_multiple: true })).id,
        )
      await create({ user_id: user }, KEY_B) // same user id, other project
      await server.request(`${ACCOUNTS}/${mine[4]}/status`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: '{"enabled": false}',
      })

      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const response: Response = await server.request(
          `${ACCOUNTS}?user_ids=${user}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          { key: KEY_A2 }, // the project's second key sees the same project
        )
        expect(response.status).toBe(200)
        const page = listResponseSchema.parse(await response.json())
        expect(page.items.length).toBeLessThanOrEqual(2)
        seen.push(...page.items.map((a) => a.id))
        cursor = page.next_cursor
        pages++
      } while (cursor)
      expect(seen).toEqual(mine)
      expect(pages).toBe(3)

      const filtered = listResponseSchema.parse(
        await (
          await server.request(`${ACCOUNTS}?user_ids=${user},nobody&statuses=active&toolkit_slugs=gmail,zzz`)
        ).json(),
      )
      expect(filtered.items.map((a) => a.id)).toEqual([mine[1], mine[3]])
      const repeated = listResponseSchema.parse(
        await (
          await server.request(`${ACCOUNTS}?user_ids=${user}&statuses=INACTIVE&statuses=REVOKED`)
        ).json(),
      )
      expect(repeated.items.map((a) => a.id)).toEqual([mine[4]])
    })

    it('400 for unknown parameters and bad values, naming the parameter', async () => {
      const cases: [string, string][] = [
        ['?foo=1', 'foo'],
        ['?limit=0', 'limit'],
        ['?limit=1001', 'limit'],
        ['?limit=ten', 'limit'],
        ['?statuses=BOGUS', 'statuses'],
        ['?user_ids=', 'user_ids'],
        ['?toolkit_slugs=UPPER', 'toolkit_slugs'],
      ]
      for (const [query, name] of cases) {
        const error = await envelope(await server.request(`${ACCOUNTS}${query}`), 400, 'validation_failed')
        expect(error.errors.join('\n')).toContain(name)
      }
      await envelope(await server.request(`${ACCOUNTS}?cursor=not-a-cursor`), 400, 'invalid_cursor')
    })
  })

  describe('GET /api/v3/connected_accounts/{nanoid}', () => {
    it('masks every credential value, nested ones too, keeping keys and nulls', async () => {
      const credentials = {
        access_token: 'fake-access-mask',
        refresh_token: 'fake-refresh-mask',
        expires_at: 1_900_000_000,
        scope: 'email profile',
        team: { id: 'fake-team-id', name: 'fake-team-name', admins: ['fake-admin-1'] },
        consumer_id: null,
      }
      const account = await create({ credentials })
      const response = await server.request(`${ACCOUNTS}/${account.id}`)
      expect(response.status).toBe(200)
      const text = await response.text()
      const body = maskedAccountSchema.parse(JSON.parse(text))
      expect(body.credentials).toEqual({
        access_token: '********',
        refresh_token: '********',
        expires_at: '********',
        scope: '********',
        team: { id: '********', name: '********', admins: ['********'] },
        consumer_id: null,
      })
      for (const value of [
        'fake-access-mask',
        'fake-refresh-mask',
        'fake-team',
        'fake-admin',
        'email profile',
        '1900000000',
      ])
        expect(text).not.toContain(value)
      expect(body).toMatchObject({ id: account.id, status: 'ACTIVE', toolkit: { slug: 'acme' } })
    })

    it('404 for an unknown id and for another project’s account; 400 for a malformed id', async () => {
      const account = await create()
      await envelope(await server.request(`${ACCOUNTS}/ca_doesnotexist`), 404, 'connected_account_not_found')
      const other = await envelope(
        await server.request(`${ACCOUNTS}/${account.id}`, { key: KEY_B }),
        404,
        'connected_account_not_found',
      )
      expect(other.message).toContain(account.id)
      for (const id of [
        'nope',
        'ca_',
        'ca_a',
        'CA_1a2b3c4d5e6f',
        'ca_1a2b3c4d5e6f%00',
        'ca_%2F%2E%2E',
        `ca_${'x'.repeat(65)}`,
      ]) {
        await envelope(await server.request(`${ACCOUNTS}/${id}`), 400, 'invalid_connected_account_id')
      }
    })
  })

  describe('PATCH /api/v3/connected_accounts/{nanoid}/status', () => {
    const patch = (id: string, body: string, key = KEY_A) =>
      server.request(`${ACCOUNTS}/${id}/status`, {
        method: 'PATCH',
        key,
        headers: { 'content-type': 'application/json' },
        body,
      })

    it('disables and enables, answering the account plus success: true', async () => {
      const account = await create()
      const off = await patch(account.id, '{"enabled": false}')
      expect(off.status).toBe(200)
      expect(statusResponseSchema.parse(await off.json())).toMatchObject({
        id: account.id,
        status: 'INACTIVE',
        success: true,
      })
      const again = statusResponseSchema.parse(await (await patch(account.id, '{"enabled": false}')).json())
      expect(again.status).toBe('INACTIVE') // disabling a disabled account is a no-op, not a 409
      const on = statusResponseSchema.parse(await (await patch(account.id, '{"enabled": true}')).json())
      expect(on.status).toBe('ACTIVE')
    })

    it('409 where the transition table says so; 404 across projects; 400 for bad bodies', async () => {
      const initiated = await create({ credentials: {} })
      const error = await envelope(
        await patch(initiated.id, '{"enabled": true}'),
        409,
        'invalid_status_transition',
      )
      expect(error.message).toContain('INITIATED')
      const account = await create()
      await envelope(await patch(account.id, '{"enabled": false}', KEY_B), 404, 'connected_account_not_found')
      for (const body of ['{"enabled": "yes"}', '{}', '{"enabled": true, "status": "ACTIVE"}', 'null', '[]'])
        await envelope(await patch(account.id, body), 400, 'validation_failed')
      await envelope(await patch(account.id, '{"enabled": tru'), 400, 'invalid_json')
    })
  })

  describe('DELETE /api/v3/connected_accounts/{nanoid}', () => {
    it('deletes without revoking upstream; the account is gone for every reader', async () => {
      const account = await create({ toolkit: 'gmail' })
      const calls = server.built.get('gmail')?.calls.length
      const response = await server.request(`${ACCOUNTS}/${account.id}`, { method: 'DELETE' })
      expect(response.status).toBe(200)
      expect(deleteResponseSchema.parse(await response.json())).toEqual({
        success: true,
        id: account.id,
        status: 'DELETED',
      })
      expect(server.built.get('gmail')?.calls.length).toBe(calls)
      await envelope(await server.request(`${ACCOUNTS}/${account.id}`), 404, 'connected_account_not_found')
      await envelope(
        await server.request(`${ACCOUNTS}/${account.id}`, { method: 'DELETE' }),
        404,
        'connected_account_not_found',
      )
      await envelope(
        await server.request(revokePath(account.id), { method: 'POST' }),
        404,
        'connected_account_not_found',
      )
    })

    it('?revoke=true revokes first and reports what died; a failed revoke deletes nothing', async () => {
      const account = await create()
      const response = await server.request(`${ACCOUNTS}/${account.id}?revoke=true`, { method: 'DELETE' })
      expect(response.status).toBe(200)
      expect(deleteResponseSchema.parse(await response.json())).toEqual({
        success: true,
        id: account.id,
        status: 'DELETED',
        revoked_tokens: ['access_token', 'refresh_token'],
        subjects: { access_token: 'revoked', refresh_token: 'revoked' },
      })
      const stuck = await create({ toolkit: 'down' })
      await envelope(
        await server.request(`${ACCOUNTS}/${stuck.id}?revoke=true`, { method: 'DELETE' }),
        500,
        'revoke_failed',
      )
      const still = maskedAccountSchema.parse(await (await server.request(`${ACCOUNTS}/${stuck.id}`)).json())
      expect(still.status).toBe('ACTIVE')
      expect(still.credentials.access_token).toBe('********')

      // A token left pending (refresh failed while access died) keeps the account: 409, not deleted.
      const half = await create({ toolkit: 'half' })
      const refused = await envelope(
        await server.request(`${ACCOUNTS}/${half.id}?revoke=true`, { method: 'DELETE' }),
        409,
        'revoke_incomplete',
      )
      expect(refused.message).toContain('refresh_token could not be revoked')
      const kept = maskedAccountSchema.parse(await (await server.request(`${ACCOUNTS}/${half.id}`)).json())
      expect(kept.status).toBe('REVOKED')
      expect(kept.credentials.refresh_token).toBe('********')
    })

    it('400 for a bad revoke flag; 404 across projects', async () => {
      const account = await create()
      await envelope(
        await server.request(`${ACCOUNTS}/${account.id}?revoke=yes`, { method: 'DELETE' }),
        400,
        'validation_failed',
      )
      await envelope(
        await server.request(`${ACCOUNTS}/${account.id}?cascade=1`, { method: 'DELETE' }),
        400,
        'validation_failed',
      )
      await envelope(
        await server.request(`${ACCOUNTS}/${account.id}`, { method: 'DELETE', key: KEY_B }),
        404,
        'connected_account_not_found',
      )
    })
  })

  describe('POST /api/v3.1/connected_accounts/{nanoid}/revoke', () => {
    it('200 with exactly revoked_tokens, connected_account and subjects; again → [] with no dispatch', async () => {
      const account = await create()
      const before = server.built.get('acme')?.calls.length ?? 0
      const response = await server.request(revokePath(account.id), { method: 'POST' })
      expect(response.status).toBe(200)
      const body = revokeResponseSchema.parse(await response.json()) // strict: no other keys
      expect(body).toEqual({
        revoked_tokens: ['access_token', 'refresh_token'],
        connected_account: { id: account.id, status: 'REVOKED' },
        subjects: { access_token: 'revoked', refresh_token: 'revoked' },
      })
      const dispatched = (server.built.get('acme')?.calls.length ?? 0) - before
      expect(dispatched).toBe(2)
      const again = revokeResponseSchema.parse(
        await (await server.request(revokePath(account.id), { method: 'POST' })).json(),
      )
      expect(again.revoked_tokens).toEqual([])
      expect(again.connected_account.status).toBe('REVOKED')
      expect((server.built.get('acme')?.calls.length ?? 0) - before).toBe(2)
      const listed = maskedAccountSchema.parse(
        await (await server.request(`${ACCOUNTS}/${account.id}`)).json(),
      )
      expect(listed.status).toBe('REVOKED')
      expect(listed.credentials).toEqual({}) // dead tokens are scrubbed
    })

    it('200 with revoked_tokens [] when the user had revoked at the provider already', async () => {
      const account = await create({ toolkit: 'gone' })
      const body = revokeResponseSchema.parse(
        await (await server.request(revokePath(account.id), { method: 'POST' })).json(),
      )
      expect(body.revoked_tokens).toEqual([])
      expect(body.subjects).toEqual({ access_token: 'already_revoked', refresh_token: 'already_revoked' })
      expect(body.connected_account.status).toBe('REVOKED')
    })

    it('400 when the toolkit has no adapter, cannot revoke, or refuses the token type', async () => {
      for (const toolkit of ['unconfigured', 'noapi', 'refuses']) {
        const account = await create({ toolkit })
        await envelope(
          await server.request(revokePath(account.id), { method: 'POST' }),
          400,
          'revoke_not_supported',
        )
      }
    })

    it('404 unknown, deleted, or another project’s; 409 when not ACTIVE', async () => {
      await envelope(
        await server.request(revokePath('ca_doesnotexist'), { method: 'POST' }),
        404,
        'connected_account_not_found',
      )
      const account = await create()
      await envelope(
        await server.request(revokePath(account.id), { method: 'POST', key: KEY_B }),
        404,
        'connected_account_not_found',
      )
      const inactive = await create({ status: 'INACTIVE' })
      const error = await envelope(
        await server.request(revokePath(inactive.id), { method: 'POST' }),
        409,
        'connected_account_not_revokable',
      )
      expect(error.message).toContain('INACTIVE')
    })

    it('500 when every dispatch fails (or the adapter throws); the account stays ACTIVE for a retry', async () => {
      for (const toolkit of ['down', 'buggy']) {
        const account = await create({ toolkit })
        const error = await envelope(
          await server.request(revokePath(account.id), { method: 'POST' }),
          500,
          'revoke_failed',
        )
        expect(error.errors.length).toBeGreaterThan(0)
        const after = maskedAccountSchema.parse(
          await (await server.request(`${ACCOUNTS}/${account.id}`)).json(),
        )
        expect(after.status).toBe('ACTIVE')
        expect(Object.keys(after.credentials)).toEqual(['access_token', 'refresh_token'])
      }
    })

    it('takes no body: none or {} is fine, anything else is refused', async () => {
      const account = await create()
      await envelope(
        await server.request(revokePath(account.id), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"force": true}',
        }),
        400,
        'validation_failed',
      )
      await envelope(
        await server.request(revokePath(account.id), {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'please',
        }),
        415,
        'unsupported_media_type',
      )
      const ok = await server.request(revokePath(account.id), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      expect(ok.status).toBe(200)
    })
  })

  describe('routing, request ids, operations', () => {
    it('404 route_not_found for unknown paths; 405 with Allow for a wrong method; OPTIONS lists methods', async () => {
      for (const path of [
        '/',
        '/api',
        '/api/v3/connected_accounts/',
        '/api/v3/connected_accounts/ca_1a2b3c4d5e6f/nope',
        '/api/v3.1/connected_accounts',
      ]) {
        await envelope(await server.request(path), 404, 'route_not_found')
      }
      const wrong = await server.request(revokePath('ca_1a2b3c4d5e6f'), { method: 'GET' })
      expect(wrong.headers.get('allow')).toBe('OPTIONS, POST')
      await envelope(wrong, 405, 'method_not_allowed')
      const put = await server.request(ACCOUNTS, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      expect(put.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST')
      await envelope(put, 405, 'method_not_allowed')
      const one = await server.request(`${ACCOUNTS}/ca_1a2b3c4d5e6f`, { method: 'POST' })
      expect(one.headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS, PATCH')
      await envelope(one, 405, 'method_not_allowed')
      const options = await server.request(ACCOUNTS, { method: 'OPTIONS', key: null })
      expect(options.status).toBe(204)
      expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST')
    })

    it('x-request-id on every response: a sane one is reused (and recorded in audit events), others replaced', async () => {
      const mine = 'trace-1234_abcd:EF'
      const response = await postJson(server, ACCOUNTS, {
        user_id: 'rid',
        toolkit: 'acme',
        credentials: { access_token: 'fake-rid' },
      })
      expect(response.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9_-]{16}$/)
      const account = accountSchema.parse(await response.json())
      const revoked = await server.request(revokePath(account.id), {
        method: 'POST',
        headers: { 'x-request-id': mine },
      })
      expect(revoked.headers.get('x-request-id')).toBe(mine)
      const events = await server.revokit.engine.events(account.id)
      expect(events.find((e) => e.type === 'revoked')?.requestId).toBe(mine)
      const error = await server.request('/nope', { headers: { 'x-request-id': mine } })
      expect((await envelope(error, 404, 'route_not_found')).request_id).toBe(mine)
      for (const bad of [
        'short',
        'x'.repeat(129),
        'has space in it',
        'quote"injection',
        '<script>alert(1)</script>',
      ]) {
        const replaced = await server.request('/healthz', { headers: { 'x-request-id': bad } })
        expect(replaced.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9_-]{16}$/)
      }
    })

    it('/healthz, /readyz and /openapi.json need no key; HEAD works on GET routes', async () => {
      for (const [path, body] of [
        ['/healthz', { status: 'ok' }],
        ['/readyz', { status: 'ready' }],
      ] as const) {
        const response = await server.request(path, { key: null })
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual(body)
      }
      const doc = await server.request('/openapi.json', { key: null })
      expect(doc.status).toBe(200)
      expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0')
      const head = await server.request('/healthz', { method: 'HEAD', key: null })
      expect(head.status).toBe(200)
      expect(head.headers.get('x-request-id')).toBeTruthy()
      expect(await head.text()).toBe('')
    })

    it('writes one log line per request with method, path without the query, status, ms and request id', async () => {
      const marker = `ca_logline${Date.now()}`
      await server.request(`${ACCOUNTS}/${marker}?secret_query_value=fake-query-secret`, {
        headers: { 'x-request-id': 'log-line-test-01' },
      })
      const lines = server.logs().filter((l) => l.requestId === 'log-line-test-01')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({
        method: 'GET',
        path: `${ACCOUNTS}/${marker}`,
        status: 400,
        msg: 'request',
        projectId: 'proj_a',
      })
      expect(typeof lines[0]?.ms).toBe('number')
      expect(server.logText()).not.toContain('fake-query-secret')
    })
  })
})

describe('readiness and store failures', () => {
  it('/readyz answers 503 while the store fails, and 200 again once it recovers; store errors are 500s', async () => {
    const base = memoryStore()
    let broken = false
    const store: Store = new Proxy(base, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver)
        if (typeof value !== 'function' || property === 'close') return value
        return (...args: unknown[]) => {
          if (broken) return Promise.reject(new Error('database is locked'))
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const server = await startTestServer({ shared: store, store: () => ({ kind: 'shared' }) })
    try {
      expect((await server.request('/readyz', { key: null })).status).toBe(200)
      broken = true
      const error = await envelope(await server.request('/readyz', { key: null }), 503, 'service_unavailable')
      expect(error.message).toContain('store')
      await envelope(await server.request(ACCOUNTS), 500, 'store_error')
      expect(server.logs().some((l) => l.status === 500 && l.msg === 'request failed')).toBe(true)
      broken = false
      expect((await server.request('/readyz', { key: null })).status).toBe(200)
    } finally {
      await server.close()
    }
  })
})
