import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { createBatcher } from './batch'

function setup() {
  const db = new DatabaseSync(':memory:')
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT')
  const batcher = createBatcher(
    (sql) => db.prepare(sql),
    () => db.isTransaction,
  )
  const put = (k: string, v: number) => () => db.prepare('INSERT INTO t VALUES (?, ?)').run(k, v).changes
  const rows = () => db.prepare('SELECT k, v FROM t ORDER BY k').all()
  return { db, batcher, put, rows }
}

describe('batcher (group commit)', () => {
  it('runs the calls of one turn in order in one transaction, undoing a failed one alone', async () => {
    const { db, batcher, put, rows } = setup()
    let transactions = 0
    const seen: unknown[] = []
    const results = await Promise.allSettled([
      batcher.run(true, put('a', 1)),
      batcher.run(true, () => {
        // Sees the write before it, inside the same transaction.
        seen.push(db.prepare('SELECT v FROM t WHERE k = ?').get('a'), db.isTransaction)
        transactions++
        return 'read'
      }),
      batcher.run(true, () => {
        put('b', 2)()
        put('a', 3)() // duplicate key: this call fails, and its write of b is undone with it
      }),
      batcher.run(true, put('c', 4)),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect(seen).toEqual([{ v: 1 }, true])
    expect(transactions).toBe(1)
    expect(db.isTransaction).toBe(false)
    expect(rows()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: 4 },
    ])
  })

  it('settles nothing before the commit, and calls of a later turn get a transaction of their own', async () => {
    const { db, batcher, put, rows } = setup()
    const first = batcher.run(true, put('a', 1))
    let settled = false
    void first.then(() => {
      settled = true
    })
    await Promise.resolve()
    expect(settled).toBe(false)
    expect(rows()).toEqual([])
    await first
    expect(db.isTransaction).toBe(false)
    await batcher.run(false, () => rows())
    expect(await batcher.run(true, put('b', 2))).toBe(1)
    expect(rows()).toHaveLength(2)
  })

  it('when SQLite loses the transaction midway, every call of the batch rejects and none is written', async () => {
    const { db, batcher, put, rows } = setup()
    const results = await Promise.allSettled([
      batcher.run(true, put('a', 1)),
      batcher.run(true, () => {
        // What SQLite does by itself on a full disk or an I/O error.
        db.exec('ROLLBACK')
        throw new Error('disk full')
      }),
      batcher.run(true, put('b', 2)),
    ])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(rows()).toEqual([])
    expect(db.isTransaction).toBe(false)
    // The next turn works again.
    expect(await batcher.run(true, put('c', 3))).toBe(1)
  })
})
