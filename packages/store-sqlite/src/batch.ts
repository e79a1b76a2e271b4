import type { StatementSync } from 'node:sqlite'

/**
 * Runs the store's operations in shared transactions (group commit).
 *
 * Each SQLite transaction on a shared file costs about two dozen system calls whatever it does
 * (POSIX locks on the database and the `-shm` index, WAL frame writes), which on a busy machine
 * is tens of microseconds: more than the statements themselves, and paid again by every read.
 * A revoke makes several store calls, and a bulk revoke has many revokes in flight, so the store
 * queues the calls made in one turn of the event loop and runs them together, in order, in one
 * transaction, each inside its own savepoint.
 *
 * What callers see is what they would see with a transaction each: the operations run one after
 * another under the write lock, so each one's reads and version checks see the writes before
 * it; one that throws is rolled back alone (its savepoint) and rejects; every promise settles
 * only after the COMMIT, so no caller learns of a write before it is durable and visible to
 * other processes, and if the COMMIT fails every operation of the batch rejects, none written.
 *
 * @see https://sqlite.org/lang_savepoint.html
 * @see https://sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions
 */
export interface Batcher {
  /** Queues `body` for the next batch; `write` takes the write lock for that batch. */
  run<T>(write: boolean, body: () => T): Promise<T>
  /** Runs the queued operations now (before closing). */
  drain(): void
}

interface Queued {
  readonly write: boolean
  readonly body: () => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

/**
 * `statement` prepares (and caches) SQL on the store's connection; `inTransaction` says whether
 * a transaction is still open on it (`DatabaseSync.isTransaction`).
 */
export function createBatcher(
  statement: (sql: string) => StatementSync,
  inTransaction: () => boolean,
): Batcher {
  let queue: Queued[] = []
  let scheduled = false

  function rollback() {
    try {
      statement('ROLLBACK').run()
    } catch {
      // SQLite already rolled back (it does on some I/O and full-disk errors).
    }
  }

  function drain() {
    scheduled = false
    const ops = queue
    queue = []
    if (ops.length === 0) return
    const write = ops.some((op) => op.write)
    try {
      // BEGIN IMMEDIATE takes the write lock up front, so reads inside see the latest commit and
      // nothing can change between them and the write. A read-only batch needs no lock.
      statement(write ? 'BEGIN IMMEDIATE' : 'BEGIN').run()
    } catch (error) {
      for (const op of ops) op.reject(error)
      return
    }
    const single = ops.length === 1
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = []
    let lost: unknown
    for (const op of ops) {
      // SQLite rolls the whole transaction back by itself on some errors (disk full, I/O). The
      // rest of the batch must not then run statement by statement in autocommit mode.
      if (lost !== undefined || !inTransaction()) {
        lost ??= new Error('the transaction was rolled back by SQLite')
        outcomes.push({ ok: false, error: lost })
        continue
      }
      try {
        if (!single) statement('SAVEPOINT op').run()
        const value = op.body()
        if (!single) statement('RELEASE op').run()
        outcomes.push({ ok: true, value })
      } catch (error) {
        if (!inTransaction()) lost = error
        else if (!single) {
          try {
            statement('ROLLBACK TO op').run()
            statement('RELEASE op').run()
          } catch (undo) {
            lost = undo
          }
        }
        outcomes.push({ ok: false, error })
      }
    }
    try {
      // Every operation of a batch whose transaction is lost rejects: none of them was written.
      if (lost !== undefined) throw lost
      if (single && !outcomes[0]?.ok) rollback()
      else statement('COMMIT').run()
    } catch (error) {
      // Also when COMMIT itself failed: a transaction left open would make every later BEGIN fail.
      rollback()
      for (const op of ops) op.reject(error)
      return
    }
    ops.forEach((op, i) => {
      const outcome = outcomes[i] as (typeof outcomes)[number]
      if (outcome.ok) op.resolve(outcome.value)
      else op.reject(outcome.error)
    })
  }

  return {
    run<T>(write: boolean, body: () => T) {
      return new Promise<T>((resolve, reject) => {
        queue.push({ write, body, resolve: resolve as (value: unknown) => void, reject })
        if (!scheduled) {
          scheduled = true
          // After the I/O callbacks of this turn, so the calls they made share the transaction.
          setImmediate(drain)
        }
      })
    },
    drain,
  }
}
