import type { EngineCore } from '../engine-core'
import { storeError } from '../engine-core'
import { nanoid } from '../ids'
import type { AccountRecord, RevokeClaim } from '../model'

/**
 * Revoke claims: whoever holds an unexpired claim on an account is the only one allowed to
 * dispatch for it, in this process or any other sharing the store. A claim is data in the record,
 * set and cleared with the store's narrow `claim` write; it expires `deadlineMs + claimGraceMs`
 * after it was taken, so a holder that crashed never blocks the account for longer.
 */
export class RevokeClaims {
  // Revokes in flight here, by account id, so a second caller in this process waits on the
  // promise instead of polling the store. Correctness never depends on it: the store decides.
  readonly #inflight = new Map<string, { claimId: string; done: Promise<unknown> }>()
  readonly #core: EngineCore

  constructor(core: EngineCore) {
    this.#core = core
  }

  /** True while `record`'s claim is held and unexpired. */
  live(record: AccountRecord): boolean {
    return record.claim !== null && record.claim.expiresAt > this.#core.clock()
  }

  /**
   * Claims `record` (at its version) for `holdMs` (default: the revoke deadline) plus the grace.
   * Revokes, refreshes and code exchanges share the one claim: each shuts the others out. Resolves the claimed record, or `undefined` when another
   * writer changed it first.
   */
  async take(record: AccountRecord, holdMs?: number): Promise<AccountRecord | undefined> {
    const { store, clock, deadlineMs, claimGraceMs } = this.#core
    const claim: RevokeClaim = {
      id: `clm_${nanoid(16)}`,
      expiresAt: clock() + (holdMs ?? deadlineMs) + claimGraceMs,
    }
    let won: boolean
    try {
      won = await store.claim(record.id, record.version, claim)
    } catch (error) {
      throw storeError(error)
    }
    return won ? { ...record, claim, version: record.version + 1 } : undefined
  }

  /** Runs `work` as the holder of `claimed`'s claim, so local callers can wait on it. */
  async hold<T>(claimed: AccountRecord, work: Promise<T>): Promise<T> {
    const claimId = (claimed.claim as RevokeClaim).id
    this.#inflight.set(claimed.id, { claimId, done: work })
    try {
      return await work
    } finally {
      if (this.#inflight.get(claimed.id)?.claimId === claimId) this.#inflight.delete(claimed.id)
    }
  }

  /** Waits until `record`'s claim is released or has expired. */
  async wait(record: AccountRecord): Promise<void> {
    const claim = record.claim
    if (!claim) return
    const local = this.#inflight.get(record.id)
    if (local?.claimId === claim.id) {
      await local.done.catch(() => {})
      return
    }
    // Held by another process (or another engine on this store): poll with backoff.
    const { store, clock } = this.#core
    for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
      const left = claim.expiresAt - clock()
      if (left <= 0) return
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)))
      const current = await store.get(record.id).catch(() => undefined)
      if (!current || current.claim?.id !== claim.id) return
    }
  }
}
