import type { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { createScrubber } from './scrubber'

/** A connection whose checkpoint fails the way a disk does, then recovers. */
function flakyDisk(failures: number) {
  let checkpoints = 0
  const db = {
    exec() {},
    prepare(sql: string) {
      return {
        get() {
          if (!sql.includes('wal_checkpoint')) return {}
          checkpoints++
          if (checkpoints <= failures) throw Object.assign(new Error('disk I/O error'), { errcode: 10 })
          return { busy: 0 }
        },
      }
    },
  } as unknown as DatabaseSync
  return { db, checkpoints: () => checkpoints }
}

describe('scrubber', () => {
  it('never rejects after a committed write: an I/O error leaves the scrub pending and retried', async () => {
    const disk = flakyDisk(1)
    let closed = false
    const scrubber = createScrubber(disk.db, 1000, () => closed)
    await expect(scrubber.scrub()).resolves.toBeUndefined()
    expect(scrubber.pending).toBe(true)
    // The background retry (first after 250 ms) succeeds once the disk recovers.
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(scrubber.pending).toBe(false)
    expect(disk.checkpoints()).toBe(2)
    closed = true
    scrubber.stop()
  })
})
