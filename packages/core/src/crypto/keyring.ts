import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { RevokitError } from '../errors'

/** One key of {@link EncryptionOptions}: 32 bytes, raw or as base64. */
export interface EncryptionKey {
  /**
   * Names the key in every envelope it seals (letters, digits, `_`, `-`; at most 32). Derived
   * from the key when omitted: the first 8 characters of its SHA-256, base64url.
   */
  readonly id?: string
  /** 32 random bytes (AES-256), or their base64 (e.g. from `openssl rand -base64 32`). */
  readonly key: Uint8Array | string
}

/**
 * Encryption at rest for `createEngine({ encryption })`: the first key seals every write, all of
 * them open reads, so a rotation is "put the new key first, keep the old one until
 * `engine.rotateKeys()` has re-sealed every record, then drop it".
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf (AES-GCM)
 */
export interface EncryptionOptions {
  readonly keys: readonly EncryptionKey[]
}

/** The envelope's format version: `rk1.<key id>.<iv>.<ciphertext+tag>`, base64url parts. */
const VERSION = 'rk1'
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/
const IV_BYTES = 12
const TAG_BYTES = 16

/** A sealed field as stores hold it, in place of the plaintext object. */
export interface SealedField {
  readonly $sealed: string
}

/**
 * True when `value` is a field sealed by a {@link Keyring}, whatever key sealed it. Any object
 * with a string `$sealed` counts, so a damaged envelope is refused when opened instead of being
 * taken for plaintext credentials.
 */
export function isSealed(value: unknown): value is SealedField {
  return typeof value === 'object' && value !== null && typeof (value as SealedField).$sealed === 'string'
}

/** The key id a sealed field names. */
export function sealedKeyId(field: SealedField): string {
  return field.$sealed.split('.', 3)[1] ?? ''
}

/** The keys, checked: seals with the first, opens with any. Internal to core. */
export interface Keyring {
  /** Id of the key new writes are sealed with, or undefined when there is no key (plaintext). */
  readonly currentId: string | undefined
  /** Seals the JSON text `json` under the current key, bound to the account and field. */
  seal(json: string, accountId: string, field: string): SealedField
  /** The plaintext JSON text of a sealed field, or a 500 RevokitError naming what to do. */
  open(sealed: SealedField, accountId: string, field: string): string
}

/** An invalid `encryption` option: a TypeError that never quotes the key. */
function keyProblem(index: number, problem: string): TypeError {
  return new TypeError(`createEngine: encryption.keys[${index}] ${problem}`)
}

/**
 * A key given as bytes or base64 (standard or URL-safe), or `undefined` unless it is exactly 32
 * bytes: what `encryption.keys` accepts, for checking a key before building an engine.
 */
export function parseEncryptionKey(key: Uint8Array | string): Buffer | undefined {
  if (typeof key === 'string') {
    const text = key.trim()
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) && !/^[A-Za-z0-9_-]+$/.test(text)) return undefined
    const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64')
    return bytes.length === 32 ? bytes : undefined
  }
  return key instanceof Uint8Array && key.length === 32 ? Buffer.from(key) : undefined
}

/**
 * The id a key gets when none is given: the first 8 characters of its SHA-256 (base64url),
 * stable across restarts and no help to anyone guessing the key.
 */
export function encryptionKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8)
}

/** Builds the keyring of `options`; no options (or no keys) → a keyring that seals nothing. */
export function createKeyring(options: EncryptionOptions | undefined): Keyring {
  const keys = new Map<string, Buffer>()
  let currentId: string | undefined
  const list = options?.keys
  if (options !== undefined && (!Array.isArray(list) || list.length === 0)) {
    throw new TypeError('createEngine: encryption.keys must list at least one key (the first seals writes)')
  }
  ;(list ?? []).forEach((entry, i) => {
    const bytes = parseEncryptionKey(entry?.key as Uint8Array | string)
    if (!bytes) throw keyProblem(i, 'must be 32 bytes, or their base64 (make one: openssl rand -base64 32)')
    const id = entry.id ?? encryptionKeyId(bytes)
    if (!KEY_ID.test(id)) throw keyProblem(i, 'id must be 1-32 letters, digits, "_" or "-"')
    const same = keys.get(id)
    if (same && !same.equals(bytes)) throw keyProblem(i, `id "${id}" names two different keys`)
    keys.set(id, bytes)
    currentId ??= id
  })
  const aad = (id: string, accountId: string, field: string) =>
    Buffer.from(`${VERSION}.${id}.${accountId}.${field}`, 'utf8')

  return {
    currentId,
    seal(json, accountId, field) {
      if (currentId === undefined) throw new TypeError('Keyring.seal: no key')
      const key = keys.get(currentId) as Buffer
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(aad(currentId, accountId, field))
      const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final(), cipher.getAuthTag()])
      return { $sealed: `${VERSION}.${currentId}.${iv.toString('base64url')}.${body.toString('base64url')}` }
    },
    open(sealed, accountId, field) {
      const [version, stored = '', ivText = '', bodyText = ''] = sealed.$sealed.split('.')
      // Only a well-formed id is ever repeated in an error: the rest of a damaged value is not.
      const id = KEY_ID.test(stored) ? stored : '(malformed)'
      if (version !== VERSION) throw undecryptable(accountId, field, id)
      const key = keys.get(id)
      if (!key) throw keyMissing(accountId, field, id, currentId === undefined)
      const iv = Buffer.from(ivText, 'base64url')
      const body = Buffer.from(bodyText, 'base64url')
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw undecryptable(accountId, field, id)
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv)
        decipher.setAAD(aad(id, accountId, field))
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
        return Buffer.concat([
          decipher.update(body.subarray(0, body.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8')
      } catch {
        throw undecryptable(accountId, field, id)
      }
    },
  }
}

function keyMissing(accountId: string, field: string, id: string, none: boolean): RevokitError {
  return new RevokitError('encryption_key_missing', {
    message: `Connected account ${accountId}: its stored ${field} ${field.endsWith('s') ? 'are' : 'is'} encrypted with key "${id}", which this engine was not given${none ? ' (it has no encryption key at all)' : ''}.`,
    suggestedFix: `Pass that key in createEngine({ encryption: { keys } }) — on the server, REVOKIT_ENCRYPTION_KEY (the current key) or REVOKIT_ENCRYPTION_KEYS_PREVIOUS (older keys, comma-separated) — then retry.`,
    errors: [`${field}: sealed with key id "${id}", not among this engine's keys`],
  })
}

function undecryptable(accountId: string, field: string, id: string): RevokitError {
  return new RevokitError('decryption_failed', {
    message: `Connected account ${accountId}: its stored ${field} could not be decrypted with key "${id}": the stored value was changed outside revokit, belongs to another account, or the key with this id is not the one that sealed it.`,
    suggestedFix:
      'Check that the key given under this id is the one that encrypted the store (ids are derived from the key when not set); restore the store from a backup if it was tampered with.',
    errors: [`${field}: authentication failed (AES-256-GCM, key id "${id}")`],
  })
}
