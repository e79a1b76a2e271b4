import { afterEach, describe, expect, it } from 'vitest'
import { captureLogger, errorText, rejection } from '../../test/helpers'
import { CONNECT_TABLE, specTable } from '../../test/spec-table'
import { createEngine, type Engine } from '../engine'
import type { EngineOptions } from '../engine-api'
import { isRevokitError, RevokitError } from '../errors'
import { memoryStore } from '../memory-store'
import type { AccountStatus } from '../model'
import type { AuditEvent, Store } from '../store'
import { type FakeAuthorizationServer, fakeAuthorizationServer, scriptedAdapter } from '../testing'
import type { FakeAuthorizationServerOptions } from '../testing/fake-authorization-server'
import { type Operation, transition } from '../transitions'

const REDIRECT = 'https://app.example.test/api/v3/toolkits/auth/callback'

interface Setup {
  engine: Engine
  store: Store
  as: FakeAuthorizationServer
  events: AuditEvent[]
  logger: ReturnType<typeof captureLogger>
  /** Moves the engine's clock forward (tokens age; claims and links expire). */
  advance(ms: number): void
  /** The authorization URL each initiated account was given. */
  links: Map<string, string>
}

const open: Setup[] = []
afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.engine.close()
    await s.as.close()
  }
})

async function setup(
  fake: FakeAuthorizationServerOptions = {},
  engineOptions: Partial<EngineOptions> = {},
): Promise<Setup> {
  const as = await fakeAuthorizationServer(fake)
  const store = memoryStore()
  const events: AuditEvent[] = []
  const logger = captureLogger()
  let skew = 0
  const engine = createEngine({
    clock: () => Date.now() + skew,
    store,
    adapters: [scriptedAdapter({ toolkit: 'acme', connect: as.connector })],
    redirectUri: REDIRECT,
    logger,
    onEvent: (event) => events.push(event),
    ...engineOptions,
  })
  const links = new Map<string, string>()
  const initiate = engine.initiate.bind(engine)
  engine.initiate = async (input, call) => {
    const link = await initiate(input, call)
    links.set(link.id, link.redirectUrl)
    return link
  }
  const s = {
    engine,
    store,
    as,
    events,
    logger,
    links,
    advance: (ms: number) => {
      skew += ms
    },
  }
  open.push(s)
  return s
}

/** Initiates and completes a connection the way a user's browser would. */
async function connected(s: Setup, userId = 'u1') {
  const link = await s.engine.initiate({ userId, toolkit: 'acme' })
  const done = await s.engine.completeAuthorization(s.as.consent(link.redirectUrl))
  return { link, account: done.account }
}

