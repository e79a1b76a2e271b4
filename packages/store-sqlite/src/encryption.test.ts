import { randomBytes } from 'node:crypto'
import { createEngine, isRevokitError, type Store } from '@revokit/core'
import {
  encryptedStore,
  fakeAuthorizationServer,
  scriptedAdapter,
  storeConformance,
} from '@revokit/core/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { dbBytes, fakeSecret, removeTempDirs, tempDbPath, windowIn, windowsOnDisk } from '../test/helpers'
import { sqliteStore } from './sqlite-store'

// Encryption lives in core, in front of any store: these tests read the SQLite files' bytes, as
// anyone who copies the database would, and look for any 8 characters of a token or verifier.

const KEY = { id: 'k1', key: randomBytes(32) }
const NEW_KEY = { id: 'k2', key: randomBytes(32) }

afterAll(removeTempDirs)
const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const closable of open.splice(0)) await closable.close()
})

describe('sqliteStore conformance through the encryption layer (two connections on one file)', () => {
  const paths = new WeakMap<object, string>()
  const wrap = (inner: Store, path: string) => {
    const store = encryptedStore(inner, { keys: [KEY] })
    paths.set(store, path)
    return store
  }
  for (const c of storeConformance({
    create() {
      const path = tempDbPath()
      return wrap(sqliteStore({ path }), path)
    },
    peer: (store) => {
      const path = paths.get(store) as string
      return wrap(sqliteStore({ path }), path)
    },
    // No storedBytes: the scrubbing cases look for plaintext values in the files, which
    // encryption keeps out from the start (the plain run above proves the scrubbing itself).
    async cleanup(stores) {
      for (const store of stores) await store.close?.()
    },
  }))
    it(c.name, c.run)
})

describe('an encrypted engine on sqliteStore', () => {
  it('no token or PKCE verifier plaintext in the .db or -wal: after import, refresh, a pending authorization, and revoke', async () => {
    const as = await fakeAuthorizationServer()
    const path = tempDbPath()
    const engine = createEngine({
      store: sqliteStore({ path, scrubDelayMs: 0 }),
      adapters: [scriptedAdapter({ toolkit: 'acme', connect: as.connector })],
      redirectUri: 'http://127.0.0.1/callback',
      encryption: { keys: [KEY] },
    })
    open.push(engine, as)
    const secrets: string[] = []
    const clean = () => secrets.flatMap((secret) => windowsOnDisk(path, secret))

    // A pending authorization: its PKCE verifier is in the files only as ciphertext.
    const link = await engine.initiate({ userId: 'u2', toolkit: 'acme' })
    const pendingBytes = Buffer.concat(Object.values(dbBytes(path)))
    await engine.completeAuthorization(as.consent(link.redirectUrl))
    const verifier = as.grants
      .find((g) => g.grantType === 'authorization_code')
      ?.form.get('code_verifier') as string
    expect(verifier).toEqual(expect.any(String))
    secrets.push(verifier)
    expect(windowIn(pendingBytes, verifier)).toBeUndefined()
    const connected = await engine.credentials(link.id)
    secrets.push(connected.val.access_token as string, connected.val.refresh_token as string)
    expect(clean()).toEqual([])

    const { redirectUrl } = await engine.refresh(link.id)
    expect(redirectUrl).toBeNull()
    const refreshed = await engine.credentials(link.id)
    expect(refreshed.val.access_token).not.toBe(connected.val.access_token)
    secrets.push(refreshed.val.access_token as string, refreshed.val.refresh_token as string)
    expect(clean()).toEqual([])

    const access = fakeSecret('at')
    const refresh = fakeSecret('rt')
    secrets.push(access, refresh)
    const imported = await engine.create({
      userId: 'u1',
      toolkit: 'acme',
      credentials: { access_token: access, refresh_token: refresh },
    })
    expect(clean()).toEqual([])
    // The user id, status and toolkit are no secret and stay readable (lists filter on them).
    expect(Buffer.concat(Object.values(dbBytes(path))).includes('acme')).toBe(true)

    for (const id of [imported.id, link.id]) {
      const result = await engine.revoke(id)
      expect(result.connectedAccount.status).toBe('REVOKED')
    }
    expect(clean()).toEqual([])
  })

  it('reopened with the wrong key: a clear encryption_key_missing, no plaintext, no crash', async () => {
    const path = tempDbPath()
    const access = fakeSecret('at')
    const writer = createEngine({ store: sqliteStore({ path }), adapters: [], encryption: { keys: [KEY] } })
    const { id } = await writer.create({
      userId: 'u',
      toolkit: 'test',
      credentials: { access_token: access },
    })
    await writer.close()

    const reader = createEngine({
      store: sqliteStore({ path }),
      adapters: [],
      encryption: { keys: [NEW_KEY] },
    })
    open.push(reader)
    const error = await reader.credentials(id).catch((e: unknown) => e)
    expect(isRevokitError(error) && error.slug).toBe('encryption_key_missing')
    expect(JSON.stringify(isRevokitError(error) && error.toJSON())).not.toContain(access.slice(-8))
    // Reading the account (which carries its credentials) is refused the same way.
    const read = await reader.get(id).catch((e: unknown) => e)
    expect(isRevokitError(read) && read.slug).toBe('encryption_key_missing')
  })

  it('after rotate, every secret is sealed with the new key and the old key can be dropped', async () => {
    const path = tempDbPath()
    const old = createEngine({ store: sqliteStore({ path }), adapters: [], encryption: { keys: [KEY] } })
    const tokens = new Map<string, string>()
    for (let i = 0; i < 5; i++) {
      const token = fakeSecret(`at${i}`)
      tokens.set(
        (await old.create({ userId: `u${i}`, toolkit: 'test', credentials: { access_token: token } })).id,
        token,
      )
    }
    await old.close()
    const rotating = createEngine({
      store: sqliteStore({ path }),
      adapters: [],
      encryption: { keys: [NEW_KEY, KEY] },
    })
    expect(await rotating.rotateKeys()).toMatchObject({ scanned: 5, rewritten: 5, failed: 0, skipped: 0 })
    await rotating.close()

    const newOnly = createEngine({
      store: sqliteStore({ path }),
      adapters: [],
      encryption: { keys: [NEW_KEY] },
    })
    open.push(newOnly)
    for (const [id, token] of tokens) expect((await newOnly.credentials(id)).val.access_token).toBe(token)
    // The old key's ciphertext is zeroed, not left beside the new one.
    const bytes = Buffer.concat(Object.values(dbBytes(path)))
    expect(bytes.includes(`rk1.${KEY.id}.`)).toBe(false)
    expect(bytes.includes(`rk1.${NEW_KEY.id}.`)).toBe(true)
  })
})
