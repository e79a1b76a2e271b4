import { randomBytes } from 'node:crypto'

const ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict'

/** A URL-safe nanoid-style string of `size` characters from the crypto RNG. */
export function nanoid(size = 12): string {
  // 64 symbols: the low six bits of each byte pick one without bias.
  const bytes = randomBytes(size)
  let id = ''
  for (let i = 0; i < size; i++) id += ALPHABET[(bytes[i] as number) & 63]
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
