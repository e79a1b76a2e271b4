import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * One API key: the key itself, or `{ key, credentials: true }` for a key that may also read
 * live tokens (`GET …/connected_accounts/{nanoid}/credentials`). A plain key may not.
 */
export type ApiKey = string | { readonly key: string; readonly credentials?: boolean }

/** A project and the API keys that act in it (config `projects`). */
export interface ProjectKeys {
  readonly id: string
  readonly apiKeys: readonly ApiKey[]
}

/** What a presented key may do: which project it acts in, and whether it may read tokens. */
export interface KeyGrant {
  readonly projectId: string
  readonly credentials: boolean
}

/** The key string of an {@link ApiKey}. */
export const keyOf = (apiKey: ApiKey): string => (typeof apiKey === 'string' ? apiKey : apiKey.key)

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()

/**
 * Maps an `x-api-key` to its project and permissions in constant time. Keys are hashed to equal
 * length so `timingSafeEqual` applies, and every configured key is compared on every call, so
 * the answer time tells nothing about which key (or how much of one) matched.
 */
export function createKeyMatcher(
  projects: readonly ProjectKeys[],
): (key: string | null) => KeyGrant | undefined {
  const entries = projects.flatMap((project) =>
    project.apiKeys.map((apiKey) => ({
      grant: {
        projectId: project.id,
        credentials: typeof apiKey !== 'string' && apiKey.credentials === true,
      },
      hash: digest(keyOf(apiKey)),
    })),
  )
  if (entries.length === 0) throw new TypeError('createHandler: projects must hold at least one API key')
  return (key) => {
    if (key === null || key.length === 0) return undefined
    const presented = digest(key)
    let match: KeyGrant | undefined
    for (const entry of entries) {
      if (timingSafeEqual(presented, entry.hash) && match === undefined) match = entry.grant
    }
    return match
  }
}
