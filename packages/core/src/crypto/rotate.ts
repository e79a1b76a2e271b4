import type { CallOptions } from '../engine-api'
import { type EngineCore, rewrite, storeError } from '../engine-core'
import { isRevokitError, RevokitError } from '../errors'
import type { AccountRecord } from '../model'
import type { RevokeClaims } from '../revoke/claim'
import type { StoreCursor } from '../store'
import type { SealedStore } from './sealed-store'

/** Options of `engine.rotateKeys`. */
export interface RotateKeysOptions {
  /** Stops after the page in progress; the summary counts what was done. */
  signal?: AbortSignal
  /** Called after every page. */
  onProgress?: (progress: RotateKeysProgress) => void
  /** Records read per page. @default 100 */
  pageSize?: number
}

/** Where `engine.rotateKeys` stands, as {@link RotateKeysOptions.onProgress} reports it. */
export interface RotateKeysProgress {
  /** Records in the store when the run started, every status included. */
  readonly total: number
  readonly scanned: number
  readonly rewritten: number
}

/** What `engine.rotateKeys` did. */
export interface RotateKeysSummary extends RotateKeysProgress {
  /**
   * Records left under an older key because a revoke, refresh or authorization was in progress
   * on them; their next write re-encrypts them, or run the rotation again later.
   */
  readonly skipped: number
  /** Records that could not be re-encrypted (a key missing, a store failure); see `errors`. */
  readonly failed: number
  /** One line per failed record (no secret in any). */
  readonly errors: readonly string[]
  /** True when the signal stopped the run before it had read every record. */
  readonly aborted: boolean
}

/**
 * Re-encrypts, with the current key, every record whose secrets are sealed with another key or
 * still in plaintext: pages through the whole store in (createdAt, id) order and rewrites each
 * such record with compare-and-set, re-reading on a lost race, so revokes, refreshes and
 * connects running meanwhile lose nothing. A record with a live claim (a revoke or refresh in
 * flight) is waited for once, then left (`skipped`) if still held; so is one with an
 * authorization in progress, whose callback must find the version it started from.
 */
export async function rotateKeys(
  core: EngineCore,
  claims: RevokeClaims,
  sealed: SealedStore,
  options: RotateKeysOptions = {},
): Promise<RotateKeysSummary> {
  if (!sealed.sealing) {
    throw new RevokitError('invalid_config', {
      message: 'rotateKeys: the engine has no encryption key to re-encrypt with.',
      suggestedFix:
        'Pass createEngine({ encryption: { keys: [newKey, ...oldKeys] } }) (server: REVOKIT_ENCRYPTION_KEY).',
    })
  }
  const pageSize = options.pageSize ?? 100
  const call: CallOptions = {}
  const read = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      throw storeError(error)
    })
  const total = await read(sealed.inner.count({}))
  let scanned = 0
  let rewritten = 0
  let skipped = 0
  const errors: string[] = []
  let after: StoreCursor | undefined
  let aborted = false
  const busy = (record: AccountRecord) =>
    claims.live(record) || (record.authorization != null && record.authorization.expiresAt > core.clock())

  for (;;) {
    if (options.signal?.aborted) {
      aborted = true
      break
    }
    const page = await read(sealed.inner.list({ limit: pageSize, ...(after ? { after } : {}) }))
    for (const raw of page) {
      scanned++
      if (!sealed.stale(raw)) continue
      try {
        let current = await sealed.get(raw.id)
        // A revoke or refresh in flight commits soon, sealing with the current key itself.
        if (current && claims.live(current)) {
          await claims.wait(current)
          const stored = await sealed.inner.get(raw.id)
          if (!stored || !sealed.stale(stored)) continue
          current = await sealed.get(raw.id)
        }
        if (!current) continue
        const { record, written } = await rewrite(core, current, call, (latest) =>
          // A lost race re-plans on the record as now stored; the winner may have re-sealed it
          // already, and one redundant rewrite costs less than a second read per record.
          busy(latest) ? undefined : { change: {}, scrub: true, keepUpdatedAt: true },
        )
        if (written) rewritten++
        // Busy, or lost every race: still under the old key. (Gone: nothing left to encrypt.)
        else if (record) skipped++
      } catch (error) {
        errors.push(`${raw.id}: ${isRevokitError(error) ? error.message : 'the store failed'}`)
      }
    }
    options.onProgress?.({ total, scanned, rewritten })
    const last = page.at(-1)
    if (!last || page.length < pageSize) break
    after = { createdAt: last.createdAt, id: last.id }
  }
  return {
    total,
    scanned,
    rewritten,
    skipped,
    failed: errors.length,
    errors,
    aborted,
  }
}
