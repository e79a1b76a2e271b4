import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { isBusy, SqliteStoreError, storeFailure } from './errors'

/**
 * Moves scrubbed pages out of the WAL, so old page images holding dead values leave the disk.
 * Scrubbing writes are grouped: each one makes sure a checkpoint follows within `delayMs`, and
 * all the writes of that window share it.
 */
export interface Scrubber {
  /**
   * A scrubbing write has committed. With a delay, schedules the checkpoint (if none is already
   * scheduled) and returns nothing. With `delayMs: 0`, checkpoints now, retrying briefly while
   * another connection is busy, and resolves after that; a reader that keeps the WAL in use
   * beyond it leaves the checkpoint to the background retry rather than hold up the caller.
   * Never rejects: the write has committed, so failing it now would report a stored revoke as
   * not stored. An I/O error leaves the checkpoint pending and retried.
   */
  written(): Promise<void> | undefined
  /**
   * Marks the files as possibly holding dead values and schedules a checkpoint, without a write:
   * a process that died inside the window left its values in the WAL.
   */
  check(): void
  /**
   * Checkpoints now if one is pending, retrying while another connection is busy for up to
   * `busyTimeoutMs`. Rejects with a {@link SqliteStoreError} when that is not enough (or on an
   * I/O error); the checkpoint then stays pending and retried in the background.
   */
  flush(): Promise<void>
  /** A checkpoint is owed: a scrubbing write's old values may still be in the files. */
  readonly pending: boolean
  /** Cancels the scheduled checkpoint (on close, after the last flush). */
  stop(): void
}

/** How {@link createScrubber} works. */
export interface ScrubberOptions {
  readonly file: string
  readonly busyTimeoutMs: number
  /** At most this long between a scrubbing write and its checkpoint; 0 checkpoints inline. */
  readonly delayMs: number
  readonly isClosed: () => boolean
}

/** Short, so a reader that holds the WAL for long does not freeze this thread at every attempt. */
const CHECKPOINT_BUSY_MS = 100
const INLINE_ATTEMPTS = 3
const FIRST_RETRY_MS = 250
/** Retries of a blocked checkpoint back off to this, so it completes soon after the reader goes. */
const MAX_RETRY_MS = 5_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A committed write leaves the previous image of every page it touched in the `-wal` file, dead
 * values included, until a checkpoint copies the new pages into the database file and the WAL is
 * reset. `TRUNCATE` waits for readers to leave the WAL, copies every frame back, syncs the
 * database and truncates the WAL to zero bytes, so no old frame survives in it. It covers every
 * write made before it, by any connection, which is why one checkpoint can serve many writes.
 *
 * @see https://sqlite.org/pragma.html#pragma_wal_checkpoint
 * @see https://sqlite.org/wal.html#ckpt
 */
export function createScrubber(db: DatabaseSync, options: ScrubberOptions): Scrubber {
  const { file, busyTimeoutMs, delayMs, isClosed } = options
  let pending = false
  let timer: NodeJS.Timeout | undefined
  let timerDue = 0
  let retryMs = FIRST_RETRY_MS
  let flushing: Promise<void> | undefined
  let checkpoint: StatementSync | undefined

  /** One checkpoint attempt; true when the WAL is now empty. Throws on errors other than busy. */
  function tryNow(): boolean {
    db.exec(`PRAGMA busy_timeout = ${Math.min(busyTimeoutMs, CHECKPOINT_BUSY_MS)}`)
    try {
      checkpoint ??= db.prepare('PRAGMA wal_checkpoint(TRUNCATE)')
      const result = checkpoint.get() as { busy: number }
      if (result.busy === 0) {
        pending = false
        retryMs = FIRST_RETRY_MS
      }
    } catch (error) {
      if (!isBusy(error)) throw error
    } finally {
      db.exec(`PRAGMA busy_timeout = ${Math.round(busyTimeoutMs)}`)
    }
    return !pending
  }

  /** Makes sure an attempt runs within `delay` ms; an attempt already due sooner serves. */
  function schedule(delay: number) {
    if (isClosed()) return
    const due = Date.now() + delay
    if (timer) {
      if (timerDue <= due) return
      clearTimeout(timer)
    }
    timerDue = due
    timer = setTimeout(() => {
      timer = undefined
      if (isClosed() || !pending) return
      let done = false
      try {
        done = tryNow()
      } catch {
        // An I/O error now may pass; the values are still on disk, so keep trying.
      }
      if (!done) {
        schedule(retryMs)
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)
      }
    }, delay)
    // A pending checkpoint must not keep a finished program alive; close() flushes.
    timer.unref()
  }

  async function inline() {
    for (let attempt = 0; attempt < INLINE_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(25 * attempt)
      if (isClosed() || !pending) return
      try {
        if (tryNow()) return
      } catch {
        break
      }
    }
    schedule(FIRST_RETRY_MS)
  }

  async function flushNow() {
    const deadline = Date.now() + busyTimeoutMs
    for (let wait = 10; ; wait = Math.min(wait * 2, 100)) {
      if (!pending) return
      try {
        if (tryNow()) return
      } catch (error) {
        schedule(FIRST_RETRY_MS)
        throw storeFailure(file, 'flush', error)
      }
      if (Date.now() + wait > deadline) break
      await sleep(wait)
    }
    schedule(FIRST_RETRY_MS)
    throw new SqliteStoreError(
      'sqlite',
      file,
      `sqliteStore(${file}): flush could not checkpoint the WAL within ${busyTimeoutMs} ms: another connection keeps a read transaction open. The checkpoint is retried until it succeeds.`,
      { sqliteCode: 5 },
    )
  }

  return {
    written() {
      pending = true
      if (delayMs === 0) return inline()
      schedule(delayMs)
      return undefined
    },
    check() {
      pending = true
      schedule(delayMs)
    },
    flush() {
      if (!pending) return Promise.resolve()
      if (timer) clearTimeout(timer)
      timer = undefined
      flushing ??= flushNow().finally(() => {
        flushing = undefined
      })
      return flushing
    },
    get pending() {
      return pending
    },
    stop() {
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
