import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { revoked } from '../adapter'
import { createEngine } from '../engine'
import { isRevokitError, type RevokitError } from '../errors'
import { memoryStore } from '../memory-store'
import type { AccountRecord } from '../model'
import type { Store } from '../store'
import { encryptedStore, fakeAuthorizationServer, later, scriptedAdapter, storeConformance } from '../testing'
import { encryptionKeyId, parseEncryptionKey } from './keyring'

const KEY_1 = randomBytes(32)
const KEY_2 = randomBytes(32)

/** The first 8-character window of `secret` found in `text`, or undefined. */
function leakedWindow(text: string, secret: string, width = 8): string | undefined {
  for (let i = 0; i + width <= secret.length; i++) {
    const window = secret.slice(i, i + width)
    if (text.includes(window)) return window
  }
  return undefined
}

/** Everything the store holds for `id`, as the text a dump of it would be. */
async function stored(store: Store, id: string): Promise<string> {
  return JSON.stringify([await store.get(id), await store.events(id)])
}

const fakeToken = (label: string) => `fake-${label}-${randomBytes(12).toString('hex')}`

async function failure(promise: Promise<unknown>): Promise<RevokitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isRevokitError(error)) throw new Error(`expected a RevokitError, got ${String(error)}`)
  return error
}

describe('memoryStore conformance through the encryption layer', () => {
  for (const c of storeConformance({
    create: () => encryptedStore(memoryStore(), { keys: [{ key: KEY_1 }] }),
  }))
    it(c.name, c.run)
})

