import type { AccountRecord } from '../model'
import type { Store } from '../store'
import { isSealed, type Keyring, type SealedField, sealedKeyId } from './keyring'

/** The record fields that hold secrets, and what each is called in errors and additional data. */
const FIELDS = [
  ['credentials', 'credentials'],
  ['authorization', 'pending authorization'],
] as const

/** Decrypted values kept per account and field, so hot reads skip AES and writes reuse ciphertext. */
const CACHE_ENTRIES = 10_000

/** A {@link Store} that seals secret fields before the inner store sees them. Internal to core. */
export interface SealedStore extends Store {
  /** The store it wraps, which holds only ciphertext when the keyring has a key. */
  readonly inner: Store
  /** True when writes are sealed (the keyring has a key). */
  readonly sealing: boolean
  /**
   * True when a record as the inner store holds it has a secret field not sealed with the
   * current key (an older key, or plaintext written before encryption was turned on).
   */
  stale(raw: AccountRecord): boolean
}

/**
 * Wraps `inner` so that every record's `credentials` and `authorization` (with its PKCE
 * verifier) are stored sealed (AES-256-GCM, see {@link Keyring}) and read back as written. The
 * other fields stay as they are: stores filter and order on them, and none is a secret.
 *
 * Without a key it writes plaintext, as stores always did, and refuses to hand a sealed value to
 * the engine as if it were credentials (`encryption_key_missing`).
 *
 * Two caches keep this off the hot path: a read of a value already opened compares the
 * ciphertext and parses the cached JSON instead of decrypting, and a write whose plaintext did
 * not change stores the same ciphertext again, so a store that compares secrets byte for byte
 * (SQLite) does not append a new copy on every status change.
 */
export function sealedStore(inner: Store, keyring: Keyring): SealedStore {
  const cache = new Map<string, { sealed: string; json: string }>()
  const remember = (key: string, entry: { sealed: string; json: string }) => {
    cache.delete(key)
    cache.set(key, entry)
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
  }

  const openField = (sealed: SealedField, id: string, name: string, field: string): unknown => {
    const key = `${id}\u0000${name}`
    const hit = cache.get(key)
    if (hit && hit.sealed === sealed.$sealed) return JSON.parse(hit.json)
    const json = keyring.open(sealed, id, field)
    remember(key, { sealed: sealed.$sealed, json })
    return JSON.parse(json)
  }

  const sealField = (value: unknown, id: string, name: string, field: string): SealedField => {
    const key = `${id}\u0000${name}`
    const json = JSON.stringify(value)
    const hit = cache.get(key)
    if (hit && hit.json === json && sealedKeyId({ $sealed: hit.sealed }) === keyring.currentId) {
      return { $sealed: hit.sealed }
    }
    const sealed = keyring.seal(json, id, field)
    remember(key, { sealed: sealed.$sealed, json })
    return sealed
  }

  /** Nothing to hide: no credentials, no pending authorization. */
  const empty = (value: unknown) =>
    value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0)

  const seal = (record: AccountRecord): AccountRecord => {
    if (keyring.currentId === undefined) return record
    const out: Record<string, unknown> = { ...record }
    for (const [name, field] of FIELDS) {
      const value = out[name]
      if (!empty(value) && !isSealed(value)) out[name] = sealField(value, record.id, name, field)
    }
    return out as unknown as AccountRecord
  }

  const open = (record: AccountRecord): AccountRecord => {
    let out: Record<string, unknown> | undefined
    for (const [name, field] of FIELDS) {
      const value = (record as unknown as Record<string, unknown>)[name]
      if (!isSealed(value)) continue
      out ??= { ...record }
      out[name] = openField(value, record.id, name, field)
    }
    return (out ?? record) as AccountRecord
  }

  const store: SealedStore = {
    inner,
    sealing: keyring.currentId !== undefined,
    stale(raw) {
      if (keyring.currentId === undefined) return false
      for (const [name] of FIELDS) {
        const value = (raw as unknown as Record<string, unknown>)[name]
        if (empty(value)) continue
        if (!isSealed(value) || sealedKeyId(value) !== keyring.currentId) return true
      }
      return false
    },
    insert: (record, events) => inner.insert(seal(record), events),
    async get(id) {
      const record = await inner.get(id)
      return record && open(record)
    },
    compareAndSet: (id, expectedVersion, next, events, options) =>
      inner.compareAndSet(id, expectedVersion, seal(next), events, options),
    claim: (id, expectedVersion, claim) => inner.claim(id, expectedVersion, claim),
    async list(query) {
      return (await inner.list(query)).map(open)
    },
    count: (query) => inner.count(query),
    events: (accountId) => inner.events(accountId),
  }
  if (inner.flush) store.flush = () => (inner.flush as () => Promise<void>)()
  if (inner.close) store.close = () => (inner.close as () => Promise<void>)()
  return store
}
