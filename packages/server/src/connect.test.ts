// Connecting accounts over real HTTP with a real SQLite file: link → the provider's consent (a
// fake authorization server on 127.0.0.1) → the callback → ACTIVE; refresh, credentials and
// replaced tokens; every refusal's status and slug; and canaries: the code, the state, the PKCE
// verifier, the tokens and the client secret never show up where they must not.
import { join } from 'node:path'
import { type FakeAuthorizationServer, fakeAuthorizationServer } from '@revokit/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  consent,
  fakeProviderToolkit,
  KEY_A,
  KEY_A_TOKENS,
  KEY_B,
  REFRESH_REFUSED,
  REFRESH_UNAVAILABLE,
  startTestServer,
  type TestServer,
} from '../test/server'
import { credentialsResponseSchema, linkResponseSchema, refreshResponseSchema } from './connect-wire'
import { accountSchema, errorEnvelopeSchema } from './wire'

const ACCOUNTS = '/api/v3/connected_accounts'
const VERSIONS = ['/api/v3', '/api/v3.1'] as const
const APP = 'https://app.example.com/connected?from=revokit'

/** Everything a client or a browser received, to search for secrets at the end. */
interface Seen {
  url: string
  status: number
  headers: string
  body: string
}

const sqlite = (dir: string) => ({ kind: 'sqlite', path: join(dir, 'revokit.db') })

function toolkits(provider: FakeAuthorizationServer) {
  return {
    acme: fakeProviderToolkit(provider, { scopes: ['read', 'write'] }),
    plain: { adapter: 'test' },
  }
}

/** Every code, token and client secret it mints starts with `CANARY-`, to find partial leaks too. */
const startProvider = () => fakeAuthorizationServer({ prefix: 'CANARY-' })

