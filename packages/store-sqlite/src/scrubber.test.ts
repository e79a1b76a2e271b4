import type { DatabaseSync } from 'node:sqlite'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createScrubber } from './scrubber'

/** A connection whose checkpoint fails `failures` times (I/O error or busy), then succeeds. */
function fakeDisk(failures: number, how: 'io' | 'busy' = 'io') {
  let checkpoints = 0
  let left = failures
  const db = {
    exec() {},
    prepare(sql: string) {
      return {
        get() {
          if (!sql.includes('wal_checkpoint')) return {}
          checkpoints++
          if (left > 0) {
            left--
            if (how === 'busy') return { busy: 1 }
            throw Object.assign(new Error('disk I/O error'), { errcode: 10 })
          }
          return { busy: 0 }
        },
      }
    },
  } as unknown as DatabaseSync
  return {
    db,
    checkpoints: () => checkpoints,
    /** From now on the checkpoint fails until `release()`. */
    block() {
      left = Number.POSITIVE_INFINITY
    },
    release() {
      left = 0
    },
  }
}

const scrubbers: Array<{ stop(): void }> = []
afterEach(() => {
  for (const scrubber of scrubbers.splice(0)) scrubber.stop()
  vi.useRealTimers()
})

function scrubberOn(db: DatabaseSync, delayMs: number, busyTimeoutMs = 1000) {
  const scrubber = createScrubber(db, { file: '/tmp/x.db', busyTimeoutMs, delayMs, isClosed: () => false })
  scrubbers.push(scrubber)
  return scrubber
}

describe('scrubber', () => {
  it('never rejects after a committed write: an I/O error leaves the scrub pending and retried', async () => {
    const disk = fakeDisk(1)
    const scrubber = scrubberOn(disk.db, 0)
    await expect(scrubber.written()).resolves.toBeUndefined()
    expect(scrubber.pending).toBe(true)
    // The background retry (first after 250 ms) succeeds once the disk recovers.
    const deadline = Date.now() + 10_000
    while (scrubber.pending && Date.now() < deadline) await sleep(25)
    expect(scrubber.pending).toBe(false)
    expect(disk.checkpoints()).toBe(2)
  })

  it('scrubbing writes inside the window share one checkpoint, run at most delayMs after the first', () => {
    vi.useFakeTimers()
    const disk = fakeDisk(0)
    const scrubber = scrubberOn(disk.db, 1000)
    for (let i = 0; i < 100; i++) {
      expect(scrubber.written()).toBeUndefined()
      vi.advanceTimersByTime(9)
    }
    expect(disk.checkpoints()).toBe(0)
    expect(scrubber.pending).toBe(true)
    vi.advanceTimersByTime(1000 - 900)
    expect(disk.checkpoints()).toBe(1)
    expect(scrubber.pending).toBe(false)

    scrubber.written()
    vi.advanceTimersByTime(1000)
    expect(disk.checkpoints()).toBe(2)
    vi.advanceTimersByTime(10_000)
    expect(disk.checkpoints()).toBe(2)
  })

  it('flush() checkpoints at once and the scheduled checkpoint is then not needed', async () => {
    vi.useFakeTimers()
    const disk = fakeDisk(0)
    const scrubber = scrubberOn(disk.db, 1000)
    await scrubber.flush()
    expect(disk.checkpoints()).toBe(0)
    scrubber.written()
    await scrubber.flush()
    expect(disk.checkpoints()).toBe(1)
    expect(scrubber.pending).toBe(false)
    vi.advanceTimersByTime(5000)
    expect(disk.checkpoints()).toBe(1)
  })

  it('a blocked checkpoint is retried with backoff, soon enough after the reader leaves', () => {
    vi.useFakeTimers()
    const disk = fakeDisk(0, 'busy')
    disk.block()
    const scrubber = scrubberOn(disk.db, 100)
    scrubber.written()
    vi.advanceTimersByTime(60_000)
    const attempts = disk.checkpoints()
    // Backing off: far fewer attempts than one per delayMs, but it keeps trying.
    expect(attempts).toBeGreaterThan(3)
    expect(attempts).toBeLessThan(60_000 / 100 / 10)
    expect(scrubber.pending).toBe(true)
    disk.release()
    vi.advanceTimersByTime(5000)
    expect(scrubber.pending).toBe(false)
    // A later write gets its own window again, not the backed-off interval.
    scrubber.written()
    vi.advanceTimersByTime(100)
    expect(scrubber.pending).toBe(false)
  })

  it('flush() retries while busy, rejects with SQLITE_BUSY past busyTimeoutMs and leaves the retry running', async () => {
    const disk = fakeDisk(0, 'busy')
    disk.block()
    const scrubber = scrubberOn(disk.db, 60_000, 150)
    scrubber.written()
    await expect(scrubber.flush()).rejects.toMatchObject({
      name: 'SqliteStoreError',
      reason: 'sqlite',
      sqliteCode: 5,
    })
    expect(disk.checkpoints()).toBeGreaterThan(1)
    expect(scrubber.pending).toBe(true)
    disk.release()
    const deadline = Date.now() + 10_000
    while (scrubber.pending && Date.now() < deadline) await sleep(25)
    expect(scrubber.pending).toBe(false)
  })

  it('flush() while busy is retried until the checkpoint completes within busyTimeoutMs', async () => {
    const disk = fakeDisk(3, 'busy')
    const scrubber = scrubberOn(disk.db, 60_000, 10_000)
    scrubber.written()
    await expect(Promise.all([scrubber.flush(), scrubber.flush()])).resolves.toEqual([undefined, undefined])
    expect(disk.checkpoints()).toBe(4)
    expect(scrubber.pending).toBe(false)
  })
})
