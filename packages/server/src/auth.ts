import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * One API key: the key itself, or `{ key, credentials: true }` for a key that may also read
 * live tokens (`GET …/connected_accounts/{nanoid}/credentials`). A plain key may not. A
 * {@link HashedApiKey} (what a loaded config keeps) works the same without holding the key.
 */
export type ApiKey = string | { readonly key: string; readonly credentials?: boolean } | HashedApiKey

/**
 * An API key kept only as its digest: HMAC-SHA-256 under a key drawn at random when this
 * process starts, so the digest is worthless outside the process (no offline guessing) and
 * nothing kept after start-up holds the key itself. Made by {@link hashApiKey}.
 */
export interface HashedApiKey {
  /** base64url HMAC-SHA-256 of the key; only this process can produce or check it. */
  readonly digest: string
  readonly credentials: boolean
}

/** A project and the API keys that act in it (config `projects`). */
export interface ProjectKeys {
  readonly id: string
  readonly apiKeys: readonly ApiKey[]
}

/** What a presented key may do: which project it acts in, and whether it may read tokens. */
export interface KeyGrant {
  readonly projectId: string
  readonly credentials: boolean
  /** The key's digest: names its rate-limit bucket without holding the key. */
  readonly keyId: string
}

// Never leaves this module: with it, digests could be checked against guesses.
const PROCESS_KEY = randomBytes(32)

const digest = (value: string) => createHmac('sha256', PROCESS_KEY).update(value, 'utf8').digest()

const isHashed = (apiKey: ApiKey): apiKey is HashedApiKey => typeof apiKey === 'object' && 'digest' in apiKey

/** The key string of an {@link ApiKey}; undefined for a {@link HashedApiKey}. */
export const keyOf = (apiKey: ApiKey): string | undefined =>
  typeof apiKey === 'string' ? apiKey : isHashed(apiKey) ? undefined : apiKey.key

/** The {@link HashedApiKey} of a key, keeping its `credentials` flag. */
export function hashApiKey(apiKey: ApiKey): HashedApiKey {
  if (isHashed(apiKey)) return apiKey
  const key = keyOf(apiKey) as string
  return {
    digest: digest(key).toString('base64url'),
    credentials: typeof apiKey !== 'string' && apiKey.credentials === true,
  }
}

/**
 * Maps an `x-api-key` to its project and permissions in constant time. Keys are compared as
 * fixed-length digests so `timingSafeEqual` applies, and every configured key is compared on
 * every call, so the answer time tells nothing about which key (or how much of one) matched.
 * Only the digests are kept.
 */
export function createKeyMatcher(
  projects: readonly ProjectKeys[],
): (key: string | null) => KeyGrant | undefined {
  const entries = projects.flatMap((project) =>
    project.apiKeys.map((apiKey) => {
      const hashed = hashApiKey(apiKey)
      return {
        grant: { projectId: project.id, credentials: hashed.credentials, keyId: hashed.digest },
        hash: Buffer.from(hashed.digest, 'base64url'),
      }
    }),
  )
  if (entries.length === 0) throw new TypeError('createHandler: projects must hold at least one API key')
  return (key) => {
    if (key === null || key.length === 0) return undefined
    const presented = digest(key)
    let match: KeyGrant | undefined
    for (const entry of entries) {
      // A digest of another length (hand-written, not from hashApiKey) never matches.
      const equal = entry.hash.length === presented.length && timingSafeEqual(presented, entry.hash)
      if (equal && match === undefined) match = entry.grant
    }
    return match
  }
}
