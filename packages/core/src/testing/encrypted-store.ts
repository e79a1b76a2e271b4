import { createKeyring, type EncryptionOptions } from '../crypto/keyring'
import { sealedStore } from '../crypto/sealed-store'
import type { Store } from '../store'

/**
 * `store` as an engine with `encryption` writes to it: credentials and pending authorizations
 * sealed on the way in, opened on the way out. For running `storeConformance` through the
 * encryption layer, and for tests that read what a store holds.
 */
export function encryptedStore(store: Store, encryption: EncryptionOptions): Store {
  return sealedStore(store, createKeyring(encryption))
}
