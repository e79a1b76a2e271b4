// The bulk-revoke progress bar: redrawn in place on a terminal, throttled plain lines otherwise.
import { describe, expect, it } from 'vitest'
import { createProgress } from './progress'

// Carriage return and "erase line": the redraw-in-place prefix.
const ESC = '\r\u001b[2K'

const counts = (revoked: number, failed = 0) => ({
  revoked,
  partial: 0,
  alreadyRevoked: 0,
  notSupported: 0,
  skipped: 0,
  failed,
})

function sink(isTTY: boolean) {
  const writes: string[] = []
  return { isTTY, columns: 80, writes, write: (text: string) => writes.push(text) }
}

describe('progress', () => {
  it('on a terminal redraws one line in place, throttled, and ends on a fresh line', () => {
    let now = 0
    const out = sink(true)
    const bar = createProgress(out, 100, { redrawMs: 100, clock: () => now })
    for (let done = 1; done <= 100; done++) {
      now += 10
      bar.update(done, counts(done))
    }
    bar.finish(100, counts(100))
    expect(out.writes.every((w) => w.startsWith(ESC))).toBe(true)
    expect(out.writes.length).toBeGreaterThanOrEqual(10)
    expect(out.writes.length).toBeLessThanOrEqual(13) // every 100 ms of 1 s, plus the last and the finish
    expect(out.writes.at(-1)).toBe(`${ESC}[${'█'.repeat(24)}] 100% 100/100  revoked 100, failed 0  100.0/s\n`)
    expect(out.writes.slice(0, -1).every((w) => w.length <= 80 + 5)).toBe(true)
  })

  it('elsewhere prints a plain line at each 10 % or interval, never a control character', () => {
    let now = 0
    const out = sink(false)
    const bar = createProgress(out, 1000, { intervalMs: 60_000, clock: () => now })
    for (let done = 1; done <= 1000; done++) {
      now += 1
      bar.update(done, counts(done - Math.floor(done / 100), Math.floor(done / 100)))
    }
    bar.finish(1000, counts(990, 10))
    expect(out.writes.length).toBe(11) // 0 %, 10 %, … 100 %
    expect(out.writes.join('')).not.toContain('\r')
    expect(out.writes.join('')).not.toContain('\u001b')
    expect(out.writes.at(-1)).toBe('progress: 1000/1000 (100%) revoked 990, failed 10\n')
  })

  it('with no accounts at all shows 100 % rather than dividing by zero', () => {
    const out = sink(false)
    createProgress(out, 0).finish(0, counts(0))
    expect(out.writes).toEqual(['progress: 0/0 (100%) revoked 0, failed 0\n'])
  })
})