describe('initiate', () => {
  it('creates the account INITIATED and returns the provider URL with a fresh state and an S256 challenge', async () => {
    const s = await setup()
    const link = await s.engine.initiate({
      userId: 'u1',
      toolkit: 'acme',
      callbackUrl: 'https://app.example.test/done',
    })
    expect(link).toMatchObject({ status: 'INITIATED', id: expect.stringMatching(/^ca_/) })
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000)
    const q = new URL(link.redirectUrl).searchParams
    expect(Object.fromEntries([...q].filter(([k]) => !['state', 'code_challenge'].includes(k)))).toEqual({
      response_type: 'code',
      client_id: 'fake-client',
      redirect_uri: REDIRECT,
      scope: 'read',
      code_challenge_method: 'S256',
    })
    // ≥ 128 random bits: the state's random part is 32 bytes of base64url.
    expect(q.get('state')?.split('.')[1]).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const stored = await s.store.get(link.id)
    expect(stored).toMatchObject({ status: 'INITIATED', credentials: {} })
    // Only a hash of the state is kept; the verifier stays in the store and out of the account.
    expect(JSON.stringify(stored)).not.toContain(q.get('state')?.split('.')[1])
    expect(await s.engine.get(link.id)).not.toHaveProperty('authorization')
    const again = await s.engine.initiate({ userId: 'u2', toolkit: 'acme' })
    expect(new URL(again.redirectUrl).searchParams.get('state')).not.toBe(q.get('state'))
  })

  it('answers 400 for a toolkit without connect settings, or without a redirect URI', async () => {
    const s = await setup()
    const bare = createEngine({
      store: memoryStore(),
      adapters: [scriptedAdapter({ toolkit: 'plain' })],
      redirectUri: REDIRECT,
    })
    expect(await rejection(bare.initiate({ userId: 'u', toolkit: 'plain' }))).toMatchObject({
      status: 400,
      slug: 'connect_not_supported',
    })
    const noRedirect = createEngine({
      store: memoryStore(),
      adapters: [scriptedAdapter({ toolkit: 'acme', connect: s.as.connector })],
    })
    expect(await rejection(noRedirect.initiate({ userId: 'u', toolkit: 'acme' }))).toMatchObject({
      status: 400,
      slug: 'redirect_uri_required',
    })
    expect(
      await rejection(
        s.engine.initiate({ userId: 'u', toolkit: 'acme', callbackUrl: 'javascript:alert(1)' }),
      ),
    ).toMatchObject({
      status: 400,
      slug: 'validation_failed',
    })
    // Identifiers a terminal would act on (escape sequences, carriage returns, C1 controls).
    for (const userId of ['\u001b[2J', 'a\rb']) {
      expect(await rejection(s.engine.initiate({ userId, toolkit: 'acme' }))).toMatchObject({ status: 400 })
    }
    expect(
      await rejection(s.engine.initiate({ userId: 'u', toolkit: 'acme', alias: 'x\u009b' })),
    ).toMatchObject({
      status: 400,
    })
  })

  it('one live account per user and toolkit unless allowMultiple, for initiate and create', async () => {
    const s = await setup()
    const first = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    const dup = await rejection(s.engine.initiate({ userId: 'u1', toolkit: 'acme' }))
    expect(dup).toMatchObject({ status: 409, slug: 'connected_account_exists' })
    expect(dup.suggestedFix).toContain(first.id)
    expect(dup.suggestedFix).toContain('refresh')
    expect(
      await rejection(
        s.engine.create({ userId: 'u1', toolkit: 'acme', credentials: { access_token: 'fake-at-x' } }),
      ),
    ).toMatchObject({ status: 409 })
    const second = await s.engine.initiate({ userId: 'u1', toolkit: 'acme', allowMultiple: true })
    expect(second.id).not.toBe(first.id)
    // Another user, another toolkit, or a revoked account do not count.
    await s.engine.initiate({ userId: 'u2', toolkit: 'acme' })
    await s.engine.create({ userId: 'u1', toolkit: 'other', credentials: { access_token: 'fake-at-y' } })
  })

  it('of concurrent initiates for one user, exactly one survives', async () => {
    const s = await setup()
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => s.engine.initiate({ userId: 'racer', toolkit: 'acme' })),
    )
    const won = results.filter((r) => r.status === 'fulfilled')
    // Never two; racers in the same millisecond may all withdraw, and then a retry succeeds.
    expect(won.length).toBeLessThanOrEqual(1)
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409 })
    expect(await s.engine.count({ userIds: ['racer'] })).toBe(won.length)
    if (won.length === 0) await s.engine.initiate({ userId: 'racer', toolkit: 'acme' })
    expect(await s.engine.count({ userIds: ['racer'] })).toBe(1)
  })
})

