import { type EncryptionOptions, encryptionKeyId, parseEncryptionKey } from '@revokit/core'
import type { StoreConfig } from '../config'

/** The environment variable holding the key every write is encrypted with (32 bytes, base64). */
export const KEY_VARIABLE = 'REVOKIT_ENCRYPTION_KEY'
/** Older keys, comma-separated: they decrypt records not yet re-encrypted (`revokit rotate-key`). */
export const PREVIOUS_KEYS_VARIABLE = 'REVOKIT_ENCRYPTION_KEYS_PREVIOUS'

const MAKE_ONE = 'make one with: revokit keygen (or: openssl rand -base64 32)'

/** What the config and the environment say about encryption at rest. */
export interface EncryptionSetting {
  /** The engine's keys (current first), or undefined when the store is not encrypted. */
  readonly options: EncryptionOptions | undefined
  /** The keys as given, for the redactor: they must never reach a log line. */
  readonly secrets: readonly string[]
}

/** True for a store that outlives the process (everything but the memory store). */
export function persistent(store: StoreConfig): boolean {
  return store.kind !== 'memory' && store.path !== ':memory:'
}

/**
 * Reads the keys from {@link KEY_VARIABLE} and {@link PREVIOUS_KEYS_VARIABLE}. A persistent store
 * needs a key unless the config says `"encryption": "off"`; a key that is not 32 bytes of base64
 * is refused by the variable's name, never by its value. Problems are pushed as config lines.
 */
export function encryptionOf(
  setting: 'off' | undefined,
  store: StoreConfig,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): EncryptionSetting {
  const current = env[KEY_VARIABLE]?.trim() || undefined
  const previous = (env[PREVIOUS_KEYS_VARIABLE] ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0)
  const secrets = [...(current ? [current] : []), ...previous]
  if (setting === 'off') {
    if (current || previous.length > 0) {
      problems.push(
        `encryption: "off", but ${current ? KEY_VARIABLE : PREVIOUS_KEYS_VARIABLE} is set — remove "encryption": "off" to encrypt with the key, or unset the variable`,
      )
    }
    return { options: undefined, secrets }
  }
  if (!current) {
    if (previous.length > 0) {
      problems.push(
        `${PREVIOUS_KEYS_VARIABLE} is set but ${KEY_VARIABLE} is not — set the new key in ${KEY_VARIABLE}; ${MAKE_ONE}`,
      )
    } else if (persistent(store)) {
      problems.push(
        `encryption: the ${store.kind} store keeps tokens on disk and ${KEY_VARIABLE} is not set — export a key (32 random bytes, base64; ${MAKE_ONE}), or write "encryption": "off" in the config to store tokens unencrypted`,
      )
    }
    return { options: undefined, secrets }
  }
  const keys: Array<{ key: Buffer }> = []
  const take = (text: string, name: string) => {
    const key = parseEncryptionKey(text)
    if (key) keys.push({ key })
    else problems.push(`${name}: is not 32 bytes of base64 — ${MAKE_ONE}`)
  }
  take(current, KEY_VARIABLE)
  previous.forEach((text, i) => {
    take(text, previous.length > 1 ? `${PREVIOUS_KEYS_VARIABLE} (key ${i + 1})` : PREVIOUS_KEYS_VARIABLE)
  })
  return { options: { keys }, secrets }
}

/** A fresh key for {@link KEY_VARIABLE}: 32 random bytes, base64, and the id records will name it by. */
export function newKey(random: (size: number) => Buffer): { key: string; id: string } {
  const bytes = random(32)
  return { key: bytes.toString('base64'), id: encryptionKeyId(bytes) }
}
