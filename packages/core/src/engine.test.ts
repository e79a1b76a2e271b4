import { describe, expect, it } from 'vitest'
import { errorText, rejection } from '../test/helpers'
import { failed, unsupported } from './adapter'
import { createEngine, type RevokeManyItem } from './engine'
import { memoryStore } from './memory-store'
import type { AuditEvent, Store } from './store'
import { scriptedAdapter } from './testing'

const CREDS = { access_token: 'fake-at-e1', refresh_token: 'fake-rt-e1' }

describe('create', () => {
  it('defaults to ACTIVE with an access token and INITIATED without, with a ca_ id', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    const active = await engine.create({
      userId: 'alice',
      toolkit: 'gmail',
      allowMultiple: true,
      credentials: CREDS,
    })
    const initiated = await engine.create({ userId: 'alice', toolkit: 'gmail', allowMultiple: true })
    expect(active).toMatchObject({ status: 'ACTIVE', projectId: 'default', version: 1, credentials: CREDS })
    expect(initiated.status).toBe('INITIATED')
    expect(active.id).toMatch(/^ca_[A-Za-z0-9_-]{12}$/)
    expect(active.createdAt).toBe(active.updatedAt)
  })

  it('imports with a given id, and refuses a duplicate with 409', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    await engine.create({ id: 'ca_1a2b3c4d5e6f', userId: 'u', toolkit: 'gmail', credentials: CREDS })
    const error = await rejection(
      engine.create({ id: 'ca_1a2b3c4d5e6f', userId: 'u', toolkit: 'gmail', credentials: CREDS }),
    )
    expect(error).toMatchObject({ status: 409, slug: 'connected_account_exists' })
  })

  it('rejects bad input with a 400 naming every field, and never echoes a credential value', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    const error = await rejection(
      engine.create({
        userId: '',
        toolkit: 'Not A Slug',
        credentials: { access_token: 42 as unknown as string, refresh_token: 'fake-rt-secret-zz9' },
        color: 'blue',
      } as never),
    )
    expect(error).toMatchObject({ status: 400, slug: 'validation_failed', code: 1000 })
    const text = error.errors.join('\n')
    expect(text).toContain('userId')
    expect(text).toContain('toolkit')
    expect(text).toContain('credentials.access_token: expected string')
    expect(text).toContain('unknown field color')
    expect(JSON.stringify(error.toJSON())).not.toContain('fake-rt-secret-zz9')
    expect(error.suggestedFix).toMatch(/Fix the listed fields/)
  })

  it('an ACTIVE account needs a token', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    const error = await rejection(
      engine.create({ userId: 'u', toolkit: 'x', status: 'ACTIVE', credentials: { scope: 'a' } }),
    )
    expect(error).toMatchObject({ status: 400, slug: 'credentials_required' })
  })

  it('records a created event without token values', async () => {
    const events: AuditEvent[] = []
    const store = memoryStore()
    const engine = createEngine({ store, adapters: [], onEvent: (e) => events.push(e) })
    const account = await engine.create(
      { userId: 'u', toolkit: 'x', credentials: CREDS },
      { requestId: 'req_1' },
    )
    expect(events).toEqual(await store.events(account.id))
    expect(events[0]).toMatchObject({
      type: 'created',
      from: null,
      to: 'ACTIVE',
      requestId: 'req_1',
      accountId: account.id,
    })
    expect(JSON.stringify(events)).not.toContain('fake-at-e1')
  })
})