describe('completeAuthorization', () => {
  it('exchanges the code with the PKCE verifier, stores the tokens and makes the account ACTIVE', async () => {
    const s = await setup()
    const link = await s.engine.initiate({
      userId: 'u1',
      toolkit: 'acme',
      callbackUrl: 'https://app.example.test/done',
    })
    const waiting = s.engine.waitForConnection(link.id, { timeoutMs: 30_000 })
    const done = await s.engine.completeAuthorization(s.as.consent(link.redirectUrl))
    expect(done.callbackUrl).toBe('https://app.example.test/done')
    expect(done.account).toMatchObject({ id: link.id, status: 'ACTIVE' })
    expect(done.account.credentials.access_token).toBe(s.as.issued[0])
    expect(done.account.credentials.refresh_token).toBe(s.as.issued[1])
    expect(await waiting).toMatchObject({ id: link.id, status: 'ACTIVE' })
    // The fake checked the verifier against the challenge; the grant went out once.
    expect(s.as.grants.map((g) => g.grantType)).toEqual(['authorization_code'])
    expect(s.as.grants[0]?.form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await s.store.get(link.id))?.authorization ?? null).toBeNull()
    expect(s.events.map((e) => `${e.type}:${e.from}->${e.to}`)).toEqual([
      'created:null->INITIATED',
      'connected:INITIATED->ACTIVE',
    ])
  })

  it('takes the full redirect URL, its query, a URL or URLSearchParams', async () => {
    const s = await setup()
    for (const form of ['url', 'query', 'URL', 'params'] as const) {
      const link = await s.engine.initiate({ userId: `u-${form}`, toolkit: 'acme' })
      const back = new URL(s.as.consent(link.redirectUrl))
      const callback =
        form === 'url'
          ? back.href
          : form === 'query'
            ? back.search
            : form === 'URL'
              ? back
              : back.searchParams
      expect((await s.engine.completeAuthorization(callback)).account.status).toBe('ACTIVE')
    }
  })

  it('a replayed state is refused, and two concurrent callbacks exchange the code once', async () => {
    const s = await setup({ delayMs: 50 })
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    const back = s.as.consent(link.redirectUrl)
    const both = await Promise.allSettled([
      s.engine.completeAuthorization(back),
      s.engine.completeAuthorization(back),
    ])
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const lost = both.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(lost.reason).toMatchObject({ status: 400, slug: 'invalid_state' })
    expect(s.as.grants).toHaveLength(1)
    expect(await rejection(s.engine.completeAuthorization(back))).toMatchObject({
      status: 400,
      slug: 'invalid_state',
    })
  })

  it('unknown, forged and malformed states are 400 invalid_state', async () => {
    const s = await setup()
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    const back = new URL(s.as.consent(link.redirectUrl))
    const state = back.searchParams.get('state') as string
    const forged = `${state.split('.')[0]}.${'A'.repeat(43)}`
    for (const bad of [forged, `ca_nosuchaccount.${'A'.repeat(43)}`, 'garbage', '']) {
      back.searchParams.set('state', bad)
      expect(await rejection(s.engine.completeAuthorization(back))).toMatchObject({
        status: 400,
        slug: 'invalid_state',
      })
    }
    back.searchParams.delete('state')
    expect(await rejection(s.engine.completeAuthorization(back))).toMatchObject({
      status: 400,
      slug: 'invalid_state',
    })
    expect(s.as.grants).toHaveLength(0)
    expect((await s.engine.get(link.id)).status).toBe('INITIATED')
  })

  it('an expired link is refused and the INITIATED account becomes EXPIRED', async () => {
    let now = Date.now()
    const s = await setup({}, { clock: () => now, linkTtlMs: 60_000 })
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    const back = s.as.consent(link.redirectUrl)
    now += 61_000
    expect(await rejection(s.engine.completeAuthorization(back))).toMatchObject({
      status: 400,
      slug: 'invalid_state',
    })
    expect(await s.engine.get(link.id)).toMatchObject({
      status: 'EXPIRED',
      statusReason: expect.stringContaining('expired'),
    })
    expect(s.as.grants).toHaveLength(0)
  })

  it('an INITIATED account past its link expiry reads and lists as EXPIRED', async () => {
    let now = Date.now()
    const s = await setup({}, { clock: () => now, linkTtlMs: 1000 })
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    now += 2000
    expect((await s.engine.list({ statuses: ['INITIATED'] })).items).toEqual([])
    expect((await s.engine.list()).items.map((a) => a.status)).toEqual(['EXPIRED'])
    expect((await s.engine.get(link.id)).status).toBe('EXPIRED')
    expect(s.events.filter((e) => e.type === 'expired')).toMatchObject([{ from: 'INITIATED', to: 'EXPIRED' }])
  })

  it('error=access_denied is a 400 with the provider code; the account stays INITIATED and the link still works', async () => {
    const s = await setup()
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    const denied = await rejection(
      s.engine.completeAuthorization(s.as.consent(link.redirectUrl, { deny: true })),
    )
    expect(denied).toMatchObject({ status: 400, slug: 'authorization_failed' })
    expect(denied.message).toContain('access_denied')
    expect((await s.engine.get(link.id)).status).toBe('INITIATED')
    expect((await s.engine.completeAuthorization(s.as.consent(link.redirectUrl))).account.status).toBe(
      'ACTIVE',
    )
  })

  it('a code the provider rejects (wrong verifier, used code) is a 400, and the account stays INITIATED', async () => {
    const s = await setup()
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    // The attacker's own challenge: the code is bound to it, so the stored verifier fails.
    const tampered = new URL(link.redirectUrl)
    tampered.searchParams.set('code_challenge', 'A'.repeat(43))
    const error = await rejection(s.engine.completeAuthorization(s.as.consent(tampered.href)))
    expect(error).toMatchObject({ status: 400, slug: 'authorization_failed' })
    expect(error.message).toContain('invalid_grant')
    expect((await s.engine.get(link.id)).status).toBe('INITIATED')
  })

  it('a PKCE downgrade (challenge stripped) still sends the verifier, so an RFC 7636 server refuses nothing it should accept', async () => {
    const s = await setup()
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    const stripped = new URL(link.redirectUrl)
    stripped.searchParams.delete('code_challenge')
    stripped.searchParams.delete('code_challenge_method')
    await s.engine.completeAuthorization(s.as.consent(stripped.href))
    expect(s.as.grants[0]?.form.get('code_verifier')).toBeTruthy()
  })
})

