import { cloneData } from '../memory-store'
import type { AccountRecord } from '../model'
import type { Store } from '../store'
import { isSealed, type Keyring, type SealedField, sealedKeyId } from './keyring'

/** The record fields that hold secrets, and what each is called in errors and additional data. */
const FIELDS = [
  ['credentials', 'credentials'],
  ['authorization', 'pending authorization'],
] as const

/** Accounts whose decrypted values are kept, so hot reads skip AES and writes reuse ciphertext. */
const CACHE_ENTRIES = 10_000

type FieldName = (typeof FIELDS)[number][0]
interface CacheEntry {
  readonly sealed: string
  /** The plaintext as JSON, to recognise an unchanged value on write. */
  readonly json: string
  /** The plaintext parsed once; readers get deep copies. Never handed out itself. */
  readonly value: unknown
}

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
  // Per account, per field: the last ciphertext seen or written and its plaintext JSON. Oldest
  // first out; a hit does not reorder (cheaper, and an account's next write refreshes it).
  const cache = new Map<string, Partial<Record<FieldName, CacheEntry>>>()
  const remember = (id: string, name: FieldName, entry: CacheEntry) => {
    const slot = cache.get(id)
    if (slot) {
      slot[name] = entry
      return
    }
    cache.set(id, { [name]: entry })
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
  }

  const openField = (sealed: SealedField, id: string, name: FieldName, field: string): unknown => {
    const hit = cache.get(id)?.[name]
    if (hit && hit.sealed === sealed.$sealed) return cloneData(hit.value)
    const json = keyring.open(sealed, id, field)
    const value = JSON.parse(json)
    remember(id, name, { sealed: sealed.$sealed, json, value })
    return cloneData(value)
  }

  const sealField = (value: unknown, id: string, name: FieldName, field: string): SealedField => {
    const json = JSON.stringify(value)
    const hit = cache.get(id)?.[name]
    if (hit && hit.json === json && sealedKeyId({ $sealed: hit.sealed }) === keyring.currentId) {
      return { $sealed: hit.sealed }
    }
    const sealed = keyring.seal(json, id, field)
    remember(id, name, { sealed: sealed.$sealed, json, value: JSON.parse(json) })
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

  // Stores hand out fresh copies (their contract), so the record read is ours to fill in.
  const open = (record: AccountRecord): AccountRecord => {
    const fields = record as unknown as Record<string, unknown>
    for (const [name, field] of FIELDS) {
      const value = fields[name]
      if (isSealed(value)) fields[name] = openField(value, record.id, name, field)
    }
    return record
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
    // `.then`, not async/await: one promise fewer on the engine's hottest read.
    get: (id) => inner.get(id).then((record) => record && open(record)),
    compareAndSet: (id, expectedVersion, next, events, options) =>
      inner.compareAndSet(id, expectedVersion, seal(next), events, options),
    claim: (id, expectedVersion, claim) => inner.claim(id, expectedVersion, claim),
    list: (query) => inner.list(query).then((records) => records.map(open)),
    count: (query) => inner.count(query),
    events: (accountId) => inner.events(accountId),
  }
  if (inner.flush) store.flush = () => (inner.flush as () => Promise<void>)()
  if (inner.close) store.close = () => (inner.close as () => Promise<void>)()
  return store
}