describe('get, list, count', () => {
  async function seeded() {
    const engine = createEngine({ store: memoryStore(), adapters: [scriptedAdapter({ toolkit: 'gmail' })] })
    const ids: Record<string, string> = {}
    for (const [key, userId, toolkit, projectId] of [
      ['a1', 'alice', 'gmail', 'p1'],
      ['a2', 'alice', 'slack', 'p1'],
      ['b1', 'bob', 'gmail', 'p1'],
      ['c1', 'carol', 'gmail', 'p2'],
    ] as const) {
      ids[key] = (await engine.create({ userId, toolkit, credentials: CREDS, projectId })).id
    }
    await engine.revoke(ids.b1 as string)
    await engine.delete(ids.a2 as string)
    return { engine, ids }
  }

  it('lists with every filter and never shows DELETED accounts', async () => {
    const { engine, ids } = await seeded()
    const p1 = await engine.list({}, { projectId: 'p1' })
    expect(p1.items.map((a) => a.id).sort()).toEqual([ids.a1, ids.b1].sort())
    expect(
      (await engine.list({ statuses: ['REVOKED'] }, { projectId: 'p1' })).items.map((a) => a.id),
    ).toEqual([ids.b1])
    expect((await engine.list({ statuses: ['DELETED'] })).items).toEqual([])
    expect(
      (await engine.list({ userIds: ['alice', 'carol'], toolkits: ['gmail'] })).items.map((a) => a.id).sort(),
    ).toEqual([ids.a1, ids.c1].sort())
    expect(await engine.count({ toolkits: ['gmail'] })).toBe(3)
    expect(await engine.count({}, { projectId: 'p2' })).toBe(1)
  })

  it('pages with an opaque cursor until next_cursor is null, without repeats', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    const created = []
    for (let i = 0; i < 23; i++)
      created.push(await engine.create({ userId: `u${i}`, toolkit: 'x', credentials: CREDS }))
    // Oldest first; accounts created in the same millisecond are ordered by id.
    const expected = created
      .sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1,
      )
      .map((a) => a.id)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: Awaited<ReturnType<typeof engine.list>> = await engine.list({ limit: 5, cursor })
      seen.push(...page.items.map((a) => a.id))
      cursor = page.nextCursor
      pages++
    } while (cursor)
    expect(pages).toBe(5)
    expect(seen).toEqual(expected)
  })

  it('a forged cursor is a 400, not a crash', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    for (const cursor of ['garbage', Buffer.from('["x","not-an-id"]').toString('base64url'), '%%%']) {
      expect(await rejection(engine.list({ cursor }))).toMatchObject({ status: 400, slug: 'invalid_cursor' })
    }
    expect(await rejection(engine.list({ limit: 0 }))).toMatchObject({ status: 400 })
    expect(await rejection(engine.list({ statuses: ['GONE'] as never }))).toMatchObject({ status: 400 })
  })

  it('hides another project’s account behind a 404 for every method that names it', async () => {
    const { engine, ids } = await seeded()
    const id = ids.a1 as string
    const other = { projectId: 'p2' }
    for (const call of [
      () => engine.get(id, other),
      () => engine.disable(id, other),
      () => engine.enable(id, other),
      () => engine.expire(id, other),
      () => engine.activate(id, { credentials: CREDS }, other),
      () => engine.revoke(id, other),
      () => engine.delete(id, other),
      () => engine.events(id, other),
    ]) {
      expect(await rejection(call())).toMatchObject({ status: 404, slug: 'connected_account_not_found' })
    }
    expect((await engine.get(id, { projectId: 'p1' })).status).toBe('ACTIVE')
  })

  it('a malformed id is a 400 for every method that names an account', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    for (const id of ['', 'abc', 'ca_', 'ca_with space', `ca_${'x'.repeat(100)}`, '../etc/passwd']) {
      expect(await rejection(engine.get(id))).toMatchObject({
        status: 400,
        slug: 'invalid_connected_account_id',
      })
      expect(await rejection(engine.revoke(id))).toMatchObject({ status: 400 })
    }
  })

  it('a failing store becomes a 500 store_error that does not leak what the store said', async () => {
    const broken: Store = {
      ...memoryStore(),
      get: async () => {
        throw new Error('connection refused: postgres://admin:hunter2secret@db/revokit token=fake-at-e1')
      },
    }
    const engine = createEngine({ store: broken, adapters: [] })
    const error = await rejection(engine.get('ca_1a2b3c4d5e6f'))
    expect(error).toMatchObject({ status: 500, slug: 'store_error' })
    expect(JSON.stringify(error.toJSON())).not.toContain('fake-at-e1')
  })
})