describe('waitForConnection', () => {
  it('times out with 408, and answers 409 for an account that can no longer connect', async () => {
    const s = await setup()
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    expect(await rejection(s.engine.waitForConnection(link.id, { timeoutMs: 100 }))).toMatchObject({
      status: 408,
      slug: 'connection_timeout',
    })
    await s.engine.expire(link.id)
    expect(await rejection(s.engine.waitForConnection(link.id, { timeoutMs: 1000 }))).toMatchObject({
      status: 409,
    })
  })
})

describe('credentials and refresh', () => {
  it('hands out fresh tokens without a request, and refreshes one that expires within minValidityMs', async () => {
    const s = await setup()
    const { account } = await connected(s)
    s.advance(3_570_000)
    const fresh = await s.engine.credentials(account.id, { minValidityMs: 1000 })
    expect(fresh).toMatchObject({
      authScheme: 'OAUTH2',
      val: { access_token: account.credentials.access_token },
    })
    expect(s.as.grants).toHaveLength(1)
    // 30 s left is less than the default 60 s: refreshed first, the rotated refresh token stored.
    const refreshed = await s.engine.credentials(account.id)
    expect(s.as.grants.map((g) => g.grantType)).toEqual(['authorization_code', 'refresh_token'])
    expect(refreshed.val.access_token).not.toBe(account.credentials.access_token)
    expect((await s.store.get(account.id))?.credentials.refresh_token).toBe(s.as.liveRefreshTokens()[0])
    expect(s.events.at(-1)).toMatchObject({ type: 'refreshed', from: 'ACTIVE', to: 'ACTIVE' })
  })

  it('200 concurrent callers of an expiring account: exactly one refresh grant, everyone gets its token', async () => {
    const s = await setup({ delayMs: 30 })
    const { account } = await connected(s)
    s.advance(3_590_000)
    const all = await Promise.all(Array.from({ length: 200 }, () => s.engine.credentials(account.id)))
    expect(s.as.grants.filter((g) => g.grantType === 'refresh_token')).toHaveLength(1)
    expect(new Set(all.map((c) => c.val.access_token)).size).toBe(1)
    expect(all[0]?.val.access_token).not.toBe(account.credentials.access_token)
  })

  it('two engines on one store (two processes) still send one grant', async () => {
    const s = await setup({ delayMs: 30 })
    const { account } = await connected(s)
    s.advance(3_590_000)
    const other = createEngine({
      clock: () => Date.now() + 3_590_000,
      store: s.store,
      adapters: [scriptedAdapter({ toolkit: 'acme', connect: s.as.connector })],
      redirectUri: REDIRECT,
    })
    const all = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? other : s.engine).credentials(account.id)),
    )
    expect(s.as.grants.filter((g) => g.grantType === 'refresh_token')).toHaveLength(1)
    expect(new Set(all.map((c) => c.val.access_token)).size).toBe(1)
  })

  it('invalid_grant makes the account EXPIRED with the reason and an event; credentials then answer 409', async () => {
    const s = await setup()
    const { account } = await connected(s)
    s.advance(3_590_000)
    s.as.killGrants()
    const error = await rejection(s.engine.credentials(account.id))
    expect(error).toMatchObject({ status: 409, slug: 'refresh_rejected' })
    expect(await s.engine.get(account.id)).toMatchObject({
      status: 'EXPIRED',
      statusReason: expect.stringContaining('invalid_grant'),
    })
    expect(s.events.at(-1)).toMatchObject({
      type: 'refresh_failed',
      from: 'ACTIVE',
      to: 'EXPIRED',
      reason: expect.stringContaining('invalid_grant'),
    })
    expect(await rejection(s.engine.credentials(account.id))).toMatchObject({
      status: 409,
      slug: 'connected_account_not_active',
    })
  })

  it('a transient failure keeps the account ACTIVE with a retryable 503, shared by every waiting caller', async () => {
    let failing = true
    const s = await setup({
      delayMs: 30,
      answer: (grant) =>
        failing && grant.grantType === 'refresh_token'
          ? [503, { error: 'temporarily_unavailable' }, { 'retry-after': '5' }]
          : undefined,
    })
    const { account } = await connected(s)
    s.advance(3_590_000)
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => s.engine.credentials(account.id)),
    )
    for (const r of results) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        status: 503,
        slug: 'refresh_failed',
        retryAfterMs: 5000,
      })
    }
    expect(s.as.grants.filter((g) => g.grantType === 'refresh_token')).toHaveLength(1)
    expect((await s.engine.get(account.id)).status).toBe('ACTIVE')
    failing = false
    expect((await s.engine.credentials(account.id)).val.access_token).not.toBe(
      account.credentials.access_token,
    )
  })

  it('invalid_grant for a refresh token that was rotated meanwhile is a lost race, not a dead grant', async () => {
    let rotatedElsewhere: (() => Promise<unknown>) | undefined
    const s = await setup({
      answer: async (grant) => {
        if (grant.grantType !== 'refresh_token' || !rotatedElsewhere) return undefined
        // Another system rotates the tokens while our grant is in flight, then our grant fails.
        await rotatedElsewhere()
        rotatedElsewhere = undefined
        return [400, { error: 'invalid_grant' }]
      },
    })
    const { account } = await connected(s)
    rotatedElsewhere = () =>
      s.store.get(account.id).then((record) =>
        s.store.compareAndSet(
          account.id,
          record?.version ?? 0,
          {
            ...(record as NonNullable<typeof record>),
            credentials: { access_token: 'fake-at-rotated', refresh_token: 'fake-rt-rotated' },
            version: (record?.version ?? 0) + 1,
          },
          [],
        ),
      )
    s.advance(3_590_000)
    const result = await s.engine.credentials(account.id)
    expect(result.val.access_token).toBe('fake-at-rotated')
    expect((await s.engine.get(account.id)).status).toBe('ACTIVE')
  })

  it('a crashed refresher’s claim expires, and then the account refreshes', async () => {
    const s = await setup({}, { refreshDeadlineMs: 200, claimGraceMs: 100 })
    const { account } = await connected(s)
    s.advance(3_590_000)
    const record = await s.store.get(account.id)
    // Another process took the claim and died without releasing it.
    expect(
      await s.store.claim(account.id, record?.version ?? 0, {
        id: 'clm_dead',
        expiresAt: Date.now() + 3_590_000 + 300,
      }),
    ).toBe(true)
    const result = await s.engine.credentials(account.id)
    expect(result.val.access_token).not.toBe(account.credentials.access_token)
    expect(s.as.grants.filter((g) => g.grantType === 'refresh_token')).toHaveLength(1)
  })

  it('refresh uses the refresh grant when it can (redirectUrl null)', async () => {
    const s = await setup()
    const { account } = await connected(s)
    const result = await s.engine.refresh(account.id)
    expect(result).toEqual({ id: account.id, status: 'ACTIVE', redirectUrl: null })
    expect((await s.engine.get(account.id)).credentials.access_token).not.toBe(
      account.credentials.access_token,
    )
  })

  it('without a refresh token, refresh starts a new authorization for the same account, which keeps its status and then its new tokens', async () => {
    const s = await setup()
    const imported = await s.engine.create({
      userId: 'u1',
      toolkit: 'acme',
      credentials: { access_token: 'fake-at-imported' },
    })
    const result = await s.engine.refresh(imported.id, { callbackUrl: 'https://app.example.test/again' })
    expect(result).toMatchObject({
      id: imported.id,
      status: 'ACTIVE',
      redirectUrl: expect.stringContaining(s.as.url),
    })
    expect((await s.engine.get(imported.id)).status).toBe('ACTIVE')
    const done = await s.engine.completeAuthorization(s.as.consent(result.redirectUrl as string))
    expect(done).toMatchObject({
      callbackUrl: 'https://app.example.test/again',
      account: { id: imported.id, status: 'ACTIVE' },
    })
    expect(done.account.credentials.access_token).not.toBe('fake-at-imported')
    expect(s.events.map((e) => e.type)).toEqual(['created', 'authorization_started', 'connected'])
  })

  it('a dead grant on refresh falls back to a new authorization; an EXPIRED account reconnects through it', async () => {
    const s = await setup()
    const { account } = await connected(s)
    s.as.killGrants()
    const result = await s.engine.refresh(account.id)
    expect(result.redirectUrl).toContain(s.as.url)
    expect(result.status).toBe('EXPIRED')
    await s.engine.completeAuthorization(s.as.consent(result.redirectUrl as string))
    expect(await s.engine.get(account.id)).toMatchObject({ status: 'ACTIVE', statusReason: null })
  })

  it('INACTIVE and REVOKED accounts do not refresh or hand out credentials (409)', async () => {
    const s = await setup()
    const { account } = await connected(s)
    await s.engine.disable(account.id)
    expect(await rejection(s.engine.credentials(account.id))).toMatchObject({
      status: 409,
      slug: 'connected_account_not_active',
    })
    expect(await rejection(s.engine.refresh(account.id))).toMatchObject({ status: 409 })
    await s.engine.enable(account.id)
    await s.engine.revoke(account.id)
    expect(await rejection(s.engine.credentials(account.id))).toMatchObject({ status: 409 })
    expect(await rejection(s.engine.refresh(account.id))).toMatchObject({ status: 409 })
  })

  it('an expired token with no way to refresh expires the account', async () => {
    const s = await setup()
    const past = new Date(Date.now() - 1000).toISOString()
    const a = await s.engine.create({
      userId: 'u1',
      toolkit: 'acme',
      credentials: { access_token: 'fake-at-old', expires_at: past },
    })
    expect(await rejection(s.engine.credentials(a.id))).toMatchObject({
      status: 409,
      slug: 'refresh_rejected',
    })
    expect((await s.engine.get(a.id)).status).toBe('EXPIRED')
  })
})

