import type { DatabaseSync } from 'node:sqlite'
import { isBusy } from './errors'

/** Moves scrubbed pages out of the WAL, so old page images holding dead values leave the disk. */
export interface Scrubber {
  /**
   * Checkpoints now, retrying briefly while another connection is busy. If a reader keeps the
   * WAL in use beyond that, the checkpoint is retried in the background until it succeeds or the
   * store closes, instead of holding up the caller whose write already committed. Never rejects:
   * an I/O error leaves the scrub pending and retried, since the write itself has committed.
   */
  scrub(): Promise<void>
  /** One checkpoint attempt; true when the WAL is now empty. Throws on errors other than busy. */
  tryNow(): boolean
  /** A scrub is waiting for readers to let go of the WAL. */
  readonly pending: boolean
  /** Cancels the background retry (on close). */
  stop(): void
}

/** Short, so a reader that holds the WAL for long does not freeze this thread at every scrub. */
const CHECKPOINT_BUSY_MS = 100
const INLINE_ATTEMPTS = 3
const FIRST_RETRY_MS = 250
const MAX_RETRY_MS = 30_000

/**
 * A committed write leaves the previous image of every page it touched in the `-wal` file, dead
 * values included, until a checkpoint copies the new pages into the database file and the WAL is
 * reset. `TRUNCATE` waits for readers to leave the WAL, copies every frame back, and truncates the
 * file to zero bytes, so no old frame survives in it.
 *
 * @see https://sqlite.org/pragma.html#pragma_wal_checkpoint
 * @see https://sqlite.org/wal.html#ckpt
 */
export function createScrubber(db: DatabaseSync, busyTimeoutMs: number, isClosed: () => boolean): Scrubber {
  let pending = false
  let timer: NodeJS.Timeout | undefined

  function tryNow(): boolean {
    db.exec(`PRAGMA busy_timeout = ${Math.min(busyTimeoutMs, CHECKPOINT_BUSY_MS)}`)
    try {
      const result = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number }
      pending = result.busy !== 0
    } catch (error) {
      if (!isBusy(error)) throw error
      pending = true
    } finally {
      db.exec(`PRAGMA busy_timeout = ${Math.round(busyTimeoutMs)}`)
    }
    return !pending
  }

  function schedule(delay: number) {
    if (timer || isClosed()) return
    timer = setTimeout(() => {
      timer = undefined
      if (isClosed()) return
      let done = false
      try {
        done = tryNow()
      } catch {
        // An I/O error now may pass; the values are still on disk, so keep trying.
      }
      if (!done) schedule(Math.min(delay * 2, MAX_RETRY_MS))
    }, delay)
    // A deferred scrub must not keep a finished program alive; close() makes its last attempt.
    timer.unref()
  }

  return {
    async scrub() {
      for (let attempt = 0; attempt < INLINE_ATTEMPTS; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * attempt))
        if (isClosed()) return
        try {
          if (tryNow()) return
        } catch {
          // The write this scrub follows has committed; failing it now would tell the engine a
          // revoke was not stored when it was. Keep the values' removal pending and retry.
          pending = true
          break
        }
      }
      schedule(FIRST_RETRY_MS)
    },
    tryNow,
    get pending() {
      return pending
    },
    stop() {
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