describe('revokeMany', () => {
  it('revokes every ACTIVE account of a user, a few at a time, and counts what happened', async () => {
    const adapter = scriptedAdapter({ toolkit: 'gmail' })
    const slack = scriptedAdapter({
      toolkit: 'slack',
      supportsRefresh: false,
      script: { access_token: [failed({ retryable: false, reason: 'HTTP 500' })] },
    })
    const engine = createEngine({ store: memoryStore(), adapters: [adapter, slack] })
    const mine = []
    for (let i = 0; i < 9; i++)
      mine.push(
        (await engine.create({ userId: 'alice', toolkit: 'gmail', allowMultiple: true, credentials: CREDS }))
          .id,
      )
    const failing = (await engine.create({ userId: 'alice', toolkit: 'slack', credentials: CREDS })).id
    const unsupportedToolkit = (await engine.create({ userId: 'alice', toolkit: 'zoom', credentials: CREDS }))
      .id
    const inactive = (
      await engine.create({ userId: 'alice', toolkit: 'gmail', allowMultiple: true, credentials: CREDS })
    ).id
    await engine.disable(inactive)
    const bob = (await engine.create({ userId: 'bob', toolkit: 'gmail', credentials: CREDS })).id

    const items: RevokeManyItem[] = []
    const progress: number[] = []
    const summary = await engine.revokeMany(
      { userIds: ['alice'] },
      {
        concurrency: 3,
        onResult: (item, p) => {
          items.push(item)
          progress.push(p.done)
        },
      },
    )

    expect(summary).toEqual({
      total: 11,
      processed: 11,
      revoked: 9,
      partial: 0,
      alreadyRevoked: 0,
      notSupported: 1,
      skipped: 0,
      failed: 1,
    })
    expect(progress).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
    expect(items.find((i) => i.id === failing)).toMatchObject({ status: 500 })
    expect(items.find((i) => i.id === unsupportedToolkit)).toMatchObject({ status: 400 })
    expect(new Set(items.map((i) => i.id))).toEqual(new Set([...mine, failing, unsupportedToolkit]))
    expect((await engine.get(inactive)).status).toBe('INACTIVE')
    expect((await engine.get(bob)).status).toBe('ACTIVE')
  })

  it('counts partial revokes apart from complete ones', async () => {
    const adapter = scriptedAdapter({
      toolkit: 'x',
      script: { refresh_token: [unsupported('unsupported_token_type')] },
    })
    const engine = createEngine({ store: memoryStore(), adapters: [adapter] })
    await engine.create({ userId: 'u', toolkit: 'x', credentials: CREDS })
    expect(await engine.revokeMany({ toolkits: ['x'] })).toMatchObject({ total: 1, partial: 1, revoked: 0 })
  })
})

describe('identifiers a terminal would act on are refused at the boundary', () => {
  const hostile = [
    '\u001b[2Jgone',
    'alice\rrevoked: 9999',
    'nul\u0000byte',
    'c1\u009b31m',
    'bidi\u202egnp.exe',
    'tab\there',
  ]

  it('create, list and count answer 400 naming the field; ordinary Unicode is fine', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    for (const userId of hostile) {
      const error = await rejection(engine.create({ userId, toolkit: 'gmail', credentials: CREDS }))
      expect(error).toMatchObject({ status: 400, slug: 'validation_failed' })
      expect(error.errors.join('\n')).toContain('userId')
      // The message names the field, never echoes the value.
      expect(errorText(error)).not.toContain(userId)
      expect(await rejection(engine.list({ userIds: [userId] }))).toMatchObject({ status: 400 })
    }
    expect(
      await rejection(engine.create({ userId: 'u', toolkit: 'gmail', projectId: 'p\u001b' })),
    ).toMatchObject({
      status: 400,
    })
    const ok = await engine.create({ userId: 'José 🙂 Müller', toolkit: 'gmail', credentials: CREDS })
    expect(ok.userId).toBe('José 🙂 Müller')
  })
})