describe('encryption at rest', () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of closers.splice(0)) await close()
  })

  it('the store holds no token plaintext (nor any 8 characters of one) before or after revoke', async () => {
    const inner = memoryStore()
    const adapter = scriptedAdapter()
    const engine = createEngine({ store: inner, adapters: [adapter], encryption: { keys: [{ key: KEY_1 }] } })
    const access = fakeToken('at')
    const refresh = fakeToken('rt')
    const { id } = await engine.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { access_token: access, refresh_token: refresh, scope: 'read' },
    })
    for (const token of [access, refresh])
      expect(leakedWindow(await stored(inner, id), token)).toBeUndefined()
    const raw = (await inner.get(id)) as AccountRecord
    expect(raw.credentials).toEqual({ $sealed: expect.stringMatching(/^rk1\./) })
    expect(raw.userId).toBe('u1')
    expect(raw.status).toBe('ACTIVE')

    // What the engine hands out is the plaintext.
    expect((await engine.credentials(id)).val).toMatchObject({ access_token: access, refresh_token: refresh })

    await engine.disable(id)
    await engine.enable(id)
    const result = await engine.revoke(id)
    expect(result.revokedTokens).toEqual(['access_token', 'refresh_token'])
    for (const token of [access, refresh])
      expect(leakedWindow(await stored(inner, id), token)).toBeUndefined()
  })

  it('a pending authorization (its PKCE verifier) is stored sealed', async () => {
    const as = await fakeAuthorizationServer()
    closers.push(() => as.close())
    const inner = memoryStore()
    const engine = createEngine({
      store: inner,
      adapters: [scriptedAdapter({ toolkit: 'acme', connect: as.connector })],
      redirectUri: 'http://127.0.0.1/callback',
      encryption: { keys: [{ key: KEY_1 }] },
    })
    const link = await engine.initiate({ userId: 'u1', toolkit: 'acme' })
    const raw = (await inner.get(link.id)) as AccountRecord
    expect(raw.authorization).toEqual({ $sealed: expect.stringMatching(/^rk1\./) })
    const pending = await stored(inner, link.id)

    const done = await engine.completeAuthorization(as.consent(link.redirectUrl))
    expect(done.account.status).toBe('ACTIVE')
    // The verifier is known once the engine sends it with the code; it was never in the store.
    const verifier = as.grants.find((g) => g.grantType === 'authorization_code')?.form.get('code_verifier')
    expect(verifier).toEqual(expect.any(String))
    expect(leakedWindow(pending, verifier as string)).toBeUndefined()
    const access = (await engine.credentials(link.id)).val.access_token as string
    const text = await stored(inner, link.id)
    expect(leakedWindow(text, verifier as string)).toBeUndefined()
    expect(leakedWindow(text, access)).toBeUndefined()
  })

  it('an engine without the key, or with another, refuses the record with a clear error and no plaintext', async () => {
    const inner = memoryStore()
    const access = fakeToken('at')
    const writer = createEngine({ store: inner, adapters: [], encryption: { keys: [{ key: KEY_1 }] } })
    const { id } = await writer.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { access_token: access },
    })

    for (const reader of [
      createEngine({ store: inner, adapters: [] }),
      createEngine({ store: inner, adapters: [], encryption: { keys: [{ key: KEY_2 }] } }),
    ]) {
      const error = await failure(reader.credentials(id))
      expect(error.slug).toBe('encryption_key_missing')
      expect(error.status).toBe(500)
      expect(error.message).toContain(encryptionKeyId(KEY_1))
      expect(error.suggestedFix).toContain('REVOKIT_ENCRYPTION_KEY')
      expect(leakedWindow(JSON.stringify(error.toJSON()), access)).toBeUndefined()
      // Lists too: a page with such a record is refused, not handed out as garbage credentials.
      expect((await failure(reader.list())).slug).toBe('encryption_key_missing')
    }
  })

  it('a key under the right id but the wrong bytes, a tampered ciphertext, or one moved to another account → decryption_failed', async () => {
    const inner = memoryStore()
    const engine = createEngine({
      store: inner,
      adapters: [],
      encryption: { keys: [{ id: 'k1', key: KEY_1 }] },
    })
    const a = await engine.create({
      userId: 'a',
      toolkit: 'test',
      credentials: { access_token: fakeToken('a') },
    })
    const b = await engine.create({
      userId: 'b',
      toolkit: 'test',
      credentials: { access_token: fakeToken('b') },
    })

    const impostor = createEngine({
      store: inner,
      adapters: [],
      encryption: { keys: [{ id: 'k1', key: KEY_2 }] },
    })
    expect((await failure(impostor.credentials(a.id))).slug).toBe('decryption_failed')

    const rawA = (await inner.get(a.id)) as AccountRecord
    const rawB = (await inner.get(b.id)) as AccountRecord
    // B's ciphertext copied onto A: authenticated with A's id, so it does not open.
    await inner.compareAndSet(
      a.id,
      rawA.version,
      { ...rawA, credentials: rawB.credentials, version: rawA.version + 1 },
      [],
    )
    // A fresh engine, so nothing is answered from a cache of earlier reads.
    const fresh = () =>
      createEngine({ store: inner, adapters: [], encryption: { keys: [{ id: 'k1', key: KEY_1 }] } })
    expect((await failure(fresh().credentials(a.id))).slug).toBe('decryption_failed')

    const sealed = (rawB.credentials as unknown as { $sealed: string }).$sealed
    const flipped = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`
    await inner.compareAndSet(
      b.id,
      rawB.version,
      { ...rawB, credentials: { $sealed: flipped }, version: rawB.version + 1 },
      [],
    )
    const error = await failure(fresh().credentials(b.id))
    expect(error.slug).toBe('decryption_failed')
    expect(error.message).toContain(b.id)

    // Not an envelope at all: refused, never taken for plaintext credentials.
    const now = (await inner.get(b.id)) as AccountRecord
    await inner.compareAndSet(
      b.id,
      now.version,
      { ...now, credentials: { $sealed: 'fake-garbage' }, version: now.version + 1 },
      [],
    )
    const garbage = await failure(fresh().credentials(b.id))
    expect(garbage.slug).toBe('decryption_failed')
    expect(JSON.stringify(garbage.toJSON())).not.toContain('fake-garbage')
  })

  it('refuses a key that is not 32 bytes, without quoting it', () => {
    for (const key of ['c2hvcnQ=', 'not base64 at all!', randomBytes(16)]) {
      let message = ''
      try {
        createEngine({ store: memoryStore(), adapters: [], encryption: { keys: [{ key }] } })
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toContain('encryption.keys[0] must be 32 bytes')
      if (typeof key === 'string') expect(message).not.toContain(key)
    }
    expect(parseEncryptionKey(KEY_1.toString('base64'))?.equals(KEY_1)).toBe(true)
    expect(parseEncryptionKey(KEY_1.toString('base64url'))?.equals(KEY_1)).toBe(true)
  })

  it('an unchanged secret keeps its ciphertext across writes (no new copy per status change)', async () => {
    const inner = memoryStore()
    const engine = createEngine({ store: inner, adapters: [], encryption: { keys: [{ key: KEY_1 }] } })
    const { id } = await engine.create({
      userId: 'u',
      toolkit: 'test',
      credentials: { access_token: fakeToken('at') },
    })
    const before = ((await inner.get(id)) as AccountRecord).credentials
    await engine.disable(id)
    expect(((await inner.get(id)) as AccountRecord).credentials).toEqual(before)
    await engine.updateCredentials(id, { access_token: fakeToken('new') })
    expect(((await inner.get(id)) as AccountRecord).credentials).not.toEqual(before)
  })

  it('without a key, the engine stores plaintext as before', async () => {
    const inner = memoryStore()
    const engine = createEngine({ store: inner, adapters: [] })
    const credentials = { access_token: fakeToken('at') }
    const { id } = await engine.create({ userId: 'u', toolkit: 'test', credentials })
    expect(((await inner.get(id)) as AccountRecord).credentials).toEqual(credentials)
    expect((await failure(engine.rotateKeys())).slug).toBe('invalid_config')
  })
})

describe('engine.rotateKeys', () => {
  /** The key id each record's credentials are sealed with ('none' when empty), in creation order. */
  const sealedWith = async (inner: Store, ids?: readonly string[]) => {
    const records = await inner.list({ limit: 1000 })
    const ordered = ids ? ids.map((id) => records.find((r) => r.id === id) as AccountRecord) : records
    return ordered.map((r) =>
      Object.keys(r.credentials).length === 0
        ? 'none'
        : (((r.credentials as unknown as { $sealed?: string }).$sealed ?? '').split('.')[1] ?? 'plaintext'),
    )
  }

  it('re-encrypts records under an old key, or in plaintext, with the current one; the old key can then go', async () => {
    const inner = memoryStore()
    const plain = createEngine({ store: inner, adapters: [] })
    const old = createEngine({
      store: inner,
      adapters: [],
      encryption: { keys: [{ id: 'old', key: KEY_1 }] },
    })
    const tokens = new Map<string, string>()
    for (let i = 0; i < 7; i++) {
      const token = fakeToken(`at${i}`)
      const { id } = await (i < 2 ? plain : old).create({
        userId: `u${i}`,
        toolkit: 'test',
        credentials: { access_token: token },
      })
      tokens.set(id, token)
    }
    const updatedAt = new Map((await inner.list({ limit: 100 })).map((r) => [r.id, r.updatedAt]))

    const rotating = createEngine({
      store: inner,
      adapters: [],
      encryption: {
        keys: [
          { id: 'new', key: KEY_2 },
          { id: 'old', key: KEY_1 },
        ],
      },
    })
    const progress: number[] = []
    const summary = await rotating.rotateKeys({ pageSize: 3, onProgress: (p) => progress.push(p.scanned) })
    expect(summary).toMatchObject({
      total: 7,
      scanned: 7,
      rewritten: 7,
      skipped: 0,
      failed: 0,
      aborted: false,
    })
    expect(progress).toEqual([3, 6, 7])
    expect(await sealedWith(inner)).toEqual(Array(7).fill('new'))
    // A re-encryption is not a change to the account.
    for (const r of await inner.list({ limit: 100 })) expect(r.updatedAt).toBe(updatedAt.get(r.id))

    const newOnly = createEngine({
      store: inner,
      adapters: [],
      encryption: { keys: [{ id: 'new', key: KEY_2 }] },
    })
    for (const [id, token] of tokens) expect((await newOnly.credentials(id)).val.access_token).toBe(token)
    expect((await rotating.rotateKeys()).rewritten).toBe(0)
  })

  it('revokes running during the rotation lose nothing', async () => {
    const inner = memoryStore()
    const old = createEngine({
      store: inner,
      adapters: [],
      encryption: { keys: [{ id: 'old', key: KEY_1 }] },
    })
    const ids: string[] = []
    for (let i = 0; i < 40; i++) {
      const { id } = await old.create({
        userId: `u${i}`,
        toolkit: 'test',
        credentials: { access_token: fakeToken(`at${i}`), refresh_token: fakeToken(`rt${i}`) },
      })
      ids.push(id)
    }
    const keys = {
      keys: [
        { id: 'new', key: KEY_2 },
        { id: 'old', key: KEY_1 },
      ],
    }
    const adapter = scriptedAdapter({ script: { refresh_token: [later(5, revoked())] } })
    // Two engines on one store, as two processes: one serving revokes, one rotating.
    const server = createEngine({ store: inner, adapters: [adapter], encryption: keys })
    const rotator = createEngine({ store: inner, adapters: [], encryption: keys })
    const revoking = ids.filter((_, i) => i % 2 === 0)
    const [summary, results] = await Promise.all([
      rotator.rotateKeys({ pageSize: 4 }),
      Promise.all(revoking.map((id) => server.revoke(id))),
    ])
    for (const r of results) expect(r.connectedAccount.status).toBe('REVOKED')
    expect(summary.failed).toBe(0)
    // Whatever the rotation skipped was re-sealed by the revoke that held it; a revoked account
    // holds nothing any more.
    expect(await sealedWith(inner, ids)).toEqual(ids.map((_, i) => (i % 2 === 0 ? 'none' : 'new')))
    for (const id of revoking) {
      const record = (await inner.get(id)) as AccountRecord
      expect(record.status).toBe('REVOKED')
      expect([...record.revokedSubjects].sort()).toEqual(['access_token', 'refresh_token'])
      expect((await inner.events(id)).filter((e) => e.type === 'revoked')).toHaveLength(1)
    }
    const untouched = ids.filter((_, i) => i % 2 === 1)
    for (const id of untouched) expect((await server.get(id)).status).toBe('ACTIVE')
  })

  it('stops at a page boundary when its signal aborts, and says so', async () => {
    const inner = memoryStore()
    const old = createEngine({
      store: inner,
      adapters: [],
      encryption: { keys: [{ id: 'old', key: KEY_1 }] },
    })
    for (let i = 0; i < 5; i++) {
      await old.create({
        userId: `u${i}`,
        toolkit: 'test',
        credentials: { access_token: fakeToken(`at${i}`) },
      })
    }
    const engine = createEngine({
      store: inner,
      adapters: [],
      encryption: {
        keys: [
          { id: 'new', key: KEY_2 },
          { id: 'old', key: KEY_1 },
        ],
      },
    })
    const stop = new AbortController()
    const summary = await engine.rotateKeys({
      pageSize: 2,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    })
    expect(summary).toMatchObject({ total: 5, scanned: 2, rewritten: 2, aborted: true })
    expect(await engine.rotateKeys()).toMatchObject({ scanned: 5, rewritten: 3, aborted: false })
  })

  it('counts a record it cannot open as failed, names it, and goes on', async () => {
    const inner = memoryStore()
    const stranger = createEngine({
      store: inner,
      adapters: [],
      encryption: { keys: [{ id: 'lost', key: KEY_1 }] },
    })
    const lost = await stranger.create({
      userId: 'x',
      toolkit: 'test',
      credentials: { access_token: fakeToken('x') },
    })
    const plain = createEngine({ store: inner, adapters: [] })
    await plain.create({ userId: 'y', toolkit: 'test', credentials: { access_token: fakeToken('y') } })
    const engine = createEngine({
      store: inner,
      adapters: [],
      encryption: { keys: [{ id: 'new', key: KEY_2 }] },
    })
    const summary = await engine.rotateKeys()
    expect(summary).toMatchObject({ scanned: 2, rewritten: 1, failed: 1 })
    expect(summary.errors[0]).toContain(lost.id)
    expect(summary.errors[0]).toContain('"lost"')
  })
})