describe('updateCredentials', () => {
  it('replaces the tokens (scrubbing the old ones) and keeps a disabled account disabled', async () => {
    const s = await setup()
    const { account } = await connected(s)
    const updated = await s.engine.updateCredentials(account.id, {
      access_token: 'fake-at-outside',
      refresh_token: 'fake-rt-outside',
    })
    expect(updated).toMatchObject({ status: 'ACTIVE', credentials: { access_token: 'fake-at-outside' } })
    expect(s.events.at(-1)).toMatchObject({ type: 'credentials_updated' })
    await s.engine.disable(account.id)
    expect((await s.engine.updateCredentials(account.id, { access_token: 'fake-at-2' })).status).toBe(
      'INACTIVE',
    )
    expect(await rejection(s.engine.updateCredentials(account.id, {}))).toMatchObject({ status: 400 })
    await s.engine.enable(account.id)
    await s.engine.revoke(account.id)
    expect(
      await rejection(s.engine.updateCredentials(account.id, { access_token: 'fake-at-3' })),
    ).toMatchObject({ status: 409 })
  })
})

describe('canaries: nothing secret leaves the engine', () => {
  it('no code, state, verifier, token or client secret in any event, log line or error', async () => {
    const s = await setup()
    const link = await s.engine.initiate({ userId: 'u1', toolkit: 'acme' })
    const back = new URL(s.as.consent(link.redirectUrl))
    const secrets = [
      back.searchParams.get('code'),
      back.searchParams.get('state')?.split('.')[1],
      s.as.clientSecret,
    ]
    const errors: unknown[] = []
    const collect = (p: Promise<unknown>) => p.catch((e: unknown) => errors.push(e))
    const { account } = await s.engine.completeAuthorization(back)
    await collect(s.engine.completeAuthorization(back))
    s.advance(3_590_000)
    await s.engine.credentials(account.id)
    s.advance(3_590_000)
    s.as.killGrants()
    await collect(s.engine.credentials(account.id))
    const verifier = s.as.grants[0]?.form.get('code_verifier')
    secrets.push(verifier, ...s.as.issued)
    const seen = [
      JSON.stringify(s.events),
      ...s.logger.lines,
      ...errors.map(errorText),
      JSON.stringify(await s.store.events(account.id)),
    ].join('\n')
    for (const secret of secrets) {
      expect(secret).toBeTruthy()
      expect(seen).not.toContain(secret)
    }
    expect(errors).toHaveLength(2)
  })
})