describe('connecting accounts over HTTP (sqlite store)', () => {
  let provider: FakeAuthorizationServer
  let server: TestServer
  const seen: Seen[] = []
  let seq = 0

  beforeAll(async () => {
    provider = await startProvider()
    server = await startTestServer({ store: sqlite, publicUrl: true, toolkits: toolkits(provider) })
  })
  afterAll(async () => {
    await server?.close()
    await provider?.close()
  })

  async function keep(url: string, response: Response): Promise<Response> {
    const body = await response.clone().text()
    seen.push({ url, status: response.status, headers: JSON.stringify([...response.headers]), body })
    return response
  }

  function call(
    path: string,
    init: Omit<RequestInit, 'body'> & { key?: string | null; body?: unknown } = {},
  ) {
    const { key = KEY_A, body, ...rest } = init
    return server
      .request(path, {
        ...rest,
        key,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...rest.headers } }
          : {}),
      })
      .then((response) => keep(path, response))
  }

  /** Follows a callback URL (as the browser would) on the server, without an API key. */
  function browse(callbackUrl: string, accept = 'text/html,application/xhtml+xml') {
    const url = new URL(callbackUrl, server.url)
    return call(`${url.pathname}${url.search}`, { key: null, redirect: 'manual', headers: { accept } })
  }

  async function envelope(response: Response, status: number, slug: string) {
    expect(response.status).toBe(status)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = errorEnvelopeSchema.parse(await response.json())
    expect(body.error).toMatchObject({ slug, status, request_id: response.headers.get('x-request-id') })
    expect(body.error.suggested_fix.length).toBeGreaterThan(10)
    return body.error
  }

  async function link(body: Record<string, unknown> = {}, prefix = '/api/v3') {
    const response = await call(`${prefix}/connected_accounts/link`, {
      method: 'POST',
      body: { user_id: `user-${++seq}`, toolkit: 'acme', callback_url: APP, ...body },
    })
    expect(response.status).toBe(201)
    return linkResponseSchema.parse(await response.json())
  }

  /** Link, consent at the provider, follow the callback: an ACTIVE account. */
  async function connectOne(body: Record<string, unknown> = {}) {
    const linked = await link(body)
    const landed = await browse(await consent(linked.redirect_url))
    expect(landed.status).toBe(303)
    return linked.connected_account_id
  }

  async function statusOf(id: string) {
    const response = await call(`${ACCOUNTS}/${id}`)
    expect(response.status).toBe(200)
    return ((await response.json()) as { status: string }).status
  }

  describe('POST /connected_accounts/link', () => {
    it.each(VERSIONS)(
      'under %s: 201 with exactly the link body; the account is INITIATED',
      async (prefix) => {
        const response = await call(`${prefix}/connected_accounts/link`, {
          method: 'POST',
          body: { user_id: `user-${++seq}`, toolkit: 'acme', callback_url: APP },
        })
        expect(response.status).toBe(201)
        const body = (await response.json()) as Record<string, unknown>
        expect(Object.keys(body).sort()).toEqual(
          ['connected_account_id', 'expires_at', 'link_token', 'redirect_url', 'status'].sort(),
        )
        const parsed = linkResponseSchema.parse(body)
        expect(parsed.status).toBe('INITIATED')
        expect(parsed.connected_account_id).toMatch(/^ca_/)
        expect(Date.parse(parsed.expires_at)).toBeGreaterThan(Date.now())
        expect(response.headers.get('location')).toBe(`${ACCOUNTS}/${parsed.connected_account_id}`)
        // The consent URL is the provider's, with our client, our redirect URI and a state.
        const consentUrl = new URL(parsed.redirect_url)
        expect(`${consentUrl.origin}${consentUrl.pathname}`).toBe(provider.authorizationEndpoint)
        expect(consentUrl.searchParams.get('client_id')).toBe(provider.connector.clientId)
        expect(consentUrl.searchParams.get('redirect_uri')).toBe(
          `${server.url}/api/v3/toolkits/auth/callback`,
        )
        expect(consentUrl.searchParams.get('state')?.length).toBeGreaterThanOrEqual(22)
        expect(consentUrl.searchParams.get('code_challenge_method')).toBe('S256')
        expect(await statusOf(parsed.connected_account_id)).toBe('INITIATED')
      },
    )

    it('400 for a user_id a terminal would act on (ESC, CR, C1 controls), on link and on create', async () => {
      for (const user_id of ['\u001b[2J', 'alice\rrevoked', 'x\u009b31m']) {
        for (const path of [`${ACCOUNTS}/link`, ACCOUNTS]) {
          const response = await call(path, {
            method: 'POST',
            body: {
              user_id,
              toolkit: 'acme',
              ...(path === ACCOUNTS ? { credentials: { access_token: 'fake-at-ctl' } } : {}),
            },
          })
          const error = await envelope(response, 400, 'validation_failed')
          expect(JSON.stringify(error)).not.toContain(user_id)
        }
      }
    })

    it('takes auth_config_id (ac_ + the toolkit key) instead of toolkit, and scopes', async () => {
      const linked = await link({ toolkit: undefined, auth_config_id: 'ac_acme', scopes: ['only-this'] })
      expect(new URL(linked.redirect_url).searchParams.get('scope')).toBe('only-this')
    })

    it('400 for a link without a toolkit, a mismatched or unknown auth config, a bad callback_url or unknown fields', async () => {
      const bad = [
        { user_id: 'u' },
        { user_id: 'u', toolkit: 'acme', auth_config_id: 'ac_plain' },
        { user_id: 'u', auth_config_id: 'ac_nope' },
        { user_id: 'u', auth_config_id: 'acme' },
        { user_id: 'u', toolkit: 'acme', callback_url: 'javascript:alert(1)' },
        { user_id: 'u', toolkit: 'acme', scopes: ['two words'] },
        { user_id: 'u', toolkit: 'acme', extra: true },
      ]
      for (const body of bad) {
        const error = await envelope(
          await call(`${ACCOUNTS}/link`, { method: 'POST', body }),
          400,
          'validation_failed',
        )
        expect(error.errors.length).toBeGreaterThan(0)
      }
      const empty = await call(`${ACCOUNTS}/link`, { method: 'POST' })
      await envelope(empty, 400, 'validation_failed')
    })

    it('400 connect_not_supported for a toolkit whose adapter cannot connect; 401 without a key', async () => {
      await envelope(
        await call(`${ACCOUNTS}/link`, { method: 'POST', body: { user_id: 'u', toolkit: 'plain' } }),
        400,
        'connect_not_supported',
      )
      await envelope(
        await call(`${ACCOUNTS}/link`, {
          method: 'POST',
          key: null,
          body: { user_id: 'u', toolkit: 'acme' },
        }),
        401,
        'unauthorized',
      )
    })
  })

  describe('GET /toolkits/auth/callback', () => {
    it.each(VERSIONS)(
      'under %s, without an API key: ACTIVE, then 303 to callback_url with status=success',
      async (prefix) => {
        const linked = await link()
        const back = new URL(await consent(linked.redirect_url))
        const response = await browse(`${prefix}/toolkits/auth/callback${back.search}`)
        expect(response.status).toBe(303)
        expect(response.headers.get('cache-control')).toBe('no-store')
        expect(response.headers.get('referrer-policy')).toBe('no-referrer')
        const location = new URL(response.headers.get('location') as string)
        expect(`${location.origin}${location.pathname}`).toBe('https://app.example.com/connected')
        expect(Object.fromEntries(location.searchParams)).toEqual({
          from: 'revokit',
          status: 'success',
          connected_account_id: linked.connected_account_id,
        })
        expect(await statusOf(linked.connected_account_id)).toBe('ACTIVE')
      },
    )

    it('a HEAD (a link checker, a prefetch) does not spend the state', async () => {
      const linked = await link()
      const callbackUrl = await consent(linked.redirect_url)
      const url = new URL(callbackUrl)
      const head = await call(`${url.pathname}${url.search}`, {
        method: 'HEAD',
        key: null,
        redirect: 'manual',
      })
      expect(head.status).toBe(200)
      expect(await statusOf(linked.connected_account_id)).toBe('INITIATED')
      expect((await browse(callbackUrl)).status).toBe(303)
      expect(await statusOf(linked.connected_account_id)).toBe('ACTIVE')
    })

    it('without a callback_url: a small HTML page, not cached, no referrer', async () => {
      const linked = await link({ callback_url: undefined })
      const response = await browse(await consent(linked.redirect_url))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(await response.text()).toContain('connected')
      expect(await statusOf(linked.connected_account_id)).toBe('ACTIVE')
    })

    it('a replayed callback is refused: 400 page for a browser, the envelope for anyone else', async () => {
      const linked = await link()
      const callbackUrl = await consent(linked.redirect_url)
      expect((await browse(callbackUrl)).status).toBe(303)
      const page = await browse(callbackUrl)
      expect(page.status).toBe(400)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      expect(page.headers.get('cache-control')).toBe('no-store')
      expect(page.headers.get('referrer-policy')).toBe('no-referrer')
      expect(page.headers.get('location')).toBeNull()
      expect(await page.text()).toMatch(/no longer valid/)
      const api = await browse(callbackUrl, 'application/json')
      await envelope(api, 400, 'invalid_state')
      expect(api.headers.get('referrer-policy')).toBe('no-referrer')
      expect(await statusOf(linked.connected_account_id)).toBe('ACTIVE')
    })

    it('an unknown, tampered or missing state: 400 invalid_state, the account untouched', async () => {
      const linked = await link()
      const back = new URL(await consent(linked.redirect_url))
      const state = back.searchParams.get('state') as string
      const code = back.searchParams.get('code') as string
      const tampered = `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`
      for (const query of [
        `?code=${code}&state=${tampered}`,
        `?code=${code}&state=st_unknown0123456789abcdefghij`,
        `?code=${code}`,
      ]) {
        await envelope(await browse(`/api/v3/toolkits/auth/callback${query}`, '*/*'), 400, 'invalid_state')
      }
      expect(await statusOf(linked.connected_account_id)).toBe('INITIATED')
      // The real state still works afterwards: refusals did not burn it.
      expect((await browse(back.href)).status).toBe(303)
    })

    it('a code issued for another redirect URI (an attacker rewrote it) is refused at the exchange: no tokens, the account still INITIATED', async () => {
      const linked = await link()
      const rewritten = new URL(linked.redirect_url)
      rewritten.searchParams.set('redirect_uri', `${server.url}/api/v3/toolkits/auth/callback?evil=1`)
      const grants = provider.grants.length
      const back = new URL(await consent(rewritten.href))
      const response = await browse(`/api/v3/toolkits/auth/callback${back.search}`)
      // revokit repeats its own stored redirect URI, which the provider bound the code against.
      expect(provider.grants.slice(grants).map((g) => g.form.get('redirect_uri'))).toEqual([
        `${server.url}/api/v3/toolkits/auth/callback`,
      ])
      expect(response.status).toBe(303)
      expect(new URL(response.headers.get('location') ?? '').searchParams.get('status')).toBe('failed')
      expect(await statusOf(linked.connected_account_id)).toBe('INITIATED')
    })

    it('a PKCE downgrade (the challenge stripped from the link) still sends the verifier, and a plain challenge is never offered', async () => {
      const linked = await link()
      const url = new URL(linked.redirect_url)
      expect(url.searchParams.get('code_challenge_method')).toBe('S256')
      expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
      url.searchParams.delete('code_challenge')
      url.searchParams.delete('code_challenge_method')
      const grants = provider.grants.length
      await browse(await consent(url.href))
      const exchange = provider.grants.slice(grants)[0]
      expect(exchange?.form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    })

    it('error=access_denied from the provider: a 303 back to the app with status=failed, the account still INITIATED, the link still usable', async () => {
      provider.deny = true
      let linked: Awaited<ReturnType<typeof link>>
      try {
        linked = await link()
        const response = await browse(await consent(linked.redirect_url))
        expect(response.status).toBe(303)
        expect(response.headers.get('referrer-policy')).toBe('no-referrer')
        expect(response.headers.get('cache-control')).toBe('no-store')
        const location = new URL(response.headers.get('location') ?? '')
        expect(`${location.origin}${location.pathname}`).toBe(new URL(APP).href.replace(/\?.*$/, ''))
        expect(Object.fromEntries(location.searchParams)).toMatchObject({
          status: 'failed',
          error: 'access_denied',
          connected_account_id: linked.connected_account_id,
        })
        expect(location.searchParams.has('state')).toBe(false)
        expect(await statusOf(linked.connected_account_id)).toBe('INITIATED')
      } finally {
        provider.deny = false
      }
      // The user changes their mind: the same link still connects.
      const landed = await browse(await consent(linked.redirect_url))
      expect(landed.status).toBe(303)
      expect(new URL(landed.headers.get('location') ?? '').searchParams.get('status')).toBe('success')
      expect(await statusOf(linked.connected_account_id)).toBe('ACTIVE')
    })

    it('error=access_denied without a callback_url: a 400 page saying it failed', async () => {
      provider.deny = true
      try {
        const linked = await link({ callback_url: undefined })
        const response = await browse(await consent(linked.redirect_url))
        expect(response.status).toBe(400)
        expect(response.headers.get('content-type')).toMatch(/^text\/html/)
        expect(await response.text()).toMatch(/failed/i)
      } finally {
        provider.deny = false
      }
    })
  })

  describe('one live account per user and toolkit', () => {
    it('link: 409 naming the existing account, 201 with allow_multiple', async () => {
      const user = `multi-${++seq}`
      const first = await connectOne({ user_id: user })
      const again = await call(`${ACCOUNTS}/link`, {
        method: 'POST',
        body: { user_id: user, toolkit: 'acme' },
      })
      const error = await envelope(again, 409, 'connected_account_exists')
      expect(`${error.message} ${error.suggested_fix}`).toContain(first)
      expect(again.headers.get('x-should-retry')).not.toBe('true')
      const second = await link({ user_id: user, allow_multiple: true })
      expect(second.connected_account_id).not.toBe(first)
    })

    it('create: 409 naming the existing account, 201 with allow_multiple', async () => {
      const user = `multi-${++seq}`
      const body = { user_id: user, toolkit: 'plain', credentials: { access_token: 'fake-imported-access' } }
      const first = await call(ACCOUNTS, { method: 'POST', body })
      expect(first.status).toBe(201)
      const { id } = accountSchema.parse(await first.json())
      const error = await envelope(
        await call(ACCOUNTS, { method: 'POST', body }),
        409,
        'connected_account_exists',
      )
      expect(`${error.message} ${error.suggested_fix}`).toContain(id)
      const second = await call(ACCOUNTS, { method: 'POST', body: { ...body, allow_multiple: true } })
      expect(second.status).toBe(201)
      await envelope(
        await call(ACCOUNTS, { method: 'POST', body: { ...body, allow_multiple: 'yes' } }),
        400,
        'validation_failed',
      )
    })
  })

  describe('GET /connected_accounts/{nanoid}/credentials', () => {
    it.each(VERSIONS)(
      'under %s: the live tokens for a key with "credentials": true, not cached',
      async (prefix) => {
        const id = await connectOne()
        const response = await call(`${prefix}/connected_accounts/${id}/credentials`, { key: KEY_A_TOKENS })
        expect(response.status).toBe(200)
        expect(response.headers.get('cache-control')).toBe('no-store')
        const body = credentialsResponseSchema.parse(await response.json())
        expect(body.auth_scheme).toBe('OAUTH2')
        expect(body.val.access_token).toBe(provider.lastAccessToken())
        expect(provider.issued).toContain(body.val.refresh_token)
        expect(Date.parse(body.expires_at as string)).toBeGreaterThan(Date.now())
      },
    )

    it('403 forbidden for a key without the permission; 404 for another project; 401 without a key', async () => {
      const id = await connectOne()
      const error = await envelope(await call(`${ACCOUNTS}/${id}/credentials`), 403, 'forbidden')
      expect(error.code).toBe(1101)
      await envelope(await call(`${ACCOUNTS}/${id}/credentials`, { key: KEY_B }), 403, 'forbidden')
      await envelope(await call(`${ACCOUNTS}/${id}/credentials`, { key: null }), 401, 'unauthorized')
      await envelope(
        await call(`${ACCOUNTS}/ca_doesnotexist00/credentials`, { key: KEY_A_TOKENS }),
        404,
        'connected_account_not_found',
      )
    })

    it('409 unless ACTIVE: INITIATED and INACTIVE accounts hand out nothing', async () => {
      const linked = await link()
      await envelope(
        await call(`${ACCOUNTS}/${linked.connected_account_id}/credentials`, { key: KEY_A_TOKENS }),
        409,
        'connected_account_not_active',
      )
      const id = await connectOne()
      const disabled = await call(`${ACCOUNTS}/${id}/status`, { method: 'PATCH', body: { enabled: false } })
      expect(disabled.status).toBe(200)
      await envelope(
        await call(`${ACCOUNTS}/${id}/credentials`, { key: KEY_A_TOKENS }),
        409,
        'connected_account_not_active',
      )
    })

    it('a token about to expire is refreshed first; the provider down → 503 refresh_failed, retryable, still ACTIVE', async () => {
      const id = await connectOne()
      const first = await call(`${ACCOUNTS}/${id}/credentials`, { key: KEY_A_TOKENS })
      const { val } = credentialsResponseSchema.parse(await first.json())
      // The same grant, with an access token that expires in 10 s (inside the minimum validity).
      const expiring = {
        access_token: `fake-expiring-access-${++seq}`,
        refresh_token: val.refresh_token,
        expires_at: new Date(Date.now() + 10_000).toISOString(),
      }
      expect(
        (await call(`${ACCOUNTS}/${id}`, { method: 'PATCH', body: { credentials: expiring } })).status,
      ).toBe(200)
      const fresh = await call(`${ACCOUNTS}/${id}/credentials`, { key: KEY_A_TOKENS })
      expect(fresh.status).toBe(200)
      const body = credentialsResponseSchema.parse(await fresh.json())
      expect(body.val.access_token).toBe(provider.lastAccessToken())
      expect(body.val.access_token).not.toBe(expiring.access_token)

      expect(
        (
          await call(`${ACCOUNTS}/${id}`, {
            method: 'PATCH',
            body: { credentials: { ...expiring, refresh_token: body.val.refresh_token } },
          })
        ).status,
      ).toBe(200)
      provider.answer = REFRESH_UNAVAILABLE
      try {
        const down = await call(`${ACCOUNTS}/${id}/credentials`, { key: KEY_A_TOKENS })
        await envelope(down, 503, 'refresh_failed')
        expect(down.headers.get('x-should-retry')).toBe('true')
        expect(down.headers.get('retry-after')).toBe('7')
        expect(await statusOf(id)).toBe('ACTIVE')
      } finally {
        provider.answer = undefined
      }
    })
  })

  describe('POST /connected_accounts/{nanoid}/refresh', () => {
    it.each(VERSIONS)(
      'under %s: refreshed with the refresh grant → redirect_url null, new tokens',
      async (prefix) => {
        const id = await connectOne()
        const before = provider.lastAccessToken()
        const response = await call(`${prefix}/connected_accounts/${id}/refresh`, { method: 'POST' })
        expect(response.status).toBe(200)
        expect(refreshResponseSchema.parse(await response.json())).toEqual({
          id,
          status: 'ACTIVE',
          redirect_url: null,
        })
        expect(provider.lastAccessToken()).not.toBe(before)
        const creds = await call(`${ACCOUNTS}/${id}/credentials`, { key: KEY_A_TOKENS })
        expect(credentialsResponseSchema.parse(await creds.json()).val.access_token).toBe(
          provider.lastAccessToken(),
        )
      },
    )

    it('the refresh token refused → a consent link for the same account, which stays ACTIVE', async () => {
      const id = await connectOne()
      provider.answer = REFRESH_REFUSED
      try {
        const response = await call(`${ACCOUNTS}/${id}/refresh`, {
          method: 'POST',
          body: { redirect_url: 'https://app.example.com/reconnected' },
        })
        expect(response.status).toBe(200)
        const body = refreshResponseSchema.parse(await response.json())
        expect(body.id).toBe(id)
        expect(new URL(body.redirect_url as string).origin).toBe(provider.url)
        // Completing that authorization lands on the refresh's redirect_url with the same account.
        const landed = await browse(await consent(body.redirect_url as string))
        expect(landed.status).toBe(303)
        const location = new URL(landed.headers.get('location') as string)
        expect(`${location.origin}${location.pathname}`).toBe('https://app.example.com/reconnected')
        expect(location.searchParams.get('connected_account_id')).toBe(id)
        expect(await statusOf(id)).toBe('ACTIVE')
      } finally {
        provider.answer = undefined
      }
    })

    it('the provider unreachable → 503 refresh_failed with x-should-retry: true (and retry-after when known)', async () => {
      const id = await connectOne()
      provider.answer = REFRESH_UNAVAILABLE
      try {
        const response = await call(`${ACCOUNTS}/${id}/refresh`, { method: 'POST', body: {} })
        await envelope(response, 503, 'refresh_failed')
        expect(response.headers.get('x-should-retry')).toBe('true')
        expect(response.headers.get('retry-after')).toBe('7')
        expect(await statusOf(id)).toBe('ACTIVE')
      } finally {
        provider.answer = undefined
      }
    })

    it('400 for a bad body, 404 for an unknown account', async () => {
      const id = await connectOne()
      await envelope(
        await call(`${ACCOUNTS}/${id}/refresh`, { method: 'POST', body: { redirect_url: 'ftp://x' } }),
        400,
        'validation_failed',
      )
      await envelope(
        await call(`${ACCOUNTS}/${id}/refresh`, { method: 'POST', body: { callback: 'x' } }),
        400,
        'validation_failed',
      )
      await envelope(
        await call(`${ACCOUNTS}/ca_doesnotexist00/refresh`, { method: 'POST' }),
        404,
        'connected_account_not_found',
      )
    })
  })

  describe('PATCH /connected_accounts/{nanoid}', () => {
    it.each(VERSIONS)(
      'under %s: replaces the tokens; the account answers, the tokens are not echoed',
      async (prefix) => {
        const id = await connectOne()
        const replaced = {
          access_token: `fake-rotated-access-${++seq}`,
          refresh_token: `fake-rotated-refresh-${seq}`,
        }
        const response = await call(`${prefix}/connected_accounts/${id}`, {
          method: 'PATCH',
          body: { credentials: replaced },
        })
        expect(response.status).toBe(200)
        const text = await response.clone().text()
        expect(accountSchema.parse(JSON.parse(text)).id).toBe(id)
        expect(text).not.toContain(replaced.access_token)
        const creds = await call(`${ACCOUNTS}/${id}/credentials`, { key: KEY_A_TOKENS })
        expect(credentialsResponseSchema.parse(await creds.json()).val).toMatchObject(replaced)
      },
    )

    it('400 without credentials or with unknown fields, 404 for another project', async () => {
      const id = await connectOne()
      for (const body of [
        {},
        { credentials: 'x' },
        { credentials: { access_token: 'fake-a' }, status: 'ACTIVE' },
      ]) {
        await envelope(await call(`${ACCOUNTS}/${id}`, { method: 'PATCH', body }), 400, 'validation_failed')
      }
      await envelope(
        await call(`${ACCOUNTS}/${id}`, {
          method: 'PATCH',
          key: KEY_B,
          body: { credentials: { access_token: 'fake-b' } },
        }),
        404,
        'connected_account_not_found',
      )
    })
  })

  // Last: it reads everything the tests above received.
  describe('canaries', () => {
    it('no code, state, verifier or client secret in any response, header, page or log line; tokens only from the credentials route', () => {
      expect(provider.codes.length).toBeGreaterThan(3)
      expect(provider.verifiers.length).toBeGreaterThan(3)
      expect(provider.states.length).toBeGreaterThan(3)
      const never = [provider.clientSecret, ...provider.codes, ...provider.verifiers]
      const logs = server.logText()
      for (const value of never) {
        expect(logs).not.toContain(value)
        for (const response of seen) {
          expect(response.body, response.url).not.toContain(value)
          expect(response.headers, response.url).not.toContain(value)
        }
      }
      // A state goes to the API caller inside redirect_url (the consent link it must send the
      // user to), and nowhere else: not in a log, a header, a page or a redirect.
      const linking = (r: Seen) => r.url.endsWith('/link') || r.url.endsWith('/refresh')
      for (const state of provider.states) {
        expect(logs).not.toContain(state)
        for (const response of seen) {
          expect(response.headers, response.url).not.toContain(state)
          if (!linking(response)) expect(response.body, response.url).not.toContain(state)
        }
      }
      for (const token of provider.issued) {
        expect(logs).not.toContain(token)
        for (const response of seen.filter((r) => !r.url.endsWith('/credentials'))) {
          expect(response.body, response.url).not.toContain(token)
          expect(response.headers, response.url).not.toContain(token)
        }
      }
      expect(logs).not.toContain('CANARY-')
    })
  })
})

