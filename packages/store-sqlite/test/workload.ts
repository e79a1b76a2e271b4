import type { AccountRecord, PendingAuthorization, Store } from '@revokit/core'

/** A small deterministic PRNG (mulberry32), so a workload is the same bytes on every run. */
export function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** What a churn workload left: the token values that died and the ones still live. */
export interface WorkloadResult {
  dead: string[]
  live: string[]
}

/** The writes a workload needs; implemented by the store under test and by the naive control. */
export interface WorkloadTarget {
  insert(record: AccountRecord): Promise<void>
  /** Rewrites the record (its version already bumped); `scrub` on the last write that kills tokens. */
  update(previous: AccountRecord, next: AccountRecord, scrub: boolean): Promise<void>
}

/**
 * Many accounts, rows rewritten at varying sizes (the way claims and failed-revoke notes change an
 * account's row), then half the accounts lose their tokens. Row size changes make SQLite move
 * cells between pages, which is where a naive layout leaves stale copies of tokens behind.
 *
 * With `authorizations`, every account also holds a pending authorization whose PKCE verifier is
 * replaced now and then (a new consent) and cleared when the account dies; the verifiers count as
 * tokens in the result. Without it the workload is byte for byte what it always was.
 */
export async function churn(
  target: WorkloadTarget,
  options: { seed: number; accounts: number; authorizations?: boolean },
) {
  const random = prng(options.seed)
  const text = (n: number) =>
    Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(random() * 36)]).join(
      '',
    )
  const authorization = (): PendingAuthorization => ({
    stateHash: `fake-state-${text(43)}`,
    codeVerifier: `fake-secret-${text(43)}`,
    redirectUri: 'https://app.example/callback',
    callbackUrl: null,
    scopes: [text(Math.floor(random() * 200))],
    expiresAt: 1_900_000_000_000,
    linkToken: `lnk_${text(12)}`,
  })
  const verifier = (record: AccountRecord) => record.authorization?.codeVerifier as string
  const records: AccountRecord[] = []
  for (let i = 0; i < options.accounts; i++) {
    const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()
    const record: AccountRecord = {
      id: `ca_${text(12)}`,
      projectId: 'default',
      userId: `user-${text(6)}`,
      toolkit: 'test',
      status: 'ACTIVE',
      credentials: {
        access_token: `fake-secret-${text(32)}`,
        refresh_token: `fake-secret-${text(32)}`,
        scope: text(Math.floor(random() * 300)),
      },
      revokedSubjects: [],
      pendingSubjects: [],
      createdAt: at,
      updatedAt: at,
      version: 1,
      claim: null,
      lastFailedRevoke: null,
      ...(options.authorizations ? { authorization: authorization() } : {}),
    }
    await target.insert(record)
    records.push(record)
  }
  const result: WorkloadResult = { dead: [], live: [] }
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < records.length; i++) {
      const roll = random()
      if (roll < 0.5) continue
      const current = records[i] as AccountRecord
      // Mostly a row rewrite that keeps the tokens; sometimes a new access token replaces the old.
      const rotate = roll > 0.9
      if (rotate) result.dead.push(current.credentials.access_token as string)
      const reconsent = options.authorizations === true && random() < 0.2
      if (reconsent) result.dead.push(verifier(current))
      const next: AccountRecord = {
        ...current,
        ...(rotate
          ? { credentials: { ...current.credentials, access_token: `fake-secret-${text(32)}` } }
          : {}),
        ...(reconsent ? { authorization: authorization() } : {}),
        updatedAt: text(Math.floor(random() * 600)),
        version: current.version + 1,
      }
      await target.update(current, next, false)
      records[i] = next
    }
  }
  // Accounts die in random order, so removals hit every part of the tables.
  const order = records.map((record) => ({ record, key: random(), dies: random() < 0.5 }))
  order.sort((a, b) => a.key - b.key)
  const last = order.findLastIndex((v) => v.dies)
  for (const [index, { record, dies }] of order.entries()) {
    const tokens = [record.credentials.access_token, record.credentials.refresh_token] as string[]
    if (options.authorizations) tokens.push(verifier(record))
    if (!dies) {
      result.live.push(...tokens)
      continue
    }
    result.dead.push(...tokens)
    const next: AccountRecord = {
      ...record,
      status: 'REVOKED',
      credentials: { scope: record.credentials.scope },
      ...(options.authorizations ? { authorization: null } : {}),
      version: record.version + 1,
    }
    await target.update(record, next, index === last)
  }
  return result
}

/** {@link WorkloadTarget} over any {@link Store}. */
export function storeTarget(store: Store): WorkloadTarget {
  return {
    async insert(record) {
      if (!(await store.insert(record, []))) throw new Error('insert refused')
    },
    async update(previous, next, scrub) {
      if (!(await store.compareAndSet(previous.id, previous.version, next, [], { scrub }))) {
        throw new Error('compareAndSet refused')
      }
    },
  }
}