describe('the connect columns of the transition table, every cell through the engine', () => {
  const table = specTable(CONNECT_TABLE)

  /** An account in `status`, made the way a user would, holding a refresh token where it can. */
  async function accountIn(s: Setup, status: AccountStatus): Promise<string> {
    const active = async () => (await connected(s, `u-${status}-${Math.random()}`)).account.id
    switch (status) {
      case 'INITIATED':
        return (await s.engine.initiate({ userId: `u-${Math.random()}`, toolkit: 'acme' })).id
      case 'ACTIVE':
        return active()
      case 'INACTIVE':
        return (await s.engine.disable(await active())).id
      case 'EXPIRED':
        return (await s.engine.expire(await active())).id
      case 'REVOKED': {
        const id = await active()
        await s.engine.revoke(id)
        return id
      }
      case 'DELETED':
        return (await s.engine.delete(await active())).id
    }
  }

  async function apply(s: Setup, op: Operation, id: string): Promise<AccountStatus> {
    // An ACTIVE account re-authorizes only when it cannot use the refresh grant.
    const record = await s.store.get(id)
    if ((op === 'authorize' || op === 'complete') && record?.status === 'ACTIVE') {
      await s.engine.updateCredentials(id, { access_token: 'fake-at-no-refresh' })
    }
    switch (op) {
      case 'authorize':
        return (await s.engine.refresh(id, {})).status
      case 'complete': {
        // A link for this account: the one of an INITIATED account, or a new authorization.
        const record = await s.store.get(id)
        const url =
          record?.status === 'INITIATED'
            ? undefined
            : record && transition(record.status, 'authorize').allowed
              ? (await s.engine.refresh(id)).redirectUrl
              : undefined
        if (!url && record?.status !== 'INITIATED') {
          // No link can be made for this account: completing is refused the same way.
          throw (await s.engine.refresh(id).catch((e: unknown) => e)) as Error
        }
        const link = url ?? s.links.get(id)
        return (await s.engine.completeAuthorization(s.as.consent(link as string))).account.status
      }
      case 'refresh': {
        // refresh() sends the grant where the table allows it, and otherwise falls back to a
        // new authorization (a URL): that is the grant refused, with nothing sent.
        const grants = s.as.grants.length
        const result = await s.engine.refresh(id)
        if (result.redirectUrl === null) return result.status
        expect(s.as.grants.length).toBe(grants)
        throw new RevokitError('invalid_status_transition', {
          message: 'no refresh grant',
          suggestedFix: '-',
        })
      }
      case 'update':
        return (await s.engine.updateCredentials(id, { access_token: 'fake-at-updated' })).status
      case 'read':
        await s.engine.credentials(id)
        return (await s.engine.get(id)).status
      default:
        throw new Error(`not a connect operation: ${op}`)
    }
  }

  for (const [key, cell] of table) {
    const [from, op] = key.split('/') as [AccountStatus, Operation]
    it(`${from} --${op}--> ${cell.kind === 'error' ? cell.status : cell.status}`, async () => {
      const s = await setup()
      const id = await accountIn(s, from)
      if (from === 'INITIATED') {
        // Keep the INITIATED account's own link for `complete`.
        const record = await s.store.get(id)
        expect(record?.authorization).toBeTruthy()
      }
      const before = await s.store.get(id)
      const result = await apply(s, op, id).then(
        (status) => ({ status }),
        (error: unknown) => ({ error }),
      )
      if (cell.kind === 'error') {
        expect('error' in result && isRevokitError(result.error) && result.error.status).toBe(cell.status)
        const after = await s.store.get(id)
        expect(after?.status).toBe(before?.status)
        expect(after?.credentials).toEqual(before?.credentials)
        return
      }
      if ('error' in result) throw result.error
      expect(result).toEqual({ status: cell.status })
      expect((await s.store.get(id))?.status).toBe(cell.status)
    })
  }
})

describe('a provider that echoes secrets in its errors', () => {
  it('the refresh token and the client secret never reach the status reason, event or error', async () => {
    let echo = ''
    const s = await setup({
      answer: (grant) =>
        grant.grantType === 'refresh_token'
          ? [400, { error: 'invalid_grant', error_description: echo }]
          : undefined,
    })
    const { account } = await connected(s)
    const refreshToken = account.credentials.refresh_token as string
    echo = `token ${refreshToken} for client secret ${s.as.clientSecret} is revoked`
    s.advance(3_590_000)
    const error = await rejection(s.engine.credentials(account.id))
    const stored = await s.engine.get(account.id)
    const seen = [
      errorText(error),
      String(stored.statusReason),
      JSON.stringify(s.events),
      ...s.logger.lines,
    ].join('\n')
    expect(stored.statusReason).toContain('[REDACTED]')
    expect(seen).not.toContain(refreshToken)
    expect(seen).not.toContain(s.as.clientSecret)
  })
})