describe('connecting: the link expires, and a server without a redirect URI', () => {
  let provider: FakeAuthorizationServer
  beforeAll(async () => {
    provider = await startProvider()
  })
  afterAll(() => provider?.close())

  it('a callback after the link expired: 400 invalid_state, and the account is not made ACTIVE', async () => {
    let now = Date.now()
    const server = await startTestServer({
      store: sqlite,
      publicUrl: true,
      toolkits: toolkits(provider),
      engine: { clock: () => now, linkTtlMs: 60_000 },
    })
    try {
      const response = await server.request(`${ACCOUNTS}/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'late', toolkit: 'acme', callback_url: APP }),
      })
      const linked = linkResponseSchema.parse(await response.json())
      const back = new URL(await consent(linked.redirect_url))
      now += 61_000
      const late = await server.request(`${back.pathname}${back.search}`, { key: null, redirect: 'manual' })
      expect(late.status).toBe(400)
      expect(((await late.json()) as { error: { slug: string } }).error.slug).toBe('invalid_state')
      const account = await server.request(`${ACCOUNTS}/${linked.connected_account_id}`)
      expect(((await account.json()) as { status: string }).status).not.toBe('ACTIVE')
    } finally {
      await server.close()
    }
  })

  it('no publicUrl and no fixed port: link answers 400 redirect_uri_required', async () => {
    const server = await startTestServer({ store: sqlite, toolkits: toolkits(provider) })
    try {
      expect(server.revokit.redirectUri).toBeUndefined()
      const response = await server.request(`${ACCOUNTS}/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'u', toolkit: 'acme' }),
      })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: { slug: string } }).error.slug).toBe(
        'redirect_uri_required',
      )
    } finally {
      await server.close()
    }
  })
})
