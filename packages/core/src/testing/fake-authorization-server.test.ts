// The fake authorization server is what other packages' connect tests trust to be strict: these
// check the parts a test relies on, over real HTTP.
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { type FakeAuthorizationServer, type FakeAuthorizationServerOptions, fakeAuthorizationServer } from '.'

const REDIRECT = 'https://app.example.test/callback'
const VERIFIER = 'fake-verifier-0123456789abcdefghijklmnopqrstuvwxyz'
const open: FakeAuthorizationServer[] = []
afterEach(async () => {
  for (const as of open.splice(0)) await as.close()
})

async function start(options: FakeAuthorizationServerOptions = {}) {
  const as = await fakeAuthorizationServer(options)
  open.push(as)
  return as
}

function authorizationUrl(as: FakeAuthorizationServer, state = 'fake-state-1') {
  const url = new URL(as.authorizationEndpoint)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: as.connector.clientId,
    redirect_uri: REDIRECT,
    scope: 'read',
    state,
    code_challenge: createHash('sha256').update(VERIFIER).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString()
  return url.href
}

/** A token request authenticated with client_secret_post, or Basic with `basic`. */
function token(as: FakeAuthorizationServer, form: Record<string, string>, basic?: [string, string]) {
  return fetch(as.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: `Basic ${Buffer.from(basic.join(':')).toString('base64')}` } : {}),
    },
    body: new URLSearchParams(form),
  })
}

describe('fakeAuthorizationServer', () => {
  it('GET /authorize redirects with a code bound to the PKCE challenge, or with access_denied while deny is set', async () => {
    const as = await start({ clientAuth: 'client_secret_post', prefix: 'CANARY-' })
    const consented = await fetch(authorizationUrl(as), { redirect: 'manual' })
    expect(consented.status).toBe(302)
    const back = new URL(consented.headers.get('location') ?? '')
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT)
    expect(back.searchParams.get('state')).toBe('fake-state-1')
    const code = back.searchParams.get('code') ?? ''
    expect(as.codes).toEqual([code])
    expect(as.states).toEqual(['fake-state-1'])
    expect(code.startsWith('CANARY-')).toBe(true)

    const client = { client_id: as.connector.clientId, client_secret: as.clientSecret }
    const exchange = { ...client, grant_type: 'authorization_code', code, redirect_uri: REDIRECT }
    expect((await token(as, { ...exchange, code_verifier: `${VERIFIER}x` })).status).toBe(400)
    // The failed attempt used the code up, as a strict provider does.
    expect((await token(as, { ...exchange, code_verifier: VERIFIER })).status).toBe(400)
    expect(as.verifiers).toEqual([`${VERIFIER}x`, VERIFIER])

    as.deny = true
    const denied = await fetch(authorizationUrl(as, 'fake-state-2'), { redirect: 'manual' })
    const deniedBack = new URL(denied.headers.get('location') ?? '')
    expect(Object.fromEntries(deniedBack.searchParams)).toEqual({
      error: 'access_denied',
      state: 'fake-state-2',
    })
    expect(new URL(as.consent(authorizationUrl(as))).searchParams.get('error')).toBe('access_denied')
    expect(new URL(as.consent(authorizationUrl(as), { deny: false })).searchParams.has('code')).toBe(true)

    // Another client's request is not redirected anywhere.
    const foreign = new URL(authorizationUrl(as))
    foreign.searchParams.set('client_id', 'someone-else')
    const refused = await fetch(foreign, { redirect: 'manual' })
    expect(refused.status).toBe(400)
    expect(refused.headers.get('location')).toBeNull()
  })

  it('authenticates the client by exactly the registered method, and rotates a seeded refresh token', async () => {
    const as = await start({
      clientId: 'fake-id',
      clientSecret: 'fake-secret',
      clientAuth: 'client_secret_post',
    })
    as.acceptRefreshToken('fake-imported-refresh')
    const refresh = { grant_type: 'refresh_token', refresh_token: 'fake-imported-refresh' }
    const post = { client_id: 'fake-id', client_secret: 'fake-secret' }
    expect((await token(as, refresh, ['fake-id', 'fake-secret'])).status).toBe(401)
    expect((await token(as, { ...refresh, ...post }, ['fake-id', 'fake-secret'])).status).toBe(401)
    expect((await token(as, { ...refresh, ...post, client_secret: 'fake-wrong' })).status).toBe(401)
    expect((await token(as, { ...refresh, ...post, client_id: 'fake-other' })).status).toBe(401)
    const ok = await token(as, { ...refresh, ...post })
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { access_token: string; refresh_token: string }
    expect(as.issued).toEqual([body.access_token, body.refresh_token])
    expect(as.lastAccessToken()).toBe(body.access_token)
    expect(as.liveRefreshTokens()).toEqual([body.refresh_token])
    expect((await token(as, { ...refresh, ...post })).status).toBe(400)
    expect(as.grants.map((g) => g.clientId)).toEqual([
      'fake-id',
      'fake-id',
      'fake-id',
      'fake-other',
      'fake-id',
      'fake-id',
    ])
  })

  it('hold() keeps answers back until released; the answer hook in place at arrival decides', async () => {
    const as = await start()
    const basic: [string, string] = [as.connector.clientId, as.clientSecret]
    as.answer = () => [503, { error: 'temporarily_unavailable' }]
    const release = as.hold()
    let answered = false
    const pending = token(as, { grant_type: 'refresh_token', refresh_token: 'fake-unknown' }, basic).then(
      (response) => {
        answered = true
        return response
      },
    )
    await as.received(1)
    as.answer = undefined
    // Give the fake every chance to answer early: another request goes through the same gate.
    const second = token(as, { grant_type: 'refresh_token', refresh_token: 'fake-unknown' }, basic)
    await as.received(2)
    expect(answered).toBe(false)
    release()
    expect((await pending).status).toBe(503)
    expect((await second).status).toBe(400)
    expect(as.grants[0]?.receivedAt).toBeLessThanOrEqual(as.grants[1]?.receivedAt ?? 0)
  })
})
