import { createHash, timingSafeEqual } from 'node:crypto'

/** A project and the API keys that act in it (config `projects`). */
export interface ProjectKeys {
  readonly id: string
  readonly apiKeys: readonly string[]
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()

/**
 * Maps an `x-api-key` to its project in constant time. Keys are hashed to equal length so
 * `timingSafeEqual` applies, and every configured key is compared on every call, so the answer
 * time tells nothing about which key (or how much of one) matched.
 */
export function createKeyMatcher(
  projects: readonly ProjectKeys[],
): (key: string | null) => string | undefined {
  const entries = projects.flatMap((project) =>
    project.apiKeys.map((key) => ({ projectId: project.id, hash: digest(key) })),
  )
  if (entries.length === 0) throw new TypeError('createHandler: projects must hold at least one API key')
  return (key) => {
    if (key === null || key.length === 0) return undefined
    const presented = digest(key)
    let match: string | undefined
    for (const entry of entries) {
      if (timingSafeEqual(presented, entry.hash) && match === undefined) match = entry.projectId
    }
    return match
  }
}
