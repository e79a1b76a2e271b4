import { randomBytes } from 'node:crypto'

const ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict'

/** A URL-safe nanoid-style string of `size` characters from the crypto RNG. */
// One crypto RNG call per 4 KiB of ids instead of one per id: a call costs far more than the bytes.
const POOL_SIZE = 4096
let pool = Buffer.alloc(0)
let offset = 0

/**
 * A URL-safe random id of `size` characters from the crypto RNG (nanoid's alphabet, 6 bits each).
 * @see https://github.com/ai/nanoid#security
 */
export function nanoid(size = 12): string {
  if (offset + size > pool.length) {
    pool = randomBytes(Math.max(POOL_SIZE, size))
    offset = 0
  }
  // 64 symbols: the low six bits of each byte pick one without bias.
  let id = ''
  for (let i = 0; i < size; i++) id += ALPHABET[(pool[offset + i] as number) & 63]
  offset += size
  return id
}

/** A new connected-account id: `ca_` and 12 URL-safe characters, e.g. `ca_1a2b3c4d5e6f`. */
export function newAccountId(): string {
  return `ca_${nanoid(12)}`
}

const ACCOUNT_ID = /^ca_[A-Za-z0-9_-]{6,64}$/

/** True when `value` has the shape of a connected-account id (it may still not exist). */
export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID.test(value)
}
