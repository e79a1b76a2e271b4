/**
 * Request rates of the HTTP API (config `rateLimit`): a token bucket per API key, and one per
 * client address for failed authentication so guessing keys is throttled too.
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface RateLimitOptions {
  /** Tokens refilled per minute, spread evenly (600 = one every 100 ms). @default 600 */
  readonly requestsPerMinute?: number
  /** Bucket size: how many requests may come at once after a quiet spell. @default 100 */
  readonly burst?: number
}

/** Limits a platform does not reach in normal use, yet that stop a loop hammering the API. */
export const DEFAULT_RATE_LIMIT: Required<RateLimitOptions> = { requestsPerMinute: 600, burst: 100 }

/** Buckets kept at most; the least recently used go first beyond it. */
const MAX_BUCKETS = 10_000

/** One bucket per name, in least-recently-used order. */
export interface RateLimiter {
  /** Takes a token from `name`'s bucket: undefined when there was one, else the ms until there is. */
  take(name: string): number | undefined
  /** Whether `name`'s bucket is empty now, without taking: the ms until a token, or undefined. */
  peek(name: string): number | undefined
  /** How many buckets are kept (for tests of the memory bound). */
  readonly size: number
}

interface Bucket {
  tokens: number
  at: number
}

/**
 * A token-bucket limiter whose memory is bounded: a bucket that has refilled is the same as no
 * bucket and is dropped, and beyond {@link MAX_BUCKETS} the least recently used go first.
 * `now` is the clock (ms), injectable for tests.
 */
export function createRateLimiter(
  options: RateLimitOptions = {},
  now: () => number = () => performance.now(),
  maxBuckets = MAX_BUCKETS,
): RateLimiter {
  const burst = options.burst ?? DEFAULT_RATE_LIMIT.burst
  const perMs = (options.requestsPerMinute ?? DEFAULT_RATE_LIMIT.requestsPerMinute) / 60_000
  const buckets = new Map<string, Bucket>()

  const refill = (bucket: Bucket, at: number) => {
    bucket.tokens = Math.min(burst, bucket.tokens + (at - bucket.at) * perMs)
    bucket.at = at
  }
  const waitMs = (bucket: Bucket) => Math.max(1, Math.ceil((1 - bucket.tokens) / perMs))

  // The oldest buckets are the idlest: drop the ones that have refilled (a few per call, so
  // each call stays cheap), and any beyond the cap.
  const evict = (at: number) => {
    let checked = 0
    for (const [name, bucket] of buckets) {
      if (buckets.size >= maxBuckets) {
        buckets.delete(name)
        continue
      }
      if (checked++ >= 4) break
      refill(bucket, at)
      if (bucket.tokens < burst) break
      buckets.delete(name)
    }
  }

  const current = (name: string, at: number): Bucket | undefined => {
    const bucket = buckets.get(name)
    if (bucket) refill(bucket, at)
    return bucket
  }

  return {
    take(name) {
      const at = now()
      evict(at)
      const bucket = current(name, at) ?? { tokens: burst, at }
      // Re-inserted: the map's order is the order of last use.
      buckets.delete(name)
      buckets.set(name, bucket)
      if (bucket.tokens < 1) return waitMs(bucket)
      bucket.tokens -= 1
      return undefined
    },
    peek(name) {
      const bucket = current(name, now())
      return bucket && bucket.tokens < 1 ? waitMs(bucket) : undefined
    },
    get size() {
      return buckets.size
    },
  }
}
